/**
 * Drift and outlier statistics, pure: no I/O, no clock, no randomness.
 *
 * - Population stability index (PSI): sum over bins of (a - e) * ln(a / e), where e is the
 *   baseline's share of a bin and a the window's; an empty bin counts as `PSI_EPSILON` so the
 *   logarithm stays finite. Numeric features use the baseline's quantile bins; categorical ones
 *   the baseline's categories plus an "other" bucket for anything the baseline never saw.
 * - Two-sample Kolmogorov-Smirnov statistic (numeric): the largest distance between the empirical
 *   distribution functions of the window and of the baseline's reservoir sample.
 * - Outliers: a value is an outlier when its robust z-score |x - median| / (1.4826 * MAD) exceeds
 *   the threshold (1.4826 * MAD estimates the standard deviation of normal data); a row is an
 *   outlier when any numeric feature is. When MAD is 0 (more than half the training values equal
 *   the median) the scale is 1.253314 * mean absolute deviation, if the baseline has one
 *   (Iglewicz and Hoaglin); when that is 0 too, the feature takes no part in outlier detection.
 */
import type { Baseline, CategoricalFeature, NumericFeature } from './baseline';

/** Stands in for an empty bin's share. */
export const PSI_EPSILON = 1e-4;

/**
 * Rows a window needs before any statistic is computed, and values a feature needs before its
 * own: with 500 window values against a 1,000-value reservoir, the KS statistic of two samples of
 * one distribution exceeds 0.1 (the default threshold) with probability about 0.25 %, and the PSI
 * of 10 bins stays near (bins - 1) / n ≈ 0.02, far below 0.2.
 */
export const MIN_WINDOW_ROWS = 500;

/** MAD to standard deviation, for normal data. */
export const MAD_SCALE = 1.4826;
/** Mean absolute deviation to standard deviation, for normal data (sqrt(pi / 2)). */
export const MEAN_AD_SCALE = 1.253314;

/** A feature vector: feature name to value. */
export type Row = Readonly<Record<string, unknown>>;

/**
 * Index of the bin of `x` among `edges.length + 1` bins: bin 0 is (-inf, edges[0]], bin i is
 * (edges[i-1], edges[i]], the last is (edges[last], +inf). Same as numpy's
 * `searchsorted(edges, x, side='left')`.
 */
export function binIndex(edges: readonly number[], x: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] as number) < x) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** PSI of two share vectors of the same bins. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error(`PSI of ${expected.length} and ${actual.length} bins`);
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i] as number, PSI_EPSILON);
    const a = Math.max(actual[i] as number, PSI_EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Shares of `values` in the baseline's bins. */
export function binShares(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) (counts[binIndex(edges, value)] as number)++;
  return counts.map((count) => (values.length === 0 ? 0 : count / values.length));
}

export function numericPsi(feature: NumericFeature, values: readonly number[]): number {
  return psi(feature.bins.proportions, binShares(feature.bins.edges, values));
}

/** Name of the bucket of categories the baseline does not list. */
export const OTHER_CATEGORY = '__other__';

export function categoricalPsi(feature: CategoricalFeature, values: readonly string[]): number {
  const categories = Object.keys(feature.proportions);
  const index = new Map(categories.map((category, i) => [category, i]));
  const counts = new Array<number>(categories.length + 1).fill(0);
  for (const value of values) (counts[index.get(value) ?? categories.length] as number)++;
  const listed = categories.reduce((sum, category) => sum + (feature.proportions[category] as number), 0);
  const expected = [...categories.map((category) => feature.proportions[category] as number), Math.max(0, 1 - listed)];
  return psi(
    expected,
    counts.map((count) => count / values.length),
  );
}

/** Two-sample Kolmogorov-Smirnov statistic D = sup |F_a(x) - F_b(x)|; 0 when either is empty. */
export function ksStatistic(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    // Step past every copy of v in both samples: ties move both functions at once.
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** The robust scale of a numeric feature, or undefined when it has none (constant in training). */
export function robustScale(feature: NumericFeature): number | undefined {
  if (feature.mad > 0) return MAD_SCALE * feature.mad;
  if (feature.meanAbsDeviation !== undefined && feature.meanAbsDeviation > 0) {
    return MEAN_AD_SCALE * feature.meanAbsDeviation;
  }
  return undefined;
}

export function robustZ(x: number, median: number, scale: number): number {
  return Math.abs(x - median) / scale;
}

export interface Thresholds {
  readonly psi: number;
  readonly ks: number;
  readonly outlierZScore: number;
  readonly outlierRatePercent: number;
  /** @default MIN_WINDOW_ROWS */
  readonly minRows?: number;
}

export interface FeatureResult {
  readonly feature: string;
  readonly type: 'numeric' | 'categorical';
  /** Window values of the feature. */
  readonly count: number;
  readonly psi: number;
  /** Numeric features only. */
  readonly ks?: number;
  readonly drifted: boolean;
}

export type DriftReport =
  | { readonly skipped: true; readonly rows: number; readonly reason: string }
  | {
      readonly skipped: false;
      readonly rows: number;
      readonly features: readonly FeatureResult[];
      /** Features with too few window values, with their counts. */
      readonly skippedFeatures: readonly { readonly feature: string; readonly count: number }[];
      readonly driftedFeatures: readonly string[];
      readonly outliers: {
        /** Rows with at least one numeric value that has a robust scale. */
        readonly evaluatedRows: number;
        readonly outlierRows: number;
        readonly percent: number;
        readonly alarm: boolean;
      };
    };

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Compares a window of rows with a baseline. */
export function analyse(baseline: Baseline, rows: readonly Row[], thresholds: Thresholds): DriftReport {
  const minRows = thresholds.minRows ?? MIN_WINDOW_ROWS;
  if (rows.length < minRows) {
    return { skipped: true, rows: rows.length, reason: `${rows.length} rows in the window, fewer than ${minRows}` };
  }
  const features: FeatureResult[] = [];
  const skippedFeatures: { feature: string; count: number }[] = [];
  for (const [name, feature] of Object.entries(baseline.features)) {
    if (feature.type === 'numeric') {
      const values = rows.map((row) => row[name]).filter(isNumber);
      if (values.length < minRows) {
        skippedFeatures.push({ feature: name, count: values.length });
        continue;
      }
      const featurePsi = numericPsi(feature, values);
      const ks = ksStatistic(values, feature.sample);
      features.push({
        feature: name,
        type: 'numeric',
        count: values.length,
        psi: featurePsi,
        ks,
        drifted: featurePsi >= thresholds.psi || ks >= thresholds.ks,
      });
    } else {
      const values = rows
        .map((row) => row[name])
        .filter((value) => typeof value === 'string' || typeof value === 'boolean' || isNumber(value))
        .map(String);
      if (values.length < minRows) {
        skippedFeatures.push({ feature: name, count: values.length });
        continue;
      }
      const featurePsi = categoricalPsi(feature, values);
      features.push({
        feature: name,
        type: 'categorical',
        count: values.length,
        psi: featurePsi,
        drifted: featurePsi >= thresholds.psi,
      });
    }
  }

  const scored = Object.entries(baseline.features).flatMap(([name, feature]) => {
    if (feature.type !== 'numeric') return [];
    const scale = robustScale(feature);
    return scale === undefined ? [] : [{ name, median: feature.median, scale }];
  });
  let evaluatedRows = 0;
  let outlierRows = 0;
  for (const row of rows) {
    let evaluated = false;
    let outlier = false;
    for (const feature of scored) {
      const value = row[feature.name];
      if (!isNumber(value)) continue;
      evaluated = true;
      if (robustZ(value, feature.median, feature.scale) > thresholds.outlierZScore) {
        outlier = true;
        break;
      }
    }
    if (evaluated) evaluatedRows++;
    if (outlier) outlierRows++;
  }
  const percent = evaluatedRows === 0 ? 0 : (outlierRows / evaluatedRows) * 100;
  return {
    skipped: false,
    rows: rows.length,
    features,
    skippedFeatures,
    driftedFeatures: features.filter((feature) => feature.drifted).map((feature) => feature.feature),
    outliers: {
      evaluatedRows,
      outlierRows,
      percent,
      alarm: evaluatedRows > 0 && percent >= thresholds.outlierRatePercent,
    },
  };
}
