/**
 * The scripts' side of lib/report: each environment's report from what `npm run synth` wrote,
 * the figures of the synth summary, and the cost change per environment that `npm run diff`
 * prints under the environment's heading.
 */
import { type PlatformEnvironment, PlatformNames } from '../../lib/config';
import {
  buildReport,
  type CfnTemplate,
  type CostEstimate,
  costChanges,
  type EnvironmentReport,
  type EstimateOptions,
  type SynthesizedOutput,
  type TerraformJson,
} from '../../lib/report';
import type { Snapshot } from './infra-diff';

/** Where an environment's output is in a snapshot: its AWS stage (`Staging`) or its Azure stack (`az-staging`). */
export function outputName(env: PlatformEnvironment): string {
  return env.target.cloud === 'aws' ? new PlatformNames(env).stageId : env.name;
}

/** An environment's synthesized output, or undefined when its cloud was not synthesized. */
export function outputOf(env: PlatformEnvironment, snapshot: Snapshot): SynthesizedOutput | undefined {
  const name = outputName(env);
  if (env.target.cloud === 'aws') {
    const templates = snapshot.aws[name];
    return templates ? { cloud: 'aws', templates: templates as Record<string, CfnTemplate> } : undefined;
  }
  const terraform = snapshot.azure[name];
  return terraform ? { cloud: 'azure', terraform: terraform as TerraformJson } : undefined;
}

/** The report of every environment whose output the snapshot holds, in the environments' order. */
export function reportsOf(
  envs: readonly PlatformEnvironment[],
  snapshot: Snapshot,
  options: EstimateOptions = {},
): EnvironmentReport[] {
  return envs.flatMap((env) => {
    const output = outputOf(env, snapshot);
    return output ? [buildReport(env, output, options)] : [];
  });
}

/** Whole dollars, for the summary table: `$1,235`. */
export function dollars(amount: number): string {
  return `$${Math.round(amount).toLocaleString('en-US')}`;
}

/** The summary table's cell: `$1,235-$5,679` (floor to ceiling), `?` marking missing prices. */
export function rangeCell(estimate: CostEstimate): string {
  const incomplete = estimate.lines.some((l) => l.missingPrice) ? '?' : '';
  return `${dollars(estimate.floorUsd)}-${dollars(estimate.ceilingUsd)}${incomplete}`;
}

/** What synth prints per environment: the range, and the warnings of the estimate and the budget check. */
export interface CostFigures {
  readonly range: string;
  readonly warnings: readonly string[];
}

/** The figures per summary line name (stage or stack). */
export function costFigures(reports: readonly EnvironmentReport[]): Map<string, CostFigures> {
  return new Map(
    reports.map((r) => [
      outputName(r.environment),
      {
        range: rangeCell(r.estimate),
        warnings: [...r.estimate.warnings, ...(r.budgetWarning ? [r.budgetWarning] : [])],
      },
    ]),
  );
}

/** One version of the project: its environments and what they synthesized to. */
export interface ProjectVersion {
  readonly environments: readonly PlatformEnvironment[];
  readonly snapshot: Snapshot;
}

/**
 * The cost change of every environment whose estimate moved, by output name, as `npm run diff`
 * prints it: `staging ceiling +$1,840/month: gpu pool infer maxNodes 4 -> 8`. Both versions are
 * priced with the same (head) price table and rules, so a change comes from the infrastructure or
 * the configuration, never from the report code.
 */
export function costNotes(
  base: ProjectVersion,
  head: ProjectVersion,
  options: EstimateOptions = {},
): Map<string, string[]> {
  const before = reportsOf(base.environments, base.snapshot, options);
  const after = reportsOf(head.environments, head.snapshot, options);
  const names = new Map([...before, ...after].map((r) => [r.environment.name, outputName(r.environment)] as const));
  const notes = new Map<string, string[]>();
  for (const change of costChanges(before, after)) {
    if (change.floorDeltaUsd === 0 && change.ceilingDeltaUsd === 0) continue;
    notes.set(names.get(change.environment) as string, [change.text]);
  }
  return notes;
}
