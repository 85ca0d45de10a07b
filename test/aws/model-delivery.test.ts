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
      Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0] as { Properties: typeof pipeline }
    ).Properties;
  });

  it('runs in the tooling account as a queued V2 pipeline with a MODEL_VERSION variable', () => {
    expect([stack.account, stack.region]).toEqual([delivery.account, delivery.region]);
    expect(pipeline.PipelineType).toBe('V2');
    expect(pipeline.ExecutionMode).toBe('QUEUED');
    expect(pipeline.Variables).toEqual([expect.objectContaining({ Name: 'MODEL_VERSION', DefaultValue: 'latest' })]);
  });

  it('puts the approval after every staging action and before every production action', () => {
    expect(pipeline.Stages.map((s) => s.Name)).toEqual(['Source', 'Staging', 'Approve', 'Production']);
    const positions = pipeline.Stages.flatMap((stage, i) =>
      stage.Actions.map((a) => ({ stage: stage.Name, provider: a.ActionTypeId.Provider, at: i * 1000 + a.RunOrder })),
    );
    const approval = positions.filter((p) => p.provider === 'Manual');
    expect(approval).toHaveLength(1);
    const at = approval[0]?.at as number;
    const staging = positions.filter((p) => p.stage === 'Staging');
    const production = positions.filter((p) => p.stage === 'Production');
    expect(staging.map((p) => p.provider)).toEqual(['CodeBuild', 'CodeBuild']);
    expect(production.map((p) => p.provider)).toEqual(['CodeBuild']);
    for (const p of staging) expect(p.at).toBeLessThan(at);
    for (const p of production) expect(p.at).toBeGreaterThan(at);
  });

  it('names the approved version and digest in the approval comment', () => {
    const approve = pipeline.Stages.find((s) => s.Name === 'Approve')?.Actions[0];
    expect(approve?.Configuration.CustomData).toBe(
      'Promote model-serving #{Release.MODEL_VERSION} (#{Release.IMAGE_DIGEST}) from staging to production',
    );
  });

  it('starts on successful image pushes to the staging model-serving repository', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ecr'],
        account: ['111111111111'],
        detail: Match.objectLike({ 'repository-name': ['mlops-staging/model-serving'], result: ['SUCCESS'] }),
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue(), RoleArn: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: Match.objectLike({ Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'events:PutEvents' }),
    });
    // AND staging forwards those pushes to the tooling bus; production does not
    templateAt('Staging/ModelDelivery').hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: 'arn:aws:events:eu-west-1:444444444444:event-bus/default' })],
    });
    templateAt('Production/ModelDelivery').resourceCountIs('AWS::Events::Rule', 0);
  });

  it('promotes with docker pull and push in privileged mode and refuses a changed digest', () => {
    template.hasResourceProperties('AWS::CodeBuild::Project', {
      Environment: Match.objectLike({ PrivilegedMode: true }),
      Source: {
        BuildSpec: Match.stringLikeRegexp(
          'docker push[\\s\\S]*test \\\\"\\$pushed\\\\" = \\\\"\\$IMAGE_DIGEST\\\\"[\\s\\S]*put-parameter',
        ),
      },
    });
    // Only the promotion builds need Docker.
    const privileged = Object.values(template.findResources('AWS::CodeBuild::Project')).filter(
      (p) => (p as { Properties: { Environment: { PrivilegedMode?: boolean } } }).Properties.Environment.PrivilegedMode,
    );
    expect(privileged).toHaveLength(1);
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
    templateAt('Production/ModelDelivery').hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlops/production/model-serving/version',
    });
  });

  it('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});
