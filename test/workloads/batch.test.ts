import { afterEach, describe, expect, it } from 'vitest';
import type { BatchSettings } from '../../lib/config/agent';
import type { ModelProtocol } from '../../lib/config/types';
import { type RunManifest, runBatch } from '../../workloads/model-agent/src/batch';
import { invokePath } from '../../workloads/model-agent/src/model';
import { MemoryStore } from '../../workloads/model-agent/src/storage';
import { closeServers, RecordingMetrics, readBody, recordingLogger, startServer } from './helpers';

afterEach(closeServers);

function batchSettings(upstreamUrl: string, protocol: ModelProtocol = 'kserve-v2'): BatchSettings {
  return {
    mode: 'batch',
    environment: 'staging',
    model: 'churn',
    version: '1.4.0',
    protocol,
    upstreamUrl,
    readinessPath: '/v2/health/ready',
    job: 'nightly',
    input: 's3://curated/churn/daily',
    output: 's3://artifacts/churn/scores',
    metrics: { kind: 'cloudwatch', namespace: 'MLOps/Serving', region: 'eu-west-1' },
  };
}

interface FakeModel {
  url: string;
  calls: { path: string; body: string }[];
}

/**
 * A model that answers `{ "score": <x * 2> }` for `{ "x": <x> }` on its protocol's path, is ready
 * after `readyAfter` probes, answers 400 for x < 0 and 503 once for x = 99.
 */
async function fakeModel(protocol: ModelProtocol = 'kserve-v2', readyAfter = 0): Promise<FakeModel> {
  const calls: FakeModel['calls'] = [];
  let probes = 0;
  let failedOnce = false;
  const server = await startServer(async (req, res) => {
    const body = await readBody(req);
    if (req.method === 'GET') {
      probes++;
      res.writeHead(probes > readyAfter ? 200 : 503).end();
      return;
    }
    calls.push({ path: req.url ?? '', body });
    if (req.url !== invokePath(protocol, 'churn')) {
      res.writeHead(404).end();
      return;
    }
    const { x } = JSON.parse(body) as { x: number };
    if (x < 0) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"x must be >= 0"}');
      return;
    }
    if (x === 99 && !failedOnce) {
      failedOnce = true;
      res.writeHead(503).end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ score: x * 2 }));
  });
  return { url: server.url, calls };
}

function inputs(objects: Record<string, string>): MemoryStore {
  const store = new MemoryStore('s3');
  for (const [key, body] of Object.entries(objects))
    store.objects.set(key, { body, contentType: 'application/x-ndjson' });
  return store;
}

const fast = { readyIntervalMs: 5, retryDelayMs: 1, readyTimeoutMs: 10_000 };

describe('batch: a run', () => {
  it('scores every line of every input, in order, and writes outputs, a manifest and metrics', async () => {
    // GIVEN a model that gets ready after two probes, and two input objects
    const model = await fakeModel('kserve-v2', 2);
    const input = inputs({
      'churn/daily/2025-03-01/part-0.jsonl': '{"x":1}\n{"x":2}\n\n{"x":3}\n',
      'churn/daily/2025-03-01/part-1.jsonl': '{"x":10}',
      'churn/daily/_SUCCESS': '',
      'churn/daily-other/part-0.jsonl': '{"x":1000}',
    });
    const output = new MemoryStore('s3');
    const metrics = new RecordingMetrics();
    const times = [new Date('2025-03-02T02:00:00Z'), new Date('2025-03-02T02:00:42Z')];

    // WHEN the run goes
    const manifest = await runBatch(batchSettings(model.url), {
      input: { store: input, prefix: 'churn/daily' },
      output: { store: output, prefix: 'churn/scores' },
      metrics,
      log: recordingLogger().log,
      runId: 'run-1',
      now: () => times.shift() ?? new Date('2025-03-02T02:00:42Z'),
      ...fast,
    });

    // THEN every record went to the KServe v2 path, and each input has its output, line for line
    expect(manifest.status).toBe('succeeded');
    expect(model.calls.map((call) => call.path)).toEqual(Array(4).fill('/v2/models/churn/infer'));
    const part0 = output.objects.get('churn/scores/run=run-1/2025-03-01/part-0.jsonl')?.body ?? '';
    expect(
      part0
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      { line: 1, status: 200, output: { score: 2 } },
      { line: 2, status: 200, output: { score: 4 } },
      { line: 4, status: 200, output: { score: 6 } },
    ]);
    expect(output.objects.has('churn/scores/run=run-1/2025-03-01/part-1.jsonl')).toBe(true);
    // AND the manifest tells the story
    const written = JSON.parse(output.objects.get('churn/scores/_runs/run-1.json')?.body ?? '{}') as RunManifest;
    expect(written).toEqual(manifest);
    expect(written).toMatchObject({
      runId: 'run-1',
      job: 'nightly',
      status: 'succeeded',
      input: 's3://churn/daily/',
      output: 's3://churn/scores/run=run-1',
      durationSeconds: 42,
      counts: { inputs: 2, records: 4, succeeded: 4, failed: 0 },
      errors: [],
    });
    expect(written.inputs.map((entry) => entry.key)).toEqual([
      'churn/daily/2025-03-01/part-0.jsonl',
      'churn/daily/2025-03-01/part-1.jsonl',
    ]);
    // AND the metrics: succeeded, records, duration, by Environment, Model and Job
    const dimensions = { Environment: 'staging', Model: 'churn', Job: 'nightly' };
    expect(metrics.data).toEqual([
      { name: 'BatchRunSucceeded', value: 1, unit: 'Count', dimensions },
      { name: 'BatchRecords', value: 4, unit: 'Count', dimensions },
      { name: 'BatchFailedRecords', value: 0, unit: 'Count', dimensions },
      { name: 'BatchDurationSeconds', value: 42, unit: 'Seconds', dimensions },
    ]);
  });

  it.each([
    ['openai', '/v1/chat/completions'],
    ['http', '/invoke'],
  ] as const)('calls the %s protocol on %s', async (protocol, path) => {
    const model = await fakeModel(protocol);
    const output = new MemoryStore();
    const manifest = await runBatch(batchSettings(model.url, protocol), {
      input: { store: inputs({ 'in/a.ndjson': '{"x":1}' }), prefix: 'in' },
      output: { store: output, prefix: 'out' },
      metrics: new RecordingMetrics(),
      log: recordingLogger().log,
      runId: 'r',
      ...fast,
    });
    expect(manifest.status).toBe('succeeded');
    expect(model.calls).toEqual([{ path, body: '{"x":1}' }]);
    expect(output.objects.has('out/run=r/a.jsonl')).toBe(true);
  });

  it('retries a 503, and fails the run when records fail, keeping every other output', async () => {
    const model = await fakeModel();
    const output = new MemoryStore();
    const metrics = new RecordingMetrics();
    const manifest = await runBatch(batchSettings(model.url), {
      input: { store: inputs({ 'in/a.jsonl': '{"x":99}\n{"x":-1}\nnot json\n{"x":4}' }), prefix: 'in' },
      output: { store: output, prefix: 'out' },
      metrics,
      log: recordingLogger().log,
      runId: 'r',
      ...fast,
    });

    expect(manifest.status).toBe('failed');
    expect(manifest.reason).toBe('2 of 4 records failed');
    expect(manifest.counts).toEqual({ inputs: 1, records: 4, succeeded: 2, failed: 2 });
    expect(manifest.errors).toEqual([
      { input: 'in/a.jsonl', line: 2, error: 'model answered 400: {"error":"x must be >= 0"}' },
      { input: 'in/a.jsonl', line: 3, error: expect.stringContaining('not JSON') },
    ]);
    const lines = (output.objects.get('out/run=r/a.jsonl')?.body ?? '')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ line: 1, status: 200, output: { score: 198 } });
    expect(lines[3]).toEqual({ line: 4, status: 200, output: { score: 8 } });
    // The 503 was retried once; the 400 was not retried.
    expect(model.calls.filter((call) => call.body === '{"x":99}')).toHaveLength(2);
    expect(model.calls.filter((call) => call.body === '{"x":-1}')).toHaveLength(1);
    expect(metrics.named('BatchRunFailed')).toHaveLength(1);
    expect(metrics.named('BatchRunSucceeded')).toHaveLength(0);
    expect(metrics.named('BatchFailedRecords')[0]?.value).toBe(2);
  });

  it('fails when the input prefix holds no input objects', async () => {
    const model = await fakeModel();
    const output = new MemoryStore();
    const metrics = new RecordingMetrics();
    const manifest = await runBatch(batchSettings(model.url), {
      input: { store: inputs({ 'in/readme.txt': 'x' }), prefix: 'in' },
      output: { store: output, prefix: 'out' },
      metrics,
      log: recordingLogger().log,
      runId: 'r',
      ...fast,
    });
    expect(manifest.status).toBe('failed');
    expect(manifest.reason).toBe('no .jsonl or .ndjson objects under s3://in/');
    expect(output.objects.has('out/_runs/r.json')).toBe(true);
    expect(metrics.named('BatchRunFailed')[0]?.value).toBe(1);
  });

  it('fails when the model never gets ready, without sending it a record', async () => {
    const model = await fakeModel('kserve-v2', Number.POSITIVE_INFINITY);
    const manifest = await runBatch(batchSettings(model.url), {
      input: { store: inputs({ 'in/a.jsonl': '{"x":1}' }), prefix: 'in' },
      output: { store: new MemoryStore(), prefix: 'out' },
      metrics: new RecordingMetrics(),
      log: recordingLogger().log,
      runId: 'r',
      ...fast,
      readyTimeoutMs: 500,
    });
    expect(manifest.status).toBe('failed');
    expect(manifest.reason).toMatch(
      /^the model was not ready at http:\/\/127\.0\.0\.1:\d+\/v2\/health\/ready within 0.5 s \(status 503\)$/,
    );
    expect(model.calls).toHaveLength(0);
  });

  it('keeps going when metrics cannot be published, and says so', async () => {
    const model = await fakeModel();
    const { log, withMessage } = recordingLogger();
    const manifest = await runBatch(batchSettings(model.url), {
      input: { store: inputs({ 'in/a.jsonl': '{"x":1}' }), prefix: 'in' },
      output: { store: new MemoryStore(), prefix: 'out' },
      metrics: {
        publish: async () => {
          throw new Error('AccessDenied');
        },
      },
      log,
      runId: 'r',
      ...fast,
    });
    expect(manifest.status).toBe('succeeded');
    expect(withMessage('cannot publish the run metrics')).toHaveLength(1);
  });

  it('bounds the requests in flight', async () => {
    let active = 0;
    let peak = 0;
    const server = await startServer(async (req, res) => {
      await readBody(req);
      if (req.method === 'GET') {
        res.end();
        return;
      }
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    const lines = Array.from({ length: 40 }, (_, i) => `{"x":${i}}`).join('\n');
    await runBatch(batchSettings(server.url), {
      input: { store: inputs({ 'in/a.jsonl': lines }), prefix: 'in' },
      output: { store: new MemoryStore(), prefix: 'out' },
      metrics: new RecordingMetrics(),
      log: recordingLogger().log,
      concurrency: 3,
      ...fast,
    });
    expect(peak).toBe(3);
  });
});
