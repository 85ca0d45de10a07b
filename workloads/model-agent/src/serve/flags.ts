/**
 * The model's feature flags, read from what each cloud puts beside the agent, normalised to one
 * shape. Keys come from `flagKey` (lib/config/agent.ts): `<model>_enabled`, `<model>_capture`,
 * `<model>_shadow`.
 *
 * - AWS: the AppConfig agent sidecar serves the feature flag profile on localhost, as
 *   `{ "<key>": { "enabled": true, "<attribute>": ... }, ... }`; the shadow flag's share is its
 *   numeric `percent` attribute.
 *   https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-retrieving-feature-flags.html
 * - Azure: the App Configuration Kubernetes provider writes the flags into a ConfigMap (data type
 *   `json`), mounted as a file: `{ "feature_management": { "feature_flags": [{ "id": "<key>",
 *   "enabled": true, "conditions": { "client_filters": [{ "name": "Microsoft.Percentage",
 *   "parameters": { "Value": 10 } }] } }] } }`; the shadow flag's share is its percentage filter.
 *   https://learn.microsoft.com/azure/azure-app-configuration/reference-kubernetes-provider
 *
 * A shadow flag that is on without a percentage mirrors every request (on for everyone, as
 * feature management reads a flag without filters); other filters (targeting, time windows) are
 * not evaluated.
 */
import { readFile } from 'node:fs/promises';
import { type FlagSource, flagKey } from '../../../../lib/config/agent';
import { errorMessage, type Logger } from '../log';

export interface Flags {
  /** Serve the model; off, the agent answers 503 without calling it. */
  readonly enabled: boolean;
  /** Write sampled requests and responses to the data zone. */
  readonly capture: boolean;
  /** Percent of requests mirrored to the other slot, 0-100. */
  readonly shadowPercent: number;
}

/** What the agent does before it has read any flags: serve, no capture, no shadow. */
export const DEFAULT_FLAGS: Flags = { enabled: true, capture: false, shadowPercent: 0 };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function percentage(value: unknown, what: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0 || number > 100) {
    throw new Error(`${what} is ${JSON.stringify(value)}, must be a number from 0 to 100`);
  }
  return number;
}

/** Reads an AppConfig feature flag profile (the agent's JSON). Throws on a malformed profile. */
export function parseAppConfigFlags(model: string, profile: unknown): Flags {
  if (!isObject(profile)) throw new Error('the feature flag profile is not a JSON object');
  const flag = (name: 'enabled' | 'capture' | 'shadow'): Json | undefined => {
    const key = flagKey(model, name);
    const value = profile[key];
    if (value === undefined) return undefined;
    if (!isObject(value) || typeof value.enabled !== 'boolean') {
      throw new Error(`flag ${key} is ${JSON.stringify(value)}, must be an object with a boolean "enabled"`);
    }
    return value;
  };
  const enabled = flag('enabled');
  const capture = flag('capture');
  const shadow = flag('shadow');
  let shadowPercent = 0;
  if (shadow?.enabled) {
    shadowPercent =
      shadow.percent === undefined ? 100 : percentage(shadow.percent, `${flagKey(model, 'shadow')}.percent`);
  }
  return {
    enabled: (enabled?.enabled as boolean | undefined) ?? DEFAULT_FLAGS.enabled,
    capture: (capture?.enabled as boolean | undefined) ?? DEFAULT_FLAGS.capture,
    shadowPercent,
  };
}

const PERCENTAGE_FILTERS = new Set(['microsoft.percentage', 'percentage', 'percentagefilter']);

/**
 * Reads the JSON the App Configuration Kubernetes provider writes (Microsoft feature management
 * schema). Throws when the file has no `feature_management.feature_flags` list or a flag of the
 * model is malformed.
 */
export function parseAppConfigurationFlags(model: string, document: unknown): Flags {
  const list =
    isObject(document) && isObject(document.feature_management) ? document.feature_management.feature_flags : undefined;
  if (!Array.isArray(list)) throw new Error('no feature_management.feature_flags list in the flags file');
  const flag = (name: 'enabled' | 'capture' | 'shadow'): Json | undefined => {
    const key = flagKey(model, name);
    // The provider keeps the last of duplicate ids; so does the agent.
    const found = list.filter((entry) => isObject(entry) && entry.id === key).at(-1) as Json | undefined;
    if (found === undefined) return undefined;
    if (typeof found.enabled !== 'boolean') {
      throw new Error(`flag ${key} has enabled ${JSON.stringify(found.enabled)}, must be a boolean`);
    }
    return found;
  };
  const enabled = flag('enabled');
  const capture = flag('capture');
  const shadow = flag('shadow');
  let shadowPercent = 0;
  if (shadow?.enabled) {
    const conditions = isObject(shadow.conditions) ? shadow.conditions : {};
    const filters = Array.isArray(conditions.client_filters) ? conditions.client_filters : [];
    const filter = filters.find(
      (entry): entry is Json =>
        isObject(entry) && typeof entry.name === 'string' && PERCENTAGE_FILTERS.has(entry.name.toLowerCase()),
    );
    shadowPercent = filter
      ? percentage(
          isObject(filter.parameters) ? filter.parameters.Value : undefined,
          `${flagKey(model, 'shadow')} percentage filter Value`,
        )
      : 100;
  }
  return {
    enabled: (enabled?.enabled as boolean | undefined) ?? DEFAULT_FLAGS.enabled,
    capture: (capture?.enabled as boolean | undefined) ?? DEFAULT_FLAGS.capture,
    shadowPercent,
  };
}

export interface FlagReader {
  current(): Flags;
}

export interface FlagWatcherOptions {
  readonly log: Logger;
  /** Between two reads. @default 10 s */
  readonly intervalMs?: number;
  /** @default globalThis.fetch */
  readonly fetchFn?: typeof fetch;
}

/**
 * Polls the flag source and keeps the last good flags: a read or parse error is logged once (until
 * the next change of error or a recovery) and changes nothing.
 */
export class FlagWatcher implements FlagReader {
  private flags: Flags = DEFAULT_FLAGS;
  private lastError: string | undefined;
  private everRead = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(
    private readonly source: FlagSource,
    private readonly model: string,
    private readonly options: FlagWatcherOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.fetchFn = options.fetchFn ?? fetch;
  }

  current(): Flags {
    return this.flags;
  }

  /** Reads the source once; never throws. Resolves true when the read succeeded. */
  async refresh(): Promise<boolean> {
    try {
      const next = await this.read();
      const changed = !this.everRead || !sameFlags(next, this.flags);
      this.flags = next;
      this.everRead = true;
      if (this.lastError !== undefined) this.options.log.info('flags readable again');
      this.lastError = undefined;
      if (changed) this.options.log.info('flags', { ...next });
      return true;
    } catch (error) {
      const message = errorMessage(error);
      if (message !== this.lastError) {
        this.options.log.warn('cannot read flags, keeping the last good ones', {
          error: message,
          source: this.source.kind === 'file' ? this.source.path : this.source.url,
          flags: this.flags,
          everRead: this.everRead,
        });
      }
      this.lastError = message;
      return false;
    }
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.refresh().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.intervalMs).unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async read(): Promise<Flags> {
    if (this.source.kind === 'appconfig') {
      const response = await this.fetchFn(this.source.url, { signal: AbortSignal.timeout(2_000) });
      const text = await response.text();
      if (!response.ok) throw new Error(`AppConfig agent answered ${response.status}`);
      return parseAppConfigFlags(this.model, parseJson(text));
    }
    // A ConfigMap volume swaps the file atomically (a symlink), so each read sees a whole version.
    return parseAppConfigurationFlags(this.model, parseJson(await readFile(this.source.path, 'utf-8')));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`flags are not JSON: ${errorMessage(error)}`);
  }
}

function sameFlags(a: Flags, b: Flags): boolean {
  return a.enabled === b.enabled && a.capture === b.capture && a.shadowPercent === b.shadowPercent;
}
