import { describe, expect, it } from 'vitest';
import {
  APIM_DNS_ZONE,
  accessPolicy,
  modelApiName,
  modelApiPolicy,
  parseApimSku,
  releaseNamedValue,
  slotBackendId,
} from '../../lib/azure/api';
import { PlatformNames, SLOTS } from '../../lib/config';
import { slotLoadBalancerPort } from '../../lib/kubernetes';
import { fixtures, resourcesOf, synthAzure } from '../util';

const azureEnvironments = [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid];
const limits = {
  authMode: 'iam' as const,
  rateLimitPerSecond: 500,
  burst: 1000,
  tenantId: '99999999-9999-9999-9999-999999999999',
  audience: 'api://x',
};

describe('Api', () => {
  const { json } = synthAzure(fixtures.azureProduction);

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

  it.each(azureEnvironments.map((env) => [env.name, env] as const))(
    'routes each model of %s to the load balancer frontends its slot Services take',
    (_name, env) => {
      // GIVEN an environment's models WHEN its stack is synthesized
      const { json: synthesized, stack: built } = synthAzure(env);
      const backends = Object.values(resourcesOf(synthesized, 'azurerm_api_management_backend'));
      for (const model of env.serving?.models ?? []) {
        // THEN each slot's backend is the reserved address on the port the slot's Service takes
        for (const slot of SLOTS) {
          expect(backends).toContainEqual(
            expect.objectContaining({
              name: slotBackendId(model.name, slot),
              protocol: 'http',
              url: `http://${built.network.inferenceIngressIp}:${slotLoadBalancerPort(model, slot)}`,
            }),
          );
        }
        // AND the model has its own API with the three routes
        const apiAddress = Object.entries(resourcesOf(synthesized, 'azurerm_api_management_api')).find(
          ([, a]) => a.name === modelApiName(model.name),
        );
        expect(apiAddress?.[1]).toMatchObject({ path: `models/${model.name}`, subscription_required: true });
        const operations = Object.values(resourcesOf(synthesized, 'azurerm_api_management_api_operation'))
          .filter((o) => o.api_name === `\${azurerm_api_management_api.${apiAddress?.[0]}.name}`)
          .map((o) => `${o.method} ${o.url_template}`)
          .sort();
        expect(operations).toEqual(['GET /health', 'POST /invoke', 'POST /preview/invoke']);
        // AND the weight and candidate named values exist and are left to the release after creation
        const named = Object.values(resourcesOf(synthesized, 'azurerm_api_management_named_value'));
        for (const field of ['green-weight', 'candidate'] as const) {
          expect(named).toContainEqual(
            expect.objectContaining({
              name: releaseNamedValue(model.name, field),
              lifecycle: { ignore_changes: ['value'] },
            }),
          );
        }
        // AND the policy waits the model's timeout
        const policy = Object.values(resourcesOf(synthesized, 'azurerm_api_management_api_policy')).find(
          (p) => p.api_name === `\${azurerm_api_management_api.${apiAddress?.[0]}.name}`,
        );
        expect(String(policy?.xml_content)).toContain(`<forward-request timeout="${model.timeoutSeconds}" />`);
      }
    },
  );

  it('sends preview requests to the candidate and live requests to green by the weight named value', () => {
    const model = { name: 'churn', timeoutSeconds: 10, slotUrls: { blue: 'http://a:9000', green: 'http://a:9001' } };
    const policy = modelApiPolicy(model, { ...limits, authMode: 'api-key' });
    // The preview operation picks the candidate's backend first
    const preview = policy.indexOf('context.Operation.Id == &quot;preview-invoke&quot;');
    const weighted = policy.indexOf('new Random().Next(100) &lt; {{churn-green-weight}}');
    expect(preview).toBeGreaterThan(0);
    expect(weighted).toBeGreaterThan(preview);
    expect(policy).toContain('&quot;{{churn-candidate}}&quot; == &quot;blue&quot;');
    expect(policy).toContain('<rewrite-uri template="/models/churn/invoke" />');
    expect(policy).toContain('<rewrite-uri template="/ready" />');
    // The policy is well-formed XML (no bare < or quotes inside attributes)
    expect(policy.match(/="[^"]*"/g)?.every((attr) => !attr.slice(2, -1).includes('<'))).toBe(true);
  });

  it('requires a subscription and applies rate limits and Entra ID validation in iam mode', () => {
    const policy = accessPolicy(limits);
    expect(policy).toContain('<validate-azure-ad-token tenant-id="99999999-9999-9999-9999-999999999999"');
    expect(policy).toContain('<audience>api://x</audience>');
    expect(policy).toContain('<rate-limit-by-key calls="1000" renewal-period="1"');
    expect(policy).toContain('<rate-limit-by-key calls="30000" renewal-period="60"');
    expect(policy).not.toContain('quota-by-key');
  });

  it('adds a daily quota and no token validation in api-key mode', () => {
    const policy = accessPolicy({ ...limits, authMode: 'api-key', dailyQuota: 100_000 });
    expect(policy).toContain('<quota-by-key calls="100000" renewal-period="86400"');
    expect(policy).not.toContain('validate-azure-ad-token');
  });

  it('logs every request to the workspace through the built-in Azure Monitor logger, not a connection string', () => {
    const apimAddress = Object.keys(resourcesOf(json, 'azurerm_api_management'))[0];
    const diagnostics = Object.values(resourcesOf(json, 'azurerm_api_management_api_diagnostic'));
    expect(diagnostics).toHaveLength(fixtures.azureProduction.serving?.models.length ?? 0);
    for (const d of diagnostics) {
      expect(d).toMatchObject({
        identifier: 'azuremonitor',
        api_management_logger_id: `\${azurerm_api_management.${apimAddress}.id}/loggers/azuremonitor`,
        sampling_percentage: 100,
        always_log_errors: true,
      });
    }
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
