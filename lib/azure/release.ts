/**
 * The serving release state of an Azure environment (`release.json` in its serving container) and
 * the manifests rendered from it, which the AKS Flux extension applies. The fields are those of
 * the AWS SSM parameters (`releaseParameterName`): per model `blue-image`, `green-image`,
 * `green-weight`, `candidate`. No cdktf here: bin/serving.ts and the tests use it.
 */
import { stringify } from 'yaml';
import {
  type AzureEnvironment,
  type CanaryStep,
  CPU_POOL,
  DATA_ZONES,
  MODEL_METRICS_NAMESPACE,
  NO_IMAGE,
  PlatformNames,
  POOL_LABEL,
  type RolloutPolicy,
  SLOTS,
  type Slot,
} from '../config';
import { type KubernetesObject, ServingWorkload, slotName } from '../kubernetes';

export interface ModelRelease {
  /** `<tag>@sha256:<digest>` or `none`. */
  readonly 'blue-image': string;
  readonly 'green-image': string;
  /** Percent of live traffic on green, 0-100. */
  readonly 'green-weight': number;
  /** The slot a release fills and previews: the idle one. */
  readonly candidate: Slot;
}

export interface ReleaseState {
  /** The model agent image (`<registry>/<repository>@sha256:...`), beside every model container. */
  readonly agentImage: string;
  /**
   * The in-cluster telemetry's images, imported into the environment's registry and pinned by
   * digest: the OpenTelemetry Collector that sends the agents' spans to Application Insights, and
   * the NVIDIA DCGM exporter of the GPU pools (docs/operations-azure.md).
   * @default - no collector and no DCGM exporter: no spans, and empty GPU panels
   */
  readonly telemetry?: TelemetryImages;
  readonly models: Readonly<Record<string, ModelRelease>>;
}

export interface TelemetryImages {
  /** `<registry>.azurecr.io/<repository>:<tag>@sha256:...` of `otelcol-contrib`. */
  readonly collectorImage: string;
  /** `<registry>.azurecr.io/<repository>:<tag>@sha256:...` of `dcgm-exporter`. */
  readonly dcgmExporterImage: string;
}

/** The state of an environment before its first release: no slot runs anything. */
export function initialRelease(env: AzureEnvironment, agentImage: string, telemetry?: TelemetryImages): ReleaseState {
  const models: Record<string, ModelRelease> = {};
  for (const m of env.serving?.models ?? []) {
    models[m.name] = { 'blue-image': NO_IMAGE, 'green-image': NO_IMAGE, 'green-weight': 0, candidate: 'green' };
  }
  return { agentImage, ...(telemetry ? { telemetry } : {}), models };
}

const PINNED_IMAGE = /^[a-z0-9][^@\s]*@sha256:[a-f0-9]{64}$/;

/** Parses and checks `release.json` against the environment's models; throws naming every problem. */
export function parseRelease(text: string, env: AzureEnvironment): ReleaseState {
  const problems: string[] = [];
  let parsed: ReleaseState;
  try {
    parsed = JSON.parse(text) as ReleaseState;
  } catch (error) {
    throw new Error(`release.json is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed.agentImage !== 'string' || !parsed.agentImage.includes('@sha256:')) {
    problems.push('agentImage must be an image pinned by digest (<repository>@sha256:...)');
  }
  if (parsed.telemetry !== undefined) {
    for (const field of ['collectorImage', 'dcgmExporterImage'] as const) {
      const image = parsed.telemetry?.[field];
      if (typeof image !== 'string' || !PINNED_IMAGE.test(image)) {
        problems.push(
          `telemetry.${field} is '${image}', must be an image pinned by digest (<repository>:<tag>@sha256:...)`,
        );
      }
    }
  }
  for (const m of env.serving?.models ?? []) {
    const r = parsed.models?.[m.name];
    if (!r) {
      problems.push(`models.${m.name} is missing`);
      continue;
    }
    for (const slot of SLOTS) {
      const image = r[`${slot}-image`];
      if (image !== NO_IMAGE && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[a-f0-9]{64}$/.test(String(image))) {
        problems.push(`models.${m.name}.${slot}-image is '${image}', must be <tag>@sha256:<digest> or '${NO_IMAGE}'`);
      }
    }
    const weight = r['green-weight'];
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      problems.push(`models.${m.name}.green-weight is ${weight}, must be an integer 0-100`);
    }
    if (!SLOTS.includes(r.candidate))
      problems.push(`models.${m.name}.candidate is '${r.candidate}', must be blue or green`);
  }
  for (const name of Object.keys(parsed.models ?? {})) {
    if (!(env.serving?.models ?? []).some((m) => m.name === name)) {
      problems.push(`models.${name} is not a model of ${env.name}`);
    }
  }
  if (problems.length > 0) throw new Error(`release.json of ${env.name}:\n  - ${problems.join('\n  - ')}`);
  return parsed;
}

/** What only the deployed platform knows: read with `az` by the workflow, passed to the renderer. */
export interface AzureServingValues {
  /** Client id of `id-mlops-<env>-model-serving`. */
  readonly servingIdentityClientId: string;
  /** App Configuration endpoint, `https://<store>.azconfig.io`. */
  readonly appConfigurationEndpoint: string;
  /** Resource id of the AKS cluster (the agents' custom metrics go there). */
  readonly clusterId: string;
  /** Event Grid endpoint the drift jobs publish "drift detected" to. */
  readonly eventsEndpoint: string;
  /** The reserved internal load balancer address of the slots (`Network.inferenceIngressIp`). */
  readonly loadBalancerAddress: string;
  /** CIDR of the API Management subnet: the only source the slot Services admit. */
  readonly gatewayCidr: string;
  /**
   * Connection string of `appi-mlops-<env>` (its `ConnectionString` property): where the
   * collector sends the agents' spans. Needed when the release has `telemetry`.
   * @default - none: a release with `telemetry` cannot be rendered
   */
  readonly applicationInsightsConnectionString?: string;
}

/** The slot whose version the batch and drift jobs use: the one with most of the live traffic. */
export function liveSlot(release: ModelRelease): Slot {
  const green = release['green-image'] !== NO_IMAGE && release['green-weight'] >= 50;
  return green || release['blue-image'] === NO_IMAGE ? 'green' : 'blue';
}

/**
 * The files of the serving container: `manifests/shared.yaml`, with `telemetry` in the release
 * `manifests/telemetry.yaml` (collector, DCGM exporter), one file per slot with an image,
 * one per model's jobs, and `release.json`. A slot without an image has no file, so Flux prunes
 * its objects.
 */
export function renderServing(
  env: AzureEnvironment,
  release: ReleaseState,
  values: AzureServingValues,
): Record<string, string> {
  const names = new PlatformNames(env);
  const models = env.serving?.models ?? [];
  const telemetry = release.telemetry;
  const connectionString = values.applicationInsightsConnectionString;
  if (telemetry && !connectionString) {
    throw new Error(
      `release.json of ${env.name} has telemetry, but no Application Insights connection string was given: ` +
        `pass the ConnectionString of ${names.azure('appi')} (bin/serving.ts render --traces-connection-string)`,
    );
  }
  const workload = new ServingWorkload({
    environment: env.name,
    kubernetesVersion: env.kubernetes.version,
    models,
    gpuPools: env.kubernetes.gpuPools,
    registry: `${names.containerRegistry}.azurecr.io`,
    agentImage: release.agentImage,
    cpuNodeSelector: { [POOL_LABEL]: CPU_POOL },
    gatewayCidrs: [values.gatewayCidr],
    dataZones: Object.fromEntries(
      DATA_ZONES.filter((z) => env.storage.zones.includes(z)).map((z) => [
        z,
        `https://${names.storageAccount}.blob.core.windows.net/${z}`,
      ]),
    ),
    metrics: {
      kind: 'azure-monitor',
      resourceId: values.clusterId,
      region: env.target.location,
      namespace: MODEL_METRICS_NAMESPACE,
    },
    events: { kind: 'eventgrid', endpoint: values.eventsEndpoint },
    binding: {
      cloud: 'azure',
      loadBalancerSubnet: 'snet-system',
      loadBalancerAddresses: Object.fromEntries(
        models.map((m) => [m.name, { blue: values.loadBalancerAddress, green: values.loadBalancerAddress }]),
      ),
      servingIdentityClientId: values.servingIdentityClientId,
      appConfigurationEndpoint: values.appConfigurationEndpoint,
      ...(telemetry && connectionString
        ? {
            telemetry: {
              collectorImage: telemetry.collectorImage,
              dcgmExporterImage: telemetry.dcgmExporterImage,
              applicationInsightsConnectionString: connectionString,
            },
          }
        : {}),
    },
  });
  const yaml = (objects: readonly KubernetesObject[]) => objects.map((o) => stringify(o)).join('---\n');
  const files: Record<string, string> = { 'manifests/shared.yaml': yaml(workload.shared()) };
  const telemetryObjects = workload.telemetry();
  if (telemetryObjects.length > 0) files['manifests/telemetry.yaml'] = yaml(telemetryObjects);
  for (const m of models) {
    const r = release.models[m.name];
    if (!r) continue;
    for (const slot of SLOTS) {
      const image = r[`${slot}-image`];
      if (image !== NO_IMAGE)
        files[`manifests/${slotName(m.name, slot)}.yaml`] = yaml(workload.slot(m.name, slot, image));
    }
    const live = r[`${liveSlot(r)}-image`];
    const jobs = live === NO_IMAGE ? [] : workload.jobs(m.name, live);
    if (jobs.length > 0) files[`manifests/${m.name}-jobs.yaml`] = yaml(jobs);
  }
  files['release.json'] = `${JSON.stringify(release, null, 2)}\n`;
  return files;
}

/**
 * The traffic steps of a rollout: a canary's steps and then all traffic (baked as long as its last
 * step), or blue/green's one move to all traffic with its bake.
 */
export function rolloutSteps(policy: RolloutPolicy): CanaryStep[] {
  if (policy.strategy === 'blue-green') return [{ weightPercent: 100, bakeMinutes: policy.bakeMinutes }];
  const last = policy.steps[policy.steps.length - 1]?.bakeMinutes ?? 0;
  return [...policy.steps, { weightPercent: 100, bakeMinutes: last }];
}
