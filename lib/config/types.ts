/**
 * The cloud-neutral description of one platform environment.
 *
 * One readonly object per environment lives in `environments/<name>.ts`; it is validated once
 * (see `validate.ts`) before any construct is built, and every cloud construct reads only this
 * shape. Fields that only one cloud uses say so; the validator requires them for that cloud.
 */

/** Drives retention, deletion protection, approvals and sizing defaults. */
export type Stage = 'staging' | 'production';

export type Cloud = 'aws' | 'azure';

/** Where an AWS environment is deployed. */
export interface AwsTarget {
  readonly cloud: 'aws';
  /** 12-digit AWS account id. */
  readonly account: string;
  /** AWS region, for example `eu-west-1`. */
  readonly region: string;
}

/**
 * Terraform state for an Azure environment, kept in an Azure Storage blob container that exists
 * before the first `terraform init` (see the README's bootstrap step). Access uses Entra ID
 * (`use_azuread_auth`), never storage account keys.
 */
export interface AzureStateBackend {
  readonly resourceGroupName: string;
  readonly storageAccountName: string;
  readonly containerName: string;
  /**
   * Blob name of this environment's state.
   * @default `<environment name>.tfstate`
   */
  readonly key?: string;
}

/** Where an Azure environment is deployed. */
export interface AzureTarget {
  readonly cloud: 'azure';
  /** Subscription id (GUID). */
  readonly subscriptionId: string;
  /** Entra ID tenant id (GUID): Key Vault, AKS Entra integration and role assignments use it. */
  readonly tenantId: string;
  /** Azure region name, for example `westeurope`. */
  readonly location: string;
  /**
   * Remote Terraform state.
   * @default - local state in the stack's output folder (fine for a trial, not for a team;
   *   production environments must set it)
   */
  readonly stateBackend?: AzureStateBackend;
}

export type Target = AwsTarget | AzureTarget;

export interface NetworkConfig {
  /** The VPC / VNet address space, an IPv4 CIDR of /16 to /24. */
  readonly cidr: string;
  /** Availability zones to spread subnets and node pools over (1-3). */
  readonly availabilityZones: number;
  /**
   * NAT gateways for outbound internet access. 0 means no outbound internet at all: the platform
   * then reaches cloud services through private (VPC/private) endpoints only.
   */
  readonly natGateways: number;
}

/** The data zones of the platform's storage, one bucket (AWS) or container (Azure) each. */
export type DataZone = 'raw' | 'curated' | 'features' | 'models' | 'artifacts';

export const DATA_ZONES: readonly DataZone[] = ['raw', 'curated', 'features', 'models', 'artifacts'];

export interface StorageLifecycle {
  /** Days after creation before objects move to an infrequent-access / cool tier. */
  readonly coolAfterDays: number;
  /**
   * Days after creation before objects move to an archive tier.
   * @default - never archived
   */
  readonly archiveAfterDays?: number;
  /**
   * Days a noncurrent (overwritten or deleted) object version is kept: S3 noncurrent-version
   * expiry, Azure blob version and soft-delete retention (Azure allows 1-365).
   */
  readonly noncurrentVersionDays: number;
}

export interface StorageConfig {
  /** Data zones to create; `models` and `artifacts` are required by serving and delivery. */
  readonly zones: readonly DataZone[];
  readonly lifecycle: StorageLifecycle;
}

/** GPUs a pool can ask for by name; `gpu-catalog.ts` maps them to machine types per cloud. */
export type Accelerator =
  | 'nvidia-t4'
  | 'nvidia-a10'
  | 'nvidia-a10g'
  | 'nvidia-l4'
  | 'nvidia-l40s'
  | 'nvidia-a100'
  | 'nvidia-h100';

export type CapacityType = 'spot' | 'on-demand';

export interface SystemPoolConfig {
  /**
   * CPU machine type of the system pool: an AWS instance type (`m7i.xlarge`) or an Azure VM size
   * (`Standard_D4ds_v5`), for the environment's cloud.
   */
  readonly machineType: string;
  readonly minNodes: number;
  readonly maxNodes: number;
  /**
   * @default minNodes
   */
  readonly desiredNodes?: number;
}

export interface GpuPoolConfig {
  /**
   * Pool name: 1-12 lowercase letters and digits, starting with a letter (the AKS node pool rule,
   * applied on both clouds so an environment can move between them).
   */
  readonly name: string;
  readonly accelerator: Accelerator;
  /** GPUs per node; the catalog picks the machine type that has exactly this many. */
  readonly gpusPerNode: number;
  /** 0 lets the pool scale to zero. */
  readonly minNodes: number;
  readonly maxNodes: number;
  /**
   * @default minNodes
   */
  readonly desiredNodes?: number;
  readonly capacity: CapacityType;
  /**
   * An explicit AWS instance type or Azure VM size that overrides the catalog.
   * @default - the catalog's machine type for accelerator and gpusPerNode
   */
  readonly machineType?: string;
  /**
   * Root / OS disk size per node, GiB.
   * @default 200
   */
  readonly diskSizeGiB?: number;
  /**
   * Zones the pool's nodes run in: AWS zone names (`eu-west-1a`) or Azure zone numbers (`'1'`).
   * GPU machine types are offered per zone, and a pool placed in a zone without its type fails to
   * create; validation checks each zone against the offerings table (`lib/config/regions.ts`).
   * @default - every zone of the environment that offers the pool's machine type
   */
  readonly zones?: readonly string[];
}

export interface KubernetesConfig {
  /** Kubernetes minor version, for example `1.33`. */
  readonly version: string;
  /**
   * CIDRs allowed to reach a public API endpoint. Empty or absent keeps the API private (reachable
   * from the VPC/VNet and the hybrid link only).
   * @default - private API endpoint only
   */
  readonly apiAllowedCidrs?: readonly string[];
  /** Kubernetes service CIDR; must not overlap the network or on-premises ranges. */
  readonly serviceCidr: string;
  /**
   * Pod CIDR for overlay networking (Azure CNI Overlay). Required on Azure; on AWS the VPC CNI
   * gives pods VPC addresses, so it is unused there.
   * @default - none (AWS)
   */
  readonly podCidr?: string;
  readonly systemPool: SystemPoolConfig;
  readonly gpuPools: readonly GpuPoolConfig[];
}

/** How callers authenticate to the model API. */
export type ApiAuthMode = 'iam' | 'api-key';

export interface ApiConfig {
  /** Steady-state requests per second allowed across the API. */
  readonly rateLimitPerSecond: number;
  /** Burst above the steady rate; must be >= rateLimitPerSecond. */
  readonly burst: number;
  /**
   * `iam`: signed requests (AWS SigV4 / Entra ID tokens on Azure). `api-key`: a key per client
   * with a usage plan (AWS) or an APIM subscription key (Azure).
   */
  readonly authMode: ApiAuthMode;
  /**
   * Requests per day per client key.
   * @default - no daily quota
   */
  readonly dailyQuota?: number;
  /**
   * Azure API Management SKU as `<name>_<capacity>`, for example `Developer_1` or `Premium_1`.
   * Required on Azure (VNet injection needs Developer or Premium); unused on AWS.
   * @default - none (AWS)
   */
  readonly apimSku?: string;
  /**
   * Publisher contact shown by API Management. Required on Azure; unused on AWS.
   * @default - none (AWS)
   */
  readonly publisher?: { readonly name: string; readonly email: string };
}

export interface MonitoringConfig {
  /** Addresses that receive alarms and budget notifications; production must have at least one. */
  readonly alarmEmails: readonly string[];
  /**
   * Retention of every log group / workspace, days. AWS accepts only CloudWatch's fixed values
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, ...); Azure Log
   * Analytics accepts 30-730.
   */
  readonly logRetentionDays: number;
  /** Monthly budget for the environment, USD; must be > 0. */
  readonly monthlyBudgetUsd: number;
  /**
   * Budget notification thresholds, percent of the budget (actual and forecast).
   * @default [80, 100]
   */
  readonly budgetThresholdsPercent?: readonly number[];
  /**
   * First month of the budget period (`YYYY-MM`). Azure consumption budgets need a start date and
   * reject past months, so set it to the coming month before the first apply; later changes are
   * ignored so the budget is not replaced. Unused on AWS, whose budgets start with the account.
   * @default '2026-12'
   */
  readonly budgetStartMonth?: string;
  /**
   * Model API alarms: the share of requests answered with a 5xx, percent, over 5 minutes.
   * The same meaning on both clouds, for the whole API and per model.
   * @default 5
   */
  readonly apiErrorRatePercent?: number;
  /**
   * Model API alarms: the 99th percentile of the gateway's end-to-end latency, milliseconds, over
   * 5 minutes. The same meaning on both clouds, for the whole API and per model.
   * @default 10000
   */
  readonly apiLatencyP99Ms?: number;
}

export interface DeliveryConfig {
  /** Source repository as `owner/name`. */
  readonly repository: string;
  /** Branch that deploys. */
  readonly branch: string;
  /**
   * People who approve promotions to production: e-mail addresses on AWS (notified by the
   * pipeline), GitHub user names on Azure (required reviewers of the `production` environment).
   */
  readonly approvers: readonly string[];
  /**
   * AWS CodeConnections ARN that gives the pipeline access to the repository. Unused on Azure.
   * @default - none
   */
  readonly codeConnectionArn?: string;
}

/** The kind of private link to the on-premises data centre. */
export type HybridLinkType = 'vpn' | 'direct-connect' | 'expressroute';

export interface DirectConnectConfig {
  /** Id of the Direct Connect connection ordered outside this project (`dxcon-...`). */
  readonly connectionId: string;
  /**
   * Amazon-side ASN of the Direct Connect gateway (64512-65534 or 4200000000-4294967294).
   * @default 64512
   */
  readonly amazonSideAsn?: number;
  /**
   * VLAN of the private virtual interface on the connection, from the Direct Connect partner.
   * @default - no virtual interface is created (create it once the VLAN is allocated)
   */
  readonly vlan?: number;
}

export interface ExpressRouteConfig {
  /** Resource id of the ExpressRoute circuit provisioned by the connectivity provider. */
  readonly circuitId: string;
  /** Connectivity provider, for example `Equinix`. */
  readonly serviceProvider: string;
  /** Peering location, for example `Amsterdam`. */
  readonly peeringLocation: string;
}

export interface HybridConfig {
  readonly linkType: HybridLinkType;
  /** Address ranges of the on-premises data centre that the cloud network routes to. */
  readonly onPremCidrs: readonly string[];
  /**
   * Public IPv4 address of the on-premises VPN device. Required for `vpn`.
   * @default - none
   */
  readonly gatewayIp?: string;
  /**
   * BGP ASN of the on-premises side. Without it, the link uses static routes to `onPremCidrs`.
   * @default - static routing
   */
  readonly bgpAsn?: number;
  /**
   * BGP peer address of the on-premises VPN device, inside `onPremCidrs` (usually a loopback).
   * Azure needs it to peer with the device; AWS assigns tunnel inside addresses itself and ignores
   * it. Required on Azure when `linkType` is `vpn` and `bgpAsn` is set.
   * @default - none (static routing on Azure VPN)
   */
  readonly bgpPeerIp?: string;
  /**
   * BGP ASN of the cloud side (AWS virtual private gateway / Azure VPN gateway).
   * @default 64512 on AWS, 65515 on Azure
   */
  readonly cloudAsn?: number;
  /** On-premises subnets where GPU servers join the cluster as hybrid nodes. */
  readonly nodeCidrs: readonly string[];
  /** Pod ranges of on-premises hybrid nodes. */
  readonly podCidrs: readonly string[];
  /**
   * On-premises DNS resolvers that the cloud forwards `dnsDomains` to.
   * @default - no forwarding to on-premises DNS
   */
  readonly dnsServers?: readonly string[];
  /**
   * On-premises DNS domains resolved by `dnsServers`.
   * @default - none
   */
  readonly dnsDomains?: readonly string[];
  /**
   * AWS only: id of an existing transit gateway (`tgw-...`) the VPC attaches to. The VPN or Direct
   * Connect gateway then terminates on the transit gateway instead of a virtual private gateway.
   * @default - a virtual private gateway attached to the VPC
   */
  readonly transitGatewayId?: string;
  /** Required when `linkType` is `direct-connect`. */
  readonly directConnect?: DirectConnectConfig;
  /** Required when `linkType` is `expressroute`. */
  readonly expressRoute?: ExpressRouteConfig;
}

/** How a model server speaks: the default health paths and the request shape follow from it. */
export type ModelProtocol = 'kserve-v2' | 'openai' | 'http';

/** One step of a canary release: the share of live traffic the new version gets, then a bake. */
export interface CanaryStep {
  /** Percent of live traffic on the new version during this step, 1-99. */
  readonly weightPercent: number;
  /** Minutes to watch the model's error-rate and latency alarms before the next step, 1-180. */
  readonly bakeMinutes: number;
}

/**
 * How a new model version takes over from the running one. Both start the new version in the idle
 * slot and send it a smoke request through the gateway's preview route first.
 *
 * - `blue-green`: all traffic moves at once, then the alarms are watched for `bakeMinutes`.
 * - `canary`: traffic moves in `steps`, each watched for its bake time; then all of it.
 *
 * Any alarm of the model during a bake rolls the traffic back to the running version by itself.
 */
export type RolloutPolicy =
  | { readonly strategy: 'blue-green'; readonly bakeMinutes: number }
  | { readonly strategy: 'canary'; readonly steps: readonly CanaryStep[] };

/**
 * What the autoscaler scales a model's replicas on: average CPU or memory utilisation of the
 * pods against their requests (Kubernetes metrics server, present on both clusters).
 */
export interface ScalingSignal {
  readonly metric: 'cpu' | 'memory';
  /** Target average utilisation, percent of the request, 10-95. */
  readonly targetUtilizationPercent: number;
}

/**
 * Feature flags of one model, served by AWS AppConfig / Azure App Configuration and read by the
 * model agent in each pod: changing one needs no redeploy of the workload.
 */
export interface ModelFlags {
  /**
   * Serve the model. Off, the agent answers 503 without calling the model.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Percent of live requests mirrored to the idle slot when it runs a candidate (responses
   * discarded), 0-100.
   * @default 0
   */
  readonly shadowPercent?: number;
  /**
   * Write the sampled requests and responses (`capture`) to the data zone.
   * @default false
   */
  readonly capture?: boolean;
}

/** Sampling of live requests and responses into a data zone, for drift detection and audits. */
export interface CaptureConfig {
  /** Percent of requests captured when the `capture` flag is on, 0-100. */
  readonly samplePercent: number;
  /**
   * Top-level JSON fields dropped from requests and responses before anything is written
   * (personal data: GDPR, HIPAA).
   * @default - none
   */
  readonly dropFields?: readonly string[];
  /**
   * Days captured records are kept.
   * @default 90
   */
  readonly retentionDays?: number;
}

/** A scheduled batch inference job of a model. */
export interface BatchJobConfig {
  /** Job name, unique within the model: 1-20 lowercase letters, digits and hyphens. */
  readonly name: string;
  /** Cron schedule (five fields), in `timeZone`. */
  readonly schedule: string;
  /** IANA time zone of the schedule, for example `Europe/Amsterdam`. */
  readonly timeZone: string;
  /** Input prefix in a data zone: `<zone>/<prefix>`, for example `curated/churn/daily/`. */
  readonly input: string;
  /** Output prefix in a data zone, for example `artifacts/churn/scores/`. */
  readonly output: string;
  /**
   * GPUs per run, on the model's GPU pool; 0 runs on CPU.
   * @default the model's gpusPerReplica
   */
  readonly gpus?: number;
  /** Minutes before a run is stopped and counted as failed. */
  readonly timeoutMinutes: number;
  /**
   * Retries of a failed run.
   * @default 2
   */
  readonly retries?: number;
  /**
   * Pods one run starts in parallel.
   * @default 1
   */
  readonly parallelism?: number;
}

/** Input drift and outlier detection of a model, against its version's training baseline. */
export interface DriftConfig {
  /** Cron schedule (five fields, UTC) of the drift job. */
  readonly schedule: string;
  /** Hours of captured requests each run compares with the baseline. */
  readonly windowHours: number;
  /**
   * Population stability index at or above which a feature has drifted.
   * @default 0.2
   */
  readonly psiThreshold?: number;
  /**
   * Kolmogorov-Smirnov statistic at or above which a numeric feature has drifted.
   * @default 0.1
   */
  readonly ksThreshold?: number;
  /**
   * Robust z-score (median and MAD of the baseline) beyond which a value is an outlier.
   * @default 3.5
   */
  readonly outlierZScore?: number;
  /**
   * Percent of outlying requests at or above which the outlier alarm fires.
   * @default 5
   */
  readonly outlierRatePercent?: number;
}

/** One model endpoint: `POST /models/<name>/invoke` and `GET /models/<name>/health` on the gateway. */
export interface ModelEndpointConfig {
  /**
   * The model's URL segment and the base of its Kubernetes names: 1-20 lowercase letters, digits
   * and hyphens, starting with a letter.
   */
  readonly name: string;
  /**
   * Image repository of the model server in the environment's registry (ECR / ACR), for example
   * `models/churn`. Releases pick a version of it by immutable tag and pin its digest.
   */
  readonly repository: string;
  readonly protocol: ModelProtocol;
  /**
   * Port the model server listens on in its container.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * Liveness path of the model server.
   * @default `/v2/health/live` (kserve-v2), `/health` (openai, http)
   */
  readonly livenessPath?: string;
  /**
   * Readiness path of the model server; the load balancer's health check and the smoke test use it.
   * @default `/v2/health/ready` (kserve-v2), `/v1/models` (openai), `/ready` (http)
   */
  readonly readinessPath?: string;
  /**
   * Internal load balancer port of the model's live traffic (the next port carries previews of
   * the idle slot); unique per environment, even, 9000-9998.
   */
  readonly gatewayPort: number;
  /**
   * GPU pool (`kubernetes.gpuPools[].name`) the replicas run on.
   * @default - CPU only, on the system pool
   */
  readonly gpuPool?: string;
  /**
   * GPUs per replica, at most the pool's `gpusPerNode`.
   * @default 1 with `gpuPool`, 0 without
   */
  readonly gpusPerReplica?: number;
  /** CPU cores requested per replica, for example 2 or 0.5. */
  readonly cpu: number;
  /** Memory requested (and limited to) per replica, GiB. */
  readonly memoryGiB: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly scaling: ScalingSignal;
  /**
   * Seconds the gateway waits for an answer (AWS API Gateway allows up to 29 without a quota
   * increase), 1-600.
   */
  readonly timeoutSeconds: number;
  readonly rollout: RolloutPolicy;
  /**
   * Initial feature flags; later changes go through AppConfig / App Configuration.
   * @default - enabled, no shadow traffic, no capture
   */
  readonly flags?: ModelFlags;
  /**
   * Request and response capture.
   * @default - no capture
   */
  readonly capture?: CaptureConfig;
  /**
   * Scheduled batch inference jobs.
   * @default - none
   */
  readonly batch?: readonly BatchJobConfig[];
  /**
   * Drift and outlier detection; needs `capture`.
   * @default - none
   */
  readonly drift?: DriftConfig;
}

export interface ServingConfig {
  /** The model endpoints of the environment; each is served in two slots (blue and green). */
  readonly models: readonly ModelEndpointConfig[];
}

export interface PlatformEnvironment {
  /**
   * Short lowercase name (letters, digits, single hyphens). Every physical name derives from it
   * and the environment file is `environments/<name>.ts`.
   */
  readonly name: string;
  readonly stage: Stage;
  readonly target: Target;
  readonly network: NetworkConfig;
  readonly storage: StorageConfig;
  readonly kubernetes: KubernetesConfig;
  readonly api: ApiConfig;
  readonly monitoring: MonitoringConfig;
  readonly delivery: DeliveryConfig;
  /**
   * The models served on the platform.
   * @default - no model endpoints
   */
  readonly serving?: ServingConfig;
  /**
   * A private link to an on-premises data centre.
   * @default - no hybrid link
   */
  readonly hybrid?: HybridConfig;
  /**
   * Tags added to every taggable resource, after the platform's own (`project`, `environment`,
   * `stage`, `managed-by`), which they cannot override.
   * @default - the platform's tags only
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** A `PlatformEnvironment` narrowed to one cloud, as the cloud constructs receive it. */
export type AwsEnvironment = PlatformEnvironment & { readonly target: AwsTarget };
export type AzureEnvironment = PlatformEnvironment & { readonly target: AzureTarget };

export function isAwsEnvironment(env: PlatformEnvironment): env is AwsEnvironment {
  return env.target.cloud === 'aws';
}

export function isAzureEnvironment(env: PlatformEnvironment): env is AzureEnvironment {
  return env.target.cloud === 'azure';
}
