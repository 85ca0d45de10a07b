import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { DataZone, PlatformNames, StorageConfig } from '../config';
import { acknowledge } from './acknowledge';

export interface PlatformStorageProps {
  readonly names: PlatformNames;
  /** The environment's `storage` section: the data zones and their lifecycle. */
  readonly storage: StorageConfig;
  /**
   * Days the server access logs are kept; at least 90 whatever the value.
   * The stage passes the environment's `monitoring.logRetentionDays`.
   */
  readonly accessLogDays: number;
  /**
   * Keep the buckets when the stack is deleted; otherwise they are deleted with it once empty.
   * The stage sets it for production.
   */
  readonly retain: boolean;
  /** Encrypts every data bucket (SSE-KMS with S3 Bucket Keys). */
  readonly dataKey: kms.IKey;
}

/**
 * One S3 bucket per configured data zone, plus the bucket that receives their server access logs.
 *
 * Data buckets: SSE-KMS with the data key and S3 Bucket Keys (fewer KMS calls), versioning, all
 * public access blocked, TLS enforced, access logs, and lifecycle rules from `storage.lifecycle`.
 * Production buckets are retained on stack deletion and never auto-emptied; staging buckets are
 * deleted with the stack once empty (no auto-delete function: emptying is a deliberate act).
 */
export class PlatformStorage extends Construct {
  public readonly buckets: Readonly<Partial<Record<DataZone, s3.Bucket>>>;
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: PlatformStorageProps) {
    super(scope, id);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const lifecycle = props.storage.lifecycle;

    // Server access logs can only be delivered to a bucket encrypted with SSE-S3.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      bucketName: props.names.bucket('access-logs'),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(Math.max(props.accessLogDays, 90)),
          noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentVersionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    acknowledge(this.accessLogs, {
      'AwsSolutions-S1': 'This is the access-log bucket itself; logging it to itself would loop',
      'HIPAA.Security-S3BucketLoggingEnabled': 'This is the access-log bucket itself; logging it to itself would loop',
      'NIST.800.53.R5-S3BucketLoggingEnabled': 'This is the access-log bucket itself; logging it to itself would loop',
      'HIPAA.Security-S3DefaultEncryptionKMS':
        'S3 delivers server access logs only to SSE-S3 buckets (SSE-KMS targets are not supported)',
      'NIST.800.53.R5-S3DefaultEncryptionKMS':
        'S3 delivers server access logs only to SSE-S3 buckets (SSE-KMS targets are not supported)',
      'HIPAA.Security-S3BucketReplicationEnabled':
        'Access logs are kept in-region for the retention period; cross-region copies are an account-level choice',
      'NIST.800.53.R5-S3BucketReplicationEnabled':
        'Access logs are kept in-region for the retention period; cross-region copies are an account-level choice',
    });

    const buckets: Partial<Record<DataZone, s3.Bucket>> = {};
    for (const zone of props.storage.zones) {
      const bucket = new s3.Bucket(this, pascal(zone), {
        bucketName: props.names.bucket(zone),
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: props.dataKey,
        bucketKeyEnabled: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
        versioned: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: this.accessLogs,
        serverAccessLogsPrefix: `${zone}/`,
        removalPolicy,
        autoDeleteObjects: false,
        lifecycleRules: [
          {
            id: 'tiering',
            transitions: [
              {
                storageClass: s3.StorageClass.INFREQUENT_ACCESS,
                transitionAfter: Duration.days(lifecycle.coolAfterDays),
              },
              ...(lifecycle.archiveAfterDays === undefined
                ? []
                : [
                    {
                      storageClass: s3.StorageClass.GLACIER,
                      transitionAfter: Duration.days(lifecycle.archiveAfterDays),
                    },
                  ]),
            ],
            noncurrentVersionExpiration: Duration.days(lifecycle.noncurrentVersionDays),
            abortIncompleteMultipartUploadAfter: Duration.days(7),
          },
        ],
      });
      acknowledge(bucket, {
        'HIPAA.Security-S3BucketReplicationEnabled':
          'Versioned in-region bucket with retention; cross-region replication is a per-adopter disaster-recovery decision (another region, another key)',
        'NIST.800.53.R5-S3BucketReplicationEnabled':
          'Versioned in-region bucket with retention; cross-region replication is a per-adopter disaster-recovery decision (another region, another key)',
      });
      buckets[zone] = bucket;
    }
    this.buckets = buckets;
  }

  /** The bucket of a zone; throws when the environment does not configure it. */
  bucket(zone: DataZone): s3.Bucket {
    const bucket = this.buckets[zone];
    if (!bucket) throw new Error(`storage.zones does not include '${zone}'`);
    return bucket;
  }
}

export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}
