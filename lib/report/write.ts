/**
 * Writes the reports: per environment a folder `<outdir>/<environment>/` with `diagram.md`
 * (Mermaid), `diagram.svg` (Graphviz), `estimate.md` and `estimate.json`. The only part of
 * lib/report that touches the file system.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { estimateJson, renderEstimateMarkdown } from './estimate';
import { renderSvg, toDot } from './render';
import { type EnvironmentReport, renderDiagramMarkdown } from './report';

/** Writes every report; returns the paths written, in order. */
export async function writeReports(outdir: string, reports: readonly EnvironmentReport[]): Promise<string[]> {
  const written: string[] = [];
  for (const report of reports) {
    const dir = join(outdir, report.environment.name);
    await mkdir(dir, { recursive: true });
    const files: ReadonlyArray<readonly [string, string]> = [
      ['diagram.md', renderDiagramMarkdown(report)],
      ['diagram.svg', await renderSvg(toDot(report.diagram))],
      ['estimate.md', renderEstimateMarkdown(report.estimate, report.environment.monitoring.monthlyBudgetUsd)],
      ['estimate.json', estimateJson(report.estimate)],
    ];
    for (const [name, content] of files) {
      const path = join(dir, name);
      await writeFile(path, content);
      written.push(path);
    }
  }
  return written;
}
