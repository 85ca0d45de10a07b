import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fixtures } from '../util';
import { harness, templateOf } from './harness';

describe('PlatformKeys', () => {
  it('creates one rotating customer-managed key per purpose, with an alias each', () => {
    // GIVEN staging WHEN the keys are built
    const t = templateOf(harness(fixtures.awsStaging));
    // THEN three keys rotate yearly and carry the environment's aliases
    t.resourceCountIs('AWS::KMS::Key', 3);
    t.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 365 });
    for (const purpose of ['data', 'logs', 'cluster']) {
      t.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/mlops-staging/${purpose}` });
    }
  });

  it('lets CloudWatch Logs use the logs key only for log groups of the account and region', () => {
    const t = templateOf(harness(fixtures.awsStaging));
    t.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('CloudWatch log groups'),
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchLogs',
            Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:eu-west-1:111111111111:log-group:*',
              },
            },
          }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms use the logs key only for the alarm topic, conditioned as SNS documents (source ARN and topic), not on aws:SourceAccount alone', () => {
    // GIVEN staging WHEN the keys are built
    const t = templateOf(harness(fixtures.awsStaging));
    const policy = Object.values(t.findResources('AWS::KMS::Key')).flatMap(
      (k) => k.Properties.KeyPolicy.Statement as Array<{ Sid?: string; Condition?: unknown }>,
    );
    // THEN the alarm statement names the alarms of the account and region and the alarm topic
    expect(policy.find((s) => s.Sid === 'AllowCloudWatchAlarms')?.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*' },
      StringEquals: {
        'kms:EncryptionContext:aws:sns:topicArn': 'arn:aws:sns:eu-west-1:111111111111:mlops-staging-alarms',
      },
    });
  });

  it('creates no key or secret that nothing uses (no pipeline key, no serving secret)', () => {
    const t = templateOf(harness(fixtures.awsStaging));
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    t.resourcePropertiesCountIs('AWS::KMS::Alias', { AliasName: 'alias/mlops-staging/pipeline' }, 0);
  });

  it('retains production keys and schedules staging keys for deletion', () => {
    const prod = templateOf(harness(fixtures.awsProduction));
    const staging = templateOf(harness(fixtures.awsStaging));
    prod.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    staging.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    expect(Object.values(prod.findResources('AWS::KMS::Key')).map((k) => k.Properties.PendingWindowInDays)).toEqual([
      30, 30, 30,
    ]);
  });
});
