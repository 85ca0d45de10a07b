import { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import {
  ACCELERATOR_LABEL,
  type Accelerator,
  type CapacityType,
  DEFAULT_GPU_DISK_GIB,
  GPU_TAINT,
  POOL_LABEL,
} from '../config';

/** The GPU taint as AKS writes node taints: `key=value:Effect`. */
export const GPU_NODE_TAINT = `${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`;

/** Node label naming a pool's capacity type (`spot` or `on-demand`). */
export const CAPACITY_LABEL = 'mlops.platform/capacity';

export interface GpuPoolProps {
  /** AKS node pool name (1-12 lowercase letters and digits): `PlatformNames.nodePool`. */
  readonly name: string;
  /** The configured pool name, written to the pool label. */
  readonly poolLabel: string;
  readonly accelerator: Accelerator;
  /** Resource id of the AKS cluster. */
  readonly clusterId: string;
  /** VM size, resolved from the GPU catalog or the pool's override by the stack. */
  readonly vmSize: string;
  /** Zones the nodes run in: the pool's own, or those of the environment that offer the VM size. */
  readonly zones: readonly string[];
  readonly kubernetesVersion: string;
  readonly capacity: CapacityType;
  readonly minNodes: number;
  readonly maxNodes: number;
  /** @default minNodes */
  readonly desiredNodes?: number;
  /** @default 200 (`DEFAULT_GPU_DISK_GIB`) */
  readonly diskSizeGiB?: number;
  /** Subnet of the GPU nodes. */
  readonly subnet: Pick<Subnet, 'id'>;
  /**
   * What the subnet needs before nodes join it: its NAT gateway and NSG associations.
   * @default - none
   */
  readonly subnetReady?: readonly ITerraformDependable[];
}

/**
 * One AKS user node pool for one configured GPU pool: a GPU taint and labels naming the pool,
 * accelerator and capacity (the names both clouds share, `lib/config/conventions.ts`), autoscaling
 * from the pool's minimum (0 scales to zero), in the zones the stack chose for it.
 *
 * Spot pools evict by deleting nodes and pay up to the on-demand price (`spot_max_price = -1`).
 * AKS adds its own taint `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` to spot nodes,
 * so workloads for spot pools must tolerate both taints
 * (https://learn.microsoft.com/azure/aks/spot-node-pool).
 */
export class GpuPool extends Construct {
  public readonly nodePool: KubernetesClusterNodePool;

  constructor(scope: Construct, id: string, props: GpuPoolProps) {
    super(scope, id);
    const spot = props.capacity === 'spot';

    this.nodePool = new KubernetesClusterNodePool(this, 'Resource', {
      name: props.name,
      kubernetesClusterId: props.clusterId,
      mode: 'User',
      vmSize: props.vmSize,
      vnetSubnetId: props.subnet.id,
      zones: props.zones.length > 0 ? [...props.zones] : undefined,
      orchestratorVersion: props.kubernetesVersion,
      osSku: 'Ubuntu',
      osDiskSizeGb: props.diskSizeGiB ?? DEFAULT_GPU_DISK_GIB,
      autoScalingEnabled: true,
      minCount: props.minNodes,
      maxCount: props.maxNodes,
      nodeCount: props.desiredNodes ?? props.minNodes,
      nodePublicIpEnabled: false,
      nodeTaints: [GPU_NODE_TAINT],
      nodeLabels: {
        [POOL_LABEL]: props.poolLabel,
        [ACCELERATOR_LABEL]: props.accelerator,
        [CAPACITY_LABEL]: props.capacity,
      },
      // The autoscaler owns the node count after creation.
      lifecycle: { ignoreChanges: ['node_count'] },
      dependsOn: props.subnetReady ? [...props.subnetReady] : undefined,
      ...(spot ? { priority: 'Spot', evictionPolicy: 'Delete', spotMaxPrice: -1 } : { priority: 'Regular' }),
    });
  }
}
