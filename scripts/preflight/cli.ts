/**
 * `npm run preflight`: picks the targets, checks them with the clients its caller connects (the
 * SDKs in scripts/preflight.ts, recorded responses in the tests), prints the results and returns
 * the exit code.
 */
import {
  DELIVERY_FILE,
  type DeliveryEnvironment,
  environmentFile,
  formatProblem,
  isAwsEnvironment,
  isAzureEnvironment,
  type PlatformEnvironment,
  validateDelivery,
  validateEnvironment,
} from '../../lib/config';
import { parsePreflightArgs, USAGE, UsageError } from './args';
import { type AwsApi, awsChecks, deliveryChecks } from './aws';
import { type AzureApi, azureChecks } from './azure';
import { type Check, type CheckResult, type Connection, runChecks } from './check';
import { type PlannedCheck, renderPlan, renderResults, type Tally, tally } from './report';

export interface PreflightDeps {
  readonly environments: readonly PlatformEnvironment[];
  readonly delivery: DeliveryEnvironment;
  /** Clients for an AWS region with the caller's credentials, or why there are none. */
  readonly connectAws: (region: string) => Promise<Connection<AwsApi>>;
  /** Clients for an Azure subscription with the caller's credentials, or why there are none. */
  readonly connectAzure: (tenantId: string, subscriptionId: string) => Promise<Connection<AzureApi>>;
  /** Standard output and standard error. */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** One thing to check with one set of credentials: an environment, or the tooling account. */
interface Target {
  readonly heading: string;
  /** The checks, for the listing. */
  readonly checks: readonly PlannedCheck[];
  /** Connects and runs the checks, or says why it cannot connect. */
  readonly check: () => Promise<readonly CheckResult[] | { readonly unavailable: string }>;
}

interface Caches {
  readonly aws: Map<string, Promise<Connection<AwsApi>>>;
  readonly azure: Map<string, Promise<Connection<AzureApi>>>;
}

/** Connects once per key (region, subscription) and run, however many targets share it. */
function once<Api>(cache: Map<string, Promise<Connection<Api>>>, key: string, connect: () => Promise<Connection<Api>>) {
  let connection = cache.get(key);
  if (!connection) {
    connection = connect();
    cache.set(key, connection);
  }
  return connection;
}

function target<Api>(heading: string, checks: readonly Check<Api>[], connect: () => Promise<Connection<Api>>): Target {
  return {
    heading,
    checks,
    check: async () => {
      const connection = await connect();
      return 'unavailable' in connection ? connection : runChecks(checks, connection.api);
    },
  };
}

function targetOf(env: PlatformEnvironment, deps: PreflightDeps, caches: Caches): Target {
  if (isAwsEnvironment(env)) {
    const { account, region } = env.target;
    return target(
      `${env.name} (${environmentFile(env)}): AWS account ${account}, ${region}`,
      awsChecks(env, deps.delivery),
      () => once(caches.aws, region, () => deps.connectAws(region)),
    );
  }
  if (!isAzureEnvironment(env)) throw new Error(`${env.name}: unknown cloud`);
  const { tenantId, subscriptionId, location } = env.target;
  return target(
    `${env.name} (${environmentFile(env)}): Azure subscription ${subscriptionId}, ${location}`,
    azureChecks(env),
    () => once(caches.azure, `${tenantId}/${subscriptionId}`, () => deps.connectAzure(tenantId, subscriptionId)),
  );
}

function deliveryTarget(deps: PreflightDeps, caches: Caches): Target {
  const d = deps.delivery;
  return target(`${d.name} (${DELIVERY_FILE}): AWS tooling account ${d.account}, ${d.region}`, deliveryChecks(d), () =>
    once(caches.aws, d.region, () => deps.connectAws(d.region)),
  );
}

/** The environments the options name, or a UsageError naming the valid ones. */
function selectEnvironments(
  options: ReturnType<typeof parsePreflightArgs>,
  environments: readonly PlatformEnvironment[],
): PlatformEnvironment[] {
  if (options.all) return environments.filter((e) => !options.cloud || e.target.cloud === options.cloud);
  const unknown = options.environments.filter((name) => !environments.some((e) => e.name === name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown environment ${unknown.map((n) => `'${n}'`).join(', ')}; environments/index.ts lists ` +
        environments.map((e) => e.name).join(', '),
    );
  }
  return options.environments.map((name) => environments.find((e) => e.name === name) as PlatformEnvironment);
}

/** Runs preflight for a command line; resolves to the exit code. */
export async function runPreflight(argv: readonly string[], deps: PreflightDeps): Promise<number> {
  let options: ReturnType<typeof parsePreflightArgs>;
  let selected: PlatformEnvironment[];
  try {
    options = parsePreflightArgs(argv);
    if (options.help) {
      deps.out(`${USAGE}\n`);
      return 0;
    }
    selected = selectEnvironments(options, deps.environments);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.err(`preflight: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }

  // Preflight reads the environment as synthesis does, so it must be valid first.
  const problems = [
    ...selected.flatMap((env) => validateEnvironment(env)),
    ...(options.delivery ? validateDelivery(deps.delivery, deps.environments) : []),
  ].filter((p) => p.severity === 'error');
  if (problems.length > 0) {
    deps.err(`preflight: fix the configuration first:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}\n`);
    return 2;
  }

  const caches: Caches = { aws: new Map(), azure: new Map() };
  const targets = [
    ...selected.map((env) => targetOf(env, deps, caches)),
    ...(options.delivery ? [deliveryTarget(deps, caches)] : []),
  ];

  if (options.dryRun) {
    deps.out(targets.map((t) => renderPlan(t.heading, t.checks)).join('\n'));
    return 0;
  }

  const total: Tally = { pass: 0, warn: 0, fail: 0, skip: 0 };
  const unchecked: string[] = [];
  for (const [i, t] of targets.entries()) {
    if (i > 0) deps.out('\n');
    const outcome = await t.check();
    if ('unavailable' in outcome) {
      unchecked.push(t.heading.split(' ')[0] ?? t.heading);
      deps.out(renderPlan(t.heading, t.checks, outcome.unavailable));
      continue;
    }
    tally(outcome, total);
    deps.out(renderResults(t.heading, outcome));
  }

  const summary = `${total.pass} passed, ${total.fail} failed, ${total.warn} warnings, ${total.skip} skipped`;
  deps.out(
    `\nPreflight: ${summary}${unchecked.length > 0 ? `; not checked (no credentials): ${unchecked.join(', ')}` : ''}\n`,
  );
  if (total.fail > 0) return 1;
  return unchecked.length > 0 ? 2 : 0;
}
