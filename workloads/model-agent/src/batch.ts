/**
 * `batch` mode: one batch inference run of a model job, as the main container of its CronJob's
 * pod, with the model container beside it on localhost.
 *
 * 1. Wait for the model's readiness path.
 * 2. List the input prefix; every `.jsonl` / `.ndjson` object is JSON Lines, one model request
 *    body per line, in the model's protocol.
 * 3. POST each line to the model (kserve-v2 `/v2/models/<model>/infer`, openai
 *    `/v1/chat/completions`, http `/invoke`), `BATCH_CONCURRENCY` at a time, retrying throttling,
 *    5xx and connection failures.
 * 4. Write, per input object, an output object with one line per input line (same order) under
 *    `<output>/run=<runId>/`, then the run manifest `<output>/_runs/<runId>.json`.
 * 5. Publish BatchRunSucceeded or BatchRunFailed, BatchRecords, BatchFailedRecords and
 *    BatchDurationSeconds.
 *
 * A run fails (exit code 1, so the Job retries it) when the model never gets ready, the input
 * prefix holds no input objects, storage fails, or any record fails.
 */
import { randomBytes } from 'node:crypto';
import type { BatchSettings } from '../../../lib/config/agent';
import { errorMessage, type Logger } from './log';
import { type FetchFn, invokePath, postJson, waitForReady } from './model';
import type { MetricDatum, MetricsPublisher } from './publish';
import { folder, joinKey, type Location } from './storage';
import { compactTimestamp, isRetryable, mapConcurrent, retry } from './util';

/** Model requests in flight at once: enough to keep a GPU server's dynamic batching busy. */
export const BATCH_CONCURRENCY = 8;
/** Bound of one model request. */
export const BATCH_REQUEST_TIMEOUT_MS = 10 * 60_000;
/** Longest wait for the model to load. */
export const BATCH_READY_TIMEOUT_MS = 20 * 60_000;
/** Errors listed in the manifest (the counts cover all of them). */
const MANIFEST_ERRORS = 100;

const INPUT_SUFFIXES = ['.jsonl', '.ndjson'];

export interface BatchDeps {
  readonly input: Location;
  readonly output: Location;
  readonly metrics: MetricsPublisher;
  readonly log: Logger;
  /** @default - `<UTC time>-<6 hex>` */
  readonly runId?: string;
  /** @default globalThis.fetch */
  readonly fetchFn?: FetchFn;
  /** @default BATCH_CONCURRENCY */
  readonly concurrency?: number;
  /** @default BATCH_READY_TIMEOUT_MS */
  readonly readyTimeoutMs?: number;
  /** Between readiness probes. @default 2 s */
  readonly readyIntervalMs?: number;
  /** First retry delay of a record; doubles. @default 1 s */
  readonly retryDelayMs?: number;
  /** @default - the wall clock */
  readonly now?: () => Date;
}

export interface InputSummary {
  readonly key: string;
  readonly output: string;
  readonly records: number;
  readonly failed: number;
}

export interface RunManifest {
  readonly runId: string;
  readonly environment: string;
  readonly model: string;
  readonly version: string;
  readonly job: string;
  readonly protocol: string;
  readonly status: 'succeeded' | 'failed';
  /** Why the run failed, when it did. */
  readonly reason?: string;
  readonly input: string;
  readonly output: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly counts: {
    readonly inputs: number;
    readonly records: number;
    readonly succeeded: number;
    readonly failed: number;
  };
  /** The first errors, `{ input, line, error }`. */
  readonly errors: readonly { readonly input: string; readonly line: number; readonly error: string }[];
  readonly inputs: readonly InputSummary[];
}

/** One output line. */
export type OutputLine =
  | { readonly line: number; readonly status: number; readonly output: unknown }
  | { readonly line: number; readonly error: string };

export function newRunId(time: Date): string {
  return `${compactTimestamp(time)}-${randomBytes(3).toString('hex')}`;
}

export async function runBatch(settings: BatchSettings, deps: BatchDeps): Promise<RunManifest> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const runId = deps.runId ?? newRunId(started);
  const log = deps.log.child({ runId, job: settings.job });
  const inputPrefix = folder(deps.input.prefix);
  const runPrefix = joinKey(deps.output.prefix, `run=${runId}`);
  const inputs: InputSummary[] = [];
  const errors: { input: string; line: number; error: string }[] = [];
  let records = 0;
  let failed = 0;
  let reason: string | undefined;

  try {
    await waitForReady(new URL(settings.readinessPath, settings.upstreamUrl).toString(), {
      timeoutMs: deps.readyTimeoutMs ?? BATCH_READY_TIMEOUT_MS,
      intervalMs: deps.readyIntervalMs ?? 2_000,
      log,
      fetchFn: deps.fetchFn,
    });
    const all = await deps.input.store.list(inputPrefix);
    const keys = all.filter((key) => INPUT_SUFFIXES.some((suffix) => key.endsWith(suffix)));
    log.info('inputs', { prefix: deps.input.store.uri(inputPrefix), objects: all.length, inputs: keys.length });
    if (keys.length === 0)
      throw new Error(`no ${INPUT_SUFFIXES.join(' or ')} objects under ${deps.input.store.uri(inputPrefix)}`);

    const url = new URL(invokePath(settings.protocol, settings.model), settings.upstreamUrl).toString();
    for (const key of keys) {
      const text = await deps.input.store.get(key);
      if (text === undefined) throw new Error(`input ${deps.input.store.uri(key)} disappeared during the run`);
      const lines = text
        .split('\n')
        .map((content, index) => ({ content: content.trim(), number: index + 1 }))
        .filter((line) => line.content !== '');
      const results = await mapConcurrent(lines, deps.concurrency ?? BATCH_CONCURRENCY, async (line) =>
        invokeLine(url, line.content, line.number, deps),
      );
      const relative = key.slice(inputPrefix.length).replace(/\.(jsonl|ndjson)$/, '');
      const outputKey = joinKey(runPrefix, `${relative}.jsonl`);
      await deps.output.store.put(
        outputKey,
        results.map((result) => `${JSON.stringify(result)}\n`).join(''),
        'application/x-ndjson',
      );
      const failures = results.filter((result): result is Extract<OutputLine, { error: string }> => 'error' in result);
      for (const failure of failures) {
        if (errors.length < MANIFEST_ERRORS) errors.push({ input: key, line: failure.line, error: failure.error });
      }
      records += results.length;
      failed += failures.length;
      inputs.push({ key, output: outputKey, records: results.length, failed: failures.length });
      log.info('input done', { input: key, records: results.length, failed: failures.length });
    }
    if (failed > 0) reason = `${failed} of ${records} records failed`;
  } catch (error) {
    reason = errorMessage(error);
  }

  const finished = now();
  const durationSeconds = (finished.getTime() - started.getTime()) / 1000;
  const manifest: RunManifest = {
    runId,
    environment: settings.environment,
    model: settings.model,
    version: settings.version,
    job: settings.job,
    protocol: settings.protocol,
    status: reason === undefined ? 'succeeded' : 'failed',
    ...(reason === undefined ? {} : { reason }),
    input: deps.input.store.uri(inputPrefix),
    output: deps.output.store.uri(runPrefix),
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds,
    counts: { inputs: inputs.length, records, succeeded: records - failed, failed },
    errors,
    inputs,
  };
  const manifestKey = joinKey(deps.output.prefix, '_runs', `${runId}.json`);
  try {
    await deps.output.store.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  } catch (error) {
    log.error('cannot write the run manifest', { key: deps.output.store.uri(manifestKey), error: errorMessage(error) });
  }

  const dimensions = { Environment: settings.environment, Model: settings.model, Job: settings.job };
  const data: MetricDatum[] = [
    {
      name: manifest.status === 'succeeded' ? 'BatchRunSucceeded' : 'BatchRunFailed',
      value: 1,
      unit: 'Count',
      dimensions,
    },
    { name: 'BatchRecords', value: records, unit: 'Count', dimensions },
    { name: 'BatchFailedRecords', value: failed, unit: 'Count', dimensions },
    { name: 'BatchDurationSeconds', value: durationSeconds, unit: 'Seconds', dimensions },
  ];
  try {
    await deps.metrics.publish(data, finished);
  } catch (error) {
    // The outputs stand; the missing BatchRunSucceeded datapoint is what alarms on it.
    log.error('cannot publish the run metrics', { error: errorMessage(error) });
  }
  const summary = {
    status: manifest.status,
    reason,
    records,
    failed,
    durationSeconds,
    manifest: deps.output.store.uri(manifestKey),
  };
  if (manifest.status === 'succeeded') log.info('batch run succeeded', summary);
  else log.error('batch run failed', summary);
  return manifest;
}

async function invokeLine(url: string, content: string, line: number, deps: BatchDeps): Promise<OutputLine> {
  try {
    JSON.parse(content);
  } catch (error) {
    return { line, error: `not JSON: ${errorMessage(error)}` };
  }
  try {
    const answer = await retry(() => postJson(url, content, BATCH_REQUEST_TIMEOUT_MS, deps.fetchFn), {
      attempts: 3,
      delayMs: deps.retryDelayMs ?? 1_000,
      // A request that used its whole timeout would most likely use it again.
      retryable: (error) => isRetryable(error) && (error as Error).name !== 'TimeoutError',
    });
    return { line, status: answer.status, output: answer.body };
  } catch (error) {
    return { line, error: errorMessage(error) };
  }
}
