/**
 * The shape of an environment file and of the delivery file, for the structural check (shape.ts).
 * Each `object<T>()` must list exactly the keys of `T` with its optionality, or the project does
 * not type-check: the shapes cannot drift from lib/config/types.ts.
 */
import type { DeliveryEnvironment } from '../delivery';
import { ACCELERATORS } from '../gpu-catalog';
import type {
  ApiConfig,
  AwsTarget,
  AzureStateBackend,
  AzureTarget,
  BatchJobConfig,
  CanaryStep,
  CaptureConfig,
  DeliveryConfig,
  DirectConnectConfig,
  DriftConfig,
  ExpressRouteConfig,
  GpuPoolConfig,
  HybridConfig,
  KubernetesConfig,
  ModelEndpointConfig,
  ModelFlags,
  MonitoringConfig,
  NetworkConfig,
  PlatformEnvironment,
  ScalingSignal,
  ServingConfig,
  StorageConfig,
  StorageLifecycle,
  SystemPoolConfig,
} from '../types';
import { DATA_ZONES } from '../types';
import { boolean, list, number, object, oneOf, opt, record, req, string, variant } from './shape';

const strings = list(string);
const numbers = list(number);

const stateBackend = object<AzureStateBackend>('AzureStateBackend', {
  resourceGroupName: req(string),
  storageAccountName: req(string),
  containerName: req(string),
  key: opt(string),
});

const target = variant('cloud', {
  aws: object<AwsTarget>('AwsTarget', { cloud: req(string), account: req(string), region: req(string) }),
  azure: object<AzureTarget>('AzureTarget', {
    cloud: req(string),
    subscriptionId: req(string),
    tenantId: req(string),
    location: req(string),
    stateBackend: opt(stateBackend),
  }),
});

const network = object<NetworkConfig>('NetworkConfig', {
  cidr: req(string),
  availabilityZones: req(number),
  natGateways: req(number),
});

const storage = object<StorageConfig>('StorageConfig', {
  zones: req(list(oneOf(DATA_ZONES))),
  lifecycle: req(
    object<StorageLifecycle>('StorageLifecycle', {
      coolAfterDays: req(number),
      archiveAfterDays: opt(number),
      noncurrentVersionDays: req(number),
    }),
  ),
});

const systemPool = object<SystemPoolConfig>('SystemPoolConfig', {
  machineType: req(string),
  minNodes: req(number),
  maxNodes: req(number),
  desiredNodes: opt(number),
});

const gpuPool = object<GpuPoolConfig>('GpuPoolConfig', {
  name: req(string),
  accelerator: req(oneOf(ACCELERATORS)),
  gpusPerNode: req(number),
  minNodes: req(number),
  maxNodes: req(number),
  desiredNodes: opt(number),
  capacity: req(oneOf(['spot', 'on-demand'])),
  machineType: opt(string),
  diskSizeGiB: opt(number),
  zones: opt(strings),
});

const kubernetes = object<KubernetesConfig>('KubernetesConfig', {
  version: req(string),
  apiAllowedCidrs: opt(strings),
  serviceCidr: req(string),
  podCidr: opt(string),
  systemPool: req(systemPool),
  gpuPools: req(list(gpuPool)),
});

const api = object<ApiConfig>('ApiConfig', {
  rateLimitPerSecond: req(number),
  burst: req(number),
  authMode: req(oneOf(['iam', 'api-key'])),
  dailyQuota: opt(number),
  apimSku: opt(string),
  publisher: opt(
    object<{ name: string; email: string }>('ApiConfig.publisher', { name: req(string), email: req(string) }),
  ),
});

const monitoring = object<MonitoringConfig>('MonitoringConfig', {
  alarmEmails: req(strings),
  logRetentionDays: req(number),
  monthlyBudgetUsd: req(number),
  budgetThresholdsPercent: opt(numbers),
  budgetStartMonth: opt(string),
  apiErrorRatePercent: opt(number),
  apiLatencyP99Ms: opt(number),
});

const delivery = object<DeliveryConfig>('DeliveryConfig', {
  repository: req(string),
  branch: req(string),
  approvers: req(strings),
  codeConnectionArn: opt(string),
});

const hybrid = object<HybridConfig>('HybridConfig', {
  linkType: req(oneOf(['vpn', 'direct-connect', 'expressroute'])),
  onPremCidrs: req(strings),
  gatewayIp: opt(string),
  bgpAsn: opt(number),
  bgpPeerIp: opt(string),
  cloudAsn: opt(number),
  nodeCidrs: req(strings),
  podCidrs: req(strings),
  dnsServers: opt(strings),
  dnsDomains: opt(strings),
  transitGatewayId: opt(string),
  directConnect: opt(
    object<DirectConnectConfig>('DirectConnectConfig', {
      connectionId: req(string),
      amazonSideAsn: opt(number),
      vlan: opt(number),
    }),
  ),
  expressRoute: opt(
    object<ExpressRouteConfig>('ExpressRouteConfig', {
      circuitId: req(string),
      serviceProvider: req(string),
      peeringLocation: req(string),
    }),
  ),
});

const canaryStep = object<CanaryStep>('CanaryStep', { weightPercent: req(number), bakeMinutes: req(number) });

const rollout = variant('strategy', {
  'blue-green': object<{ strategy: 'blue-green'; bakeMinutes: number }>('RolloutPolicy (blue-green)', {
    strategy: req(string),
    bakeMinutes: req(number),
  }),
  canary: object<{ strategy: 'canary'; steps: readonly CanaryStep[] }>('RolloutPolicy (canary)', {
    strategy: req(string),
    steps: req(list(canaryStep)),
  }),
});

const model = object<ModelEndpointConfig>('ModelEndpointConfig', {
  name: req(string),
  repository: req(string),
  protocol: req(oneOf(['kserve-v2', 'openai', 'http'])),
  containerPort: opt(number),
  livenessPath: opt(string),
  readinessPath: opt(string),
  gatewayPort: req(number),
  gpuPool: opt(string),
  gpusPerReplica: opt(number),
  cpu: req(number),
  memoryGiB: req(number),
  minReplicas: req(number),
  maxReplicas: req(number),
  scaling: req(
    object<ScalingSignal>('ScalingSignal', {
      metric: req(oneOf(['cpu', 'memory'])),
      targetUtilizationPercent: req(number),
    }),
  ),
  timeoutSeconds: req(number),
  rollout: req(rollout),
  flags: opt(
    object<ModelFlags>('ModelFlags', { enabled: opt(boolean), shadowPercent: opt(number), capture: opt(boolean) }),
  ),
  capture: opt(
    object<CaptureConfig>('CaptureConfig', {
      samplePercent: req(number),
      dropFields: opt(strings),
      retentionDays: opt(number),
    }),
  ),
  batch: opt(
    list(
      object<BatchJobConfig>('BatchJobConfig', {
        name: req(string),
        schedule: req(string),
        timeZone: req(string),
        input: req(string),
        output: req(string),
        gpus: opt(number),
        timeoutMinutes: req(number),
        retries: opt(number),
        parallelism: opt(number),
      }),
    ),
  ),
  drift: opt(
    object<DriftConfig>('DriftConfig', {
      schedule: req(string),
      windowHours: req(number),
      psiThreshold: opt(number),
      ksThreshold: opt(number),
      outlierZScore: opt(number),
      outlierRatePercent: opt(number),
    }),
  ),
});

const serving = object<ServingConfig>('ServingConfig', { models: req(list(model)) });

export const ENVIRONMENT_SHAPE = object<PlatformEnvironment>('PlatformEnvironment', {
  name: req(string),
  stage: req(oneOf(['staging', 'production'])),
  target: req(target),
  network: req(network),
  storage: req(storage),
  kubernetes: req(kubernetes),
  api: req(api),
  monitoring: req(monitoring),
  delivery: req(delivery),
  serving: opt(serving),
  hybrid: opt(hybrid),
  tags: opt(record(string)),
});

export const DELIVERY_SHAPE = object<DeliveryEnvironment>('DeliveryEnvironment', {
  name: req(string),
  account: req(string),
  region: req(string),
  codeConnectionArn: req(string),
  repository: req(string),
  branch: req(string),
  promotionOrder: req(strings),
  notificationEmails: req(strings),
});
