/**
 * Shadow traffic: a share of live requests is sent again to the other slot (the candidate of a
 * release) and its answer thrown away, so a new version meets real traffic before it takes any.
 *
 * Fire and forget: mirroring starts once the live request body has arrived, never delays or fails
 * the live answer, and at most `maxInFlight` mirrors run at once (more are dropped and counted),
 * so a slow candidate cannot pile up sockets or memory in the live pod. Mirrors carry
 * `x-mlops-shadow: 1`; the receiving agent serves them but never mirrors them again (both slots
 * mirror to each other, so without it one request would bounce between them).
 */
import http from 'node:http';
import { errorMessage, type Logger } from '../log';

export const SHADOW_HEADER = 'x-mlops-shadow';

export interface ShadowOptions {
  readonly log: Logger;
  /** Each mirror is abandoned after this long. */
  readonly timeoutMs: number;
  /** @default 32 */
  readonly maxInFlight?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface ShadowStats {
  sent: number;
  answered: number;
  failed: number;
  /** Not sent: too many in flight. */
  dropped: number;
}

export class ShadowMirror {
  readonly stats: ShadowStats = { sent: 0, answered: 0, failed: 0, dropped: 0 };
  private inFlight = 0;
  private readonly target: URL;
  private readonly agent: http.Agent;
  private readonly maxInFlight: number;
  private readonly random: () => number;
  private lastFailureLog = 0;
  private readonly requests = new Set<http.ClientRequest>();

  constructor(
    peerUrl: string,
    private readonly options: ShadowOptions,
  ) {
    this.target = new URL(peerUrl);
    this.maxInFlight = options.maxInFlight ?? 32;
    this.random = options.random ?? Math.random;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: this.maxInFlight });
  }

  /** Whether to mirror the next request, at `percent` percent. */
  shouldMirror(percent: number): boolean {
    return percent > 0 && this.random() * 100 < percent;
  }

  get active(): number {
    return this.inFlight;
  }

  /** Sends a copy; returns at once. */
  mirror(method: string, path: string, headers: http.OutgoingHttpHeaders, body: Buffer): void {
    if (this.inFlight >= this.maxInFlight) {
      this.stats.dropped++;
      return;
    }
    this.inFlight++;
    this.stats.sent++;
    let settled = false;
    const done = (error?: unknown) => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      this.requests.delete(request);
      if (error === undefined) {
        this.stats.answered++;
        return;
      }
      this.stats.failed++;
      // A candidate that is down would otherwise log once per mirrored request.
      const now = Date.now();
      if (now - this.lastFailureLog >= 60_000) {
        this.lastFailureLog = now;
        this.options.log.warn('shadow request failed', {
          peer: this.target.origin,
          error: errorMessage(error),
          ...this.stats,
        });
      }
    };
    const request = http.request({
      protocol: this.target.protocol,
      hostname: this.target.hostname,
      port: this.target.port,
      method,
      path,
      agent: this.agent,
      headers: { ...headers, host: this.target.host, [SHADOW_HEADER]: '1', 'content-length': body.length },
    });
    this.requests.add(request);
    request.setTimeout(this.options.timeoutMs, () => request.destroy(new Error('shadow request timed out')));
    let answer: http.IncomingMessage | undefined;
    request.on('response', (response) => {
      answer = response;
      response.resume();
      response.on('end', () => done());
      response.on('error', done);
    });
    request.on('error', done);
    request.on('close', () => done(answer?.complete ? undefined : new Error('connection closed before the answer')));
    request.end(body);
  }

  /** Abandons the mirrors still in flight (shutdown: their answers would be discarded anyway). */
  close(): void {
    for (const request of this.requests) request.destroy();
    this.agent.destroy();
  }
}
