/**
 * Input checks of the serving workload. The environment file is validated in lib/config before
 * anything is built; these checks cover what the workload adds (the clouds' bindings, images,
 * Kubernetes name limits) and what it relies on, so that a bad value fails at synth with the
 * field, the value and the fix, not at `kubectl apply`.
 */
import {
  CAPTURE_ZONE,
  cidrProblem,
  DATA_ZONES,
  type DataZone,
  isPublicIpv4,
  type ModelEndpointConfig,
  parseIpv4,
  SLOTS,
} from '../config';
import { batchJobName, DNS_LABEL, driftJobName, LABEL_KEY, LABEL_VALUE, NAME_LIMITS, slotName } from './names';
import type { PerSlot, ServingWorkloadProps } from './props';

/** A bad input of the serving workload; the message names every problem found. */
export class ServingWorkloadError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`serving workload: ${problems.join('; ')}`);
    this.name = 'ServingWorkloadError';
  }
}

/**
 * True for a value that a toolkit resolves at deploy time (aws-cdk-lib `${Token[...]}`, cdktf
 * `${TfToken[...]}`): it is passed through as it is and never parsed.
 */
export function isUnresolved(value: string): boolean {
  return /\$\{(Tf)?Token\[/.test(value);
}

/** An image tag: what a release names a model version by. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
/** A registry host (lowercase, optional port) and an optional path prefix. */
const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{16}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;
/** AppConfig names and ids as the agent's URL path and `PREFETCH_LIST` (`app:env:profile`) carry them. */
const APPCONFIG_IDENTIFIER = /^[A-Za-z0-9_.-]{1,64}$/;
/** Azure subnet names: 1-80 letters, digits, `_`, `.`, `-`, ending in a letter, digit or `_`. */
const AZURE_SUBNET = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

const show = (value: unknown) => JSON.stringify(value);

/** Collects problems as `<field> is <value>, <what is wrong>: <fix>`. */
class Problems {
  readonly list: string[] = [];
  add(field: string, value: unknown, problem: string, fix: string): void {
    this.list.push(`${field} is ${show(value)}, ${problem}: ${fix}`);
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ServingWorkloadError(this.list);
  }
}

/** Checks the props of a workload; throws a `ServingWorkloadError` naming every problem. */
export function checkProps(props: ServingWorkloadProps): void {
  const p = new Problems();
  if (!DNS_LABEL.test(props.environment) || props.environment.length > NAME_LIMITS.label) {
    p.add('environment', props.environment, 'not a DNS label', 'use the environment name (lowercase, hyphens)');
  }
  if (!/^1\.\d{1,2}$/.test(props.kubernetesVersion)) {
    p.add(
      'kubernetesVersion',
      props.kubernetesVersion,
      'not a Kubernetes minor version',
      "pass kubernetes.version, such as '1.33'",
    );
  }
  if (!isUnresolved(props.registry) && !REGISTRY.test(props.registry)) {
    p.add(
      'registry',
      props.registry,
      'not a registry host',
      "pass the host without a scheme, such as '<registry>.azurecr.io'",
    );
  }
  checkPinnedImage(p, 'agentImage', props.agentImage);
  const selector = Object.entries(props.cpuNodeSelector);
  if (selector.length === 0) {
    p.add(
      'cpuNodeSelector',
      props.cpuNodeSelector,
      'empty, so CPU models could land on any node',
      'select the CPU pool by its pool label',
    );
  }
  for (const [key, value] of selector) {
    if (!LABEL_KEY.test(key) || !(isUnresolved(value) || (LABEL_VALUE.test(value) && value.length <= 63))) {
      p.add(`cpuNodeSelector['${key}']`, value, 'not a valid label', 'use a node label key and value');
    }
  }
  if (props.gatewayCidrs.length === 0) {
    p.add('gatewayCidrs', props.gatewayCidrs, 'empty, so nothing could reach the models', 'pass the gateway subnets');
  }
  props.gatewayCidrs.forEach((cidr, i) => {
    const problem = isUnresolved(cidr) ? undefined : cidrProblem(cidr);
    if (problem) p.add(`gatewayCidrs[${i}]`, cidr, problem, 'pass IPv4 CIDRs such as 10.20.0.0/24');
  });
  for (const [zone, uri] of Object.entries(props.dataZones)) {
    if (!(DATA_ZONES as readonly string[]).includes(zone)) {
      p.add(`dataZones.${zone}`, uri, 'not a data zone', `use one of ${DATA_ZONES.join(', ')}`);
    } else if (
      uri === undefined ||
      (!isUnresolved(uri) && !/^(s3:\/\/[a-z0-9.-]+|https:\/\/[^\s/]+\/[^\s]+)$/.test(uri))
    ) {
      p.add(
        `dataZones.${zone}`,
        uri,
        'not a storage location',
        "use 's3://<bucket>' or 'https://<account>.blob.core.windows.net/<container>'",
      );
    }
  }
  const drain = props.drainSeconds;
  if (drain !== undefined && !(Number.isInteger(drain) && drain >= 0 && drain <= 300)) {
    p.add('drainSeconds', drain, 'not 0-300 whole seconds', 'use about 30');
  }
  checkModels(p, props);
  checkBinding(p, props);
  checkTelemetry(p, props);
  p.throwIfAny();
}

function checkModels(p: Problems, props: ServingWorkloadProps): void {
  const names = new Set<string>();
  props.models.forEach((model, i) => {
    const field = `models[${i}]`;
    if (!DNS_LABEL.test(model.name)) {
      p.add(
        `${field}.name`,
        model.name,
        'not a DNS label',
        'use lowercase letters, digits and hyphens, starting with a letter',
      );
    } else if (names.has(model.name)) {
      p.add(`${field}.name`, model.name, 'used by another model', 'give each model its own name');
    }
    names.add(model.name);
    const longest = SLOTS.map((slot) => slotName(model.name, slot)).reduce((a, b) => (b.length > a.length ? b : a));
    if (longest.length > NAME_LIMITS.label) {
      p.add(
        `${field}.name`,
        model.name,
        `makes the Service name '${longest}' ${longest.length} characters, more than Kubernetes allows (${NAME_LIMITS.label})`,
        `use a name of at most ${NAME_LIMITS.label - '-green'.length} characters`,
      );
    }
    for (const job of model.batch ?? []) checkCronJobName(p, `${field}.batch`, batchJobName(model.name, job.name));
    if (model.drift) checkCronJobName(p, `${field}.drift`, driftJobName(model.name));
    const pool = model.gpuPool;
    if (pool !== undefined && !props.gpuPools.some((candidate) => candidate.name === pool)) {
      p.add(
        `${field}.gpuPool`,
        pool,
        'not one of the GPU pools',
        `use one of: ${props.gpuPools.map((candidate) => candidate.name).join(', ') || '(none)'}`,
      );
    }
    checkModelZones(p, props, field, model);
  });
}

function checkCronJobName(p: Problems, field: string, name: string): void {
  if (name.length > NAME_LIMITS.cronJob) {
    p.add(
      field,
      name,
      `a CronJob name of ${name.length} characters, more than Kubernetes allows (${NAME_LIMITS.cronJob})`,
      'shorten the model or job name',
    );
  }
}

/** The data zones a model writes to and reads from must have a location. */
function checkModelZones(p: Problems, props: ServingWorkloadProps, field: string, model: ModelEndpointConfig): void {
  const need = (zone: DataZone, what: string) => {
    if (props.dataZones[zone] === undefined) {
      p.add(
        `dataZones.${zone}`,
        undefined,
        `missing, and ${field} (${model.name}) ${what} there`,
        `pass the ${zone} zone's location`,
      );
    }
  };
  if (model.capture) need(CAPTURE_ZONE, 'captures requests');
  if (model.drift) need('models', 'reads training baselines');
  for (const job of model.batch ?? []) {
    for (const path of [job.input, job.output]) {
      const zone = path.split('/')[0] ?? '';
      if ((DATA_ZONES as readonly string[]).includes(zone))
        need(zone as DataZone, `has batch job '${job.name}' using ${path}`);
      else p.add(`${field}.batch`, path, 'not in a data zone', "write '<zone>/<prefix>/'");
    }
  }
}

function checkBinding(p: Problems, props: ServingWorkloadProps): void {
  const b = props.binding;
  if (b.cloud === 'aws') {
    if (!isUnresolved(b.region) && !AWS_REGION.test(b.region)) {
      p.add('binding.region', b.region, 'not an AWS region', "use a region such as 'eu-west-1'");
    }
    checkPerSlot(p, props, 'binding.targetGroupArns', b.targetGroupArns, (arn) =>
      TARGET_GROUP_ARN.test(arn) ? undefined : 'not a target group ARN',
    );
    for (const field of ['appConfigApplication', 'appConfigEnvironment', 'appConfigProfile'] as const) {
      const value = b[field];
      if (!isUnresolved(value) && !APPCONFIG_IDENTIFIER.test(value)) {
        p.add(
          `binding.${field}`,
          value,
          'not an AppConfig name or id the agent can address',
          'use letters, digits, `.`, `_` and `-`',
        );
      }
    }
    checkPinnedImage(p, 'binding.appConfigAgentImage', b.appConfigAgentImage);
    const sg = b.loadBalancerSecurityGroupId;
    if (sg !== undefined && !isUnresolved(sg) && !SECURITY_GROUP.test(sg)) {
      p.add('binding.loadBalancerSecurityGroupId', sg, 'not a security group id', "use 'sg-...'");
    }
    return;
  }
  if (!isUnresolved(b.loadBalancerSubnet) && !AZURE_SUBNET.test(b.loadBalancerSubnet)) {
    p.add(
      'binding.loadBalancerSubnet',
      b.loadBalancerSubnet,
      'not a subnet name',
      'pass the name (not the id) of the subnet',
    );
  }
  checkPerSlot(p, props, 'binding.loadBalancerAddresses', b.loadBalancerAddresses, (address) =>
    parseIpv4(address) === undefined
      ? 'not an IPv4 address'
      : isPublicIpv4(address)
        ? 'a public address, and the load balancer is internal'
        : undefined,
  );
  if (!isUnresolved(b.servingIdentityClientId) && !GUID.test(b.servingIdentityClientId)) {
    p.add(
      'binding.servingIdentityClientId',
      b.servingIdentityClientId,
      'not a client id (GUID)',
      "pass the managed identity's client_id",
    );
  }
  const endpoint = b.appConfigurationEndpoint;
  if (!isUnresolved(endpoint) && !/^https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)+\/?$/i.test(endpoint)) {
    p.add(
      'binding.appConfigurationEndpoint',
      endpoint,
      'not an https endpoint without a path',
      "use 'https://<store>.azconfig.io'",
    );
  }
}

/** An OTLP/HTTP base URL: scheme, host and port, no path (the agent appends `/v1/traces`). */
const OTLP_ENDPOINT = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/?$/;
/** An Application Insights connection string, with the key and ingestion endpoint the exporter needs. */
const CONNECTION_STRING_KEY =
  /(^|;)InstrumentationKey=[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(;|$)/i;
const CONNECTION_STRING_ENDPOINT = /(^|;)IngestionEndpoint=https:\/\/[^;\s]+(;|$)/i;

function checkTelemetry(p: Problems, props: ServingWorkloadProps): void {
  const endpoint = props.telemetry?.otlpEndpoint;
  if (endpoint !== undefined && !isUnresolved(endpoint) && !OTLP_ENDPOINT.test(endpoint)) {
    p.add(
      'telemetry.otlpEndpoint',
      endpoint,
      'not an OTLP/HTTP base URL',
      "use 'http://<host>:4318' without a path (the agent appends /v1/traces)",
    );
  }
  const b = props.binding;
  if (b.cloud !== 'azure' || !b.telemetry) return;
  if (endpoint !== undefined) {
    p.add(
      'telemetry.otlpEndpoint',
      endpoint,
      'set beside binding.telemetry, which runs its own collector for the agents',
      'leave telemetry unset on Azure',
    );
  }
  checkPinnedImage(p, 'binding.telemetry.collectorImage', b.telemetry.collectorImage);
  checkPinnedImage(p, 'binding.telemetry.dcgmExporterImage', b.telemetry.dcgmExporterImage);
  const connection = b.telemetry.applicationInsightsConnectionString;
  if (
    !isUnresolved(connection) &&
    !(CONNECTION_STRING_KEY.test(connection) && CONNECTION_STRING_ENDPOINT.test(connection))
  ) {
    p.add(
      'binding.telemetry.applicationInsightsConnectionString',
      connection,
      'not an Application Insights connection string with an instrumentation key and an ingestion endpoint',
      "pass the component's connection string ('InstrumentationKey=<guid>;IngestionEndpoint=https://...')",
    );
  }
}

/** Every model has a value for both slots, there is none for an unknown model, and literals check out. */
function checkPerSlot(
  p: Problems,
  props: ServingWorkloadProps,
  field: string,
  values: PerSlot<string>,
  problem: (literal: string) => string | undefined,
): void {
  const models = new Set(props.models.map((model) => model.name));
  for (const name of Object.keys(values)) {
    if (!models.has(name))
      p.add(`${field}.${name}`, values[name], 'for a model the environment does not serve', 'remove it');
  }
  for (const name of models) {
    for (const slot of SLOTS) {
      const value = values[name]?.[slot];
      if (value === undefined) {
        p.add(`${field}.${name}.${slot}`, value, 'missing', `pass one for each slot of every model`);
        continue;
      }
      const wrong = isUnresolved(value) ? undefined : problem(value);
      if (wrong) p.add(`${field}.${name}.${slot}`, value, wrong, 'pass the value the cloud stack created');
    }
  }
}

/** A full image reference must name its digest: a tag alone can be moved to other content. */
function checkPinnedImage(p: Problems, field: string, image: string): void {
  if (isUnresolved(image)) return;
  const [name = '', digest = '', ...rest] = image.split('@');
  if (rest.length > 0 || !DIGEST.test(digest) || !/^[a-z0-9]([a-z0-9._:/-]*[A-Za-z0-9_])?$/.test(name)) {
    p.add(
      field,
      image,
      'not pinned by digest',
      'reference the image as <registry>/<repository>[:<tag>]@sha256:<64 hex>',
    );
  }
}

/**
 * Checks a release's image reference (`<tag>@sha256:<digest>`) and returns the model version
 * (the tag) the agents report: `version` when given, else the literal reference's tag.
 */
export function checkImageRef(field: string, imageRef: string, version?: string): string {
  const p = new Problems();
  let tag = version;
  if (isUnresolved(imageRef)) {
    if (version === undefined) {
      p.add(
        `${field} version`,
        version,
        'missing, and the image reference is a deploy-time token whose tag cannot be read at synth',
        'pass the tag as a token too (for example the part of the reference before "@")',
      );
    }
  } else {
    const [refTag = '', digest = '', ...rest] = imageRef.split('@');
    if (rest.length > 0 || !TAG.test(refTag) || !DIGEST.test(digest)) {
      p.add(field, imageRef, 'not <tag>@sha256:<64 hex>', 'release the image by its immutable tag and digest');
    }
    if (version !== undefined && !isUnresolved(version) && version !== refTag) {
      p.add(
        `${field} version`,
        version,
        `not the tag of the image reference (${refTag})`,
        'leave it out, or pass the same tag',
      );
    }
    tag ??= refTag;
  }
  if (tag !== undefined && !isUnresolved(tag) && !TAG.test(tag)) {
    p.add(`${field} version`, tag, 'not an image tag', 'pass the tag of the image reference');
  }
  p.throwIfAny();
  return tag ?? '';
}
