/**
 * How the scripts synthesize each cloud: the CLIs a deploy uses, with the same flags everywhere
 * (`npm run synth`, `npm run diff`, `npm run bench`).
 */

export type CloudName = 'aws' | 'azure';

export const CLOUDS: readonly CloudName[] = ['aws', 'azure'];

export interface SynthCli {
  /** Executable in node_modules/.bin. */
  readonly bin: string;
  readonly args: readonly string[];
  /** Output folder, relative to the project. */
  readonly outdir: string;
  /** Flags that point the CLI at another app entry and output folder (benchmarks). */
  readonly appArgs: (app: string, outdir: string) => readonly string[];
}

export const SYNTH_CLIS: Readonly<Record<CloudName, SynthCli>> = {
  aws: {
    bin: 'cdk',
    // --quiet: no template on stdout; --no-notices: notices are fetched from the internet.
    args: ['synth', '--quiet', '--no-notices'],
    outdir: 'cdk.out',
    appArgs: (app, outdir) => ['--app', app, '--output', outdir],
  },
  azure: {
    bin: 'cdktf',
    args: ['synth'],
    outdir: 'cdktf.out',
    appArgs: (app, outdir) => ['--app', app, '--output', outdir],
  },
};
