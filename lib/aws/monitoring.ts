import { Duration, type IAspect, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { DEFAULT_API_ALARMS, type GpuPoolConfig, type PlatformNames } from '../config';

export interface EnvironmentBudgetProps {
  readonly names: PlatformNames;
  /** The monthly budget, USD (`monitoring.monthlyBudgetUsd`). */
  readonly monthlyBudgetUsd: number;
  /** Who gets the notifications (`monitoring.alarmEmails`); none sends no notification. */
  readonly alarmEmails: readonly string[];
  /**
   * Notification thresholds, percent of the budget, each for actual and forecast spend.
   * @default DEFAULT_BUDGET_THRESHOLDS ([80, 100])
   */
  readonly thresholdsPercent?: readonly number[];
}

/** Budget thresholds when the environment sets none, percent. */
export const DEFAULT_BUDGET_THRESHOLDS: readonly number[] = [80, 100];

/**
 * The environment's monthly cost budget: for every threshold, one notification on actual spend
 * and one on forecast spend, e-mailed to the alarm recipients. The budget covers the whole
 * account, so it assumes one account per environment (the AWS multi-account baseline).
 *
 * https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-managing-costs.html
 */
export class EnvironmentBudget extends Construct {
  public readonly resource: CfnBudget;

  constructor(scope: Construct, id: string, props: EnvironmentBudgetProps) {
    super(scope, id);
    const subscribers = props.alarmEmails.map((address) => ({ subscriptionType: 'EMAIL', address }));
    const thresholds = props.thresholdsPercent ?? DEFAULT_BUDGET_THRESHOLDS;
    this.resource = new CfnBudget(this, 'Resource', {
      budget: {
        budgetName: props.names.resource('monthly'),
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyBudgetUsd, unit: 'USD' },
      },
      notificationsWithSubscribers:
        subscribers.length === 0
          ? undefined
          : thresholds.flatMap((threshold) =>
              (['ACTUAL', 'FORECASTED'] as const).map((notificationType) => ({
                notification: {
                  notificationType,
                  comparisonOperator: 'GREATER_THAN',
                  threshold,
                  thresholdType: 'PERCENTAGE',
                },
                subscribers,
              })),
            ),
    });
  }
}

export interface PlatformMonitoringProps {
  readonly names: PlatformNames;
  /** The environment's name, shown in the alarm e-mails. */
  readonly environmentName: string;
  /** Addresses subscribed to the alarm topic (`monitoring.alarmEmails`). */
  readonly alarmEmails: readonly string[];
  /** The GPU pools: each gets an alarm when it runs at its `maxNodes`. */
  readonly gpuPools: readonly Pick<GpuPoolConfig, 'name' | 'maxNodes'>[];
  /**
   * The API alarm on the share of requests answered with a 5xx, percent over 5 minutes.
   * @default DEFAULT_API_ALARMS.errorRatePercent (5)
   */
  readonly apiErrorRatePercent?: number;
  /**
   * The API alarm on the gateway's p99 latency, milliseconds over 5 minutes.
   * @default DEFAULT_API_ALARMS.latencyP99Ms (10000)
   */
  readonly apiLatencyP99Ms?: number;
  /** Encrypts the alarm topic; its policy lets CloudWatch alarms use it. */
  readonly logsKey: kms.IKey;
  /** The model API whose latency and errors are watched. */
  readonly api: apigw.RestApi;
  /** Name of the EKS cluster (Container Insights dimension). */
  readonly clusterName: string;
  /** GPU pools with their instance types, by pool name. */
  readonly gpuPoolInstanceTypes: Readonly<Record<string, string>>;
}

/**
 * Alarms, the dashboard and the alarm topic of one environment.
 *
 * The topic is KMS-encrypted (logs key), accepts TLS only and e-mails `monitoring.alarmEmails`.
 * GPU, node and pod metrics come from Container Insights with enhanced observability (the
 * amazon-cloudwatch-observability add-on). Nodes per pool are counted with a Metrics Insights
 * query over the GPU metrics of the pool's instance type: managed node groups do not expose
 * their Auto Scaling group names to CloudFormation, so pools that share an instance type are
 * counted together. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-enhanced-EKS.html
 */
export class PlatformMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      topicName: alarmTopicName(props.names),
      displayName: `MLOps ${props.environmentName} alarms`,
      masterKey: props.logsKey,
      enforceSSL: true,
    });
    // The topic policy CDK writes (TLS only) replaces SNS's default policy, so CloudWatch alarms
    // need their own allow: this account's alarms in this region only.
    // https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger
    const { account, region, partition } = Stack.of(this);
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    for (const address of props.alarmEmails) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(address));
    }

    const period = Duration.minutes(5);
    const apiDims = { ApiName: props.api.restApiName, Stage: props.api.deploymentStage.stageName };
    const apiMetric = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: apiDims,
        statistic,
        period,
        label,
      });
    const ci = (metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: props.clusterName },
        statistic,
        period,
        label,
      });

    const p50 = apiMetric('Latency', 'p50', 'Latency p50');
    const p99 = apiMetric('Latency', 'p99', 'Latency p99');
    const count = apiMetric('Count', 'Sum', 'Requests');
    const errors4xx = apiMetric('4XXError', 'Sum', '4xx');
    const errors5xx = apiMetric('5XXError', 'Sum', '5xx');
    const rate5xx = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: { errors: errors5xx, requests: count },
      period,
      label: '5xx rate (%)',
    });
    const gpuUtil = ci('node_gpu_utilization', 'Average', 'GPU utilisation (%)');
    const gpuMem = ci('node_gpu_memory_utilization', 'Average', 'GPU memory (%)');
    const pending = ci('pod_status_pending', 'Maximum', 'Pending pods');
    // Container Insights has no "unschedulable" count; pods that stay pending while every GPU in
    // the cluster is already requested are GPU pods the pools cannot place (at max size, or no
    // capacity). Metric names and dimensions: the CloudWatch agent's Container Insights EMF config.
    const gpuRequested = ci('cluster_gpu_request', 'Maximum', 'GPUs requested');
    const gpuTotal = ci('cluster_gpu_total', 'Maximum', 'GPUs in the cluster');
    const unschedulable = new cloudwatch.MathExpression({
      expression: 'IF(pending > 0 AND requested >= total, pending, 0)',
      usingMetrics: { pending, requested: gpuRequested, total: gpuTotal },
      period,
      label: 'Pods pending with every GPU taken',
    });
    const nodeCount = ci('cluster_node_count', 'Maximum', 'Nodes (all pools)');
    const poolNodes = Object.entries(props.gpuPoolInstanceTypes).map(
      ([pool, instanceType]) =>
        [
          pool,
          new cloudwatch.MathExpression({
            expression: `SELECT COUNT(node_gpu_limit) FROM SCHEMA(ContainerInsights, ClusterName, InstanceId, InstanceType, NodeName) WHERE ClusterName = '${props.clusterName}' AND InstanceType = '${instanceType}'`,
            period,
            label: `Nodes in GPU pool ${pool} (${instanceType})`,
          }),
        ] as const,
    );

    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (
      alarmId: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      evaluationPeriods = 3,
    ) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        alarmName: props.names.resource(kebab(alarmId)),
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      alarms.push(a);
      return a;
    };
    const errorRate = props.apiErrorRatePercent ?? DEFAULT_API_ALARMS.errorRatePercent;
    const latencyMs = props.apiLatencyP99Ms ?? DEFAULT_API_ALARMS.latencyP99Ms;
    alarm('Api5xxRate', rate5xx, errorRate, `More than ${errorRate}% of model API requests fail with 5xx`);
    alarm('ApiLatencyP99', p99, latencyMs, `Model API p99 latency is ${latencyMs / 1000} s or more`);
    alarm(
      'GpuPodsUnschedulable',
      unschedulable,
      1,
      'Pods wait while every GPU is requested: GPU pools at max size, or no spot/on-demand capacity',
      3,
    );
    alarm('PodsPending', pending, 1, 'Pods have been pending for 30 minutes', 6);
    for (const pool of props.gpuPools) {
      const metric = poolNodes.find(([name]) => name === pool.name)?.[1];
      if (metric) {
        alarm(
          `GpuPool${pascalName(pool.name)}AtMax`,
          metric,
          pool.maxNodes,
          `GPU pool ${pool.name} runs at its max size (${pool.maxNodes} nodes)`,
          3,
        );
      }
    }
    this.alarms = alarms;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.names.resource('platform'),
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'API latency', left: [p50, p99], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'API errors', left: [errors4xx, errors5xx], right: [count], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'GPU utilisation and memory',
            left: [gpuUtil, gpuMem],
            right: [gpuRequested, gpuTotal],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Nodes per pool',
            left: [nodeCount, ...poolNodes.map(([, m]) => m)],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Pending and unschedulable pods',
            left: [pending, unschedulable],
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 12 }),
        ],
      ],
    });
  }
}

/** The name of an environment's alarm topic (the logs key lets CloudWatch alarms use it by name). */
export function alarmTopicName(names: PlatformNames): string {
  return names.resource('alarms');
}

/**
 * Sets the environment's retention on every log group in a scope, including the ones library
 * constructs create with their own default (the kubectl handler's groups keep logs for two years).
 */
export class LogRetention implements IAspect {
  constructor(private readonly days: number) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) node.retentionInDays = this.days;
  }
}

/**
 * Encrypts, with `key`, every log group in a scope that has no key: the ones library constructs
 * create for their functions (the kubectl provider's handler and framework).
 */
export class LogEncryption implements IAspect {
  constructor(private readonly key: kms.IKey) {}

  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup && node.kmsKeyId === undefined) node.kmsKeyId = this.key.keyArn;
  }
}

function kebab(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function pascalName(text: string): string {
  return text[0]?.toUpperCase() + text.slice(1);
}
