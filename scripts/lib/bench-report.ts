/**
 * The results of `npm run bench`: what is kept in the JSON file, and the text and Markdown
 * reports made from it. Pure functions, unit-tested.
 */
import { formatBytes, formatRatio, formatSeconds, linearFit, median, ratio } from './bench-stats';
import { markdownTable, textTable } from './table';

export type Group = 'synth' | 'test' | 'typecheck' | 'scale';

/** Every run of one task. */
export interface TaskResult {
  readonly id: string;
  readonly group: Group;
  readonly label: string;
  readonly command: string;
  readonly seconds: readonly number[];
  /** Peak memory of the process tree per run; undefined where it could not be measured. */
  readonly peakRssBytes: readonly (number | undefined)[];
  readonly exitCodes: readonly number[];
}

export interface TaskSummary extends TaskResult {
  readonly median: number;
  /** The highest peak over the runs. */
  readonly peak?: number;
}

export function summariseTask(result: TaskResult): TaskSummary {
  const peaks = result.peakRssBytes.filter((b): b is number => b !== undefined);
  return { ...result, median: median(result.seconds), ...(peaks.length > 0 ? { peak: Math.max(...peaks) } : {}) };
}

interface Comparison {
  readonly label: string;
  readonly project: string;
  readonly floor: string;
}

/** Which task is measured against which floor. */
export const COMPARISONS: readonly Comparison[] = [
  { label: 'cdk synth', project: 'cdk-project', floor: 'cdk-floor' },
  { label: 'cdktf synth', project: 'cdktf-project', floor: 'cdktf-floor' },
  { label: 'npm test', project: 'test-project', floor: 'test-floor' },
];

export interface ScalingSeries {
  /** `cdk synth` */
  readonly cli: string;
  /** The environment copied. */
  readonly base: string;
  /** Task ids `<prefix><n>` hold the runs for n environments. */
  readonly prefix: string;
}

export interface Scaling {
  readonly cli: string;
  readonly base: string;
  readonly points: readonly { readonly n: number; readonly seconds: number }[];
  /** Seconds each added environment costs (slope of the least-squares line). */
  readonly perEnvironment?: number;
  /** Seconds the line gives for no environment: start-up and loading. */
  readonly fixed?: number;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly loadAverageAtStart: readonly number[];
  readonly platform: string;
  readonly node: string;
}

export interface BenchReport {
  readonly date: string;
  readonly machine: Machine;
  readonly runs: number;
  readonly memoryMeasured: boolean;
  readonly tasks: readonly TaskSummary[];
  readonly comparisons: readonly {
    readonly label: string;
    readonly project: number;
    readonly floor: number;
    readonly ratio?: number;
  }[];
  readonly scaling: readonly Scaling[];
}

export function buildReport(input: {
  readonly results: readonly TaskResult[];
  readonly series: readonly ScalingSeries[];
  readonly machine: Machine;
  readonly runs: number;
  readonly date: string;
}): BenchReport {
  const tasks = input.results.map(summariseTask);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  return {
    date: input.date,
    machine: input.machine,
    runs: input.runs,
    memoryMeasured: input.machine.platform === 'linux',
    tasks,
    comparisons: COMPARISONS.flatMap((c) => {
      const project = byId.get(c.project)?.median;
      const floor = byId.get(c.floor)?.median;
      if (project === undefined || floor === undefined) return [];
      const r = ratio(project, floor);
      return [{ label: c.label, project, floor, ...(r === undefined ? {} : { ratio: r }) }];
    }),
    scaling: input.series.flatMap((series): Scaling[] => {
      const points = tasks
        .filter((t) => t.id.startsWith(series.prefix))
        .map((t) => ({ n: Number(t.id.slice(series.prefix.length)), seconds: t.median }))
        .sort((a, b) => a.n - b.n);
      if (points.length === 0) return [];
      const fit = new Set(points.map((p) => p.n)).size >= 2 ? linearFit(points) : undefined;
      return [
        {
          cli: series.cli,
          base: series.base,
          points,
          ...(fit ? { perEnvironment: fit.perItem, fixed: fit.fixed } : {}),
        },
      ];
    }),
  };
}

export function renderText(data: BenchReport): string {
  const rows = data.tasks.map((t) => [
    t.label,
    formatSeconds(t.median),
    t.seconds.map((s) => s.toFixed(1)).join(' '),
    formatBytes(t.peak),
  ]);
  const load = data.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ');
  const out = [
    `npm run bench: ${data.runs} run(s) on ${data.machine.cpus} × ${data.machine.cpuModel}, ${formatBytes(data.machine.memoryBytes)}, load ${load} at start`,
    '',
    textTable([['task', 'median', 'runs (s)', 'peak memory'], ...rows], new Set([1, 3])),
  ];
  if (data.comparisons.length > 0) {
    out.push('', 'Project against floor (medians):');
    for (const c of data.comparisons) {
      out.push(
        `  ${c.label}: ${formatSeconds(c.project)} vs ${formatSeconds(c.floor)}: ${formatRatio(c.ratio)}, +${formatSeconds(c.project - c.floor)}`,
      );
    }
  }
  for (const s of data.scaling) {
    const points = s.points.map((p) => `${p.n} → ${formatSeconds(p.seconds)}`).join(', ');
    const fit =
      s.perEnvironment === undefined
        ? ''
        : `: +${formatSeconds(s.perEnvironment)} per added environment (fixed part ${formatSeconds(s.fixed ?? 0)})`;
    out.push('', `Scaling, ${s.cli} of copies of ${s.base}: ${points}${fit}`);
  }
  out.push(
    '',
    data.memoryMeasured
      ? 'Peak memory: the sum of RSS over the whole process tree, sampled every 100 ms from /proc.'
      : 'Peak memory: not measured (it is read from /proc, Linux only).',
  );
  return out.join('\n');
}

/** The README's tables, to paste between its `bench:begin` and `bench:end` markers. */
export function renderMarkdown(data: BenchReport): string {
  const byId = new Map(data.tasks.map((t) => [t.id, t]));
  const rows: string[][] = [];
  for (const c of COMPARISONS) {
    const project = byId.get(c.project);
    const floor = byId.get(c.floor);
    if (!project || !floor) continue;
    rows.push([
      c.label,
      formatSeconds(project.median),
      formatSeconds(floor.median),
      formatRatio(ratio(project.median, floor.median)),
      formatBytes(project.peak),
      formatBytes(floor.peak),
    ]);
  }
  const typecheck = byId.get('typecheck');
  if (typecheck) {
    rows.push([
      'type-check (tsc --noEmit)',
      formatSeconds(typecheck.median),
      '-',
      '-',
      formatBytes(typecheck.peak),
      '-',
    ]);
  }
  const m = data.machine;
  const out = [
    `_${data.runs} interleaved run(s), medians; ${m.cpus} × ${m.cpuModel}, ${formatBytes(m.memoryBytes)} RAM, Node.js ${m.node}; ${data.date.slice(0, 10)}._`,
  ];
  if (rows.length > 0) {
    out.push(
      '',
      markdownTable(
        ['task', 'project', 'floor', 'ratio', 'peak memory', 'floor memory'],
        rows,
        new Set([1, 2, 3, 4, 5]),
      ),
    );
  }
  if (data.scaling.length > 0) {
    const counts = [...new Set(data.scaling.flatMap((s) => s.points.map((p) => p.n)))].sort((a, b) => a - b);
    const header = ['environments', ...data.scaling.map((s) => `${s.cli} (copies of ${s.base})`)];
    const scaleRows = counts.map((n) => [
      String(n),
      ...data.scaling.map((s) => {
        const point = s.points.find((p) => p.n === n);
        return point ? formatSeconds(point.seconds) : '-';
      }),
    ]);
    scaleRows.push([
      'per added environment',
      ...data.scaling.map((s) => (s.perEnvironment === undefined ? '-' : `+${formatSeconds(s.perEnvironment)}`)),
    ]);
    out.push('', markdownTable(header, scaleRows, new Set(header.map((_, i) => i).slice(1))));
  }
  return out.join('\n');
}
