/**
 * The cost change between two versions of an environment, with its cause: the configuration
 * changes that drive the cost lines that moved (each line knows its driving fields), falling back
 * to the lines themselves when no configuration change explains them (a construct that adds a
 * resource, a new price).
 *
 *   staging ceiling +$1,840/month: gpu pool infer maxNodes 4 -> 8
 */
import type { PlatformEnvironment } from '../config';
import type { CostEstimate, CostLine } from './estimate';

/** One version of an environment and its estimate (an `EnvironmentReport` is one). */
export interface EstimatedEnvironment {
  readonly environment: PlatformEnvironment;
  readonly estimate: CostEstimate;
}

export interface ConfigChange {
  /** `kubernetes.gpuPools[infer].maxNodes`; a named list element or an object alone when added or removed. */
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  /** `gpu pool infer maxNodes 4 -> 8`, `gpu pool batch added`. */
  readonly text: string;
}

export interface LineChange {
  readonly key: string;
  readonly item: string;
  readonly floorDeltaUsd: number;
  readonly ceilingDeltaUsd: number;
}

export interface CostChange {
  readonly environment: string;
  readonly floorDeltaUsd: number;
  readonly ceilingDeltaUsd: number;
  readonly lines: readonly LineChange[];
  /** Why: configuration changes first, then lines no configuration change explains. */
  readonly causes: readonly string[];
  /** One line for `npm run diff`. */
  readonly text: string;
}

const PRESENT = Symbol('present');

/** Leaf values by path; list elements with a `name` are addressed by it, objects also by their own path. */
function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value)) {
    const named = value.every(
      (v) => v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string',
    );
    if (named && value.length > 0) {
      for (const item of value) flatten(item, `${path}[${(item as { name: string }).name}]`, out);
    } else {
      out.set(path, JSON.stringify(value));
    }
  } else if (value !== null && typeof value === 'object') {
    if (path !== '') out.set(path, PRESENT);
    for (const [key, child] of Object.entries(value)) flatten(child, path === '' ? key : `${path}.${key}`, out);
  } else if (value !== undefined) {
    out.set(path, value);
  }
  return out;
}

/** How a path reads in a cause: `gpu pool infer maxNodes`, `system pool machineType`, `model churn cpu`. */
export function describePath(path: string): string {
  return path
    .replace(/^kubernetes\.gpuPools\[([^\]]+)\]\.?/, 'gpu pool $1 ')
    .replace(/^kubernetes\.systemPool\.?/, 'system pool ')
    .replace(/^serving\.models\[([^\]]+)\]\.?/, 'model $1 ')
    .replace(/\./g, ' ')
    .trim();
}

function show(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value === 'string') return value;
  return String(value);
}

/** The configuration changes between two versions of an environment. */
export function configChanges(before: PlatformEnvironment, after: PlatformEnvironment): ConfigChange[] {
  const a = flatten(before, '', new Map());
  const b = flatten(after, '', new Map());
  const changed = [...new Set([...a.keys(), ...b.keys()])].filter((p) => a.get(p) !== b.get(p)).sort();
  // An added or removed object or list element stands for everything under it.
  const appeared = changed.filter((p) => (a.get(p) === PRESENT) !== (b.get(p) === PRESENT));
  const under = (p: string) => appeared.some((q) => p !== q && (p.startsWith(`${q}.`) || p.startsWith(`${q}[`)));
  return changed
    .filter((p) => !under(p))
    .map((path) => {
      const x = a.get(path);
      const y = b.get(path);
      const label = describePath(path);
      const text =
        x === undefined && y === PRESENT
          ? `${label} added`
          : y === undefined && x === PRESENT
            ? `${label} removed`
            : `${label} ${show(x === PRESENT ? 'set' : x)} -> ${show(y === PRESENT ? 'set' : y)}`;
      return { path, before: x === PRESENT ? undefined : x, after: y === PRESENT ? undefined : y, text };
    });
}

/** A change matches a driver when it is the driver, or an added or removed element of a list driver. */
function drives(driver: string, path: string): boolean {
  if (path === driver) return true;
  if (!path.startsWith(`${driver}[`)) return false;
  return !path.slice(driver.length).includes('.');
}

/** `+$1,840`, `-$12.50`: whole dollars from $100 up. */
export function signedUsd(amount: number): string {
  const sign = amount < 0 ? '-' : '+';
  const abs = Math.abs(amount);
  const digits = abs >= 100 ? 0 : 2;
  return `${sign}$${abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The cost change of one environment between two versions; either side may be absent (added, removed). */
export function costChange(
  before: EstimatedEnvironment | undefined,
  after: EstimatedEnvironment | undefined,
): CostChange {
  const name = (after ?? before)?.environment.name;
  if (!name) throw new Error('costChange needs at least one version of the environment');
  if (!before || !after) {
    const only = (after ?? before) as EstimatedEnvironment;
    const sign = after ? 1 : -1;
    const floor = cents(sign * only.estimate.floorUsd);
    const ceiling = cents(sign * only.estimate.ceilingUsd);
    return {
      environment: name,
      floorDeltaUsd: floor,
      ceilingDeltaUsd: ceiling,
      lines: only.estimate.lines.map((l) => ({
        key: l.key,
        item: l.item,
        floorDeltaUsd: cents(sign * l.floorUsd),
        ceilingDeltaUsd: cents(sign * l.ceilingUsd),
      })),
      causes: [after ? 'new environment' : 'environment removed'],
      text: `${name} ${after ? 'new environment' : 'removed'}: floor ${signedUsd(floor)}/month, ceiling ${signedUsd(ceiling)}/month`,
    };
  }

  const old = new Map(before.estimate.lines.map((l) => [l.key, l]));
  const now = new Map(after.estimate.lines.map((l) => [l.key, l]));
  const lines: Array<LineChange & { drivers: readonly string[] }> = [];
  for (const key of [...new Set([...old.keys(), ...now.keys()])]) {
    const x = old.get(key);
    const y = now.get(key);
    const floor = cents((y?.floorUsd ?? 0) - (x?.floorUsd ?? 0));
    const ceiling = cents((y?.ceilingUsd ?? 0) - (x?.ceilingUsd ?? 0));
    if (floor === 0 && ceiling === 0 && (x === undefined) === (y === undefined)) continue;
    const line = (y ?? x) as CostLine;
    lines.push({
      key,
      item: line.item,
      floorDeltaUsd: floor,
      ceilingDeltaUsd: ceiling,
      drivers: [...(x?.drivers ?? []), ...(y?.drivers ?? [])],
    });
  }
  const floorDelta = cents(after.estimate.floorUsd - before.estimate.floorUsd);
  const ceilingDelta = cents(after.estimate.ceilingUsd - before.estimate.ceilingUsd);

  const changes = configChanges(before.environment, after.environment);
  const causes: string[] = [];
  const unexplained: string[] = [];
  for (const line of lines) {
    const found = changes.filter((c) => line.drivers.some((d) => drives(d, c.path)));
    for (const c of found) if (!causes.includes(c.text)) causes.push(c.text);
    if (found.length === 0) {
      const delta = line.ceilingDeltaUsd !== 0 ? line.ceilingDeltaUsd : line.floorDeltaUsd;
      unexplained.push(`${line.item} ${signedUsd(delta)}`);
    }
  }
  const allCauses = [...causes, ...unexplained];
  const amounts = [
    floorDelta !== 0 && floorDelta !== ceilingDelta ? `floor ${signedUsd(floorDelta)}/month` : '',
    ceilingDelta !== 0 ? `ceiling ${signedUsd(ceilingDelta)}/month` : '',
  ].filter(Boolean);
  if (floorDelta !== 0 && floorDelta === ceilingDelta)
    amounts[amounts.length - 1] = `floor and ceiling ${signedUsd(ceilingDelta)}/month`;
  const text =
    amounts.length === 0
      ? `${name} no cost change`
      : `${name} ${amounts.join(', ')}${allCauses.length ? `: ${allCauses.join('; ')}` : ''}`;
  return {
    environment: name,
    floorDeltaUsd: floorDelta,
    ceilingDeltaUsd: ceilingDelta,
    lines: lines.map(({ drivers: _drivers, ...l }) => l),
    causes: allCauses,
    text,
  };
}

/**
 * The cost changes of every environment of two sets of versions (base and head), by name: one
 * line each, in head order, then the removed ones.
 */
export function costChanges(
  base: readonly EstimatedEnvironment[],
  head: readonly EstimatedEnvironment[],
): CostChange[] {
  const byName = (list: readonly EstimatedEnvironment[]) => new Map(list.map((e) => [e.environment.name, e]));
  const a = byName(base);
  const b = byName(head);
  const names = [...b.keys(), ...[...a.keys()].filter((n) => !b.has(n))];
  return names.map((n) => costChange(a.get(n), b.get(n)));
}
