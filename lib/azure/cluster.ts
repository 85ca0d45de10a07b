import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { FederatedIdentityCredential } from '@cdktf/provider-azurerm/lib/federated-identity-credential';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { StorageAccount } from '@cdktf/provider-azurerm/lib/storage-account';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { type AzureEnvironment, formatIpv4, type PlatformNames, parseCidr } from '../config';
import type { Monitoring } from './monitoring';
import { isDefined, type Network, zoneList } from './network';

/** Namespace and service account of the model servers that get the workload identity. */
export const MODEL_SERVING_NAMESPACE = 'model-serving';
export const MODEL_SERVING_SERVICE_ACCOUNT = 'model-server';

/** The AKS control plane logs sent to Log Analytics (kube-audit-admin leaves out read-only calls). */
export const AKS_LOG_CATEGORIES: readonly string[] = [
  'kube-apiserver',
  'kube-audit-admin',
  'kube-controller-manager',
  'kube-scheduler',
  'cluster-autoscaler',
  'guard',
];

/** The cluster DNS service address: the tenth address of the service CIDR, by AKS convention. */
export function dnsServiceIp(serviceCidr: string): string {
  const parsed = parseCidr(serviceCidr);
  if (!parsed) throw new Error(`kubernetes.serviceCidr '${serviceCidr}' is not an IPv4 CIDR`);
  return formatIpv4(parsed.network + 10);
}

export interface ClusterProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly registry: ContainerRegistry;
  /** The data lake account; the model servers' identity reads its `models` container. */
  readonly storageAccount: StorageAccount;
}

/**
 * The AKS cluster: private API server (or a public one limited to `kubernetes.apiAllowedCidrs`),
 * Entra ID authentication with Azure RBAC and no local accounts, Azure CNI Overlay with Cilium
 * network policy, OIDC issuer and workload identity, the Key Vault CSI driver with rotation,
 * Container Insights and Azure Policy, automatic patch and node-image upgrades, and a system pool
 * across zones that runs critical add-ons only.
 *
 * Egress follows `network.natGateways`: the VNet's NAT gateway, or none at all (a
 * network-isolated cluster that bootstraps from the private registry's MCR cache).
 */
export class Cluster extends Construct {
  public readonly cluster: KubernetesCluster;
  /** Control plane identity. */
  public readonly identity: UserAssignedIdentity;
  /** Identity of the kubelets: pulls images from the registry. */
  public readonly kubeletIdentity: UserAssignedIdentity;
  /** Workload identity of the model servers (`model-serving/model-server`). */
  public readonly modelServingIdentity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup, network, monitoring, registry } = props;
    const k8s = env.kubernetes;
    const location = env.target.location;
    const rg = resourceGroup.name;
    const production = env.stage === 'production';
    const isolated = env.network.natGateways === 0;
    const allowed = k8s.apiAllowedCidrs ?? [];

    this.identity = new UserAssignedIdentity(this, 'identity', {
      name: names.azure('id', 'aks'),
      location,
      resourceGroupName: rg,
    });
    this.kubeletIdentity = new UserAssignedIdentity(this, 'kubelet-identity', {
      name: names.azure('id', 'aks-kubelet'),
      location,
      resourceGroupName: rg,
    });
    // The control plane assigns the kubelet identity to nodes and joins nodes and internal load
    // balancers to the VNet: https://learn.microsoft.com/azure/aks/use-managed-identity#bring-your-own-kubelet-managed-identity
    const operator = new RoleAssignment(this, 'identity-kubelet-operator', {
      scope: this.kubeletIdentity.id,
      roleDefinitionName: 'Managed Identity Operator',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    const networkContributor = new RoleAssignment(this, 'identity-network-contributor', {
      scope: network.virtualNetwork.id,
      roleDefinitionName: 'Network Contributor',
      principalId: this.identity.principalId,
      principalType: 'ServicePrincipal',
    });
    const acrPull = new RoleAssignment(this, 'kubelet-acr-pull', {
      scope: registry.id,
      roleDefinitionName: 'AcrPull',
      principalId: this.kubeletIdentity.principalId,
      principalType: 'ServicePrincipal',
    });

    this.cluster = new KubernetesCluster(this, 'Resource', {
      name: names.aksCluster,
      location,
      resourceGroupName: rg,
      nodeResourceGroup: `${names.resourceGroup}-aks-nodes`,
      dnsPrefix: names.aksCluster,
      kubernetesVersion: k8s.version,
      skuTier: production ? 'Standard' : 'Free',
      ...(allowed.length > 0
        ? { apiServerAccessProfile: { authorizedIpRanges: [...allowed] } }
        : {
            privateClusterEnabled: true,
            privateClusterPublicFqdnEnabled: false,
            // AKS creates and links the private zone; the hybrid DNS resolver in this VNet resolves it.
            privateDnsZoneId: 'System',
          }),
      localAccountDisabled: true,
      roleBasedAccessControlEnabled: true,
      azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, tenantId: env.target.tenantId },
      oidcIssuerEnabled: true,
      workloadIdentityEnabled: true,
      azurePolicyEnabled: true,
      imageCleanerEnabled: true,
      imageCleanerIntervalHours: 48,
      runCommandEnabled: false,
      automaticUpgradeChannel: 'patch',
      nodeOsUpgradeChannel: 'NodeImage',
      identity: { type: 'UserAssigned', identityIds: [this.identity.id] },
      kubeletIdentity: {
        userAssignedIdentityId: this.kubeletIdentity.id,
        clientId: this.kubeletIdentity.clientId,
        objectId: this.kubeletIdentity.principalId,
      },
      keyVaultSecretsProvider: { secretRotationEnabled: true, secretRotationInterval: '2m' },
      omsAgent: { logAnalyticsWorkspaceId: monitoring.workspace.id, msiAuthForMonitoringEnabled: true },
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
        podCidr: k8s.podCidr,
        serviceCidr: k8s.serviceCidr,
        dnsServiceIp: dnsServiceIp(k8s.serviceCidr),
        loadBalancerSku: 'standard',
        outboundType: isolated ? 'none' : 'userAssignedNATGateway',
      },
      ...(isolated ? { bootstrapProfile: { artifactSource: 'Cache', containerRegistryId: registry.id } } : {}),
      defaultNodePool: {
        name: 'system',
        temporaryNameForRotation: 'systemtmp',
        vmSize: k8s.systemPool.machineType,
        vnetSubnetId: network.systemSubnet.id,
        zones: zoneList(env),
        autoScalingEnabled: true,
        minCount: k8s.systemPool.minNodes,
        maxCount: k8s.systemPool.maxNodes,
        nodeCount: k8s.systemPool.desiredNodes ?? k8s.systemPool.minNodes,
        onlyCriticalAddonsEnabled: true,
        // Needs the EncryptionAtHost feature on the subscription:
        // https://learn.microsoft.com/azure/aks/enable-host-encryption
        hostEncryptionEnabled: true,
        osSku: 'AzureLinux',
        osDiskType: 'Ephemeral',
        nodePublicIpEnabled: false,
        upgradeSettings: { maxSurge: '33%' },
      },
      // The autoscaler owns the system pool's node count after creation.
      lifecycle: { ignoreChanges: ['default_node_pool[0].node_count'] },
      // The subnet's NAT association, not just the gateway: AKS checks the association at create
      // (`SubnetNotAssociatedWithNATGateway`), and its NSG association so no node boots unguarded.
      dependsOn: [
        operator,
        networkContributor,
        acrPull,
        ...[network.natAssociations.system, network.securityGroupAssociations.system].filter(isDefined),
      ],
    });

    monitoring.sendDiagnostics(this, 'diagnostics', this.cluster.id, AKS_LOG_CATEGORIES);

    this.modelServingIdentity = new UserAssignedIdentity(this, 'model-serving-identity', {
      name: names.azure('id', 'model-serving'),
      location,
      resourceGroupName: rg,
    });
    new FederatedIdentityCredential(this, 'model-serving-federation', {
      name: 'aks-model-serving',
      resourceGroupName: rg,
      parentId: this.modelServingIdentity.id,
      audience: ['api://AzureADTokenExchange'],
      issuer: this.cluster.oidcIssuerUrl,
      subject: `system:serviceaccount:${MODEL_SERVING_NAMESPACE}:${MODEL_SERVING_SERVICE_ACCOUNT}`,
    });
    new RoleAssignment(this, 'model-serving-models-reader', {
      scope: `${props.storageAccount.id}/blobServices/default/containers/models`,
      roleDefinitionName: 'Storage Blob Data Reader',
      principalId: this.modelServingIdentity.principalId,
      principalType: 'ServicePrincipal',
    });
  }
}
