/**
 * Model operations, the same on both clouds: the metrics the model agent publishes (batch runs,
 * drift, outliers) and their dimensions, the drift event, and the defaults the alarms use where
 * a model sets none. The agent (workloads/model-agent) publishes exactly these names; the tests of
 * each cloud's operations compare them with the agent's own constants.
 */

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
