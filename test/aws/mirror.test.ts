import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MirrorStack } from '../../lib/aws/mirror';
import { type AwsEnvironment, PlatformNames } from '../../lib/config';
import { cdkContext, fixtures } from '../util';

function build(environment: AwsEnvironment): Template {
  const app = new App({ context: cdkContext() });
  const stack = new MirrorStack(app, 'Mirror', {
    env: { account: environment.target.account, region: environment.target.region },
    names: new PlatformNames(environment),
    retain: environment.stage === 'production',
  });
  return Template.fromStack(stack);
}

describe('MirrorStack', () => {
  const t = build(fixtures.awsHybrid);

  it('caches ECR Public under ecr-public and registry.k8s.io under k8s, without credentials', () => {
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 2);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'ecr-public',
      UpstreamRegistryUrl: 'public.ecr.aws',
      CredentialArn: Match.absent(),
    });
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'k8s',
      UpstreamRegistryUrl: 'registry.k8s.io',
    });
  });

  it('creates cached repositories from a template with the mirror key, through a role ECR assumes, before the first pull', () => {
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ecr-public',
      AppliedFor: ['PULL_THROUGH_CACHE'],
      EncryptionConfiguration: {
        EncryptionType: 'KMS',
        KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      },
      CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CreationRole'), 'Arn'] },
      LifecyclePolicy: Match.stringLikeRegexp('untagged'),
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ecr.amazonaws.com' } })],
      }),
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'] }),
        ]),
      },
    });
    // The rule depends on its template, so no repository is created before the template exists.
    const rules = t.findResources('AWS::ECR::PullThroughCacheRule');
    for (const rule of Object.values(rules)) expect(rule.DependsOn).toEqual([expect.stringMatching(/Template/)]);
  });

  it('holds the chart repositories and the nvcr.io copy, immutable, scanned and encrypted with the mirror key', () => {
    for (const name of [
      'charts/nvidia-device-plugin',
      'charts/cluster-autoscaler',
      'charts/aws-load-balancer-controller',
      'mirror/nvcr.io/nvidia/k8s-device-plugin',
    ]) {
      t.hasResourceProperties('AWS::ECR::Repository', {
        RepositoryName: name,
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.anyValue() },
      });
    }
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/mlops-hybrid/mirror' });
  });

  it('retains the mirror in production', () => {
    const prod = build(fixtures.awsProduction);
    prod.allResources('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
    prod.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });
});
