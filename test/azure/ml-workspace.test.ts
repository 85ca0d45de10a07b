import { describe, expect, it } from 'vitest';
import { checkCompliance } from '../../lib/azure/compliance';
import { mlStorageAccountName } from '../../lib/azure/names';
import { PlatformNames } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure, type TerraformJson } from '../util';

const azureEnvironments = [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid];

/** The address of the one resource of a type whose attribute has a value. */
function addressWhere(json: TerraformJson, type: string, key: string, value: unknown): string {
  const found = Object.entries(resourcesOf(json, type)).find(([, r]) => r[key] === value);
  if (!found) throw new Error(`no ${type} with ${key} = ${String(value)}`);
  return `${type}.${found[0]}`;
}

describe('MlWorkspace', () => {
  const { json } = synthAzure(fixtures.azureProduction);

  it('wires the workspace to a storage account of its own, the vault, registry and Application Insights, privately', () => {
    const store = addressWhere(
      json,
      'azurerm_storage_account',
      'name',
      mlStorageAccountName(new PlatformNames(fixtures.azureProduction), 'az-production'),
    );
    expect(Object.values(resourcesOf(json, 'azurerm_machine_learning_workspace'))).toEqual([
      expect.objectContaining({
        storage_account_id: `\${${store}.id}`,
        key_vault_id: expect.stringContaining('azurerm_key_vault.'),
        container_registry_id: expect.stringContaining('azurerm_container_registry.'),
        application_insights_id: expect.stringContaining('azurerm_application_insights.'),
        public_network_access_enabled: false,
        managed_network: { isolation_mode: 'AllowOnlyApprovedOutbound' },
        identity: { type: 'SystemAssigned' },
      }),
    ]);
  });

  it('gives the workspace a flat-namespace, private store, and attaches every data-lake zone as an identity datastore', () => {
    for (const env of azureEnvironments) {
      // GIVEN an environment WHEN synthesized
      const synthesized = synthAzure(env).json;
      const names = new PlatformNames(env);
      const storeName = mlStorageAccountName(names, env.name);
      const store = resourcesOf(synthesized, 'azurerm_storage_account');
      const workspaceStore = Object.values(store).find((r) => r.name === storeName);
      // THEN the workspace's default storage has no hierarchical namespace (AML refuses one) and is private
      expect(workspaceStore).toMatchObject({ is_hns_enabled: false, public_network_access_enabled: false });
      expect(storeName.length).toBeLessThanOrEqual(24);
      // AND the data lake keeps its hierarchical namespace and Entra-only access
      const lake = Object.values(store).find((r) => r.name === names.storageAccount);
      expect(lake).toMatchObject({ is_hns_enabled: true, shared_access_key_enabled: false });
      // AND every zone container is a datastore without stored credentials
      const lakeAddress = addressWhere(synthesized, 'azurerm_storage_account', 'name', names.storageAccount);
      const datastores = Object.values(resourcesOf(synthesized, 'azurerm_machine_learning_datastore_datalake_gen2'));
      expect(datastores.map((d) => d.name).sort()).toEqual(env.storage.zones.map((z) => `datalake_${z}`).sort());
      for (const d of datastores) {
        expect(d.client_secret).toBeUndefined();
        expect(String(d.storage_container_id)).toMatch(/^\$\{azurerm_storage_container\.storage_container-/);
      }
      // AND the workspace identity may read and write the lake
      expect(Object.values(resourcesOf(synthesized, 'azurerm_role_assignment'))).toContainEqual(
        expect.objectContaining({
          scope: `\${${lakeAddress}.id}`,
          role_definition_name: 'Storage Blob Data Contributor',
          principal_id: expect.stringContaining('azurerm_machine_learning_workspace.'),
        }),
      );
      // AND its blob and file endpoints exist before the workspace that creates datastores through them
      const endpoints = Object.entries(resourcesOf(synthesized, 'azurerm_private_endpoint')).filter(([k]) =>
        k.startsWith('ml-workspace_storage-private-endpoint'),
      );
      expect(endpoints).toHaveLength(2);
      const workspace = Object.values(resourcesOf(synthesized, 'azurerm_machine_learning_workspace'))[0];
      for (const [address] of endpoints) expect(workspace?.depends_on).toContain(`azurerm_private_endpoint.${address}`);
    }
  });

  it('fails the compliance rules when the workspace store with shared keys is made public', () => {
    const copy = structuredClone(json) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const storeName = mlStorageAccountName(new PlatformNames(fixtures.azureProduction), 'az-production');
    const store = Object.values(copy.resource.azurerm_storage_account ?? {}).find((r) => r.name === storeName);
    expect(checkCompliance(copy, { production: true })).toEqual([]);
    if (store) store.public_network_access_enabled = true;
    expect(checkCompliance(copy, { production: true }).map((f) => f.ruleId)).toContain('AZ-ST-04');
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
