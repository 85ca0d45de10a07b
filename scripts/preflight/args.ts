import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run preflight -- [options] <environment>...

Checks, with your credentials, what offline synthesis cannot: account or subscription, GPU
machine types per zone, vCPU quotas, CDK bootstrap (AWS), resource providers, features and the
Terraform state container (Azure). Every failure comes with its fix.

  <environment>     an environment of environments/index.ts (staging, az-production, ...)
  --all             every environment of environments/index.ts
  --delivery        the AWS tooling account of environments/delivery.ts (CodeConnections, bootstrap)
  --cloud <cloud>   with --all: only aws or only azure environments
  --dry-run         list the checks and the aws / az commands that make them by hand; call nothing
  -h, --help        this text

Credentials: the AWS SDK's default chain (AWS_PROFILE, SSO, environment) and Azure's
DefaultAzureCredential (az login, environment, workload or managed identity). Without them the
checks are listed as with --dry-run.

Exit code: 0 when every check passed (warnings allowed), 1 when one failed, 2 on a usage or
configuration error, or when a target could not be checked for want of credentials.`;

export interface PreflightOptions {
  /** Environment names given on the command line. */
  readonly environments: readonly string[];
  readonly all: boolean;
  readonly delivery: boolean;
  readonly cloud?: 'aws' | 'azure';
  readonly dryRun: boolean;
  readonly help: boolean;
}

/** A command line that cannot run; its message says why. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parses the command line (`process.argv.slice(2)`); throws UsageError when it is not valid. */
export function parsePreflightArgs(argv: readonly string[]): PreflightOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const all = values.all === true;
  const delivery = values.delivery === true;
  const cloud = values.cloud;
  if (cloud !== undefined && cloud !== 'aws' && cloud !== 'azure') {
    throw new UsageError(`--cloud must be aws or azure, not '${cloud}'`);
  }
  if (cloud !== undefined && !all) throw new UsageError('--cloud selects among --all; name environments instead');
  if (all && positionals.length > 0) {
    throw new UsageError(`name environments or give --all, not both (got ${positionals.join(', ')})`);
  }
  if (!help && !all && !delivery && positionals.length === 0) {
    throw new UsageError('name at least one environment, or give --all or --delivery');
  }
  return {
    environments: [...new Set(positionals)],
    all,
    delivery,
    cloud,
    dryRun: values['dry-run'] === true,
    help,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: 'boolean' },
      delivery: { type: 'boolean' },
      cloud: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
