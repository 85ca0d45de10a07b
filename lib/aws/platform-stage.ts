import { Annotations, Stack, Stage, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type AwsEnvironment,
  ConfigError,
  formatProblem,
  PlatformNames,
  platformTags,
  validateEnvironment,
} from '../config';
import { EnvironmentBudget } from './monitoring';

export interface PlatformStageProps {
  /** The environment this stage deploys; it must target AWS. */
  readonly environment: AwsEnvironment;
}

/**
 * One AWS environment of the platform: every stack of the environment, deployed to the account
 * and region of `environment.target` (`npx cdk deploy 'Staging/*'`).
 *
 * The environment is validated before any stack is built: errors throw a `ConfigError` naming
 * the file, field, value and fix; warnings become synth-time annotations.
 */
export class PlatformStage extends Stage {
  public readonly environment: AwsEnvironment;
  public readonly names: PlatformNames;
  /** The stack of the environment's platform resources. */
  public readonly platform: Stack;

  constructor(scope: Construct, id: string, props: PlatformStageProps) {
    const env = props.environment;
    const problems = validateEnvironment(env);
    const errors = problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) throw new ConfigError(errors);

    super(scope, id, { env: { account: env.target.account, region: env.target.region } });
    this.environment = env;
    this.names = new PlatformNames(env);
    for (const warning of problems.filter((p) => p.severity === 'warning')) {
      Annotations.of(this).addWarningV2('mlops:config', formatProblem(warning));
    }
    for (const [key, value] of Object.entries(platformTags(env))) {
      Tags.of(this).add(key, value);
    }

    const production = env.stage === 'production';
    this.platform = new Stack(this, 'Platform', {
      stackName: this.names.resource('platform'),
      description: `MLOps platform '${env.name}' (${env.stage})`,
      terminationProtection: production,
    });
    new EnvironmentBudget(this.platform, 'Budget', { environment: env, names: this.names });
  }
}
