/** Calls to the model container beside the agent (batch mode; serve mode proxies instead). */
import type { ModelProtocol } from '../../../lib/config/types';
import type { Logger } from './log';
import { errorMessage, excerpt, HttpStatusError, sleep } from './util';

/** The inference path of a protocol. KServe v2 addresses the model by name: the endpoint's name. */
export function invokePath(protocol: ModelProtocol, model: string): string {
  switch (protocol) {
    case 'kserve-v2':
      return `/v2/models/${encodeURIComponent(model)}/infer`;
    case 'openai':
      return '/v1/chat/completions';
    case 'http':
      return '/invoke';
  }
}

export type FetchFn = typeof fetch;

export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /** Between two probes. */
  readonly intervalMs: number;
  readonly log: Logger;
  /** @default globalThis.fetch */
  readonly fetchFn?: FetchFn;
}

/**
 * Waits until the model answers its readiness path with a 2xx: a model container loads its
 * weights (minutes for a large model) after the pod starts. Throws when `timeoutMs` passes first.
 */
export async function waitForReady(url: string, options: WaitOptions): Promise<void> {
  const fetchFn = options.fetchFn ?? fetch;
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no answer yet';
  let probes = 0;
  while (Date.now() < deadline) {
    probes++;
    try {
      const response = await fetchFn(url, { signal: AbortSignal.timeout(Math.min(5_000, options.intervalMs * 5)) });
      await response.arrayBuffer();
      if (response.ok) {
        options.log.info('model ready', { url, probes });
        return;
      }
      last = `status ${response.status}`;
    } catch (error) {
      last = errorMessage(error);
    }
    if (probes === 1 || probes % 30 === 0) options.log.info('waiting for the model', { url, last });
    await sleep(options.intervalMs);
  }
  throw new Error(`the model was not ready at ${url} within ${options.timeoutMs / 1000} s (${last})`);
}

export interface ModelAnswer {
  readonly status: number;
  /** The body, parsed when it is JSON. */
  readonly body: unknown;
}

/**
 * POSTs one JSON body; resolves for 2xx, throws `HttpStatusError` otherwise (retryable for 429
 * and 5xx) and a plain error when the connection fails or `timeoutMs` passes.
 */
export async function postJson(
  url: string,
  body: string,
  timeoutMs: number,
  fetchFn: FetchFn = fetch,
): Promise<ModelAnswer> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  if (!response.ok) throw new HttpStatusError(response.status, `model answered ${response.status}: ${excerpt(text)}`);
  const type = response.headers.get('content-type') ?? '';
  if (/[/+]json\b/i.test(type)) {
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      // A body that claims JSON but is not stays text: the output keeps what the model said.
    }
  }
  return { status: response.status, body: text };
}
