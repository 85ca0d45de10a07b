/**
 * What the serving workload is rendered from: the environment's models and pools, and the few
 * values only a cloud knows (its load balancer bindings, identity and flag service).
 *
 * Every string may be a deploy-time token of the calling toolkit (`${Token[TOKEN.12]}` from
 * aws-cdk-lib, `${TfToken[TOKEN.3]}` from cdktf): such values are passed through untouched and
 * are not validated; literal values are.
 */
import type {
  DataZone,
  EventTarget,
  GpuPoolConfig,
  MetricsTarget,
  ModelEndpointConfig,
  Slot,
  StorageUri,
} from '../config';

/** A Kubernetes toleration, as the node pools of a cloud need it. */
export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/** A value per model name and slot: `{ churn: { blue: ..., green: ... } }`. */
export type PerSlot<T> = Readonly<Record<string, Readonly<Record<Slot, T>>>>;

/**
 * AWS: the API's network load balancer reaches each slot through an IP target group, bound to the
 * slot's Service by a `TargetGroupBinding` (AWS Load Balancer Controller); flags come from the
 * AWS AppConfig agent beside each model agent.
 */
export interface AwsServingBinding {
  readonly cloud: 'aws';
  /** Region of AppConfig (the agent's `SERVICE_REGION`). */
  readonly region: string;
  /** ARN of the IP target group of every model's slots (`targetType: ip`, port `AGENT_PORT`). */
  readonly targetGroupArns: PerSlot<string>;
  /** AppConfig application (name or id) that holds the models' feature flags. */
  readonly appConfigApplication: string;
  /** AppConfig environment (name or id) of this platform environment. */
  readonly appConfigEnvironment: string;
  /** AppConfig configuration profile (name or id) of type `AWS.AppConfig.FeatureFlags`. */
  readonly appConfigProfile: string;
  /**
   * The AWS AppConfig agent image, pinned by digest, from the environment's registry (an ECR
   * pull-through cache of ECR Public `aws-appconfig/aws-appconfig-agent`): the clusters have no
   * route to the internet.
   */
  readonly appConfigAgentImage: string;
  /**
   * Security group of the load balancer. When set, each binding asks the controller to open the
   * pods' security group to it on the agent port.
   * @default - no rules: the stack opens the node security group to the load balancer itself
   */
  readonly loadBalancerSecurityGroupId?: string;
}

/**
 * Azure: API Management reaches each slot through an internal load balancer frontend that the
 * slot's `LoadBalancer` Service claims (cloud-provider-azure); flags come from App Configuration
 * through the Kubernetes provider, as a ConfigMap the model agents mount.
 */
export interface AzureServingBinding {
  readonly cloud: 'azure';
  /** Name of the subnet the internal load balancer frontends take their addresses from. */
  readonly loadBalancerSubnet: string;
  /**
   * The private IPv4 address of every model's slots. cloud-provider-azure lets Services share one
   * internal address on different ports, and each slot has its own port
   * (`slotLoadBalancerPort`), so one address for all slots is allowed.
   */
  readonly loadBalancerAddresses: PerSlot<string>;
  /** Client id of the serving managed identity, federated with the serving service account. */
  readonly servingIdentityClientId: string;
  /** App Configuration endpoint, `https://<store>.azconfig.io`. */
  readonly appConfigurationEndpoint: string;
  /**
   * Traces and GPU metrics in the cluster: an OpenTelemetry Collector that the serving agents
   * export spans to, and the NVIDIA DCGM exporter on the GPU pools with the `PodMonitor` that
   * Azure Managed Prometheus (ama-metrics) scrapes it by.
   * @default - neither: the agents record no spans, and the GPU panels stay empty
   */
  readonly telemetry?: AzureTelemetryBinding;
}

/**
 * Azure: what the in-cluster telemetry needs. Both images come from the environment's registry,
 * pinned by digest; the clusters pull nothing from the internet.
 */
export interface AzureTelemetryBinding {
  /**
   * OpenTelemetry Collector contrib distribution (`otelcol-contrib`, a 2026 release: the
   * `azure_auth` extension name and the `azuremonitor` exporter's authenticator), pinned by digest.
   */
  readonly collectorImage: string;
  /**
   * Connection string of the environment's Application Insights component: its instrumentation
   * key and ingestion endpoint. With local authentication off the key is no credential; the
   * collector sends with the serving identity's Entra token.
   */
  readonly applicationInsightsConnectionString: string;
  /** NVIDIA DCGM exporter (`nvcr.io/nvidia/k8s/dcgm-exporter`), pinned by digest. */
  readonly dcgmExporterImage: string;
}

export type ServingBinding = AwsServingBinding | AzureServingBinding;

export interface ServingWorkloadProps {
  /** Environment name: a label on every object and part of the agents' settings. */
  readonly environment: string;
  /** Kubernetes minor version of the cluster (`1.33`): pins the pod security standards' version. */
  readonly kubernetesVersion: string;
  /** The environment's model endpoints (`serving.models`). */
  readonly models: readonly ModelEndpointConfig[];
  /** The environment's GPU pools (`kubernetes.gpuPools`); GPU models run on theirs. */
  readonly gpuPools: readonly GpuPoolConfig[];
  /**
   * Registry host of the model images, optionally with a path prefix (`<account>.dkr.ecr.<region>.amazonaws.com`,
   * `<registry>.azurecr.io`): a model image is `<registry>/<repository>:<tag>@sha256:<digest>`.
   */
  readonly registry: string;
  /** The model agent image (`workloads/model-agent`), pinned by digest. */
  readonly agentImage: string;
  /**
   * Node selector of CPU-only models and jobs: the EKS system node group
   * (`{ [POOL_LABEL]: SYSTEM_POOL }`) or the AKS CPU user pool (`{ [POOL_LABEL]: CPU_POOL }`).
   */
  readonly cpuNodeSelector: Readonly<Record<string, string>>;
  /**
   * Tolerations of CPU-only models and jobs, for a tainted CPU pool.
   * @default - none
   */
  readonly cpuTolerations?: readonly Toleration[];
  /**
   * Where the gateway's traffic comes from (load balancer subnets, API Management subnet): the
   * only sources, besides the namespace's own pods, that the slots' network policies admit.
   */
  readonly gatewayCidrs: readonly string[];
  /**
   * The data zones' locations (`s3://<bucket>`, `https://<account>.blob.core.windows.net/<container>`):
   * captures, batch input and output, and model baselines are paths inside them.
   */
  readonly dataZones: Readonly<Partial<Record<DataZone, StorageUri>>>;
  /** Where batch and drift runs publish their metrics. */
  readonly metrics: MetricsTarget;
  /** Where drift runs publish "drift detected". */
  readonly events: EventTarget;
  /** The cloud's load balancer, identity and flag bindings. */
  readonly binding: ServingBinding;
  /**
   * Where the serving agents export their spans to (an ADOT or CloudWatch agent endpoint on
   * EKS). On Azure, `binding.telemetry` runs a collector and points the agents at it instead.
   * @default - the in-cluster collector of `binding.telemetry` on Azure, else none: no spans are exported
   */
  readonly telemetry?: TelemetryProps;
  /**
   * Seconds a terminating pod keeps serving before its agent stops accepting requests, so that
   * the load balancer has deregistered it first (NLB target deregistration, Azure LB probes).
   * The pod's grace period adds the model's request timeout on top, for in-flight requests.
   * @default 30
   */
  readonly drainSeconds?: number;
}

/** Where the serving agents export spans. */
export interface TelemetryProps {
  /**
   * OTLP/HTTP base URL, the agents' `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://<host>:4318`); the agent
   * appends `/v1/traces`.
   */
  readonly otlpEndpoint: string;
}

/** One Kubernetes object as JSON, ready for `kubectl apply`, a `KubernetesManifest` or YAML. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}
