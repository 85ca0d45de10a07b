/** A table-driven check: a change to a valid environment that breaks exactly one rule. */
import { expect } from 'vitest';
import {
  ConfigError,
  type ConfigProblem,
  formatProblem,
  type PlatformEnvironment,
  validateEnvironments,
} from '../../lib/config';
import { type Draft, vary } from '../util';

export interface RuleCase {
  readonly name: string;
  readonly env: PlatformEnvironment;
  readonly change: (draft: Draft<PlatformEnvironment>) => void;
  /** The field path the problem must name. */
  readonly path: string;
  /** A fragment of the problem's text. */
  readonly says: string;
  readonly severity?: 'error' | 'warning';
}

export function rule<T extends PlatformEnvironment>(
  env: T,
  name: string,
  change: (draft: Draft<T>) => void,
  path: string,
  says: string,
  severity: 'error' | 'warning' = 'error',
): RuleCase {
  return { name, env, change: change as RuleCase['change'], path, says, severity };
}

/** Breaks the rule, validates, and expects the problem with the file, path, text and a fix. */
export function expectRule({ env, change, path, says, severity = 'error' }: RuleCase): ConfigProblem {
  const broken = vary(env, change);
  const problems = validateEnvironments([broken]).filter((p) => p.severity === severity);
  const match = problems.find((p) => p.path === path && formatProblem(p).includes(says));
  expect(
    match,
    `no ${severity} at ${path} saying "${says}" in:\n${problems.map(formatProblem).join('\n')}`,
  ).toBeDefined();
  const problem = match as ConfigProblem;
  expect(formatProblem(problem).startsWith(`environments/${broken.name}.ts: ${path} is `)).toBe(true);
  expect(problem.fix.length).toBeGreaterThan(5);
  if (severity === 'error') expect(() => new ConfigError([problem])).not.toThrow();
  return problem;
}
