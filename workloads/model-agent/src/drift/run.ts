/**
 * `drift` mode: compares the last `windowHours` of captured requests of one model version with
 * the version's training baseline, publishes the statistics as metrics and, when a feature has
 * drifted or too many requests are outliers, one "Model Drift Detected" event that a retraining
 * pipeline can subscribe to.
 */
import type { DriftSettings } from '../../../../lib/config/agent';
import { errorMessage, type Logger } from '../log';
import type { EventPublisher, MetricDatum, MetricsPublisher } from '../publish';
import { folder, joinKey, type Location } from '../storage';
import { mapConcurrent } from '../util';
import { type Baseline, parseBaseline } from './baseline';
import { extractRows } from './features';
import { analyse, type DriftReport, MIN_WINDOW_ROWS, type Row } from './stats';

/** Rows kept from one window (a uniform sample beyond it), which bounds the job's memory. */
export const MAX_WINDOW_ROWS = 200_000;
/** Capture files read at once. */
const READ_CONCURRENCY = 8;
const HOUR_MS = 3_600_000;

export interface DriftDeps {
  readonly capture: Location;
  /** The models zone: baselines are at `<model>/<version>/baseline.json` in it. */
  readonly baselines: Location;
  readonly metrics: MetricsPublisher;
  readonly events: EventPublisher;
  readonly log: Logger;
  /** @default - the wall clock */
  readonly now?: () => Date;
  /** Reservoir sampling beyond `maxRows`. @default Math.random */
  readonly random?: () => number;
  /** @default MAX_WINDOW_ROWS */
  readonly maxRows?: number;
  /** @default MIN_WINDOW_ROWS */
  readonly minRows?: number;
}

/** The `detail` of the EventBridge event and the `data` of the CloudEvent, documented in docs/operations.md. */
export interface DriftEventDetail {
  readonly environment: string;
  readonly model: string;
  readonly version: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly capturedRecords: number;
  readonly rows: number;
  readonly reasons: readonly ('feature-drift' | 'outlier-rate')[];
  readonly driftedFeatures: readonly {
    readonly feature: string;
    readonly type: string;
    readonly psi: number;
    readonly ks?: number;
  }[];
  readonly outlierRatePercent: number;
  readonly thresholds: {
    readonly psi: number;
    readonly ks: number;
    readonly outlierZScore: number;
    readonly outlierRatePercent: number;
  };
  readonly baseline: string;
}

export interface DriftOutcome {
  readonly capturedRecords: number;
  readonly report: DriftReport;
  readonly event?: DriftEventDetail;
}

/** Where a version's baseline lives in the models zone. */
export function baselinePath(model: string, version: string): string {
  return `${model}/${version}/baseline.json`;
}

/** The capture partitions (hour folders) that overlap [start, end). */
export function windowPartitions(prefix: string, model: string, version: string, start: Date, end: Date): string[] {
  const folders: string[] = [];
  for (let t = Math.floor(start.getTime() / HOUR_MS) * HOUR_MS; t < end.getTime(); t += HOUR_MS) {
    const iso = new Date(t).toISOString();
    folders.push(
      folder(
        joinKey(
          prefix,
          `model=${model}`,
          `version=${version}`,
          `date=${iso.slice(0, 10)}`,
          `hour=${iso.slice(11, 13)}`,
        ),
      ),
    );
  }
  return folders;
}

export async function runDrift(settings: DriftSettings, deps: DriftDeps): Promise<DriftOutcome> {
  const log = deps.log;
  const end = (deps.now ?? (() => new Date()))();
  const start = new Date(end.getTime() - settings.windowHours * HOUR_MS);
  const random = deps.random ?? Math.random;
  const maxRows = deps.maxRows ?? MAX_WINDOW_ROWS;

  const baselineKey = joinKey(deps.baselines.prefix, baselinePath(settings.model, settings.version));
  const baselineUri = deps.baselines.store.uri(baselineKey);
  const text = await deps.baselines.store.get(baselineKey);
  if (text === undefined) throw new Error(`no training baseline at ${baselineUri}`);
  let baseline: Baseline;
  try {
    baseline = parseBaseline(JSON.parse(text), baselineUri);
  } catch (error) {
    throw new Error(`cannot read the baseline: ${errorMessage(error)}`);
  }

  // Every captured record of the window, its rows reservoir-sampled (Algorithm R) beyond maxRows.
  const rows: Row[] = [];
  let rowsSeen = 0;
  let capturedRecords = 0;
  let badLines = 0;
  const partitions = windowPartitions(deps.capture.prefix, settings.model, settings.version, start, end);
  const keys = (
    await mapConcurrent(partitions, READ_CONCURRENCY, (partition) => deps.capture.store.list(partition))
  ).flat();
  await mapConcurrent(keys, READ_CONCURRENCY, async (key) => {
    const body = (await deps.capture.store.get(key)) ?? '';
    for (const line of body.split('\n')) {
      if (line.trim() === '') continue;
      let record: { time?: unknown; request?: unknown };
      try {
        record = JSON.parse(line);
      } catch {
        badLines++;
        continue;
      }
      const time = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
      if (Number.isNaN(time)) {
        badLines++;
        continue;
      }
      if (time < start.getTime() || time >= end.getTime()) continue;
      capturedRecords++;
      for (const row of extractRows(settings.protocol, record.request)) {
        rowsSeen++;
        if (rows.length < maxRows) rows.push(row);
        else {
          const slot = Math.floor(random() * rowsSeen);
          if (slot < maxRows) rows[slot] = row;
        }
      }
    }
  });
  if (badLines > 0) log.warn('unreadable capture lines skipped', { lines: badLines });

  const thresholds = {
    psi: settings.psiThreshold,
    ks: settings.ksThreshold,
    outlierZScore: settings.outlierZScore,
    outlierRatePercent: settings.outlierRatePercent,
  };
  const report = analyse(baseline, rows, { ...thresholds, minRows: deps.minRows ?? MIN_WINDOW_ROWS });
  const dimensions = { Environment: settings.environment, Model: settings.model, Version: settings.version };
  const data: MetricDatum[] = [{ name: 'CapturedRecords', value: capturedRecords, unit: 'Count', dimensions }];
  const window = {
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    files: keys.length,
    capturedRecords,
  };

  if (report.skipped) {
    log.info('drift statistics skipped: window too small', { ...window, rows: report.rows, reason: report.reason });
    await deps.metrics.publish(data, end);
    return { capturedRecords, report };
  }

  for (const feature of report.features) {
    const featureDimensions = { ...dimensions, Feature: feature.feature };
    data.push({ name: 'FeaturePSI', value: feature.psi, unit: 'None', dimensions: featureDimensions });
    if (feature.ks !== undefined) {
      data.push({ name: 'FeatureKS', value: feature.ks, unit: 'None', dimensions: featureDimensions });
    }
  }
  data.push(
    { name: 'DriftedFeatures', value: report.driftedFeatures.length, unit: 'Count', dimensions },
    { name: 'OutlierRatePercent', value: report.outliers.percent, unit: 'Percent', dimensions },
  );
  await deps.metrics.publish(data, end);
  if (report.skippedFeatures.length > 0) {
    log.info('features with too few values skipped', { features: report.skippedFeatures });
  }

  const reasons: DriftEventDetail['reasons'][number][] = [];
  if (report.driftedFeatures.length > 0) reasons.push('feature-drift');
  if (report.outliers.alarm) reasons.push('outlier-rate');
  log.info('drift statistics', {
    ...window,
    rows: report.rows,
    sampledRows: rows.length,
    driftedFeatures: report.driftedFeatures,
    outlierRatePercent: report.outliers.percent,
    features: report.features,
  });
  if (reasons.length === 0) return { capturedRecords, report };

  const event: DriftEventDetail = {
    environment: settings.environment,
    model: settings.model,
    version: settings.version,
    windowStart: window.windowStart,
    windowEnd: window.windowEnd,
    capturedRecords,
    rows: report.rows,
    reasons,
    driftedFeatures: report.features
      .filter((feature) => feature.drifted)
      .map(({ feature, type, psi, ks }) => (ks === undefined ? { feature, type, psi } : { feature, type, psi, ks })),
    outlierRatePercent: report.outliers.percent,
    thresholds,
    baseline: baselineUri,
  };
  await deps.events.publish({ subject: `${settings.model}/${settings.version}`, detail: { ...event }, time: end });
  log.warn('model drift detected', { reasons, driftedFeatures: report.driftedFeatures });
  return { capturedRecords, report, event };
}
