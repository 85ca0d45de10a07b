/**
 * Reads a project's synthesized output (cdk.out, cdktf.out) into the form the diff compares.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readAwsOutput } from './aws-assembly';
import { readCdktfOutput } from './cdktf-output';
import type { Snapshot, StackTemplates } from './infra-diff';
import { SYNTH_CLIS } from './synth-clis';

/** AWS environments (stages and top-level stacks) and Azure stacks synthesized under `root`. */
export function readSnapshot(root: string): Snapshot {
  const awsDir = join(root, SYNTH_CLIS.aws.outdir);
  const azureDir = join(root, SYNTH_CLIS.azure.outdir);
  const aws: Record<string, StackTemplates> = {};
  if (existsSync(join(awsDir, 'manifest.json'))) {
    for (const group of readAwsOutput(awsDir).groups) {
      aws[group.name] = Object.fromEntries(group.stacks.map((stack) => [stack.id, stack.template]));
    }
  }
  const azure: Snapshot['azure'] = existsSync(join(azureDir, 'manifest.json'))
    ? Object.fromEntries(readCdktfOutput(azureDir).map((stack) => [stack.name, stack.tf]))
    : {};
  return { aws, azure };
}
