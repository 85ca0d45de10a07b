/**
 * Model operations, the same on both clouds: the metrics the model agent publishes (batch runs,
 * drift, outliers) and their dimensions, the drift event, and the defaults the alarms use where
 * a model sets none. The agent (workloads/model-agent) publishes exactly these names; the tests of
 * each cloud's operations compare them with the agent's own constants.
 */

import { CRON_FIELDS, type CronFieldSpec, cronValues } from './cron';

/** Metric names of the model agent, in `MODEL_METRICS_NAMESPACE` (docs/operations.md#metrics). */
export const MODEL_METRICS = {
  batchRunSucceeded: 'BatchRunSucceeded',
  batchRunFailed: 'BatchRunFailed',
  batchRecords: 'BatchRecords',
  batchFailedRecords: 'BatchFailedRecords',
  batchDurationSeconds: 'BatchDurationSeconds',
  capturedRecords: 'CapturedRecords',
  featurePsi: 'FeaturePSI',
  featureKs: 'FeatureKS',
  driftedFeatures: 'DriftedFeatures',
  outlierRatePercent: 'OutlierRatePercent',
} as const;

/** Dimension names of the agent's metrics: batch metrics carry Environment, Model, Job; drift metrics Environment, Model, Version (and Feature). */
export const MODEL_METRIC_DIMENSIONS = {
  environment: 'Environment',
  model: 'Model',
  job: 'Job',
  version: 'Version',
  feature: 'Feature',
} as const;

/** Days captured requests are kept when a model's `capture.retentionDays` is not set (`CaptureConfig`). */
export const DEFAULT_CAPTURE_RETENTION_DAYS = 90;

/** The drift event's type: EventBridge `detail-type` and CloudEvents `type`. */
export const DRIFT_EVENT = {
  detailType: 'Model Drift Detected',
  cloudEventType: 'mlops.model.drift.detected',
} as const;

/** Azure: the CloudEvents `source` of an environment's drift events. */
export function driftEventSource(environmentName: string): string {
  return `/mlops/${environmentName}/drift`;
}

/**
 * Extra time, minutes, that a "no batch run succeeded" alert waits beyond the longest gap of the
 * schedule plus the job's timeout: retries, a late start (the CronJob's 10-minute starting
 * deadline), clock-change days in the job's time zone.
 */
export const BATCH_MISSED_RUN_SLACK_MINUTES = 90;

/**
 * The alert window of a batch job, minutes: no successful run within it means a run was missed,
 * timed out, or failed without reporting. `undefined` when the schedule runs less often than
 * `maxMinutes` allows (monthly jobs), which the caller must then skip with a warning.
 */
export function batchMissedRunWindowMinutes(
  schedule: string,
  timeoutMinutes: number,
  maxMinutes: number,
): number | undefined {
  const gap = cronMaxGapMinutes(schedule);
  if (gap === undefined) return undefined;
  const window = gap + timeoutMinutes + BATCH_MISSED_RUN_SLACK_MINUTES;
  return window <= maxMinutes ? window : undefined;
}

/**
 * The longest time, minutes, between two consecutive firings of a five-field cron schedule
 * (minute hour day-of-month month day-of-week), evaluated over 8 weeks from a fixed Monday so the
 * answer does not depend on today's date. `undefined` when the schedule fires at most once in
 * that span (monthly or yearly jobs). Time-zone shifts (one hour at a clock change) are left to
 * the caller's slack. Day-of-month and day-of-week follow cron: when both are restricted, a day
 * matches either.
 */
export function cronMaxGapMinutes(schedule: string): number | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron schedule '${schedule}' does not have five fields`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  const [minutes, hours, days, months, dows] = [minute, hour, dom, month, dow].map((field, i) => {
    const spec = CRON_FIELDS[i] as CronFieldSpec;
    const values = cronValues(field, spec);
    if (!values) throw new Error(`cron field '${field}' is not a valid ${spec.name} (${spec.min}-${spec.max})`);
    return values;
  }) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const weekdays = new Set([...dows].map((d) => d % 7));
  const domRestricted = dom !== '*' && !dom.startsWith('*/');
  const dowRestricted = dow !== '*' && !dow.startsWith('*/');
  const dayMatches = (date: Date) => {
    const byMonth = days.has(date.getUTCDate());
    const byWeek = weekdays.has(date.getUTCDay());
    if (domRestricted && dowRestricted) return byMonth || byWeek;
    if (domRestricted) return byMonth;
    if (dowRestricted) return byWeek;
    return true;
  };

  const start = Date.UTC(2024, 0, 1); // a Monday
  const spanMinutes = 8 * 7 * 24 * 60;
  let previous: number | undefined;
  let first: number | undefined;
  let longest = 0;
  for (let day = 0; day < spanMinutes / 1440; day++) {
    const date = new Date(start + day * 86_400_000);
    if (!months.has(date.getUTCMonth() + 1) || !dayMatches(date)) continue;
    for (const h of [...hours].sort((a, b) => a - b)) {
      for (const m of [...minutes].sort((a, b) => a - b)) {
        const at = day * 1440 + h * 60 + m;
        if (previous !== undefined) longest = Math.max(longest, at - previous);
        first ??= at;
        previous = at;
      }
    }
  }
  if (previous === undefined || first === undefined || previous === first) return undefined;
  // The wrap-around gap (last firing of the span to the first of the next) for weekly patterns.
  const wrap = spanMinutes - previous + first;
  return Math.max(longest, wrap);
}

/**
 * AWS: the OTLP/HTTP endpoint the serving agents export spans to (`OTEL_EXPORTER_OTLP_ENDPOINT`;
 * the exporter appends `/v1/traces`): the CloudWatch agent of the amazon-cloudwatch-observability
 * add-on (8.0.0 and later), which forwards them to X-Ray (Transaction Search).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/eks-observability-addon-otlp-endpoint.html
 */
export const AWS_OTLP_ENDPOINT = 'http://cloudwatch-agent.amazon-cloudwatch:4318';
