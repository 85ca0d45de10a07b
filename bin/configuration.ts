/**
 * The environments this checkout deploys, each with the file it lives in, checked once before
 * either app is built. bin/aws.ts, bin/azure.ts and the npm scripts start here; nothing in lib/
 * reads files.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { environments } from '../environments';
import { delivery } from '../environments/delivery';
import {
  type ConfigProblem,
  type DeliveryEnvironment,
  formatProblem,
  type PlatformEnvironment,
  validateDelivery,
  validateEnvironments,
} from '../lib/config';

const DIRECTORY = join(__dirname, '..', 'environments');
/** Files of the folder that are not environments: the list itself and the AWS tooling account. */
const NOT_ENVIRONMENTS = new Set(['index.ts', 'delivery.ts']);

export interface Configuration {
  readonly environments: readonly PlatformEnvironment[];
  readonly delivery: DeliveryEnvironment;
  /** The file each environment object was exported from. */
  readonly files: ReadonlyMap<PlatformEnvironment, string>;
  /** Every problem of every file (errors and warnings), environments first, then delivery. */
  readonly problems: readonly ConfigProblem[];
}

/**
 * Loads every `environments/*.ts`, finds which file exports each environment of
 * environments/index.ts, and validates all of them (and the delivery file) in one pass.
 */
export function loadConfiguration(directory = DIRECTORY): Configuration {
  const files = new Map<PlatformEnvironment, string>();
  const unlisted: ConfigProblem[] = [];
  const listed = new Set<unknown>(environments);
  for (const name of readdirSync(directory).sort()) {
    if (!name.endsWith('.ts') || NOT_ENVIRONMENTS.has(name)) continue;
    const file = `environments/${name}`;
    const exported = Object.values(require(join(directory, name)) as Record<string, unknown>);
    for (const value of exported) {
      if (listed.has(value)) files.set(value as PlatformEnvironment, file);
    }
    if (!exported.some((value) => listed.has(value))) {
      unlisted.push({
        severity: 'warning',
        file,
        path: '(file)',
        value: name,
        problem: 'defines no environment that environments/index.ts lists, so nothing deploys it',
        fix: 'import it in environments/index.ts and add it to the list (or delete the file)',
      });
    }
  }
  const problems = [
    ...validateEnvironments(environments, files),
    ...unlisted,
    ...validateDelivery(delivery, environments),
  ];
  return { environments, delivery, files, problems };
}

/**
 * Prints the configuration's errors once and exits 1 when there are any; otherwise returns the
 * configuration (its warnings become synth annotations on the stages and stacks).
 */
export function checkedConfiguration(): Configuration {
  const configuration = loadConfiguration();
  const errors = configuration.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    console.error(
      `Invalid environment configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n${errors
        .map((p) => `  - ${formatProblem(p)}`)
        .join('\n')}`,
    );
    process.exit(1);
  }
  return configuration;
}
