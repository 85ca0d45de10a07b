import { App, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import { buildAwsApp } from '../../lib/aws/app';
import type { DeliveryStack } from '../../lib/aws/pipeline';
import { ConfigError, isAwsEnvironment, type PlatformEnvironment, PlatformNames } from '../../lib/config';
import { type PipelineAction as Action, cdkContext, type PipelineStage } from '../util';

/** Every action of the pipeline with its position: stage index, then run order. */
function actionsInOrder(stages: readonly PipelineStage[]) {
  return stages.flatMap((stage, index) =>
    stage.Actions.map((action) => ({ stage: stage.Name, index, action, position: index * 1000 + action.RunOrder })),
  );
}

/** Stage ids of the shipped AWS environments, and of those the pipeline promotes through, in order. */
const stageId = (env: PlatformEnvironment) => new PlatformNames(env).stageId;
const awsStageIds = environments.filter(isAwsEnvironment).map(stageId);
const promotedStageIds = delivery.promotionOrder.map((name) =>
  stageId(environments.find((e) => e.name === name) as PlatformEnvironment),
);
const [firstStage, lastStage] = [promotedStageIds[0], promotedStageIds[promotedStageIds.length - 1]];

describe('DeliveryStack', () => {
  let stack: DeliveryStack;
  let template: Template;
  let stages: PipelineStage[];

  beforeAll(() => {
    // GIVEN the app as bin/aws.ts builds it, with the compliance packs
    const app = new App({ context: cdkContext() });
    buildAwsApp(app, environments, delivery);
    stack = app.node.findChild('Delivery') as DeliveryStack;
    // WHEN it is synthesized (any unacknowledged compliance finding fails here)
    const assembly = app.synth();
    template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
    const pipelines = template.findResources('AWS::CodePipeline::Pipeline');
    stages = (Object.values(pipelines)[0] as { Properties: { Stages: PipelineStage[] } }).Properties.Stages;
  });

  it('lives in the tooling account and region with termination protection', () => {
    expect([stack.account, stack.region, stack.terminationProtection]).toEqual([
      delivery.account,
      delivery.region,
      true,
    ]);
  });

  it('deploys source, synth, self-mutation, asset publishing, then staging and production in promotion order', () => {
    // The platform's kubectl handler and Helm charts are file assets, so CDK Pipelines publishes
    // them in an Assets stage before the first deployment.
    expect(stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', ...promotedStageIds]);
    const source = stages[0]?.Actions[0] as Action;
    expect(source.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(source.Configuration).toMatchObject({
      ConnectionArn: delivery.codeConnectionArn,
      FullRepositoryId: delivery.repository,
      BranchName: delivery.branch,
    });
  });

  it('synthesizes with npm ci, npm test and cdk synth', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.stringLikeRegexp('"npm ci",\\s+"npm test",\\s+"npx cdk synth') },
    });
  });

  it('puts the approval after every staging deploy and before every production deploy', () => {
    const actions = actionsInOrder(stages);
    const approvals = actions.filter((a) => a.action.ActionTypeId.Provider === 'Manual');
    expect(approvals).toHaveLength(1);
    const approval = approvals[0] as (typeof actions)[number];
    const deploys = actions.filter((a) => a.action.ActionTypeId.Provider === 'CloudFormation');
    const stagingDeploys = deploys.filter((a) => a.stage === firstStage);
    const productionDeploys = deploys.filter((a) => a.stage === lastStage);
    expect(stagingDeploys.length).toBeGreaterThan(0);
    expect(productionDeploys.length).toBeGreaterThan(0);
    for (const deploy of stagingDeploys) expect(deploy.position).toBeLessThan(approval.position);
    for (const deploy of productionDeploys) expect(deploy.position).toBeGreaterThan(approval.position);
    // The post-deploy check of staging runs before the approval too.
    const check = actions.find((a) => a.action.Name === 'CheckCluster');
    expect(check?.stage).toBe(firstStage);
    expect(check?.position).toBeLessThan(approval.position);
  });

  it('names the promoted commit in the approval comment', () => {
    const approval = actionsInOrder(stages).find((a) => a.action.ActionTypeId.Provider === 'Manual');
    expect(approval?.action.Configuration.CustomData).toMatch(
      /^Promote example-org\/mlops-platform@#\{Source@[^}]+\.CommitId\} .* from staging to production$/,
    );
  });

  it('checks the staging cluster by name through the bootstrap lookup role of the staging account', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: {
        EnvironmentVariables: Match.arrayWith([
          Match.objectLike({ Name: 'CLUSTER', Value: 'mlops-staging' }),
          Match.objectLike({
            Name: 'ROLE_ARN',
            Value: 'arn:aws:iam::111111111111:role/cdk-hnb659fds-lookup-role-111111111111-eu-west-1',
          }),
        ]),
      },
      Source: { BuildSpec: Match.stringLikeRegexp('aws eks describe-cluster') },
    });
  });

  it('encrypts the artifact bucket with a rotated KMS key for the target accounts', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatchObject({ Properties: { EnableKeyRotation: true } });
  });

  it('notifies a KMS-encrypted topic of failed, succeeded and waiting runs', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::CodeStarNotifications::NotificationRule', {
      EventTypeIds: [
        'codepipeline-pipeline-pipeline-execution-failed',
        'codepipeline-pipeline-pipeline-execution-succeeded',
        'codepipeline-pipeline-manual-approval-needed',
      ],
      Targets: [Match.objectLike({ TargetType: 'SNS' })],
    });
    const emails = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (r) => (r as { Properties: { Endpoint: string } }).Properties.Endpoint,
    );
    expect(emails).toEqual(['mlops-leads@example.com', 'mlops-oncall@example.com']);
  });

  it('deploys the app’s own stages, so each environment is synthesized and checked once', () => {
    const app = new App({ context: cdkContext() });
    const direct = buildAwsApp(app, environments, delivery);
    expect(direct.map((s) => s.node.path)).toEqual(awsStageIds);
    const deployed = (app.node.findChild('Delivery') as DeliveryStack).stages;
    expect(deployed).toEqual(promotedStageIds.map((id) => direct.find((s) => s.node.path === id)));
    expect(app.node.findChild('Delivery').node.children.filter((c) => c instanceof Stage)).toEqual([]);
  });

  it('throws when the delivery environment is invalid, before building the pipeline', () => {
    // GIVEN a delivery environment that promotes production first
    const app = new App({ context: cdkContext() });
    const broken = { ...delivery, promotionOrder: ['production', 'staging'] };
    // WHEN the app is built THEN it throws a ConfigError and no pipeline stack exists
    expect(() => buildAwsApp(app, environments, broken)).toThrow(ConfigError);
    expect(app.node.tryFindChild('Delivery')).toBeUndefined();
  });

  it('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
