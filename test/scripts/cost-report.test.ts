import { describe, expect, it } from 'vitest';
import type { AwsEnvironment, AzureEnvironment } from '../../lib/config';
import { buildReport } from '../../lib/report';
import { costFigures, costNotes, outputName, type ProjectVersion, rangeCell } from '../../scripts/lib/cost-report';
import { renderMarkdown, renderText } from '../../scripts/lib/diff-render';
import type { Snapshot } from '../../scripts/lib/infra-diff';
import { renderSummary } from '../../scripts/lib/synth-summary';
import {
  awsOutputFor,
  azureOutputFor,
  firstPool,
  TEST_PRICES,
  TEST_VOLUMES,
  tinyAws,
  tinyAzure,
} from '../report/fixtures';
import { vary } from '../util';

const options = { ...TEST_VOLUMES, prices: TEST_PRICES };

/** A project version as npm run synth would leave it: the environments and their output by stage / stack name. */
function version(aws: readonly AwsEnvironment[], azure: readonly AzureEnvironment[]): ProjectVersion {
  const snapshot: Snapshot = {
    aws: Object.fromEntries(aws.map((e) => [outputName(e), awsOutputFor(e).templates as never])),
    azure: Object.fromEntries(azure.map((e) => [outputName(e), azureOutputFor(e).terraform as never])),
  };
  return { environments: [...aws, ...azure], snapshot };
}

describe('cost change in npm run diff', () => {
  const base = version([tinyAws], [tinyAzure]);

  it('names the environment by its stage or stack, with the cause of the change', () => {
    // GIVEN the AWS environment's GPU pool doubles its maximum
    const bigger = vary(tinyAws, (d) => {
      firstPool(d).maxNodes = 8;
    });
    const notes = costNotes(base, version([bigger], [tinyAzure]), options);
    // THEN its stage carries the change (4 more spot g6.xlarge at $1.00/h × 730 h × 40%), the unchanged Azure stack nothing
    expect([...notes]).toEqual([['Tiny', ['tiny ceiling +$1,168/month: gpu pool infer maxNodes 4 -> 8']]]);
  });

  it('reports an added environment with its whole cost, and nothing when no estimate moves', () => {
    const added = costNotes(version([tinyAws], []), base, options);
    expect([...added.keys()]).toEqual(['az-tiny']);
    expect(added.get('az-tiny')?.[0]).toMatch(
      /^az-tiny new environment: floor \+\$[\d,.]+\/month, ceiling \+\$[\d,.]+\/month$/,
    );
    expect(costNotes(base, base, options).size).toBe(0);
  });

  it('prints the change under the environment and, in the pull request summary, above the details', () => {
    const notes = new Map([['Tiny', ['tiny ceiling +$1,168/month: gpu pool infer maxNodes 4 -> 8']]]);
    const diffs = [{ environment: 'Tiny', cloud: 'aws' as const, changes: [] }];
    expect(renderText(diffs, { base: 'main', notes })).toContain(
      'Tiny (aws): no changes\n  tiny ceiling +$1,168/month: gpu pool infer maxNodes 4 -> 8',
    );
    const markdown = renderMarkdown(diffs, { base: 'main', notes });
    const summary = markdown.indexOf('**Monthly cost estimate:**\n\n- tiny ceiling +$1,168/month');
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(markdown.indexOf('<details>'));
  });
});

describe('cost figures in npm run synth', () => {
  it('puts floor to ceiling on the environment line and counts the budget warning with its warnings', () => {
    // GIVEN a budget below the ceiling
    const env = vary(tinyAws, (d) => {
      d.monitoring.monthlyBudgetUsd = 100;
    });
    const report = buildReport(env, awsOutputFor(env), options);
    const figures = costFigures([report]);
    expect(figures.get('Tiny')?.range).toBe(rangeCell(report.estimate));
    expect(rangeCell(report.estimate)).toMatch(/^\$[\d,]+-\$[\d,]+$/);
    const line = {
      name: 'Tiny',
      cloud: 'aws' as const,
      target: '1/eu-west-1',
      stacks: 1,
      resources: 9,
      findings: [],
      output: 'x',
    };
    const text = renderSummary(
      { lines: [line], records: [], duplicates: [] },
      { checkSeconds: 0.5, timings: [], totalSeconds: 1 },
      { figures, outdir: 'reports' },
    );
    // THEN the line has the range and one warning, printed below it
    expect(text).toMatch(/\$\/month/);
    expect(text).toContain(`1  ${rangeCell(report.estimate)}`);
    expect(text).toContain('warning Tiny: tiny: the estimated ceiling');
    expect(text).toContain('exceeds monitoring.monthlyBudgetUsd ($100.00)');
    expect(text).toContain('diagrams and itemised estimates in reports/<environment>/');
  });
});
