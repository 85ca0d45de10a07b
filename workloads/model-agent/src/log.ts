/**
 * Structured logs: one JSON object per line on stdout, which the clusters' log agents (CloudWatch
 * Container Insights / Azure Monitor Container Insights) ship as is and which log queries can
 * filter by field. Per-request lines double as the serving metrics (status, latency).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface JsonLoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** Fields on every line. */
  readonly fields?: LogFields;
  /** @default - a line on stdout */
  readonly write?: (line: string) => void;
  /** @default - the wall clock */
  readonly now?: () => Date;
}

export function jsonLogger(options: JsonLoggerOptions = {}): Logger {
  const minimum = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const make = (fields: LogFields): Logger => {
    const emit = (level: LogLevel, message: string, extra?: LogFields) => {
      if (ORDER[level] < minimum) return;
      write(JSON.stringify({ time: now().toISOString(), level, msg: message, ...fields, ...extra }, errorReplacer));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (more) => make({ ...fields, ...more }),
    };
  };
  return make(base);
}

/** Errors serialise as their message (and code), not as `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? value.message : `${value.message} (${String(code)})`;
  }
  return value;
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
