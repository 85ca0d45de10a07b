/**
 * The library's module graph has no cycles: a construct file never imports, at run time, a file
 * that imports it back (type-only imports are erased and do not count).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './util';

const LIB = join(ROOT, 'lib');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Run-time relative imports and re-exports of a file, resolved to files. */
function runtimeImports(file: string, text = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  const pattern = /^(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'(\.{1,2}\/[^']+)'/gm;
  for (const match of text.matchAll(pattern)) {
    if (match[1]) continue;
    const target = resolve(dirname(file), match[2] as string);
    const candidates = [`${target}.ts`, join(target, 'index.ts')];
    const found = candidates.find((c) => files.has(c));
    if (found) out.push(found);
  }
  return out;
}

const files = new Set(sources(LIB));

/** Every cycle, each once, as a list of paths relative to lib/. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found = new Map<string, string[]>();
  const visit = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      const at = path.indexOf(next);
      if (at >= 0) {
        // Each cycle once, written from its first file in sort order.
        const members = path.slice(at).map((p) => relative(LIB, p));
        const first = members.indexOf([...members].sort()[0] as string);
        const cycle = [...members.slice(first), ...members.slice(0, first)];
        found.set(cycle.join(' '), [...cycle, cycle[0] as string]);
      } else if (path.length < 12) {
        visit(next, [...path, next]);
      }
    }
  };
  for (const file of graph.keys()) visit(file, [file]);
  return [...found.values()];
}

describe('lib module graph', () => {
  it('reads multi-line and type-only imports correctly', () => {
    const file = join(LIB, 'aws', 'x.ts');
    files.add(join(LIB, 'aws', 'y.ts'));
    try {
      const text = "import {\n  a,\n  b,\n} from './y';\nimport type { C } from './cluster';\n";
      expect(runtimeImports(file, text)).toEqual([join(LIB, 'aws', 'y.ts')]);
    } finally {
      files.delete(join(LIB, 'aws', 'y.ts'));
    }
  });

  it('finds a cycle when there is one', () => {
    const [a, b, c] = ['aws/a.ts', 'aws/b.ts', 'aws/c.ts'].map((f) => join(LIB, f)) as [string, string, string];
    expect(
      cycles(
        new Map([
          [a, [b]],
          [b, [c]],
          [c, [a]],
        ]),
      ),
    ).toEqual([['aws/a.ts', 'aws/b.ts', 'aws/c.ts', 'aws/a.ts']]);
  });

  it('has no import cycles', () => {
    expect(cycles(new Map([...files].map((f) => [f, runtimeImports(f)])))).toEqual([]);
  });
});
