import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  APP_CONFIGURATION_EXTENSION,
  FLUX_EXTENSION,
  MANIFESTS_PATH,
  SERVING_CONTAINER,
} from '../../lib/azure/serving';
import {
  type AzureEnvironment,
  CAPTURE_ZONE,
  flagKey,
  isAzureEnvironment,
  SERVING_NAMESPACE,
  SERVING_SERVICE_ACCOUNT,
} from '../../lib/config';
import { resourcesOf, synthAzure, type TerraformJson } from '../util';

const azure = environments.filter(isAzureEnvironment) as AzureEnvironment[];

/** `<type>.<name>` of the one resource of a type that matches. */
function find(json: TerraformJson, type: string, match: (r: Record<string, unknown>) => boolean): string {
  const found = Object.entries(resourcesOf(json, type)).find(([, r]) => match(r));
  if (!found) throw new Error(`no matching ${type}`);
  return `${type}.${found[0]}`;
}

describe.each(azure.map((env) => [env.name, env] as const))('Serving of %s', (_name, env) => {
  const { json } = synthAzure(env);
  const assignments = Object.values(resourcesOf(json, 'azurerm_role_assignment'));
  const identity = find(json, 'azurerm_user_assigned_identity', (r) => r.name === `id-mlops-${env.name}-model-serving`);
  const kubelet = find(json, 'azurerm_user_assigned_identity', (r) => r.name === `id-mlops-${env.name}-aks-kubelet`);

  it('federates the serving identity with model-serving/model-serving and grants exactly what the pods need', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_federated_identity_credential'))).toContainEqual(
      expect.objectContaining({
        subject: `system:serviceaccount:${SERVING_NAMESPACE}:${SERVING_SERVICE_ACCOUNT}`,
        parent_id: `\${${identity}.id}`,
        issuer: expect.stringContaining('oidc_issuer_url'),
      }),
    );
    // Serving's own grants; operations.ts adds the batch, events and traces roles (operations.test.ts).
    const roles = Object.entries(resourcesOf(json, 'azurerm_role_assignment'))
      .filter(([name]) => name.startsWith('serving_'))
      .map(([, a]) => a)
      .filter((a) => a.principal_id === `\${${identity}.principal_id}`)
      .map((a) => `${a.role_definition_name} ${String(a.scope)}`);
    expect(roles).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Storage Blob Data Reader .*container-models/),
        expect.stringMatching(new RegExp(`^Storage Blob Data Contributor .*container-${CAPTURE_ZONE}`)),
        expect.stringMatching(/^App Configuration Data Reader .*azurerm_app_configuration\./),
        expect.stringMatching(/^Monitoring Metrics Publisher .*azurerm_kubernetes_cluster\./),
      ]),
    );
    expect(roles).toHaveLength(4);
    // and the kubelet pulls images from the registry
    expect(assignments).toContainEqual(
      expect.objectContaining({ role_definition_name: 'AcrPull', principal_id: `\${${kubelet}.principal_id}` }),
    );
  });

  it('keeps the flags in a private, Entra-only App Configuration store, one flag per model and switch', () => {
    const store = Object.values(resourcesOf(json, 'azurerm_app_configuration'))[0];
    expect(store).toMatchObject({
      sku: 'standard',
      local_auth_enabled: false,
      public_network_access: 'Disabled',
      purge_protection_enabled: env.stage === 'production',
    });
    const endpoint = Object.values(resourcesOf(json, 'azurerm_private_endpoint')).find((e) =>
      JSON.stringify(e.private_service_connection).includes('configurationStores'),
    );
    expect(endpoint).toBeDefined();
    const flags = Object.values(resourcesOf(json, 'azurerm_app_configuration_feature'));
    for (const model of env.serving?.models ?? []) {
      expect(flags).toContainEqual(
        expect.objectContaining({ name: flagKey(model.name, 'enabled'), enabled: model.flags?.enabled ?? true }),
      );
      expect(flags).toContainEqual(
        expect.objectContaining({ name: flagKey(model.name, 'capture'), enabled: model.flags?.capture ?? false }),
      );
      expect(flags).toContainEqual(
        expect.objectContaining({
          name: flagKey(model.name, 'shadow'),
          percentage_filter_value: model.flags?.shadowPercent ?? 0,
        }),
      );
    }
    for (const flag of flags) {
      // a flip in App Configuration is never undone by an apply
      expect(flag.lifecycle).toEqual({ ignore_changes: ['enabled', 'percentage_filter_value'] });
      // created on the data plane only once the writer's role, the endpoint and its DNS link exist
      expect(flag.depends_on).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^azurerm_role_assignment\./),
          expect.stringMatching(/^azurerm_private_endpoint\./),
          expect.stringMatching(/^azurerm_private_dns_zone_virtual_network_link\./),
        ]),
      );
    }
  });

  it('installs Flux and the App Configuration provider as cluster extensions after the nodes exist', () => {
    const extensions = Object.values(resourcesOf(json, 'azurerm_kubernetes_cluster_extension'));
    expect(extensions.map((e) => e.extension_type).sort()).toEqual(
      [FLUX_EXTENSION.type, APP_CONFIGURATION_EXTENSION.type].sort(),
    );
    for (const e of extensions) {
      expect(e.depends_on).toEqual(
        expect.arrayContaining([expect.stringMatching(/^azurerm_kubernetes_cluster_node_pool\./)]),
      );
    }
  });

  it('reconciles the serving container through the kubelet identity, pruning, after both extensions', () => {
    const flux = Object.values(resourcesOf(json, 'azurerm_kubernetes_flux_configuration'));
    expect(flux).toHaveLength(1);
    const container = find(json, 'azurerm_storage_container', (r) => r.name === SERVING_CONTAINER);
    expect(flux[0]).toMatchObject({
      scope: 'cluster',
      blob_storage: {
        container_id: `\${${container}.id}`,
        managed_identity: { client_id: `\${${kubelet}.client_id}` },
      },
      kustomizations: [expect.objectContaining({ path: `./${MANIFESTS_PATH}`, garbage_collection_enabled: true })],
    });
    const extensionAddresses = Object.keys(resourcesOf(json, 'azurerm_kubernetes_cluster_extension')).map(
      (k) => `azurerm_kubernetes_cluster_extension.${k}`,
    );
    expect(flux[0]?.depends_on).toEqual(expect.arrayContaining(extensionAddresses));
    // Flux reads only the serving container
    expect(assignments).toContainEqual(
      expect.objectContaining({
        role_definition_name: 'Storage Blob Data Reader',
        principal_id: `\${${kubelet}.principal_id}`,
        scope: expect.stringMatching(new RegExp(`/containers/${SERVING_CONTAINER}$`)),
      }),
    );
    // and the workload is in no Terraform resource
    expect(JSON.stringify(json)).not.toContain('"kind":"Deployment"');
  });
});
