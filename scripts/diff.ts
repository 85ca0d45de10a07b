/**
 * `npm run diff`: what a change does to the infrastructure, per environment, offline.
 *
 * Synthesizes the working tree (or reuses cdk.out / cdktf.out when they are newer than every
 * source file), synthesizes the base in a temporary `git worktree` (node_modules linked in),
 * and reports per environment the resources created, updated, replaced (or possibly replaced),
 * destroyed or orphaned, with the old and new value of each changed property, calling out
 * loudly every stateful resource (data, keys, registries, clusters) at risk, and the change of
 * its monthly cost estimate with the cause (`Staging ceiling +$1,840/month: gpu pool infer
 * maxNodes 4 -> 8`).
 *
 *   npm run diff                                   terminal report against main (or origin/main)
 *   npm run diff -- --base origin/main --markdown  Markdown, for $GITHUB_STEP_SUMMARY
 *
 * The temporary worktree and folder are removed afterwards, also on failure and on Ctrl-C.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import type { PlatformEnvironment } from '../lib/config';
import { deferCleanup, removeLater } from './lib/cleanup';
import { costNotes, outputName } from './lib/cost-report';
import { renderMarkdown, renderText } from './lib/diff-render';
import { diffSnapshots, type Snapshot } from './lib/infra-diff';
import { run } from './lib/process';
import { readSnapshot } from './lib/snapshot';
import { SYNTH_CLIS } from './lib/synth-clis';

const USAGE = `Usage: npm run diff [-- --base <ref>] [--markdown]

Synthesizes the working tree and the base (in a temporary git worktree) and prints, per
environment, the resources a change creates, updates, replaces, destroys or orphans.

  --base <ref>   what to compare with (default: main, else origin/main)
  --markdown     Markdown for a pull request's job summary
  -h, --help     show this help`;

/** What the synthesized output depends on: newer than cdk.out / cdktf.out means synthesize again. */
const SOURCES = ['bin', 'lib', 'environments', 'cdk.json', 'cdktf.json', 'package-lock.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** cdk.out and cdktf.out exist and are newer than every source file. */
function isFresh(root: string): boolean {
  const outputs = [SYNTH_CLIS.aws.outdir, SYNTH_CLIS.azure.outdir].map((dir) => join(root, dir, 'manifest.json'));
  if (!outputs.every((p) => existsSync(p))) return false;
  const synthesized = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return SOURCES.every((source) => newestMtime(join(root, source)) < synthesized);
}

/** `npm run synth` of the project in `cwd` (its own version of the script). */
async function synthesize(cwd: string): Promise<void> {
  const result = await run('npm', ['run', '--silent', 'synth'], { cwd });
  if (result.code !== 0) throw new Error(`synth failed in ${cwd} (exit ${result.code}):\n${result.output.trim()}`);
}

function git(args: readonly string[], cwd = process.cwd()): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function resolveBase(requested: string | undefined): string {
  const candidates = requested ? [requested] : ['main', 'origin/main'];
  for (const ref of candidates) {
    try {
      git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
      return ref;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`base ${candidates.join(' or ')} not found: fetch it (git fetch origin main) or pass --base <ref>`);
}

/**
 * The environments of the project in `dir` (its own environments/index.ts), or undefined when
 * that version has none to offer: the cost change is then left out, not the diff.
 */
async function environmentsIn(dir: string): Promise<readonly PlatformEnvironment[] | undefined> {
  try {
    const module = (await import(pathToFileURL(join(dir, 'environments', 'index.ts')).href)) as {
      environments?: readonly PlatformEnvironment[];
    };
    return Array.isArray(module.environments) ? module.environments : undefined;
  } catch {
    return undefined;
  }
}

/** Synthesizes `ref` in a temporary worktree and reads its output and environments; the worktree always goes. */
async function synthesizeBase(
  ref: string,
): Promise<{ snapshot: Snapshot; environments?: readonly PlatformEnvironment[] }> {
  const tmp = mkdtempSync(join(tmpdir(), 'mlops-diff-'));
  const removeTmp = removeLater(tmp);
  const dir = join(tmp, 'base');
  const removeWorktree = deferCleanup(() => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      // not created, or already gone: prune forgets it either way
    }
    git(['worktree', 'prune']);
  });
  try {
    git(['worktree', 'add', '--detach', dir, ref]);
    symlinkSync(realpathSync('node_modules'), join(dir, 'node_modules'), 'dir');
    await synthesize(dir);
    return { snapshot: readSnapshot(dir), environments: await environmentsIn(dir) };
  } finally {
    removeWorktree();
    removeTmp();
  }
}

/**
 * Extra lines per environment, printed under its heading in both reports: the monthly cost
 * change and its cause. Without the base's environments (a base too old to load), none.
 */
function environmentNotes(
  base: { snapshot: Snapshot; environments?: readonly PlatformEnvironment[] },
  head: Snapshot,
): ReadonlyMap<string, readonly string[]> {
  if (!base.environments) return new Map();
  try {
    return costNotes({ environments: base.environments, snapshot: base.snapshot }, { environments, snapshot: head });
  } catch (error) {
    // The estimate must never hide the diff: say why it is missing instead.
    const reason = error instanceof Error ? error.message : String(error);
    return new Map(environments.map((env) => [outputName(env), [`cost change not estimated: ${reason}`]]));
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const base = resolveBase(values.base);
  const root = process.cwd();
  if (!isFresh(root)) await synthesize(root);
  const head = readSnapshot(root);

  let baseVersion: Awaited<ReturnType<typeof synthesizeBase>>;
  try {
    baseVersion = await synthesizeBase(base);
  } catch (error) {
    // A broken base must not block the pull request that fixes it: say so instead of a diff.
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(
      values.markdown
        ? `## Infrastructure diff against \`${base}\`\n\n> [!WARNING]\n> The base could not be synthesized, so there is no diff.\n\n\`\`\`\n${reason.slice(0, 4000)}\n\`\`\`\n`
        : `The base ${base} could not be synthesized, so there is no diff:\n${reason}\n`,
    );
    return;
  }
  const diffs = diffSnapshots(baseVersion.snapshot, head);
  const options = { base, notes: environmentNotes(baseVersion, head) };
  process.stdout.write(values.markdown ? renderMarkdown(diffs, options) : renderText(diffs, options));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
