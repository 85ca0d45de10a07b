import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { PlatformNames } from '../config';
import { alarmTopicName } from './monitoring';

/** What a platform key protects; one customer-managed key per purpose limits each key's blast radius. */
export type KeyPurpose = 'data' | 'logs' | 'cluster';

export const KEY_PURPOSES: readonly KeyPurpose[] = ['data', 'logs', 'cluster'];

export interface PlatformKeysProps {
  readonly names: PlatformNames;
  /**
   * Keep the keys when the stack is deleted, with the longest waiting period (30 days) once a
   * deletion is scheduled; otherwise they are scheduled for deletion with the stack (7 days).
   * The stage sets it for production.
   */
  readonly retain: boolean;
}

/**
 * Customer-managed KMS keys, one per purpose, with yearly automatic rotation.
 *
 * - `data`: S3 buckets, ECR repositories.
 * - `logs`: CloudWatch log groups (the Logs service may use it only for log groups of this account
 *   and region, via the `aws:logs:arn` encryption context) and the alarm topic (CloudWatch alarms
 *   publish to it).
 * - `cluster`: Kubernetes secrets envelope encryption, the hybrid link's secrets and query logs.
 *
 * The delivery pipelines' artifact keys live with the pipelines in the tooling account; the
 * registry mirror has its own key (lib/aws/mirror.ts).
 *
 * Production keys are retained on stack deletion; staging keys are scheduled for deletion (7-30 day
 * waiting period, so a mistake is still recoverable).
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
export class PlatformKeys extends Construct {
  public readonly data: kms.Key;
  public readonly logs: kms.Key;
  public readonly cluster: kms.Key;

  constructor(scope: Construct, id: string, props: PlatformKeysProps) {
    super(scope, id);
    const retain = props.retain;
    const make = (purpose: KeyPurpose, description: string) =>
      new kms.Key(this, pascal(purpose), {
        alias: props.names.kmsAlias(purpose),
        description: `${props.names.base}: ${description}`,
        enableKeyRotation: true,
        rotationPeriod: Duration.days(365),
        pendingWindow: Duration.days(retain ? 30 : 7),
        removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    this.data = make('data', 'S3 buckets and ECR repositories');
    this.logs = make('logs', 'CloudWatch log groups and the alarm topic');
    this.cluster = make('cluster', 'Kubernetes secrets envelope encryption and platform secrets');

    const { region, account } = Stack.of(this);
    // CloudWatch Logs encrypts log groups with the key only when the key policy names the regional
    // service principal; the condition limits it to this account's log groups.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    this.logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Stack.of(this).partition}:logs:${region}:${account}:log-group:*`,
          },
        },
      }),
    );
    // CloudWatch alarms publish to the KMS-encrypted alarm topic. The SNS documentation's statement
    // for AWS event sources conditions on the source (aws:SourceArn: alarms of this account and
    // region) and on the topic (the kms:EncryptionContext:aws:sns:topicArn that SNS sets), not on
    // aws:SourceAccount alone, which let CloudWatch use the key for any topic of the account.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    const partition = Stack.of(this).partition;
    this.logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          StringEquals: {
            'kms:EncryptionContext:aws:sns:topicArn': `arn:${partition}:sns:${region}:${account}:${alarmTopicName(props.names)}`,
          },
        },
      }),
    );
  }

  /** The key of one purpose. */
  key(purpose: KeyPurpose): kms.Key {
    return this[purpose];
  }
}

function pascal(text: string): string {
  return text[0]?.toUpperCase() + text.slice(1);
}
