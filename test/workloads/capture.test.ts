import { describe, expect, it } from 'vitest';
import {
  CaptureWriter,
  dropFields,
  type Exchange,
  isJsonContentType,
  partitionPrefix,
} from '../../workloads/model-agent/src/serve/capture';
import { MemoryStore } from '../../workloads/model-agent/src/storage';
import { recordingLogger } from './helpers';

function exchange(time: string, request: unknown = { x: 1 }, response: unknown = { y: 2 }): Exchange {
  return {
    time,
    requestId: 'r',
    shadow: false,
    method: 'POST',
    path: '/invoke',
    status: 200,
    latencyMs: 3,
    requestBody: Buffer.from(JSON.stringify(request)),
    responseBody: Buffer.from(JSON.stringify(response)),
    responseContentType: 'application/json; charset=utf-8',
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const identity = { model: 'churn', version: '2.0.0', slot: 'green' };
const settings = { uri: 's3://b/captures', samplePercent: 100, dropFields: ['ssn'] };

describe('capture: helpers', () => {
  it('drops top-level fields only, and leaves arrays and scalars alone', () => {
    expect(dropFields({ ssn: 1, keep: { ssn: 2 } }, ['ssn'])).toEqual({ keep: { ssn: 2 } });
    expect(dropFields([{ ssn: 1 }], ['ssn'])).toEqual([{ ssn: 1 }]);
    expect(dropFields('text', ['ssn'])).toBe('text');
  });

  it('recognises JSON content types', () => {
    expect(isJsonContentType('application/json')).toBe(true);
    expect(isJsonContentType('application/vnd.api+json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(undefined)).toBe(false);
  });

  it('partitions by UTC date and hour', () => {
    expect(partitionPrefix('captures/', 'churn', '2.0.0', new Date('2025-03-09T23:59:59.999Z'))).toBe(
      'captures/model=churn/version=2.0.0/date=2025-03-09/hour=23',
    );
  });
});

describe('capture: the writer', () => {
  it('writes one file per hour partition of the buffered records', async () => {
    const store = new MemoryStore();
    const writer = new CaptureWriter(store, 'captures', identity, settings, recordingLogger().log);
    writer.add(exchange('2025-03-09T10:15:00.000Z', { a: 1, ssn: '123' }));
    writer.add(exchange('2025-03-09T10:45:00.000Z'));
    writer.add(exchange('2025-03-09T11:05:00.000Z'));
    await writer.close();

    const keys = [...store.objects.keys()];
    expect(keys).toHaveLength(2);
    expect(keys.filter((key) => key.includes('/date=2025-03-09/hour=10/'))).toHaveLength(1);
    expect(keys.filter((key) => key.includes('/date=2025-03-09/hour=11/'))).toHaveLength(1);
    const tenOClock = store.objects.get(keys.find((key) => key.includes('hour=10')) as string)?.body ?? '';
    const lines = tenOClock
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ model: 'churn', version: '2.0.0', slot: 'green', request: { a: 1 } });
    expect(lines[0].request.ssn).toBeUndefined();
    expect(writer.stats).toMatchObject({ sampled: 3, written: 3, files: 2, skipped: 0 });
  });

  it('flushes by itself once the buffer passes flushBytes', async () => {
    const store = new MemoryStore();
    const writer = new CaptureWriter(store, 'c', identity, settings, recordingLogger().log, { flushBytes: 200 });
    for (let i = 0; i < 3; i++) writer.add(exchange('2025-03-09T10:00:00.000Z', { payload: 'x'.repeat(100) }));
    await settle();
    await writer.flush();
    expect(store.objects.size).toBeGreaterThanOrEqual(2);
    await writer.close();
  });

  it('skips bodies that are not JSON objects or arrays, and answers that are not JSON', async () => {
    const store = new MemoryStore();
    const writer = new CaptureWriter(store, 'c', identity, settings, recordingLogger().log);
    writer.add({ ...exchange('2025-03-09T10:00:00.000Z'), requestBody: Buffer.from('not json') });
    writer.add({ ...exchange('2025-03-09T10:00:00.000Z'), requestBody: Buffer.from('42') });
    writer.add({ ...exchange('2025-03-09T10:00:00.000Z'), responseContentType: 'text/plain' });
    await writer.close();
    expect(store.objects.size).toBe(0);
    expect(writer.stats.skipped).toBe(3);
  });

  it('keeps records of a failed write for the next flush, within its bound', async () => {
    const store = new MemoryStore();
    let failing = true;
    const put = store.put.bind(store);
    store.put = async (key, body, type) => {
      if (failing) throw new Error('SlowDown');
      return put(key, body, type);
    };
    const writer = new CaptureWriter(store, 'c', identity, settings, recordingLogger().log);
    writer.add(exchange('2025-03-09T10:00:00.000Z'));
    await settle();
    await writer.flush();
    expect(writer.stats.failedWrites).toBe(1);

    failing = false;
    await writer.close();
    expect(writer.stats.written).toBe(1);
    expect(store.objects.size).toBe(1);
  });

  it('drops the oldest records once the buffer passes maxBufferedBytes', async () => {
    const store = new MemoryStore();
    store.put = async () => {
      throw new Error('unreachable');
    };
    const { log, withMessage } = recordingLogger();
    const writer = new CaptureWriter(store, 'c', identity, settings, log, { maxBufferedBytes: 700, flushBytes: 1e9 });
    for (let i = 0; i < 5; i++) writer.add(exchange('2025-03-09T10:00:00.000Z', { i, pad: 'x'.repeat(100) }));
    await writer.close();
    expect(writer.stats.dropped).toBeGreaterThan(0);
    expect(withMessage('capture buffer full, oldest records dropped').length).toBeGreaterThan(0);
    expect(withMessage('capture records lost at shutdown')).toHaveLength(1);
  });

  it('samples samplePercent percent of requests', () => {
    let draw = 0;
    const draws = [0.049, 0.05, 0.5];
    const writer = new CaptureWriter(
      new MemoryStore(),
      'c',
      identity,
      { ...settings, samplePercent: 5 },
      recordingLogger().log,
      {
        random: () => draws[draw++] as number,
      },
    );
    expect([writer.sample(), writer.sample(), writer.sample()]).toEqual([true, false, false]);
    void writer.close();
  });
});
