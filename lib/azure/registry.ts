import { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { ContainerRegistryCacheRule } from '@cdktf/provider-azurerm/lib/container-registry-cache-rule';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Construct } from 'constructs';
import type { AzureEnvironment, PlatformNames } from '../config';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

/** Days untagged manifests are kept before the retention policy deletes them (0-365). */
export const UNTAGGED_MANIFEST_RETENTION_DAYS = 30;

export interface RegistryProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly monitoring: Monitoring;
}

/**
 * The platform's container registry: Premium (private endpoints, zone redundancy, CMK and
 * retention need it, https://learn.microsoft.com/azure/container-registry/container-registry-skus),
 * no admin user, no anonymous pull, no public network access.
 *
 * Images are encrypted at rest with platform-managed keys, not the vault's: ACR enables a
 * customer-managed key only at creation and only through a user-assigned identity, which the
 * vault's firewall does not admit (only a registry's system-assigned identity is a trusted
 * service, and it can be switched to only after creation:
 * https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys). With the
 * vault private, a registry CMK cannot be created in one apply. Images hold code, not data; the
 * model artifacts and data stay under the customer-managed key in storage.
 *
 * For a network-isolated cluster (`network.natGateways: 0`) it also caches the AKS bootstrap
 * images from MCR (`aks-managed-repository`), which the cluster pulls instead of the internet:
 * https://learn.microsoft.com/azure/aks/network-isolated
 */
export class Registry extends Construct {
  public readonly registry: ContainerRegistry;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, monitoring } = props;
    const location = env.target.location;
    const rg = resourceGroup.name;
    const production = env.stage === 'production';

    this.registry = new ContainerRegistry(this, 'Resource', {
      name: names.containerRegistry,
      location,
      resourceGroupName: rg,
      sku: 'Premium',
      adminEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccessEnabled: false,
      networkRuleBypassOption: 'AzureServices',
      exportPolicyEnabled: false,
      dataEndpointEnabled: true,
      zoneRedundancyEnabled: true,
      retentionPolicyInDays: UNTAGGED_MANIFEST_RETENTION_DAYS,
      // The system identity lets the registry authenticate to other services (cache rules,
      // tasks) as itself; it holds no key.
      identity: { type: 'SystemAssigned' },
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    privateEndpoint(this, 'private-endpoint', {
      network,
      names,
      location,
      resourceGroupName: rg,
      purpose: 'cr',
      targetId: this.registry.id,
      subresource: 'registry',
      dnsZones: ['registry'],
    });

    if (env.network.natGateways === 0) {
      new ContainerRegistryCacheRule(this, 'aks-bootstrap-cache', {
        name: 'aks-managed-mcr',
        containerRegistryId: this.registry.id,
        sourceRepo: 'mcr.microsoft.com/*',
        targetRepo: 'aks-managed-repository/*',
      });
    }

    monitoring.sendDiagnostics(this, 'diagnostics', this.registry.id);
  }
}
