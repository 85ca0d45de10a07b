/**
 * Leave nothing behind: folders and git worktrees a script creates are removed when the work is
 * done, when it fails, and when the user presses Ctrl-C (SIGINT) or the job is cancelled
 * (SIGTERM, SIGHUP).
 */
import { rmSync } from 'node:fs';

type Step = () => void;

const pending = new Set<Step>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
let installed = false;

/** Runs every pending step once, newest first; a failing step does not stop the others. */
export function runPendingCleanup(): void {
  for (const step of [...pending].reverse()) {
    pending.delete(step);
    try {
      step();
    } catch (error) {
      console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  // The children share the terminal's process group and got the same signal; what they wrote is
  // removed here, synchronously, before this process exits.
  runPendingCleanup();
  process.exit(EXIT_CODES[signal] ?? 1);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  // Synchronous steps only: 'exit' handlers cannot wait.
  process.on('exit', runPendingCleanup);
}

/**
 * Registers `step` to run on success, failure, signal or exit, whichever comes first, and returns
 * a function that runs it now (and unregisters it).
 */
export function deferCleanup(step: Step): () => void {
  install();
  pending.add(step);
  return () => {
    if (!pending.delete(step)) return;
    step();
  };
}

/** Registers removal of `path` (recursive, forced); the returned function removes it now. */
export function removeLater(path: string): () => void {
  return deferCleanup(() => rmSync(path, { recursive: true, force: true }));
}

/**
 * Runs `work` with `path` removed afterwards, whether `work` succeeds, throws, or the process is
 * interrupted while it runs.
 */
export async function withRemoved<T>(path: string, work: () => Promise<T> | T): Promise<T> {
  const remove = removeLater(path);
  try {
    return await work();
  } finally {
    remove();
  }
}
