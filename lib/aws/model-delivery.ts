import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { type AwsEnvironment, type DeliveryEnvironment, PlatformNames, PROJECT } from '../config';
import { acknowledge, acknowledgePipelineFindings } from './pipeline';
import type { PlatformStage } from './platform-stage';

/** The serving image repository of every environment: `names.ecrRepository(MODEL_REPOSITORY)`. */
export const MODEL_REPOSITORY = 'model-serving';
/** Prefix of model artifacts in the `models` bucket: `releases/<version>/...`. */
export const MODEL_ARTIFACT_PREFIX = 'releases';

/** The role the model pipeline assumes in a target account, named by PlatformNames. */
export function modelDeliveryRoleName(names: PlatformNames): string {
  return names.resource('model-delivery');
}

/** The SSM parameter that holds the released model version of an environment. */
export function modelVersionParameterName(env: AwsEnvironment): string {
  return `/${PROJECT}/${env.name}/model-serving/version`;
}

/** Name of the CodeBuild role of the model pipeline, fixed so target roles can trust it. */
function pipelineRoleName(delivery: DeliveryEnvironment): string {
  return `${PROJECT}-${delivery.name}-model-delivery`;
}

export interface ModelDeliveryTargetStackProps extends StackProps {
  /** The environment the model pipeline deploys to. */
  readonly environment: AwsEnvironment;
  /** The tooling environment whose model pipeline may act here. */
  readonly delivery: DeliveryEnvironment;
  /**
   * Forward pushes of new images to the tooling account's default event bus, which starts the
   * model pipeline. Set it on the environment models are released from (the first staging one).
   * @default false
   */
  readonly forwardReleases?: boolean;
}

/**
 * The model delivery footprint in one target account: the SSM parameter that records the model
 * version the serving release runs, the role the tooling account's model pipeline assumes to
 * read and write that parameter, the `model-serving` repository and the `models` bucket, and (on
 * staging) the EventBridge rule that forwards image pushes to the tooling account.
 *
 * The pipeline records the version; it does not touch the cluster. The serving release reads the
 * parameter when it rolls out (docs/delivery-aws.md, "How a version reaches the pods").
 */
export class ModelDeliveryTargetStack extends Stack {
  public readonly role: iam.Role;
  public readonly versionParameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: ModelDeliveryTargetStackProps) {
    const env = props.environment;
    const d = props.delivery;
    const names = new PlatformNames(env);
    super(scope, id, {
      ...props,
      env: { account: env.target.account, region: env.target.region },
      stackName: names.resource('model-delivery'),
      description: `Model delivery target for '${env.name}': version parameter and pipeline role`,
      terminationProtection: env.stage === 'production',
    });

    this.versionParameter = new ssm.StringParameter(this, 'Version', {
      parameterName: modelVersionParameterName(env),
      description: 'Model version served: <image tag>@<image digest>, written by the model delivery pipeline',
      stringValue: 'none',
    });

    // Trust only the model pipeline's build role in the tooling account, by ARN condition, so
    // that other principals of the tooling account cannot act here.
    const pipelineRole = `arn:${this.partition}:iam::${d.account}:role/${pipelineRoleName(d)}`;
    this.role = new iam.Role(this, 'Role', {
      roleName: modelDeliveryRoleName(names),
      description: 'Assumed by the model delivery pipeline of the tooling account',
      assumedBy: new iam.AccountPrincipal(d.account).withConditions({
        ArnEquals: { 'aws:PrincipalArn': pipelineRole },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    const repositoryArn = `arn:${this.partition}:ecr:${this.region}:${this.account}:repository/${names.ecrRepository(MODEL_REPOSITORY)}`;
    const bucketArn = `arn:${this.partition}:s3:::${names.bucket('models')}`;
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: names.resource('model-delivery'),
      description: 'Model delivery: record the served version, read and write release images and artifacts',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter', 'ssm:PutParameter'],
          resources: [this.versionParameter.parameterArn],
        }),
        new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          actions: [
            'ecr:DescribeImages',
            'ecr:DescribeImageScanFindings',
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
            'ecr:BatchCheckLayerAvailability',
            'ecr:InitiateLayerUpload',
            'ecr:UploadLayerPart',
            'ecr:CompleteLayerUpload',
            'ecr:PutImage',
          ],
          resources: [repositoryArn],
        }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucketArn] }),
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [`${bucketArn}/${MODEL_ARTIFACT_PREFIX}/*`],
        }),
        // The bucket and repository are encrypted with the platform's customer-managed keys,
        // which live in the platform stack; use of any key is limited to S3 and ECR calls.
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [`arn:${this.partition}:kms:${this.region}:${this.account}:key/*`],
          conditions: {
            StringEquals: {
              'kms:ViaService': [`s3.${this.region}.amazonaws.com`, `ecr.${this.region}.amazonaws.com`],
            },
          },
        }),
      ],
    });
    acknowledge(
      policy,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permissions (ECR IAM reference); it only issues a registry login token',
    );
    acknowledge(
      policy,
      `AwsSolutions::AwsSolutions-IAM5[Resource::${bucketArn}/${MODEL_ARTIFACT_PREFIX}/*]`,
      'Limited to the release prefix of the models bucket, where each model version is a folder',
    );
    acknowledge(
      policy,
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${this.partition}:kms:${this.region}:${this.account}:key/*]`,
      'The platform keys are created in another stack; kms:ViaService limits use to S3 and ECR requests of this role',
    );

    if (props.forwardReleases) {
      const rule = new events.Rule(this, 'ForwardReleases', {
        ruleName: names.resource('model-release'),
        description: `Forwards successful pushes to ${names.ecrRepository(MODEL_REPOSITORY)} to the tooling account`,
        eventPattern: releaseEventPattern(env),
      });
      const busRole = new iam.Role(this, 'ForwardRole', {
        description: 'EventBridge: put forwarded release events on the tooling account bus',
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      });
      rule.addTarget(
        new targets.EventBus(
          events.EventBus.fromEventBusArn(
            this,
            'ToolingBus',
            `arn:${this.partition}:events:${d.region}:${d.account}:event-bus/default`,
          ),
          { role: busRole },
        ),
      );
      for (const id of [
        'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      ]) {
        acknowledge(
          busRole,
          id,
          'The inline policy, added by the EventBridge target, allows only events:PutEvents on the default bus of the tooling account',
        );
      }
    }
  }
}

/** Successful pushes of a tagged image to the serving repository of `env`. */
function releaseEventPattern(env: AwsEnvironment): events.EventPattern {
  const names = new PlatformNames(env);
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Action'],
    account: [env.target.account],
    detail: {
      'action-type': ['PUSH'],
      result: ['SUCCESS'],
      'repository-name': [names.ecrRepository(MODEL_REPOSITORY)],
      'image-tag': [{ exists: true }],
    },
  };
}

export interface ModelDeliveryStackProps extends StackProps {
  readonly delivery: DeliveryEnvironment;
  /** The environment new model versions are released to first; image pushes there start a run. */
  readonly staging: AwsEnvironment;
  /** The environment a version is promoted to after approval. */
  readonly production: AwsEnvironment;
  /** Where failed and succeeded runs and waiting approvals are announced. */
  readonly topic: sns.ITopic;
}

/**
 * The model delivery pipeline (CodePipeline V2) in the tooling account. A new model version
 * (a tagged image pushed to the staging `model-serving` repository, with its artifact under
 * `releases/<version>/` of the staging models bucket) starts it; it records the version for
 * staging, verifies it, waits for a person to approve that exact version and digest, copies the
 * image and artifact to production and records the version there.
 *
 * It lives in the tooling account, beside the platform pipeline: approvals, notifications and
 * the execution history of both live in one place, and neither workload account can write to
 * the other. Roll back with the `MODEL_VERSION` pipeline variable (docs/delivery-aws.md).
 */
export class ModelDeliveryStack extends Stack {
  public readonly pipeline: codepipeline.Pipeline;
  public readonly version: codepipeline.Variable;

  constructor(scope: Construct, id: string, props: ModelDeliveryStackProps) {
    const d = props.delivery;
    super(scope, id, {
      ...props,
      env: { account: d.account, region: d.region },
      stackName: `${PROJECT}-${d.name}-models`,
      description: 'MLOps model delivery pipeline: staging, approval, production',
      terminationProtection: true,
    });

    const stagingNames = new PlatformNames(props.staging);
    const productionNames = new PlatformNames(props.production);
    const targetRole = (env: AwsEnvironment, names: PlatformNames) =>
      `arn:${this.partition}:iam::${env.target.account}:role/${modelDeliveryRoleName(names)}`;
    const role = new iam.Role(this, 'BuildRole', {
      roleName: pipelineRoleName(d),
      description: 'Model delivery builds: assume the model delivery roles of staging and production',
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [targetRole(props.staging, stagingNames), targetRole(props.production, productionNames)],
      }),
    );

    this.version = new codepipeline.Variable({
      variableName: 'MODEL_VERSION',
      defaultValue: 'latest',
      description: "Image tag to deliver; 'latest' means the most recently pushed tag in staging",
    });
    const common = {
      STAGING_ROLE: targetRole(props.staging, stagingNames),
      STAGING_REGION: props.staging.target.region,
      STAGING_REPOSITORY: stagingNames.ecrRepository(MODEL_REPOSITORY),
      STAGING_REGISTRY: `${props.staging.target.account}.dkr.ecr.${props.staging.target.region}.amazonaws.com`,
      STAGING_BUCKET: stagingNames.bucket('models'),
      STAGING_PARAMETER: modelVersionParameterName(props.staging),
      PRODUCTION_ROLE: targetRole(props.production, productionNames),
      PRODUCTION_REGION: props.production.target.region,
      PRODUCTION_REPOSITORY: productionNames.ecrRepository(MODEL_REPOSITORY),
      PRODUCTION_REGISTRY: `${props.production.target.account}.dkr.ecr.${props.production.target.region}.amazonaws.com`,
      PRODUCTION_BUCKET: productionNames.bucket('models'),
      PRODUCTION_PARAMETER: modelVersionParameterName(props.production),
      ARTIFACT_PREFIX: MODEL_ARTIFACT_PREFIX,
    };
    // Shell function that switches the build's credentials to a target account role.
    const assume =
      'assume() { unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; c=$(aws sts assume-role --role-arn "$1" --role-session-name "model-delivery-$CODEBUILD_BUILD_NUMBER" --query Credentials --output json); export AWS_ACCESS_KEY_ID=$(echo "$c" | jq -r .AccessKeyId) AWS_SECRET_ACCESS_KEY=$(echo "$c" | jq -r .SecretAccessKey) AWS_SESSION_TOKEN=$(echo "$c" | jq -r .SessionToken); }';
    const project = (name: string, commands: string[], exported: string[] = [], privileged = false) =>
      new codebuild.PipelineProject(this, name, {
        role,
        description: `Model delivery: ${name}`,
        timeout: Duration.minutes(30),
        environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, privileged },
        environmentVariables: Object.fromEntries(Object.entries(common).map(([k, value]) => [k, { value }])),
        buildSpec: codebuild.BuildSpec.fromObject({
          version: '0.2',
          env: { shell: 'bash', ...(exported.length > 0 ? { 'exported-variables': exported } : {}) },
          phases: { build: { commands: ['set -euo pipefail', assume, ...commands] } },
        }),
      });

    const source = new codepipeline.Artifact('Source');
    const sourceAction = new actions.CodeStarConnectionsSourceAction({
      actionName: 'Source',
      connectionArn: d.codeConnectionArn,
      owner: d.repository.split('/')[0] as string,
      repo: d.repository.split('/')[1] as string,
      branch: d.branch,
      output: source,
      // Runs start on model releases (EventBridge), not on commits; the source only supplies
      // the revision of this repository that the run was made with, for the record.
      triggerOnPush: false,
      variablesNamespace: 'Source',
    });

    const resolve = new actions.CodeBuildAction({
      actionName: 'RecordStaging',
      runOrder: 1,
      input: source,
      variablesNamespace: 'Release',
      environmentVariables: { REQUESTED_VERSION: { value: this.version.reference() } },
      project: project(
        'RecordStaging',
        [
          'assume "$STAGING_ROLE"',
          'if [ "$REQUESTED_VERSION" = latest ]; then MODEL_VERSION=$(aws ecr describe-images --region "$STAGING_REGION" --repository-name "$STAGING_REPOSITORY" --filter tagStatus=TAGGED --query "sort_by(imageDetails,&imagePushedAt)[-1].imageTags[0]" --output text); else MODEL_VERSION="$REQUESTED_VERSION"; fi',
          'IMAGE_DIGEST=$(aws ecr describe-images --region "$STAGING_REGION" --repository-name "$STAGING_REPOSITORY" --image-ids imageTag="$MODEL_VERSION" --query "imageDetails[0].imageDigest" --output text)',
          'aws ssm put-parameter --region "$STAGING_REGION" --name "$STAGING_PARAMETER" --type String --overwrite --value "$MODEL_VERSION@$IMAGE_DIGEST"',
          'echo "staging serves $MODEL_VERSION@$IMAGE_DIGEST"',
        ],
        ['MODEL_VERSION', 'IMAGE_DIGEST'],
      ),
    });
    const released = resolve.variable('MODEL_VERSION');
    const digest = resolve.variable('IMAGE_DIGEST');
    const verify = new actions.CodeBuildAction({
      actionName: 'VerifyStaging',
      runOrder: 2,
      input: source,
      environmentVariables: { MODEL_VERSION: { value: released }, IMAGE_DIGEST: { value: digest } },
      project: project('VerifyStaging', [
        'assume "$STAGING_ROLE"',
        // The recorded version reads back, the image has no critical or high findings from the
        // repository's scan on push, and the model artifact exists.
        'test "$(aws ssm get-parameter --region "$STAGING_REGION" --name "$STAGING_PARAMETER" --query Parameter.Value --output text)" = "$MODEL_VERSION@$IMAGE_DIGEST"',
        'aws ecr wait image-scan-complete --region "$STAGING_REGION" --repository-name "$STAGING_REPOSITORY" --image-id imageDigest="$IMAGE_DIGEST"',
        'findings=$(aws ecr describe-image-scan-findings --region "$STAGING_REGION" --repository-name "$STAGING_REPOSITORY" --image-id imageDigest="$IMAGE_DIGEST" --query "[imageScanFindings.findingSeverityCounts.CRITICAL, imageScanFindings.findingSeverityCounts.HIGH]" --output text)',
        'echo "critical/high findings: $findings"; test "$(echo $findings)" = "None None"',
        'aws s3 ls "s3://$STAGING_BUCKET/$ARTIFACT_PREFIX/$MODEL_VERSION/"',
      ]),
    });

    const approve = new actions.ManualApprovalAction({
      actionName: 'Approve',
      // Who approved which version is recorded in the execution history and in CloudTrail
      // (codepipeline:PutApprovalResult with the approver's identity).
      additionalInformation: `Promote model-serving ${released} (${digest}) from ${props.staging.name} to ${props.production.name}`,
    });

    const promote = new actions.CodeBuildAction({
      actionName: 'PromoteProduction',
      runOrder: 1,
      input: source,
      environmentVariables: { MODEL_VERSION: { value: released }, IMAGE_DIGEST: { value: digest } },
      // ECR put-image copies only a manifest, which fails across registries unless the layers
      // exist there already (LayersNotFoundException), so the image is pulled and pushed with
      // Docker; privileged mode runs the Docker daemon. The pushed digest is compared with the
      // approved one, so a changed image cannot slip through.
      project: project(
        'PromoteProduction',
        [
          'assume "$STAGING_ROLE"',
          'aws ecr get-login-password --region "$STAGING_REGION" | docker login --username AWS --password-stdin "$STAGING_REGISTRY"',
          'docker pull "$STAGING_REGISTRY/$STAGING_REPOSITORY@$IMAGE_DIGEST"',
          'aws s3 cp --recursive "s3://$STAGING_BUCKET/$ARTIFACT_PREFIX/$MODEL_VERSION/" "artifact/"',
          'assume "$PRODUCTION_ROLE"',
          'aws ecr get-login-password --region "$PRODUCTION_REGION" | docker login --username AWS --password-stdin "$PRODUCTION_REGISTRY"',
          'docker tag "$STAGING_REGISTRY/$STAGING_REPOSITORY@$IMAGE_DIGEST" "$PRODUCTION_REGISTRY/$PRODUCTION_REPOSITORY:$MODEL_VERSION"',
          'docker push "$PRODUCTION_REGISTRY/$PRODUCTION_REPOSITORY:$MODEL_VERSION"',
          'pushed=$(aws ecr describe-images --region "$PRODUCTION_REGION" --repository-name "$PRODUCTION_REPOSITORY" --image-ids imageTag="$MODEL_VERSION" --query "imageDetails[0].imageDigest" --output text)',
          'echo "approved $IMAGE_DIGEST, pushed $pushed"; test "$pushed" = "$IMAGE_DIGEST"',
          'aws s3 cp --recursive "artifact/" "s3://$PRODUCTION_BUCKET/$ARTIFACT_PREFIX/$MODEL_VERSION/"',
          'aws ssm put-parameter --region "$PRODUCTION_REGION" --name "$PRODUCTION_PARAMETER" --type String --overwrite --value "$MODEL_VERSION@$IMAGE_DIGEST"',
        ],
        [],
        true,
      ),
    });

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: `${PROJECT}-${d.name}-models`,
      pipelineType: codepipeline.PipelineType.V2,
      // One release at a time, in the order they arrive; a newer push waits behind an approval.
      executionMode: codepipeline.ExecutionMode.QUEUED,
      crossAccountKeys: true,
      enableKeyRotation: true,
      variables: [this.version],
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        { stageName: 'Staging', actions: [resolve, verify] },
        { stageName: 'Approve', actions: [approve] },
        { stageName: 'Production', actions: [promote] },
      ],
    });

    // Image pushes forwarded from the staging account start a run (with MODEL_VERSION 'latest').
    new events.CfnEventBusPolicy(this, 'AllowStagingEvents', {
      statementId: `${PROJECT}-${props.staging.name}-model-release`,
      statement: {
        Sid: `${PROJECT}-${props.staging.name}-model-release`,
        Effect: 'Allow',
        Principal: { AWS: `arn:${this.partition}:iam::${props.staging.target.account}:root` },
        Action: 'events:PutEvents',
        Resource: `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`,
      },
    });
    new events.Rule(this, 'OnRelease', {
      ruleName: `${PROJECT}-${d.name}-model-release`,
      description: `Starts the model pipeline on pushes to ${stagingNames.ecrRepository(MODEL_REPOSITORY)}`,
      eventPattern: releaseEventPattern(props.staging),
      targets: [new targets.CodePipeline(this.pipeline)],
    });

    this.pipeline.notifyOn('Notify', props.topic, {
      notificationRuleName: `${PROJECT}-${d.name}-models`,
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
    });

    acknowledgePipelineFindings(this, this, this.pipeline);
  }
}

/**
 * Adds the model delivery target stack (`ModelDelivery`) to a platform stage that the delivery
 * environment promotes, so that direct deploys (`npx cdk deploy 'Staging/*'`) and the platform
 * pipeline's stages both carry it. The first promoted environment forwards releases.
 */
export function addModelDeliveryTarget(stage: PlatformStage, delivery: DeliveryEnvironment): void {
  const index = delivery.promotionOrder.indexOf(stage.environment.name);
  if (index === -1) return;
  new ModelDeliveryTargetStack(stage, 'ModelDelivery', {
    environment: stage.environment,
    delivery,
    forwardReleases: index === 0,
  });
}
