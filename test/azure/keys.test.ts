import { describe, expect, it } from 'vitest';
import { fixtures, resourcesOf, synthAzure } from '../util';

describe('Keys', () => {
  const { json } = synthAzure(fixtures.azureProduction);

  it('creates an RBAC vault with purge protection, 90-day soft delete and no public access, kept in production', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_key_vault'))).toEqual([
      expect.objectContaining({
        rbac_authorization_enabled: true,
        purge_protection_enabled: true,
        soft_delete_retention_days: 90,
        public_network_access_enabled: false,
        network_acls: { bypass: 'AzureServices', default_action: 'Deny' },
        lifecycle: { prevent_destroy: true },
      }),
    ]);
    const staging = Object.values(resourcesOf(synthAzure(fixtures.azureStaging).json, 'azurerm_key_vault'));
    expect(staging[0]?.lifecycle).toBeUndefined();
  });

  it('creates HSM-backed RSA 3072 keys with automatic rotation for storage', () => {
    const keys = Object.values(resourcesOf(json, 'azurerm_key_vault_key'));
    expect(keys.map((k) => k.name)).toEqual(['storage-cmk']);
    for (const key of keys) {
      expect(key).toMatchObject({
        key_type: 'RSA-HSM',
        key_size: 3072,
        rotation_policy: { expire_after: 'P1Y', automatic: { time_before_expiry: 'P30D' } },
      });
    }
  });

  it('creates keys only once the vault is reachable privately and the deploy identity may write them', () => {
    // GIVEN every Azure environment WHEN its stack is synthesized
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      const synthesized = synthAzure(env).json;
      const assignments = resourcesOf(synthesized, 'azurerm_role_assignment');
      const identities = resourcesOf(synthesized, 'azurerm_user_assigned_identity');
      const deployId = Object.keys(identities).find((k) => identities[k]?.name === `id-mlops-${env.name}-deploy`);
      const planId = Object.keys(identities).find((k) => identities[k]?.name === `id-mlops-${env.name}-plan`);
      // THEN Key Vault Crypto Officer goes to the fixed deploy identity, not to whoever runs apply
      const officer = Object.entries(assignments).find(
        ([, r]) => r.role_definition_name === 'Key Vault Crypto Officer',
      );
      expect(officer?.[1].principal_id).toBe(`\${azurerm_user_assigned_identity.${deployId}.principal_id}`);
      expect(synthesized.data?.azurerm_client_config).toBeUndefined();
      // AND the plan identity may refresh the keys (metadata only)
      expect(Object.values(assignments)).toContainEqual(
        expect.objectContaining({
          role_definition_name: 'Key Vault Reader',
          principal_id: `\${azurerm_user_assigned_identity.${planId}.principal_id}`,
        }),
      );
      // AND every key waits for the role, the vault's private endpoint and its DNS zone link
      const endpoint = Object.entries(resourcesOf(synthesized, 'azurerm_private_endpoint')).find(([, r]) =>
        JSON.stringify(r.private_service_connection).includes('vault'),
      );
      const link = Object.entries(resourcesOf(synthesized, 'azurerm_private_dns_zone_virtual_network_link')).find(
        ([, r]) => JSON.stringify(r.private_dns_zone_name).includes('dns-vault'),
      );
      for (const key of Object.values(resourcesOf(synthesized, 'azurerm_key_vault_key'))) {
        expect(key.depends_on).toEqual(
          expect.arrayContaining([
            `azurerm_role_assignment.${officer?.[0]}`,
            `azurerm_private_endpoint.${endpoint?.[0]}`,
            `azurerm_private_dns_zone_virtual_network_link.${link?.[0]}`,
          ]),
        );
      }
    }
  });

  it('reaches the vault through a private endpoint and logs to Log Analytics', () => {
    const endpoints = Object.values(resourcesOf(json, 'azurerm_private_endpoint'));
    expect(endpoints).toContainEqual(
      expect.objectContaining({
        private_service_connection: expect.objectContaining({ subresource_names: ['vault'] }),
      }),
    );
    const diagnostics = Object.values(resourcesOf(json, 'azurerm_monitor_diagnostic_setting'));
    expect(diagnostics.some((d) => String(d.target_resource_id).includes('azurerm_key_vault.'))).toBe(true);
  });
});
