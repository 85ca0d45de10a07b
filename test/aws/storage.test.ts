import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PlatformStorage } from '../../lib/aws/storage';
import type { AwsEnvironment } from '../../lib/config';
import { fixtures, vary } from '../util';
import { harness, templateOf } from './harness';

function build(env: AwsEnvironment) {
  const h = harness(env);
  const storage = new PlatformStorage(h.stack, 'Storage', {
    names: h.names,
    storage: env.storage,
    accessLogDays: env.monitoring.logRetentionDays,
    retain: h.retain,
    dataKey: h.keys.data,
  });
  return { storage, t: templateOf(h), names: h.names };
}

describe('PlatformStorage', () => {
  it('creates one KMS-encrypted, versioned, private, access-logged bucket per data zone', () => {
    // GIVEN staging with all five zones WHEN built
    const { t, names } = build(fixtures.awsStaging);
    // THEN five data buckets plus the access-log bucket
    t.resourceCountIs('AWS::S3::Bucket', 6);
    for (const zone of fixtures.awsStaging.storage.zones) {
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: names.bucket(zone),
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysData'), 'Arn'] },
              },
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: Match.stringLikeRegexp('^StorageAccessLogs') },
          LogFilePrefix: `${zone}/`,
        },
      });
    }
  });

  it('denies every request without TLS', () => {
    const { t } = build(fixtures.awsStaging);
    const policies = Object.values(t.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(6);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('turns storage.lifecycle into cool, archive, noncurrent-expiry and multipart-abort rules', () => {
    // GIVEN a lifecycle with an archive tier
    const env = vary(fixtures.awsStaging, (d) => {
      d.storage.lifecycle = { coolAfterDays: 45, archiveAfterDays: 200, noncurrentVersionDays: 60 };
    });
    const { t, names } = build(env);
    // THEN every data bucket carries it
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names.bucket('models'),
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'tiering',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
              { StorageClass: 'GLACIER', TransitionInDays: 200 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 60 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    });
  });

  it('has no archive transition when archiveAfterDays is not set', () => {
    const { t, names } = build(fixtures.awsStaging);
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: names.bucket('raw'),
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] })],
      },
    });
  });

  it('creates only the configured zones', () => {
    const env = vary(fixtures.awsStaging, (d) => {
      d.storage.zones = ['models', 'artifacts'];
    });
    const { storage, t } = build(env);
    t.resourceCountIs('AWS::S3::Bucket', 3);
    expect(() => storage.bucket('raw')).toThrow("storage.zones does not include 'raw'");
  });

  it('retains production buckets and never installs an auto-delete function', () => {
    const { t } = build(fixtures.awsProduction);
    t.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
});
