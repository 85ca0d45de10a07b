/** Shared fixtures of the model agent tests: loopback servers, a recording logger, seeded randomness. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServeSettings } from '../../lib/config/agent';
import { jsonLogger, type Logger } from '../../workloads/model-agent/src/log';
import type { MetricDatum, MetricsPublisher } from '../../workloads/model-agent/src/publish';

/** Mulberry32: a small seeded PRNG, so generated data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box-Muller) from a seeded PRNG. */
export function normals(random: () => number, count: number, mean = 0, sd = 1): number[] {
  const values: number[] = [];
  while (values.length < count) {
    const u = 1 - random();
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    values.push(mean + sd * radius * Math.cos(2 * Math.PI * v));
    if (values.length < count) values.push(mean + sd * radius * Math.sin(2 * Math.PI * v));
  }
  return values;
}

export interface RecordedLog {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
  /** Lines with this message. */
  withMessage(message: string): Record<string, unknown>[];
}

export function recordingLogger(): RecordedLog {
  const lines: Record<string, unknown>[] = [];
  return {
    log: jsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }),
    lines,
    withMessage: (message) => lines.filter((line) => line.msg === message),
  };
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Servers to close after each test. */
const open = new Set<TestServer>();

/** An HTTP server on 127.0.0.1 and an ephemeral port; `closeServers` (afterEach) closes it. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const entry: TestServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        open.delete(entry);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  open.add(entry);
  return entry;
}

export async function closeServers(): Promise<void> {
  await Promise.all([...open].map((server) => server.close()));
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.port;
}

/** Reads a request body. */
export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', reject);
  });
}

/** Polls until `check` is true or `timeoutMs` passes (then throws). */
export async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function serveSettings(overrides: Partial<ServeSettings> = {}): ServeSettings {
  return {
    mode: 'serve',
    environment: 'staging',
    model: 'churn',
    version: '1.4.0',
    protocol: 'http',
    upstreamUrl: 'http://127.0.0.1:1',
    readinessPath: '/ready',
    slot: 'blue',
    listenPort: 0,
    timeoutSeconds: 5,
    flags: { kind: 'file', path: '/nonexistent/flags.json' },
    peerUrl: 'http://127.0.0.1:1',
    ...overrides,
  };
}

/** A metrics publisher that keeps what it is given. */
export class RecordingMetrics implements MetricsPublisher {
  readonly data: MetricDatum[] = [];
  async publish(data: readonly MetricDatum[]): Promise<void> {
    this.data.push(...data);
  }
  named(name: string): MetricDatum[] {
    return this.data.filter((datum) => datum.name === name);
  }
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A request with node:http, for what fetch refuses to send (hop-by-hop headers). */
export function plainRequest(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      readBody(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }), reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}
