import { AWS_REGION_FACTS, instanceFamily } from './aws-regions';
import {
  cidrContains,
  cidrOverlaps,
  cidrProblem,
  type Ipv4Cidr,
  isPublicIpv4,
  isRfc1918,
  parseCidr,
  parseIpv4,
} from './cidr';
import { catalogMachineType, GPU_CATALOG, isAccelerator, offeredGpuCounts } from './gpu-catalog';
import { NAME_RULES, nameProblem, PlatformNames } from './naming';
import { PLATFORM_TAG_KEYS } from './tags';
import { type Cloud, DATA_ZONES, type PlatformEnvironment } from './types';

/**
 * Validation of environment objects, run once before any construct is built. Every problem is
 * collected (not just the first) and names the environment file, the field path, the value, what
 * is wrong and the fix, for example:
 *
 *   environments/staging.ts: kubernetes.gpuPools[0].maxNodes is 0, must be >= minNodes (1); raise maxNodes or lower minNodes
 *
 * Warnings are for settings that deploy but look wrong for the stage; they are printed, not fatal.
 */
export interface ConfigProblem {
  readonly severity: 'error' | 'warning';
  /** `environments/<name>.ts` */
  readonly file: string;
  /** Dotted field path, for example `kubernetes.gpuPools[0].maxNodes`. */
  readonly path: string;
  readonly value: unknown;
  /** What is wrong, phrased to follow "<path> is <value>, ". */
  readonly problem: string;
  /** What to do about it. */
  readonly fix: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.path} is ${formatValue(p.value)}, ${p.problem}; ${p.fix}`;
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'not set';
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value);
}

/** Thrown when any environment has errors; `problems` holds every error, in file order. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    super(
      `Invalid environment configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** The file an environment lives in, by the project's convention. */
export function environmentFile(env: Pick<PlatformEnvironment, 'name'>): string {
  return `environments/${env.name}.ts`;
}

/** CloudWatch Logs' allowed retention values, days (PutRetentionPolicy). */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Log Analytics workspace retention range on the PerGB2018 tier, days. */
export const LOG_ANALYTICS_RETENTION = { min: 30, max: 730 } as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const ENV_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$/;
const AWS_REGION = /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const AZURE_LOCATION = /^[a-z][a-z0-9]+$/;
const AWS_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AZURE_VM_SIZE = /^Standard_[A-Za-z0-9_]+$/;
const K8S_VERSION = /^1\.\d{2}$/;
const APIM_SKU = /^(Developer|Premium)_[1-9]\d*$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const GIT_BRANCH = /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]+$/;
const CODE_CONNECTION_ARN =
  /^arn:aws[a-z-]*:(?:codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const DX_CONNECTION = /^dxcon-[a-z0-9]{8}$/;
const TRANSIT_GATEWAY = /^tgw-([0-9a-f]{8}|[0-9a-f]{17})$/;
const EXPRESS_ROUTE_CIRCUIT =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/expressRouteCircuits\/[^/]+$/i;
const TAG_KEY = /^[\p{L}\p{N} _.:=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{N} _.:/=+\-@]{0,256}$/u;
const RESERVED_TAG_PREFIXES = ['aws:', 'azure', 'microsoft', 'windows'];
/** Azure reserves these ASNs for its own BGP speakers (VPN gateway FAQ). */
const AZURE_RESERVED_ASNS = [8074, 8075, 12076, 65515, 65516, 65517, 65518, 65519, 65520];

function isPrivateAsn(asn: number): boolean {
  return Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294));
}

/** An address range with where it was configured; `hybrid` ranges are on-prem node and pod ranges. */
interface NamedRange {
  readonly path: string;
  readonly cidr: Ipv4Cidr;
  readonly group: 'cloud' | 'on-prem' | 'hybrid';
}

const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Collects the problems of one environment. */
class Checker {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly file: string) {}

  error(path: string, value: unknown, problem: string, fix: string): void {
    this.problems.push({ severity: 'error', file: this.file, path, value, problem, fix });
  }

  warn(path: string, value: unknown, problem: string, fix: string): void {
    this.problems.push({ severity: 'warning', file: this.file, path, value, problem, fix });
  }

  /** An integer within [min, max]; returns whether it was. */
  intInRange(path: string, value: unknown, min: number, max: number, fix: string): boolean {
    if (!isInt(value) || value < min || value > max) {
      this.error(path, value, `must be a whole number from ${min} to ${max}`, fix);
      return false;
    }
    return true;
  }

  /** A CIDR that parses; returns it for further checks. */
  cidr(path: string, value: unknown): Ipv4Cidr | undefined {
    if (typeof value !== 'string') {
      this.error(path, value, 'is not an IPv4 CIDR', 'write it as a.b.c.d/n');
      return undefined;
    }
    const problem = cidrProblem(value);
    if (problem) {
      this.error(path, value, problem, 'write the network address with its prefix length, for example 10.20.0.0/16');
      return undefined;
    }
    return parseCidr(value);
  }

  /**
   * Errors on every pair of overlapping ranges, except an on-premises node or pod range inside
   * an on-premises range (that is where they live).
   */
  noOverlaps(ranges: readonly NamedRange[]): void {
    for (let i = 0; i < ranges.length; i++) {
      for (let j = i + 1; j < ranges.length; j++) {
        const a = ranges[i] as NamedRange;
        const b = ranges[j] as NamedRange;
        const nested = [a.group, b.group].includes('on-prem') && [a.group, b.group].includes('hybrid');
        if (!nested && cidrOverlaps(a.cidr, b.cidr)) {
          this.error(
            b.path,
            b.cidr.text,
            `overlaps ${a.path} (${a.cidr.text})`,
            'choose non-overlapping ranges; traffic to an overlapping range cannot be routed',
          );
        }
      }
    }
  }

  minDesiredMax(
    path: string,
    pool: { minNodes: number; maxNodes: number; desiredNodes?: number },
    lowest: number,
  ): void {
    const minOk = this.intInRange(`${path}.minNodes`, pool.minNodes, lowest, 1000, `set minNodes to ${lowest} or more`);
    const maxOk = this.intInRange(`${path}.maxNodes`, pool.maxNodes, 1, 1000, 'set maxNodes to at least 1');
    if (minOk && maxOk && pool.maxNodes < pool.minNodes) {
      this.error(
        `${path}.maxNodes`,
        pool.maxNodes,
        `must be >= minNodes (${pool.minNodes})`,
        'raise maxNodes or lower minNodes',
      );
      return;
    }
    if (pool.desiredNodes !== undefined && minOk && maxOk) {
      if (!isInt(pool.desiredNodes) || pool.desiredNodes < pool.minNodes || pool.desiredNodes > pool.maxNodes) {
        this.error(
          `${path}.desiredNodes`,
          pool.desiredNodes,
          `must lie between minNodes (${pool.minNodes}) and maxNodes (${pool.maxNodes})`,
          'set desiredNodes within the pool bounds or leave it out to start at minNodes',
        );
      }
    }
  }

  machineType(path: string, cloud: Cloud, value: string): void {
    const ok = cloud === 'aws' ? AWS_INSTANCE_TYPE.test(value) : AZURE_VM_SIZE.test(value);
    if (!ok) {
      this.error(
        path,
        value,
        cloud === 'aws' ? 'is not an AWS instance type' : 'is not an Azure VM size',
        cloud === 'aws' ? "use an instance type such as 'm7i.xlarge'" : "use a VM size such as 'Standard_D4ds_v5'",
      );
    }
  }
}

/**
 * All problems (errors and warnings) of one environment. `file` defaults to the conventional
 * `environments/<name>.ts`.
 */
export function validateEnvironment(env: PlatformEnvironment, file = environmentFile(env)): ConfigProblem[] {
  const c = new Checker(file);
  checkIdentity(c, env);
  const ranges = checkNetwork(c, env);
  checkStorage(c, env);
  ranges.push(...checkKubernetes(c, env));
  checkApi(c, env);
  checkMonitoring(c, env);
  checkDelivery(c, env);
  ranges.push(...checkHybrid(c, env));
  c.noOverlaps(ranges);
  checkTags(c, env);
  checkAwsRegion(c, env);
  return c.problems;
}

/**
 * AWS-only facts of the target region (`aws-regions.ts`): enough availability zones, and GPU
 * instance families the region sells. Regions missing from the table are not checked.
 */
function checkAwsRegion(c: Checker, env: PlatformEnvironment): void {
  if (env.target.cloud !== 'aws') return;
  const region = env.target.region;
  const facts = AWS_REGION_FACTS[region];
  if (!facts) return;
  const zones = env.network.availabilityZones;
  if (isInt(zones) && zones > facts.availabilityZones) {
    c.error(
      'network.availabilityZones',
      zones,
      `is more than the ${facts.availabilityZones} availability zones of ${region}`,
      `use at most ${facts.availabilityZones} (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html)`,
    );
  }
  env.kubernetes.gpuPools.forEach((pool, i) => {
    const machineType =
      pool.machineType ??
      (isAccelerator(pool.accelerator) ? catalogMachineType('aws', pool.accelerator, pool.gpusPerNode) : undefined);
    if (!machineType) return;
    const family = instanceFamily(machineType);
    if (!facts.gpuFamilies.includes(family)) {
      c.error(
        `kubernetes.gpuPools[${i}]${pool.machineType ? '.machineType' : '.accelerator'}`,
        pool.machineType ?? pool.accelerator,
        `runs on ${machineType}, and ${region} does not offer the ${family} instance family`,
        `pick an accelerator ${region} offers (families: ${facts.gpuFamilies.join(', ')}) or another region (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-regions.html)`,
      );
    }
  });
}

function checkIdentity(c: Checker, env: PlatformEnvironment): void {
  if (typeof env.name !== 'string' || !ENV_NAME.test(env.name)) {
    c.error(
      'name',
      env.name,
      'must be 2-40 lowercase letters, digits and single hyphens, starting with a letter',
      "rename the environment (and its file), for example 'staging' or 'az-prod'",
    );
  }
  if (env.stage !== 'staging' && env.stage !== 'production') {
    c.error('stage', env.stage, "must be 'staging' or 'production'", 'pick one of the two stages');
  }
  const target = env.target;
  if (target.cloud === 'aws') {
    if (!/^\d{12}$/.test(target.account)) {
      c.error('target.account', target.account, 'is not a 12-digit AWS account id', 'copy the id from the AWS console');
    }
    if (!AWS_REGION.test(target.region)) {
      c.error('target.region', target.region, 'is not an AWS region name', "use a region code such as 'eu-west-1'");
    }
  } else if (target.cloud === 'azure') {
    if (!GUID.test(target.subscriptionId)) {
      c.error(
        'target.subscriptionId',
        target.subscriptionId,
        'is not a subscription GUID',
        "copy it from 'az account show'",
      );
    }
    if (!GUID.test(target.tenantId)) {
      c.error('target.tenantId', target.tenantId, 'is not a tenant GUID', "copy it from 'az account show'");
    }
    if (!AZURE_LOCATION.test(target.location)) {
      c.error(
        'target.location',
        target.location,
        'is not an Azure region name',
        "use a region name such as 'westeurope'",
      );
    }
    const backend = target.stateBackend;
    if (!backend && env.stage === 'production') {
      c.error(
        'target.stateBackend',
        backend,
        'must be set for production: local Terraform state is lost with the machine that ran apply',
        'point it at the state storage account created by the bootstrap step in the README',
      );
    }
    if (backend) {
      const problem = nameProblem(NAME_RULES.storageAccount, backend.storageAccountName);
      if (problem) {
        c.error(
          'target.stateBackend.storageAccountName',
          backend.storageAccountName,
          problem,
          'use the state account name',
        );
      }
      if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(backend.containerName)) {
        c.error(
          'target.stateBackend.containerName',
          backend.containerName,
          'is not a valid blob container name (3-63 lowercase letters, digits and single hyphens)',
          "use a name such as 'tfstate'",
        );
      }
    }
  } else {
    c.error(
      'target.cloud',
      (target as { cloud: unknown }).cloud,
      "must be 'aws' or 'azure'",
      'pick the cloud to deploy to',
    );
    return;
  }
  if (typeof env.name === 'string' && ENV_NAME.test(env.name)) {
    const names = new PlatformNames(env);
    for (const { rule, value } of names.ruledNames(target.cloud)) {
      const problem = nameProblem(NAME_RULES[rule], value);
      if (problem) {
        c.error(
          'name',
          env.name,
          `derives the ${NAME_RULES[rule].resource} name '${value}', which ${problem}`,
          'shorten the environment name',
        );
      }
    }
  }
}

function checkNetwork(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const net = env.network;
  const ranges: NamedRange[] = [];
  const vpc = c.cidr('network.cidr', net.cidr);
  if (vpc) {
    if (vpc.prefix < 16 || vpc.prefix > 20) {
      c.error(
        'network.cidr',
        net.cidr,
        'must be a /16 to /20: the platform carves per-zone subnets for nodes, pods, endpoints and gateways from it',
        'use a larger (or smaller) private range, for example 10.20.0.0/16',
      );
    } else if (!isRfc1918(vpc)) {
      c.error(
        'network.cidr',
        net.cidr,
        'is not an RFC 1918 private range',
        'use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16',
      );
    }
    ranges.push({ path: 'network.cidr', cidr: vpc, group: 'cloud' });
  }
  const zonesOk = c.intInRange(
    'network.availabilityZones',
    net.availabilityZones,
    1,
    3,
    'use 1 to 3 zones (production: 3)',
  );
  if (zonesOk && env.stage === 'production' && net.availabilityZones < 2) {
    c.warn(
      'network.availabilityZones',
      net.availabilityZones,
      'leaves production in a single zone, so a zone outage takes the platform down',
      'use 3 zones in production',
    );
  }
  if (zonesOk) {
    c.intInRange(
      'network.natGateways',
      net.natGateways,
      0,
      net.availabilityZones,
      `use 0 (no outbound internet), 1, or up to one per zone (${net.availabilityZones})`,
    );
  }
  return ranges;
}

function checkStorage(c: Checker, env: PlatformEnvironment): void {
  const { zones, lifecycle } = env.storage;
  if (!Array.isArray(zones) || zones.length === 0) {
    c.error('storage.zones', zones, 'must list at least one data zone', `list zones from: ${DATA_ZONES.join(', ')}`);
  } else {
    const seen = new Set<string>();
    zones.forEach((zone, i) => {
      if (!DATA_ZONES.includes(zone)) {
        c.error(`storage.zones[${i}]`, zone, 'is not a data zone', `use one of: ${DATA_ZONES.join(', ')}`);
      } else if (seen.has(zone)) {
        c.error(`storage.zones[${i}]`, zone, 'is listed twice', 'remove the duplicate');
      }
      seen.add(zone);
    });
    for (const required of ['models', 'artifacts'] as const) {
      if (!seen.has(required)) {
        c.error(
          'storage.zones',
          zones,
          `lacks '${required}', which model serving and delivery use`,
          `add '${required}'`,
        );
      }
    }
  }
  // S3 moves objects to STANDARD_IA no earlier than 30 days after creation, and keeps them there
  // 30 days before an archive class (Lifecycle transition constraints, S3 User Guide).
  const coolOk = c.intInRange(
    'storage.lifecycle.coolAfterDays',
    lifecycle.coolAfterDays,
    30,
    3650,
    'use 30 days or more (the earliest S3 allows a move to infrequent access)',
  );
  if (lifecycle.archiveAfterDays !== undefined && coolOk) {
    c.intInRange(
      'storage.lifecycle.archiveAfterDays',
      lifecycle.archiveAfterDays,
      lifecycle.coolAfterDays + 30,
      3650,
      `archive at least 30 days after the move to the cool tier (>= ${lifecycle.coolAfterDays + 30})`,
    );
  }
  c.intInRange(
    'storage.lifecycle.noncurrentVersionDays',
    lifecycle.noncurrentVersionDays,
    1,
    365,
    'use 1-365 days (Azure blob soft delete allows at most 365)',
  );
}

function checkKubernetes(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const k8s = env.kubernetes;
  const cloud = env.target.cloud;
  const ranges: NamedRange[] = [];
  if (!K8S_VERSION.test(k8s.version)) {
    c.error(
      'kubernetes.version',
      k8s.version,
      "is not a Kubernetes minor version such as '1.33'",
      'use major.minor only',
    );
  }
  (k8s.apiAllowedCidrs ?? []).forEach((text, i) => {
    const cidr = c.cidr(`kubernetes.apiAllowedCidrs[${i}]`, text);
    if (cidr && cidr.prefix === 0) {
      c.error(
        `kubernetes.apiAllowedCidrs[${i}]`,
        text,
        'opens the Kubernetes API to the whole internet',
        'list your office or CI egress ranges, or remove apiAllowedCidrs to keep the API private',
      );
    }
  });
  if (cloud === 'aws' && env.network.natGateways === 0 && (k8s.apiAllowedCidrs?.length ?? 0) > 0) {
    c.error(
      'kubernetes.apiAllowedCidrs',
      k8s.apiAllowedCidrs,
      'asks for a public API endpoint in a network with no outbound internet (natGateways 0)',
      'remove apiAllowedCidrs to keep the endpoint private, or add a NAT gateway',
    );
  }
  const service = c.cidr('kubernetes.serviceCidr', k8s.serviceCidr);
  if (service) {
    // EKS: the service range must be RFC 1918, /12 to /24 (CreateCluster serviceIpv4Cidr);
    // AKS: no larger than /12.
    if (!isRfc1918(service) || service.prefix < 12 || service.prefix > 24) {
      c.error(
        'kubernetes.serviceCidr',
        k8s.serviceCidr,
        'must be an RFC 1918 range of /12 to /24',
        'use a range such as 172.20.0.0/16 that no network uses',
      );
    }
    ranges.push({ path: 'kubernetes.serviceCidr', cidr: service, group: 'cloud' });
  }
  if (k8s.podCidr !== undefined) {
    const pod = c.cidr('kubernetes.podCidr', k8s.podCidr);
    if (pod) {
      if (pod.prefix > 20) {
        c.error(
          'kubernetes.podCidr',
          k8s.podCidr,
          'is too small for an overlay pod range',
          'use a /20 or larger, for example 100.64.0.0/16',
        );
      }
      ranges.push({ path: 'kubernetes.podCidr', cidr: pod, group: 'cloud' });
    }
  } else if (cloud === 'azure') {
    c.error(
      'kubernetes.podCidr',
      undefined,
      'is required on Azure, where pods get addresses from an overlay range (Azure CNI Overlay)',
      'set a range no network uses, for example 100.64.0.0/16',
    );
  }
  const sys = k8s.systemPool;
  c.machineType('kubernetes.systemPool.machineType', cloud, sys.machineType);
  c.minDesiredMax('kubernetes.systemPool', sys, 1);
  if (env.stage === 'production' && isInt(sys.minNodes) && sys.minNodes < 2) {
    c.warn(
      'kubernetes.systemPool.minNodes',
      sys.minNodes,
      'runs production cluster add-ons on a single node',
      'use at least 2 (3 with 3 zones)',
    );
  }
  const names = new Set<string>();
  k8s.gpuPools.forEach((pool, i) => {
    const path = `kubernetes.gpuPools[${i}]`;
    const nameIssue = nameProblem(NAME_RULES.aksNodePool, pool.name);
    if (nameIssue) {
      c.error(
        `${path}.name`,
        pool.name,
        nameIssue,
        "use up to 12 lowercase letters and digits, such as 'infer' or 'train'",
      );
    } else if (pool.name === 'system') {
      c.error(`${path}.name`, pool.name, 'is reserved for the system pool', 'pick another name');
    } else if (names.has(pool.name)) {
      c.error(`${path}.name`, pool.name, 'is used by another GPU pool', 'give each pool its own name');
    }
    names.add(pool.name);
    if (!isAccelerator(pool.accelerator)) {
      c.error(
        `${path}.accelerator`,
        pool.accelerator,
        'is not an accelerator in the GPU catalog',
        `use one of: ${Object.keys(GPU_CATALOG).join(', ')}, or add it to lib/config/gpu-catalog.ts`,
      );
    } else if (c.intInRange(`${path}.gpusPerNode`, pool.gpusPerNode, 1, 16, 'use 1 to 16 GPUs per node')) {
      if (pool.machineType === undefined && !catalogMachineType(cloud, pool.accelerator, pool.gpusPerNode)) {
        const offered = offeredGpuCounts(cloud, pool.accelerator);
        c.error(
          `${path}.accelerator`,
          pool.accelerator,
          offered.length === 0
            ? `is not offered on ${cloud}`
            : `is not offered on ${cloud} with ${pool.gpusPerNode} GPUs per node (offered: ${offered.join(', ')})`,
          offered.length === 0
            ? `pick an accelerator ${cloud} offers (${offeredAccelerators(cloud).join(', ')})`
            : `set gpusPerNode to one of ${offered.join(', ')}, or set machineType explicitly`,
        );
      }
    }
    if (pool.machineType !== undefined) c.machineType(`${path}.machineType`, cloud, pool.machineType);
    c.minDesiredMax(path, pool, 0);
    if (pool.capacity !== 'spot' && pool.capacity !== 'on-demand') {
      c.error(`${path}.capacity`, pool.capacity, "must be 'spot' or 'on-demand'", 'pick one');
    }
    if (pool.diskSizeGiB !== undefined) {
      c.intInRange(`${path}.diskSizeGiB`, pool.diskSizeGiB, 50, 2048, 'use 50-2048 GiB (images with CUDA need room)');
    }
  });
  return ranges;
}

function offeredAccelerators(cloud: Cloud): string[] {
  return Object.entries(GPU_CATALOG)
    .filter(([, info]) => Object.keys(info[cloud]).length > 0)
    .map(([name]) => name);
}

function checkApi(c: Checker, env: PlatformEnvironment): void {
  const api = env.api;
  const rateOk = c.intInRange(
    'api.rateLimitPerSecond',
    api.rateLimitPerSecond,
    1,
    10000,
    'use 1-10000 requests per second',
  );
  if (rateOk) {
    c.intInRange(
      'api.burst',
      api.burst,
      api.rateLimitPerSecond,
      5000 + api.rateLimitPerSecond,
      `use a burst >= the steady rate (${api.rateLimitPerSecond})`,
    );
  }
  if (api.authMode !== 'iam' && api.authMode !== 'api-key') {
    c.error('api.authMode', api.authMode, "must be 'iam' or 'api-key'", 'pick how callers authenticate');
  }
  if (api.dailyQuota !== undefined) {
    c.intInRange('api.dailyQuota', api.dailyQuota, 1, 1_000_000_000, 'use a positive number of requests per day');
  }
  if (env.target.cloud !== 'azure') return;
  if (api.apimSku === undefined || !APIM_SKU.test(api.apimSku)) {
    c.error(
      'api.apimSku',
      api.apimSku,
      'must be Developer_<n> or Premium_<n>, the API Management tiers that join a virtual network',
      "use 'Developer_1' for staging and 'Premium_1' (or more units) for production",
    );
  } else if (env.stage === 'production' && api.apimSku.startsWith('Developer')) {
    c.warn('api.apimSku', api.apimSku, 'has no SLA and no zone redundancy', "use 'Premium_<n>' in production");
  }
  if (!api.publisher?.name || !EMAIL.test(api.publisher.email)) {
    c.error(
      'api.publisher',
      api.publisher,
      'must give a name and a valid e-mail for API Management',
      "set { name: 'ML Platform', email: 'mlops@example.com' }",
    );
  }
}

function checkMonitoring(c: Checker, env: PlatformEnvironment): void {
  const mon = env.monitoring;
  mon.alarmEmails.forEach((email, i) => {
    if (!EMAIL.test(email)) {
      c.error(`monitoring.alarmEmails[${i}]`, email, 'is not an e-mail address', 'fix the address');
    }
  });
  if (mon.alarmEmails.length > 10) {
    // AWS Budgets and Azure action groups both cap e-mail receivers per notification at 10.
    c.error('monitoring.alarmEmails', mon.alarmEmails, 'lists more than 10 addresses', 'use a distribution list');
  }
  if (env.stage === 'production' && mon.alarmEmails.length === 0) {
    c.error(
      'monitoring.alarmEmails',
      mon.alarmEmails,
      'is empty in production, so alarms and budget alerts reach nobody',
      'add the on-call address',
    );
  }
  if (env.target.cloud === 'aws' && !CLOUDWATCH_RETENTION_DAYS.includes(mon.logRetentionDays)) {
    const nearest = CLOUDWATCH_RETENTION_DAYS.find((d) => d >= mon.logRetentionDays) ?? 3653;
    c.error(
      'monitoring.logRetentionDays',
      mon.logRetentionDays,
      'is not a retention CloudWatch Logs accepts',
      `use one of CloudWatch's values, for example ${nearest}`,
    );
  }
  if (env.target.cloud === 'azure') {
    const { min, max } = LOG_ANALYTICS_RETENTION;
    c.intInRange(
      'monitoring.logRetentionDays',
      mon.logRetentionDays,
      min,
      max,
      `use ${min}-${max} days (Log Analytics)`,
    );
  }
  if (typeof mon.monthlyBudgetUsd !== 'number' || !Number.isFinite(mon.monthlyBudgetUsd) || mon.monthlyBudgetUsd <= 0) {
    c.error(
      'monitoring.monthlyBudgetUsd',
      mon.monthlyBudgetUsd,
      'must be greater than 0',
      'set the monthly spend you expect, in USD',
    );
  }
  if (mon.budgetStartMonth !== undefined && !/^20\d\d-(0[1-9]|1[0-2])$/.test(mon.budgetStartMonth)) {
    c.error(
      'monitoring.budgetStartMonth',
      mon.budgetStartMonth,
      'is not a month as YYYY-MM',
      "use the coming month, for example '2026-12'",
    );
  }
  (mon.budgetThresholdsPercent ?? []).forEach((pct, i) => {
    c.intInRange(
      `monitoring.budgetThresholdsPercent[${i}]`,
      pct,
      1,
      1000,
      'use a percentage of the budget, such as 80 or 100',
    );
  });
}

function checkDelivery(c: Checker, env: PlatformEnvironment): void {
  const d = env.delivery;
  if (!REPOSITORY.test(d.repository)) {
    c.error('delivery.repository', d.repository, "is not 'owner/name'", "write it as 'my-org/mlops-platform'");
  }
  if (!GIT_BRANCH.test(d.branch)) {
    c.error('delivery.branch', d.branch, 'is not a valid branch name', "use a branch such as 'main'");
  }
  if (env.stage === 'production' && d.approvers.length === 0) {
    c.error(
      'delivery.approvers',
      d.approvers,
      'is empty in production, so nobody can approve a promotion',
      'name at least one approver',
    );
  }
  if (d.codeConnectionArn !== undefined && !CODE_CONNECTION_ARN.test(d.codeConnectionArn)) {
    c.error(
      'delivery.codeConnectionArn',
      d.codeConnectionArn,
      'is not a CodeConnections connection ARN',
      'copy the ARN from Developer Tools > Settings > Connections',
    );
  }
}

function checkHybrid(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const h = env.hybrid;
  const ranges: NamedRange[] = [];
  if (!h) return ranges;
  const cloud = env.target.cloud;
  const allowed = cloud === 'aws' ? ['vpn', 'direct-connect'] : ['vpn', 'expressroute'];
  if (!allowed.includes(h.linkType)) {
    c.error(
      'hybrid.linkType',
      h.linkType,
      `is not a link type on ${cloud}`,
      `use ${allowed.map((t) => `'${t}'`).join(' or ')}`,
    );
  }
  if (h.onPremCidrs.length === 0) {
    c.error('hybrid.onPremCidrs', h.onPremCidrs, 'is empty', 'list the on-premises ranges the cloud must reach');
  }
  const onPrem: Ipv4Cidr[] = [];
  h.onPremCidrs.forEach((text, i) => {
    const cidr = c.cidr(`hybrid.onPremCidrs[${i}]`, text);
    if (cidr) {
      onPrem.push(cidr);
      ranges.push({ path: `hybrid.onPremCidrs[${i}]`, cidr, group: 'on-prem' });
    }
  });
  // EKS Hybrid Nodes: remote node and pod networks are RFC 1918 or CGNAT and must not overlap
  // each other, the VPC or the service range.
  const hybridRange = (cidr: Ipv4Cidr) => isRfc1918(cidr) || cidrContains(parseCidr('100.64.0.0/10') as Ipv4Cidr, cidr);
  for (const [field, list] of [
    ['nodeCidrs', h.nodeCidrs],
    ['podCidrs', h.podCidrs],
  ] as const) {
    if (list.length === 0) {
      c.error(
        `hybrid.${field}`,
        list,
        'is empty',
        `list the on-premises ${field === 'nodeCidrs' ? 'node subnets' : 'pod ranges'} of hybrid nodes`,
      );
    }
    list.forEach((text, i) => {
      const path = `hybrid.${field}[${i}]`;
      const cidr = c.cidr(path, text);
      if (!cidr) return;
      if (!hybridRange(cidr)) {
        c.error(
          path,
          text,
          'must be an RFC 1918 or 100.64.0.0/10 range',
          'use the private range the on-premises network assigns',
        );
      }
      if (field === 'nodeCidrs' && !onPrem.some((range) => cidrContains(range, cidr))) {
        c.error(
          path,
          text,
          'lies outside hybrid.onPremCidrs, so the link would not route to it',
          'add its range to hybrid.onPremCidrs',
        );
      }
      ranges.push({ path, cidr, group: 'hybrid' });
    });
  }
  if (h.linkType === 'vpn') {
    if (h.gatewayIp === undefined || !isPublicIpv4(h.gatewayIp)) {
      c.error(
        'hybrid.gatewayIp',
        h.gatewayIp,
        'must be the public IPv4 address of the on-premises VPN device',
        'set the address your firewall terminates IPsec on (not a private or reserved address)',
      );
    }
  }
  if (h.bgpAsn !== undefined && !isPrivateAsn(h.bgpAsn)) {
    c.error('hybrid.bgpAsn', h.bgpAsn, 'is not a private ASN', 'use 64512-65534 or 4200000000-4294967294');
  }
  if (h.cloudAsn !== undefined && !isPrivateAsn(h.cloudAsn)) {
    c.error('hybrid.cloudAsn', h.cloudAsn, 'is not a private ASN', 'use 64512-65534 or 4200000000-4294967294');
  }
  if (cloud === 'azure' && h.bgpAsn !== undefined && AZURE_RESERVED_ASNS.includes(h.bgpAsn)) {
    c.error('hybrid.bgpAsn', h.bgpAsn, 'is reserved by Azure', 'pick another private ASN (not 65515-65520)');
  }
  // 65515 is the Azure gateway's own default; the other reserved ASNs cannot be assigned to it.
  if (
    cloud === 'azure' &&
    h.cloudAsn !== undefined &&
    h.cloudAsn !== 65515 &&
    AZURE_RESERVED_ASNS.includes(h.cloudAsn)
  ) {
    c.error(
      'hybrid.cloudAsn',
      h.cloudAsn,
      'is reserved by Azure and cannot be the VPN gateway ASN',
      'leave cloudAsn unset (65515) or pick another private ASN',
    );
  }
  const cloudAsn = h.cloudAsn ?? (cloud === 'aws' ? 64512 : 65515);
  if (h.bgpAsn !== undefined && h.bgpAsn === cloudAsn) {
    c.error(
      'hybrid.bgpAsn',
      h.bgpAsn,
      `equals the cloud side's ASN (${cloudAsn}); BGP needs two different ASNs`,
      'change one of them',
    );
  }
  if (h.bgpPeerIp !== undefined) {
    if (parseIpv4(h.bgpPeerIp) === undefined) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'is not an IPv4 address',
        'set the BGP address of the on-premises device',
      );
    } else if (!onPrem.some((range) => cidrContains(range, parseCidr(`${h.bgpPeerIp}/32`) as Ipv4Cidr))) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'lies outside hybrid.onPremCidrs, so the gateway could not reach the peer',
        'use an on-premises address (usually the device loopback) or add its range to hybrid.onPremCidrs',
      );
    }
    if (h.bgpAsn === undefined) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'is set without hybrid.bgpAsn, so no BGP session uses it',
        'set hybrid.bgpAsn or remove bgpPeerIp',
      );
    }
  }
  // The Azure local network gateway peers with one on-premises address that Azure cannot infer
  // (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto#createlng).
  if (cloud === 'azure' && h.linkType === 'vpn' && h.bgpAsn !== undefined && h.bgpPeerIp === undefined) {
    c.error(
      'hybrid.bgpPeerIp',
      h.bgpPeerIp,
      'is required on Azure when hybrid.bgpAsn is set',
      'set the BGP address of the on-premises VPN device, or remove bgpAsn for static routing',
    );
  }
  if (h.transitGatewayId !== undefined) {
    if (cloud !== 'aws') {
      c.error('hybrid.transitGatewayId', h.transitGatewayId, 'is an AWS setting', 'remove it on Azure');
    } else if (!TRANSIT_GATEWAY.test(h.transitGatewayId)) {
      c.error(
        'hybrid.transitGatewayId',
        h.transitGatewayId,
        "must be the id of a transit gateway ('tgw-' and 8 or 17 hex digits)",
        'copy it from the VPC console, or remove it to use a virtual private gateway',
      );
    }
  }
  if (h.linkType === 'direct-connect') {
    if (!h.directConnect || !DX_CONNECTION.test(h.directConnect.connectionId)) {
      c.error(
        'hybrid.directConnect.connectionId',
        h.directConnect?.connectionId,
        "must be the id of the Direct Connect connection ('dxcon-' and 8 characters)",
        'copy it from the Direct Connect console once the connection is ordered',
      );
    }
    const vlan = h.directConnect?.vlan;
    if (vlan !== undefined && (!isInt(vlan) || vlan < 1 || vlan > 4094)) {
      c.error(
        'hybrid.directConnect.vlan',
        vlan,
        'is not a VLAN id (1-4094)',
        'use the VLAN your Direct Connect partner allocated',
      );
    }
    const asn = h.directConnect?.amazonSideAsn;
    if (asn !== undefined && !isPrivateAsn(asn)) {
      c.error(
        'hybrid.directConnect.amazonSideAsn',
        asn,
        'is not a private ASN',
        'use 64512-65534 or 4200000000-4294967294',
      );
    }
  }
  if (h.linkType === 'expressroute') {
    const er = h.expressRoute;
    if (!er || !EXPRESS_ROUTE_CIRCUIT.test(er.circuitId)) {
      c.error(
        'hybrid.expressRoute.circuitId',
        er?.circuitId,
        'must be the resource id of an ExpressRoute circuit',
        'copy it from the circuit in the Azure portal (/subscriptions/.../expressRouteCircuits/<name>)',
      );
    }
    if (!er?.serviceProvider) {
      c.error(
        'hybrid.expressRoute.serviceProvider',
        er?.serviceProvider,
        'is required for ExpressRoute',
        'name the connectivity provider',
      );
    }
    if (!er?.peeringLocation) {
      c.error(
        'hybrid.expressRoute.peeringLocation',
        er?.peeringLocation,
        'is required for ExpressRoute',
        'name the peering location',
      );
    }
  }
  (h.dnsServers ?? []).forEach((ip, i) => {
    if (parseIpv4(ip) === undefined) {
      c.error(`hybrid.dnsServers[${i}]`, ip, 'is not an IPv4 address', 'list the resolvers by address');
    } else if (!onPrem.some((range) => cidrContains(range, parseCidr(`${ip}/32`) as Ipv4Cidr))) {
      c.error(
        `hybrid.dnsServers[${i}]`,
        ip,
        'lies outside hybrid.onPremCidrs, so queries could not reach it',
        'add its range to hybrid.onPremCidrs',
      );
    }
  });
  (h.dnsDomains ?? []).forEach((domain, i) => {
    if (!DOMAIN.test(domain)) {
      c.error(`hybrid.dnsDomains[${i}]`, domain, 'is not a DNS domain name', "use a domain such as 'corp.example.com'");
    }
  });
  if ((h.dnsDomains?.length ?? 0) > 0 && (h.dnsServers?.length ?? 0) === 0) {
    c.error(
      'hybrid.dnsServers',
      h.dnsServers,
      'is empty while dnsDomains are set, so nothing can answer for them',
      'list the on-premises resolvers',
    );
  }
  return ranges;
}

function checkTags(c: Checker, env: PlatformEnvironment): void {
  for (const [key, value] of Object.entries(env.tags ?? {})) {
    const path = `tags.${key}`;
    if ((PLATFORM_TAG_KEYS as readonly string[]).includes(key)) {
      c.error(path, value, 'is a tag the platform sets itself', 'remove it or use another key');
    } else if (!TAG_KEY.test(key) || RESERVED_TAG_PREFIXES.some((prefix) => key.toLowerCase().startsWith(prefix))) {
      c.error(
        path,
        value,
        'has a key both clouds do not accept (1-128 letters, digits, spaces and _ . : = + - @; no aws:, azure, microsoft or windows prefix)',
        'rename the tag key',
      );
    } else if (typeof value !== 'string' || !TAG_VALUE.test(value)) {
      c.error(
        path,
        value,
        'is not a tag value both clouds accept (up to 256 letters, digits, spaces and _ . : / = + - @)',
        'shorten or simplify the value',
      );
    }
  }
}

/**
 * Validates every environment (and the rules between them) and throws one `ConfigError` listing
 * every error. Returns the warnings, for the caller to print or annotate.
 */
export function assertValidEnvironments(envs: readonly PlatformEnvironment[]): ConfigProblem[] {
  const problems = envs.flatMap((env) => validateEnvironment(env));
  const byName = new Map<string, PlatformEnvironment>();
  const byStageId = new Map<string, PlatformEnvironment>();
  for (const env of envs) {
    const other = byName.get(env.name);
    if (other) {
      problems.push({
        severity: 'error',
        file: environmentFile(env),
        path: 'name',
        value: env.name,
        problem: 'is used by another environment',
        fix: 'give every environment its own name',
      });
    }
    byName.set(env.name, env);
    const stageId = new PlatformNames(env).stageId;
    const clash = byStageId.get(stageId);
    if (clash && clash.name !== env.name) {
      problems.push({
        severity: 'error',
        file: environmentFile(env),
        path: 'name',
        value: env.name,
        problem: `gives the same stage id '${stageId}' as '${clash.name}'`,
        fix: 'rename one of the two environments',
      });
    }
    byStageId.set(stageId, env);
  }
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  return problems.filter((p) => p.severity === 'warning');
}
