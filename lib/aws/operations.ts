import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnAnomalyMonitor, CfnAnomalySubscription } from 'aws-cdk-lib/aws-ce';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CfnTransactionSearchConfig } from 'aws-cdk-lib/aws-xray';
import { Construct } from 'constructs';
import {
  BATCH_MISSED_RUN_SLACK_MINUTES,
  batchMissedRunWindowMinutes,
  CAPTURE_PREFIX,
  DEFAULT_CAPTURE_RETENTION_DAYS,
  DRIFT_EVENT,
  MODEL_METRICS,
  MODEL_METRICS_NAMESPACE,
  type ModelEndpointConfig,
  modelEventBusName,
  modelEventSource,
  type PlatformNames,
  SERVING_NAMESPACE,
  SLOTS,
} from '../config';
import { batchJobName, slotName } from '../kubernetes/names';
import { JOB_DEFAULTS } from '../kubernetes/workload';

/**
 * A request log line that counts as an error on the dashboards: a 5xx, or no answer from the
 * model (`outcome` timeout, unreachable, model-closed; docs/operations.md). `disabled` (the flag
 * is off) and `client-closed` are not the model's errors.
 */
const ERROR_REQUEST =
  "(log_processed.status >= 500 and log_processed.outcome != 'disabled') or log_processed.outcome in ['timeout', 'unreachable', 'model-closed']";

/** Days the model event bus archive keeps events for replay to a new retraining subscriber. */
export const MODEL_EVENT_ARCHIVE_DAYS = 365;

/**
 * Percent of spans X-Ray indexes as trace summaries under Transaction Search; every span is kept
 * in the `aws/spans` log group either way. 1 % is the free tier.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Transaction-Search.html
 */
export const TRACE_INDEXING_PERCENT = 1;

/**
 * Cost anomaly alert threshold: the total impact, USD, at or above which an anomaly is sent to
 * the alarm topic: 2 % of the monthly budget, at least 10 USD.
 */
export function costAnomalyThresholdUsd(monthlyBudgetUsd: number): number {
  return Math.max(10, Math.round(monthlyBudgetUsd * 0.02));
}

export interface ModelOperationsProps {
  readonly names: PlatformNames;
  /** The environment's name (metric dimension, event source, cost allocation tag value). */
  readonly environmentName: string;
  /** The models of the environment (`serving.models`). */
  readonly models: readonly ModelEndpointConfig[];
  /** Where alarms, drift alarms and cost anomalies go (the on-call recipients). */
  readonly alarmTopic: sns.ITopic;
  /**
   * Encrypts the model event bus, its archive, the drift topic and the event log group; its
   * policy admits EventBridge and Cost Anomaly Detection. The platform's logs key.
   */
  readonly key: kms.IKey;
  /** The capture data zone's bucket (`CAPTURE_ZONE`), which gets the per-model capture lifecycle. */
  readonly captureBucket?: s3.Bucket;
  /** Name of the EKS cluster (Container Insights dimension, application log group). */
  readonly clusterName: string;
  /** GPU pools with their instance types, by pool name (node counts on the dashboards). */
  readonly gpuPoolInstanceTypes: Readonly<Record<string, string>>;
  /** Days the event log group keeps the model events. */
  readonly logRetentionDays: number;
  /** Monthly budget, USD: sets the cost anomaly threshold. */
  readonly monthlyBudgetUsd: number;
  /**
   * Keep the event bus archive and log group on stack deletion.
   * @default false
   */
  readonly retain?: boolean;
}

/**
 * The cloud side of model operations on AWS (issue 12): what the batch and drift CronJobs and the
 * serving agents (delivered with the serving workload) publish, made visible and alarmed.
 *
 * - Batch: per job, an alarm on any failed run (`BatchRunFailed`) and one when no run succeeded
 *   within the schedule's longest gap plus the timeout (a run that timed out or never started
 *   publishes nothing); run history in the job's S3 manifests (`<output>/_runs/`), the metrics, the
 *   Container Insights application logs, and a saved Logs Insights query.
 * - Capture: a lifecycle rule per model on `captures/<model>/` (days from `capture.retentionDays`).
 * - Drift: per model, alarms on the highest feature PSI and KS and on the outlier rate at the
 *   model's thresholds, over every version (Metrics Insights); the EventBridge bus the agent puts
 *   "Model Drift Detected" on, an archive, a rule to an SNS topic a retraining pipeline subscribes
 *   to, and a rule into a log group (the event history).
 * - Traces: X-Ray Transaction Search (spans from the CloudWatch agent's OTLP endpoint and from
 *   API Gateway land in `aws/spans`).
 * - One CloudWatch dashboard per model.
 * - Cost: a Cost Anomaly Detection monitor on the environment's cost allocation tag, to the alarm topic.
 */
export class ModelOperations extends Construct {
  public readonly eventBus: events.EventBus;
  public readonly driftTopic: sns.Topic;
  public readonly eventLog: logs.LogGroup;
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly dashboards: Readonly<Record<string, cloudwatch.Dashboard>>;
  public readonly costMonitor: CfnAnomalyMonitor;

  constructor(scope: Construct, id: string, props: ModelOperationsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = props.environmentName;
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const action = new cloudwatchActions.SnsAction(props.alarmTopic);

    // ---- the model event bus -------------------------------------------------------------
    // EventBus adds the key policy statement EventBridge needs, bound to the bus by encryption context.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-encryption-event-bus-cmkey.html
    this.eventBus = new events.EventBus(this, 'EventBus', {
      eventBusName: modelEventBusName(env),
      description: `Model events of ${env}: drift detected (source ${modelEventSource(env)})`,
      kmsKey: props.key,
    });
    // The archive is bound to the bus by its ARN built from the name: a reference would make the
    // key policy (which Archive extends with the bus ARN) and the bus wait on each other.
    const busArn = stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: modelEventBusName(env) });
    const archive = new events.Archive(this, 'Archive', {
      sourceEventBus: events.EventBus.fromEventBusArn(this, 'EventBusByArn', busArn),
      archiveName: props.names.resource('model-events'),
      description: `Model events of ${env}, for replay to new subscribers`,
      eventPattern: { source: [modelEventSource(env)] },
      retention: Duration.days(MODEL_EVENT_ARCHIVE_DAYS),
      kmsKey: props.key,
    });
    archive.node.addDependency(this.eventBus);

    this.driftTopic = new sns.Topic(this, 'DriftTopic', {
      topicName: props.names.resource('model-drift'),
      displayName: `MLOps ${env} model drift`,
      masterKey: props.key,
      enforceSSL: true,
    });
    // EventBridge publishes to the KMS-encrypted topic.
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToEncryptedTopics',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.eventLog = new logs.LogGroup(this, 'EventLog', {
      logGroupName: `/aws/events/${modelEventBusName(env)}`,
      encryptionKey: props.key,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const driftPattern: events.EventPattern = {
      source: [modelEventSource(env)],
      detailType: [DRIFT_EVENT.detailType],
    };
    // Written by hand rather than with aws-events-targets' SnsTopic, whose grant adds a key policy
    // statement for EventBridge without any condition; here both the topic policy and the key
    // policy (above) are bound to this account, and the topic policy to this rule.
    const driftRuleName = props.names.resource('model-drift-to-topic');
    new events.Rule(this, 'DriftToTopic', {
      ruleName: driftRuleName,
      description: 'Model Drift Detected to the drift topic (retraining pipelines subscribe there)',
      eventBus: this.eventBus,
      eventPattern: driftPattern,
      targets: [{ bind: () => ({ arn: this.driftTopic.topicArn }) }],
    });
    this.driftTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowDriftRule',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.driftTopic.topicArn],
        conditions: {
          ArnEquals: {
            'aws:SourceArn': stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${modelEventBusName(env)}/${driftRuleName}`,
            }),
          },
        },
      }),
    );
    // The log group target is written by hand: aws-events-targets' CloudWatchLogGroup puts the log
    // resource policy through a custom-resource Lambda; a CloudFormation resource policy does the same.
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
    const eventLogArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.eventLog.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const eventLogRuleName = props.names.resource('model-events-to-log');
    // The rule's ARN by name: a reference to the rule would make the policy and the rule wait on each other.
    const eventLogRuleArn = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${modelEventBusName(env)}/${eventLogRuleName}`,
    });
    const eventLogRule = new events.Rule(this, 'EventsToLog', {
      ruleName: eventLogRuleName,
      description: 'Every model event into the event log group (the drift history)',
      eventBus: this.eventBus,
      eventPattern: { source: [modelEventSource(env)] },
      targets: [{ bind: () => ({ arn: eventLogArn }) }],
    });
    const eventLogPolicy = new logs.CfnResourcePolicy(this, 'EventLogPolicy', {
      policyName: props.names.resource('model-events-to-log'),
      policyDocument: stack.toJsonString({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeToModelEventLog',
            Effect: 'Allow',
            Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${eventLogArn}:*`,
            Condition: { ArnEquals: { 'aws:SourceArn': eventLogRuleArn } },
          },
        ],
      }),
    });
    eventLogRule.node.addDependency(eventLogPolicy);

    // ---- traces --------------------------------------------------------------------------
    // Transaction Search: X-Ray writes spans into CloudWatch Logs (aws/spans); the CloudWatch
    // agent's OTLP endpoint (observability add-on) needs it for traces.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Transaction-Search-Cloudformation.html
    const logGroupArn = (name: string) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const spansPolicy = new logs.CfnResourcePolicy(this, 'TransactionSearchPolicy', {
      policyName: props.names.resource('transaction-search'),
      policyDocument: stack.toJsonString({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'TransactionSearchXRayAccess',
            Effect: 'Allow',
            Principal: { Service: 'xray.amazonaws.com' },
            Action: 'logs:PutLogEvents',
            Resource: [logGroupArn('aws/spans'), logGroupArn('/aws/application-signals/data')],
            Condition: {
              ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:xray:${stack.region}:${stack.account}:*` },
              StringEquals: { 'aws:SourceAccount': stack.account },
            },
          },
        ],
      }),
    });
    const search = new CfnTransactionSearchConfig(this, 'TransactionSearch', {
      indexingPercentage: TRACE_INDEXING_PERCENT,
    });
    search.addResourceDependency(spansPolicy);

    // ---- cost ----------------------------------------------------------------------------
    // A custom monitor on the environment's cost allocation tag (the account may already have
    // its one AWS-services monitor); Cost Anomaly Detection publishes to the encrypted alarm topic.
    // https://docs.aws.amazon.com/cost-management/latest/userguide/ad-SNS.html
    this.costMonitor = new CfnAnomalyMonitor(this, 'CostMonitor', {
      monitorName: props.names.resource('cost'),
      monitorType: 'CUSTOM',
      monitorSpecification: JSON.stringify({ Tags: { Key: 'environment', Values: [env], MatchOptions: ['EQUALS'] } }),
    });
    props.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCostAnomalyDetection',
        principals: [new iam.ServicePrincipal('costalerts.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [props.alarmTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    props.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCostAnomalyDetection',
        principals: [new iam.ServicePrincipal('costalerts.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    const threshold = costAnomalyThresholdUsd(props.monthlyBudgetUsd);
    new CfnAnomalySubscription(this, 'CostSubscription', {
      subscriptionName: props.names.resource('cost-anomalies'),
      monitorArnList: [this.costMonitor.attrMonitorArn],
      frequency: 'IMMEDIATE',
      subscribers: [{ type: 'SNS', address: props.alarmTopic.topicArn }],
      thresholdExpression: JSON.stringify({
        Dimensions: {
          Key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
          MatchOptions: ['GREATER_THAN_OR_EQUAL'],
          Values: [String(threshold)],
        },
      }),
    });

    // ---- per model: capture lifecycle, alarms, queries, dashboard --------------------------
    const alarms: cloudwatch.Alarm[] = [];
    const dashboards: Record<string, cloudwatch.Dashboard> = {};
    const applicationLogs = `/aws/containerinsights/${props.clusterName}/application`;
    const alarm = (alarmId: string, name: string, options: Omit<cloudwatch.AlarmProps, 'alarmName'>) => {
      const a = new cloudwatch.Alarm(this, alarmId, { alarmName: props.names.resource(name), ...options });
      a.addAlarmAction(action);
      a.addOkAction(action);
      alarms.push(a);
      return a;
    };

    for (const model of props.models) {
      const modelAlarmsFrom = alarms.length;
      const m = model.name;
      const id = pascal(m);
      if (model.capture && props.captureBucket) {
        props.captureBucket.addLifecycleRule({
          id: `capture-${m}`,
          prefix: `${CAPTURE_PREFIX}/${m}/`,
          expiration: Duration.days(model.capture.retentionDays ?? DEFAULT_CAPTURE_RETENTION_DAYS),
          // Personal data: an expired record's version is gone a day later, whatever the bucket keeps.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        });
      }

      const batchWidgets: cloudwatch.IMetric[] = [];
      for (const job of model.batch ?? []) {
        const jobId = `${id}Batch${pascal(job.name)}`;
        const dims = { Environment: env, Model: m, Job: job.name };
        const metric = (metricName: string, statistic: string, period: Duration, label: string) =>
          new cloudwatch.Metric({
            namespace: MODEL_METRICS_NAMESPACE,
            metricName,
            dimensionsMap: dims,
            statistic,
            period,
            label,
          });
        const hour = Duration.hours(1);
        const failed = metric(MODEL_METRICS.batchRunFailed, 'Sum', hour, `${job.name}: failed runs`);
        const succeeded = metric(MODEL_METRICS.batchRunSucceeded, 'Sum', hour, `${job.name}: successful runs`);
        batchWidgets.push(succeeded, failed);
        alarm(`${jobId}Failed`, `${batchJobName(m, job.name)}-failed`, {
          alarmDescription: `Batch job ${job.name} of model ${m} reported a failed run (records failed, no input, storage or model not ready): read the run manifest under ${job.output}_runs/ and the job's logs`,
          metric: failed,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        // A period of an hour allows up to 7 days of evaluation (168 periods).
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        const window = batchMissedRunWindowMinutes(job.schedule, job.timeoutMinutes, 7 * 24 * 60);
        if (window === undefined) {
          Annotations.of(this).addWarningV2(
            'mlops:batch-missed-run',
            `serving.models '${m}' batch job '${job.name}' runs less often than weekly ('${job.schedule}'): CloudWatch alarms look back at most 7 days, so only reported failures alarm, not missed or timed-out runs`,
          );
        } else {
          const hours = Math.ceil(window / 60);
          alarm(`${jobId}Missed`, `${batchJobName(m, job.name)}-no-success`, {
            alarmDescription: `No run of batch job ${job.name} of model ${m} succeeded in ${hours} h (schedule '${job.schedule}' ${job.timeZone}, timeout ${job.timeoutMinutes} min, ${BATCH_MISSED_RUN_SLACK_MINUTES} min slack): a run timed out, was never started, or failed before reporting. Check 'kubectl -n ${SERVING_NAMESPACE} get jobs -l app.kubernetes.io/instance=${batchJobName(m, job.name)}'`,
            metric: succeeded,
            threshold: 1,
            evaluationPeriods: hours,
            datapointsToAlarm: hours,
            comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          });
        }
      }

      const driftQuery = (metricName: string, stat: string, label: string, groupBy?: string) =>
        new cloudwatch.MathExpression({
          // Metrics Insights over every version (the Version dimension changes with each release).
          expression: `SELECT ${stat}(${metricName}) FROM SCHEMA("${MODEL_METRICS_NAMESPACE}", Environment, Model, Version${
            metricName === MODEL_METRICS.featurePsi || metricName === MODEL_METRICS.featureKs ? ', Feature' : ''
          }) WHERE Environment = '${env}' AND Model = '${m}'${groupBy ? ` GROUP BY ${groupBy}` : ''}`,
          period: Duration.hours(1),
          label,
        });
      const psiMax = driftQuery(MODEL_METRICS.featurePsi, 'MAX', 'Highest feature PSI');
      const ksMax = driftQuery(MODEL_METRICS.featureKs, 'MAX', 'Highest feature KS');
      const outliers = driftQuery(MODEL_METRICS.outlierRatePercent, 'MAX', 'Outlier rate (%)');
      const drifted = driftQuery(MODEL_METRICS.driftedFeatures, 'MAX', 'Drifted features');
      const captured = driftQuery(MODEL_METRICS.capturedRecords, 'SUM', 'Captured records in the window');
      const drift = model.drift;
      if (drift) {
        // Metrics Insights alarms look at the last 3 hours only; the drift job runs at least daily,
        // and missing data keeps the last state until the next run says otherwise.
        const driftAlarm = (
          alarmId: string,
          name: string,
          metric: cloudwatch.IMetric,
          threshold: number,
          description: string,
        ) =>
          alarm(`${id}${alarmId}`, `${m}-${name}`, {
            alarmDescription: description,
            metric,
            threshold,
            evaluationPeriods: 1,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: cloudwatch.TreatMissingData.IGNORE,
          });
        const psi = drift.psiThreshold ?? JOB_DEFAULTS.psiThreshold;
        const ks = drift.ksThreshold ?? JOB_DEFAULTS.ksThreshold;
        const rate = drift.outlierRatePercent ?? JOB_DEFAULTS.outlierRatePercent;
        const readIt = `The "Model Drift Detected" event on ${modelEventBusName(env)} (and the log group ${this.eventLog.logGroupName}) names the features; the dashboard ${props.names.resource(`model-${m}`)} plots PSI and KS per feature`;
        driftAlarm(
          'FeaturePsi',
          'feature-psi',
          psiMax,
          psi,
          `A feature of model ${m} drifted: PSI >= ${psi} against the version's training baseline over the last ${drift.windowHours} h. ${readIt}`,
        );
        driftAlarm(
          'FeatureKs',
          'feature-ks',
          ksMax,
          ks,
          `A numeric feature of model ${m} drifted: KS >= ${ks} against the training baseline over the last ${drift.windowHours} h. ${readIt}`,
        );
        driftAlarm(
          'OutlierRate',
          'outlier-rate',
          outliers,
          rate,
          `${rate}% or more of the requests of model ${m} had an outlying feature (robust z-score above ${drift.outlierZScore ?? JOB_DEFAULTS.outlierZScore}) over the last ${drift.windowHours} h. ${readIt}`,
        );
      }

      // Run history and request logs, as saved Logs Insights queries over the Container Insights
      // application logs (Fluent Bit merges the agent's JSON lines under log_processed).
      // Logs Insights aggregates counts, not conditions, so errors are their own query.
      const requestsFilter = `filter kubernetes.namespace_name = '${SERVING_NAMESPACE}' and log_processed.msg = 'request' and log_processed.model = '${m}'`;
      new logs.CfnQueryDefinition(this, `${id}RequestsQuery`, {
        name: `${props.names.base}/${m}/requests`,
        logGroupNames: [applicationLogs],
        queryString: [
          requestsFilter,
          'stats count(*) as requests, pct(log_processed.latencyMs, 50) as p50, pct(log_processed.latencyMs, 99) as p99 by log_processed.slot, log_processed.version, bin(5m)',
        ].join('\n| '),
      });
      new logs.CfnQueryDefinition(this, `${id}ErrorsQuery`, {
        name: `${props.names.base}/${m}/errors`,
        logGroupNames: [applicationLogs],
        queryString: [
          requestsFilter,
          `filter ${ERROR_REQUEST}`,
          'stats count(*) as errors by log_processed.outcome, log_processed.status, log_processed.slot, bin(5m)',
        ].join('\n| '),
      });
      if ((model.batch ?? []).length > 0 || drift) {
        new logs.CfnQueryDefinition(this, `${id}RunsQuery`, {
          name: `${props.names.base}/${m}/job-runs`,
          logGroupNames: [applicationLogs],
          queryString: [
            `filter kubernetes.namespace_name = '${SERVING_NAMESPACE}' and log_processed.model = '${m}' and log_processed.mode in ['batch', 'drift']`,
            "filter log_processed.msg in ['batch run succeeded', 'batch run failed', 'drift statistics', 'drift statistics skipped: window too small'] or log_processed.level = 'error'",
            'fields @timestamp, log_processed.mode, log_processed.msg, log_processed.status, log_processed.records, log_processed.failed, log_processed.manifest, log_processed.driftedFeatures, log_processed.outlierRatePercent, log_processed.error',
            'sort @timestamp desc',
          ].join('\n| '),
        });
      }

      dashboards[m] = this.dashboard(props, model, {
        applicationLogs,
        batch: batchWidgets,
        psiByFeature: driftQuery(MODEL_METRICS.featurePsi, 'MAX', 'PSI', 'Feature'),
        ksByFeature: driftQuery(MODEL_METRICS.featureKs, 'MAX', 'KS', 'Feature'),
        outliers,
        drifted,
        captured,
        alarms: alarms.slice(modelAlarmsFrom),
      });
    }
    this.alarms = alarms;
    this.dashboards = dashboards;
  }

  private dashboard(
    props: ModelOperationsProps,
    model: ModelEndpointConfig,
    parts: {
      readonly applicationLogs: string;
      readonly batch: readonly cloudwatch.IMetric[];
      readonly psiByFeature: cloudwatch.IMetric;
      readonly ksByFeature: cloudwatch.IMetric;
      readonly outliers: cloudwatch.IMetric;
      readonly drifted: cloudwatch.IMetric;
      readonly captured: cloudwatch.IMetric;
      readonly alarms: readonly cloudwatch.Alarm[];
    },
  ): cloudwatch.Dashboard {
    const m = model.name;
    const period = Duration.minutes(5);
    const ci = (metricName: string, dims: Record<string, string>, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: 'ContainerInsights',
        metricName,
        dimensionsMap: { ClusterName: props.clusterName, ...dims },
        statistic,
        period,
        label,
      });
    const slots = SLOTS.map((slot) => slotName(m, slot));
    const replicas = slots.map((service) =>
      ci('service_number_of_running_pods', { Namespace: SERVING_NAMESPACE, Service: service }, 'Average', service),
    );
    const pods = (metricName: string, what: string) =>
      slots.map((pod) => ci(metricName, { Namespace: SERVING_NAMESPACE, PodName: pod }, 'Average', `${pod} ${what}`));
    const pool = model.gpuPool;
    const instanceType = pool ? props.gpuPoolInstanceTypes[pool] : undefined;
    const poolNodes =
      pool && instanceType
        ? [
            new cloudwatch.MathExpression({
              expression: `SELECT COUNT(node_gpu_limit) FROM SCHEMA(ContainerInsights, ClusterName, InstanceId, InstanceType, NodeName) WHERE ClusterName = '${props.clusterName}' AND InstanceType = '${instanceType}'`,
              period: Duration.hours(1),
              label: `GPU pool ${pool} nodes (${instanceType}); node-hours drive its spend`,
            }),
          ]
        : [];
    // Account-wide EC2 charges are published in us-east-1 only, with billing alerts turned on.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/gs_monitor_estimated_charges_with_cloudwatch.html
    const ec2Charges = new cloudwatch.Metric({
      namespace: 'AWS/Billing',
      metricName: 'EstimatedCharges',
      dimensionsMap: { Currency: 'USD', ServiceName: 'AmazonEC2' },
      statistic: 'Maximum',
      period: Duration.hours(6),
      region: 'us-east-1',
      label: 'EC2 estimated charges this month (USD, account)',
    });
    const requestsQuery = (stats: string) =>
      [
        `filter kubernetes.namespace_name = '${SERVING_NAMESPACE}' and log_processed.msg = 'request' and log_processed.model = '${m}'`,
        stats,
      ].join(' | ');

    return new cloudwatch.Dashboard(this, `${pascal(m)}Dashboard`, {
      dashboardName: props.names.resource(`model-${m}`),
      defaultInterval: Duration.days(1),
      widgets: [
        [
          new cloudwatch.LogQueryWidget({
            title: `${m}: requests (agent request logs)`,
            logGroupNames: [parts.applicationLogs],
            view: cloudwatch.LogQueryVisualizationType.LINE,
            queryString: requestsQuery('stats count(*) as requests by bin(5m)'),
            width: 8,
          }),
          new cloudwatch.LogQueryWidget({
            title: `${m}: errors (5xx, timeouts, unreachable model)`,
            logGroupNames: [parts.applicationLogs],
            view: cloudwatch.LogQueryVisualizationType.LINE,
            queryString: requestsQuery(`filter ${ERROR_REQUEST} | stats count(*) as errors by bin(5m)`),
            width: 8,
          }),
          new cloudwatch.LogQueryWidget({
            title: `${m}: latency p50 / p99 (ms)`,
            logGroupNames: [parts.applicationLogs],
            view: cloudwatch.LogQueryVisualizationType.LINE,
            queryString: requestsQuery(
              'stats pct(log_processed.latencyMs, 50) as p50, pct(log_processed.latencyMs, 99) as p99 by bin(5m)',
            ),
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: `${m}: running replicas per slot`, left: replicas, width: 8 }),
          new cloudwatch.GraphWidget({
            title: `${m}: GPU utilisation and memory (%)`,
            left: pods('pod_gpu_utilization', 'GPU'),
            right: pods('pod_gpu_memory_utilization', 'GPU memory'),
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: pool ? `GPU pool ${pool}: nodes and spend` : 'EC2 spend (CPU-only model)',
            left: poolNodes,
            right: [ec2Charges],
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: `${m}: drift score (PSI per feature)`,
            left: [parts.psiByFeature],
            leftAnnotations: model.drift
              ? [{ value: model.drift.psiThreshold ?? JOB_DEFAULTS.psiThreshold, label: 'PSI threshold' }]
              : undefined,
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${m}: KS per numeric feature`,
            left: [parts.ksByFeature],
            leftAnnotations: model.drift
              ? [{ value: model.drift.ksThreshold ?? JOB_DEFAULTS.ksThreshold, label: 'KS threshold' }]
              : undefined,
            width: 8,
          }),
          new cloudwatch.GraphWidget({
            title: `${m}: outlier rate, drifted features, captured records`,
            left: [parts.outliers, parts.drifted],
            right: [parts.captured],
            leftAnnotations: model.drift
              ? [
                  {
                    value: model.drift.outlierRatePercent ?? JOB_DEFAULTS.outlierRatePercent,
                    label: 'Outlier rate threshold (%)',
                  },
                ]
              : undefined,
            width: 8,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: `${m}: batch runs (${(model.batch ?? []).map((j) => j.name).join(', ') || 'no batch jobs'})`,
            left: [...parts.batch],
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({
            title: `${m}: alarms`,
            alarms: [...parts.alarms],
            width: 12,
          }),
        ],
      ],
    });
  }
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}
