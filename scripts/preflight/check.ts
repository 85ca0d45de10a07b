/**
 * The shape every preflight check shares, and the runner.
 *
 * A check is a small async function over an injected client interface (the real SDK clients in
 * `npm run preflight`, recorded responses in the tests) that returns findings. It also carries the
 * CLI commands that make the same check by hand: `--dry-run`, or a run without credentials, prints
 * those instead of calling anything.
 */

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface Finding {
  readonly status: Status;
  /** What was found, one line: `eu-west-1b does not offer g6.xlarge`. */
  readonly message: string;
  /** How to fix a failure or a warning: a command to run or a change to the environment file. */
  readonly fix?: string;
}

export interface Check<Api> {
  /** Stable identifier (`aws.identity`, `azure.providers`). */
  readonly id: string;
  /** What is checked, as a sentence. */
  readonly title: string;
  /** AWS CLI / Azure CLI commands that make the same check by hand. */
  readonly commands: readonly string[];
  /** What those commands show when the check passes. */
  readonly expect: string;
  /** IAM actions / Azure permissions the API calls need; a denied call names them in its fix. */
  readonly permissions: readonly string[];
  /** When this check fails, the later checks of the list are skipped (they would ask the wrong account). */
  readonly gate?: boolean;
  readonly run: (api: Api) => Promise<readonly Finding[]>;
}

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly findings: readonly Finding[];
}

export const pass = (message: string): Finding => ({ status: 'pass', message });
export const warn = (message: string, fix?: string): Finding => ({ status: 'warn', message, fix });
export const fail = (message: string, fix: string): Finding => ({ status: 'fail', message, fix });

/** The error code of an SDK error: AWS SDK v3 sets `name`, Azure's RestError sets `code` and `statusCode`. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return 'Error';
}

export function errorStatus(error: unknown): number | undefined {
  if (error && typeof error === 'object') {
    const e = error as { statusCode?: unknown; $metadata?: { httpStatusCode?: unknown } };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.$metadata?.httpStatusCode === 'number') return e.$metadata.httpStatusCode;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

const DENIED =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|AuthorizationFailed|AuthorizationPermissionMismatch|Forbidden)$/;

/** True when a call was refused for lack of permission. */
export function isDenied(error: unknown): boolean {
  return DENIED.test(errorCode(error)) || errorStatus(error) === 403;
}

/** A finding for a call that threw: denied calls name the permissions, others the manual command. */
export function failureOf(check: Pick<Check<never>, 'title' | 'commands' | 'permissions'>, error: unknown): Finding {
  const what = `${check.title}: ${errorCode(error)}: ${errorMessage(error)}`;
  if (isDenied(error)) {
    return fail(what, `give the identity ${check.permissions.join(', ')} (read-only), then run again`);
  }
  return fail(what, `run again; if it persists, check by hand: ${check.commands[0] ?? ''}`);
}

/**
 * Runs a check list against one set of clients. Gate checks run first, in order; when one fails,
 * every other check is skipped, since it would describe another account or subscription. The
 * others then run side by side; results keep the list's order.
 */
export async function runChecks<Api>(checks: readonly Check<Api>[], api: Api): Promise<CheckResult[]> {
  const runOne = async (check: Check<Api>): Promise<CheckResult> => {
    let findings: readonly Finding[];
    try {
      findings = await check.run(api);
    } catch (error) {
      findings = [failureOf(check, error)];
    }
    return { id: check.id, title: check.title, findings };
  };

  const results = new Map<Check<Api>, CheckResult>();
  let blockedBy: string | undefined;
  for (const check of checks.filter((c) => c.gate)) {
    const result = blockedBy ? skipped(check, blockedBy) : await runOne(check);
    results.set(check, result);
    if (!blockedBy && result.findings.some((f) => f.status === 'fail')) blockedBy = check.title;
  }
  const rest = checks.filter((c) => !c.gate);
  const ran = await Promise.all(rest.map((check) => (blockedBy ? skipped(check, blockedBy) : runOne(check))));
  for (const [i, check] of rest.entries()) results.set(check, ran[i] as CheckResult);
  return checks.map((check) => results.get(check) as CheckResult);
}

function skipped(check: Pick<Check<never>, 'id' | 'title'>, gate: string): CheckResult {
  return {
    id: check.id,
    title: check.title,
    findings: [{ status: 'skip', message: `not checked: "${gate}" failed` }],
  };
}

/** `a, b and c`. */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Quotes a value for a POSIX shell when it needs it: double quotes keep JMESPath's '...' literals readable. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=,@+-]+$/.test(value)) return value;
  if (!/["$`\\!]/.test(value)) return `"${value}"`;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Clients for one target, or why there are none (no credentials): then the checks are listed, not run. */
export type Connection<Api> = { readonly api: Api } | { readonly unavailable: string };
