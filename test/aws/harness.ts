/** A bare stack for construct tests: cdk.json's context, no compliance packs (the stage tests run those). */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PlatformKeys } from '../../lib/aws/keys';
import { type AwsEnvironment, PlatformNames } from '../../lib/config';
import { cdkContext } from '../util';

export interface Harness {
  readonly stack: Stack;
  readonly names: PlatformNames;
  readonly keys: PlatformKeys;
  readonly environment: AwsEnvironment;
}

export function harness(environment: AwsEnvironment): Harness {
  const app = new App({ context: cdkContext() });
  const stack = new Stack(app, 'Test', {
    env: { account: environment.target.account, region: environment.target.region },
  });
  const names = new PlatformNames(environment);
  const keys = new PlatformKeys(stack, 'Keys', { environment, names });
  return { stack, names, keys, environment };
}

export function templateOf(h: Harness): Template {
  return Template.fromStack(h.stack);
}
