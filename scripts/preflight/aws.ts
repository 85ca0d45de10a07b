/**
 * AWS preflight: what offline synthesis cannot know about the target account and region.
 *
 * Every check takes the narrow slice of `AwsApi` it calls, so the tests inject recorded
 * responses; `aws-sdk.ts` implements `AwsApi` with the AWS SDK for JavaScript v3.
 */
import type { DescribeStacksInput, DescribeStacksOutput } from '@aws-sdk/client-cloudformation';
import type { GetConnectionInput, GetConnectionOutput } from '@aws-sdk/client-codestar-connections';
import type { DescribeInstanceTypeOfferingsRequest, DescribeInstanceTypeOfferingsResult } from '@aws-sdk/client-ec2';
import type {
  GetAWSDefaultServiceQuotaRequest,
  GetAWSDefaultServiceQuotaResponse,
  GetServiceQuotaRequest,
  GetServiceQuotaResponse,
} from '@aws-sdk/client-service-quotas';
import type { GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import {
  type AwsEnvironment,
  awsPoolZones,
  awsZoneNames,
  type CapacityType,
  type DeliveryEnvironment,
  environmentFile,
  machineSpec,
  resolveGpuMachineType,
} from '../../lib/config';
import { type Check, errorCode, type Finding, fail, list, pass, shellQuote, warn } from './check';

/** The AWS calls preflight makes, in the SDK's own request and response shapes. */
export interface AwsApi {
  getCallerIdentity(): Promise<GetCallerIdentityResponse>;
  describeInstanceTypeOfferings(
    input: DescribeInstanceTypeOfferingsRequest,
  ): Promise<DescribeInstanceTypeOfferingsResult>;
  getServiceQuota(input: GetServiceQuotaRequest): Promise<GetServiceQuotaResponse>;
  getAwsDefaultServiceQuota(input: GetAWSDefaultServiceQuotaRequest): Promise<GetAWSDefaultServiceQuotaResponse>;
  describeStacks(input: DescribeStacksInput): Promise<DescribeStacksOutput>;
  getConnection(input: GetConnectionInput): Promise<GetConnectionOutput>;
}

// ---- the account ------------------------------------------------------------------------------

/** The credentials belong to `account` (STS GetCallerIdentity needs no permission). */
export async function checkAccount(api: Pick<AwsApi, 'getCallerIdentity'>, account: string): Promise<Finding[]> {
  const identity = await api.getCallerIdentity();
  if (identity.Account === account) return [pass(`signed in to ${account} as ${identity.Arn ?? 'unknown'}`)];
  return [
    fail(
      `the credentials are for account ${identity.Account ?? 'unknown'} (${identity.Arn ?? 'unknown'}), not ${account}`,
      `use credentials of ${account}: AWS_PROFILE=<a profile of ${account}> npm run preflight -- ... ` +
        '(aws configure sso / aws sso login create and refresh one)',
    ),
  ];
}

// ---- instance types per zone ------------------------------------------------------------------

/** A node pool's machine type and the zones its nodes go to. */
export interface ZonePlacement {
  /** `GPU pool 'infer'`, `system pool`. */
  readonly pool: string;
  readonly machineType: string;
  readonly zones: readonly string[];
  /** The zones of the environment, which the pool's `zones` must be chosen from. */
  readonly environmentZones: readonly string[];
  /** Field path of the pool in the environment file (`kubernetes.gpuPools[0]`). */
  readonly path: string;
  /** The pool has a `zones` field (GPU pools); the system pool always spans every zone. */
  readonly zonesConfigurable: boolean;
}

/** Zones of the region that offer each instance type (DescribeInstanceTypeOfferings, paginated). */
export async function offeredZones(
  api: Pick<AwsApi, 'describeInstanceTypeOfferings'>,
  instanceTypes: readonly string[],
): Promise<Map<string, Set<string>>> {
  const offered = new Map<string, Set<string>>(instanceTypes.map((t) => [t, new Set<string>()]));
  let NextToken: string | undefined;
  do {
    const page = await api.describeInstanceTypeOfferings({
      LocationType: 'availability-zone',
      Filters: [{ Name: 'instance-type', Values: [...instanceTypes] }],
      NextToken,
    });
    for (const offering of page.InstanceTypeOfferings ?? []) {
      if (offering.InstanceType && offering.Location) offered.get(offering.InstanceType)?.add(offering.Location);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return offered;
}

/**
 * Each pool's instance type is offered in each zone its nodes go to. A managed node group over a
 * subnet whose zone lacks the type cannot launch there, and EC2 offers types per zone, per account
 * (zone names map to different physical zones in each account), so only the account can say.
 */
export async function checkInstanceOfferings(
  api: Pick<AwsApi, 'describeInstanceTypeOfferings'>,
  region: string,
  placements: readonly ZonePlacement[],
  file: string,
): Promise<Finding[]> {
  const types = [...new Set(placements.map((p) => p.machineType))];
  const offered = await offeredZones(api, types);
  return placements.map((p) => {
    const zones = [...(offered.get(p.machineType) ?? [])].sort();
    const missing = p.zones.filter((z) => !zones.includes(z));
    const what = `${p.machineType} (${p.pool})`;
    if (missing.length === 0) return pass(`${what} is offered in ${list([...p.zones])}`);
    const elsewhere = zones.length > 0 ? `it is offered in ${list(zones)}` : `${region} offers it in no zone`;
    const usable = p.environmentZones.filter((z) => zones.includes(z));
    const fix =
      p.zonesConfigurable && usable.length > 0
        ? `set ${p.path}.zones to [${usable.map((z) => `'${z}'`).join(', ')}] in ${file}, or choose a machine type every zone offers`
        : `choose another ${p.zonesConfigurable ? 'accelerator or machineType' : 'machineType'} for ${p.path} in ${file} ` +
          `(or another region): none of the environment's zones offers ${p.machineType}`;
    return fail(`${what} is not offered in ${list(missing)}; ${elsewhere}`, fix);
  });
}

// ---- vCPU quotas ------------------------------------------------------------------------------

export interface AwsQuota {
  readonly code: string;
  readonly name: string;
}

/**
 * EC2 vCPU quotas (service code `ec2`) per quota family of `lib/config/machines.ts` and capacity.
 * Spot P instances have two quotas: P5 apart from P4, P3 and P2.
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html
 */
export const AWS_VCPU_QUOTAS = {
  'Standard/on-demand': {
    code: 'L-1216C47A',
    name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
  },
  'G/on-demand': { code: 'L-DB2E81BA', name: 'Running On-Demand G and VT instances' },
  'P/on-demand': { code: 'L-417A185B', name: 'Running On-Demand P instances' },
  'Standard/spot': { code: 'L-34B43A08', name: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests' },
  'G/spot': { code: 'L-3819A6DF', name: 'All G and VT Spot Instance Requests' },
  'P/spot': { code: 'L-7212CCBC', name: 'All P4, P3 and P2 Spot Instance Requests' },
  'P5/spot': { code: 'L-C4BD4855', name: 'All P5 Spot Instance Requests' },
} as const satisfies Record<string, AwsQuota>;

/** The vCPU quota an instance type draws on, or undefined for a quota family this table lacks. */
export function awsQuotaFor(instanceType: string, family: string, capacity: CapacityType): AwsQuota | undefined {
  const p5 = family === 'P' && capacity === 'spot' && /^p5/.test(instanceType);
  const key = p5 ? 'P5/spot' : `${family}/${capacity}`;
  return Object.hasOwn(AWS_VCPU_QUOTAS, key) ? AWS_VCPU_QUOTAS[key as keyof typeof AWS_VCPU_QUOTAS] : undefined;
}

/** One pool's share of a quota at its maximum size. */
export interface VcpuDemand {
  readonly pool: string;
  readonly machineType: string;
  readonly capacity: CapacityType;
  readonly maxNodes: number;
}

/** The applied value of a quota, or AWS's default when the account has none applied. */
async function quotaValue(
  api: Pick<AwsApi, 'getServiceQuota' | 'getAwsDefaultServiceQuota'>,
  code: string,
): Promise<{ value: number; source: 'applied' | 'default' }> {
  try {
    const applied = await api.getServiceQuota({ ServiceCode: 'ec2', QuotaCode: code });
    return { value: applied.Quota?.Value ?? 0, source: 'applied' };
  } catch (error) {
    // No value applied to this account yet: the AWS default holds.
    if (errorCode(error) !== 'NoSuchResourceException') throw error;
    const fallback = await api.getAwsDefaultServiceQuota({ ServiceCode: 'ec2', QuotaCode: code });
    return { value: fallback.Quota?.Value ?? 0, source: 'default' };
  }
}

/** What pools need of one quota at their maximum sizes. */
export interface QuotaNeed {
  readonly quota: AwsQuota;
  readonly vcpus: number;
  /** `infer: 16 × g6.xlarge (4 vCPUs)` per pool. */
  readonly parts: readonly string[];
}

/** Demands grouped by the quota they draw on; types missing from lib/config/machines.ts apart. */
export function quotaNeeds(demands: readonly VcpuDemand[]): { needs: QuotaNeed[]; unknown: VcpuDemand[] } {
  const byCode = new Map<string, { quota: AwsQuota; vcpus: number; parts: string[] }>();
  const unknown: VcpuDemand[] = [];
  for (const d of demands) {
    const spec = machineSpec(d.machineType);
    const quota = spec?.cloud === 'aws' ? awsQuotaFor(d.machineType, spec.quota, d.capacity) : undefined;
    if (!spec || !quota) {
      unknown.push(d);
      continue;
    }
    const entry = byCode.get(quota.code) ?? { quota, vcpus: 0, parts: [] };
    entry.vcpus += d.maxNodes * spec.vcpus;
    entry.parts.push(`${d.pool}: ${d.maxNodes} × ${d.machineType} (${spec.vcpus} vCPUs)`);
    byCode.set(quota.code, entry);
  }
  return { needs: [...byCode.values()], unknown };
}

/**
 * The account's vCPU quotas hold every pool at its maximum size at once. New accounts start with
 * 0 vCPUs of G and P instances (on-demand and spot): an autoscaler that cannot launch leaves
 * pods pending while CloudFormation reports success, so the increase must be requested (and
 * approved, often days later) before the first deploy.
 */
export async function checkVcpuQuotas(
  api: Pick<AwsApi, 'getServiceQuota' | 'getAwsDefaultServiceQuota'>,
  region: string,
  demands: readonly VcpuDemand[],
): Promise<Finding[]> {
  const { needs, unknown } = quotaNeeds(demands);
  const findings: Finding[] = unknown.map((d) =>
    warn(
      `${d.machineType} (${d.pool}): vCPUs and quota family unknown, so its quota is not checked`,
      'add the type to lib/config/machines.ts (vCPUs and quota family from the EC2 instance type page)',
    ),
  );
  for (const { quota, vcpus, parts } of needs) {
    const { value, source } = await quotaValue(api, quota.code);
    const what =
      `${quota.name} (${quota.code}): ${vcpus} vCPUs at maximum size (${parts.join(', ')}); ` +
      `quota ${value}${source === 'default' ? ' (AWS default)' : ''}`;
    if (vcpus <= value) {
      findings.push(pass(what));
    } else {
      findings.push(
        fail(
          what,
          `request ${vcpus} vCPUs (approval can take days): aws service-quotas request-service-quota-increase ` +
            `--region ${region} --service-code ec2 --quota-code ${quota.code} --desired-value ${vcpus}`,
        ),
      );
    }
  }
  return findings;
}

// ---- CDK bootstrap ----------------------------------------------------------------------------

/** The bootstrap stack `cdk bootstrap` creates, and the qualifier the app's synthesizer expects. */
export const BOOTSTRAP_STACK = 'CDKToolkit';
export const BOOTSTRAP_QUALIFIER = 'hnb659fds';
/**
 * Bootstrap versions aws-cdk-lib 2.276's DefaultStackSynthesizer requires (test/preflight/aws.test.ts
 * reads them from a synthesized stack, so an upgrade that raises them fails the test): every
 * template's `CheckBootstrapVersion` rule rejects versions below 6; the lookup role, which the
 * CLI uses for diffs and the delivery pipeline's staging check assumes, exists from version 8.
 */
export const BOOTSTRAP_VERSION_FOR_DEPLOY = 6;
export const BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE = 8;

export interface BootstrapRequirement {
  readonly account: string;
  readonly region: string;
  /** Lowest version that deploys at all. */
  readonly minimum: number;
  /** The delivery pipeline deploys here: the tooling account must be trusted. */
  readonly trust?: {
    readonly account: string;
    /** The pipeline's post-deploy check assumes this account's lookup role (version 8+). */
    readonly lookup: boolean;
  };
  /** The `cdk bootstrap` command that creates or repairs the stack. */
  readonly command: string;
}

/** The `cdk bootstrap` command for an account, with the trust the delivery pipeline needs. */
export function bootstrapCommand(account: string, region: string, trustedAccount?: string): string {
  const trust = trustedAccount
    ? ` --trust ${trustedAccount} --trust-for-lookup ${trustedAccount} ` +
      '--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess'
    : '';
  return `npx cdk bootstrap aws://${account}/${region}${trust}`;
}

const commaList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The CDK bootstrap stack exists, is usable, is new enough for the templates, uses the default
 * qualifier and, where the delivery pipeline deploys, trusts the tooling account.
 */
export async function checkBootstrap(
  api: Pick<AwsApi, 'describeStacks'>,
  need: BootstrapRequirement,
): Promise<Finding[]> {
  const where = `${need.account}/${need.region}`;
  let stacks: DescribeStacksOutput;
  try {
    stacks = await api.describeStacks({ StackName: BOOTSTRAP_STACK });
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError ("Stack with id ... does not exist").
    if (errorCode(error) !== 'ValidationError') throw error;
    return [fail(`${where} is not bootstrapped: no ${BOOTSTRAP_STACK} stack`, `run ${need.command}`)];
  }
  const stack = stacks.Stacks?.[0];
  if (!stack) return [fail(`${where} is not bootstrapped: no ${BOOTSTRAP_STACK} stack`, `run ${need.command}`)];

  const status = stack.StackStatus ?? 'UNKNOWN';
  if (status.endsWith('_IN_PROGRESS')) {
    return [warn(`${BOOTSTRAP_STACK} in ${where} is ${status}`, 'wait until it completes, then run preflight again')];
  }
  if (!/^(CREATE|UPDATE|IMPORT)_COMPLETE$|^UPDATE_ROLLBACK_COMPLETE$/.test(status)) {
    return [
      fail(
        `${BOOTSTRAP_STACK} in ${where} is ${status}, which cannot deploy`,
        `read its events (aws cloudformation describe-stack-events --stack-name ${BOOTSTRAP_STACK} --region ${need.region}), ` +
          `delete it if it never completed, then run ${need.command}`,
      ),
    ];
  }

  const findings: Finding[] = [];
  const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  const parameter = (key: string) => stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
  const version = Number(output('BootstrapVersion'));
  const lookupNeeded = need.trust?.lookup === true;
  const required = lookupNeeded ? Math.max(need.minimum, BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE) : need.minimum;
  if (!Number.isFinite(version) || version < required) {
    const why = lookupNeeded
      ? 'the delivery pipeline assumes its lookup role after deploying here'
      : 'every template checks it';
    findings.push(
      fail(
        `${BOOTSTRAP_STACK} in ${where} has bootstrap version ${Number.isFinite(version) ? version : 'unknown'}; ` +
          `at least ${required} is needed (${why})`,
        `update it: ${need.command}`,
      ),
    );
  } else if (version < BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE) {
    findings.push(
      warn(
        `${BOOTSTRAP_STACK} in ${where} has bootstrap version ${version}: it deploys, but has no lookup role (version ${BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE}), so cdk diff uses the deploy role`,
        `update it: ${need.command}`,
      ),
    );
  } else {
    findings.push(pass(`${BOOTSTRAP_STACK} in ${where} is ${status} with bootstrap version ${version}`));
  }

  const qualifier = parameter('Qualifier');
  if (qualifier && qualifier !== BOOTSTRAP_QUALIFIER) {
    findings.push(
      fail(
        `${BOOTSTRAP_STACK} in ${where} uses qualifier ${qualifier}; the app's synthesizer and lib/aws/pipeline.ts expect ${BOOTSTRAP_QUALIFIER}`,
        `bootstrap with the default qualifier (${need.command}), or change the qualifier in cdk.json and lib/aws/pipeline.ts`,
      ),
    );
  }

  if (need.trust) {
    const tooling = need.trust.account;
    const trusted = commaList(parameter('TrustedAccounts'));
    if (trusted.includes(tooling)) {
      findings.push(pass(`${where} trusts the tooling account ${tooling} to deploy`));
    } else {
      findings.push(
        fail(
          `${where} does not trust the tooling account ${tooling} (TrustedAccounts: ${trusted.join(', ') || 'none'}), so the delivery pipeline cannot deploy here`,
          `run ${need.command}`,
        ),
      );
    }
    if (need.trust.lookup) {
      // The bootstrap template's lookup role trusts both lists (aws-cdk's bootstrap-template.yaml).
      const lookup = [...commaList(parameter('TrustedAccountsForLookup')), ...trusted];
      if (!lookup.includes(tooling)) {
        findings.push(
          fail(
            `${where} does not let the tooling account ${tooling} assume its lookup role, which the pipeline's CheckCluster step uses`,
            `run ${need.command}`,
          ),
        );
      }
    }
  }
  return findings;
}

// ---- CodeConnections ----------------------------------------------------------------------------

/** The pipeline's source connection exists in the tooling account and is AVAILABLE. */
export async function checkConnection(
  api: Pick<AwsApi, 'getConnection'>,
  arn: string,
  region: string,
  file: string,
): Promise<Finding[]> {
  const page = `https://console.aws.amazon.com/codesuite/settings/connections?region=${region}`;
  let connection: GetConnectionOutput['Connection'];
  try {
    connection = (await api.getConnection({ ConnectionArn: arn })).Connection;
  } catch (error) {
    if (errorCode(error) !== 'ResourceNotFoundException') throw error;
    return [
      fail(
        `no connection ${arn} in this account and region`,
        `create it (Developer Tools > Settings > Connections, ${page}), authorise it, and put its ARN in codeConnectionArn of ${file}`,
      ),
    ];
  }
  const name = connection?.ConnectionName ?? arn;
  const provider = connection?.ProviderType ? ` (${connection.ProviderType})` : '';
  switch (connection?.ConnectionStatus) {
    case 'AVAILABLE':
      return [pass(`connection ${name}${provider} is AVAILABLE`)];
    case 'PENDING':
      // A connection created by the CLI, CloudFormation or an SDK starts PENDING; only the console
      // completes the handshake with the provider.
      return [
        fail(
          `connection ${name}${provider} is PENDING: the provider handshake was never completed`,
          `complete it in the console (the CLI cannot): ${page} > ${name} > Update pending connection, and authorise the app for the repository`,
        ),
      ];
    default:
      return [
        fail(
          `connection ${name}${provider} is ${connection?.ConnectionStatus ?? 'in an unknown state'}`,
          `check the app installation at the provider (${page}); delete and recreate the connection if it stays in ERROR, then update ${file}`,
        ),
      ];
  }
}

// ---- the check lists ----------------------------------------------------------------------------

const quoted = (values: readonly string[]) => values.map(shellQuote).join(',');

/** The placements whose zones preflight checks: the system pool over every zone, each GPU pool over its own. */
export function awsPlacements(env: AwsEnvironment): ZonePlacement[] {
  const environmentZones = awsZoneNames(env.target.region, env.network.availabilityZones);
  const k8s = env.kubernetes;
  return [
    {
      pool: 'system pool',
      machineType: k8s.systemPool.machineType,
      zones: environmentZones,
      environmentZones,
      path: 'kubernetes.systemPool.machineType',
      zonesConfigurable: false,
    },
    ...k8s.gpuPools.map((pool, i) => ({
      pool: `GPU pool '${pool.name}'`,
      machineType: resolveGpuMachineType('aws', pool),
      // The zones lib/aws/gpu-pool.ts places the node group in.
      zones: awsPoolZones(env.target, env.network.availabilityZones, pool, resolveGpuMachineType('aws', pool)),
      environmentZones,
      path: `kubernetes.gpuPools[${i}]`,
      zonesConfigurable: true,
    })),
  ];
}

/** Every pool at its maximum size; the system node group is on-demand (lib/aws/cluster.ts). */
export function awsDemands(env: AwsEnvironment): VcpuDemand[] {
  const k8s = env.kubernetes;
  return [
    {
      pool: 'system',
      machineType: k8s.systemPool.machineType,
      capacity: 'on-demand',
      maxNodes: k8s.systemPool.maxNodes,
    },
    ...k8s.gpuPools.map((pool) => ({
      pool: pool.name,
      machineType: resolveGpuMachineType('aws', pool),
      capacity: pool.capacity,
      maxNodes: pool.maxNodes,
    })),
  ];
}

function identityCheck(account: string, region: string): Check<AwsApi> {
  return {
    id: 'aws.identity',
    title: `The credentials are for account ${account}`,
    commands: [`aws sts get-caller-identity --region ${region} --query Account --output text`],
    expect: account,
    permissions: ['none (sts:GetCallerIdentity is always allowed)'],
    gate: true,
    run: (api) => checkAccount(api, account),
  };
}

function bootstrapCheck(need: BootstrapRequirement): Check<AwsApi> {
  const query =
    "Stacks[0].[StackStatus, Outputs[?OutputKey=='BootstrapVersion'].OutputValue | [0], " +
    "Parameters[?ParameterKey=='Qualifier'].ParameterValue | [0], Parameters[?ParameterKey=='TrustedAccounts'].ParameterValue | [0], " +
    "Parameters[?ParameterKey=='TrustedAccountsForLookup'].ParameterValue | [0]]";
  const minimum = need.trust?.lookup ? Math.max(need.minimum, BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE) : need.minimum;
  const trust = need.trust ? `, TrustedAccounts containing ${need.trust.account}` : '';
  return {
    id: 'aws.bootstrap',
    title: `${need.account}/${need.region} is bootstrapped for the CDK (${BOOTSTRAP_STACK}, version ${minimum}+${need.trust ? `, trusting ${need.trust.account}` : ''})`,
    commands: [
      `aws cloudformation describe-stacks --region ${need.region} --stack-name ${BOOTSTRAP_STACK} --query ${shellQuote(query)} --output text`,
    ],
    expect: `CREATE_COMPLETE or UPDATE_COMPLETE, a version of at least ${minimum}, qualifier ${BOOTSTRAP_QUALIFIER}${trust}`,
    permissions: ['cloudformation:DescribeStacks'],
    run: (api) => checkBootstrap(api, need),
  };
}

/**
 * The checks of one AWS environment. `delivery` is the tooling account's description: when it
 * promotes this environment, the bootstrap stack must trust the tooling account.
 */
export function awsChecks(env: AwsEnvironment, delivery?: DeliveryEnvironment): Check<AwsApi>[] {
  const { account, region } = env.target;
  const file = environmentFile(env);
  const placements = awsPlacements(env);
  const demands = awsDemands(env);
  const types = [...new Set(placements.map((p) => p.machineType))];
  const { needs } = quotaNeeds(demands);
  const promoted = delivery?.promotionOrder.includes(env.name) === true;

  return [
    identityCheck(account, region),
    {
      id: 'aws.instance-types',
      title: `Every pool's instance type is offered in its zones of ${region}`,
      commands: [
        `aws ec2 describe-instance-type-offerings --region ${region} --location-type availability-zone ` +
          `--filters Name=instance-type,Values=${quoted(types)} --query 'InstanceTypeOfferings[].[InstanceType,Location]' --output text`,
      ],
      expect: placements.map((p) => `${p.machineType} in ${p.zones.join(', ')}`).join('; '),
      permissions: ['ec2:DescribeInstanceTypeOfferings'],
      run: (api) => checkInstanceOfferings(api, region, placements, file),
    },
    {
      id: 'aws.vcpu-quotas',
      title: 'The vCPU quotas hold every pool at its maximum size',
      commands: needs.map(
        ({ quota }) =>
          `aws service-quotas get-service-quota --region ${region} --service-code ec2 --quota-code ${quota.code} ` +
          `--query ${shellQuote('Quota.[QuotaName, Value]')} --output text`,
      ),
      expect:
        needs.map((n) => `${n.quota.code} >= ${n.vcpus}`).join(', ') +
        ' (NoSuchResourceException: no value applied yet; get-aws-default-service-quota gives the default)',
      permissions: ['servicequotas:GetServiceQuota', 'servicequotas:GetAWSDefaultServiceQuota'],
      run: (api) => checkVcpuQuotas(api, region, demands),
    },
    bootstrapCheck({
      account,
      region,
      minimum: BOOTSTRAP_VERSION_FOR_DEPLOY,
      trust: promoted && delivery ? { account: delivery.account, lookup: env.stage === 'staging' } : undefined,
      command: bootstrapCommand(account, region, promoted ? delivery?.account : undefined),
    }),
  ];
}

/** The checks of the tooling account (`environments/delivery.ts`), run with its credentials. */
export function deliveryChecks(delivery: DeliveryEnvironment, file = 'environments/delivery.ts'): Check<AwsApi>[] {
  const { account, region, codeConnectionArn } = delivery;
  return [
    identityCheck(account, region),
    {
      id: 'aws.connection',
      title: 'The CodeConnections connection of the source repository is AVAILABLE',
      commands: [
        `aws codestar-connections get-connection --region ${region} --connection-arn ${codeConnectionArn} --query Connection.ConnectionStatus --output text`,
      ],
      expect: 'AVAILABLE',
      permissions: ['codeconnections:GetConnection (or codestar-connections:GetConnection)'],
      run: (api) => checkConnection(api, codeConnectionArn, region, file),
    },
    bootstrapCheck({
      account,
      region,
      minimum: BOOTSTRAP_VERSION_FOR_DEPLOY,
      command: bootstrapCommand(account, region),
    }),
  ];
}
