/**
 * Realistic bindings for each cloud, derived from an environment the way the cloud stacks derive
 * theirs (names from PlatformNames, addresses inside the environment's network), so that the
 * rendered objects look like what a deploy would apply.
 */
import {
  CPU_POOL,
  formatIpv4,
  type ModelEndpointConfig,
  type PlatformEnvironment,
  PlatformNames,
  POOL_LABEL,
  parseIpv4,
  SLOTS,
  type Slot,
  SYSTEM_POOL,
  stableHash,
  subnetAt,
} from '../../lib/config';
import type {
  AwsServingBinding,
  AzureServingBinding,
  KubernetesObject,
  ServingWorkload,
  ServingWorkloadProps,
} from '../../lib/kubernetes';

export const DIGEST = 'c0ffee'.repeat(10).concat('c0ff');
export const OTHER_DIGEST = '0123456789abcdef'.repeat(4);

/** A release's image reference of a model version. */
export function imageRef(tag: string, digest = DIGEST): string {
  return `${tag}@sha256:${digest}`;
}

function perSlot<T>(
  models: readonly ModelEndpointConfig[],
  value: (model: ModelEndpointConfig, slot: Slot, index: number) => T,
): Record<string, Record<Slot, T>> {
  return Object.fromEntries(
    models.map((model, i) => [
      model.name,
      Object.fromEntries(SLOTS.map((slot, s) => [slot, value(model, slot, i * 2 + s)])) as Record<Slot, T>,
    ]),
  );
}

/** The props a cloud stack would pass for `env`. */
export function propsFor(env: PlatformEnvironment): ServingWorkloadProps {
  const names = new PlatformNames(env);
  const models = env.serving?.models ?? [];
  const common = {
    environment: env.name,
    kubernetesVersion: env.kubernetes.version,
    models,
    gpuPools: env.kubernetes.gpuPools,
  };
  if (env.target.cloud === 'aws') {
    const { account, region } = env.target;
    const registry = `${account}.dkr.ecr.${region}.amazonaws.com`;
    const binding: AwsServingBinding = {
      cloud: 'aws',
      region,
      targetGroupArns: perSlot(
        models,
        (model, slot) =>
          `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${model.name}-${slot}/${stableHash([env.name, model.name, slot], 16)}`,
      ),
      appConfigApplication: names.resource('flags'),
      appConfigEnvironment: env.name,
      appConfigProfile: 'models',
      appConfigAgentImage: `${registry}/ecr-public/aws-appconfig/aws-appconfig-agent:2.0.9@sha256:${OTHER_DIGEST}`,
    };
    return {
      ...common,
      registry,
      agentImage: `${registry}/mlops/model-agent:1.4.0@sha256:${OTHER_DIGEST}`,
      cpuNodeSelector: { [POOL_LABEL]: SYSTEM_POOL },
      // The load balancer's subnets: the VPC's first /24s.
      gatewayCidrs: [subnetAt(env.network.cidr, 24, 0), subnetAt(env.network.cidr, 24, 1)],
      dataZones: Object.fromEntries(env.storage.zones.map((zone) => [zone, `s3://${names.bucket(zone)}`])),
      metrics: { kind: 'cloudwatch', namespace: 'MLOps/Serving', region },
      events: { kind: 'eventbridge', busName: names.resource('events'), region, source: 'mlops.serving' },
      binding,
    };
  }
  const { location, subscriptionId } = env.target;
  const loadBalancers = subnetAt(env.network.cidr, 24, 4);
  const first = parseIpv4(loadBalancers.split('/')[0] as string) as number;
  const binding: AzureServingBinding = {
    cloud: 'azure',
    loadBalancerSubnet: 'snet-serving-lb',
    loadBalancerAddresses: perSlot(models, (_model, _slot, i) => formatIpv4(first + 10 + i)),
    servingIdentityClientId: '5e7a1c42-9b0d-4f6e-8a31-2c4d5e6f7a8b',
    appConfigurationEndpoint: `https://${names.azure('appcs')}.azconfig.io`,
    telemetry: {
      collectorImage: `${names.containerRegistry}.azurecr.io/otel/opentelemetry-collector-contrib:0.160.0@sha256:${OTHER_DIGEST}`,
      applicationInsightsConnectionString: `InstrumentationKey=0f4e2a7c-1b3d-4e5f-9a8b-7c6d5e4f3a2b;IngestionEndpoint=https://${location}-5.in.applicationinsights.azure.com/;LiveEndpoint=https://${location}.livediagnostics.monitor.azure.com/;ApplicationId=3c2b1a09-8f7e-4d6c-b5a4-938271605f4e`,
      dcgmExporterImage: `${names.containerRegistry}.azurecr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04@sha256:${OTHER_DIGEST}`,
    },
  };
  const account = names.storageAccount;
  return {
    ...common,
    registry: `${names.containerRegistry}.azurecr.io`,
    agentImage: `${names.containerRegistry}.azurecr.io/mlops/model-agent:1.4.0@sha256:${OTHER_DIGEST}`,
    cpuNodeSelector: { [POOL_LABEL]: CPU_POOL },
    // API Management's subnet.
    gatewayCidrs: [subnetAt(env.network.cidr, 27, 8)],
    dataZones: Object.fromEntries(
      env.storage.zones.map((zone) => [zone, `https://${account}.blob.core.windows.net/${zone}`]),
    ),
    metrics: {
      kind: 'azure-monitor',
      resourceId: `/subscriptions/${subscriptionId}/resourceGroups/${names.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${names.aksCluster}`,
      region: location,
      namespace: 'mlops/serving',
    },
    events: {
      kind: 'eventgrid',
      endpoint: `https://${names.azure('evgt')}.${location}-1.eventgrid.azure.net/api/events`,
    },
    binding,
  };
}

export interface Rendered {
  readonly shared: KubernetesObject[];
  /** Azure: the collector, and the DCGM exporter on the GPU pools. */
  readonly telemetry: KubernetesObject[];
  /** AWS: the event logger. */
  readonly events: KubernetesObject[];
  readonly slots: Readonly<Record<string, Readonly<Record<Slot, KubernetesObject[]>>>>;
  readonly jobs: Readonly<Record<string, KubernetesObject[]>>;
  /** Everything, in apply order. */
  readonly all: KubernetesObject[];
}

/** Every object of an environment: shared, telemetry, events, both slots of every model (blue v1, green v2), jobs on v2. */
export function renderAll(workload: ServingWorkload): Rendered {
  const shared = workload.shared();
  const telemetry = workload.telemetry();
  const events = workload.events();
  const slots = Object.fromEntries(
    workload.modelNames.map((model) => [
      model,
      { blue: workload.slot(model, 'blue', imageRef('v1')), green: workload.slot(model, 'green', imageRef('v2')) },
    ]),
  );
  const jobs = Object.fromEntries(workload.modelNames.map((model) => [model, workload.jobs(model, imageRef('v2'))]));
  const all = [
    ...shared,
    ...telemetry,
    ...events,
    ...Object.values(slots).flatMap((bySlot) => [...bySlot.blue, ...bySlot.green]),
    ...Object.values(jobs).flat(),
  ];
  return { shared, telemetry, events, slots, jobs, all };
}

/** A copy of `props` with `change` applied. */
export function vary(props: ServingWorkloadProps, change: Partial<ServingWorkloadProps>): ServingWorkloadProps {
  return { ...structuredClone(props), ...change };
}
