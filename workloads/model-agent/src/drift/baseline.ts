/**
 * The training baseline of a model version: what the drift job compares live inputs with.
 * Written by the training pipeline next to the model, at
 * `<models zone>/<model>/<version>/baseline.json`; the format is documented in
 * docs/operations.md.
 */

export interface NumericFeature {
  readonly type: 'numeric';
  /**
   * Quantile bins of the training values: `edges` are the k-1 inner cut points, increasing, and
   * `proportions` the k training shares; bin i holds edges[i-1] < x <= edges[i].
   */
  readonly bins: { readonly edges: readonly number[]; readonly proportions: readonly number[] };
  /** A uniform random sample (reservoir) of training values for the KS test; 1,000 recommended. */
  readonly sample: readonly number[];
  readonly median: number;
  /** Median absolute deviation from the median. */
  readonly mad: number;
  /** Mean absolute deviation from the median: the outlier scale when `mad` is 0. */
  readonly meanAbsDeviation?: number;
}

export interface CategoricalFeature {
  readonly type: 'categorical';
  /** Training share of each category; the rest (1 - sum) is the share of all other values. */
  readonly proportions: Readonly<Record<string, number>>;
}

export type FeatureBaseline = NumericFeature | CategoricalFeature;

export interface Baseline {
  readonly schemaVersion: 1;
  readonly model?: string;
  readonly version?: string;
  readonly createdAt?: string;
  /** Training rows the statistics come from. */
  readonly rows?: number;
  readonly features: Readonly<Record<string, FeatureBaseline>>;
}

/** Shares may be rounded when written: they must sum to 1 within this. */
const SUM_TOLERANCE = 0.01;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Checks a parsed baseline document; throws naming the first problem's path. */
export function parseBaseline(document: unknown, where: string): Baseline {
  const fail = (path: string, problem: string): never => {
    throw new Error(`${where}: ${path} ${problem}`);
  };
  if (!isObject(document)) return fail('(root)', 'is not a JSON object');
  if (document.schemaVersion !== 1) fail('schemaVersion', `is ${JSON.stringify(document.schemaVersion)}, must be 1`);
  if (!isObject(document.features) || Object.keys(document.features).length === 0) {
    fail('features', 'must be an object with at least one feature');
  }
  for (const [name, feature] of Object.entries(document.features as Record<string, unknown>)) {
    const path = `features.${name}`;
    if (!isObject(feature)) {
      fail(path, 'is not an object');
      continue;
    }
    if (feature.type === 'numeric') {
      const bins = feature.bins;
      if (!isObject(bins) || !Array.isArray(bins.edges) || !Array.isArray(bins.proportions)) {
        fail(`${path}.bins`, 'must have edges and proportions arrays');
        continue;
      }
      const edges = bins.edges as unknown[];
      const proportions = bins.proportions as unknown[];
      if (!edges.every(isFiniteNumber)) fail(`${path}.bins.edges`, 'must be finite numbers');
      for (let i = 1; i < edges.length; i++) {
        if ((edges[i] as number) <= (edges[i - 1] as number))
          fail(`${path}.bins.edges`, `are not increasing at index ${i}`);
      }
      if (proportions.length !== edges.length + 1) {
        fail(`${path}.bins.proportions`, `has ${proportions.length} values, must have edges + 1 (${edges.length + 1})`);
      }
      checkShares(proportions, `${path}.bins.proportions`, fail, true);
      if (!Array.isArray(feature.sample) || feature.sample.length === 0 || !feature.sample.every(isFiniteNumber)) {
        fail(`${path}.sample`, 'must be a non-empty array of finite numbers');
      }
      if (!isFiniteNumber(feature.median)) fail(`${path}.median`, 'must be a finite number');
      if (!isFiniteNumber(feature.mad) || feature.mad < 0) fail(`${path}.mad`, 'must be a number >= 0');
      if (
        feature.meanAbsDeviation !== undefined &&
        (!isFiniteNumber(feature.meanAbsDeviation) || feature.meanAbsDeviation < 0)
      ) {
        fail(`${path}.meanAbsDeviation`, 'must be a number >= 0');
      }
    } else if (feature.type === 'categorical') {
      if (!isObject(feature.proportions) || Object.keys(feature.proportions).length === 0) {
        fail(`${path}.proportions`, 'must be an object with at least one category');
      }
      checkShares(Object.values(feature.proportions as object), `${path}.proportions`, fail, false);
    } else {
      fail(`${path}.type`, `is ${JSON.stringify(feature.type)}, must be numeric or categorical`);
    }
  }
  return document as unknown as Baseline;
}

function checkShares(
  values: readonly unknown[],
  path: string,
  fail: (path: string, problem: string) => never,
  complete: boolean,
): void {
  if (!values.every((value) => isFiniteNumber(value) && value >= 0 && value <= 1)) {
    fail(path, 'must be numbers from 0 to 1');
  }
  const sum = (values as number[]).reduce((total, value) => total + value, 0);
  if (complete ? Math.abs(sum - 1) > SUM_TOLERANCE : sum > 1 + SUM_TOLERANCE) {
    fail(path, `sum to ${sum.toFixed(4)}, must sum to ${complete ? '1' : 'at most 1'}`);
  }
}
