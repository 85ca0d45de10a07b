/**
 * `npm run synth`: every environment of both clouds, synthesized offline with the CLIs a deploy
 * uses (`cdk synth`, `cdktf synth`), side by side; then one line per environment with what was
 * produced and where, every warning under its environment, a total and the time of each CLI.
 *
 *   npm run synth              both clouds
 *   npm run synth -- aws       AWS only (likewise azure)
 *
 * The environments are validated first, with the config model only (no aws-cdk-lib or cdktf is
 * loaded on that path): a mistake is reported once, in well under a second, instead of by both
 * CLIs after they have loaded their libraries.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { delivery } from '../environments/delivery';
import { ConfigError } from '../lib/config';
import { configErrors } from './lib/config-check';
import { localBin, type RunResult, run } from './lib/process';
import { CLOUDS, type CloudName, SYNTH_CLIS } from './lib/synth-clis';

const USAGE = `Usage: npm run synth [-- [aws] [azure]] [--reports <dir>]

Validates every environment, then synthesizes the AWS app (cdk synth) and the Azure app
(cdktf synth) side by side, offline, into cdk.out/ and cdktf.out/, and prints one line per
environment (target, stacks, resources, warnings, monthly estimate, output) with its warnings
below it. Writes each environment's diagram and itemised cost estimate, read from its
synthesized output, to <dir>/<environment>/.

  aws, azure       synthesize only these clouds (default: both)
  --reports <dir>  where the diagrams and estimates go (default: reports)
  -h, --help       show this help`;

function parse(): { clouds: CloudName[]; reports: string } {
  const { values, positionals } = parseArgs({
    options: { help: { type: 'boolean', short: 'h' }, reports: { type: 'string', default: 'reports' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const unknown = positionals.filter((p) => !CLOUDS.includes(p as CloudName));
  if (unknown.length > 0) {
    console.error(`Unknown cloud: ${unknown.join(', ')}\n\n${USAGE}`);
    process.exit(2);
  }
  const clouds = positionals.length > 0 ? CLOUDS.filter((c) => positionals.includes(c)) : [...CLOUDS];
  return { clouds, reports: values.reports };
}

async function main(): Promise<void> {
  const { clouds, reports } = parse();
  const errors = configErrors(environments, delivery);
  // performance.now() counts from the start of this process: loading the environments and the
  // config model is part of the check.
  const checked = performance.now() / 1000;
  if (errors.length > 0) {
    console.error(new ConfigError(errors).message);
    console.error(`\nNothing was synthesized (configuration checked ${checked.toFixed(2)} s after start).`);
    process.exit(1);
  }

  const root = process.cwd();
  const results = new Map<CloudName, RunResult>();
  await Promise.all(
    clouds.map(async (cloud) => {
      const cli = SYNTH_CLIS[cloud];
      results.set(cloud, await run(localBin(root, cli.bin), cli.args, { cwd: root }));
    }),
  );
  const failed = clouds.filter((cloud) => results.get(cloud)?.code !== 0);
  const succeeded = clouds.filter((cloud) => !failed.includes(cloud));

  if (succeeded.length > 0) {
    // Loaded only now: the summary reads the cloud assembly with aws-cdk-lib's own reader.
    const { summarise, renderSummary } = await import('./lib/synth-summary.js');
    const summary = summarise(succeeded, { awsDir: SYNTH_CLIS.aws.outdir, azureDir: SYNTH_CLIS.azure.outdir });
    const costs = await writeCostReports(root, reports);
    const timings = clouds.map((cloud) => ({
      label: `${SYNTH_CLIS[cloud].bin} synth${failed.includes(cloud) ? ' (failed)' : ''}`,
      seconds: (results.get(cloud) as RunResult).seconds,
    }));
    console.log(
      renderSummary(summary, { checkSeconds: checked, timings, totalSeconds: performance.now() / 1000 }, costs),
    );
  }
  // A failing cloud's own output last, where it is seen: the other cloud's summary is above.
  for (const cloud of failed) {
    const result = results.get(cloud) as RunResult;
    console.error(
      `\n${cloud}: ${SYNTH_CLIS[cloud].bin} synth failed (exit ${result.code}), nothing of ${cloud} is summarized:\n${result.output.trim()}\n`,
    );
  }
  if (failed.length > 0) process.exit(1);
}

/** Each synthesized environment's diagram and estimate, written to `outdir`; the figures for the summary. */
async function writeCostReports(root: string, outdir: string) {
  const { readSnapshot } = await import('./lib/snapshot.js');
  const { costFigures, reportsOf } = await import('./lib/cost-report.js');
  const { writeReports } = await import('../lib/report/index.js');
  const built = reportsOf(environments, readSnapshot(root));
  await rm(outdir, { recursive: true, force: true });
  await writeReports(outdir, built);
  return { figures: costFigures(built), outdir };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
