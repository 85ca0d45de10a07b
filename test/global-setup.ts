/**
 * Runs once per `vitest run`, in the main process, around every worker.
 *
 * aws-cdk-lib and cdktf write each synthesized app to a fresh folder under the system temp folder
 * (`cdk.out*`, `cdktf.outdir.*`) and never remove it: a test run would leave over a gigabyte
 * behind. Every worker inherits a `TMPDIR` of this run's own, removed when the run ends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'mlops-test-'));
  process.env.TMPDIR = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
