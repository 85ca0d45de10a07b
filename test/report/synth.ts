/**
 * The synthesized output of every shipped environment: each AWS environment's stage with the
 * model delivery target that bin/aws.ts adds (all in one app, one synthesis; without the
 * compliance packs, which validate and annotate but add no resource: the stage tests run them),
 * each Azure environment with `synthAzure`. Built once per worker.
 */
import { App } from 'aws-cdk-lib';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import { addModelDeliveryTarget } from '../../lib/aws/model-delivery';
import { PlatformStage } from '../../lib/aws/platform-stage';
import { type AzureEnvironment, isAwsEnvironment, isAzureEnvironment, PlatformNames } from '../../lib/config';
import type { CfnTemplate, SynthesizedOutput } from '../../lib/report';
import { cdkContext, synthAzure } from '../util';

let cache: Map<string, SynthesizedOutput> | undefined;

export function shippedOutputs(): Map<string, SynthesizedOutput> {
  if (cache) return cache;
  const outputs = new Map<string, SynthesizedOutput>();
  const app = new App({ context: cdkContext() });
  const stages = environments.filter(isAwsEnvironment).map((environment) => {
    const stage = new PlatformStage(app, new PlatformNames(environment).stageId, { environment });
    addModelDeliveryTarget(stage, delivery);
    return stage;
  });
  const assembly = app.synth();
  for (const stage of stages) {
    const templates: Record<string, CfnTemplate> = {};
    for (const stack of assembly.getNestedAssembly(`assembly-${stage.stageName}`).stacks) {
      templates[stack.hierarchicalId.split('/').pop() as string] = stack.template as CfnTemplate;
    }
    outputs.set(stage.environment.name, { cloud: 'aws', templates });
  }
  for (const env of environments.filter(isAzureEnvironment)) {
    outputs.set(env.name, { cloud: 'azure', terraform: synthAzure(env as AzureEnvironment).json });
  }
  const missing = environments.filter((e) => !outputs.has(e.name)).map((e) => e.name);
  if (missing.length > 0) throw new Error(`no output for ${missing.join(', ')}`);
  cache = outputs;
  return outputs;
}
