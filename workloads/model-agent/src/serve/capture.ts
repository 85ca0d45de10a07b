/**
 * Request and response capture: a sampled share of JSON exchanges, with personal fields dropped,
 * buffered and written as JSON Lines into the data zone, partitioned by model, version, date and
 * hour (UTC) so the drift job and queries (Athena, Synapse) read only the hours they need:
 *
 *   <capture uri>/model=<model>/version=<version>/date=YYYY-MM-DD/hour=HH/<time>-<uuid>.jsonl
 *
 * Capture never slows or fails a live request: records are parsed after the answer has been sent,
 * writes run in the background, and when the store is unreachable the buffer is bounded and the
 * oldest records are dropped (and counted).
 */
import { randomUUID } from 'node:crypto';
import type { ServeSettings } from '../../../../lib/config/agent';
import { errorMessage, type Logger } from '../log';
import { joinKey, type ObjectStore } from '../storage';
import { compactTimestamp } from '../util';

export type CaptureSettings = NonNullable<ServeSettings['capture']>;

/** One line of a capture file. */
export interface CaptureRecord {
  /** When the request arrived, ISO 8601 UTC. */
  readonly time: string;
  readonly requestId: string;
  readonly traceId?: string;
  readonly model: string;
  readonly version: string;
  readonly slot: string;
  /** True when the request was a mirror from the other slot. */
  readonly shadow: boolean;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly request: unknown;
  readonly response: unknown;
}

/** What the proxy hands over for one sampled exchange, before parsing. */
export interface Exchange extends Omit<CaptureRecord, 'request' | 'response' | 'model' | 'version' | 'slot'> {
  readonly requestBody: Buffer;
  readonly responseBody: Buffer;
  readonly responseContentType: string | undefined;
}

export interface CaptureOptions {
  /** Write a file once this many bytes are buffered. @default 1 MiB */
  readonly flushBytes?: number;
  /** Write what is buffered at least this often. @default 60 s */
  readonly flushIntervalMs?: number;
  /** Drop the oldest records beyond this many buffered bytes (store unreachable). @default 16 MiB */
  readonly maxBufferedBytes?: number;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface CaptureStats {
  sampled: number;
  written: number;
  /** Not JSON, not an object body, or over the size cap. */
  skipped: number;
  /** Lost to a full buffer. */
  dropped: number;
  files: number;
  failedWrites: number;
}

/** Bodies larger than this are neither captured nor mirrored (the proxy stops copying them). */
export const BODY_COPY_LIMIT = 1024 * 1024;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

export function isJsonContentType(type: string | undefined): boolean {
  return type !== undefined && JSON_TYPE.test(type.trim());
}

/** Removes top-level fields of a JSON object (nested fields are not covered). */
export function dropFields(value: unknown, fields: readonly string[]): unknown {
  if (fields.length === 0 || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const field of fields) delete copy[field];
  return copy;
}

/** The partition folder of a record's time (UTC). */
export function partitionPrefix(prefix: string, model: string, version: string, time: Date): string {
  const iso = time.toISOString();
  return joinKey(
    prefix,
    `model=${model}`,
    `version=${version}`,
    `date=${iso.slice(0, 10)}`,
    `hour=${iso.slice(11, 13)}`,
  );
}

interface Buffered {
  readonly partition: string;
  readonly line: string;
}

export class CaptureWriter {
  readonly stats: CaptureStats = { sampled: 0, written: 0, skipped: 0, dropped: 0, files: 0, failedWrites: 0 };
  private buffer: Buffered[] = [];
  private bufferedBytes = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly random: () => number;

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    private readonly identity: { readonly model: string; readonly version: string; readonly slot: string },
    private readonly settings: CaptureSettings,
    private readonly log: Logger,
    options: CaptureOptions = {},
  ) {
    this.flushBytes = options.flushBytes ?? 1024 * 1024;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.random = options.random ?? Math.random;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 60_000).unref();
  }

  /** Whether to capture the next request: `samplePercent` percent of them. */
  sample(): boolean {
    return this.random() * 100 < this.settings.samplePercent;
  }

  /** Takes one exchange; parsing waits for the next turn of the event loop. Never throws. */
  add(exchange: Exchange): void {
    this.stats.sampled++;
    setImmediate(() => {
      try {
        this.accept(exchange);
      } catch (error) {
        this.stats.skipped++;
        this.log.warn('capture record skipped', { error: errorMessage(error) });
      }
    });
  }

  private accept(exchange: Exchange): void {
    const request = parseObject(exchange.requestBody);
    const response = isJsonContentType(exchange.responseContentType) ? parseObject(exchange.responseBody) : undefined;
    if (request === undefined || response === undefined) {
      this.stats.skipped++;
      return;
    }
    const { requestBody: _request, responseBody: _response, responseContentType: _type, ...meta } = exchange;
    const record: CaptureRecord = {
      ...meta,
      model: this.identity.model,
      version: this.identity.version,
      slot: this.identity.slot,
      request: dropFields(request, this.settings.dropFields),
      response: dropFields(response, this.settings.dropFields),
    };
    const line = `${JSON.stringify(record)}\n`;
    this.buffer.push({
      partition: partitionPrefix(this.prefix, this.identity.model, this.identity.version, new Date(record.time)),
      line,
    });
    this.bufferedBytes += Buffer.byteLength(line);
    this.trim();
    if (this.bufferedBytes >= this.flushBytes) void this.flush();
  }

  /** Writes everything buffered, one file per partition. Resolves when written or failed. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.buffer.length > 0 ? this.flush() : undefined));
    if (this.buffer.length === 0) return Promise.resolve();
    const batch = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is left (after parsing what is queued). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await new Promise((resolve) => setImmediate(resolve));
    await this.flush();
    if (this.buffer.length > 0) {
      this.log.error('capture records lost at shutdown', { records: this.buffer.length });
    }
  }

  private async write(batch: readonly Buffered[]): Promise<void> {
    const partitions = new Map<string, string[]>();
    for (const item of batch) {
      const lines = partitions.get(item.partition) ?? [];
      lines.push(item.line);
      partitions.set(item.partition, lines);
    }
    const stamp = compactTimestamp(new Date());
    for (const [partition, lines] of partitions) {
      const key = `${partition}/${stamp}-${randomUUID()}.jsonl`;
      try {
        await this.store.put(key, lines.join(''), 'application/x-ndjson');
        this.stats.files++;
        this.stats.written += lines.length;
      } catch (error) {
        this.stats.failedWrites++;
        this.log.warn('capture write failed, records kept for the next flush', {
          error: errorMessage(error),
          key: this.store.uri(key),
          records: lines.length,
        });
        // Back in front of newer records, then bounded.
        const back = lines.map((line) => ({ partition, line }));
        this.buffer = [...back, ...this.buffer];
        this.bufferedBytes += lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
        this.trim();
      }
    }
  }

  private trim(): void {
    let dropped = 0;
    while (this.bufferedBytes > this.maxBufferedBytes && this.buffer.length > 0) {
      const oldest = this.buffer.shift() as Buffered;
      this.bufferedBytes -= Buffer.byteLength(oldest.line);
      dropped++;
    }
    if (dropped > 0) {
      this.stats.dropped += dropped;
      this.log.warn('capture buffer full, oldest records dropped', { dropped, totalDropped: this.stats.dropped });
    }
  }
}

/** A JSON object or array, or undefined for anything else (not JSON, empty, a bare scalar). */
function parseObject(body: Buffer): unknown {
  if (body.length === 0 || body.length > BODY_COPY_LIMIT) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf-8'));
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
