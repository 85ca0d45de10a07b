import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { CPU_POOL, POOL_LABEL } from '../config';

export interface CpuPoolProps {
  /** Resource id of the AKS cluster. */
  readonly clusterId: string;
  /** VM size: the system pool's. */
  readonly vmSize: string;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly zones: readonly string[];
  readonly kubernetesVersion: string;
  readonly subnet: Pick<Subnet, 'id'>;
  /** The subnet's NAT and NSG associations. */
  readonly subnetReady: readonly ITerraformDependable[];
}

/**
 * The AKS user pool of CPU-only models and jobs (`POOL_LABEL=CPU_POOL`). AKS keeps the system pool
 * for critical add-ons (`only_critical_addons_enabled`), so workloads without GPUs need a pool of
 * their own: https://learn.microsoft.com/azure/aks/use-system-pools. It has the system pool's
 * machine type and bounds, in the system subnet, with host encryption like the system pool.
 */
export class CpuPool extends Construct {
  public readonly nodePool: KubernetesClusterNodePool;

  constructor(scope: Construct, id: string, props: CpuPoolProps) {
    super(scope, id);
    this.nodePool = new KubernetesClusterNodePool(this, 'Resource', {
      name: CPU_POOL,
      kubernetesClusterId: props.clusterId,
      mode: 'User',
      vmSize: props.vmSize,
      vnetSubnetId: props.subnet.id,
      zones: props.zones.length > 0 ? [...props.zones] : undefined,
      orchestratorVersion: props.kubernetesVersion,
      osSku: 'AzureLinux',
      hostEncryptionEnabled: true,
      autoScalingEnabled: true,
      minCount: props.minNodes,
      maxCount: props.maxNodes,
      nodeCount: props.minNodes,
      nodePublicIpEnabled: false,
      nodeLabels: { [POOL_LABEL]: CPU_POOL },
      priority: 'Regular',
      upgradeSettings: { maxSurge: '33%' },
      lifecycle: { ignoreChanges: ['node_count'] },
      dependsOn: [...props.subnetReady],
    });
  }
}
