/**
 * `npm run diff`: what a change does to the infrastructure, per environment, offline.
 *
 * Synthesizes the working tree (or reuses cdk.out / cdktf.out when they are newer than every
 * source file), synthesizes the base in a temporary `git worktree` (node_modules linked in),
 * and reports per environment the resources created, updated, replaced (or possibly replaced),
 * destroyed or orphaned, with the old and new value of each changed property, calling out
 * loudly every stateful resource (data, keys, registries, clusters) at risk.
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
import { parseArgs } from 'node:util';
import { deferCleanup, removeLater } from './lib/cleanup';
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

/** Synthesizes `ref` in a temporary worktree and reads its output; the worktree always goes. */
async function synthesizeBase(ref: string): Promise<Snapshot> {
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
    return readSnapshot(dir);
  } finally {
    removeWorktree();
    removeTmp();
  }
}

/**
 * Extra lines per environment, printed under its heading in both reports. None yet: this is the
 * place for figures that compare base and head per environment, such as a monthly cost change.
 */
function environmentNotes(_base: Snapshot, _head: Snapshot): ReadonlyMap<string, readonly string[]> {
  return new Map();
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

  let baseSnapshot: Snapshot;
  try {
    baseSnapshot = await synthesizeBase(base);
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
  const diffs = diffSnapshots(baseSnapshot, head);
  const options = { base, notes: environmentNotes(baseSnapshot, head) };
  process.stdout.write(values.markdown ? renderMarkdown(diffs, options) : renderText(diffs, options));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
