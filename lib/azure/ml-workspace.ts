import type { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import type { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import type { KeyVaultKey } from '@cdktf/provider-azurerm/lib/key-vault-key';
import { MachineLearningDatastoreDatalakeGen2 } from '@cdktf/provider-azurerm/lib/machine-learning-datastore-datalake-gen2';
import { MachineLearningWorkspace } from '@cdktf/provider-azurerm/lib/machine-learning-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import type { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import type { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { DataZone, PlatformNames } from '../config';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

/** The customer-managed key a storage account encrypts with, and the identity that reaches it. */
export interface StorageEncryption {
  readonly identity: UserAssignedIdentity;
  readonly key: KeyVaultKey;
  /** The identity's role on the key and the vault's data-plane readiness. */
  readonly ready: readonly ITerraformDependable[];
}

export interface MlWorkspaceProps {
  readonly names: PlatformNames;
  /** Workspace name (`PlatformNames.machineLearningWorkspace`). */
  readonly name: string;
  /** Name of the workspace's own storage account (3-24 lowercase letters and digits). */
  readonly storageAccountName: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Replication of the workspace storage account: `ZRS`, or `GZRS` in production. */
  readonly storageReplication: 'ZRS' | 'GZRS';
  /** Days deleted blobs and containers of the workspace storage stay recoverable (1-365). */
  readonly softDeleteDays: number;
  /** Keep the workspace storage on `terraform destroy` (production). */
  readonly retain: boolean;
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly applicationInsights: ApplicationInsights;
  readonly keyVault: KeyVault;
  readonly registry: ContainerRegistry;
  readonly encryption: StorageEncryption;
  /** Resource id of the data lake account; the workspace identity gets Storage Blob Data Contributor on it. */
  readonly dataLakeAccountId: string;
  /** The data lake's zone containers, attached as identity-based ADLS Gen2 datastores. */
  readonly dataLakeContainers: Readonly<Partial<Record<DataZone, StorageContainer>>>;
}

/**
 * The Azure Machine Learning workspace for training and experiments, with a storage account of
 * its own, the platform's Key Vault, registry and Application Insights; no public network access
 * (a private endpoint with the `api.azureml.ms` and `notebooks.azure.net` zones) and a managed
 * network that allows only approved outbound traffic
 * (https://learn.microsoft.com/azure/machine-learning/how-to-managed-network).
 *
 * Why a storage account of its own: a workspace's default storage cannot have a hierarchical
 * namespace (https://learn.microsoft.com/azure/machine-learning/concept-workspace#associated-resources),
 * and its built-in datastores (`workspaceblobstore`, `workspacefilestore`) authenticate with the
 * account key; azurerm 4.55 cannot switch them to identity access
 * (hashicorp/terraform-provider-azurerm#22150). So the workspace account keeps shared keys, is
 * reachable only through its blob and file private endpoints, and holds workspace state only;
 * the data lake (hierarchical namespace, Entra ID only) is attached as one identity-based
 * datastore per data zone.
 */
export class MlWorkspace extends Construct {
  public readonly workspace: MachineLearningWorkspace;
  /** The workspace's default storage (artifacts, snapshots, notebooks). */
  public readonly storageAccount: StorageAccount;
  public readonly datastores: readonly MachineLearningDatastoreDatalakeGen2[];

  constructor(scope: Construct, id: string, props: MlWorkspaceProps) {
    super(scope, id);
    const { names, network, monitoring, location, resourceGroupName } = props;

    this.storageAccount = new StorageAccount(this, 'storage', {
      name: props.storageAccountName,
      location,
      resourceGroupName,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: props.storageReplication,
      isHnsEnabled: false,
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      // The built-in datastores use the account key (see the class comment); the account is
      // reachable only through private endpoints, and Terraform itself uses Entra ID.
      sharedAccessKeyEnabled: true,
      defaultToOauthAuthentication: true,
      publicNetworkAccessEnabled: false,
      crossTenantReplicationEnabled: false,
      infrastructureEncryptionEnabled: true,
      localUserEnabled: false,
      sftpEnabled: false,
      allowedCopyScope: 'PrivateLink',
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'] },
      identity: { type: 'UserAssigned', identityIds: [props.encryption.identity.id] },
      customerManagedKey: {
        keyVaultKeyId: props.encryption.key.versionlessId,
        userAssignedIdentityId: props.encryption.identity.id,
      },
      blobProperties: {
        versioningEnabled: true,
        deleteRetentionPolicy: { days: props.softDeleteDays },
        containerDeleteRetentionPolicy: { days: props.softDeleteDays },
      },
      dependsOn: [...props.encryption.ready],
      lifecycle: props.retain ? { preventDestroy: true } : undefined,
    });

    const storageEndpoints = (['blob', 'file'] as const).map((sub) =>
      privateEndpoint(this, `storage-private-endpoint-${sub}`, {
        network,
        names,
        location,
        resourceGroupName,
        purpose: `mlst-${sub}`,
        targetId: this.storageAccount.id,
        subresource: sub,
        dnsZones: [sub],
      }),
    );
    monitoring.sendDiagnostics(this, 'storage-diagnostics', `${this.storageAccount.id}/blobServices/default`);

    this.workspace = new MachineLearningWorkspace(this, 'Resource', {
      name: props.name,
      location,
      resourceGroupName,
      skuName: 'Basic',
      applicationInsightsId: props.applicationInsights.id,
      keyVaultId: props.keyVault.id,
      storageAccountId: this.storageAccount.id,
      containerRegistryId: props.registry.id,
      publicNetworkAccessEnabled: false,
      // Less diagnostic data is collected by the service for high-business-impact workspaces.
      highBusinessImpact: true,
      managedNetwork: { isolationMode: 'AllowOnlyApprovedOutbound' },
      identity: { type: 'SystemAssigned' },
      // The workspace creates its built-in datastores through the storage endpoints.
      dependsOn: [...storageEndpoints, network.privateDnsZoneLinks.blob, network.privateDnsZoneLinks.file],
    });

    const dataAccess = new RoleAssignment(this, 'identity-blob-contributor', {
      scope: props.dataLakeAccountId,
      roleDefinitionName: 'Storage Blob Data Contributor',
      principalId: this.workspace.identity.principalId,
      principalType: 'ServicePrincipal',
    });

    // No client id or secret: the datastores use the caller's identity (or the compute's) to
    // reach the data, never a stored credential.
    this.datastores = Object.entries(props.dataLakeContainers).map(
      ([zone, container]) =>
        new MachineLearningDatastoreDatalakeGen2(this, `datastore-${zone}`, {
          name: `datalake_${zone}`,
          workspaceId: this.workspace.id,
          storageContainerId: container.id,
          description: `The platform data lake's ${zone} zone`,
          serviceDataIdentity: 'WorkspaceSystemAssignedIdentity',
          dependsOn: [dataAccess],
        }),
    );

    privateEndpoint(this, 'private-endpoint', {
      network,
      names,
      location,
      resourceGroupName,
      purpose: 'mlw',
      targetId: this.workspace.id,
      subresource: 'amlworkspace',
      dnsZones: ['mlApi', 'mlNotebooks'],
    });

    monitoring.sendDiagnostics(this, 'diagnostics', this.workspace.id);
  }
}
