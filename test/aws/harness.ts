/** A bare stack for construct tests: cdk.json's context, no compliance packs (the stage tests run those). */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PlatformKeys } from '../../lib/aws/keys';
import { PlatformStage } from '../../lib/aws/platform-stage';
import { type AwsEnvironment, PlatformNames } from '../../lib/config';
import { cdkContext, fileCache, isShipped, synthAws } from '../util';

export interface Harness {
  readonly stack: Stack;
  readonly names: PlatformNames;
  readonly keys: PlatformKeys;
  readonly environment: AwsEnvironment;
  /** What the stage decides for the environment: production keeps its stateful resources. */
  readonly retain: boolean;
}

export function harness(environment: AwsEnvironment): Harness {
  const app = new App({ context: cdkContext() });
  const stack = new Stack(app, 'Test', {
    env: { account: environment.target.account, region: environment.target.region },
  });
  const names = new PlatformNames(environment);
  const retain = environment.stage === 'production';
  const keys = new PlatformKeys(stack, 'Keys', { names, retain });
  return { stack, names, keys, environment, retain };
}

export function templateOf(h: Harness): Template {
  return Template.fromStack(h.stack);
}

const stageCache = fileCache<AwsEnvironment, { stage: PlatformStage; template: Template }>();

/**
 * The environment's whole stage, for construct tests that need their neighbours: for a shipped
 * environment the stage `synthAws` built and checked (one synthesis per environment and worker),
 * for a variant a stage without the compliance packs (the stage tests run those); built once per
 * environment object.
 */
export function stageOf(environment: AwsEnvironment): { stage: PlatformStage; template: Template } {
  if (isShipped(environment)) {
    const { stage, templates } = synthAws(environment);
    return { stage, template: templates.Platform as Template };
  }
  let built = stageCache.get(environment);
  if (!built) {
    const app = new App({ context: cdkContext() });
    const stage = new PlatformStage(app, 'Test', { environment });
    built = { stage, template: Template.fromStack(stage.platform) };
    stageCache.set(environment, built);
  }
  return built;
}
