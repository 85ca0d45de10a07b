import { describe, expect, it } from 'vitest';
import { type Baseline, type NumericFeature, parseBaseline } from '../../workloads/model-agent/src/drift/baseline';
import {
  analyse,
  binIndex,
  binShares,
  categoricalPsi,
  ksStatistic,
  MIN_WINDOW_ROWS,
  numericPsi,
  PSI_EPSILON,
  psi,
  type Row,
  robustScale,
} from '../../workloads/model-agent/src/drift/stats';
import { normals, seededRandom } from './helpers';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** A numeric baseline as a training pipeline would write it: deciles, a 1,000-value reservoir, median and MAD. */
function numericBaseline(training: readonly number[], random: () => number): NumericFeature {
  const sorted = [...training].sort((a, b) => a - b);
  const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => sorted[Math.floor((d / 10) * sorted.length)] as number);
  const m = median(training);
  const sample = [...training].sort(() => random() - 0.5).slice(0, 1000);
  return {
    type: 'numeric',
    bins: { edges, proportions: binShares(edges, training) },
    sample,
    median: m,
    mad: median(training.map((x) => Math.abs(x - m))),
  };
}

const thresholds = { psi: 0.2, ks: 0.1, outlierZScore: 3.5, outlierRatePercent: 5 };

function baselineOf(features: Baseline['features']): Baseline {
  return { schemaVersion: 1, features };
}

const rows = (name: string, values: readonly unknown[]): Row[] => values.map((value) => ({ [name]: value }));

describe('drift statistics: building blocks', () => {
  it('puts a value in the bin whose upper edge is the first at or above it', () => {
    const edges = [0, 10, 20];
    expect([-5, 0, 0.1, 10, 15, 20, 25].map((x) => binIndex(edges, x))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('computes PSI as sum (a - e) ln(a / e), an empty bin counting as epsilon', () => {
    expect(psi([0.5, 0.5], [0.5, 0.5])).toBe(0);
    // (0.7 - 0.5) ln(0.7 / 0.5) + (0.3 - 0.5) ln(0.3 / 0.5)
    expect(psi([0.5, 0.5], [0.7, 0.3])).toBeCloseTo(0.2 * Math.log(1.4) + -0.2 * Math.log(0.6), 12);
    expect(psi([0.5, 0.5], [1, 0])).toBeCloseTo(
      0.5 * Math.log(2) + (PSI_EPSILON - 0.5) * Math.log(PSI_EPSILON / 0.5),
      12,
    );
    expect(Number.isFinite(psi([0, 1], [1, 0]))).toBe(true);
  });

  it('computes the two-sample KS statistic, ties included', () => {
    expect(ksStatistic([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(ksStatistic([1, 2, 3], [4, 5, 6])).toBe(1);
    // F_a jumps to 1 at 1; F_b reaches 1/2 at 1 and 1 at 2.
    expect(ksStatistic([1, 1], [1, 2])).toBe(0.5);
    // Identical samples with repeated values: both functions step together at every value.
    expect(ksStatistic([1, 1, 2], [2, 1, 1])).toBe(0);
    expect(ksStatistic([0, 1, 1], [1, 1, 2])).toBeCloseTo(1 / 3, 12);
    expect(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6])).toBe(0.5);
    expect(ksStatistic([], [1])).toBe(0);
  });

  it('computes categorical PSI with an "other" bucket for categories the baseline never saw', () => {
    const feature = { type: 'categorical', proportions: { basic: 0.6, pro: 0.4 } } as const;
    expect(categoricalPsi(feature, [...Array(6).fill('basic'), ...Array(4).fill('pro')])).toBeCloseTo(0, 12);
    const withNew = categoricalPsi(feature, [
      ...Array(5).fill('basic'),
      ...Array(3).fill('pro'),
      ...Array(2).fill('team'),
    ]);
    const expected =
      (0.5 - 0.6) * Math.log(0.5 / 0.6) +
      (0.3 - 0.4) * Math.log(0.3 / 0.4) +
      (0.2 - PSI_EPSILON) * Math.log(0.2 / PSI_EPSILON);
    expect(withNew).toBeCloseTo(expected, 12);
  });

  it('scales outliers by 1.4826 MAD, by 1.253314 mean absolute deviation when MAD is 0, else not at all', () => {
    const base = { type: 'numeric', bins: { edges: [], proportions: [1] }, sample: [0], median: 0 } as const;
    expect(robustScale({ ...base, mad: 2 })).toBeCloseTo(2.9652, 10);
    expect(robustScale({ ...base, mad: 0, meanAbsDeviation: 0.1 })).toBeCloseTo(0.1253314, 10);
    expect(robustScale({ ...base, mad: 0 })).toBeUndefined();
  });
});

describe('drift statistics: generated windows', () => {
  const random = seededRandom(20250301);
  const training = normals(random, 20_000, 50, 10);
  const age = numericBaseline(training, random);
  const baseline = baselineOf({ age });

  it('does not flag a window from the training distribution', () => {
    const window = rows('age', normals(random, 2_000, 50, 10));
    const report = analyse(baseline, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    const [result] = report.features;
    expect(result?.psi).toBeLessThan(0.05);
    expect(result?.ks).toBeLessThan(0.06);
    expect(report.driftedFeatures).toEqual([]);
    // Normal data beyond 3.5 robust z: about 0.05 %.
    expect(report.outliers.percent).toBeLessThan(0.5);
    expect(report.outliers.alarm).toBe(false);
  });

  it('flags a window shifted by half a standard deviation, by PSI and by KS', () => {
    const window = rows('age', normals(random, 2_000, 55, 10));
    const report = analyse(baseline, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    const [result] = report.features;
    expect(result?.psi).toBeGreaterThan(0.2);
    expect(result?.ks).toBeGreaterThan(0.15);
    expect(report.driftedFeatures).toEqual(['age']);
  });

  it('flags a change of spread that leaves the mean alone', () => {
    const window = rows('age', normals(random, 2_000, 50, 20));
    const report = analyse(baseline, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    expect(report.driftedFeatures).toEqual(['age']);
  });

  it('counts injected outliers: 8 % of rows far out give an outlier rate near 8 % and an alarm', () => {
    const values = normals(random, 2_000, 50, 10).map((value, i) => (i % 25 < 2 ? 50 + 80 * (i % 2 ? 1 : -1) : value));
    const report = analyse(baseline, rows('age', values), thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    expect(report.outliers.evaluatedRows).toBe(2_000);
    expect(report.outliers.outlierRows).toBeGreaterThanOrEqual(160);
    expect(report.outliers.outlierRows).toBeLessThan(170);
    expect(report.outliers.percent).toBeCloseTo(8, 0);
    expect(report.outliers.alarm).toBe(true);
  });

  it('counts a row once when several of its features are outlying', () => {
    const two = baselineOf({ a: age, b: age });
    const window = normals(random, 1_000, 50, 10).map((value, i) =>
      i < 10 ? { a: 500, b: 500 } : { a: value, b: value },
    );
    const report = analyse(two, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    expect(report.outliers.outlierRows).toBeGreaterThanOrEqual(10);
    expect(report.outliers.outlierRows).toBeLessThan(13);
  });

  it('skips an empty window and a tiny one, saying why', () => {
    expect(analyse(baseline, [], thresholds)).toEqual({
      skipped: true,
      rows: 0,
      reason: `0 rows in the window, fewer than ${MIN_WINDOW_ROWS}`,
    });
    const tiny = analyse(baseline, rows('age', normals(random, MIN_WINDOW_ROWS - 1, 80, 1)), thresholds);
    expect(tiny.skipped).toBe(true);
    expect(analyse(baseline, rows('age', normals(random, MIN_WINDOW_ROWS, 50, 10)), thresholds).skipped).toBe(false);
  });

  it('skips a feature with too few values while judging the others', () => {
    const two = baselineOf({ age, income: age });
    const window = normals(random, 1_000, 50, 10).map((value, i) =>
      i < 100 ? { age: value, income: value } : { age: value },
    );
    const report = analyse(two, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    expect(report.features.map((feature) => feature.feature)).toEqual(['age']);
    expect(report.skippedFeatures).toEqual([{ feature: 'income', count: 100 }]);
  });

  it('flags categorical drift, including a category the baseline never saw', () => {
    const plan = { type: 'categorical', proportions: { basic: 0.6, pro: 0.3, team: 0.1 } } as const;
    const draw = (shares: readonly [string, number][]) => {
      const r = random();
      let total = 0;
      for (const [category, share] of shares) {
        total += share;
        if (r < total) return category;
      }
      return shares.at(-1)?.[0] as string;
    };
    const same = Array.from({ length: 2_000 }, () => ({
      plan: draw([
        ['basic', 0.6],
        ['pro', 0.3],
        ['team', 0.1],
      ]),
    }));
    const shifted = Array.from({ length: 2_000 }, () => ({
      plan: draw([
        ['basic', 0.4],
        ['pro', 0.3],
        ['team', 0.1],
        ['enterprise', 0.2],
      ]),
    }));
    const sameReport = analyse(baselineOf({ plan }), same, thresholds);
    const shiftedReport = analyse(baselineOf({ plan }), shifted, thresholds);
    if (sameReport.skipped || shiftedReport.skipped) throw new Error('not expected to skip');
    expect(sameReport.features[0]?.psi).toBeLessThan(0.02);
    expect(sameReport.driftedFeatures).toEqual([]);
    expect(shiftedReport.features[0]?.psi).toBeGreaterThan(0.5);
    expect(shiftedReport.features[0]?.ks).toBeUndefined();
    expect(shiftedReport.driftedFeatures).toEqual(['plan']);
  });

  it('handles MAD = 0: mean absolute deviation as the scale, or no outlier test for a constant feature', () => {
    // 70 % zeros: the median and the MAD are 0.
    const zeros = (count: number) => Array.from({ length: count }, (_, i) => (i % 10 < 7 ? 0 : 1 + (i % 3)));
    const trainingZeros = zeros(10_000);
    const meanAd = trainingZeros.reduce((sum, x) => sum + Math.abs(x), 0) / trainingZeros.length;
    const sparse = { ...numericBaseline(trainingZeros, random), median: 0, mad: 0 };
    expect(median(trainingZeros.map((x) => Math.abs(x)))).toBe(0);

    const window = zeros(1_000).map((value, i) => (i < 20 ? 100 : value));
    const withMeanAd = analyse(
      baselineOf({ sparse: { ...sparse, meanAbsDeviation: meanAd } }),
      rows('sparse', window),
      thresholds,
    );
    const withoutScale = analyse(baselineOf({ sparse }), rows('sparse', window), thresholds);
    if (withMeanAd.skipped || withoutScale.skipped) throw new Error('not expected to skip');
    // Scale 1.253314 * 0.6 ≈ 0.75: values up to 3 have z ≈ 4 and count too, as do the 20 at 100.
    expect(withMeanAd.outliers.outlierRows).toBeGreaterThanOrEqual(20);
    expect(Number.isFinite(withMeanAd.outliers.percent)).toBe(true);
    // Without any scale the feature takes no part: no row is evaluated, no alarm, no division by zero.
    expect(withoutScale.outliers).toEqual({ evaluatedRows: 0, outlierRows: 0, percent: 0, alarm: false });
  });

  it('ignores values of the wrong type for a feature', () => {
    const window = normals(random, 600, 50, 10).map((value, i) => ({ age: i % 2 ? value : String(value) }));
    const report = analyse(baseline, window, thresholds);
    if (report.skipped) throw new Error('not expected to skip');
    expect(report.skippedFeatures).toEqual([{ feature: 'age', count: 300 }]);
  });

  it('measures PSI against the baseline bins, not bins of its own', () => {
    const shares = binShares(age.bins.edges, normals(random, 5_000, 50, 10));
    for (const share of shares) expect(share).toBeCloseTo(0.1, 1);
    expect(numericPsi(age, normals(random, 5_000, 50, 10))).toBeLessThan(0.02);
  });
});

describe('drift baseline documents', () => {
  const valid = {
    schemaVersion: 1,
    features: {
      age: {
        type: 'numeric',
        bins: { edges: [30, 50], proportions: [0.3, 0.4, 0.3] },
        sample: [20, 40, 60],
        median: 41,
        mad: 9,
      },
      plan: { type: 'categorical', proportions: { basic: 0.7, pro: 0.25 } },
    },
  };
  const at = (change: (draft: typeof valid & Record<string, unknown>) => void) => {
    const draft = structuredClone(valid) as typeof valid & Record<string, unknown>;
    change(draft);
    return draft;
  };

  it('accepts a valid baseline', () => {
    expect(parseBaseline(valid, 'baseline.json').features.age?.type).toBe('numeric');
  });

  it.each([
    ['the schema version is not 1', at((d) => Object.assign(d, { schemaVersion: 2 })), 'schemaVersion'],
    ['there are no features', at((d) => Object.assign(d, { features: {} })), 'features'],
    [
      'edges do not increase',
      at((d) => Object.assign(d.features.age.bins, { edges: [50, 30] })),
      'features.age.bins.edges',
    ],
    [
      'proportions do not match the edges',
      at((d) => Object.assign(d.features.age.bins, { proportions: [0.5, 0.5] })),
      'features.age.bins.proportions',
    ],
    [
      'numeric proportions do not sum to 1',
      at((d) => Object.assign(d.features.age.bins, { proportions: [0.3, 0.3, 0.3] })),
      'sum to 0.9000',
    ],
    ['the sample is empty', at((d) => Object.assign(d.features.age, { sample: [] })), 'features.age.sample'],
    ['the MAD is negative', at((d) => Object.assign(d.features.age, { mad: -1 })), 'features.age.mad'],
    [
      'categorical shares sum over 1',
      at((d) => Object.assign(d.features.plan, { proportions: { a: 0.8, b: 0.5 } })),
      'features.plan.proportions',
    ],
    ['a type is unknown', at((d) => Object.assign(d.features.plan, { type: 'text' })), 'features.plan.type'],
  ])('throws when %s', (_case, document, message) => {
    expect(() => parseBaseline(document, 'baseline.json')).toThrow(message);
  });
});
