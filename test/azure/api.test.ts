import { describe, expect, it } from 'vitest';
import { APIM_DNS_ZONE, modelsApiPolicy, parseApimSku } from '../../lib/azure/api';
import { PlatformNames } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure } from '../util';

describe('Api', () => {
  const { json, stack } = synthAzure(fixtures.azureProduction);

  it('runs API Management in internal VNet mode with TLS 1.2+ and no weak ciphers', () => {
    const apim = Object.values(resourcesOf(json, 'azurerm_api_management'))[0];
    expect(apim).toMatchObject({
      sku_name: 'Premium_1',
      virtual_network_type: 'Internal',
      virtual_network_configuration: { subnet_id: expect.stringContaining('apim-subnet') },
      security: {
        frontend_ssl30_enabled: false,
        frontend_tls10_enabled: false,
        frontend_tls11_enabled: false,
        backend_tls11_enabled: false,
        triple_des_ciphers_enabled: false,
      },
    });
    // Premium_1 cannot spread one unit over three zones.
    expect(apim?.zones).toBeUndefined();
    expect(parseApimSku('Premium_3')).toEqual({ name: 'Premium', capacity: 3 });
  });

  it('points the inference backend at the reserved internal load balancer address', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_api_management_backend'))).toEqual([
      expect.objectContaining({ name: 'inference', url: `https://${stack.network.inferenceIngressIp}/` }),
    ]);
  });

  it('requires a subscription and applies rate limits and Entra ID validation in iam mode', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_api_management_api'))).toEqual([
      expect.objectContaining({ name: 'models', subscription_required: true, protocols: ['https'] }),
    ]);
    const policy = String(Object.values(resourcesOf(json, 'azurerm_api_management_api_policy'))[0]?.xml_content);
    expect(policy).toContain('<validate-azure-ad-token tenant-id="99999999-9999-9999-9999-999999999999"');
    expect(policy).toContain('<rate-limit-by-key calls="1000" renewal-period="1"');
    expect(policy).toContain('<rate-limit-by-key calls="30000" renewal-period="60"');
    expect(policy).not.toContain('quota-by-key');
  });

  it('adds a daily quota and no token validation in api-key mode', () => {
    const policy = modelsApiPolicy(fixtures.azureStaging.api, 'tenant', 'api://x');
    expect(policy).toContain('<quota-by-key calls="100000" renewal-period="86400"');
    expect(policy).not.toContain('validate-azure-ad-token');
  });

  it('logs every request to the workspace through the built-in Azure Monitor logger, not a connection string', () => {
    const apimAddress = Object.keys(resourcesOf(json, 'azurerm_api_management'))[0];
    expect(Object.values(resourcesOf(json, 'azurerm_api_management_api_diagnostic'))).toEqual([
      expect.objectContaining({
        identifier: 'azuremonitor',
        api_management_logger_id: `\${azurerm_api_management.${apimAddress}.id}/loggers/azuremonitor`,
        sampling_percentage: 100,
        always_log_errors: true,
      }),
    ]);
    expect(resourcesOf(json, 'azurerm_api_management_logger')).toEqual({});
  });

  it('resolves the gateway host names to its private address inside the VNet', () => {
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      // GIVEN an internal-mode API Management WHEN synthesized
      const synthesized = synthAzure(env).json;
      const apimAddress = Object.keys(resourcesOf(synthesized, 'azurerm_api_management'))[0];
      const service = new PlatformNames(env).apiManagement;
      // THEN a private azure-api.net zone is linked to the VNet
      const zone = Object.entries(resourcesOf(synthesized, 'azurerm_private_dns_zone')).find(
        ([, z]) => z.name === APIM_DNS_ZONE,
      );
      expect(zone).toBeDefined();
      expect(Object.values(resourcesOf(synthesized, 'azurerm_private_dns_zone_virtual_network_link'))).toContainEqual(
        expect.objectContaining({ private_dns_zone_name: `\${azurerm_private_dns_zone.${zone?.[0]}.name}` }),
      );
      // AND the gateway, portal, developer portal, management and scm names point at the private address
      const records = Object.values(resourcesOf(synthesized, 'azurerm_private_dns_a_record')).filter(
        (r) => r.zone_name === `\${azurerm_private_dns_zone.${zone?.[0]}.name}`,
      );
      expect(records.map((r) => r.name).sort()).toEqual(
        [service, `${service}.developer`, `${service}.management`, `${service}.portal`, `${service}.scm`].sort(),
      );
      for (const r of records) {
        expect(r.records).toEqual([`\${element(azurerm_api_management.${apimAddress}.private_ip_addresses, 0)}`]);
      }
    }
  });

  it('injects API Management only after its subnet has its NSG and NAT, and applies the policy after its backend', () => {
    const apim = Object.values(resourcesOf(json, 'azurerm_api_management'))[0];
    const nsg = Object.keys(resourcesOf(json, 'azurerm_subnet_network_security_group_association')).find((n) =>
      n.startsWith('network_apim-nsg-association'),
    );
    const nat = Object.keys(resourcesOf(json, 'azurerm_subnet_nat_gateway_association')).find((n) =>
      n.startsWith('network_apim-nat-association'),
    );
    expect(apim?.depends_on).toEqual([
      `azurerm_subnet_network_security_group_association.${nsg}`,
      `azurerm_subnet_nat_gateway_association.${nat}`,
    ]);
    const backends = Object.keys(resourcesOf(json, 'azurerm_api_management_backend'));
    for (const policy of Object.values(resourcesOf(json, 'azurerm_api_management_api_policy'))) {
      for (const id of [...String(policy.xml_content).matchAll(/backend-id="([^"@]+)"/g)].map((m) => m[1])) {
        const backend = backends.find((b) => resourcesOf(json, 'azurerm_api_management_backend')[b]?.name === id);
        expect(backend, `backend ${id}`).toBeDefined();
        expect(policy.depends_on).toContain(`azurerm_api_management_backend.${backend}`);
      }
    }
  });
});
