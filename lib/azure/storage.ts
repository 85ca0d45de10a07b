import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { StorageContainer } from '@cdktf/provider-azurerm/lib/storage-container';
import {
  StorageManagementPolicy,
  type StorageManagementPolicyRule,
} from '@cdktf/provider-azurerm/lib/storage-management-policy';
import type { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import type { AzureEnvironment, DataZone, PlatformNames } from '../config';
import { encryptionIdentity, type Keys } from './keys';
import type { StorageEncryption } from './ml-workspace';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

export interface StorageProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly keys: Keys;
  readonly monitoring: Monitoring;
}

/**
 * The platform's data lake: one ADLS Gen2 account (hierarchical namespace) with a container per
 * data zone, encrypted with the vault's storage key through a user-assigned identity, reachable
 * only through private endpoints (blob and dfs), Entra ID only (no shared keys, no public blobs),
 * versioned with soft delete, and tiered by a lifecycle policy.
 *
 * Replication is ZRS, GZRS in production. Those replication types have no archive tier
 * (https://learn.microsoft.com/azure/storage/blobs/access-tiers-overview#archive-access-tier), so
 * `lifecycle.archiveAfterDays` moves blobs to the cold tier, the coldest online tier they allow.
 */
export class Storage extends Construct {
  public readonly account: StorageAccount;
  public readonly identity: UserAssignedIdentity;
  /** The key, identity and key access this account encrypts with, for other accounts to share. */
  public readonly encryption: StorageEncryption;
  public readonly containers: Readonly<Partial<Record<DataZone, StorageContainer>>>;
  /** The account's one lifecycle policy (Azure allows one per account); add rules with `addLifecycleRule`. */
  public readonly lifecyclePolicy: StorageManagementPolicy;
  private readonly lifecycleRules: StorageManagementPolicyRule[];

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, keys, monitoring } = props;
    const production = env.stage === 'production';
    const location = env.target.location;
    const rg = resourceGroup.name;
    const lifecycle = env.storage.lifecycle;

    const encryption = encryptionIdentity(this, {
      name: names.azure('id', 'storage'),
      location,
      resourceGroupName: rg,
      key: keys.keys.storage,
    });
    this.identity = encryption.identity;
    const cryptoUser = encryption.keyAccess;
    this.encryption = {
      identity: encryption.identity,
      key: keys.keys.storage,
      ready: [cryptoUser, ...keys.dataPlaneReady],
    };

    this.account = new StorageAccount(this, 'Resource', {
      name: names.storageAccount,
      location,
      resourceGroupName: rg,
      accountKind: 'StorageV2',
      accountTier: 'Standard',
      accountReplicationType: production ? 'GZRS' : 'ZRS',
      isHnsEnabled: true,
      minTlsVersion: 'TLS1_2',
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      publicNetworkAccessEnabled: false,
      crossTenantReplicationEnabled: false,
      infrastructureEncryptionEnabled: true,
      localUserEnabled: false,
      sftpEnabled: false,
      allowedCopyScope: 'PrivateLink',
      networkRules: { defaultAction: 'Deny', bypass: ['AzureServices'] },
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },
      customerManagedKey: {
        keyVaultKeyId: keys.keys.storage.versionlessId,
        userAssignedIdentityId: this.identity.id,
      },
      blobProperties: {
        // Blob versioning is not supported with a hierarchical namespace and azurerm rejects it
        // (https://learn.microsoft.com/azure/storage/blobs/versioning-overview, provider PR
        // hashicorp/terraform-provider-azurerm#19418), so deleted and overwritten data is
        // protected by soft delete of blobs and containers for `noncurrentVersionDays`.
        deleteRetentionPolicy: { days: lifecycle.noncurrentVersionDays },
        containerDeleteRetentionPolicy: { days: lifecycle.noncurrentVersionDays },
      },
      dependsOn: [cryptoUser],
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    const containers: Partial<Record<DataZone, StorageContainer>> = {};
    for (const zone of env.storage.zones) {
      containers[zone] = new StorageContainer(this, `container-${zone}`, {
        name: zone,
        storageAccountId: this.account.id,
        containerAccessType: 'private',
      });
    }
    this.containers = containers;

    this.lifecycleRules = [
      {
        name: 'tiering',
        enabled: true,
        filters: { blobTypes: ['blockBlob'] },
        actions: {
          baseBlob: {
            tierToCoolAfterDaysSinceModificationGreaterThan: lifecycle.coolAfterDays,
            ...(lifecycle.archiveAfterDays === undefined
              ? {}
              : { tierToColdAfterDaysSinceModificationGreaterThan: lifecycle.archiveAfterDays }),
          },
        },
      },
    ];
    this.lifecyclePolicy = new StorageManagementPolicy(this, 'lifecycle', {
      storageAccountId: this.account.id,
      rule: this.lifecycleRules,
    });

    for (const [sub, zone] of [
      ['blob', 'blob'],
      ['dfs', 'dfs'],
    ] as const) {
      privateEndpoint(this, `private-endpoint-${sub}`, {
        network,
        names,
        location,
        resourceGroupName: rg,
        purpose: `st-${sub}`,
        targetId: this.account.id,
        subresource: sub,
        dnsZones: [zone],
      });
    }

    monitoring.sendDiagnostics(this, 'blob-diagnostics', `${this.account.id}/blobServices/default`);
  }

  /**
   * Adds a rule to the account's lifecycle policy (one policy per account, up to 100 rules:
   * https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview), for example the
   * expiry of a prefix.
   */
  addLifecycleRule(rule: StorageManagementPolicyRule): void {
    this.lifecycleRules.push(rule);
    this.lifecyclePolicy.putRule([...this.lifecycleRules]);
  }

  /** The `models` container, which serving reads from; validation requires the zone. */
  get modelsContainer(): StorageContainer {
    const models = this.containers.models;
    if (!models) throw new Error("storage.zones has no 'models' zone; model serving needs it");
    return models;
  }
}
