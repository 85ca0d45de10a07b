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

  it('creates HSM-backed RSA 3072 keys with automatic rotation for storage and the registry', () => {
    const keys = Object.values(resourcesOf(json, 'azurerm_key_vault_key'));
    expect(keys.map((k) => k.name).sort()).toEqual(['registry-cmk', 'storage-cmk']);
    for (const key of keys) {
      expect(key).toMatchObject({
        key_type: 'RSA-HSM',
        key_size: 3072,
        rotation_policy: { expire_after: 'P1Y', automatic: { time_before_expiry: 'P30D' } },
      });
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
