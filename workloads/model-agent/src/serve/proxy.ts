/**
 * The serving agent's HTTP server: a streaming reverse proxy in front of the model container on
 * localhost, with the agent's own `GET /live` and `GET /ready`.
 *
 * Per proxied request: flags decide (disabled → 503 without calling the model), the gateway's
 * trace continues in a server span, the request and answer stream through unchanged (status,
 * headers, body), `timeoutSeconds` bounds the exchange (504 before the answer starts, a cut
 * connection after), a model that cannot be reached gives 502, and one JSON log line records the
 * outcome. Shadow and capture copy bodies on the side (up to `BODY_COPY_LIMIT`) and act after
 * the fact, so neither delays nor fails the live answer.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ServeSettings } from '../../../../lib/config/agent';
import { errorMessage, type Logger } from '../log';
import { BODY_COPY_LIMIT, type CaptureWriter, isJsonContentType } from './capture';
import type { FlagReader } from './flags';
import { SHADOW_HEADER, type ShadowMirror } from './shadow';
import type { Tracing } from './tracing';

export interface AgentServerDeps {
  readonly settings: ServeSettings;
  readonly flags: FlagReader;
  readonly shadow: ShadowMirror;
  readonly tracing: Tracing;
  readonly log: Logger;
  /** Present when the model has capture settings; the capture flag switches it on and off. */
  readonly capture?: CaptureWriter;
  /** Bound of the agent's readiness probe of the model. @default 2 s */
  readonly readinessTimeoutMs?: number;
}

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * How a proxied request ended, in its log line and span: answered, refused by the `enabled` flag,
 * over `timeoutSeconds`, model unreachable (502), left by the client, or cut by the model.
 */
export type Outcome = 'ok' | 'disabled' | 'timeout' | 'unreachable' | 'client-closed' | 'model-closed';

/**
 * Idle keep-alive connections stay open for 65 s, longer than the 60 s idle timeout that HTTP
 * clients and proxies commonly use. Node's default of 5 s makes the agent close connections that
 * the caller is about to reuse, which surfaces as sporadic 502s at the gateway.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const result: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.has(name)) continue;
    result[name] = value;
  }
  return result;
}

/** Collects a body's chunks up to a limit; beyond it, gives up and frees what it had. */
class BodyCopy {
  private chunks: Buffer[] = [];
  private size = 0;
  overflow = false;

  push(chunk: Buffer): void {
    if (this.overflow) return;
    this.size += chunk.length;
    if (this.size > BODY_COPY_LIMIT) {
      this.overflow = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk);
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export class AgentServer {
  readonly server: http.Server;
  private readonly upstream: URL;
  private readonly upstreamAgent: http.Agent;
  private readonly active = new Set<http.ServerResponse>();
  private draining = false;

  constructor(private readonly deps: AgentServerDeps) {
    this.upstream = new URL(deps.settings.upstreamUrl);
    this.upstreamAgent = new http.Agent({ keepAlive: true });
    this.server = http.createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }, (req, res) => this.handle(req, res));
    this.server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  }

  /** Starts listening; resolves with the bound port (0 picks a free one). */
  listen(port: number, host = '0.0.0.0'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  get inFlight(): number {
    return this.active.size;
  }

  /**
   * Graceful stop: `/ready` turns 503, no new connections are accepted, idle keep-alive
   * connections close, answers in flight finish (with `Connection: close`) for up to `graceMs`,
   * then whatever is left is cut.
   */
  async close(graceMs: number): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (this.active.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      this.server.closeIdleConnections();
    }
    if (this.active.size > 0) {
      this.deps.log.warn('requests cut at shutdown', { inFlight: this.active.size });
    }
    this.server.closeAllConnections();
    this.upstreamAgent.destroy();
    await closed;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (this.draining) res.setHeader('connection', 'close');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/live') {
      sendJson(res, 200, { status: 'live' });
      return;
    }
    if (req.method === 'GET' && path === '/ready') {
      void this.ready(res);
      return;
    }
    this.proxy(req, res);
  }

  /** The model's readiness, as the load balancers and the gateway's health route see it. */
  private async ready(res: http.ServerResponse): Promise<void> {
    if (this.draining) {
      sendJson(res, 503, { status: 'draining' });
      return;
    }
    const url = new URL(this.deps.settings.readinessPath, this.upstream);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.deps.readinessTimeoutMs ?? 2_000) });
      await response.arrayBuffer();
      if (response.ok) sendJson(res, 200, { status: 'ready' });
      else sendJson(res, 503, { status: 'model not ready', modelStatus: response.status });
    } catch (error) {
      sendJson(res, 503, { status: 'model unreachable', error: errorMessage(error) });
    }
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    const { settings, tracing, log } = this.deps;
    const started = performance.now();
    const receivedAt = new Date();
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    this.active.add(res);

    const parent = tracing.extract(req.headers);
    const span = tracing.tracer.startSpan(
      `${method} ${settings.model}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': path.split('?')[0] as string,
          'mlops.model': settings.model,
          'mlops.model.version': settings.version,
          'mlops.slot': settings.slot,
        },
      },
      parent,
    );
    const spanContext = span.spanContext();
    const traceId = trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
    const requestId = firstHeader(req.headers[REQUEST_ID_HEADER]) ?? randomUUID();
    const isShadow = firstHeader(req.headers[SHADOW_HEADER]) === '1';
    const flags = this.deps.flags.current();

    const mirror = flags.enabled && !isShadow && this.deps.shadow.shouldMirror(flags.shadowPercent);
    const capture =
      flags.enabled &&
      flags.capture &&
      this.deps.capture !== undefined &&
      isJsonContentType(firstHeader(req.headers['content-type'])) &&
      this.deps.capture.sample();
    const requestCopy = mirror || capture ? new BodyCopy() : undefined;
    const captureCopy = capture ? requestCopy : undefined;
    let responseCopy: BodyCopy | undefined;
    let responseContentType: string | undefined;
    let status = 0;
    let outcome: Outcome = 'ok';
    let timer: NodeJS.Timeout | undefined;
    let upstreamRequest: http.ClientRequest | undefined;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      this.active.delete(res);
      clearTimeout(timer);
      if (!res.writableFinished) {
        // The client went away before its answer was complete: stop the model's work too.
        if (outcome === 'ok') outcome = 'client-closed';
        upstreamRequest?.destroy();
      }
      // Nothing was answered: the client left first (nginx's 499).
      if (status === 0) status = 499;
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      endSpan(span, status, outcome);
      log.info('request', {
        model: settings.model,
        version: settings.version,
        slot: settings.slot,
        method,
        path,
        status,
        latencyMs,
        outcome,
        traceId,
        requestId,
        shadow: isShadow,
      });
      if (captureCopy && responseCopy && outcome === 'ok' && !captureCopy.overflow && !responseCopy.overflow) {
        this.deps.capture?.add({
          time: receivedAt.toISOString(),
          requestId,
          traceId,
          shadow: isShadow,
          method,
          path,
          status,
          latencyMs,
          requestBody: captureCopy.body,
          responseBody: responseCopy.body,
          responseContentType,
        });
      }
    };
    res.on('close', finish);

    if (!flags.enabled) {
      outcome = 'disabled';
      status = 503;
      req.resume();
      sendJson(res, 503, { error: 'model disabled', model: settings.model }, { 'retry-after': '30' });
      return;
    }

    const headers = endToEnd(req.headers);
    headers.host = this.upstream.host;
    headers[REQUEST_ID_HEADER] = requestId;
    const forwardedFor = firstHeader(req.headers['x-forwarded-for']);
    const peer = req.socket.remoteAddress;
    if (peer) headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${peer}` : peer;
    tracing.inject(trace.setSpan(parent, span), headers);

    const forward = http.request({
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname,
      port: this.upstream.port,
      method,
      path,
      headers,
      agent: this.upstreamAgent,
    });
    upstreamRequest = forward;

    timer = setTimeout(() => {
      outcome = 'timeout';
      forward.destroy();
      if (!res.headersSent) {
        status = 504;
        sendJson(res, 504, { error: 'model timed out', timeoutSeconds: settings.timeoutSeconds });
      } else {
        // The answer has started: all that is left is to cut it, so the client sees it incomplete.
        res.destroy();
      }
    }, settings.timeoutSeconds * 1000);

    if (requestCopy) req.on('data', (chunk: Buffer) => requestCopy.push(chunk));
    req.on('end', () => {
      if (mirror && requestCopy && !requestCopy.overflow) {
        const mirrorHeaders = endToEnd(req.headers);
        delete mirrorHeaders['content-length'];
        mirrorHeaders[REQUEST_ID_HEADER] = requestId;
        tracing.inject(trace.setSpan(parent, span), mirrorHeaders);
        this.deps.shadow.mirror(method, path, mirrorHeaders, requestCopy.body);
      }
    });
    req.pipe(forward);

    forward.on('response', (answer) => {
      status = answer.statusCode ?? 502;
      responseContentType = firstHeader(answer.headers['content-type']);
      if (captureCopy) {
        responseCopy = new BodyCopy();
        const copy = responseCopy;
        answer.on('data', (chunk: Buffer) => copy.push(chunk));
      }
      const responseHeaders = endToEnd(answer.headers);
      if (this.draining) responseHeaders.connection = 'close';
      res.writeHead(status, answer.statusMessage, responseHeaders);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });

    forward.on('error', (error) => {
      if (outcome !== 'ok') return;
      if (!res.headersSent) {
        outcome = 'unreachable';
        status = 502;
        log.warn('model unreachable', { error: errorMessage(error), requestId, traceId });
        sendJson(res, 502, { error: 'model unreachable' });
      } else {
        outcome = 'model-closed';
        res.destroy();
      }
    });
  }
}

function endSpan(span: Span, status: number, outcome: string): void {
  if (status) span.setAttribute('http.response.status_code', status);
  span.setAttribute('mlops.outcome', outcome);
  if (status >= 500 || status === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
  span.end();
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  extraHeaders: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...extraHeaders,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
