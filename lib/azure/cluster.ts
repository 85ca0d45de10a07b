import type { ContainerRegistry } from '@cdktf/provider-azurerm/lib/container-registry';
import { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity';
import { Construct } from 'constructs';
import { formatIpv4, type PlatformNames, POOL_LABEL, parseCidr, SYSTEM_POOL, type SystemPoolConfig } from '../config';
import type { Monitoring } from './monitoring';
import { isDefined, type Network } from './network';

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
  readonly names: PlatformNames;
  /** Cluster name and DNS prefix (`PlatformNames.aksCluster`). */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Resource group AKS creates for the nodes and load balancers. */
  readonly nodeResourceGroupName: string;
  /** Entra ID tenant of the cluster's Azure RBAC. */
  readonly tenantId: string;
  /** Kubernetes minor version, for example `1.33`. */
  readonly kubernetesVersion: string;
  /** `Standard` (uptime SLA) in production, `Free` elsewhere. */
  readonly skuTier: 'Free' | 'Standard';
  /**
   * CIDRs allowed to reach a public API server; empty keeps the API server private.
   * @default - private API server
   */
  readonly apiAllowedCidrs?: readonly string[];
  readonly serviceCidr: string;
  /** Pod CIDR of Azure CNI Overlay. */
  readonly podCidr: string;
  /** The system pool's VM size and bounds. */
  readonly systemPool: SystemPoolConfig;
  /** Zones of the system pool (none where the location has no zones). */
  readonly zones: readonly string[];
  /**
   * No NAT gateway: outbound type `none` and bootstrap images from the registry's MCR cache.
   */
  readonly networkIsolated: boolean;
  readonly network: Network;
  readonly monitoring: Monitoring;
  readonly registry: Pick<ContainerRegistry, 'id'>;
}

/**
 * The AKS cluster: private API server (or a public one limited to `apiAllowedCidrs`), Entra ID
 * authentication with Azure RBAC and no local accounts, Azure CNI Overlay with Cilium network
 * policy, OIDC issuer and workload identity, the Key Vault CSI driver with rotation, Container
 * Insights and Azure Policy, automatic patch and node-image upgrades, and a system pool across
 * zones that runs critical add-ons only.
 *
 * Egress: the VNet's NAT gateway, or none at all (a network-isolated cluster that bootstraps from
 * the private registry's MCR cache).
 */
export class Cluster extends Construct {
  public readonly cluster: KubernetesCluster;
  /** Control plane identity. */
  public readonly identity: UserAssignedIdentity;
  /** Identity of the kubelets: pulls images from the registry. */
  public readonly kubeletIdentity: UserAssignedIdentity;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    const { names, network, monitoring, registry, location, resourceGroupName: rg } = props;
    const allowed = props.apiAllowedCidrs ?? [];
    const isolated = props.networkIsolated;

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
      name: props.name,
      location,
      resourceGroupName: rg,
      nodeResourceGroup: props.nodeResourceGroupName,
      dnsPrefix: props.name,
      kubernetesVersion: props.kubernetesVersion,
      skuTier: props.skuTier,
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
      azureActiveDirectoryRoleBasedAccessControl: { azureRbacEnabled: true, tenantId: props.tenantId },
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
      // Azure Managed Prometheus (the ama-metrics add-on); its data collection rule is in operations.ts.
      monitorMetrics: {},
      // AKS cost analysis (cost by namespace and workload in Cost Management) needs the Standard
      // or Premium tier; azurerm refuses it on Free
      // (https://learn.microsoft.com/azure/aks/cost-analysis).
      costAnalysisEnabled: props.skuTier !== 'Free',
      networkProfile: {
        networkPlugin: 'azure',
        networkPluginMode: 'overlay',
        networkDataPlane: 'cilium',
        networkPolicy: 'cilium',
        podCidr: props.podCidr,
        serviceCidr: props.serviceCidr,
        dnsServiceIp: dnsServiceIp(props.serviceCidr),
        loadBalancerSku: 'standard',
        outboundType: isolated ? 'none' : 'userAssignedNATGateway',
      },
      ...(isolated ? { bootstrapProfile: { artifactSource: 'Cache', containerRegistryId: registry.id } } : {}),
      defaultNodePool: {
        name: SYSTEM_POOL,
        temporaryNameForRotation: 'systemtmp',
        vmSize: props.systemPool.machineType,
        vnetSubnetId: network.systemSubnet.id,
        zones: props.zones.length > 0 ? [...props.zones] : undefined,
        autoScalingEnabled: true,
        minCount: props.systemPool.minNodes,
        maxCount: props.systemPool.maxNodes,
        nodeCount: props.systemPool.desiredNodes ?? props.systemPool.minNodes,
        onlyCriticalAddonsEnabled: true,
        nodeLabels: { [POOL_LABEL]: SYSTEM_POOL },
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
  }
}
