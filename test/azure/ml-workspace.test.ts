import { describe, expect, it } from 'vitest';
import { fixtures, resourcesOf, synthAzure } from '../util';

describe('MlWorkspace', () => {
  const { json } = synthAzure(fixtures.azureProduction);

  it('wires the workspace to the platform storage, vault, registry and Application Insights, privately', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_machine_learning_workspace'))).toEqual([
      expect.objectContaining({
        storage_account_id: expect.stringContaining('azurerm_storage_account.'),
        key_vault_id: expect.stringContaining('azurerm_key_vault.'),
        container_registry_id: expect.stringContaining('azurerm_container_registry.'),
        application_insights_id: expect.stringContaining('azurerm_application_insights.'),
        public_network_access_enabled: false,
        managed_network: { isolation_mode: 'AllowOnlyApprovedOutbound' },
        identity: { type: 'SystemAssigned' },
      }),
    ]);
  });

  it('adds a private endpoint in the api.azureml.ms and notebooks zones', () => {
    const endpoint = Object.values(resourcesOf(json, 'azurerm_private_endpoint')).find(
      (e) => (e.private_service_connection as { subresource_names: string[] }).subresource_names[0] === 'amlworkspace',
    );
    expect(
      (endpoint?.private_dns_zone_group as { private_dns_zone_ids: string[] } | undefined)?.private_dns_zone_ids,
    ).toHaveLength(2);
  });
});
