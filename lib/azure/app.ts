import type { App } from 'cdktf';
import { isAzureEnvironment, type PlatformEnvironment } from '../config';
import { PlatformStack } from './platform-stack';

export interface AzureAppOptions {
  /**
   * Force local Terraform state for every stack.
   * @default false
   */
  readonly localState?: boolean;
}

/**
 * Adds one `PlatformStack` per Azure environment to `app`, with the environment name as stack id
 * (so its Terraform lands in `cdktf.out/stacks/<name>`). Environments of other clouds are skipped.
 * Used by bin/azure.ts and by the tests, so both build the same app.
 */
export function buildAzureApp(
  app: App,
  environments: readonly PlatformEnvironment[],
  options: AzureAppOptions = {},
): PlatformStack[] {
  return environments
    .filter(isAzureEnvironment)
    .map(
      (env) => new PlatformStack(app, env.name, { environment: env, state: options.localState ? 'local' : 'remote' }),
    );
}
