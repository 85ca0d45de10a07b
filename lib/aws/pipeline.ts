import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as notifications from 'aws-cdk-lib/aws-codestarnotifications';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import { type AwsEnvironment, type DeliveryEnvironment, type PlatformNames, PROJECT } from '../config';
import { acknowledge as acknowledgeFindings } from './acknowledge';
import type { PlatformStage } from './platform-stage';

export interface DeliveryStackProps extends StackProps {
  /** The tooling account, region, source and promotion order. */
  readonly delivery: DeliveryEnvironment;
  /**
   * The stages to deploy, in promotion order: the app's own top-level stages, so that the pipeline
   * and `npx cdk deploy 'Staging/*'` deploy the same templates, synthesized and checked once.
   */
  readonly stages: readonly PlatformStage[];
  /**
   * Other top-level stacks of the tooling account (the model pipelines, `DeliveryModels`) that
   * the pipeline deploys right after updating itself, so that a commit changes them too.
   * @default - none
   */
  readonly toolingStacks?: readonly string[];
}

/** The CDK CLI the tooling deploy runs: package.json's pin (the registry's latest cannot read these assemblies). */
const CDK_CLI = 'aws-cdk@2.1148.1';

/** The CDK bootstrap qualifier the target accounts are bootstrapped with (`cdk bootstrap`). */
const BOOTSTRAP_QUALIFIER = 'hnb659fds';

/**
 * The delivery ("tooling") stack: a self-mutating CDK pipeline that deploys every promoted
 * environment from the configured repository. It deploys the app's top-level `PlatformStage`s
 * (CDK Pipelines accepts any stage of the app), so each template is synthesized once; staging environments are checked after deployment, and a person approves
 * (ManualApprovalStep) before the first production environment deploys.
 *
 * Target accounts trust the tooling account through `cdk bootstrap --trust` (docs/delivery-aws.md);
 * `crossAccountKeys` gives the artifact bucket a KMS key those accounts' deploy roles may use.
 */
export class DeliveryStack extends Stack {
  public readonly pipeline: pipelines.CodePipeline;
  /** KMS-encrypted topic of pipeline notifications (failed, succeeded, approval needed). */
  public readonly topic: sns.Topic;
  /** The stages the pipeline deploys, in order. */
  public readonly stages: readonly PlatformStage[];

  constructor(scope: Construct, id: string, props: DeliveryStackProps) {
    const d = props.delivery;
    super(scope, id, {
      ...props,
      env: { account: d.account, region: d.region },
      stackName: `${PROJECT}-${d.name}-pipeline`,
      description: `MLOps platform delivery pipeline (${d.repository}@${d.branch})`,
      terminationProtection: true,
    });

    const key = new kms.Key(this, 'NotificationKey', {
      alias: `alias/${PROJECT}-${d.name}/notifications`,
      description: 'Encrypts the pipeline notification topic',
      enableKeyRotation: true,
    });
    // CodeStar Notifications publishes to the topic and must be able to use its key:
    // https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html
    key.grantEncryptDecrypt(new iam.ServicePrincipal('codestar-notifications.amazonaws.com'));
    this.topic = new sns.Topic(this, 'Notifications', {
      topicName: `${PROJECT}-${d.name}-pipeline`,
      displayName: 'MLOps delivery pipeline',
      masterKey: key,
      enforceSSL: true,
    });
    const emails = new Set([
      ...d.notificationEmails,
      ...props.stages.flatMap((stage) => stage.environment.delivery.approvers),
    ]);
    for (const email of [...emails].sort()) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const source = pipelines.CodePipelineSource.connection(d.repository, d.branch, {
      connectionArn: d.codeConnectionArn,
    });
    const synth = new pipelines.CodeBuildStep('Synth', {
      input: source,
      commands: ['npm ci', 'npm test', 'npx cdk synth --quiet --no-notices'],
      env: { CDK_DISABLE_VERSION_CHECK: 'true', CHECKPOINT_DISABLE: '1', CI: 'true' },
    });
    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: `${PROJECT}-${d.name}-platform`,
      crossAccountKeys: true,
      enableKeyRotation: true,
      selfMutation: true,
      synth,
      codeBuildDefaults: {
        buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
        // package.json asks for Node.js >= 20.19; standard:7.0 offers 22:
        // https://docs.aws.amazon.com/codebuild/latest/userguide/available-runtimes.html
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { 'runtime-versions': { nodejs: 22 } } },
        }),
        timeout: Duration.hours(1),
      },
    });

    const tooling = props.toolingStacks ?? [];
    if (tooling.length > 0) {
      // Self-mutation deploys only this stack; the model pipelines follow here, from the same
      // cloud assembly, through the tooling account's bootstrap roles.
      const bootstrapRoles = `arn:${this.partition}:iam::${this.account}:role/cdk-${BOOTSTRAP_QUALIFIER}-*-role-${this.account}-${this.region}`;
      this.pipeline.addWave('Tooling', {
        pre: [
          new pipelines.CodeBuildStep('DeployTooling', {
            input: synth,
            commands: [`npx -y ${CDK_CLI} deploy --app . --require-approval never --no-notices ${tooling.join(' ')}`],
            env: { CDK_DISABLE_VERSION_CHECK: 'true' },
            rolePolicyStatements: [
              new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [bootstrapRoles] }),
            ],
          }),
        ],
      });
    }
    const stages: PlatformStage[] = [];
    let approved = false;
    for (const stage of props.stages) {
      const env = stage.environment;
      stages.push(stage);
      const pre: pipelines.Step[] = [];
      if (env.stage === 'production' && !approved) {
        // The comment names what is promoted: the commit of this execution, from the source
        // action's variables. CodePipeline records who approved, and when, in the execution
        // history and in CloudTrail (PutApprovalResult).
        pre.push(
          new pipelines.ManualApprovalStep('Approve', {
            comment: `Promote ${d.repository}@${source.sourceAttribute('CommitId')} ("${source.sourceAttribute('CommitMessage')}") from ${stages
              .filter((s) => s.environment.stage === 'staging')
              .map((s) => s.environment.name)
              .join(', ')} to ${env.name}`,
          }),
        );
        approved = true;
      }
      const post = env.stage === 'staging' ? [this.clusterCheck(env, stage.names)] : [];
      this.pipeline.addStage(stage, { pre, post });
    }
    this.stages = stages;

    // Build now, so that the generated resources exist when the compliance checks run and can be
    // acknowledged here.
    this.pipeline.buildPipeline();
    this.pipeline.pipeline.notifyOn('Notify', this.topic, {
      notificationRuleName: `${PROJECT}-${d.name}-platform`,
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
      detailType: notifications.DetailType.FULL,
    });
    acknowledgePipelineFindings(this, this.pipeline, this.pipeline.pipeline);
    // Once a stage has file or image assets, CDK pipelines adds an Assets stage whose publishing
    // roles may write any CodeBuild log group and report group of the account: the publishing
    // projects are created per asset, so their names are not known to the role.
    const assets = this.pipeline.node.tryFindChild('Assets');
    if (assets) {
      for (const finding of [
        `Resource::arn:${this.partition}:logs:${this.region}:${this.account}:log-group:/aws/codebuild/*`,
        `Resource::arn:${this.partition}:codebuild:${this.region}:${this.account}:report-group/*`,
      ]) {
        acknowledge(
          assets,
          `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
          'Asset publishing roles write the logs and reports of the per-asset CodeBuild projects CDK pipelines creates in the tooling account, which holds no workload',
        );
      }
    }
    if (tooling.length > 0) {
      acknowledge(
        this.pipeline,
        `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${this.partition}:iam::${this.account}:role/cdk-${BOOTSTRAP_QUALIFIER}-*-role-${this.account}-${this.region}]`,
        'The tooling deploy assumes the CDK bootstrap roles of the tooling account (deploy, file publishing, lookup) to deploy the model pipelines, as cdk deploy does',
      );
    }
    // The self-mutation project reads the stack state and assumes the bootstrap roles of this
    // account by name pattern (cdk-<qualifier>-*-role-*), which CDK pipelines generates.
    acknowledge(
      this.pipeline,
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:*:iam::${this.account}:role/*]`,
      'Self-mutation assumes the CDK bootstrap roles of the tooling account, restricted by a condition on the iam:ResourceTag/aws-cdk:bootstrap-role tag',
    );
    acknowledge(
      this.pipeline,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'cloudformation:DescribeStacks and s3:ListBucket of the self-mutation project are read-only; CDK pipelines needs them to find the bootstrap stack of each target',
    );
  }

  /**
   * A post-deployment check of a staging environment: the EKS cluster (named by PlatformNames)
   * must be ACTIVE. The project runs in the tooling account and reads the target account through
   * the CDK bootstrap lookup role, which `cdk bootstrap --trust <tooling>` lets the tooling
   * account assume and which carries ReadOnlyAccess.
   */
  private clusterCheck(env: AwsEnvironment, names: PlatformNames): pipelines.CodeBuildStep {
    const { account, region } = env.target;
    const roleArn = `arn:${this.partition}:iam::${account}:role/cdk-${BOOTSTRAP_QUALIFIER}-lookup-role-${account}-${region}`;
    return new pipelines.CodeBuildStep('CheckCluster', {
      env: { CLUSTER: names.eksCluster, TARGET_REGION: region, ROLE_ARN: roleArn },
      rolePolicyStatements: [new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [roleArn] })],
      commands: [
        'creds=$(aws sts assume-role --role-arn "$ROLE_ARN" --role-session-name post-deploy-check --query Credentials --output json)',
        'export AWS_ACCESS_KEY_ID=$(echo "$creds" | jq -r .AccessKeyId) AWS_SECRET_ACCESS_KEY=$(echo "$creds" | jq -r .SecretAccessKey) AWS_SESSION_TOKEN=$(echo "$creds" | jq -r .SessionToken)',
        'status=$(aws eks describe-cluster --region "$TARGET_REGION" --name "$CLUSTER" --query cluster.status --output text)',
        'echo "cluster $CLUSTER is $status"',
        'test "$status" = ACTIVE',
      ],
    });
  }
}

/** Acknowledges one finding on a construct with a specific reason (the shared helper of lib/aws/acknowledge.ts). */
export function acknowledge(scope: Construct, id: string, reason: string): void {
  acknowledgeFindings(scope, { [id]: reason });
}

/**
 * Acknowledges the findings on the resources a pipeline generates (roles, build projects,
 * artifact bucket), each with why it is safe here. Call after the pipeline is complete
 * (`buildPipeline()` for CDK pipelines).
 */
export function acknowledgePipelineFindings(stack: Stack, scope: Construct, pipeline: codepipeline.Pipeline): void {
  const bucket = pipeline.artifactBucket.node.defaultChild as s3.CfnBucket;
  // Versioning costs little and keeps an overwritten artifact recoverable during an incident.
  bucket.versioningConfiguration = { status: 'Enabled' };
  const bucketLogs =
    'holds only transient pipeline artifacts, rebuilt from the source commit; its bucket and KMS key policies admit only this pipeline and the target accounts deploy roles, whose calls CloudTrail records';
  for (const id of [
    'AwsSolutions::AwsSolutions-S1',
    'HIPAA.Security::HIPAA.Security-S3BucketLoggingEnabled',
    'NIST.800.53.R5::NIST.800.53.R5-S3BucketLoggingEnabled',
  ]) {
    acknowledge(bucket, id, `The artifact bucket ${bucketLogs}`);
  }
  for (const id of [
    'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
    'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
  ]) {
    acknowledge(
      bucket,
      id,
      'Pipeline artifacts are rebuilt from the source repository by re-running the pipeline; a replica would add nothing recoverable',
    );
  }

  const generated =
    'generated by CDK pipelines for its own roles; each statement is scoped to this pipeline (artifact bucket and key, its build projects, the bootstrap roles of the target accounts)';
  for (const id of [
    'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
    'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
  ]) {
    acknowledge(scope, id, `Inline default policies are ${generated}`);
  }
  const bucketArn = stack.getLogicalId(bucket);
  for (const finding of [
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Action::kms:GenerateDataKey*',
    'Action::kms:ReEncrypt*',
    `Resource::<${bucketArn}.Arn>/*`,
  ]) {
    acknowledge(
      scope,
      `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
      'The grant covers the objects of the pipeline artifact bucket and its KMS key only (CDK grantReadWrite), where every execution writes artifacts under generated keys',
    );
  }
  for (const project of scope.node
    .findAll()
    .filter((c): c is codebuild.CfnProject => c instanceof codebuild.CfnProject)) {
    const ref = stack.getLogicalId(project);
    for (const finding of [
      `Resource::arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:/aws/codebuild/<${ref}>:*`,
      `Resource::arn:${stack.partition}:codebuild:${stack.region}:${stack.account}:report-group/<${ref}>-*`,
    ]) {
      acknowledge(
        scope,
        `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
        'Scoped to the log streams and report groups of this one build project, whose names CodeBuild generates per build',
      );
    }
    acknowledge(
      project,
      'HIPAA.Security::HIPAA.Security-CodeBuildProjectSourceRepoUrl',
      'The project takes its source from the pipeline artifact (source type CODEPIPELINE): no repository URL or credentials are configured on it',
    );
  }
}
