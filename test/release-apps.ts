/**
 * Lets a finished test file's apps be garbage-collected.
 *
 * aws-cdk-lib and cdktf keep every token ever created in a process-wide map (`__cdkTokenMap`,
 * `__cdktfTokenMap`), and aws-cdk-lib every attribute reference in `CfnReference.referenceTable`.
 * Tokens hold their constructs (as fields or in closures), and a construct holds its whole app.
 * In a one-shot `cdk synth` that costs nothing; but the test files share one worker
 * (`isolate: false` in vitest.config.mts), so every app any test built stayed in memory to the
 * end of the run: the worker's live heap grew from 140 MB to 710 MB over the suite.
 *
 * test/setup.ts marks where each file starts and, when it ends, drops the tokens the file
 * registered, except
 * - tokens a library module registered while it was loaded (aws-cdk-lib has a thousand, such as
 *   `Aws.ACCOUNT_ID` and the endpoint service names), which later files use again, and
 * - tokens registered while building the cached syntheses of test/util.ts (`keepTokens`),
 *   whose construct trees later files still read.
 * Everything registered before a file's mark stays too: the project's own modules (which vitest
 * loads itself, not through Node's loader) register theirs while the file's imports load, before
 * its `beforeAll`. A token a project module registers in a dynamic `import()` inside a test would be
 * released with the file.
 * A dropped token is only held weakly from then on: while anything else still holds it (a cached
 * `CfnReference` of a kept app, say) its key still resolves; once nothing does, it is collected,
 * and a later use of its key fails loudly ("Unrecognized token key"), never silently.
 */
import Module from 'node:module';
import { dirname, join } from 'node:path';
import type { IConstruct } from 'constructs';

interface TokenMap {
  readonly stringTokenMap: Map<string, unknown>;
  readonly numberTokenMap: Map<number, unknown>;
  readonly tokenCounter: number;
}

export type Library = '__cdkTokenMap' | '__cdktfTokenMap';
const LIBRARIES: readonly Library[] = ['__cdkTokenMap', '__cdktfTokenMap'];

export function tokenMap(library: Library): TokenMap | undefined {
  return (globalThis as Partial<Record<Library, TokenMap>>)[library];
}

/** Where each library's token counter stands; every token registered later has a higher number. */
export type TokenMark = Readonly<Record<Library, number>>;

export function tokenMark(): TokenMark {
  return {
    __cdkTokenMap: tokenMap('__cdkTokenMap')?.tokenCounter ?? 0,
    __cdktfTokenMap: tokenMap('__cdktfTokenMap')?.tokenCounter ?? 0,
  };
}

/** Token number ranges [from, to) that are never dropped, per library. */
const kept: Record<Library, [number, number][]> = { __cdkTokenMap: [], __cdktfTokenMap: [] };

function keepSince(mark: TokenMark): void {
  const now = tokenMark();
  for (const library of LIBRARIES) if (now[library] > mark[library]) kept[library].push([mark[library], now[library]]);
}

/** The roots of the apps built by `keepTokens`, whose references stay in `CfnReference.referenceTable`. */
const keptRoots = new Set<IConstruct>();

/**
 * Runs `build` (synchronously) and keeps every token it registers, and the references of the app
 * `rootOf` names, for the rest of the run.
 */
export function keepTokens<T>(build: () => T, rootOf: (built: T) => IConstruct): T {
  const mark = tokenMark();
  try {
    const built = build();
    keptRoots.add(rootOf(built).node.root);
    return built;
  } finally {
    keepSince(mark);
  }
}

let watchingModules = false;

/** Keeps the tokens every CommonJS module (aws-cdk-lib, cdktf) registers while it is being loaded. */
export function keepModuleTokens(): void {
  if (watchingModules) return;
  watchingModules = true;
  const prototype = Module.prototype as unknown as { _compile: (...args: unknown[]) => unknown };
  const compile = prototype._compile;
  prototype._compile = function (this: unknown, ...args: unknown[]) {
    const mark = tokenMark();
    try {
      return compile.apply(this, args);
    } finally {
      keepSince(mark);
    }
  };
}

/** The token number a string key (`<hint>.<n>`) or number key carries, or undefined for a number token's string form. */
export function tokenNumber(key: string | number): number | undefined {
  if (typeof key === 'number') return key;
  const n = Number(key.slice(key.lastIndexOf('.') + 1));
  return Number.isInteger(n) && /\.\d+$/.test(key) ? n : undefined;
}

/** Drops every token registered since `mark` that is not kept, and the reference table's entries of apps not kept. */
export function releaseTokensSince(mark: TokenMark): void {
  releaseReferenceTable();
  for (const library of LIBRARIES) {
    const tokens = tokenMap(library);
    if (!tokens) continue;
    const ranges = kept[library];
    const released = (n: number) => n >= mark[library] && !ranges.some(([from, to]) => n >= from && n < to);
    const dropped = new Set<unknown>();
    for (const [key, token] of tokens.numberTokenMap) {
      if (released(key)) {
        release(tokens.numberTokenMap, key, token);
        dropped.add(token);
      }
    }
    for (const [key, token] of tokens.stringTokenMap) {
      const n = tokenNumber(key);
      if ((n !== undefined && released(n)) || (n === undefined && dropped.has(token)))
        release(tokens.stringTokenMap, key, token);
    }
  }
}

type Released<K> = Map<K, WeakRef<object>>;

/** Per token map, its released tokens; `get` on the map falls back to them while they live. */
const releasedOf = new WeakMap<Map<unknown, unknown>, Released<unknown>>();

const collected = new FinalizationRegistry<{ released: Released<unknown>; key: unknown }>(({ released, key }) => {
  if (released.get(key)?.deref() === undefined) released.delete(key);
});

function release<K>(map: Map<K, unknown>, key: K, token: unknown): void {
  if (typeof token !== 'object' || token === null) return;
  let released = releasedOf.get(map as Map<unknown, unknown>) as Released<K> | undefined;
  if (!released) {
    const weak: Released<K> = new Map();
    // The libraries read their maps with `get` only.
    map.get = (k: K) => Map.prototype.get.call(map, k) ?? weak.get(k)?.deref();
    releasedOf.set(map as Map<unknown, unknown>, weak as Released<unknown>);
    released = weak;
  }
  map.delete(key);
  released.set(key, new WeakRef(token));
  collected.register(token, { released: released as Released<unknown>, key });
}

/**
 * aws-cdk-lib's `CfnReference.referenceTable`, which maps every referenced construct to its
 * references. The class is not exported from the package; it is loaded from its file.
 */
export function cfnReferenceTable(): Map<IConstruct, unknown> {
  const file = join(dirname(require.resolve('aws-cdk-lib')), 'core', 'lib', 'private', 'cfn-reference.js');
  const table = (require(file) as { CfnReference?: { referenceTable?: unknown } }).CfnReference?.referenceTable;
  if (!(table instanceof Map)) throw new Error(`${file}: CfnReference.referenceTable is no longer a Map`);
  return table as Map<IConstruct, unknown>;
}

/** Drops the reference table's entries of every app not kept. */
function releaseReferenceTable(): void {
  const table = cfnReferenceTable();
  for (const target of table.keys()) {
    if (!keptRoots.has(target.node.root)) table.delete(target);
  }
}
