import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PlatformRegistry } from '../../lib/aws/registry';
import type { AwsEnvironment } from '../../lib/config';
import { fixtures } from '../util';
import { harness, templateOf } from './harness';

function build(env: AwsEnvironment, repositories?: readonly string[]) {
  const h = harness(env);
  const registry = new PlatformRegistry(h.stack, 'Registry', {
    names: h.names,
    retain: h.retain,
    dataKey: h.keys.data,
    repositories,
  });
  return { registry, t: templateOf(h) };
}

describe('PlatformRegistry', () => {
  it('creates the model-serving repository: scan on push, immutable tags, KMS with the data key, lifecycle rules', () => {
    const { t } = build(fixtures.awsStaging);
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'mlops-staging/model-serving',
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: {
        EncryptionType: 'KMS',
        KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysData'), 'Arn'] },
      },
      LifecyclePolicy: {
        LifecyclePolicyText: Match.stringLikeRegexp('"countType":"sinceImagePushed","countNumber":14'),
      },
    });
  });

  it('retains production repositories and lets staging ones go', () => {
    build(fixtures.awsProduction).t.allResources('AWS::ECR::Repository', { DeletionPolicy: 'Retain' });
    build(fixtures.awsStaging).t.allResources('AWS::ECR::Repository', { DeletionPolicy: 'Delete' });
  });

  it('throws when asked for model-serving in a registry without it', () => {
    const { registry } = build(fixtures.awsStaging, ['tools']);
    expect(() => registry.modelServing).toThrow("no 'model-serving' repository");
  });
});
