import type { App } from 'aws-cdk-lib';
import { isAwsEnvironment, type PlatformEnvironment, PlatformNames } from '../config';
import { addCompliancePacks } from './compliance';
import { PlatformStage } from './platform-stage';

/**
 * Adds one `PlatformStage` per AWS environment to `app` (its id is the environment name in
 * PascalCase: `staging` → `Staging`) and registers the compliance packs. Environments of other
 * clouds are skipped. Used by bin/aws.ts and by the tests, so both build the same app.
 */
export function buildAwsApp(app: App, environments: readonly PlatformEnvironment[]): PlatformStage[] {
  addCompliancePacks(app);
  return environments
    .filter(isAwsEnvironment)
    .map((env) => new PlatformStage(app, new PlatformNames(env).stageId, { environment: env }));
}
