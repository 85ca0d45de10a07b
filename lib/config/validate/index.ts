/**
 * Validation of environment objects, run once before any construct is built: first the shape of
 * each file (unknown, missing and mistyped fields), then the rules by concern, then the rules
 * between environments. Every problem is collected, not just the first, and names the file, the
 * field, the value and the fix.
 */
import { PlatformNames } from '../naming';
import type { PlatformEnvironment } from '../types';
import { checkApi } from './api';
import { Checker } from './checker';
import { checkDelivery } from './delivery';
import { checkHybrid } from './hybrid';
import { checkIdentity } from './identity';
import { checkKubernetes } from './kubernetes';
import { checkMonitoring } from './monitoring';
import { checkNetwork } from './network';
import { ConfigError, type ConfigProblem, environmentFile } from './problems';
import { checkRegion } from './regions';
import { ENVIRONMENT_SHAPE } from './schema';
import { checkServing } from './serving';
import { checkShape } from './shape';
import { checkStorage } from './storage';
import { checkTags } from './tags';

export { validateDelivery } from './delivery';
export { CLOUDWATCH_RETENTION_DAYS, LOG_ANALYTICS_RETENTION } from './monitoring';
export { ConfigError, type ConfigProblem, environmentFile, formatProblem } from './problems';
export { closest } from './shape';

/**
 * Results by environment object: bin/ validates every environment with its real file first, and
 * the stages and stacks that ask again get the same answer without a second run.
 */
const results = new WeakMap<object, readonly ConfigProblem[]>();

/**
 * All problems (errors and warnings) of one environment. `file` defaults to the conventional
 * `environments/<name>.ts`. The result is remembered per object (environment objects are
 * readonly), with the file of the first call.
 */
export function validateEnvironment(env: PlatformEnvironment, file?: string): ConfigProblem[] {
  const key = env !== null && typeof env === 'object' ? env : undefined;
  const cached = key && results.get(key);
  if (cached) return [...cached];
  const where = file ?? (typeof env?.name === 'string' ? environmentFile(env) : 'environments/(unnamed).ts');
  const problems = runChecks(env, where);
  if (key) results.set(key, problems);
  return [...problems];
}

/** Whether an environment has the model's shape, so rules across environments may read it. */
function hasShape(env: PlatformEnvironment): boolean {
  return checkShape(new Checker('-'), '', env, ENVIRONMENT_SHAPE);
}

function runChecks(env: PlatformEnvironment, file: string): ConfigProblem[] {
  const c = new Checker(file);
  // The rules read fields of the right types only: a file with a shape problem gets those
  // problems (all of them) and nothing else.
  if (!checkShape(c, '', env, ENVIRONMENT_SHAPE)) return c.problems;
  checkIdentity(c, env);
  checkRegion(c, env);
  const ranges = checkNetwork(c, env);
  checkStorage(c, env);
  ranges.push(...checkKubernetes(c, env));
  checkApi(c, env);
  checkMonitoring(c, env);
  checkDelivery(c, env);
  ranges.push(...checkHybrid(c, env));
  c.noOverlaps(ranges);
  checkServing(c, env);
  checkTags(c, env);
  return c.problems;
}

/**
 * Every problem of every environment and the rules between them (unique names and stage ids).
 * `files` gives each environment's real file (bin/ finds them); without it the conventional
 * `environments/<name>.ts` is assumed.
 */
export function validateEnvironments(
  envs: readonly PlatformEnvironment[],
  files?: ReadonlyMap<PlatformEnvironment, string>,
): ConfigProblem[] {
  const fileOf = (env: PlatformEnvironment) => files?.get(env);
  const problems = envs.flatMap((env) => validateEnvironment(env, fileOf(env)));
  const named = envs.filter(hasShape);
  const byName = new Map<string, PlatformEnvironment>();
  const byStageId = new Map<string, PlatformEnvironment>();
  for (const env of named) {
    const file = fileOf(env) ?? environmentFile(env);
    const other = byName.get(env.name);
    if (other) {
      const otherFile = fileOf(other) ?? environmentFile(other);
      problems.push({
        severity: 'error',
        file,
        path: 'name',
        value: env.name,
        problem: `is also the name of the environment in ${otherFile === file ? 'another entry of environments/index.ts' : otherFile}`,
        fix: `give every environment its own name (rename this one and its file, or remove the duplicate from environments/index.ts)`,
      });
      continue;
    }
    byName.set(env.name, env);
    const stageId = new PlatformNames(env).stageId;
    const clash = byStageId.get(stageId);
    if (clash) {
      problems.push({
        severity: 'error',
        file,
        path: 'name',
        value: env.name,
        problem: `gives the same stage id '${stageId}' as '${clash.name}' (${fileOf(clash) ?? environmentFile(clash)})`,
        fix: 'rename one of the two environments',
      });
    }
    byStageId.set(stageId, env);
  }
  return problems;
}

/**
 * Validates every environment (and the rules between them) and throws one `ConfigError` listing
 * every error. Returns the warnings, for the caller to print or annotate.
 */
export function assertValidEnvironments(
  envs: readonly PlatformEnvironment[],
  files?: ReadonlyMap<PlatformEnvironment, string>,
): ConfigProblem[] {
  const problems = validateEnvironments(envs, files);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
  return problems.filter((p) => p.severity === 'warning');
}
