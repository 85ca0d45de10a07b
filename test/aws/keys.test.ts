import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fixtures } from '../util';
import { harness, templateOf } from './harness';

describe('PlatformKeys', () => {
  it('creates one rotating customer-managed key per purpose, with an alias each', () => {
    // GIVEN staging WHEN the keys are built
    const t = templateOf(harness(fixtures.awsStaging));
    // THEN four keys rotate yearly and carry the environment's aliases
    t.resourceCountIs('AWS::KMS::Key', 4);
    t.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true, RotationPeriodInDays: 365 });
    for (const purpose of ['data', 'logs', 'cluster', 'pipeline']) {
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
          Match.objectLike({ Sid: 'AllowCloudWatchAlarms', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('encrypts the generated serving secret with the cluster key and writes no value into the template', () => {
    const h = harness(fixtures.awsStaging);
    const t = templateOf(h);
    t.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysCluster'), 'Arn'] },
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      SecretString: Match.absent(),
    });
  });

  it('retains production keys and schedules staging keys for deletion', () => {
    const prod = templateOf(harness(fixtures.awsProduction));
    const staging = templateOf(harness(fixtures.awsStaging));
    prod.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    staging.allResources('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    expect(Object.values(prod.findResources('AWS::KMS::Key')).map((k) => k.Properties.PendingWindowInDays)).toEqual([
      30, 30, 30, 30,
    ]);
  });
});
