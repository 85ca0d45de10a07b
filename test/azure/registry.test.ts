import { describe, expect, it } from 'vitest';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('Registry', () => {
  const { json } = synthAzure(fixtures.azureProduction);

  it('creates a private, zone-redundant Premium registry with no admin or anonymous access', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_container_registry'))).toEqual([
      expect.objectContaining({
        sku: 'Premium',
        admin_enabled: false,
        anonymous_pull_enabled: false,
        public_network_access_enabled: false,
        zone_redundancy_enabled: true,
        retention_policy_in_days: 30,
        identity: { type: 'SystemAssigned' },
        lifecycle: { prevent_destroy: true },
      }),
    ]);
  });

  it('encrypts with platform keys: a CMK through a user-assigned identity cannot pass the private vault', () => {
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      const registry = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_container_registry'))[0];
      expect(registry?.encryption).toBeUndefined();
    }
  });

  it('gives the kubelet identity AcrPull on the registry', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_role_assignment'))).toContainEqual(
      expect.objectContaining({
        role_definition_name: 'AcrPull',
        scope: expect.stringContaining('azurerm_container_registry.'),
        principal_id: expect.stringContaining('kubelet-identity'),
      }),
    );
  });

  it('caches the AKS bootstrap images only for a network-isolated cluster', () => {
    expect(resourcesOf(json, 'azurerm_container_registry_cache_rule')).toEqual({});
    const isolated = synthAzure(vary(fixtures.azureStaging, (d) => (d.network.natGateways = 0))).json;
    expect(Object.values(resourcesOf(isolated, 'azurerm_container_registry_cache_rule'))).toEqual([
      expect.objectContaining({ source_repo: 'mcr.microsoft.com/*', target_repo: 'aks-managed-repository/*' }),
    ]);
  });
});
