import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { Keys } from '../../lib/azure/keys';
import { Monitoring } from '../../lib/azure/monitoring';
import { Network } from '../../lib/azure/network';
import { Storage } from '../../lib/azure/storage';
import { PlatformNames } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('Storage', () => {
  const { json } = synthAzure(fixtures.azureProduction);
  /** The data lake (the ML workspace has a flat-namespace account of its own). */
  const lakeOf = (j: typeof json) =>
    Object.values(resourcesOf(j, 'azurerm_storage_account')).find((r) => r.is_hns_enabled === true);
  const account = () => lakeOf(json);

  it('creates a private ADLS Gen2 account with Entra-only access, GZRS and prevent_destroy in production', () => {
    expect(account()).toMatchObject({
      is_hns_enabled: true,
      min_tls_version: 'TLS1_2',
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      public_network_access_enabled: false,
      account_replication_type: 'GZRS',
      lifecycle: { prevent_destroy: true },
    });
    const staging = lakeOf(synthAzure(fixtures.azureStaging).json);
    expect(staging?.account_replication_type).toBe('ZRS');
  });

  it('encrypts with the storage key through a user-assigned identity that holds the crypto role', () => {
    expect(account()?.customer_managed_key).toEqual({
      key_vault_key_id: expect.stringContaining('versionless_id'),
      user_assigned_identity_id: expect.stringContaining('azurerm_user_assigned_identity.'),
    });
    const roles = Object.values(resourcesOf(json, 'azurerm_role_assignment')).map((r) => r.role_definition_name);
    expect(roles).toContain('Key Vault Crypto Service Encryption User');
  });

  it('creates one container per data zone', () => {
    const zones = vary(fixtures.azureStaging, (d) => {
      d.storage.zones = ['models', 'artifacts'];
      d.serving = undefined;
    });
    const names = Object.values(resourcesOf(synthAzure(zones).json, 'azurerm_storage_container')).map((c) => c.name);
    // and the serving container Flux reconciles
    expect(names.sort()).toEqual(['artifacts', 'models', 'serving']);
  });

  it('keeps deleted data for noncurrentVersionDays and tiers by the configured lifecycle', () => {
    expect(account()?.blob_properties).toMatchObject({
      delete_retention_policy: { days: 90 },
      container_delete_retention_policy: { days: 90 },
    });
    const policy = Object.values(resourcesOf(json, 'azurerm_storage_management_policy'))[0];
    // The capture expiry rules that follow it are asserted in operations.test.ts.
    expect((policy?.rule as unknown[] | undefined)?.[0]).toEqual(
      expect.objectContaining({
        name: 'tiering',
        actions: {
          base_blob: {
            tier_to_cool_after_days_since_modification_greater_than: 60,
            tier_to_cold_after_days_since_modification_greater_than: 180,
          },
        },
      }),
    );
  });

  it('adds blob and dfs private endpoints', () => {
    const subresources = Object.values(resourcesOf(json, 'azurerm_private_endpoint')).flatMap(
      (e) => (e.private_service_connection as { subresource_names: string[] }).subresource_names,
    );
    expect(subresources).toEqual(expect.arrayContaining(['blob', 'dfs']));
  });
});

describe('Storage.modelsContainer', () => {
  it('throws when the environment has no models zone', () => {
    // GIVEN a Storage construct built for zones without `models`
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    const env = vary(fixtures.azureStaging, (d) => (d.storage.zones = ['raw']));
    const names = new PlatformNames(env);
    const resourceGroup = new ResourceGroup(stack, 'rg', { name: names.resourceGroup, location: 'westeurope' });
    const base = { environment: env, names, resourceGroup };
    const network = new Network(stack, 'network', base);
    const monitoring = new Monitoring(stack, 'monitoring', base);
    const keys = new Keys(stack, 'keys', {
      ...base,
      network,
      monitoring,
      administratorPrincipalId: '00000000-0000-0000-0000-0000000000d1',
    });
    const storage = new Storage(stack, 'storage', { ...base, network, monitoring, keys });
    // WHEN the models container is asked for THEN it says what is missing
    expect(() => storage.modelsContainer).toThrow(/no 'models' zone/);
  });
});
