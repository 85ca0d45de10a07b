import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { assertValidEnvironments, cidrOverlaps, type PlatformEnvironment, parseCidr } from '../../lib/config';
import { buildReport, renderMarkdown, renderText, type TaskResult } from '../../scripts/lib/bench-report';
import { formatBytes, linearFit, median, ratio } from '../../scripts/lib/bench-stats';
import { withRemoved } from '../../scripts/lib/cleanup';
import { copyName, environmentCopies, MAX_COPY_NAME } from '../../scripts/lib/env-copies';
import { type ProcEntry, treeRssBytes } from '../../scripts/lib/process';
import { markdownTable, textTable } from '../../scripts/lib/table';

describe('bench arithmetic', () => {
  it('takes the median of odd and even counts, unsorted', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('throws when asked for the median of nothing', () => {
    expect(() => median([])).toThrow('median of no values');
  });

  it('gives the ratio to the floor, or nothing for a zero floor', () => {
    expect(ratio(30, 6)).toBe(5);
    expect(ratio(30, 0)).toBeUndefined();
  });

  it('fits the cost per added environment through 1, 3 and 10 environments', () => {
    // GIVEN 5 s fixed plus 2 s per environment
    const fit = linearFit([
      { n: 1, seconds: 7 },
      { n: 3, seconds: 11 },
      { n: 10, seconds: 25 },
    ]);
    expect(fit.perItem).toBeCloseTo(2);
    expect(fit.fixed).toBeCloseTo(5);
  });

  it('throws when a line has a single count', () => {
    expect(() => linearFit([{ n: 3, seconds: 1 }])).toThrow('at least two points');
    expect(() =>
      linearFit([
        { n: 3, seconds: 1 },
        { n: 3, seconds: 2 },
      ]),
    ).toThrow('two different counts');
  });

  it('sums the resident memory of a process and all its descendants, not its siblings', () => {
    const table: ProcEntry[] = [
      { pid: 10, ppid: 1, rssBytes: 100 },
      { pid: 11, ppid: 10, rssBytes: 20 },
      { pid: 12, ppid: 11, rssBytes: 3 },
      { pid: 13, ppid: 1, rssBytes: 5000 },
    ];
    expect(treeRssBytes(10, table)).toBe(123);
    expect(treeRssBytes(99, table)).toBeUndefined();
  });

  it('formats memory in MiB and GiB', () => {
    expect(formatBytes(512 * 2 ** 20)).toBe('512 MiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.00 GiB');
    expect(formatBytes(undefined)).toBe('n/a');
  });
});

describe('tables', () => {
  it('aligns text columns, numbers to the right', () => {
    expect(
      textTable(
        [
          ['task', 'median'],
          ['cdk synth', '31.2 s'],
          ['tsc', '9.0 s'],
        ],
        new Set([1]),
      ),
    ).toBe(['task       median', 'cdk synth  31.2 s', 'tsc         9.0 s'].join('\n'));
  });

  it('writes Markdown tables with right-aligned numbers and escaped pipes', () => {
    expect(markdownTable(['task', 'median'], [['a|b', '1 s']], new Set([1]))).toBe(
      ['| task | median |', '|---|---:|', '| a\\|b | 1 s |'].join('\n'),
    );
  });
});

describe('bench report', () => {
  const task = (id: string, seconds: number[], group: TaskResult['group'] = 'synth'): TaskResult => ({
    id,
    group,
    label: id,
    command: id,
    seconds,
    peakRssBytes: seconds.map((s) => s * 2 ** 20),
    exitCodes: seconds.map(() => 0),
  });
  const data = buildReport({
    results: [
      task('cdk-project', [30, 32, 31]),
      task('cdk-floor', [6, 5, 7]),
      task('typecheck', [9, 9, 9], 'typecheck'),
      task('scale-aws-1', [12, 12, 12], 'scale'),
      task('scale-aws-3', [18, 18, 18], 'scale'),
      task('scale-aws-10', [39, 39, 39], 'scale'),
    ],
    series: [
      { cli: 'cdk synth', base: 'staging', prefix: 'scale-aws-' },
      { cli: 'cdktf synth', base: 'az-staging', prefix: 'scale-azure-' },
    ],
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      memoryBytes: 8 * 2 ** 30,
      loadAverageAtStart: [0.1, 0.2, 0.3],
      platform: 'linux',
      node: 'v20',
    },
    runs: 3,
    date: '2026-01-02T03:04:05.000Z',
  });

  it('compares medians with the floor and derives the cost per environment', () => {
    expect(data.comparisons).toEqual([{ label: 'cdk synth', project: 31, floor: 6, ratio: 31 / 6 }]);
    expect(data.scaling).toHaveLength(1);
    expect(data.scaling[0]?.perEnvironment).toBeCloseTo(3);
    expect(data.scaling[0]?.fixed).toBeCloseTo(9);
    expect(data.tasks[0]?.peak).toBe(32 * 2 ** 20);
  });

  it('renders the README tables', () => {
    const md = renderMarkdown(data);
    expect(md).toContain('| cdk synth | 31.0 s | 6.0 s | 5.2× | 32 MiB | 7 MiB |');
    expect(md).toContain('| type-check (tsc --noEmit) | 9.0 s | - | - | 9 MiB | - |');
    expect(md).toContain('| environments | cdk synth (copies of staging) |');
    expect(md).toContain('| 10 | 39.0 s |');
    expect(md).toContain('| per added environment | +3.0 s |');
    expect(md).toContain('3 interleaved run(s), medians; 2 × Test CPU, 8.00 GiB RAM');
  });

  it('renders the text report with ratios and how memory was measured', () => {
    const text = renderText(data);
    expect(text).toContain('cdk synth: 31.0 s vs 6.0 s: 5.2×, +25.0 s');
    expect(text).toContain(
      'Scaling, cdk synth of copies of staging: 1 → 12.0 s, 3 → 18.0 s, 10 → 39.0 s: +3.0 s per added environment',
    );
    expect(text).toContain('sum of RSS over the whole process tree');
  });
});

describe('environment copies', () => {
  const shipped = (name: string) => environments.find((e) => e.name === name) as PlatformEnvironment;

  it.each(environments.map((e) => e.name))('gives 10 copies of %s that pass validation together', (name) => {
    const copies = environmentCopies(shipped(name), 10, environments);
    expect(() => assertValidEnvironments([...environments, ...copies])).not.toThrow();
  });

  it('gives every copy its own name, account or subscription and address space', () => {
    for (const base of [shipped('staging'), shipped('az-production')]) {
      const copies = environmentCopies(base, 10, environments);
      const owners = copies.map((c) => (c.target.cloud === 'aws' ? c.target.account : c.target.subscriptionId));
      expect(new Set(copies.map((c) => c.name)).size).toBe(10);
      expect(
        new Set([...owners, base.target.cloud === 'aws' ? base.target.account : base.target.subscriptionId]).size,
      ).toBe(11);
      // Each copy's range overlaps no other copy and no listed environment (the listed ones are
      // the user's business).
      const listed = environments.map((e) => parseCidr(e.network.cidr));
      const copied = copies.map((e) => parseCidr(e.network.cidr));
      copied.forEach((a, i) => {
        for (const b of [...listed, ...copied.slice(i + 1)]) expect(cidrOverlaps(a as never, b as never)).toBe(false);
      });
    }
  });

  it('shortens long names to fit the key vault name rule', () => {
    expect(copyName('az-production', 10)).toBe('az-producti-10');
    expect(copyName('az-production', 10).length).toBeLessThanOrEqual(MAX_COPY_NAME);
    expect(copyName('staging', 3)).toBe('staging-3');
  });

  it('throws when asked for no copies', () => {
    expect(() => environmentCopies(shipped('staging'), 0)).toThrow('copies: 0 is not 1-999');
  });
});

describe('cleanup', () => {
  it('removes the folder when the work throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cleanup-'));
    writeFileSync(join(dir, 'file'), 'x');
    await expect(
      withRemoved(dir, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(existsSync(dir)).toBe(false);
  });
});
