import type { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { type AzureEnvironment, type GpuPoolConfig, type PlatformNames, resolveGpuMachineType } from '../config';
import { zoneList } from './network';

/** Taint that keeps everything but GPU workloads (which tolerate it) off GPU nodes. */
export const GPU_TAINT = 'nvidia.com/gpu=present:NoSchedule';

/** Default OS disk size of a GPU node, GiB (`GpuPoolConfig.diskSizeGiB`). */
export const DEFAULT_GPU_DISK_GIB = 200;

export interface GpuPoolProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly cluster: KubernetesCluster;
  /** Subnet of the GPU nodes. */
  readonly subnet: Subnet;
  /**
   * What the subnet needs before nodes join it: its NAT gateway and NSG associations.
   * @default - none
   */
  readonly subnetReady?: readonly ITerraformDependable[];
  readonly pool: GpuPoolConfig;
}

/**
 * One AKS user node pool for one configured GPU pool: VM size from the GPU catalog (or the pool's
 * override), a GPU taint and labels naming the pool and accelerator, autoscaling from the pool's
 * minimum (0 scales to zero), spread over the environment's zones.
 *
 * Spot pools evict by deleting nodes and pay up to the on-demand price (`spot_max_price = -1`).
 * AKS adds its own taint `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` to spot nodes,
 * so workloads for spot pools must tolerate both taints
 * (https://learn.microsoft.com/azure/aks/spot-node-pool).
 */
export class GpuPool extends Construct {
  public readonly nodePool: KubernetesClusterNodePool;
  public readonly config: GpuPoolConfig;
  public readonly vmSize: string;

  constructor(scope: Construct, id: string, props: GpuPoolProps) {
    super(scope, id);
    const { environment: env, names, cluster, subnet, pool } = props;
    const spot = pool.capacity === 'spot';
    this.config = pool;
    this.vmSize = resolveGpuMachineType('azure', pool);

    this.nodePool = new KubernetesClusterNodePool(this, 'Resource', {
      name: names.nodePool(pool.name),
      kubernetesClusterId: cluster.id,
      mode: 'User',
      vmSize: this.vmSize,
      vnetSubnetId: subnet.id,
      zones: zoneList(env),
      orchestratorVersion: env.kubernetes.version,
      osSku: 'Ubuntu',
      osDiskSizeGb: pool.diskSizeGiB ?? DEFAULT_GPU_DISK_GIB,
      autoScalingEnabled: true,
      minCount: pool.minNodes,
      maxCount: pool.maxNodes,
      nodeCount: pool.desiredNodes ?? pool.minNodes,
      nodePublicIpEnabled: false,
      nodeTaints: [GPU_TAINT],
      nodeLabels: {
        'mlops.platform/pool': pool.name,
        'mlops.platform/accelerator': pool.accelerator,
        'mlops.platform/capacity': pool.capacity,
      },
      // The autoscaler owns the node count after creation.
      lifecycle: { ignoreChanges: ['node_count'] },
      dependsOn: props.subnetReady ? [...props.subnetReady] : undefined,
      ...(spot ? { priority: 'Spot', evictionPolicy: 'Delete', spotMaxPrice: -1 } : { priority: 'Regular' }),
    });
  }
}
