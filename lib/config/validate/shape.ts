/**
 * The structural check that runs before any rule: every field an environment file sets must
 * exist in the model, every required field must be there, and every value must have the right
 * type. A typo becomes an error naming the file, the path and the closest valid key, and no later
 * rule ever reads a field of the wrong type (so validation never crashes on a bad file).
 *
 * The shapes themselves (schema.ts) are checked against the TypeScript interfaces by the compiler:
 * `object<T>()` demands exactly the keys of `T`, with the same optionality.
 */
import type { Checker } from './checker';

export type Shape = ScalarShape | EnumShape | ArrayShape | RecordShape | ObjectShape | VariantShape;

interface ScalarShape {
  readonly kind: 'string' | 'number' | 'boolean';
}
interface EnumShape {
  readonly kind: 'enum';
  readonly values: readonly string[];
}
interface ArrayShape {
  readonly kind: 'array';
  readonly of: Shape;
}
interface RecordShape {
  readonly kind: 'record';
  readonly of: Shape;
}
export interface ObjectShape {
  readonly kind: 'object';
  /** The interface's name in lib/config/types.ts, for messages. */
  readonly name: string;
  readonly fields: Readonly<Record<string, Field>>;
}
/** A union of object shapes told apart by one key, such as `target.cloud`. */
interface VariantShape {
  readonly kind: 'variant';
  readonly key: string;
  readonly variants: Readonly<Record<string, ObjectShape>>;
}

interface Required_ {
  readonly shape: Shape;
  readonly optional?: never;
}
interface Optional_ {
  readonly shape: Shape;
  readonly optional: true;
}
type Field = Required_ | Optional_;

/** The fields of `T`: every key, no other, optional exactly where `T` makes it optional. */
type FieldsOf<T> = { readonly [K in keyof Required<T>]-?: object extends Pick<T, K> ? Optional_ : Required_ };

export const string: Shape = { kind: 'string' };
export const number: Shape = { kind: 'number' };
export const boolean: Shape = { kind: 'boolean' };
export const oneOf = (values: readonly string[]): Shape => ({ kind: 'enum', values });
export const list = (of: Shape): Shape => ({ kind: 'array', of });
export const record = (of: Shape): Shape => ({ kind: 'record', of });
export const req = (shape: Shape): Required_ => ({ shape });
export const opt = (shape: Shape): Optional_ => ({ shape, optional: true });
export const object = <T>(name: string, fields: FieldsOf<T>): ObjectShape => ({ kind: 'object', name, fields });
export const variant = (key: string, variants: Readonly<Record<string, ObjectShape>>): Shape => ({
  kind: 'variant',
  key,
  variants,
});

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

function describe(shape: Shape): string {
  switch (shape.kind) {
    case 'string':
      return 'text';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${shape.values.map((v) => `'${v}'`).join(', ')}`;
    case 'array':
      return 'a list';
    case 'record':
    case 'object':
    case 'variant':
      return 'an object';
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Checks `value` against `shape`, reporting every mismatch; returns whether it matched. */
export function checkShape(c: Checker, path: string, value: unknown, shape: Shape): boolean {
  const before = c.problems.length;
  visit(c, path, value, shape);
  return c.problems.length === before;
}

function visit(c: Checker, path: string, value: unknown, shape: Shape): void {
  switch (shape.kind) {
    case 'string':
    case 'number':
    case 'boolean': {
      const ok =
        shape.kind === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === shape.kind;
      if (!ok) c.error(path, value, `must be ${describe(shape)}`, `write ${describe(shape)}`);
      return;
    }
    case 'enum': {
      if (typeof value === 'string' && shape.values.includes(value)) return;
      const guess = typeof value === 'string' ? closest(value, shape.values) : undefined;
      c.error(path, value, `must be ${describe(shape)}`, guess ? `did you mean '${guess}'?` : 'pick one of them');
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        c.error(path, value, 'must be a list', 'write it as [ ... ]');
        return;
      }
      value.forEach((item, i) => {
        visit(c, `${path}[${i}]`, item, shape.of);
      });
      return;
    }
    case 'record': {
      if (!isPlainObject(value)) {
        c.error(path, value, 'must be an object', 'write it as { key: value }');
        return;
      }
      for (const [key, item] of Object.entries(value)) visit(c, join(path, key), item, shape.of);
      return;
    }
    case 'variant': {
      if (!isPlainObject(value)) {
        c.error(path, value, 'must be an object', `write it as { ${shape.key}: ..., ... }`);
        return;
      }
      const tag = value[shape.key];
      const variant = typeof tag === 'string' && Object.hasOwn(shape.variants, tag) ? shape.variants[tag] : undefined;
      if (!variant) {
        visit(c, join(path, shape.key), tag, oneOf(Object.keys(shape.variants)));
        return;
      }
      visit(c, path, value, variant);
      return;
    }
    case 'object':
      visitObject(c, path, value, shape);
  }
}

function visitObject(c: Checker, path: string, value: unknown, shape: ObjectShape): void {
  const keys = Object.keys(shape.fields);
  if (!isPlainObject(value)) {
    c.error(path || '(environment)', value, `must be an object (${shape.name})`, `write it as { ${keys.join(', ')} }`);
    return;
  }
  const missing = keys.filter((key) => !shape.fields[key]?.optional && value[key] === undefined);
  const explained = new Set<string>();
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(shape.fields, key)) continue;
    const guess = closest(key, keys);
    if (guess) explained.add(guess);
    c.error(
      join(path, key),
      value[key],
      `is not a field of ${path || 'an environment'} (${shape.name})`,
      guess ? `did you mean '${guess}'?` : `valid fields: ${keys.join(', ')}`,
    );
  }
  for (const key of missing) {
    if (explained.has(key)) continue;
    const field = shape.fields[key]?.shape;
    const type = field?.kind === 'object' ? field.name : `${shape.name}.${key}`;
    c.error(join(path, key), undefined, `is required (${type})`, `add ${key}; lib/config/types.ts documents ${type}`);
  }
  for (const [key, field] of Object.entries(shape.fields)) {
    if (value[key] !== undefined) visit(c, join(path, key), value[key], field.shape);
  }
}

/** The candidate closest to `text` by edit distance, if it is close enough to be a typo. */
export function closest(text: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === text.toLowerCase() ? 0 : editDistance(text, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(text.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance (insertions, deletions and substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
