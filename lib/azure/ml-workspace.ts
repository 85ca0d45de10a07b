import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import type { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { Construct } from 'constructs';
import type { AzureEnvironment, PlatformNames } from '../config';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

export interface MlWorkspaceProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly keyVault: KeyVault;
  readonly storageAccount: StorageAccount;
  readonly registry: ContainerRegistry;
}

/**
 * The Azure Machine Learning workspace for training and experiments, wired to the platform's
 * storage account, Key Vault, registry and Application Insights; no public network access (a
 * private endpoint with the `api.azureml.ms` and `notebooks.azure.net` zones) and a managed
 * network that allows only approved outbound traffic
 * (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network).
 *
 * The workspace's system-assigned identity gets the roles AML assigns at creation (Contributor
 * on the registry, data-plane roles on the vault); it is additionally given Storage Blob Data
 * Contributor on the data lake so datastores use identity access, not account keys.
 */
export class MlWorkspace extends Construct {
  public readonly workspace: MachineLearningWorkspace;

  constructor(scope: Construct, id: string, props: MlWorkspaceProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, monitoring } = props;
    const location = env.target.location;

    this.workspace = new MachineLearningWorkspace(this, 'Resource', {
      name: names.machineLearningWorkspace,
      location,
      resourceGroupName: resourceGroup.name,
      skuName: 'Basic',
      applicationInsightsId: monitoring.applicationInsights.id,
      keyVaultId: props.keyVault.id,
      storageAccountId: props.storageAccount.id,
      containerRegistryId: props.registry.id,
      publicNetworkAccessEnabled: false,
      // Less diagnostic data is collected by the service for high-business-impact workspaces.
      highBusinessImpact: true,
      managedNetwork: { isolationMode: 'AllowOnlyApprovedOutbound' },
      identity: { type: 'SystemAssigned' },
    });

    new RoleAssignment(this, 'identity-blob-contributor', {
      scope: props.storageAccount.id,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: this.workspace.identity.principalId,
      principalType: 'ServicePrincipal',
    });

    privateEndpoint(this, 'private-endpoint', {
      network,
      names,
      location,
      resourceGroupName: resourceGroup.name,
      purpose: 'mlw',
      targetId: this.workspace.id,
      subresource: 'amlworkspace',
      dnsZones: ['mlApi', 'mlNotebooks'],
    });

    monitoring.sendDiagnostics(this, 'diagnostics', this.workspace.id);
  }
}
