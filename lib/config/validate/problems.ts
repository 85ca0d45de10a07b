/**
 * A configuration problem and how it is printed. Every problem names the environment file, the
 * field path, the value, what is wrong and the fix, for example:
 *
 *   environments/staging.ts: kubernetes.gpuPools[0].maxNodes is 0, must be >= minNodes (1); raise maxNodes or lower minNodes
 *
 * Warnings are for settings that deploy but look wrong for the stage; they are printed, not fatal.
 */
import type { PlatformEnvironment } from '../types';

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
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
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
