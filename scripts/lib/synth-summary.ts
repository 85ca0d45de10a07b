/**
 * What `npm run synth` prints after both CLIs have finished: one line per environment, its
 * warnings below it, a total, and the time each CLI took.
 */
import { join } from 'node:path';
import { APP_GROUP, type AwsOutput, type Finding, readAwsOutput, resourceCount } from './aws-assembly';
import { type CdktfStack, readCdktfOutput, terraformResourceCount, terraformTarget } from './cdktf-output';
import type { CostFigures } from './cost-report';
import type { CloudName } from './synth-clis';
import { textTable } from './table';

export interface EnvironmentLine {
  readonly name: string;
  readonly cloud: CloudName;
  readonly target: string;
  readonly stacks: number;
  readonly resources: number;
  readonly findings: readonly Finding[];
  readonly output: string;
}

export interface Summary {
  readonly lines: readonly EnvironmentLine[];
  /** Where the warnings are recorded, per cloud synthesized. */
  readonly records: readonly string[];
  /** Stacks listed once although the assembly holds them more than once. */
  readonly duplicates: readonly string[];
}

/** One line per stage and per top-level stack, plus `(app)` when findings are outside all of them. */
export function summariseAws(output: AwsOutput): EnvironmentLine[] {
  const lines = output.groups.map(
    (group): EnvironmentLine => ({
      name: group.name,
      cloud: 'aws',
      target: [...new Set(group.stacks.map((s) => s.target))].join(', '),
      stacks: group.stacks.length,
      resources: group.stacks.reduce((sum, s) => sum + resourceCount(s.template), 0),
      findings: output.findings.get(group.name) ?? [],
      output: group.output,
    }),
  );
  const rest = output.findings.get(APP_GROUP) ?? [];
  if (rest.length > 0) {
    lines.push({ name: APP_GROUP, cloud: 'aws', target: '-', stacks: 0, resources: 0, findings: rest, output: '-' });
  }
  return lines;
}

/** One line per cdktf stack. */
export function summariseAzure(stacks: readonly CdktfStack[]): EnvironmentLine[] {
  return stacks.map((stack) => ({
    name: stack.name,
    cloud: 'azure',
    target: terraformTarget(stack.tf),
    stacks: 1,
    resources: terraformResourceCount(stack.tf),
    findings: stack.findings,
    output: stack.file,
  }));
}

export function summarise(clouds: readonly CloudName[], dirs: { awsDir: string; azureDir: string }): Summary {
  const lines: EnvironmentLine[] = [];
  const records: string[] = [];
  let duplicates: readonly string[] = [];
  if (clouds.includes('aws')) {
    const output = readAwsOutput(dirs.awsDir);
    lines.push(...summariseAws(output));
    duplicates = output.duplicates;
    records.push(join(dirs.awsDir, 'validation-report.json'));
  }
  if (clouds.includes('azure')) {
    lines.push(...summariseAzure(readCdktfOutput(dirs.azureDir)));
    records.push(join(dirs.azureDir, 'manifest.json'));
  }
  return { lines, records, duplicates };
}

export interface Timing {
  readonly label: string;
  readonly seconds: number;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeFinding(f: Finding): string {
  return `${f.level === 'error' ? 'ERROR' : 'warning'} ${f.path}: ${f.message} [${f.source}]`;
}

/** A warning of the cost estimate or the budget check, listed with the environment's other findings. */
function costFinding(line: EnvironmentLine, message: string): Finding {
  return { level: 'warning', source: 'cost estimate', path: line.name, message };
}

/**
 * The summary; with `costs` (per line name), each environment's monthly estimate (floor to
 * ceiling) in its own column and the estimate's warnings (missing prices, over budget) under it.
 */
export function renderSummary(
  summary: Summary,
  time: { readonly checkSeconds: number; readonly timings: readonly Timing[]; readonly totalSeconds: number },
  costs?: { readonly figures: ReadonlyMap<string, CostFigures>; readonly outdir: string },
): string {
  const findingsOf = (line: EnvironmentLine): readonly Finding[] => [
    ...line.findings,
    ...(costs?.figures.get(line.name)?.warnings ?? []).map((w) => costFinding(line, w)),
  ];
  const warningsOf = (line: EnvironmentLine) => findingsOf(line).filter((f) => f.level === 'warning').length;
  const header = ['environment', 'cloud', 'target', 'stacks', 'resources', 'warnings', 'output'];
  if (costs) header.splice(6, 0, '$/month');
  const rows = summary.lines.map((l) => {
    const row = [l.name, l.cloud, l.target, String(l.stacks), String(l.resources), String(warningsOf(l)), l.output];
    if (costs) row.splice(6, 0, costs.figures.get(l.name)?.range ?? '-');
    return row;
  });
  const stacks = summary.lines.reduce((n, l) => n + l.stacks, 0);
  const resources = summary.lines.reduce((n, l) => n + l.resources, 0);
  const warnings = summary.lines.reduce((n, l) => n + warningsOf(l), 0);
  const environments = summary.lines.filter((l) => l.stacks > 0).length;
  const total = [
    'total',
    '',
    plural(environments, 'environment'),
    String(stacks),
    String(resources),
    String(warnings),
    '',
  ];
  if (costs) total.splice(6, 0, '');
  const aligned = textTable([header, ...rows, total], new Set(costs ? [3, 4, 5, 6] : [3, 4, 5])).split('\n');

  const out = ['Synthesized offline (no credentials, no lookups):', ''];
  out.push(`  ${aligned[0]}`);
  summary.lines.forEach((line, i) => {
    out.push(`  ${aligned[i + 1]}`);
    for (const finding of findingsOf(line)) out.push(`      ${describeFinding(finding)}`);
  });
  out.push(`  ${aligned[aligned.length - 1]}`);
  if (summary.duplicates.length > 0) {
    out.push('', `Listed once: ${summary.duplicates.join(', ')} (the same stacks are deployed by another stage).`);
  }
  if (warnings > 0) {
    out.push(
      '',
      `${plural(warnings, 'warning')}, each listed under its environment above (recorded in ${summary.records.join(' and ')}${costs ? `; the estimate's in ${costs.outdir}/<environment>/estimate.md` : ''}).`,
    );
  }
  if (costs) {
    out.push(
      '',
      `$/month: the estimate's floor (every pool at its minimum) to ceiling (at its maximum), ? where prices are missing; diagrams and itemised estimates in ${costs.outdir}/<environment>/.`,
    );
  }
  const clis = time.timings.map((t) => `${t.label} ${t.seconds.toFixed(1)} s`);
  out.push(
    '',
    `Time: configuration checked after ${time.checkSeconds.toFixed(2)} s; ${clis.join(', ')}${clis.length > 1 ? ' (side by side)' : ''}; ${time.totalSeconds.toFixed(1)} s in all.`,
  );
  return out.join('\n');
}
