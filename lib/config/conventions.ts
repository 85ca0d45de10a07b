/**
 * What both clouds and the serving workload agree on, defined once: Kubernetes names, node labels
 * and taints, BGP defaults, alarm thresholds, and the names of the serving release state.
 *
 * lib/aws, lib/azure and lib/kubernetes import these; none of them redefines a value here.
 */
import { PROJECT } from './naming';

/** Namespace of the model-serving workload, on every cluster. */
export const SERVING_NAMESPACE = 'model-serving';

/**
 * Service account of the model-serving pods, on every cluster: EKS Pod Identity associates it with
 * the serving role, AKS workload identity federates it with the serving identity.
 */
export const SERVING_SERVICE_ACCOUNT = 'model-serving';

/** Label every node carries with its pool name; the system pool is `system`. */
export const POOL_LABEL = 'mlops.platform/pool';

/** Pool label value of the system (CPU) pool. */
export const SYSTEM_POOL = 'system';

/**
 * Pool label value of the CPU user pool that Azure adds for CPU-only models and jobs (AKS keeps
 * its system pool for critical add-ons); EKS runs them on the system node group.
 */
export const CPU_POOL = 'cpu';

/** Label naming the accelerator of a GPU node (`nvidia-l4`). */
export const ACCELERATOR_LABEL = 'mlops.platform/accelerator';

/** The label the NVIDIA device plugin selects GPU nodes by. */
export const GPU_PRESENT_LABEL = 'nvidia.com/gpu.present';

/** The extended resource GPUs are requested by. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The taint every GPU node carries, so only pods that tolerate it (GPU workloads) land there. */
export const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' } as const;

/** The toleration of the GPU taint, as GPU pods and GPU-node daemons carry it. */
export const GPU_TOLERATION = { key: GPU_TAINT.key, operator: 'Exists', effect: GPU_TAINT.effect } as const;

/** Default root / OS disk of a GPU node, GiB: room for CUDA images and model weights. */
export const DEFAULT_GPU_DISK_GIB = 200;

/**
 * BGP ASN of the cloud side of a hybrid link when `hybrid.cloudAsn` is not set: the default of
 * an AWS virtual private gateway / Direct Connect gateway, and the ASN Azure VPN gateways use.
 * https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html
 * https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-bgp-overview
 */
export const DEFAULT_CLOUD_ASN = { aws: 64512, azure: 65515 } as const;

/**
 * Model API alarm thresholds when `monitoring` sets none. Both clouds alarm on the same two
 * signals over 5-minute windows, per model and for the whole API: the share of requests that end
 * in a 5xx, and the 99th percentile of the gateway's end-to-end latency.
 */
export const DEFAULT_API_ALARMS = {
  /** Percent of requests answered with a 5xx. */
  errorRatePercent: 5,
  /** 99th percentile latency, milliseconds. */
  latencyP99Ms: 10_000,
  /** Consecutive 5-minute periods before an alarm fires. */
  evaluationPeriods: 3,
} as const;

/** The two slots every model endpoint has; a release moves traffic between them. */
export const SLOTS = ['blue', 'green'] as const;
export type Slot = (typeof SLOTS)[number];

/** Container port of the serving sidecar (the model agent) that Services and load balancers target. */
export const AGENT_PORT = 8000;

/**
 * The range of `serving.models[].gatewayPort`: the internal load balancer port of a model's live
 * traffic; the next port carries previews of its idle slot (smoke tests before a switch).
 */
export const GATEWAY_PORTS = { min: 9000, max: 9998 } as const;

/** Root of an environment's SSM parameters on AWS: `/mlops/<env>/...`. */
export function parameterRoot(environmentName: string): string {
  return `/${PROJECT}/${environmentName}`;
}

/**
 * Where a model's release state lives: SSM parameters on AWS, and a JSON document with the same
 * fields in the serving container on Azure. `image` is `<tag>@sha256:<digest>` or `none`;
 * `weight` is the percent of live traffic the green slot takes (blue takes the rest).
 */
export function releaseParameterName(environmentName: string, model: string, field: ReleaseField): string {
  return `${parameterRoot(environmentName)}/serving/${model}/${field}`;
}

export type ReleaseField = 'blue-image' | 'green-image' | 'green-weight' | 'candidate';

/** The value of an image release parameter when the slot runs nothing. */
export const NO_IMAGE = 'none';

/** The data zone captured requests and responses land in, under `CAPTURE_PREFIX/`. */
export const CAPTURE_ZONE = 'raw';
export const CAPTURE_PREFIX = 'captures';

/** Where a model version's training baseline lives in the `models` zone: `<model>/<version>/baseline.json`. */
export function baselineKey(model: string, version: string): string {
  return `${model}/${version}/baseline.json`;
}

/**
 * Namespace of the metrics the model agent publishes (batch runs, drift, outliers): a CloudWatch
 * namespace on AWS, an Azure Monitor custom metric namespace on Azure (case-insensitive there).
 */
export const MODEL_METRICS_NAMESPACE = 'MLOps/Models';

/** AWS: the EventBridge bus of an environment's model events ("Model Drift Detected"). */
export function modelEventBusName(environmentName: string): string {
  return `${PROJECT}-${environmentName}-models`;
}

/** AWS: the `source` of the model events the agent puts on the bus. */
export function modelEventSource(environmentName: string): string {
  return `${PROJECT}.${environmentName}.models`;
}
