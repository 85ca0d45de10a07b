import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { buildAzureApp } from '../../lib/azure/app';
import { PlatformStack } from '../../lib/azure/platform-stack';
import { ConfigError, platformTags } from '../../lib/config';
import { fixtures, ROOT, resourcesOf, synthAzure, vary } from '../util';

const azureEnvironments = [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid];

/**
 * Whether a Terraform resource type takes tags: its generated binding's config declares `tags`
 * (`azurerm_key_vault_key` → `@cdktf/provider-azurerm/lib/key-vault-key`). Throws for a type
 * whose binding cannot be found, so that no type is skipped silently.
 */
function takesTags(type: string): boolean {
  const [provider = '', ...rest] = type.split('_');
  const declaration = join(ROOT, 'node_modules', '@cdktf', `provider-${provider}`, 'lib', rest.join('-'), 'index.d.ts');
  return /^\s+readonly tags\?: \{/m.test(readFileSync(declaration, 'utf8'));
}

function isSuperset(tags: unknown, expected: Readonly<Record<string, string>>): boolean {
  const actual = (tags ?? {}) as Record<string, unknown>;
  return Object.entries(expected).every(([key, value]) => actual[key] === value);
}

describe('PlatformStack', () => {
  it('configures the azurerm provider for the subscription, keeping soft-deleted vaults recoverable', () => {
    const { json } = synthAzure(fixtures.azureProduction);
    expect(json.provider?.azurerm?.[0]).toMatchObject({
      subscription_id: fixtures.azureProduction.target.subscriptionId,
      tenant_id: fixtures.azureProduction.target.tenantId,
      storage_use_azuread: true,
      features: [{ key_vault: [{ purge_soft_delete_on_destroy: false }] }],
    });
  });

  it('keeps the provider off the storage queue and static-website data planes, which are private', () => {
    // GIVEN storage accounts with public network access off WHEN the provider is configured
    // THEN it does not poll data planes it cannot reach (azurerm #33454)
    for (const env of azureEnvironments) {
      const features = synthAzure(env).json.provider?.azurerm?.[0]?.features as Array<Record<string, unknown>>;
      expect(features[0]?.storage).toEqual([{ data_plane_available: false }]);
    }
  });

  it('keeps state in the environment’s azurerm backend with Entra ID auth', () => {
    const { json } = synthAzure(fixtures.azureProduction);
    expect(json.terraform?.backend).toEqual({
      azurerm: {
        resource_group_name: 'rg-mlops-tfstate',
        storage_account_name: 'stmlopstfstate',
        container_name: 'tfstate',
        key: 'az-production.tfstate',
        subscription_id: fixtures.azureProduction.target.subscriptionId,
        tenant_id: fixtures.azureProduction.target.tenantId,
        use_azuread_auth: true,
      },
    });
  });

  it('uses local state when asked to, or when the environment has no backend', () => {
    expect(synthAzure(fixtures.azureProduction, { localState: true }).json.terraform?.backend).toEqual({
      local: { path: 'terraform.az-production.tfstate' },
    });
    const noBackend = vary(fixtures.azureStaging, (d) => {
      d.target.stateBackend = undefined;
    });
    expect(Object.keys(synthAzure(noBackend).json.terraform?.backend ?? {})).toEqual(['local']);
  });

  it('tags the resource group with the platform tags and protects it in production', () => {
    const prod = Object.values(resourcesOf(synthAzure(fixtures.azureProduction).json, 'azurerm_resource_group'));
    expect(prod).toEqual([
      expect.objectContaining({
        name: 'rg-mlops-az-production',
        location: 'westeurope',
        lifecycle: { prevent_destroy: true },
        tags: expect.objectContaining({ environment: 'az-production', stage: 'production', project: 'mlops' }),
      }),
    ]);
    const staging = Object.values(resourcesOf(synthAzure(fixtures.azureStaging).json, 'azurerm_resource_group'));
    expect(staging[0]?.lifecycle).toBeUndefined();
  });

  it('throws when the environment is invalid, before building anything', () => {
    const app = Testing.app();
    const broken = vary(fixtures.azureStaging, (d) => {
      d.kubernetes.podCidr = undefined;
    });
    expect(() => new PlatformStack(app, 'az-staging', { environment: broken })).toThrow(ConfigError);
    expect(app.node.children).toHaveLength(0);
  });

  it('turns configuration warnings into synth annotations', () => {
    const developer = vary(fixtures.azureProduction, (d) => {
      d.api.apimSku = 'Developer_1';
    });
    const { stack } = synthAzure(developer);
    const warnings = stack.node.metadata.map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('api.apimSku'))).toBe(true);
  });

  it('exposes what the hybrid link and delivery constructs need', () => {
    // GIVEN a synthesized production stack WHEN its members are read THEN they are the resources
    const { stack } = synthAzure(fixtures.azureProduction);
    expect(stack.gatewaySubnet.nameInput).toBe('GatewaySubnet');
    expect(stack.dnsResolverInboundSubnet.addressPrefixesInput).toEqual([stack.network.plan.dnsResolverInbound]);
    expect(stack.dnsResolverOutboundSubnet.addressPrefixesInput).toEqual([stack.network.plan.dnsResolverOutbound]);
    expect(stack.virtualNetwork.addressSpaceInput).toEqual(['10.50.0.0/16']);
    expect(stack.keyVault.nameInput).toBe(stack.names.keyVault);
    expect(stack.logAnalyticsWorkspace.nameInput).toBe(stack.names.logAnalyticsWorkspace);
    expect(stack.actionGroup.shortNameInput).toBe('mlopsoncall');
    expect(stack.kubernetesCluster.nameInput).toBe(stack.names.aksCluster);
    expect(stack.modelsContainer.nameInput).toBe('models');
    expect(stack.containerRegistry.nameInput).toBe(stack.names.containerRegistry);
    expect(stack.apiManagement.nameInput).toBe(stack.names.apiManagement);
    expect(stack.gpuPools.map((p) => p.nodePool.nameInput)).toEqual(['infer', 'train']);
  });

  it('tags every resource whose type takes tags with all the platform tags', () => {
    // GIVEN each environment's synthesized JSON, and which resource types take tags according to
    // the provider bindings themselves (not the aspect that adds the tags, nor the output)
    for (const env of azureEnvironments) {
      const { json } = synthAzure(env);
      const expected = platformTags(env);
      const types = Object.keys(json.resource ?? {});
      const taggable = types.filter(takesTags);
      // THEN the check covers the platform's main resource types, and each resource of a type
      // that takes tags carries every platform tag with its value
      expect(taggable).toEqual(
        expect.arrayContaining(['azurerm_resource_group', 'azurerm_storage_account', 'azurerm_kubernetes_cluster']),
      );
      const untagged = taggable.flatMap((type) =>
        Object.entries(resourcesOf(json, type))
          .filter(([, r]) => !isSuperset(r.tags, expected))
          .map(([name]) => `${env.name}: ${type}.${name}`),
      );
      expect(untagged).toEqual([]);
    }
    expect(
      Object.values(resourcesOf(synthAzure(fixtures.azureStaging).json, 'azurerm_storage_account'))[0]?.tags,
    ).toMatchObject({
      stage: 'staging',
    });
  });

  it('runs the compliance rule set at synth and passes the shipped environment', () => {
    const { stack } = synthAzure(fixtures.azureProduction);
    expect(() => stack.runAllValidations()).not.toThrow();
  });

  it('throws at synth when a resource breaks a compliance rule', () => {
    // GIVEN a stack whose key vault lost purge protection after construction (a stack of its
    // own: the cached one is shared with every later test)
    const [stack] = buildAzureApp(Testing.app(), [fixtures.azureProduction]);
    if (!stack) throw new Error('no stack was built for az-production');
    stack.keyVault.purgeProtectionEnabled = false;
    // WHEN validations run (as `cdktf synth` does) THEN the finding names rule and resource
    expect(() => stack.runAllValidations()).toThrow(/AZ-KV-02 azurerm_key_vault\./);
  });

  it('skips environments of other clouds', () => {
    expect(buildAzureApp(Testing.app(), [fixtures.awsStaging])).toEqual([]);
  });

  it('synthesizes byte-identical JSON on every run', () => {
    const first = Testing.synth(synthAzure(fixtures.azureProduction).stack);
    const second = Testing.synth(synthAzure(fixtures.azureProduction).stack);
    expect(second).toBe(first);
  });
});

describe.each(azureEnvironments)('Azure environment $name', (env) => {
  it('matches the snapshot', () => {
    expect(synthAzure(env).json).toMatchSnapshot();
  });
});
