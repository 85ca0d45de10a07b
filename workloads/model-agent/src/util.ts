/** Small helpers the three modes share. */
import { errorMessage } from './log';

/**
 * Runs `task` over `items` with at most `limit` in flight; results keep the order of `items`.
 * A task that throws rejects the whole call (tasks catch what they can handle themselves).
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles each time. */
  readonly delayMs: number;
  /** Whether an error is worth another attempt. @default - every error */
  readonly retryable?: (error: unknown) => boolean;
}

/** Calls `fn` until it succeeds or the attempts run out; throws the last error. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      lastError = error;
      if (attempt === options.attempts || (options.retryable && !options.retryable(error))) break;
      await sleep(options.delayMs * 2 ** (attempt - 1));
    }
  }
  throw lastError;
}

/** An HTTP answer that is worth retrying: throttled or a server error. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof HttpStatusError ? error.retryable : true;
}

/** `2025-01-31T14:05:09Z` → `20250131T140509Z`: sortable and safe in object names. */
export function compactTimestamp(time: Date): string {
  return time
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** A short description of a failed HTTP call's body, for error messages. */
export function excerpt(text: string, max = 300): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

export { errorMessage };
