import { Stack } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { flagKey, type ModelEndpointConfig, type PlatformNames } from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings } from './acknowledge';

/** Name of the feature flag profile in the environment's AppConfig application. */
export const FLAG_PROFILE = 'models';

/**
 * How a flag change reaches the agents: 20% of the pods' agents more every 2 minutes over 10
 * minutes, then 10 minutes of bake during which the rollback monitors still roll it back.
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-creating-deployment-strategy.html
 */
export const FLAG_ROLLOUT = { durationMinutes: 10, growthFactor: 20, finalBakeMinutes: 10 } as const;

export interface FeatureFlagsProps {
  readonly names: PlatformNames;
  /** The environment name: the AppConfig environment's name. */
  readonly environmentName: string;
  /** The models whose flags the profile holds, with their initial values (`flags`). */
  readonly models: readonly ModelEndpointConfig[];
  /**
   * Alarms that roll a flag deployment back while it runs or bakes (the API's 5xx and latency
   * alarms).
   */
  readonly rollbackAlarms: readonly cloudwatch.IAlarm[];
  readonly vpc: ec2.IVpc;
  /** Subnets of the `appconfigdata` interface endpoint: where the serving pods run. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the interface endpoints (HTTPS from the VPC and the hybrid nodes). */
  readonly endpointSecurityGroup: ec2.ISecurityGroup;
}

/** The AppConfig feature flag document (`AWS.AppConfig.FeatureFlags`) of the models' initial flags. */
export function flagDocument(models: readonly ModelEndpointConfig[]): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  for (const model of models) {
    const initial = model.flags ?? {};
    const shadow = initial.shadowPercent ?? 0;
    flags[flagKey(model.name, 'enabled')] = { name: `Serve ${model.name}; off answers 503` };
    flags[flagKey(model.name, 'capture')] = { name: `Capture sampled requests of ${model.name}` };
    flags[flagKey(model.name, 'shadow')] = {
      name: `Mirror a share of ${model.name}'s live requests to its candidate slot`,
      attributes: { percent: { constraints: { type: 'number', minimum: 0, maximum: 100, required: true } } },
    };
    values[flagKey(model.name, 'enabled')] = { enabled: initial.enabled ?? true };
    values[flagKey(model.name, 'capture')] = { enabled: initial.capture ?? false };
    values[flagKey(model.name, 'shadow')] = { enabled: shadow > 0, percent: shadow };
  }
  return { version: '1', flags, values };
}

/**
 * The models' feature flags in AWS AppConfig: an application per environment, an environment
 * whose deployments the API alarms roll back, a feature flag profile (`AWS.AppConfig.FeatureFlags`,
 * hosted), its first version deployed with a linear strategy, and the `appconfigdata` interface
 * endpoint the AppConfig agent sidecars reach it by (the hybrid environment has no NAT).
 *
 * Operators flip flags afterwards with a new hosted version and `start-deployment`
 * (docs/serving-aws.md); the agents poll, so no workload redeploys. CloudFormation creates a
 * new version only when the document below changes (a model added or its initial `flags`
 * changed), and that deployment then replaces the flags operators set.
 */
export class FeatureFlags extends Construct {
  public readonly application: appconfig.CfnApplication;
  public readonly environment: appconfig.CfnEnvironment;
  public readonly profile: appconfig.CfnConfigurationProfile;
  public readonly strategy: appconfig.CfnDeploymentStrategy;
  /** The role AppConfig assumes to read the rollback alarms. */
  public readonly monitorRole: iam.Role;
  public readonly endpoint: ec2.InterfaceVpcEndpoint;
  /** Names the AppConfig agent and the workload use (`application:environment:profile`). */
  public readonly applicationName: string;
  public readonly environmentName: string;
  public readonly profileName = FLAG_PROFILE;

  constructor(scope: Construct, id: string, props: FeatureFlagsProps) {
    super(scope, id);
    this.applicationName = props.names.resource('flags');
    this.environmentName = props.environmentName;

    this.application = new appconfig.CfnApplication(this, 'Resource', {
      name: this.applicationName,
      description: `Feature flags of the models of ${props.names.base}`,
    });
    // https://docs.aws.amazon.com/appconfig/latest/userguide/getting-started-with-appconfig-cloudwatch-alarms-permissions.html
    this.monitorRole = new iam.Role(this, 'MonitorRole', {
      assumedBy: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      description: 'AppConfig: read the alarms that roll back a flag deployment',
    });
    this.monitorRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: props.rollbackAlarms.map((alarm) => alarm.alarmArn),
      }),
    );
    acknowledge(this.monitorRole, inlinePolicyFindings(INLINE_POLICY_REASON));
    this.environment = new appconfig.CfnEnvironment(this, 'Environment', {
      applicationId: this.application.ref,
      name: this.environmentName,
      description: `Flags of ${props.environmentName}; the API alarms roll a deployment back`,
      monitors: props.rollbackAlarms.map((alarm) => ({
        alarmArn: alarm.alarmArn,
        alarmRoleArn: this.monitorRole.roleArn,
      })),
    });
    this.profile = new appconfig.CfnConfigurationProfile(this, 'Profile', {
      applicationId: this.application.ref,
      name: FLAG_PROFILE,
      description: 'Per model: <model>_enabled, <model>_capture, <model>_shadow (attribute percent)',
      locationUri: 'hosted',
      type: 'AWS.AppConfig.FeatureFlags',
    });
    this.strategy = new appconfig.CfnDeploymentStrategy(this, 'Strategy', {
      name: props.names.resource('flags-linear'),
      description: 'Flags: linear over 10 minutes, 10 minutes of bake watched by the API alarms',
      deploymentDurationInMinutes: FLAG_ROLLOUT.durationMinutes,
      growthFactor: FLAG_ROLLOUT.growthFactor,
      growthType: 'LINEAR',
      finalBakeTimeInMinutes: FLAG_ROLLOUT.finalBakeMinutes,
      replicateTo: 'NONE',
    });
    if (props.models.length > 0) {
      const version = new appconfig.CfnHostedConfigurationVersion(this, 'InitialFlags', {
        applicationId: this.application.ref,
        configurationProfileId: this.profile.ref,
        contentType: 'application/json',
        content: Stack.of(this).toJsonString(flagDocument(props.models)),
        description: 'Initial flags from serving.models[].flags',
      });
      new appconfig.CfnDeployment(this, 'InitialDeployment', {
        applicationId: this.application.ref,
        environmentId: this.environment.ref,
        configurationProfileId: this.profile.ref,
        configurationVersion: version.ref,
        deploymentStrategyId: this.strategy.ref,
        description: 'Initial flags',
      });
    }

    // No enum in aws-ec2 for it: https://docs.aws.amazon.com/appconfig/latest/userguide/agent-vpc-endpoints.html
    this.endpoint = props.vpc.addInterfaceEndpoint('AppConfigDataEndpoint', {
      service: new ec2.InterfaceVpcEndpointService(`com.amazonaws.${Stack.of(this).region}.appconfigdata`, 443),
      subnets: props.subnets,
      privateDnsEnabled: true,
      securityGroups: [props.endpointSecurityGroup],
      open: false,
    });
  }
}
