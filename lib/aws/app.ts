import { Annotations, type App } from 'aws-cdk-lib';
import {
  ConfigError,
  type DeliveryEnvironment,
  formatProblem,
  isAwsEnvironment,
  type PlatformEnvironment,
  PlatformNames,
  pascalCase,
  promotedEnvironments,
  validateDelivery,
} from '../config';
import { addCompliancePacks, writeAcknowledgements } from './compliance';
import { addModelDeliveryTarget, ModelDeliveryStack } from './model-delivery';
import { DeliveryStack } from './pipeline';
import { PlatformStage } from './platform-stage';

/**
 * Adds one `PlatformStage` per AWS environment to `app` (its id is the environment name in
 * PascalCase: `staging` → `Staging`) and registers the compliance packs. Environments of other
 * clouds are skipped. Used by bin/aws.ts and by the tests, so both build the same app.
 *
 * With `delivery`, the app also holds the delivery pipeline stack (id: the delivery name in
 * PascalCase, `Delivery`), which deploys the promoted environments' stages; `npx cdk deploy
 * 'Staging/*'` deploys the same stage directly.
 */
export function buildAwsApp(
  app: App,
  environments: readonly PlatformEnvironment[],
  delivery?: DeliveryEnvironment,
): PlatformStage[] {
  addCompliancePacks(app);
  const stages = environments
    .filter(isAwsEnvironment)
    .map((env) => new PlatformStage(app, new PlatformNames(env).stageId, { environment: env }));
  // The packs' own aspect, registered on the app, stops at stage boundaries.
  for (const stage of stages) writeAcknowledgements(stage);
  if (delivery) {
    const problems = validateDelivery(delivery, environments);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);
    for (const stage of stages) addModelDeliveryTarget(stage, delivery);
    const promoted = promotedEnvironments(delivery, environments);
    const promotedStages = promoted.flatMap((env) => stages.filter((stage) => stage.environment === env));
    const staging = promoted.find((env) => env.stage === 'staging');
    const production = promoted.find((env) => env.stage === 'production');
    const stageOf = (env?: PlatformEnvironment) => promotedStages.find((stage) => stage.environment === env);
    const stagingStage = stageOf(staging);
    const productionStage = stageOf(production);
    // The model pipelines release into the Serving stacks; without models there is nothing to deliver.
    const modelsId =
      stagingStage?.serving && productionStage?.serving ? `${pascalCase(delivery.name)}Models` : undefined;
    const stack = new DeliveryStack(app, pascalCase(delivery.name), {
      delivery,
      stages: promotedStages,
      toolingStacks: modelsId ? [modelsId] : [],
    });
    if (modelsId && stagingStage && productionStage) {
      new ModelDeliveryStack(app, modelsId, {
        delivery,
        staging: stagingStage,
        production: productionStage,
        topic: stack.topic,
      });
    }
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      Annotations.of(stack).addWarningV2('mlops:config', formatProblem(warning));
    }
  }
  return stages;
}
