import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import {
  type AwsEnvironment,
  type CanaryStep,
  type DeliveryEnvironment,
  type ModelEndpointConfig,
  PlatformNames,
  PROJECT,
  parameterRoot,
  type RolloutPolicy,
  releaseParameterName,
} from '../config';
import { API_STAGE } from './api';
import { acknowledge, acknowledgePipelineFindings } from './pipeline';
import type { PlatformStage } from './platform-stage';
import { AGENT_IMAGE_KEYS, agentImageParameterName, RELEASE_FIELDS, releaseParameterKey } from './release-state';
import { modelAlarmNames, type ServingStack } from './serving';
import { pascal } from './storage';

/** The version of the `delivery-tools` image the model delivery builds run in (docs/delivery-aws.md). */
export const TOOLS_VERSION = '1.0.0';

/** The role the model pipeline assumes in a target account, named by PlatformNames. */
export function modelDeliveryRoleName(names: PlatformNames): string {
  return names.resource('model-delivery');
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
 * The model delivery footprint in one target account: the role the tooling account's model
 * pipelines assume to release models here (the serving release state in SSM, an update of the
 * `Serving` stack with its previous template, the smoke request through the API's preview
 * routes, the models' alarms, the model repositories), and (on staging) the EventBridge rule
 * that forwards image pushes to the tooling account.
 */
export class ModelDeliveryTargetStack extends Stack {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ModelDeliveryTargetStackProps) {
    const env = props.environment;
    const d = props.delivery;
    const names = new PlatformNames(env);
    super(scope, id, {
      ...props,
      env: { account: env.target.account, region: env.target.region },
      stackName: names.resource('model-delivery'),
      description: `Model delivery target for '${env.name}': the model pipelines' release role`,
      terminationProtection: env.stage === 'production',
    });
    const models = env.serving?.models ?? [];

    // Trust only the model pipeline's build role in the tooling account, by ARN condition, so
    // that other principals of the tooling account cannot act here.
    const pipelineRole = `arn:${this.partition}:iam::${d.account}:role/${pipelineRoleName(d)}`;
    this.role = new iam.Role(this, 'Role', {
      roleName: modelDeliveryRoleName(names),
      description: 'Assumed by the model delivery pipelines of the tooling account',
      assumedBy: new iam.AccountPrincipal(d.account).withConditions({
        ArnEquals: { 'aws:PrincipalArn': pipelineRole },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    const arn = (service: string, resource: string) =>
      `arn:${this.partition}:${service}:${this.region}:${this.account}:${resource}`;
    const servingRoot = `${parameterRoot(env.name)}/serving`;
    const servingStack = names.resource('serving');
    const execRole = `arn:${this.partition}:iam::${this.account}:role/cdk-hnb659fds-cfn-exec-role-${this.account}-${this.region}`;
    const repositories = [...new Set(models.map((m) => m.repository))].map((r) =>
      arn('ecr', `repository/${names.ecrRepository(r)}`),
    );
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: names.resource('model-delivery'),
      description: 'Model delivery: release state, serving stack updates, smoke requests, alarms, model images',
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'ReleaseState',
          actions: ['ssm:GetParameter', 'ssm:PutParameter'],
          resources: [arn('ssm', `parameter${servingRoot}/*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ServingStack',
          actions: ['cloudformation:UpdateStack', 'cloudformation:DescribeStacks'],
          resources: [arn('cloudformation', `stack/${servingStack}/*`)],
        }),
        // The update runs as the CDK bootstrap execution role, as the pipeline's deploy action does.
        new iam.PolicyStatement({ sid: 'PassExecutionRole', actions: ['iam:PassRole'], resources: [execRole] }),
        new iam.PolicyStatement({
          sid: 'FindApi',
          actions: ['apigateway:GET'],
          resources: [
            arn('apigateway', '/restapis').replace(`:${this.account}:`, '::'),
            arn('apigateway', '/apikeys').replace(`:${this.account}:`, '::'),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'SmokeRequests',
          actions: ['execute-api:Invoke'],
          resources: models.map((m) => arn('execute-api', `*/*/POST/models/${m.name}/preview/invoke`)),
        }),
        new iam.PolicyStatement({
          sid: 'WatchAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: models.flatMap((m) =>
            Object.values(modelAlarmNames(names, m.name)).map((a) => arn('cloudwatch', `alarm:${a}`)),
          ),
        }),
        new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'ModelImages',
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
          resources: repositories,
        }),
        // The repositories are encrypted with the platform's data key, which lives in the
        // platform stack; use of any key is limited to ECR calls.
        new iam.PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [arn('kms', 'key/*')],
          conditions: { StringEquals: { 'kms:ViaService': `ecr.${this.region}.amazonaws.com` } },
        }),
      ],
    });
    const reasons: Record<string, string> = {
      'Resource::*':
        'ecr:GetAuthorizationToken has no resource-level permissions (ECR IAM reference); it only issues a registry login token',
      [`Resource::arn:${this.partition}:kms:${this.region}:${this.account}:key/*`]:
        'The platform keys are created in another stack; kms:ViaService limits use to ECR requests of this role',
      [`Resource::arn:${this.partition}:ssm:${this.region}:${this.account}:parameter${servingRoot}/*`]:
        'The serving release state of this environment (per model and slot), which releases write',
      [`Resource::arn:${this.partition}:cloudformation:${this.region}:${this.account}:stack/${servingStack}/*`]:
        'The Serving stack of this environment; the suffix is the stack id CloudFormation generates',
      [`Resource::arn:${this.partition}:apigateway:${this.region}::/restapis`]: 'Read-only: find the model API by name',
      [`Resource::arn:${this.partition}:apigateway:${this.region}::/apikeys`]:
        'Read-only: the smoke request of an api-key environment uses the default client key',
    };
    for (const m of models) {
      reasons[
        `Resource::arn:${this.partition}:execute-api:${this.region}:${this.account}:*/*/POST/models/${m.name}/preview/invoke`
      ] = 'The preview route of one model, in any stage and API id (the id is generated)';
    }
    for (const [finding, reason] of Object.entries(reasons)) {
      acknowledge(policy, `AwsSolutions::AwsSolutions-IAM5[${finding}]`, reason);
    }

    if (props.forwardReleases) {
      const rule = new events.Rule(this, 'ForwardReleases', {
        ruleName: names.resource('model-release'),
        description: 'Forwards successful pushes to the model repositories to the tooling account',
        eventPattern: releaseEventPattern(
          env,
          models.map((m) => m.repository),
        ),
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

/** Successful pushes of a tagged image to model repositories of `env`. */
function releaseEventPattern(env: AwsEnvironment, repositories: readonly string[]): events.EventPattern {
  const names = new PlatformNames(env);
  return {
    source: ['aws.ecr'],
    detailType: ['ECR Image Action'],
    account: [env.target.account],
    detail: {
      'action-type': ['PUSH'],
      result: ['SUCCESS'],
      'repository-name': repositories.map((r) => names.ecrRepository(r)),
      'image-tag': [{ exists: true }],
    },
  };
}

export interface ModelDeliveryStackProps extends StackProps {
  readonly delivery: DeliveryEnvironment;
  /** The stage new model versions are released to first; image pushes there start a run. */
  readonly staging: PlatformStage;
  /** The stage a version is promoted to after approval. */
  readonly production: PlatformStage;
  /** Where failed and succeeded runs and waiting approvals are announced. */
  readonly topic: sns.ITopic;
}

/** The CDK bootstrap qualifier the target accounts are bootstrapped with. */
const QUALIFIER = 'hnb659fds';

/** The model pipeline of one model: `<p>-<delivery>-model-<name>`. */
export function modelPipelineName(delivery: DeliveryEnvironment, model: string): string {
  return `${PROJECT}-${delivery.name}-model-${model}`;
}

/** Where the smoke request of a model is in the repository: a JSON body its preview route accepts. */
export function smokeRequestPath(model: string): string {
  return `workloads/smoke/${model}.json`;
}

/** Repository (in the tooling account) of the image every model delivery build runs in. */
export const TOOLS_REPOSITORY = 'delivery-tools';

/**
 * The model delivery pipelines (CodePipeline V2) in the tooling account, one per model. A tagged
 * image pushed to the model's staging repository starts its pipeline:
 *
 * 1. **Build**: the revision of this repository is synthesized (the serving templates), and the
 *    version's digest in the staging registry is resolved (for a multi-arch image, its index).
 * 2. **Staging**: `Prepare` writes the digest into the idle slot (the release state in SSM),
 *    `Release` deploys the staging `Serving` stack (a CloudFormation action: same template,
 *    the release's SSM-typed parameters), `Smoke` sends the model's smoke request through the
 *    staging API's preview route until it answers 2xx, `Rollout` moves the traffic by the model's
 *    rollout policy, baking each step while watching the model's alarms (one firing moves the
 *    traffic back and fails the run), then empties the old slot.
 * 3. **Approve**: a person approves that version and digest.
 * 4. **Production**: `Copy` copies the image index with every manifest by digest (`crane copy`;
 *    a tag that exists already must have the same digest, it is never pushed again), then the
 *    same `Prepare`, `Release`, `Smoke` and `Rollout` in production.
 *
 * Rollback: run the pipeline with the previous tag (`MODEL_VERSION`); its digest is still in
 * both registries (docs/delivery-aws.md).
 *
 * The builds run in the tooling account (which has internet) in a tools image from its own
 * registry (`delivery-tools`: AWS CLI, jq, curl with SigV4, crane), so none of them downloads
 * anything at run time.
 */
export class ModelDeliveryStack extends Stack {
  /** The pipeline of each model, by model name. */
  public readonly pipelines: Readonly<Record<string, codepipeline.Pipeline>>;
  public readonly version: codepipeline.Variable;
  public readonly toolsRepository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ModelDeliveryStackProps) {
    const d = props.delivery;
    super(scope, id, {
      ...props,
      env: { account: d.account, region: d.region },
      stackName: `${PROJECT}-${d.name}-models`,
      description: 'MLOps model delivery pipelines: staging release, smoke, rollout, approval, copy, production',
      terminationProtection: true,
    });
    const targets = [props.staging, props.production].map((stage) => {
      const env = stage.environment;
      const names = stage.names;
      const { account, region } = env.target;
      if (!stage.serving) throw new Error(`${env.name} serves no models: the model pipelines need its Serving stack`);
      return {
        stage,
        env,
        names,
        serving: stage.serving,
        role: `arn:${this.partition}:iam::${account}:role/${modelDeliveryRoleName(names)}`,
        deployRole: `arn:${this.partition}:iam::${account}:role/cdk-${QUALIFIER}-deploy-role-${account}-${region}`,
        execRole: `arn:${this.partition}:iam::${account}:role/cdk-${QUALIFIER}-cfn-exec-role-${account}-${region}`,
        registry: `${account}.dkr.ecr.${region}.amazonaws.com`,
      };
    });
    const [staging, production] = targets as [(typeof targets)[0], (typeof targets)[0]];

    const role = new iam.Role(this, 'BuildRole', {
      roleName: pipelineRoleName(d),
      description: 'Model delivery builds: assume the model delivery roles of staging and production',
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [staging.role, production.role] }),
    );
    this.toolsRepository = new ecr.Repository(this, 'Tools', {
      repositoryName: `${PROJECT}-${d.name}/${TOOLS_REPOSITORY}`,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const buildImage = codebuild.LinuxBuildImage.fromEcrRepository(this.toolsRepository, TOOLS_VERSION);
    acknowledge(
      role,
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken (pulling the tools image) has no resource-level permissions; pulls are limited to the tools repository',
    );

    this.version = new codepipeline.Variable({
      variableName: 'MODEL_VERSION',
      defaultValue: 'latest',
      description:
        "Image tag to deliver; 'latest' means the most recently pushed tag in staging (rollback: the previous tag)",
    });
    // Switches the build's credentials to a target account role.
    const assume =
      'assume() { unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; c=$(aws sts assume-role --role-arn "$1" --role-session-name "model-delivery-$CODEBUILD_BUILD_NUMBER" --query Credentials --output json); export AWS_ACCESS_KEY_ID=$(echo "$c" | jq -r .AccessKeyId) AWS_SECRET_ACCESS_KEY=$(echo "$c" | jq -r .SecretAccessKey) AWS_SESSION_TOKEN=$(echo "$c" | jq -r .SessionToken); }';
    const release =
      'get() { aws ssm get-parameter --region "$REGION" --name "$ROOT/$1" --query Parameter.Value --output text; }; put() { aws ssm put-parameter --region "$REGION" --name "$ROOT/$1" --type String --overwrite --value "$2" > /dev/null; }';
    const deploy =
      'deploy() { out=$(aws cloudformation update-stack --region "$REGION" --stack-name "$STACK" --use-previous-template --role-arn "$EXEC_ROLE" --parameters $(for k in $PARAMETER_KEYS; do printf "ParameterKey=%s,UsePreviousValue=true " "$k"; done) 2>&1) || { echo "$out" | grep -q "No updates are to be performed" && return 0; echo "$out"; return 1; }; aws cloudformation wait stack-update-complete --region "$REGION" --stack-name "$STACK"; }';
    const project = (name: string, commands: string[], options: { exported?: string[]; timeout?: Duration } = {}) => {
      const built = new codebuild.PipelineProject(this, name, {
        role,
        description: `Model delivery: ${name}`,
        timeout: options.timeout ?? Duration.minutes(60),
        environment: { buildImage, computeType: codebuild.ComputeType.SMALL },
        buildSpec: codebuild.BuildSpec.fromObject({
          version: '0.2',
          env: { shell: 'bash', ...(options.exported ? { 'exported-variables': options.exported } : {}) },
          phases: { build: { commands: ['set -euo pipefail', assume, release, deploy, ...commands] } },
        }),
      });
      acknowledge(
        built,
        'AwsSolutions::AwsSolutions-CB5',
        'The delivery-tools image of the tooling registry: AWS CLI, jq, curl with SigV4 and crane, so no build downloads tools at run time',
      );
      return built;
    };

    // Projects are shared by every model's pipeline; what differs comes in as action variables.
    const resolveProject = project(
      'Resolve',
      [
        'assume "$STAGING_ROLE"',
        'if [ "$REQUESTED_VERSION" = latest ]; then MODEL_VERSION=$(aws ecr describe-images --region "$REGION" --repository-name "$REPOSITORY" --filter tagStatus=TAGGED --query "sort_by(imageDetails,&imagePushedAt)[-1].imageTags[0]" --output text); else MODEL_VERSION="$REQUESTED_VERSION"; fi',
        // The tag's digest: for a multi-arch image the index digest, which crane copies unchanged.
        'IMAGE_DIGEST=$(aws ecr describe-images --region "$REGION" --repository-name "$REPOSITORY" --image-ids imageTag="$MODEL_VERSION" --query "imageDetails[0].imageDigest" --output text)',
        'aws ecr wait image-scan-complete --region "$REGION" --repository-name "$REPOSITORY" --image-id imageDigest="$IMAGE_DIGEST" || echo "no scan result for an index; its images are scanned one by one"',
        'echo "releasing $MODEL_VERSION@$IMAGE_DIGEST"',
      ],
      { exported: ['MODEL_VERSION', 'IMAGE_DIGEST'] },
    );
    const prepareProject = project(
      'Prepare',
      [
        'assume "$TARGET_ROLE"',
        'BLUE=$(get blue-image); GREEN=$(get green-image); WEIGHT=$(get green-weight)',
        // The live slot as the Serving stack computes it (liveSlotOf); the other one is idle.
        'if [ "$GREEN" != none ] && { [ "$WEIGHT" -ge 50 ] || [ "$BLUE" = none ]; }; then CANDIDATE=blue; IDLE_WEIGHT=100; else CANDIDATE=green; IDLE_WEIGHT=0; fi',
        'echo "live: blue=$BLUE green=$GREEN green-weight=$WEIGHT; $MODEL_VERSION@$IMAGE_DIGEST goes to $CANDIDATE"',
        'put "$CANDIDATE-image" "$MODEL_VERSION@$IMAGE_DIGEST"; put candidate "$CANDIDATE"; put green-weight "$IDLE_WEIGHT"',
      ],
      { exported: ['CANDIDATE'] },
    );
    const smokeProject = project('Smoke', [
      'assume "$TARGET_ROLE"',
      'API_ID=$(aws apigateway get-rest-apis --region "$REGION" --query "items[?name==\'$API_NAME\'].id | [0]" --output text)',
      'URL="https://$API_ID.execute-api.$REGION.amazonaws.com/$API_STAGE/models/$MODEL/preview/invoke"',
      'test -f "$SMOKE_REQUEST" || { echo "missing $SMOKE_REQUEST: the JSON body of a smoke request to $MODEL"; exit 1; }',
      'if [ "$AUTH_MODE" = iam ]; then AUTH=(--aws-sigv4 "aws:amz:$REGION:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-security-token: $AWS_SESSION_TOKEN"); else AUTH=(-H "x-api-key: $(aws apigateway get-api-keys --region "$REGION" --name-query "$API_KEY_NAME" --include-values --query "items[0].value" --output text)"); fi',
      // The slot's pods may still be starting (a GPU node, an image pull, weights): retry for 30 minutes.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a template
      'for i in $(seq 1 90); do if curl -sS --fail-with-body --max-time 60 "${AUTH[@]}" -H "content-type: application/json" --data @"$SMOKE_REQUEST" "$URL"; then echo; echo "smoke request answered"; exit 0; fi; sleep 20; done; echo "the preview route never answered 2xx"; exit 1',
    ]);
    const rolloutProject = project(
      'Rollout',
      [
        'assume "$TARGET_ROLE"',
        'CANDIDATE=$(get candidate); OLD=$([ "$CANDIDATE" = green ] && echo blue || echo green)',
        'share() { if [ "$CANDIDATE" = green ]; then echo "$1"; else echo $((100 - $1)); fi; }',
        // Each step: the candidate's share of live traffic, then its bake with the alarms watched.
        // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a template
        'for step in $STEPS; do w=${step%%:*}; bake=${step##*:}; echo "candidate $CANDIDATE at $w% for $bake min"; put green-weight "$(share "$w")"; deploy; end=$((SECONDS + bake * 60)); while [ $SECONDS -lt $end ]; do firing=$(aws cloudwatch describe-alarms --region "$REGION" --alarm-names $ALARMS --state-value ALARM --query "length(MetricAlarms)" --output text); if [ "$firing" != 0 ]; then echo "an alarm fired at $w%: traffic back to $OLD"; put green-weight "$(share 0)"; deploy; exit 1; fi; sleep 30; done; done',
        // The previous version leaves its slot; a rollback releases it again by its tag.
        'put "$OLD-image" none; put candidate "$OLD"; deploy',
      ],
      { timeout: Duration.hours(8) },
    );
    const copyProject = project('Copy', [
      'assume "$STAGING_ROLE"',
      'aws ecr get-login-password --region "$STAGING_REGION" | crane auth login "$STAGING_REGISTRY" -u AWS --password-stdin',
      'assume "$PRODUCTION_ROLE"',
      'aws ecr get-login-password --region "$PRODUCTION_REGION" | crane auth login "$PRODUCTION_REGISTRY" -u AWS --password-stdin',
      'SRC="$STAGING_REGISTRY/$STAGING_REPOSITORY@$IMAGE_DIGEST"; DST="$PRODUCTION_REGISTRY/$PRODUCTION_REPOSITORY:$MODEL_VERSION"',
      // Immutable tags: an existing tag is accepted only with the approved digest, never pushed again.
      'EXISTING=$(crane digest "$DST" 2>/dev/null || true)',
      'if [ -n "$EXISTING" ]; then echo "$DST exists as $EXISTING"; test "$EXISTING" = "$IMAGE_DIGEST"; else crane copy "$SRC" "$DST"; fi',
      'COPIED=$(crane digest "$DST"); echo "approved $IMAGE_DIGEST, production has $COPIED"; test "$COPIED" = "$IMAGE_DIGEST"',
    ]);
    const synthProject = new codebuild.PipelineProject(this, 'Synth', {
      description: 'Model delivery: synthesize the serving templates of this revision',
      timeout: Duration.minutes(30),
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 },
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { variables: { CDK_DISABLE_VERSION_CHECK: 'true', CHECKPOINT_DISABLE: '1', CI: 'true' } },
        phases: {
          install: { 'runtime-versions': { nodejs: 22 } },
          build: { commands: ['npm ci', 'npx cdk synth --quiet --no-notices'] },
        },
        artifacts: { 'base-directory': 'cdk.out', files: ['**/*'] },
      }),
    });

    const pipelines: Record<string, codepipeline.Pipeline> = {};
    const models = staging.env.serving?.models ?? [];
    for (const m of models) {
      const pm = production.env.serving?.models.find((candidate) => candidate.name === m.name);
      if (!pm) continue;
      pipelines[m.name] = this.modelPipeline(d, m, pm, {
        staging,
        production,
        projects: { resolveProject, prepareProject, smokeProject, rolloutProject, copyProject, synthProject },
        topic: props.topic,
      });
    }
    this.pipelines = pipelines;

    // Image pushes forwarded from the staging account start the pipeline of the pushed repository.
    new events.CfnEventBusPolicy(this, 'AllowStagingEvents', {
      statementId: `${PROJECT}-${staging.env.name}-model-release`,
      statement: {
        Sid: `${PROJECT}-${staging.env.name}-model-release`,
        Effect: 'Allow',
        Principal: { AWS: `arn:${this.partition}:iam::${staging.env.target.account}:root` },
        Action: 'events:PutEvents',
        Resource: `arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`,
      },
    });
    for (const pipeline of Object.values(pipelines)) acknowledgePipelineFindings(this, this, pipeline);
  }

  private modelPipeline(
    d: DeliveryEnvironment,
    m: ModelEndpointConfig,
    pm: ModelEndpointConfig,
    ctx: {
      staging: Target;
      production: Target;
      projects: Record<
        'resolveProject' | 'prepareProject' | 'smokeProject' | 'rolloutProject' | 'copyProject' | 'synthProject',
        codebuild.PipelineProject
      >;
      topic: sns.ITopic;
    },
  ): codepipeline.Pipeline {
    const p = pascal(m.name);
    const { staging, production, projects } = ctx;
    const source = new codepipeline.Artifact(`${p}Source`);
    const cloudAssembly = new codepipeline.Artifact(`${p}Synth`);
    const sourceAction = new actions.CodeStarConnectionsSourceAction({
      actionName: 'Source',
      connectionArn: d.codeConnectionArn,
      owner: d.repository.split('/')[0] as string,
      repo: d.repository.split('/')[1] as string,
      branch: d.branch,
      output: source,
      // Runs start on image pushes (EventBridge), not on commits.
      triggerOnPush: false,
      variablesNamespace: 'Source',
    });
    const resolve = new actions.CodeBuildAction({
      actionName: 'Resolve',
      input: source,
      project: projects.resolveProject,
      variablesNamespace: 'Release',
      environmentVariables: vars({
        REQUESTED_VERSION: this.version.reference(),
        STAGING_ROLE: staging.role,
        REGION: staging.env.target.region,
        REPOSITORY: staging.names.ecrRepository(m.repository),
      }),
    });
    const version = resolve.variable('MODEL_VERSION');
    const digest = resolve.variable('IMAGE_DIGEST');
    const synth = new actions.CodeBuildAction({
      actionName: 'Synth',
      input: source,
      outputs: [cloudAssembly],
      project: projects.synthProject,
    });

    const releaseActions = (t: Target, model: ModelEndpointConfig, first: number) => {
      const parameterKeys = [
        AGENT_IMAGE_KEYS['agent-image'],
        AGENT_IMAGE_KEYS['appconfig-agent-image'],
        ...(t.env.serving?.models ?? []).flatMap((other) =>
          RELEASE_FIELDS.map((field) => releaseParameterKey(other.name, field)),
        ),
      ];
      const common = {
        TARGET_ROLE: t.role,
        REGION: t.env.target.region,
        MODEL: model.name,
        ROOT: `/${PROJECT}/${t.env.name}/serving/${model.name}`,
        STACK: t.serving.stackName,
        EXEC_ROLE: t.execRole,
        PARAMETER_KEYS: parameterKeys.join(' '),
        MODEL_VERSION: version,
        IMAGE_DIGEST: digest,
      };
      const prefix = pascal(t.env.name);
      const prepare = new actions.CodeBuildAction({
        actionName: `${prefix}Prepare`,
        runOrder: first,
        input: source,
        project: projects.prepareProject,
        variablesNamespace: `${prefix}Prepare`,
        environmentVariables: vars(common),
      });
      // The release itself: the same template with the release's parameters, deployed by
      // CloudFormation with the target account's CDK bootstrap roles. The overrides name the
      // SSM parameters, whose current values the deploy resolves.
      const deployAction = new actions.CloudFormationCreateUpdateStackAction({
        actionName: `${prefix}Release`,
        runOrder: first + 1,
        stackName: t.serving.stackName,
        templatePath: cloudAssembly.atPath(`assembly-${t.stage.stageName}/${t.serving.templateFile}`),
        adminPermissions: false,
        role: iam.Role.fromRoleArn(this, `${p}${prefix}DeployRole`, t.deployRole, { mutable: false }),
        deploymentRole: iam.Role.fromRoleArn(this, `${p}${prefix}ExecRole`, t.execRole, { mutable: false }),
        parameterOverrides: Object.fromEntries(
          parameterKeys.map((key) => [key, releaseParameterDefault(t.env.name, t.env.serving?.models ?? [], key)]),
        ),
        account: t.env.target.account,
        region: t.env.target.region,
      });
      const smoke = new actions.CodeBuildAction({
        actionName: `${prefix}Smoke`,
        runOrder: first + 2,
        input: source,
        project: projects.smokeProject,
        environmentVariables: vars({
          ...common,
          API_NAME: t.names.resource('model-api'),
          API_STAGE,
          AUTH_MODE: t.env.api.authMode,
          API_KEY_NAME: t.names.resource('default-client'),
          SMOKE_REQUEST: smokeRequestPath(model.name),
        }),
      });
      const alarms = modelAlarmNames(t.names, model.name);
      const rollout = new actions.CodeBuildAction({
        actionName: `${prefix}Rollout`,
        runOrder: first + 3,
        input: source,
        project: projects.rolloutProject,
        environmentVariables: vars({
          ...common,
          STEPS: rolloutSteps(model.rollout)
            .map((step) => `${step.weightPercent}:${step.bakeMinutes}`)
            .join(' '),
          ALARMS: `${alarms.errors} ${alarms.latency}`,
        }),
      });
      return [prepare, deployAction, smoke, rollout];
    };

    const approve = new actions.ManualApprovalAction({
      actionName: 'Approve',
      notificationTopic: ctx.topic,
      additionalInformation: `Promote ${m.name} ${version} (${digest}) from ${staging.env.name} to ${production.env.name}`,
    });
    const copy = new actions.CodeBuildAction({
      actionName: 'Copy',
      runOrder: 1,
      input: source,
      project: projects.copyProject,
      environmentVariables: vars({
        MODEL_VERSION: version,
        IMAGE_DIGEST: digest,
        STAGING_ROLE: staging.role,
        STAGING_REGION: staging.env.target.region,
        STAGING_REGISTRY: staging.registry,
        STAGING_REPOSITORY: staging.names.ecrRepository(m.repository),
        PRODUCTION_ROLE: production.role,
        PRODUCTION_REGION: production.env.target.region,
        PRODUCTION_REGISTRY: production.registry,
        PRODUCTION_REPOSITORY: production.names.ecrRepository(pm.repository),
      }),
    });

    const pipeline = new codepipeline.Pipeline(this, `${p}Pipeline`, {
      pipelineName: modelPipelineName(d, m.name),
      pipelineType: codepipeline.PipelineType.V2,
      // One release at a time, in the order they arrive; a newer push waits behind an approval.
      executionMode: codepipeline.ExecutionMode.QUEUED,
      crossAccountKeys: true,
      enableKeyRotation: true,
      variables: [this.version],
      stages: [
        { stageName: 'Source', actions: [sourceAction] },
        { stageName: 'Build', actions: [resolve, synth] },
        { stageName: 'Staging', actions: releaseActions(staging, m, 1) },
        { stageName: 'Approve', actions: [approve] },
        { stageName: 'Production', actions: [copy, ...releaseActions(production, pm, 2)] },
      ],
    });
    new events.Rule(this, `${p}OnRelease`, {
      ruleName: `${PROJECT}-${d.name}-model-${m.name}-release`,
      description: `Starts ${modelPipelineName(d, m.name)} on pushes to ${staging.names.ecrRepository(m.repository)}`,
      eventPattern: releaseEventPattern(staging.env, [m.repository]),
      targets: [new targets.CodePipeline(pipeline)],
    });
    pipeline.notifyOn(`${p}Notify`, ctx.topic, {
      notificationRuleName: modelPipelineName(d, m.name),
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
    });
    return pipeline;
  }
}

interface Target {
  readonly stage: PlatformStage;
  readonly env: AwsEnvironment;
  readonly names: PlatformNames;
  readonly serving: ServingStack;
  readonly role: string;
  readonly deployRole: string;
  readonly execRole: string;
  readonly registry: string;
}

/** CodeBuild action environment variables from plain values. */
function vars(values: Record<string, string>): Record<string, codebuild.BuildEnvironmentVariable> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }]));
}

/** The SSM parameter name a release parameter key stands for. */
function releaseParameterDefault(environmentName: string, models: readonly ModelEndpointConfig[], key: string): string {
  if (key === AGENT_IMAGE_KEYS['agent-image']) return agentImageParameterName(environmentName, 'agent-image');
  if (key === AGENT_IMAGE_KEYS['appconfig-agent-image'])
    return agentImageParameterName(environmentName, 'appconfig-agent-image');
  for (const m of models) {
    for (const field of RELEASE_FIELDS) {
      if (releaseParameterKey(m.name, field) === key) return releaseParameterName(environmentName, m.name, field);
    }
  }
  throw new Error(`no release parameter ${key}`);
}

/** The traffic steps of a rollout with their bakes (the candidate's share, 1-100). */
export function rolloutSteps(policy: RolloutPolicy): CanaryStep[] {
  if (policy.strategy === 'blue-green') return [{ weightPercent: 100, bakeMinutes: policy.bakeMinutes }];
  const last = policy.steps[policy.steps.length - 1]?.bakeMinutes ?? 0;
  return [...policy.steps, { weightPercent: 100, bakeMinutes: last }];
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
