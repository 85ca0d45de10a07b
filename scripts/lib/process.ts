/**
 * Running the project's CLIs from the scripts: one child process, its combined output, its wall
 * time and, on Linux, the peak memory of its whole process tree.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What every CLI run from the scripts gets: no telemetry, no version check, no prompts. */
export const CLI_ENV: Readonly<Record<string, string>> = {
  // cdktf-cli posts telemetry to checkpoint-api.hashicorp.com on every command unless this is set
  // (to any value); offline, it logs an [ERROR] line for the failed request.
  CHECKPOINT_DISABLE: '1',
  CDK_DISABLE_VERSION_CHECK: 'true',
  CI: 'true',
};

/** A CLI of the project's own node_modules. */
export function localBin(root: string, name: string): string {
  return join(root, 'node_modules', '.bin', name);
}

export interface RunOptions {
  readonly cwd: string;
  /** Added to the environment of this process (and CLI_ENV). */
  readonly env?: Readonly<Record<string, string>>;
  /** Sample the memory of the process tree (Linux only). @default false */
  readonly measureMemory?: boolean;
  /** Stream the child's output to this process's stdout/stderr as well. @default false */
  readonly echo?: boolean;
}

export interface RunResult {
  readonly code: number;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
  readonly seconds: number;
  /**
   * Largest sum of resident set sizes over the process and all its descendants, sampled every
   * 100 ms from /proc; undefined when not measured or not on Linux.
   */
  readonly peakRssBytes?: number;
}

/** Runs `command args` to completion; never rejects for a non-zero exit. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...CLI_ENV, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (options.echo) stream.write(chunk);
    };
    child.stdout.on('data', collect(process.stdout));
    child.stderr.on('data', collect(process.stderr));
    let peak: number | undefined;
    const sampler =
      options.measureMemory && child.pid !== undefined && PROC_AVAILABLE
        ? setInterval(() => {
            const rss = treeRssBytes(child.pid as number);
            if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
          }, 100)
        : undefined;
    child.on('error', (error) => {
      if (sampler) clearInterval(sampler);
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (sampler) clearInterval(sampler);
      resolve({
        code: code ?? (signal ? 128 : 1),
        output,
        seconds: (performance.now() - started) / 1000,
        peakRssBytes: peak,
      });
    });
  });
}

const PROC_AVAILABLE = process.platform === 'linux';
export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly rssBytes: number;
}

/** Every process of /proc with its parent and resident set size. */
function processTable(): ProcEntry[] {
  const entries: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // proc(5): `PPid:` and `VmRSS:` (kB; absent for kernel threads) in /proc/<pid>/status.
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      const rssKb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      entries.push({ pid: Number(name), ppid: Number(ppid ?? 0), rssBytes: Number(rssKb ?? 0) * 1024 });
    } catch {
      // the process ended between readdir and read
    }
  }
  return entries;
}

/** The sum of RSS of `root` and all its descendants, or undefined when it has ended. */
export function treeRssBytes(root: number, table: readonly ProcEntry[] = processTable()): number | undefined {
  const children = new Map<number, ProcEntry[]>();
  let rootEntry: ProcEntry | undefined;
  for (const entry of table) {
    if (entry.pid === root) rootEntry = entry;
    const siblings = children.get(entry.ppid) ?? [];
    siblings.push(entry);
    children.set(entry.ppid, siblings);
  }
  if (!rootEntry) return undefined;
  let total = 0;
  const queue = [rootEntry];
  for (let entry = queue.pop(); entry; entry = queue.pop()) {
    total += entry.rssBytes;
    queue.push(...(children.get(entry.pid) ?? []));
  }
  return total;
}
