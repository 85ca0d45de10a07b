import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agentEnvironment, type EventsSettings, readAgentSettings } from '../../lib/config/agent';
import {
  type CoreEvent,
  EVENT_MESSAGE,
  type EventsTiming,
  eventRecord,
  runEvents,
} from '../../workloads/model-agent/src/events';
import { settingsProblems } from '../../workloads/model-agent/src/settings';
import { closeServers, type RecordedLog, recordingLogger, startServer, waitFor } from './helpers';

// ---- a fake API server on loopback -------------------------------------------------------------

const NOW = new Date('2026-03-01T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

function event(uid: string, resourceVersion: string, overrides: Partial<CoreEvent> = {}): CoreEvent {
  return {
    metadata: { uid, name: `pod-${uid}.18a`, namespace: 'model-serving', resourceVersion },
    type: 'Warning',
    reason: 'BackOff',
    message: `Back-off restarting failed container ${uid}`,
    involvedObject: { kind: 'Pod', namespace: 'model-serving', name: `pod-${uid}` },
    count: 3,
    firstTimestamp: minutesAgo(10),
    lastTimestamp: minutesAgo(1),
    source: { component: 'kubelet' },
    ...overrides,
  };
}

type Answer = { status: number; body?: unknown } | 'drop';

interface Request {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
}

/** `/api/v1/events`: pages of the current events, and watches the test feeds line by line. */
class FakeApi {
  events: CoreEvent[] = [];
  resourceVersion = '100';
  readonly requests: Request[] = [];
  /** Answers of the next requests, before the normal ones. */
  readonly failures: Answer[] = [];
  private readonly watches = new Set<http.ServerResponse>();
  url = '';

  async start(): Promise<void> {
    const server = await startServer((req, res) => this.handle(req, res));
    this.url = server.url;
  }

  get lists(): Request[] {
    return this.requests.filter((r) => r.query.get('watch') !== '1');
  }

  get watchRequests(): Request[] {
    return this.requests.filter((r) => r.query.get('watch') === '1');
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** Sends a watch line to every open watch. */
  send(type: string, object: unknown): void {
    for (const res of this.watches) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** Ends every open watch, as the server does when `timeoutSeconds` has passed. */
  endWatches(): void {
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    if (url.pathname !== '/api/v1/events') {
      res.writeHead(404).end();
      return;
    }
    const failure = this.failures.shift();
    if (failure === 'drop') {
      req.socket.destroy();
      return;
    }
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'application/json' }).end(JSON.stringify(failure.body ?? {}));
      return;
    }
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      this.watches.add(res);
      res.on('close', () => this.watches.delete(res));
      return;
    }
    const limit = Number(url.searchParams.get('limit'));
    const start = Number(url.searchParams.get('continue') ?? '0');
    const items = this.events.slice(start, start + limit);
    const more = start + limit < this.events.length;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        kind: 'EventList',
        apiVersion: 'v1',
        metadata: { resourceVersion: this.resourceVersion, ...(more ? { continue: String(start + limit) } : {}) },
        items,
      }),
    );
  }
}

// ---- the watcher under test --------------------------------------------------------------------

const TIMING: Partial<EventsTiming> = { pageSize: 2, backoffInitialMs: 10, backoffMaxMs: 40, watchTimeoutSeconds: 60 };

let credentials: string;
let api: FakeApi;

beforeEach(async () => {
  credentials = mkdtempSync(join(tmpdir(), 'events-'));
  writeFileSync(join(credentials, 'token'), 'token-1\n');
  api = new FakeApi();
  await api.start();
});

afterEach(async () => {
  await closeServers();
  rmSync(credentials, { recursive: true, force: true });
});

interface Running {
  readonly recorded: RecordedLog;
  /** The `event` field of every event line, in order. */
  written(): ReturnType<typeof eventRecord>[];
  stop(): Promise<void>;
}

function start(timing: Partial<EventsTiming> = TIMING): Running {
  const recorded = recordingLogger();
  let stop: (value: string) => void = () => undefined;
  const stopSignal = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const settings: EventsSettings = { mode: 'events', environment: 'staging', apiServer: api.url };
  const done = runEvents(settings, {
    log: recorded.log,
    stopSignal,
    credentialsDir: credentials,
    now: () => NOW,
    timing,
  });
  return {
    recorded,
    written: () => recorded.withMessage(EVENT_MESSAGE).map((line) => line.event as ReturnType<typeof eventRecord>),
    stop: async () => {
      stop('SIGTERM');
      await done;
    },
  };
}

const names = (running: Running) => running.written().map((record) => record.involvedObject.name);

describe('the event logger', () => {
  it('lists every page with its token, writes the events of the last five minutes, then watches from the list', async () => {
    // GIVEN three recent events and one last seen an hour ago, over two pages
    api.events = [
      event('a', '90'),
      event('old', '91', { lastTimestamp: minutesAgo(60) }),
      event('b', '92', { lastTimestamp: minutesAgo(3) }),
      event('c', '93', { lastTimestamp: minutesAgo(2) }),
    ];
    // WHEN the logger starts
    const running = start();
    await waitFor(() => api.openWatches === 1);
    // THEN it read both pages with the service account token, and watches from the list's version
    expect(api.lists.map((r) => [r.query.get('limit'), r.query.get('continue')])).toEqual([
      ['2', null],
      ['2', '2'],
    ]);
    expect(api.requests.every((r) => r.authorization === 'Bearer token-1')).toBe(true);
    const watch = api.watchRequests[0]?.query;
    expect(watch?.get('resourceVersion')).toBe('100');
    expect(watch?.get('allowWatchBookmarks')).toBe('true');
    expect(watch?.get('timeoutSeconds')).toBe('60');
    // AND it wrote the recent events, oldest change first, and not the hour-old one
    expect(names(running)).toEqual(['pod-b', 'pod-c', 'pod-a']);
    expect(running.written()[0]).toEqual({
      type: 'Warning',
      reason: 'BackOff',
      involvedObject: { kind: 'Pod', namespace: 'model-serving', name: 'pod-b' },
      message: 'Back-off restarting failed container b',
      count: 3,
      firstTimestamp: minutesAgo(10),
      lastTimestamp: minutesAgo(3),
      reportingController: 'kubelet',
    });
    const line = running.recorded.withMessage(EVENT_MESSAGE)[0];
    expect(line?.level).toBe('info');
    await running.stop();
  });

  it('writes added and modified events from the watch once per change, and nothing for deletions', async () => {
    const running = start();
    await waitFor(() => api.openWatches === 1);
    // WHEN the watch brings an event, its update, the same update again, and a deletion
    api.send('ADDED', event('d', '101', { count: 1 }));
    api.send('MODIFIED', event('d', '102', { count: 2 }));
    api.send('MODIFIED', event('d', '102', { count: 2 }));
    api.send('DELETED', event('d', '103', { count: 2 }));
    api.send('ADDED', event('e', '104', { type: 'Normal', reason: 'Scheduled' }));
    await waitFor(() => running.written().length === 3);
    // THEN each change is one line
    expect(running.written().map((r) => [r.involvedObject.name, r.reason, r.count])).toEqual([
      ['pod-d', 'BackOff', 1],
      ['pod-d', 'BackOff', 2],
      ['pod-e', 'Scheduled', 3],
    ]);
    await running.stop();
  });

  it('resumes a watch the server ended from the last version it saw, bookmarks included, with a rotated token', async () => {
    const running = start();
    await waitFor(() => api.openWatches === 1);
    api.send('ADDED', event('f', '105'));
    api.send('BOOKMARK', { kind: 'Event', apiVersion: 'v1', metadata: { resourceVersion: '150' } });
    await waitFor(() => running.written().length === 1);
    // The kubelet rotates the projected token in place.
    writeFileSync(join(credentials, 'token'), 'token-2\n');
    api.endWatches();
    await waitFor(() => api.openWatches === 1);
    const resumed = api.watchRequests[1];
    expect(resumed?.query.get('resourceVersion')).toBe('150');
    expect(resumed?.authorization).toBe('Bearer token-2');
    // No second list, and no failure
    expect(api.lists).toHaveLength(1);
    expect(running.recorded.withMessage('API server call failed, retrying')).toEqual([]);
    await running.stop();
  });

  it('lists again on a 410 Gone watch event, writing only what it had not written', async () => {
    api.events = [event('a', '90')];
    const running = start();
    await waitFor(() => api.openWatches === 1);
    api.send('ADDED', event('g', '120'));
    await waitFor(() => running.written().length === 2);
    // WHEN the watch's version is compacted away, while g changed and h appeared, and a went away
    api.events = [event('g', '130', { count: 9 }), event('h', '131', { lastTimestamp: minutesAgo(30) })];
    api.resourceVersion = '200';
    api.send('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    await waitFor(() => api.lists.length === 2 && api.openWatches === 1);
    // THEN it listed again and wrote g's change and h (however old: it appeared while watching)
    expect(names(running)).toEqual(['pod-a', 'pod-g', 'pod-h', 'pod-g']);
    expect(running.written()[3]?.count).toBe(9);
    expect(api.watchRequests.at(-1)?.query.get('resourceVersion')).toBe('200');
    expect(running.recorded.withMessage('resource version expired, listing again')).toHaveLength(1);
    // AND an unchanged event listed again later is not written again
    api.resourceVersion = '201';
    api.send('ERROR', { kind: 'Status', code: 410 });
    await waitFor(() => api.lists.length === 3 && api.openWatches === 1);
    expect(running.written()).toHaveLength(4);
    await running.stop();
  });

  it('lists again when the watch request itself is answered 410 Gone', async () => {
    const running = start();
    await waitFor(() => api.openWatches === 1);
    api.failures.push({ status: 410, body: { kind: 'Status', code: 410, reason: 'Expired' } });
    api.endWatches();
    await waitFor(() => api.lists.length === 2 && api.openWatches === 1);
    expect(running.recorded.withMessage('resource version expired, listing again')).toHaveLength(1);
    await running.stop();
  });

  it('backs off exponentially after failures and dropped connections, then carries on from its version', async () => {
    // GIVEN the API server failing the first list twice
    api.failures.push({ status: 500, body: { message: 'etcd leader changed' } }, 'drop');
    const running = start();
    await waitFor(() => api.openWatches === 1);
    // THEN it retried after 10 ms, then 20 ms
    const retries = running.recorded.withMessage('API server call failed, retrying');
    expect(retries.map((line) => [line.level, line.failures, line.retryInMs])).toEqual([
      ['warn', 1, 10],
      ['warn', 2, 20],
    ]);
    expect(retries[0]?.error).toContain('500');
    // WHEN a watch fails three times in a row (throttled, dropped, throttled)
    api.send('ADDED', event('i', '140'));
    await waitFor(() => running.written().length === 1);
    api.failures.push({ status: 429 }, 'drop', { status: 429 });
    api.endWatches();
    await waitFor(() => api.watchRequests.length === 5 && api.openWatches === 1);
    // THEN the delay started again at 10 ms (the last watch succeeded) and stops doubling at 40 ms
    const later = running.recorded.withMessage('API server call failed, retrying').slice(2);
    expect(later.map((line) => line.retryInMs)).toEqual([10, 20, 40]);
    // AND every watch resumed from the last version seen, without listing again
    expect(api.watchRequests.slice(1).map((r) => r.query.get('resourceVersion'))).toEqual(['140', '140', '140', '140']);
    expect(api.lists).toHaveLength(3);
    await running.stop();
  });

  it('logs a denied call as an error, and keeps trying', async () => {
    api.failures.push({ status: 403, body: { message: 'events is forbidden' } });
    const running = start();
    await waitFor(() => api.openWatches === 1);
    const [denied] = running.recorded.withMessage('API server call failed, retrying');
    expect(denied?.level).toBe('error');
    expect(denied?.error).toContain('403');
    await running.stop();
  });

  it('stops at once while a watch is open', async () => {
    const running = start();
    await waitFor(() => api.openWatches === 1);
    const before = Date.now();
    await running.stop();
    expect(Date.now() - before).toBeLessThan(1_000);
    expect(running.recorded.withMessage('stopped')).toHaveLength(1);
    await waitFor(() => api.openWatches === 0);
  });

  it('stops during a back-off', async () => {
    api.failures.push({ status: 503 });
    const running = start({ ...TIMING, backoffInitialMs: 60_000 });
    await waitFor(() => running.recorded.withMessage('API server call failed, retrying').length === 1);
    const before = Date.now();
    await running.stop();
    expect(Date.now() - before).toBeLessThan(1_000);
  });
});

describe('event lines', () => {
  it('reads events written through events.k8s.io/v1: event time, series count, reporting controller', () => {
    const record = eventRecord({
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: 'Created pod: churn-batch-nightly-x',
      involvedObject: { kind: 'Job', namespace: 'model-serving', name: 'churn-batch-nightly-x' },
      eventTime: '2026-03-01T11:00:00.000000Z',
      series: { count: 4, lastObservedTime: '2026-03-01T11:30:00.000000Z' },
      firstTimestamp: null,
      lastTimestamp: null,
      reportingComponent: 'job-controller',
    });
    expect(record).toEqual({
      type: 'Normal',
      reason: 'SuccessfulCreate',
      involvedObject: { kind: 'Job', namespace: 'model-serving', name: 'churn-batch-nightly-x' },
      message: 'Created pod: churn-batch-nightly-x',
      count: 4,
      firstTimestamp: '2026-03-01T11:00:00.000000Z',
      lastTimestamp: '2026-03-01T11:30:00.000000Z',
      reportingController: 'job-controller',
    });
  });

  it('counts a single occurrence as 1 and leaves missing fields empty', () => {
    expect(eventRecord({})).toEqual({
      type: '',
      reason: '',
      involvedObject: { kind: '', namespace: '', name: '' },
      message: '',
      count: 1,
      firstTimestamp: null,
      lastTimestamp: null,
      reportingController: '',
    });
  });
});

describe('events settings', () => {
  it('are read back from the container environment and checked', () => {
    const settings: EventsSettings = {
      mode: 'events',
      environment: 'staging',
      apiServer: 'https://kubernetes.default.svc',
    };
    const read = readAgentSettings(agentEnvironment(settings));
    expect(read).toEqual(settings);
    expect(settingsProblems(read)).toEqual([]);
    expect(settingsProblems({ ...settings, apiServer: 'kubernetes.default.svc' })).toEqual([
      'MLOPS_AGENT_SETTINGS.apiServer is "kubernetes.default.svc", must be a URL',
    ]);
  });
});
