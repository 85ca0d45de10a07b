import http from 'node:http';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServeSettings } from '../../lib/config/agent';
import { CaptureWriter } from '../../workloads/model-agent/src/serve/capture';
import { DEFAULT_FLAGS, type Flags } from '../../workloads/model-agent/src/serve/flags';
import { AgentServer } from '../../workloads/model-agent/src/serve/proxy';
import { ShadowMirror } from '../../workloads/model-agent/src/serve/shadow';
import { createTracing } from '../../workloads/model-agent/src/serve/tracing';
import { MemoryStore } from '../../workloads/model-agent/src/storage';
import {
  closedPort,
  closeServers,
  plainRequest,
  type RecordedLog,
  readBody,
  recordingLogger,
  serveSettings,
  startServer,
  type TestServer,
  waitFor,
} from './helpers';

interface Agent {
  readonly url: string;
  readonly server: AgentServer;
  readonly log: RecordedLog;
  readonly spans: InMemorySpanExporter;
  readonly shadow: ShadowMirror;
  readonly capture?: CaptureWriter;
  flags: Flags;
}

const agents: Agent[] = [];

afterEach(async () => {
  const started = agents.splice(0);
  await Promise.all(started.map((agent) => agent.server.close(0)));
  for (const agent of started) {
    agent.shadow.close();
    await agent.capture?.close();
  }
  await closeServers();
});

async function startAgent(
  settings: Partial<ServeSettings>,
  options: { flags?: Partial<Flags>; store?: MemoryStore; random?: () => number; xray?: boolean } = {},
): Promise<Agent> {
  const log = recordingLogger();
  const spans = new InMemorySpanExporter();
  const full = serveSettings(settings);
  const shadow = new ShadowMirror(full.peerUrl, { log: log.log, timeoutMs: 1_000, random: options.random });
  const capture =
    full.capture && options.store
      ? new CaptureWriter(
          options.store,
          'captures',
          { model: full.model, version: full.version, slot: full.slot },
          full.capture,
          log.log,
          { random: options.random },
        )
      : undefined;
  const agent: Agent = {
    url: '',
    server: undefined as unknown as AgentServer,
    log,
    spans,
    shadow,
    capture,
    flags: { ...DEFAULT_FLAGS, ...options.flags },
  };
  const server = new AgentServer({
    settings: full,
    flags: { current: () => agent.flags },
    shadow,
    capture,
    log: log.log,
    tracing: createTracing({
      xray: options.xray ?? false,
      attributes: {},
      processor: new SimpleSpanProcessor({ exporter: spans }),
    }),
  });
  const port = await server.listen(0, '127.0.0.1');
  Object.assign(agent, { url: `http://127.0.0.1:${port}`, server });
  agents.push(agent);
  return agent;
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A fake model: echoes what it received as JSON, with a status and header of its choice. */
async function echoModel(seen: Seen[] = []): Promise<TestServer> {
  return startServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (req.url === '/ready') {
      res.writeHead(200).end('ok');
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json', 'x-model': 'churn', 'set-cookie': ['a=1', 'b=2'] });
    let received: unknown = body;
    try {
      received = JSON.parse(body);
    } catch {
      // Not JSON: echoed as text.
    }
    res.end(JSON.stringify({ path: req.url, received, email: 'someone@example.com' }));
  });
}

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

describe('serve: the proxy', () => {
  it('passes requests and answers through: method, path, query, status, headers, body', async () => {
    // GIVEN a model and the agent in front of it
    const seen: Seen[] = [];
    const model = await echoModel(seen);
    const agent = await startAgent({ upstreamUrl: model.url });

    // WHEN a client posts through the agent
    const response = await plainRequest(`${agent.url}/invoke?explain=true`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-client': 'test',
        connection: 'keep-alive, x-secret',
        'x-secret': 's',
      },
      body: JSON.stringify({ tenure: 12 }),
    });

    // THEN the model saw the request, and the client got the model's answer unchanged
    expect(response.status).toBe(201);
    expect(response.headers['x-model']).toBe('churn');
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(JSON.parse(response.body)).toEqual({
      path: '/invoke?explain=true',
      received: { tenure: 12 },
      email: 'someone@example.com',
    });
    const request = seen[0] as Seen;
    expect(request.method).toBe('POST');
    expect(request.headers['x-client']).toBe('test');
    expect(request.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.headers['x-forwarded-for']).toBe('127.0.0.1');
    // Hop-by-hop headers, and those the Connection header names, stop at the agent.
    expect(request.headers['x-secret']).toBeUndefined();
    // AND one log line records the request
    const line = agent.log.withMessage('request')[0];
    expect(line).toMatchObject({ model: 'churn', version: '1.4.0', slot: 'blue', status: 201, outcome: 'ok' });
    expect(line?.latencyMs).toBeTypeOf('number');
  });

  it('streams the answer: the client reads the first part before the model has finished', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const model = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      await released;
      res.end('data: last\n\n');
    });
    const agent = await startAgent({ upstreamUrl: model.url });

    const chunks: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      http
        .get(`${agent.url}/v1/chat/completions`, (res) => {
          res.setEncoding('utf-8');
          res.on('data', (chunk: string) => {
            chunks.push(chunk);
            // Only once the first part has arrived does the model send the rest.
            if (chunks.length === 1) release();
          });
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    await done;
    expect(chunks[0]).toBe('data: first\n\n');
    expect(chunks.join('')).toBe('data: first\n\ndata: last\n\n');
  });

  it('answers 504 when the model takes longer than timeoutSeconds, and stops waiting for it', async () => {
    let modelSawClose = false;
    const model = await startServer((req) => {
      req.on('close', () => {
        modelSawClose = true;
      });
    });
    const agent = await startAgent({ upstreamUrl: model.url, timeoutSeconds: 0.2 });

    const started = Date.now();
    const response = await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: 'model timed out', timeoutSeconds: 0.2 });
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor(() => modelSawClose);
    expect(agent.log.withMessage('request')[0]).toMatchObject({ status: 504, outcome: 'timeout' });
  });

  it('answers 502 when the model cannot be reached', async () => {
    const agent = await startAgent({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` });

    const response = await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' });

    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'model unreachable' });
    expect(agent.log.withMessage('request')[0]).toMatchObject({ status: 502, outcome: 'unreachable' });
  });

  it('answers 503 without calling the model when the enabled flag is off', async () => {
    const seen: Seen[] = [];
    const model = await echoModel(seen);
    const agent = await startAgent({ upstreamUrl: model.url }, { flags: { enabled: false } });

    const response = await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{"a":1}' });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('30');
    expect(await response.json()).toEqual({ error: 'model disabled', model: 'churn' });
    expect(seen).toHaveLength(0);
    expect(agent.log.withMessage('request')[0]).toMatchObject({ status: 503, outcome: 'disabled' });

    // AND flipping the flag back serves again, without a restart
    agent.flags = { ...agent.flags, enabled: true };
    expect((await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{"a":1}' })).status).toBe(201);
  });
});

describe('serve: readiness and liveness', () => {
  it('GET /ready follows the model readiness path; GET /live answers for the agent alone', async () => {
    let ready = false;
    const model = await startServer((req, res) => {
      res.writeHead(req.url === '/v2/health/ready' && ready ? 200 : 503).end();
    });
    const agent = await startAgent({ upstreamUrl: model.url, readinessPath: '/v2/health/ready' });

    expect((await fetch(`${agent.url}/ready`)).status).toBe(503);
    ready = true;
    expect((await fetch(`${agent.url}/ready`)).status).toBe(200);
    expect((await fetch(`${agent.url}/live`)).status).toBe(200);
    // Probes are not requests: no log lines, no spans.
    expect(agent.log.withMessage('request')).toHaveLength(0);
  });

  it('GET /ready answers 503 when the model is down, while /live stays 200', async () => {
    const agent = await startAgent({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` });

    const response = await fetch(`${agent.url}/ready`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'model unreachable' });
    expect((await fetch(`${agent.url}/live`)).status).toBe(200);
  });
});

describe('serve: traces', () => {
  it('continues the gateway trace in one server span and passes its context to the model', async () => {
    const seen: Seen[] = [];
    const model = await echoModel(seen);
    const agent = await startAgent({ upstreamUrl: model.url, slot: 'green' });

    await fetch(`${agent.url}/invoke`, {
      method: 'POST',
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` },
      body: '{}',
    });

    const [span] = agent.spans.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN);
    expect(span?.attributes).toMatchObject({
      'mlops.model': 'churn',
      'mlops.model.version': '1.4.0',
      'mlops.slot': 'green',
      'http.response.status_code': 201,
    });
    // The model's parent is the agent's span, in the same trace.
    expect(seen[0]?.headers.traceparent).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
    expect(agent.log.withMessage('request')[0]?.traceId).toBe(TRACE_ID);
  });

  it('on AWS, continues an X-Ray trace header when no traceparent comes', async () => {
    const seen: Seen[] = [];
    const model = await echoModel(seen);
    const agent = await startAgent({ upstreamUrl: model.url }, { xray: true });

    await fetch(`${agent.url}/invoke`, {
      method: 'POST',
      headers: { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
      body: '{}',
    });

    const [span] = agent.spans.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe('5759e988bd862e3fe1be46a994272793');
    expect(seen[0]?.headers['x-amzn-trace-id']).toContain('Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(seen[0]?.headers.traceparent).toContain('5759e988bd862e3fe1be46a994272793');
  });

  it('marks a 5xx answer as an error span', async () => {
    const agent = await startAgent({ upstreamUrl: `http://127.0.0.1:${await closedPort()}` });
    await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' });
    const [span] = agent.spans.getFinishedSpans();
    expect(span?.status.code).toBe(2);
    expect(span?.attributes['http.response.status_code']).toBe(502);
  });
});

describe('serve: shadow traffic', () => {
  it('mirrors requests to the peer slot, marked, without changing the live answer', async () => {
    const seen: Seen[] = [];
    const model = await echoModel(seen);
    const mirrored: Seen[] = [];
    const peer = await startServer(async (req, res) => {
      mirrored.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: await readBody(req) });
      res.writeHead(500).end('the candidate is broken');
    });
    const agent = await startAgent({ upstreamUrl: model.url, peerUrl: peer.url }, { flags: { shadowPercent: 100 } });

    const response = await fetch(`${agent.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
      body: '{"tenure":3}',
    });

    expect(response.status).toBe(201);
    expect(((await response.json()) as { received: unknown }).received).toEqual({ tenure: 3 });
    await waitFor(() => mirrored.length === 1);
    expect(mirrored[0]).toMatchObject({ method: 'POST', url: '/invoke', body: '{"tenure":3}' });
    expect(mirrored[0]?.headers['x-mlops-shadow']).toBe('1');
    expect(mirrored[0]?.headers['x-request-id']).toBe('req-1');
    await waitFor(() => agent.shadow.stats.answered === 1);
  });

  it('never delays the live answer, even when the peer does not answer at all', async () => {
    const model = await echoModel();
    let peerRequests = 0;
    const peer = await startServer(() => {
      peerRequests++;
    });
    const agent = await startAgent({ upstreamUrl: model.url, peerUrl: peer.url }, { flags: { shadowPercent: 100 } });

    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      expect((await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' })).status).toBe(201);
    }
    // The shadow timeout is 1 s; three live answers came back well before one of them.
    expect(Date.now() - started).toBeLessThan(900);
    await waitFor(() => peerRequests === 3);
  });

  it('drops mirrors beyond its bound instead of queueing them', async () => {
    const peer = await startServer(() => undefined);
    const { log } = recordingLogger();
    const shadow = new ShadowMirror(peer.url, { log, timeoutMs: 1_000, maxInFlight: 2 });
    for (let i = 0; i < 5; i++) shadow.mirror('POST', '/invoke', {}, Buffer.from('{}'));
    expect(shadow.stats).toMatchObject({ sent: 2, dropped: 3 });
    expect(shadow.active).toBe(2);
    shadow.close();
  });

  it('does not mirror a request that is itself a mirror, nor at 0 percent', async () => {
    const model = await echoModel();
    let peerRequests = 0;
    const peer = await startServer((_req, res) => {
      peerRequests++;
      res.end();
    });
    const agent = await startAgent({ upstreamUrl: model.url, peerUrl: peer.url }, { flags: { shadowPercent: 100 } });

    await fetch(`${agent.url}/invoke`, { method: 'POST', headers: { 'x-mlops-shadow': '1' }, body: '{}' });
    agent.flags = { ...agent.flags, shadowPercent: 0 };
    await fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(peerRequests).toBe(0);
    expect(agent.shadow.stats.sent).toBe(0);
  });
});

describe('serve: capture', () => {
  const capture = { uri: 's3://raw-zone/captures', samplePercent: 50, dropFields: ['email', 'name'] };

  it('writes sampled JSON exchanges without the dropped fields, under the model/version/date/hour partition', async () => {
    const model = await echoModel();
    const store = new MemoryStore();
    // Draws of 0.3 are under 50 percent: every request is sampled.
    const agent = await startAgent(
      { upstreamUrl: model.url, capture },
      { flags: { capture: true }, store, random: () => 0.3 },
    );

    const response = await fetch(`${agent.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-7' },
      body: JSON.stringify({ tenure: 12, email: 'a@example.com', name: 'A', profile: { email: 'nested@example.com' } }),
    });
    expect(response.status).toBe(201);
    await agent.capture?.close();

    const keys = [...store.objects.keys()];
    expect(keys).toHaveLength(1);
    const hour = new Date().toISOString();
    expect(keys[0]).toMatch(
      new RegExp(
        `^captures/model=churn/version=1\\.4\\.0/date=${hour.slice(0, 10)}/hour=\\d{2}/\\d{8}T\\d{6}Z-[0-9a-f-]{36}\\.jsonl$`,
      ),
    );
    const object = store.objects.get(keys[0] as string);
    expect(object?.contentType).toBe('application/x-ndjson');
    const record = JSON.parse(object?.body.trim() ?? '');
    expect(record).toMatchObject({
      requestId: 'req-7',
      model: 'churn',
      version: '1.4.0',
      slot: 'blue',
      shadow: false,
      method: 'POST',
      path: '/invoke',
      status: 201,
      // Top-level fields only: a nested `email` stays.
      request: { tenure: 12, profile: { email: 'nested@example.com' } },
      response: { path: '/invoke' },
    });
    expect(record.request.email).toBeUndefined();
    expect(record.request.name).toBeUndefined();
    expect(record.response.email).toBeUndefined();
    expect(record.response.received.email).toBe('a@example.com');
  });

  it('captures nothing when the draw is over samplePercent, the flag is off, or the body is not JSON', async () => {
    const model = await echoModel();
    const notSampled = new MemoryStore();
    const a = await startAgent(
      { upstreamUrl: model.url, capture },
      { flags: { capture: true }, store: notSampled, random: () => 0.7 },
    );
    await fetch(`${a.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    await a.capture?.close();
    expect(notSampled.objects.size).toBe(0);

    const flagOff = new MemoryStore();
    const b = await startAgent(
      { upstreamUrl: model.url, capture },
      { flags: { capture: false }, store: flagOff, random: () => 0 },
    );
    await fetch(`${b.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    await b.capture?.close();
    expect(flagOff.objects.size).toBe(0);

    const text = new MemoryStore();
    const c = await startAgent(
      { upstreamUrl: model.url, capture },
      { flags: { capture: true }, store: text, random: () => 0 },
    );
    await fetch(`${c.url}/invoke`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    await c.capture?.close();
    expect(text.objects.size).toBe(0);
  });

  it('never fails the live request when the store fails', async () => {
    const model = await echoModel();
    const store = new MemoryStore();
    store.put = async () => {
      throw new Error('AccessDenied');
    };
    const agent = await startAgent(
      { upstreamUrl: model.url, capture },
      { flags: { capture: true }, store, random: () => 0 },
    );

    const response = await fetch(`${agent.url}/invoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":1}',
    });
    expect(response.status).toBe(201);
    await agent.capture?.flush();
    expect(agent.capture?.stats.failedWrites).toBe(1);
    expect(agent.log.withMessage('capture write failed, records kept for the next flush')).toHaveLength(1);
  });
});

describe('serve: graceful shutdown', () => {
  it('finishes requests in flight, refuses new connections and reports not ready meanwhile', async () => {
    const model = await startServer(async (req, res) => {
      if (req.url === '/ready') {
        res.end();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');
    });
    const agent = await startAgent({ upstreamUrl: model.url });

    const inFlight = fetch(`${agent.url}/invoke`, { method: 'POST', body: '{}' });
    await waitFor(() => agent.server.inFlight === 1);
    const closing = agent.server.close(2_000);

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${agent.url}/live`)).rejects.toThrow();
  });
});
