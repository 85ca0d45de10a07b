import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultKey } from '@cdktf/provider-azurerm/lib/key-vault-key';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { AzureEnvironment, PlatformNames } from '../config';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

/** Soft-delete retention of the vault, days (the maximum, 7-90). */
export const KEY_VAULT_SOFT_DELETE_DAYS = 90;

/**
 * Rotation of every platform key: rotate 30 days before a one-year expiry, notify 30 days before.
 * Storage references the versionless key id, so it follows rotations
 * automatically (https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation).
 */
export const KEY_ROTATION = {
  expireAfter: 'P1Y',
  notifyBeforeExpiry: 'P30D',
  automatic: { timeBeforeExpiry: 'P30D' },
} as const;

export type PlatformKeyPurpose = 'storage';

export interface KeysProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly monitoring: Monitoring;
  /**
   * Principal (object) id of the fixed identity that applies the stack (the delivery deploy
   * identity): it gets Key Vault Crypto Officer to create and rotate the keys. Never the caller of
   * the apply (`azurerm_client_config`), which would move the role between a person and CI.
   */
  readonly administratorPrincipalId: string;
  /**
   * Principal ids that refresh the keys without changing them (the plan identity): Key Vault
   * Reader, which reads key metadata and rotation policies but no key material or secret values.
   * @default - none
   */
  readonly readerPrincipalIds?: readonly string[];
}

/**
 * The environment's Key Vault and customer-managed keys: Entra RBAC authorization (no access
 * policies), purge protection, 90-day soft delete, no public network access (a private endpoint
 * in the VNet), HSM-backed RSA 3072 keys with rotation, and audit logs to Log Analytics.
 *
 * With public access off, Terraform reaches the vault's data plane (to create keys) only from
 * inside the VNet or through the hybrid link: run plans and applies from a runner there. The
 * deploy identity gets Key Vault Crypto Officer on this vault to manage the keys, the plan
 * identity Key Vault Reader to refresh them.
 */
export class Keys extends Construct {
  public readonly vault: KeyVault;
  public readonly keys: Readonly<Record<PlatformKeyPurpose, KeyVaultKey>>;
  /**
   * What a data-plane resource of the vault (key, secret) must depend on besides its role: the
   * private endpoint with its DNS zone group and the zone's VNet link. Without them Terraform
   * resolves the vault's public address and the create fails with a 403 from the firewall.
   */
  public readonly dataPlaneReady: readonly ITerraformDependable[];

  constructor(scope: Construct, id: string, props: KeysProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, monitoring } = props;
    const production = env.stage === 'production';
    const location = env.target.location;

    this.vault = new KeyVault(this, 'Resource', {
      name: names.keyVault,
      location,
      resourceGroupName: resourceGroup.name,
      tenantId: env.target.tenantId,
      // Premium holds HSM-protected keys (RSA-HSM).
      skuName: 'premium',
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: KEY_VAULT_SOFT_DELETE_DAYS,
      publicNetworkAccessEnabled: false,
      networkAcls: { bypass: 'AzureServices', defaultAction: 'Deny' },
      lifecycle: production ? { preventDestroy: true } : undefined,
    });

    const endpoint = privateEndpoint(this, 'private-endpoint', {
      network,
      names,
      location,
      resourceGroupName: resourceGroup.name,
      purpose: 'kv',
      targetId: this.vault.id,
      subresource: 'vault',
      dnsZones: ['vault'],
    });

    monitoring.sendDiagnostics(this, 'diagnostics', this.vault.id);

    this.dataPlaneReady = [endpoint, network.privateDnsZoneLinks.vault];

    const officer = new RoleAssignment(this, 'deployer-crypto-officer', {
      scope: this.vault.id,
      roleDefinitionName: 'Key Vault Crypto Officer',
      principalId: props.administratorPrincipalId,
      principalType: 'ServicePrincipal',
    });
    (props.readerPrincipalIds ?? []).forEach((principalId, i) => {
      new RoleAssignment(this, `reader-${i}`, {
        scope: this.vault.id,
        roleDefinitionName: 'Key Vault Reader',
        principalId,
        principalType: 'ServicePrincipal',
      });
    });

    const key = (purpose: PlatformKeyPurpose) =>
      new KeyVaultKey(this, `${purpose}-key`, {
        name: `${purpose}-cmk`,
        keyVaultId: this.vault.id,
        keyType: 'RSA-HSM',
        keySize: 3072,
        keyOpts: ['wrapKey', 'unwrapKey'],
        rotationPolicy: { ...KEY_ROTATION, automatic: { ...KEY_ROTATION.automatic } },
        dependsOn: [officer, ...this.dataPlaneReady],
        lifecycle: production ? { preventDestroy: true } : undefined,
      });
    this.keys = { storage: key('storage') };
  }
}

export interface EncryptionIdentity {
  readonly identity: UserAssignedIdentity;
  /** The identity's role on the key; resources that encrypt with it must depend on this. */
  readonly keyAccess: RoleAssignment;
}

/**
 * A user-assigned identity that a service (storage) uses to reach its customer-managed
 * key, with *Key Vault Crypto Service Encryption User* on that key only. Created as `identity` and
 * `identity-crypto-user` inside `scope`.
 */
export function encryptionIdentity(
  scope: Construct,
  props: {
    readonly name: string;
    readonly location: string;
    readonly resourceGroupName: string;
    readonly key: KeyVaultKey;
  },
): EncryptionIdentity {
  const identity = new UserAssignedIdentity(scope, 'identity', {
    name: props.name,
    location: props.location,
    resourceGroupName: props.resourceGroupName,
  });
  const keyAccess = new RoleAssignment(scope, 'identity-crypto-user', {
    scope: props.key.resourceVersionlessId,
    roleDefinitionName: 'Key Vault Crypto Service Encryption User',
    principalId: identity.principalId,
    principalType: 'ServicePrincipal',
  });
  return { identity, keyAccess };
}
