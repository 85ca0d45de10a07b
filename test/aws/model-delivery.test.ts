import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import { buildAwsApp } from '../../lib/aws/app';
import type { ModelDeliveryStack } from '../../lib/aws/model-delivery';
import { cdkContext, type PipelineStage } from '../util';

describe('ModelDeliveryStack', () => {
  let assembly: CloudAssembly;
  let stack: ModelDeliveryStack;
  let template: Template;
  let pipeline: { PipelineType: string; ExecutionMode: string; Variables: unknown[]; Stages: PipelineStage[] };

  /** The template of a stack by its path in the app (`Staging/ModelDelivery`). */
  const templateAt = (path: string) => {
    const artifact = assembly.stacksRecursively.find((s) => s.hierarchicalId === path);
    if (!artifact) throw new Error(`no stack at ${path}`);
    return Template.fromJSON(artifact.template as Record<string, unknown>);
  };

  beforeAll(() => {
    // GIVEN the app as bin/aws.ts builds it
    const app = new App({ context: cdkContext() });
    buildAwsApp(app, environments, delivery);
    stack = app.node.findChild('DeliveryModels') as ModelDeliveryStack;
    // WHEN it is synthesized with the compliance packs (findings fail here)
    assembly = app.synth();
    template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>);
    pipeline = (
      Object.values(
        template.findResources('AWS::CodePipeline::Pipeline', { Properties: { Name: 'mlops-delivery-model-churn' } }),
      )[0] as { Properties: typeof pipeline }
    ).Properties;
  });

  it('runs one queued V2 pipeline per model in the tooling account with a MODEL_VERSION variable', () => {
    expect([stack.account, stack.region]).toEqual([delivery.account, delivery.region]);
    expect(Object.keys(stack.pipelines)).toEqual(['churn', 'assistant']);
    expect(pipeline.PipelineType).toBe('V2');
    expect(pipeline.ExecutionMode).toBe('QUEUED');
    expect(pipeline.Variables).toEqual([expect.objectContaining({ Name: 'MODEL_VERSION', DefaultValue: 'latest' })]);
  });

  it('releases to staging, smoke-tests and rolls out before the approval, then copies and releases to production', () => {
    expect(pipeline.Stages.map((s) => s.Name)).toEqual(['Source', 'Build', 'Staging', 'Approve', 'Production']);
    const order = (stage: string) =>
      [...(pipeline.Stages.find((s) => s.Name === stage)?.Actions ?? [])]
        .sort((a, b) => a.RunOrder - b.RunOrder)
        .map((a) => `${a.Name}:${a.ActionTypeId.Provider}`);
    expect(order('Staging')).toEqual([
      'StagingPrepare:CodeBuild',
      'StagingRelease:CloudFormation',
      'StagingSmoke:CodeBuild',
      'StagingRollout:CodeBuild',
    ]);
    expect(order('Approve')).toEqual(['Approve:Manual']);
    expect(order('Production')).toEqual([
      'Copy:CodeBuild',
      'ProductionPrepare:CodeBuild',
      'ProductionRelease:CloudFormation',
      'ProductionSmoke:CodeBuild',
      'ProductionRollout:CodeBuild',
    ]);
  });

  it('releases the Serving stack by CloudFormation with the release parameters, as the bootstrap roles', () => {
    const release = pipeline.Stages.find((s) => s.Name === 'Staging')?.Actions.find((a) => a.Name === 'StagingRelease');
    expect(release?.Configuration).toMatchObject({
      ActionMode: 'CREATE_UPDATE',
      StackName: 'mlops-staging-serving',
      RoleArn: 'arn:aws:iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1',
    });
    const overrides = JSON.parse(String(release?.Configuration.ParameterOverrides));
    expect(overrides).toMatchObject({
      ChurnGreenWeight: '/mlops/staging/serving/churn/green-weight',
      AgentImage: '/mlops/staging/serving/agent-image',
    });
    expect(String(release?.Configuration.TemplatePath)).toMatch(
      /^ChurnSynth::assembly-Staging\/StagingServing[0-9A-F]{8}\.template\.json$/,
    );
  });

  it('steps the canary with bakes and rolls back by itself when an alarm fires', () => {
    const rollout = pipeline.Stages.find((s) => s.Name === 'Production')?.Actions.find(
      (a) => a.Name === 'ProductionRollout',
    );
    const variables = JSON.parse(String(rollout?.Configuration.EnvironmentVariables)) as Array<{
      name: string;
      value: string;
    }>;
    expect(variables.find((v) => v.name === 'STEPS')?.value).toBe('10:15 50:15 100:15');
    expect(variables.find((v) => v.name === 'ALARMS')?.value).toBe(
      'mlops-production-model-churn-5xx mlops-production-model-churn-latency',
    );
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: { BuildSpec: Match.stringLikeRegexp('an alarm fired at \\$w%: traffic back to \\$OLD') },
    });
  });

  it('copies the image index by digest and never pushes an existing tag again (rollback re-releases an old tag)', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Source: {
        BuildSpec: Match.stringLikeRegexp(
          'EXISTING=\\$\\(crane digest[\\s\\S]*test \\\\"\\$EXISTING\\\\" = \\\\"\\$IMAGE_DIGEST\\\\"; else crane copy',
        ),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('docker push');
  });

  it('starts on successful image pushes to the staging model repository', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        account: ['111111111111'],
        detail: Match.objectLike({ 'repository-name': ['mlops-staging/models/churn'], result: ['SUCCESS'] }),
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    templateAt('Staging/ModelDelivery').hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:events:eu-west-1:444444444444:event-bus/default' })],
    });
    templateAt('Production/ModelDelivery').resourceCountIs('AWS::Events::Rule', 0);
  });

  it('lets only the model pipeline role assume the target roles of the promoted stages', () => {
    for (const path of ['Staging/ModelDelivery', 'Production/ModelDelivery']) {
      templateAt(path).hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: {
                ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::444444444444:role/mlops-delivery-model-delivery' },
              },
            }),
          ],
        },
      });
    }
    templateAt('Production/ModelDelivery').hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'ReleaseState', Action: ['ssm:GetParameter', 'ssm:PutParameter'] }),
        ]),
      }),
    });
  });

  it('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
