import { describe, expect, it } from 'vitest';
import type { DriftSettings } from '../../lib/config/agent';
import { extractRows } from '../../workloads/model-agent/src/drift/features';
import { runDrift, windowPartitions } from '../../workloads/model-agent/src/drift/run';
import type { PlatformEvent } from '../../workloads/model-agent/src/publish';
import { MemoryStore } from '../../workloads/model-agent/src/storage';
import { normals, RecordingMetrics, recordingLogger, seededRandom } from './helpers';

const settings: DriftSettings = {
  mode: 'drift',
  environment: 'production',
  model: 'churn',
  version: '1.4.0',
  protocol: 'http',
  upstreamUrl: 'http://127.0.0.1:8080',
  readinessPath: '/ready',
  capture: 's3://raw/captures',
  baselines: 's3://models',
  windowHours: 2,
  psiThreshold: 0.2,
  ksThreshold: 0.1,
  outlierZScore: 3.5,
  outlierRatePercent: 5,
  metrics: { kind: 'cloudwatch', namespace: 'MLOps/Serving', region: 'eu-central-1' },
  events: { kind: 'eventbridge', busName: 'mlops', region: 'eu-central-1', source: 'mlops.production' },
};

const NOW = new Date('2025-03-10T12:30:00Z');

/** A baseline of `age` ~ N(50, 10) (deciles, reservoir, median, MAD) and `plan`. */
function baselineDocument(): string {
  const random = seededRandom(7);
  const training = normals(random, 10_000, 50, 10).sort((a, b) => a - b);
  const edges = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => training[d * 1_000] as number);
  const proportions = Array.from({ length: 10 }, (_, i) => {
    const low = i === 0 ? Number.NEGATIVE_INFINITY : (edges[i - 1] as number);
    const high = i === 9 ? Number.POSITIVE_INFINITY : (edges[i] as number);
    return training.filter((x) => x > low && x <= high).length / training.length;
  });
  return JSON.stringify({
    schemaVersion: 1,
    model: 'churn',
    version: '1.4.0',
    rows: training.length,
    features: {
      age: {
        type: 'numeric',
        bins: { edges, proportions },
        sample: training.filter((_, i) => i % 10 === 0),
        median: training[5_000],
        mad: 6.745,
      },
      plan: { type: 'categorical', proportions: { basic: 0.7, pro: 0.3 } },
    },
  });
}

/** Capture files of one hour partition, `count` records at minute offsets, `age` from N(mean, 10). */
function writeCaptures(store: MemoryStore, hour: string, count: number, mean: number, seed: number): void {
  const random = seededRandom(seed);
  const ages = normals(random, count, mean, 10);
  const lines = ages.map((age, i) => {
    const time = new Date(Date.parse(`${hour}:00:00Z`) + Math.floor((i * 3_600_000) / count)).toISOString();
    return JSON.stringify({
      time,
      requestId: `r${i}`,
      model: 'churn',
      version: '1.4.0',
      request: { age, plan: random() < 0.7 ? 'basic' : 'pro', email: undefined },
      response: { score: 0.1 },
    });
  });
  const [date, hh] = hour.split('T') as [string, string];
  store.objects.set(`captures/model=churn/version=1.4.0/date=${date}/hour=${hh}/a.jsonl`, {
    body: `${lines.join('\n')}\n`,
    contentType: 'application/x-ndjson',
  });
}

function setup() {
  const captures = new MemoryStore('s3');
  const models = new MemoryStore('s3');
  models.objects.set('churn/1.4.0/baseline.json', { body: baselineDocument(), contentType: 'application/json' });
  const metrics = new RecordingMetrics();
  const events: PlatformEvent[] = [];
  const recorded = recordingLogger();
  const deps = {
    capture: { store: captures, prefix: 'captures' },
    baselines: { store: models, prefix: '' },
    metrics,
    events: { publish: async (event: PlatformEvent) => void events.push(event) },
    log: recorded.log,
    now: () => NOW,
  };
  return { captures, models, metrics, events, deps, recorded };
}

const versionDimensions = { Environment: 'production', Model: 'churn', Version: '1.4.0' };

describe('drift: a run', () => {
  it('lists the hour partitions that overlap the window', () => {
    expect(windowPartitions('captures', 'churn', '1.4.0', new Date('2025-03-10T10:30:00Z'), NOW)).toEqual([
      'captures/model=churn/version=1.4.0/date=2025-03-10/hour=10/',
      'captures/model=churn/version=1.4.0/date=2025-03-10/hour=11/',
      'captures/model=churn/version=1.4.0/date=2025-03-10/hour=12/',
    ]);
    expect(windowPartitions('c', 'm', 'v', new Date('2025-03-09T23:00:00Z'), new Date('2025-03-10T01:00:00Z'))).toEqual(
      ['c/model=m/version=v/date=2025-03-09/hour=23/', 'c/model=m/version=v/date=2025-03-10/hour=00/'],
    );
  });

  it('publishes the statistics and no event when the window looks like training', async () => {
    const { captures, metrics, events, deps } = setup();
    writeCaptures(captures, '2025-03-10T11', 600, 50, 1);
    writeCaptures(captures, '2025-03-10T12', 300, 50, 2);

    const outcome = await runDrift(settings, deps);

    // Records from 10:30 to 12:30: all of hour 11, the first half of hour 12.
    expect(outcome.capturedRecords).toBe(750);
    expect(metrics.named('CapturedRecords')).toEqual([
      { name: 'CapturedRecords', value: 750, unit: 'Count', dimensions: versionDimensions },
    ]);
    expect(metrics.named('FeaturePSI').map((datum) => datum.dimensions.Feature)).toEqual(['age', 'plan']);
    expect(metrics.named('FeaturePSI')[0]?.dimensions).toEqual({ ...versionDimensions, Feature: 'age' });
    expect(metrics.named('FeatureKS').map((datum) => datum.dimensions.Feature)).toEqual(['age']);
    expect(metrics.named('DriftedFeatures')).toEqual([
      { name: 'DriftedFeatures', value: 0, unit: 'Count', dimensions: versionDimensions },
    ]);
    expect(metrics.named('OutlierRatePercent')[0]?.unit).toBe('Percent');
    expect(events).toEqual([]);
    expect(outcome.event).toBeUndefined();
  });

  it('publishes one "drift detected" event when a feature has drifted', async () => {
    const { captures, metrics, events, deps } = setup();
    writeCaptures(captures, '2025-03-10T11', 800, 58, 3);

    const outcome = await runDrift(settings, deps);

    expect(metrics.named('DriftedFeatures')[0]?.value).toBe(1);
    expect(events).toHaveLength(1);
    expect(events[0]?.subject).toBe('churn/1.4.0');
    expect(events[0]?.time).toEqual(NOW);
    expect(events[0]?.detail).toMatchObject({
      environment: 'production',
      model: 'churn',
      version: '1.4.0',
      windowStart: '2025-03-10T10:30:00.000Z',
      windowEnd: '2025-03-10T12:30:00.000Z',
      capturedRecords: 800,
      rows: 800,
      reasons: ['feature-drift'],
      driftedFeatures: [{ feature: 'age', type: 'numeric', psi: expect.any(Number), ks: expect.any(Number) }],
      thresholds: { psi: 0.2, ks: 0.1, outlierZScore: 3.5, outlierRatePercent: 5 },
      baseline: 's3://churn/1.4.0/baseline.json',
    });
    expect(outcome.event).toEqual(events[0]?.detail);
  });

  it('publishes only CapturedRecords below the minimum window, and logs why', async () => {
    const { captures, metrics, events, deps, recorded } = setup();
    writeCaptures(captures, '2025-03-10T11', 40, 90, 4);

    await runDrift(settings, deps);

    expect(metrics.data.map((datum) => datum.name)).toEqual(['CapturedRecords']);
    expect(metrics.data[0]?.value).toBe(40);
    expect(events).toEqual([]);
    expect(recorded.withMessage('drift statistics skipped: window too small')[0]).toMatchObject({
      rows: 40,
      reason: '40 rows in the window, fewer than 500',
    });
  });

  it('publishes CapturedRecords 0 for an empty window', async () => {
    const { metrics, deps } = setup();
    await runDrift(settings, deps);
    expect(metrics.data).toEqual([{ name: 'CapturedRecords', value: 0, unit: 'Count', dimensions: versionDimensions }]);
  });

  it('skips unreadable lines and counts them', async () => {
    const { captures, metrics, deps, recorded } = setup();
    captures.objects.set('captures/model=churn/version=1.4.0/date=2025-03-10/hour=12/b.jsonl', {
      body: 'garbage\n{"time":"not a time"}\n{"time":"2025-03-10T12:00:00Z","request":{"age":50}}\n',
      contentType: 'application/x-ndjson',
    });
    await runDrift(settings, deps);
    expect(metrics.named('CapturedRecords')[0]?.value).toBe(1);
    expect(recorded.withMessage('unreadable capture lines skipped')[0]?.lines).toBe(2);
  });

  it('samples the rows of a large window down to maxRows', async () => {
    const { captures, deps } = setup();
    writeCaptures(captures, '2025-03-10T11', 1_200, 50, 5);
    const outcome = await runDrift(settings, { ...deps, maxRows: 600, random: seededRandom(3) });
    expect(outcome.capturedRecords).toBe(1_200);
    expect(outcome.report.rows).toBe(600);
  });

  it('throws when the version has no baseline', async () => {
    const { models, deps } = setup();
    models.objects.clear();
    await expect(runDrift(settings, deps)).rejects.toThrow('no training baseline at s3://churn/1.4.0/baseline.json');
  });

  it('throws when the baseline is malformed, naming the field', async () => {
    const { models, deps } = setup();
    models.objects.set('churn/1.4.0/baseline.json', {
      body: '{"schemaVersion":1,"features":{"age":{"type":"numeric"}}}',
      contentType: '',
    });
    await expect(runDrift(settings, deps)).rejects.toThrow('features.age.bins must have edges and proportions arrays');
  });

  it('fails the run when the event cannot be published', async () => {
    const { captures, deps } = setup();
    writeCaptures(captures, '2025-03-10T11', 800, 70, 6);
    const failing = {
      ...deps,
      events: {
        publish: async () => {
          throw new Error('AccessDeniedException');
        },
      },
    };
    await expect(runDrift(settings, failing)).rejects.toThrow('AccessDeniedException');
  });
});

describe('drift: feature rows of captured requests', () => {
  it('http: top-level scalar fields, or one row per instance', () => {
    expect(extractRows('http', { age: 3, plan: 'pro', nested: { a: 1 }, list: [1] })).toEqual([
      { age: 3, plan: 'pro' },
    ]);
    expect(extractRows('http', { instances: [{ age: 1 }, { age: 2 }, 'x'] })).toEqual([{ age: 1 }, { age: 2 }]);
    expect(extractRows('http', [{ age: 1 }])).toEqual([{ age: 1 }]);
    expect(extractRows('http', 'text')).toEqual([]);
  });

  it('kserve-v2: a feature per input tensor, a row per batch element, columns of wide tensors by index', () => {
    const request = {
      inputs: [
        { name: 'age', shape: [2], datatype: 'FP32', data: [30, 40] },
        { name: 'plan', shape: [2, 1], datatype: 'BYTES', data: [['basic'], ['pro']] },
        { name: 'embedding', shape: [2, 2], datatype: 'FP32', data: [0.1, 0.2, 0.3, 0.4] },
        { name: 'broken', shape: [3], datatype: 'FP32', data: [1] },
      ],
    };
    expect(extractRows('kserve-v2', request)).toEqual([
      { age: 30, plan: 'basic', 'embedding[0]': 0.1, 'embedding[1]': 0.2 },
      { age: 40, plan: 'pro', 'embedding[0]': 0.3, 'embedding[1]': 0.4 },
    ]);
  });

  it('openai: message count, prompt characters and the sampling parameters', () => {
    expect(
      extractRows('openai', {
        model: 'llm',
        max_tokens: 256,
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hello' },
              { type: 'image_url', image_url: { url: 'x' } },
            ],
          },
        ],
      }),
    ).toEqual([{ message_count: 2, prompt_chars: 14, max_tokens: 256 }]);
    expect(extractRows('openai', { prompt: 'legacy' })).toEqual([]);
  });
});
