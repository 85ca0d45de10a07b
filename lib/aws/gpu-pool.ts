import { Annotations, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eksL1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  ACCELERATOR_LABEL,
  DEFAULT_GPU_DISK_GIB,
  GPU_PRESENT_LABEL,
  GPU_TAINT,
  GPU_TOLERATION,
  type GpuPoolConfig,
  type PlatformNames,
  POOL_LABEL,
  SYSTEM_POOL,
} from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings, managedPolicyFinding } from './acknowledge';
import { type PlatformCluster, podIdentityRole } from './cluster';
import { CHARTS, chartRepository, IMAGES, mirroredImage } from './images';
import { nodeLaunchTemplate } from './launch-template';

/** The shared GPU taint (lib/config/conventions.ts) in the node group's terms. */
const NODEGROUP_GPU_TAINT = { key: GPU_TAINT.key, value: GPU_TAINT.value, effect: eks.TaintEffect.NO_SCHEDULE };

/**
 * The Cluster Autoscaler chart (lib/aws/images.ts) ships Cluster Autoscaler 1.33.0; the autoscaler's
 * minor must match the cluster's. https://github.com/kubernetes/autoscaler/tree/master/cluster-autoscaler#releases
 */
export const AUTOSCALER_KUBERNETES_VERSION = '1.33';

/** A configured GPU pool with the instance type and zones the stage resolved for it. */
export interface ResolvedGpuPool extends GpuPoolConfig {
  /** Instance type: the pool's `machineType`, or the GPU catalog's for its accelerator and GPUs. */
  readonly instanceType: string;
  /**
   * Zones of the node group's subnets: the pool's own, or those of the environment that offer the
   * instance type (EKS rejects a node group over a subnet whose zone lacks it).
   */
  readonly availabilityZones: readonly string[];
}

export interface GpuPoolsProps {
  readonly names: PlatformNames;
  readonly platformCluster: PlatformCluster;
  /** Subnets of the GPU nodes; each pool narrows them to its zones. */
  readonly subnets: ec2.SubnetSelection;
  /** The pools, one managed node group each. */
  readonly pools: readonly ResolvedGpuPool[];
  /** The cluster's Kubernetes minor (`kubernetes.version`), checked against the autoscaler chart. */
  readonly kubernetesVersion: string;
  /** Account of the environment's registry, where the charts and images are mirrored. */
  readonly registryAccount: string;
  /** Region of the environment's registry. */
  readonly registryRegion: string;
}

/**
 * One managed node group per configured GPU pool (AL2023 NVIDIA AMI, tainted, labelled, spot or
 * on-demand, scaling from `minNodes`, possibly 0), and what makes GPU pods schedule:
 *
 * - the NVIDIA device plugin (advertises `nvidia.com/gpu`), only on GPU nodes;
 * - the Cluster Autoscaler with its IAM through Pod Identity. For scale from zero it must know a
 *   pool's labels, taints and GPUs before a node exists: it reads them from the node group's
 *   `k8s.io/cluster-autoscaler/node-template/...` tags and from the EKS DescribeNodegroup API.
 *   https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#scaling-a-node-group-to-0
 * - the amazon-cloudwatch-observability add-on (Container Insights with GPU metrics, DCGM).
 */
export class GpuPools extends Construct {
  public readonly nodegroups: Readonly<Record<string, eks.Nodegroup>>;
  /** Instance type of each pool, by pool name. */
  public readonly instanceTypes: Readonly<Record<string, string>>;
  public readonly autoscalerRole: iam.Role;
  public readonly observabilityRole: iam.Role;

  constructor(scope: Construct, id: string, props: GpuPoolsProps) {
    super(scope, id);
    const cluster = props.platformCluster.cluster;
    const clusterName = props.names.eksCluster;
    const nodegroups: Record<string, eks.Nodegroup> = {};
    const instanceTypes: Record<string, string> = {};

    const account = props.registryAccount;
    const region = props.registryRegion;
    for (const pool of props.pools) {
      const instanceType = pool.instanceType;
      instanceTypes[pool.name] = instanceType;
      nodegroups[pool.name] = cluster.addNodegroupCapacity(`Gpu${pool.name[0]?.toUpperCase()}${pool.name.slice(1)}`, {
        nodegroupName: `gpu-${pool.name}`,
        nodeRole: props.platformCluster.nodeRole,
        subnets: { ...props.subnets, availabilityZones: [...pool.availabilityZones] },
        amiType: eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
        capacityType: pool.capacity === 'spot' ? eks.CapacityType.SPOT : eks.CapacityType.ON_DEMAND,
        minSize: pool.minNodes,
        maxSize: pool.maxNodes,
        desiredSize: pool.desiredNodes ?? pool.minNodes,
        labels: poolLabels(pool),
        taints: [NODEGROUP_GPU_TAINT],
        tags: autoscalerTags(clusterName, pool),
        launchTemplateSpec: nodeLaunchTemplate(
          this,
          `${pool.name}LaunchTemplate`,
          pool.diskSizeGiB ?? DEFAULT_GPU_DISK_GIB,
          new ec2.InstanceType(instanceType),
        ),
      });
    }
    this.nodegroups = nodegroups;
    this.instanceTypes = instanceTypes;

    // Charts and images come from the environment's registry (lib/aws/images.ts, lib/aws/mirror.ts).
    cluster.addHelmChart('NvidiaDevicePlugin', {
      chart: CHARTS.nvidiaDevicePlugin.name,
      release: 'nvidia-device-plugin',
      repository: chartRepository(CHARTS.nvidiaDevicePlugin, account, region),
      version: CHARTS.nvidiaDevicePlugin.version,
      namespace: 'kube-system',
      values: {
        image: {
          repository: mirroredImage(IMAGES.nvidiaDevicePlugin.upstream, account, region),
          tag: IMAGES.nvidiaDevicePlugin.tag,
        },
        nodeSelector: { [GPU_PRESENT_LABEL]: 'true' },
        tolerations: [GPU_TOLERATION],
      },
    });

    // Cluster Autoscaler IAM: read everywhere, change only node groups of this cluster.
    // https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md#iam-policy
    this.autoscalerRole = podIdentityRole(this, 'AutoscalerRole', `Cluster Autoscaler of ${clusterName}`);
    this.autoscalerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'autoscaling:DescribeAutoScalingGroups',
          'autoscaling:DescribeAutoScalingInstances',
          'autoscaling:DescribeLaunchConfigurations',
          'autoscaling:DescribeScalingActivities',
          'autoscaling:DescribeTags',
          'ec2:DescribeImages',
          'ec2:DescribeInstanceTypes',
          'ec2:DescribeLaunchTemplateVersions',
          'ec2:GetInstanceTypesFromInstanceRequirements',
        ],
        resources: ['*'],
      }),
    );
    this.autoscalerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
        resources: ['*'],
        conditions: { StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${clusterName}`]: 'owned' } },
      }),
    );
    this.autoscalerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeNodegroup'],
        resources: [
          Stack.of(this).formatArn({ service: 'eks', resource: 'nodegroup', resourceName: `${clusterName}/*` }),
        ],
      }),
    );
    acknowledge(this.autoscalerRole, {
      'AwsSolutions-IAM5[Resource::*]':
        'Auto Scaling and EC2 Describe* calls support no resource-level permissions; SetDesiredCapacity and TerminateInstanceInAutoScalingGroup are limited by the aws:ResourceTag condition to groups tagged as owned by this cluster',
      [`AwsSolutions-IAM5[Resource::arn:aws:eks:${Stack.of(this).region}:${Stack.of(this).account}:nodegroup/${clusterName}/*]`]:
        'eks:DescribeNodegroup on the node groups of this cluster only, whose ids EKS generates',
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });
    props.platformCluster.associate('AutoscalerIdentity', 'kube-system', 'cluster-autoscaler', this.autoscalerRole);

    if (props.kubernetesVersion !== AUTOSCALER_KUBERNETES_VERSION) {
      Annotations.of(this).addWarningV2(
        'mlops:autoscaler-version',
        `kubernetes.version is ${props.kubernetesVersion} but the Cluster Autoscaler chart ${CHARTS.clusterAutoscaler.version} is built for ${AUTOSCALER_KUBERNETES_VERSION}; pin a chart whose autoscaler minor matches in lib/aws/images.ts`,
      );
    }
    cluster.addHelmChart('ClusterAutoscaler', {
      chart: CHARTS.clusterAutoscaler.name,
      release: 'cluster-autoscaler',
      repository: chartRepository(CHARTS.clusterAutoscaler, account, region),
      version: CHARTS.clusterAutoscaler.version,
      namespace: 'kube-system',
      values: {
        image: {
          repository: mirroredImage(IMAGES.clusterAutoscaler.upstream, account, region),
          tag: IMAGES.clusterAutoscaler.tag,
        },
        cloudProvider: 'aws',
        awsRegion: Stack.of(this).region,
        autoDiscovery: { clusterName },
        rbac: { serviceAccount: { create: true, name: 'cluster-autoscaler' } },
        nodeSelector: { [POOL_LABEL]: SYSTEM_POOL },
        extraArgs: {
          'balance-similar-node-groups': true,
          'skip-nodes-with-system-pods': false,
          expander: 'least-waste',
        },
      },
    });

    // Container Insights with enhanced observability (GPU metrics through DCGM); its agent gets
    // CloudWatch write access through Pod Identity rather than the node role.
    this.observabilityRole = podIdentityRole(this, 'ObservabilityRole', `CloudWatch agent of ${clusterName}`);
    this.observabilityRole.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('CloudWatchAgentServerPolicy'));
    acknowledge(this.observabilityRole, {
      [managedPolicyFinding('CloudWatchAgentServerPolicy')]:
        'The AWS-maintained policy the observability add-on documents for its agent: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html',
    });
    const observability = new eksL1.CfnAddon(this, 'Observability', {
      clusterName: cluster.clusterName,
      addonName: 'amazon-cloudwatch-observability',
      resolveConflicts: 'OVERWRITE',
      podIdentityAssociations: [{ serviceAccount: 'cloudwatch-agent', roleArn: this.observabilityRole.roleArn }],
      configurationValues: JSON.stringify({
        tolerations: [GPU_TOLERATION],
      }),
    });
    observability.node.addDependency(props.platformCluster.podIdentityAgent);
    for (const nodegroup of Object.values(nodegroups)) observability.node.addDependency(nodegroup);
    observability.node.addDependency(props.platformCluster.systemNodegroup);
  }
}

/** Labels of a GPU pool's nodes: the pool, the accelerator, and the device plugin's selector. */
export function poolLabels(pool: GpuPoolConfig): Record<string, string> {
  return { [POOL_LABEL]: pool.name, [ACCELERATOR_LABEL]: pool.accelerator, [GPU_PRESENT_LABEL]: 'true' };
}

/**
 * Cluster Autoscaler discovery and node-template tags: what a pool's nodes will look like when it
 * has none, so the autoscaler can scale it up from zero for a pending GPU pod.
 */
export function autoscalerTags(clusterName: string, pool: GpuPoolConfig): Record<string, string> {
  const prefix = 'k8s.io/cluster-autoscaler/node-template';
  const tags: Record<string, string> = {
    'k8s.io/cluster-autoscaler/enabled': 'true',
    [`k8s.io/cluster-autoscaler/${clusterName}`]: 'owned',
    [`${prefix}/resources/nvidia.com/gpu`]: String(pool.gpusPerNode),
    [`${prefix}/taint/${GPU_TAINT.key}`]: `${GPU_TAINT.value}:NoSchedule`,
  };
  for (const [key, value] of Object.entries(poolLabels(pool))) tags[`${prefix}/label/${key}`] = value;
  return tags;
}
