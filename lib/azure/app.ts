import type { App } from 'cdktf';
import { type AzureEnvironment, isAzureEnvironment, type PlatformEnvironment } from '../config';
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
  const azure = environments.filter(isAzureEnvironment);
  // Production promotes models from the staging environment of the same repository.
  const stagingOf = (env: AzureEnvironment) =>
    azure.find((s) => s.stage === 'staging' && !s.hybrid && s.delivery.repository === env.delivery.repository);
  return azure.map(
    (env) =>
      new PlatformStack(app, env.name, {
        environment: env,
        state: options.localState ? 'local' : 'remote',
        promotionSource: env.stage === 'production' ? stagingOf(env) : undefined,
      }),
  );
}
