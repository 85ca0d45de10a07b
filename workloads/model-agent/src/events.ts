/**
 * `events` mode: the cluster's Kubernetes events, one JSON line each on stdout, where the
 * cluster's log agent picks them up with the other container logs (on EKS, Container Insights'
 * Fluent Bit into `/aws/containerinsights/<cluster>/application`, the line merged under
 * `log_processed`).
 *
 * The list-then-watch protocol of the API server
 * (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
 * list `/api/v1/events` (in pages) for a resource version, watch from it, carry on from the last
 * version seen when a watch ends, list again when the server answers 410 Gone (the version is
 * older than its watch cache), and back off exponentially from every other failure. Only
 * node:http(s) and node:fs: the image needs nothing else.
 *
 * Each event is written once per change: a listed or watched event whose resource version was
 * already written is skipped, so a re-list after 410 does not repeat what the watch wrote. After a
 * restart the first list writes only the events that changed within `startupLookbackSeconds`
 * (the gap a rescheduled pod leaves), not the hour of events the API server keeps.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { EventsSettings } from '../../../lib/config/agent';
import { errorMessage, type Logger } from './log';
import { excerpt, HttpStatusError } from './util';

/** Where the kubelet mounts the pod's service account token (rotated in place) and the cluster CA. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The message of every event line. */
export const EVENT_MESSAGE = 'kubernetes event';

export const EVENTS_DEFAULTS = {
  /** The server ends each watch after this long (plus up to the same again, its jitter); the watch resumes. */
  watchTimeoutSeconds: 300,
  /** Items per list page. */
  pageSize: 500,
  /** First retry delay after a failure; doubles per consecutive failure up to `backoffMaxMs`. */
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  /** On start, events last changed this long ago or later are written. */
  startupLookbackSeconds: 300,
} as const;

export type EventsTiming = { -readonly [K in keyof typeof EVENTS_DEFAULTS]: number };

export interface EventsDeps {
  /** Writes the event lines and the watcher's own. */
  readonly log: Logger;
  /** Resolves when the process is asked to stop. */
  readonly stopSignal: Promise<unknown>;
  /** @default SERVICE_ACCOUNT_DIR */
  readonly credentialsDir?: string;
  /** @default - the wall clock */
  readonly now?: () => Date;
  /** @default EVENTS_DEFAULTS */
  readonly timing?: Partial<EventsTiming>;
}

/** The fields of a core/v1 Event the logger reads. */
export interface CoreEvent {
  readonly metadata?: {
    readonly uid?: string;
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
    readonly creationTimestamp?: string;
  };
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly involvedObject?: { readonly kind?: string; readonly namespace?: string; readonly name?: string };
  readonly count?: number;
  readonly series?: { readonly count?: number; readonly lastObservedTime?: string };
  readonly firstTimestamp?: string | null;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly reportingComponent?: string;
  readonly source?: { readonly component?: string };
}

/** What one event line carries under `event`. */
export interface EventRecord {
  readonly type: string;
  readonly reason: string;
  readonly involvedObject: { readonly kind: string; readonly namespace: string; readonly name: string };
  readonly message: string;
  readonly count: number;
  readonly firstTimestamp: string | null;
  readonly lastTimestamp: string | null;
  readonly reportingController: string;
}

/**
 * The line's view of an event. Events written through events.k8s.io/v1 appear in core/v1 with
 * `eventTime` and `series` instead of the timestamps and `count`, and with `reportingComponent`
 * (events.k8s.io's `reportingController`) instead of `source.component`.
 */
export function eventRecord(event: CoreEvent): EventRecord {
  const last = event.lastTimestamp || event.series?.lastObservedTime || event.eventTime || null;
  return {
    type: event.type ?? '',
    reason: event.reason ?? '',
    involvedObject: {
      kind: event.involvedObject?.kind ?? '',
      namespace: event.involvedObject?.namespace ?? '',
      name: event.involvedObject?.name ?? '',
    },
    message: event.message ?? '',
    count: event.count || event.series?.count || 1,
    firstTimestamp: event.firstTimestamp || event.eventTime || last,
    lastTimestamp: last,
    reportingController: event.reportingComponent || event.source?.component || '',
  };
}

/** The API server no longer has the resource version asked for: list again. */
export class ResourceVersionGone extends Error {}

class Stopped extends Error {}

/** Runs until `stopSignal` resolves. */
export async function runEvents(settings: EventsSettings, deps: EventsDeps): Promise<void> {
  const timing: EventsTiming = { ...EVENTS_DEFAULTS, ...deps.timing };
  const now = deps.now ?? (() => new Date());
  const { log } = deps;
  const api = new ApiClient(new URL(settings.apiServer), deps.credentialsDir ?? SERVICE_ACCOUNT_DIR);
  const abort = new AbortController();
  let stopped = false;
  const stop = deps.stopSignal.then(() => {
    stopped = true;
    abort.abort(new Stopped('stopping'));
  });

  /** The resource version last written per event uid. */
  let written = new Map<string, string>();
  const write = (event: CoreEvent) => {
    const uid = event.metadata?.uid ?? '';
    const version = event.metadata?.resourceVersion ?? '';
    if (uid && written.get(uid) === version) return;
    if (uid) written.set(uid, version);
    log.info(EVENT_MESSAGE, { event: eventRecord(event) });
  };

  let resourceVersion: string | undefined;
  let started = false;
  let failures = 0;
  while (!stopped) {
    try {
      if (resourceVersion === undefined) {
        const list = await api.list(timing, abort.signal);
        const since = now().getTime() - timing.startupLookbackSeconds * 1000;
        const previous = written;
        // Only what is listed still exists: forget the rest, so the map stays the size of the list.
        written = new Map();
        for (const event of list.items) {
          const uid = event.metadata?.uid;
          if (uid && previous.has(uid)) written.set(uid, previous.get(uid) as string);
        }
        const fresh = started ? list.items : list.items.filter((event) => changedAt(event) >= since);
        for (const event of [...fresh].sort((a, b) => changedAt(a) - changedAt(b))) write(event);
        if (!started) {
          // Those left out were written before this process started (or are older than the gap).
          for (const event of list.items) {
            const uid = event.metadata?.uid;
            if (uid && !written.has(uid)) written.set(uid, event.metadata?.resourceVersion ?? '');
          }
        }
        log.info('listed events', {
          events: list.items.length,
          written: fresh.length,
          resourceVersion: list.resourceVersion,
        });
        resourceVersion = list.resourceVersion;
        started = true;
      }
      resourceVersion = await api.watch(resourceVersion, timing, abort.signal, (change) => {
        const version = change.object.metadata?.resourceVersion;
        if (change.type === 'ADDED' || change.type === 'MODIFIED') write(change.object);
        else if (change.type === 'DELETED') written.delete(change.object.metadata?.uid ?? '');
        return version;
      });
      failures = 0;
    } catch (error) {
      if (stopped) break;
      if (error instanceof ResourceVersionGone) {
        log.info('resource version expired, listing again', { resourceVersion });
        resourceVersion = undefined;
        continue;
      }
      failures++;
      const delayMs = Math.min(timing.backoffMaxMs, timing.backoffInitialMs * 2 ** (failures - 1));
      const denied = error instanceof HttpStatusError && (error.status === 401 || error.status === 403);
      (denied ? log.error : log.warn)('API server call failed, retrying', {
        error: errorMessage(error),
        failures,
        retryInMs: delayMs,
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stop, new Promise((resolve) => (timer = setTimeout(resolve, delayMs)))]);
      clearTimeout(timer);
    }
  }
  log.info('stopped', { resourceVersion });
}

/** When an event last changed, in ms since the epoch (0 when it says nothing). */
function changedAt(event: CoreEvent): number {
  const record = eventRecord(event);
  const time = record.lastTimestamp ?? event.metadata?.creationTimestamp;
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

interface WatchChange {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: CoreEvent;
}

/** The API server with the pod's service account: token (re-read per request) and CA. */
class ApiClient {
  constructor(
    private readonly base: URL,
    private readonly credentialsDir: string,
  ) {}

  async list(timing: EventsTiming, signal: AbortSignal): Promise<{ items: CoreEvent[]; resourceVersion: string }> {
    const items: CoreEvent[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const query = new URLSearchParams({ limit: String(timing.pageSize) });
      if (next) query.set('continue', next);
      const response = await this.get(`/api/v1/events?${query}`, timing, signal);
      const text = await readBody(response);
      // An expired continue token is 410 as well: the list starts over.
      if (response.statusCode === 410) throw new ResourceVersionGone(`list: ${excerpt(text)}`);
      if (response.statusCode !== 200) {
        throw new HttpStatusError(response.statusCode ?? 0, `list events: ${response.statusCode} ${excerpt(text)}`);
      }
      const page = JSON.parse(text) as {
        items?: CoreEvent[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      next = page.metadata?.continue || undefined;
    } while (next);
    if (!resourceVersion) throw new Error('list events: the answer has no resourceVersion');
    return { items, resourceVersion };
  }

  /**
   * Watches from `resourceVersion` until the server ends the watch; resolves with the last
   * resource version seen (bookmarks included), from which the next watch resumes.
   */
  async watch(
    resourceVersion: string,
    timing: EventsTiming,
    signal: AbortSignal,
    onChange: (change: WatchChange) => string | undefined,
  ): Promise<string> {
    const query = new URLSearchParams({
      watch: '1',
      resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timing.watchTimeoutSeconds),
    });
    const response = await this.get(`/api/v1/events?${query}`, timing, signal);
    if (response.statusCode === 410) throw new ResourceVersionGone(`watch: ${excerpt(await readBody(response))}`);
    if (response.statusCode !== 200) {
      const text = await readBody(response);
      throw new HttpStatusError(response.statusCode ?? 0, `watch events: ${response.statusCode} ${excerpt(text)}`);
    }
    let last = resourceVersion;
    let buffer = '';
    const handle = (line: string) => {
      if (!line.trim()) return;
      const change = JSON.parse(line) as { type?: string; object?: Record<string, unknown> };
      if (change.type === 'ERROR') {
        const status = change.object as { code?: number; message?: string } | undefined;
        if (status?.code === 410) throw new ResourceVersionGone(`watch: ${status.message ?? 'gone'}`);
        throw new HttpStatusError(status?.code ?? 500, `watch events: ${status?.code} ${status?.message ?? ''}`);
      }
      if (
        change.type !== 'ADDED' &&
        change.type !== 'MODIFIED' &&
        change.type !== 'DELETED' &&
        change.type !== 'BOOKMARK'
      ) {
        return;
      }
      last = onChange({ type: change.type, object: (change.object ?? {}) as CoreEvent }) || last;
    };
    response.setEncoding('utf8');
    for await (const chunk of response) {
      buffer += chunk as string;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          handle(line);
        } catch (error) {
          response.destroy();
          throw error;
        }
        newline = buffer.indexOf('\n');
      }
    }
    if (!response.complete) throw new Error('watch events: the connection closed before the answer ended');
    handle(buffer);
    return last;
  }

  private async get(path: string, timing: EventsTiming, signal: AbortSignal): Promise<http.IncomingMessage> {
    const token = (await readFile(`${this.credentialsDir}/token`, 'utf8')).trim();
    const secure = this.base.protocol === 'https:';
    const ca = secure ? await readFile(`${this.credentialsDir}/ca.crt`) : undefined;
    // A connection silent for longer than the server's longest watch (its timeout plus its
    // jitter) is dead: drop it and reconnect.
    const idleMs = (2 * timing.watchTimeoutSeconds + 30) * 1000;
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        new URL(path, this.base),
        {
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal,
          timeout: idleMs,
          ...(ca ? { ca } : {}),
        },
        resolve,
      );
      request.on('timeout', () => request.destroy(new Error(`no data from the API server for ${idleMs} ms`)));
      request.on('error', reject);
      request.end();
    });
  }
}

async function readBody(response: http.IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  for await (const chunk of response) text += chunk as string;
  return text;
}
