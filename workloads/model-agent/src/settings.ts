/**
 * A check of the settings beyond `readAgentSettings` (which checks the mode): every field the
 * mode uses, with its type and range, so a wrong workload fails at start with every problem
 * named, not later with a TypeError.
 */
import { AGENT_SETTINGS_VARIABLE, type AgentSettings } from '../../../lib/config/agent';

type Check = (value: unknown) => string | undefined;

const text: Check = (value) => (typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string');
const url: Check = (value) => {
  if (typeof value !== 'string') return 'must be a URL';
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? undefined : 'must be an http(s) URL';
  } catch {
    return 'must be a URL';
  }
};
const path: Check = (value) =>
  typeof value === 'string' && value.startsWith('/') ? undefined : 'must be a path starting with /';
const oneOf =
  (...values: readonly string[]): Check =>
  (value) =>
    typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`;
const number =
  (min: number, max: number, { exclusiveMin = false, integer = false } = {}): Check =>
  (value) => {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (exclusiveMin ? value > min : value >= min) &&
      value <= max &&
      (!integer || Number.isInteger(value));
    return ok
      ? undefined
      : `must be ${integer ? 'an integer' : 'a number'} ${exclusiveMin ? '>' : '>='} ${min} and <= ${max}`;
  };
const stringList: Check = (value) =>
  Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : 'must be a list of strings';

interface Optional {
  readonly optional: Shape;
}

interface Shape {
  readonly [field: string]: Check | Optional | Shape;
}

const isOptional = (rule: Optional | Shape): rule is Optional => typeof rule.optional === 'object';

const COMMON: Shape = {
  environment: text,
  model: text,
  version: text,
  protocol: oneOf('kserve-v2', 'openai', 'http'),
  upstreamUrl: url,
  readinessPath: path,
};

function metricsShape(value: unknown): Shape {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  if (kind === 'azure-monitor') {
    return { kind: oneOf('cloudwatch', 'azure-monitor'), resourceId: path, region: text, namespace: text };
  }
  return { kind: oneOf('cloudwatch', 'azure-monitor'), namespace: text, region: text };
}

function eventsShape(value: unknown): Shape {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  if (kind === 'eventgrid') return { kind: oneOf('eventbridge', 'eventgrid'), endpoint: url };
  return { kind: oneOf('eventbridge', 'eventgrid'), busName: text, region: text, source: text };
}

function shapeOf(settings: AgentSettings): Shape {
  const raw = settings as unknown as Record<string, unknown>;
  switch (settings.mode) {
    case 'serve': {
      const flags: Shape =
        (raw.flags as { kind?: unknown } | undefined)?.kind === 'file'
          ? { kind: oneOf('appconfig', 'file'), path }
          : { kind: oneOf('appconfig', 'file'), url };
      return {
        ...COMMON,
        slot: oneOf('blue', 'green'),
        listenPort: number(0, 65_535, { integer: true }),
        timeoutSeconds: number(0, 3_600, { exclusiveMin: true }),
        flags,
        peerUrl: url,
        capture: { optional: { uri: text, samplePercent: number(0, 100), dropFields: stringList } },
      };
    }
    case 'batch':
      return { ...COMMON, job: text, input: text, output: text, metrics: metricsShape(raw.metrics) };
    case 'drift':
      return {
        ...COMMON,
        capture: text,
        baselines: text,
        windowHours: number(0, 24 * 31, { exclusiveMin: true }),
        psiThreshold: number(0, 100, { exclusiveMin: true }),
        ksThreshold: number(0, 1, { exclusiveMin: true }),
        outlierZScore: number(0, 1_000, { exclusiveMin: true }),
        outlierRatePercent: number(0, 100),
        metrics: metricsShape(raw.metrics),
        events: eventsShape(raw.events),
      };
    case 'events':
      return { environment: text, apiServer: url };
  }
}

/** Every problem of the settings, as `MLOPS_AGENT_SETTINGS.<path> is <value>, <rule>`; empty when fine. */
export function settingsProblems(settings: AgentSettings): string[] {
  const problems: string[] = [];
  const walk = (shape: Shape, value: unknown, prefix: string) => {
    const object = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    for (const [key, rule] of Object.entries(shape)) {
      const at = `${prefix}.${key}`;
      const field = object[key];
      if (typeof rule === 'function') {
        const problem = rule(field);
        if (problem) problems.push(`${at} is ${JSON.stringify(field) ?? 'missing'}, ${problem}`);
      } else if (isOptional(rule)) {
        if (field !== undefined) walk(rule.optional, field, at);
      } else if (typeof field !== 'object' || field === null) {
        problems.push(`${at} is ${JSON.stringify(field) ?? 'missing'}, must be an object`);
      } else {
        walk(rule, field, at);
      }
    }
  };
  walk(shapeOf(settings), settings, AGENT_SETTINGS_VARIABLE);
  return problems;
}
