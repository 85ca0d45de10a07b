import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ModelOperations } from '../../lib/aws/operations';
import {
  type AwsEnvironment,
  type BatchJobConfig,
  batchMissedRunWindowMinutes,
  CAPTURE_PREFIX,
  cronMaxGapMinutes,
  DRIFT_EVENT,
  MODEL_METRICS,
  MODEL_METRICS_NAMESPACE,
  modelEventBusName,
  modelEventSource,
} from '../../lib/config';
import { DRIFT_DETAIL_TYPE } from '../../workloads/model-agent/src/publish';
import { fixtures } from '../util';
import { harness, stageOf } from './harness';

const ENVIRONMENTS: ReadonlyArray<readonly [string, AwsEnvironment]> = [
  ['staging', fixtures.awsStaging],
  ['production', fixtures.awsProduction],
  ['hybrid', fixtures.awsHybrid],
];

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is read as loose JSON
type Json = any;
type Resource = { Properties: Record<string, Json> };

function resources(template: Template, type: string): Record<string, Resource> {
  return template.findResources(type) as Record<string, Resource>;
}

/** An alarm's single metric, whether CDK rendered it flat or as a metric data query (labelled metrics). */
function metricOf(alarm: Record<string, Json>): Record<string, Json> {
  const stat = alarm.Metrics?.[0]?.MetricStat;
  if (!stat) return alarm;
  return { ...stat.Metric, Statistic: stat.Stat, Period: stat.Period };
}

function alarmNamed(template: Template, name: string): Resource {
  const alarm = Object.values(resources(template, 'AWS::CloudWatch::Alarm')).find(
    (a) => a.Properties.AlarmName === name,
  );
  if (!alarm) throw new Error(`no alarm named ${name}`);
  return alarm;
}

describe('cron schedules of batch jobs', () => {
  it('finds the longest gap between runs', () => {
    expect(cronMaxGapMinutes('0 2 * * *')).toBe(1440);
    expect(cronMaxGapMinutes('15 * * * *')).toBe(60);
    expect(cronMaxGapMinutes('*/15 * * * *')).toBe(15);
    expect(cronMaxGapMinutes('0 2 * * 1-5')).toBe(3 * 1440); // Friday to Monday
    expect(cronMaxGapMinutes('30 6 * * SUN')).toBe(7 * 1440);
    expect(cronMaxGapMinutes('0 0,12 * * *')).toBe(720);
  });

  it('gives no window for schedules rarer than the alarm can look back', () => {
    expect(batchMissedRunWindowMinutes('0 2 1 * *', 60, 7 * 1440)).toBeUndefined();
    expect(batchMissedRunWindowMinutes('0 2 * * *', 60, 7 * 1440)).toBe(1440 + 60 + 90);
  });

  it('throws when the schedule does not have five fields', () => {
    expect(() => cronMaxGapMinutes('0 2 * *')).toThrow(/five fields/);
  });
});

describe.each(ENVIRONMENTS)('ModelOperations (%s)', (_name, env) => {
  const { template } = stageOf(env);
  const models = env.serving?.models ?? [];
  const alarmName = (suffix: string) => `mlops-${env.name}-${suffix}`;

  it('alarms on every failed batch run and on no successful run within the schedule, to the alarm topic', () => {
    const jobs = models.flatMap((m) => (m.batch ?? []).map((job) => [m, job] as const));
    expect(jobs.length).toBeGreaterThan(0);
    for (const [model, job] of jobs) {
      const failed = alarmNamed(template, alarmName(`${model.name}-batch-${job.name}-failed`)).Properties;
      expect(metricOf(failed)).toMatchObject({
        Namespace: MODEL_METRICS_NAMESPACE,
        MetricName: MODEL_METRICS.batchRunFailed,
        Statistic: 'Sum',
      });
      expect(failed).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
      expect(metricOf(failed).Dimensions).toEqual(
        expect.arrayContaining([
          { Name: 'Environment', Value: env.name },
          { Name: 'Model', Value: model.name },
          { Name: 'Job', Value: job.name },
        ]),
      );
      const missed = alarmNamed(template, alarmName(`${model.name}-batch-${job.name}-no-success`)).Properties;
      const hours = Math.ceil((cronMaxGapMinutes(job.schedule) as number) / 60 + job.timeoutMinutes / 60 + 1.5);
      expect(metricOf(missed)).toMatchObject({ MetricName: MODEL_METRICS.batchRunSucceeded, Period: 3600 });
      expect(missed).toMatchObject({
        EvaluationPeriods: hours,
        DatapointsToAlarm: hours,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
      for (const a of [failed, missed]) {
        expect(a.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }]);
        expect(a.OKActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }]);
      }
    }
  });

  it("writes batch outputs into KMS-encrypted data buckets (the platform's data key)", () => {
    const buckets = resources(template, 'AWS::S3::Bucket');
    for (const job of models.flatMap((m) => m.batch ?? [])) {
      const zone = job.output.split('/')[0] as string;
      const bucket = Object.values(buckets).find((b) =>
        b.Properties.BucketName?.startsWith(`mlops-${env.name}-${zone}-`),
      );
      expect(bucket?.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysData/), 'Arn'] },
        },
      });
    }
  });

  it('expires captured records per model after capture.retentionDays, in the KMS-encrypted capture zone', () => {
    const raw = Object.values(resources(template, 'AWS::S3::Bucket')).find((b) =>
      b.Properties.BucketName?.startsWith(`mlops-${env.name}-raw-`),
    );
    expect(raw?.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual(
      expect.objectContaining({ SSEAlgorithm: 'aws:kms' }),
    );
    const rules = raw?.Properties.LifecycleConfiguration.Rules as Array<Record<string, Json>>;
    const capturing = models.filter((m) => m.capture);
    expect(capturing.length).toBeGreaterThan(0);
    for (const model of capturing) {
      expect(rules).toContainEqual(
        expect.objectContaining({
          Id: `capture-${model.name}`,
          Prefix: `${CAPTURE_PREFIX}/${model.name}/`,
          ExpirationInDays: model.capture?.retentionDays ?? 90,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
          Status: 'Enabled',
        }),
      );
    }
  });

  it('alarms per model on the highest feature PSI and KS and on the outlier rate, over every version', () => {
    for (const model of models) {
      const names = [`${model.name}-feature-psi`, `${model.name}-feature-ks`, `${model.name}-outlier-rate`];
      if (!model.drift) {
        for (const name of names) expect(() => alarmNamed(template, alarmName(name))).toThrow();
        continue;
      }
      const thresholds = [
        [MODEL_METRICS.featurePsi, model.drift.psiThreshold ?? 0.2],
        [MODEL_METRICS.featureKs, model.drift.ksThreshold ?? 0.1],
        [MODEL_METRICS.outlierRatePercent, model.drift.outlierRatePercent ?? 5],
      ] as const;
      thresholds.forEach(([metric, threshold], i) => {
        const alarm = alarmNamed(template, alarmName(names[i] as string)).Properties;
        expect(alarm.Threshold).toBe(threshold);
        expect(alarm.TreatMissingData).toBe('ignore');
        expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }]);
        const expression = alarm.Metrics[0].Expression as string;
        expect(expression).toContain(`MAX(${metric})`);
        expect(expression).toContain(`SCHEMA("${MODEL_METRICS_NAMESPACE}", Environment, Model, Version`);
        expect(expression).toContain(`WHERE Environment = '${env.name}' AND Model = '${model.name}'`);
        // Metrics Insights alarms evaluate the last 3 hours at most.
        expect(alarm.Metrics[0].Period * alarm.EvaluationPeriods).toBeLessThanOrEqual(3 * 3600);
      });
    }
  });

  it('creates the KMS-encrypted model event bus the agent publishes to, with an archive', () => {
    template.hasResourceProperties('AWS::Events::EventBus', {
      Name: modelEventBusName(env.name),
      KmsKeyIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 365,
      KmsKeyIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
      EventPattern: { source: [modelEventSource(env.name)] },
    });
  });

  it("routes the agent's drift event to a KMS-encrypted topic and into an encrypted log group", () => {
    expect(DRIFT_EVENT.detailType).toBe(DRIFT_DETAIL_TYPE);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: Match.stringLikeRegexp('^OperationsEventBus') },
      EventPattern: { source: [modelEventSource(env.name)], 'detail-type': [DRIFT_DETAIL_TYPE] },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^OperationsDriftTopic') } })],
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: `mlops-${env.name}-model-drift`,
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('^OperationsDriftTopic') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: `/aws/events/${modelEventBusName(env.name)}`,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
    const policy = Object.values(resources(template, 'AWS::Logs::ResourcePolicy')).find(
      (p) => p.Properties.PolicyName === `mlops-${env.name}-model-events-to-log`,
    );
    expect(JSON.stringify(policy?.Properties.PolicyDocument)).toContain('events.amazonaws.com');
  });

  it('lets EventBridge and Cost Anomaly Detection use the logs key, bound to this account or bus', () => {
    const key = Object.entries(resources(template, 'AWS::KMS::Key')).find(([id]) => id.startsWith('KeysLogs'))?.[1];
    const statements = key?.Properties.KeyPolicy.Statement as Array<Record<string, Json>>;
    const by = (service: string) => statements.filter((s) => JSON.stringify(s.Principal).includes(service));
    expect(by('events.amazonaws.com').length).toBeGreaterThanOrEqual(2);
    for (const statement of [...by('events.amazonaws.com'), ...by('costalerts.amazonaws.com')]) {
      // Only the archive's kms:DescribeKey (aws-events' own statement) goes without a condition.
      if (statement.Action !== 'kms:DescribeKey') expect(statement.Condition, JSON.stringify(statement)).toBeDefined();
    }
    expect(by('costalerts.amazonaws.com')).toHaveLength(1);
  });

  it('turns on X-Ray Transaction Search with the log resource policy it needs', () => {
    template.hasResourceProperties('AWS::XRay::TransactionSearchConfig', { IndexingPercentage: 1 });
    const policy = Object.values(resources(template, 'AWS::Logs::ResourcePolicy')).find((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('xray.amazonaws.com'),
    );
    const document = JSON.stringify(policy?.Properties.PolicyDocument);
    expect(document).toContain('aws/spans');
    expect(document).toContain('aws:SourceAccount');
    const search = Object.values(template.findResources('AWS::XRay::TransactionSearchConfig'))[0];
    expect(search?.DependsOn).toEqual([expect.stringMatching(/^OperationsTransactionSearchPolicy/)]);
  });

  it('collects GPU (DCGM), pod and node metrics and serves the OTLP endpoint with the observability add-on, whose agent may write to X-Ray', () => {
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'amazon-cloudwatch-observability',
      PodIdentityAssociations: [
        {
          ServiceAccount: 'cloudwatch-agent',
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ObservabilityRole'), 'Arn'] },
        },
      ],
    });
    const role = Object.entries(resources(template, 'AWS::IAM::Role')).find(([id]) =>
      /ObservabilityRole/.test(id),
    )?.[1];
    expect(JSON.stringify(role?.Properties.ManagedPolicyArns)).toContain('CloudWatchAgentServerPolicy');
  });

  it('outputs the model event bus and the drift topic for subscribers', () => {
    template.hasOutput('ModelEventBusName', { Value: { Ref: Match.stringLikeRegexp('^OperationsEventBus') } });
    template.hasOutput('ModelDriftTopicArn', { Value: { Ref: Match.stringLikeRegexp('^OperationsDriftTopic') } });
  });

  it('builds one dashboard per model with requests, errors, latency, replicas, GPU, drift, outliers and batch runs', () => {
    const dashboards = Object.values(resources(template, 'AWS::CloudWatch::Dashboard'));
    for (const model of models) {
      const dashboard = dashboards.find((d) => d.Properties.DashboardName === `mlops-${env.name}-model-${model.name}`);
      expect(dashboard).toBeDefined();
      const body = JSON.stringify(dashboard?.Properties.DashboardBody);
      for (const text of [
        'requests',
        'errors',
        'p50',
        'p99',
        'service_number_of_running_pods',
        `${model.name}-blue`,
        `${model.name}-green`,
        'pod_gpu_utilization',
        'pod_gpu_memory_utilization',
        MODEL_METRICS.featurePsi,
        'GROUP BY Feature',
        MODEL_METRICS.outlierRatePercent,
        'EstimatedCharges',
      ]) {
        expect(body, `${model.name}: ${text}`).toContain(text);
      }
      if (model.batch?.length) expect(body).toContain(MODEL_METRICS.batchRunSucceeded);
      if (model.gpuPool) expect(body).toContain(`GPU pool ${model.gpuPool}`);
    }
  });

  it('saves Logs Insights queries of requests and job runs over the application logs', () => {
    const queries = Object.values(resources(template, 'AWS::Logs::QueryDefinition'));
    for (const model of models) {
      const requests = queries.find((q) => q.Properties.Name === `mlops-${env.name}/${model.name}/requests`);
      expect(requests?.Properties.LogGroupNames).toEqual([`/aws/containerinsights/mlops-${env.name}/application`]);
      const errors = queries.find((q) => q.Properties.Name === `mlops-${env.name}/${model.name}/errors`);
      expect(errors?.Properties.QueryString).toContain(
        "log_processed.outcome in ['timeout', 'unreachable', 'model-closed']",
      );
      if (model.batch?.length || model.drift) {
        const runs = queries.find((q) => q.Properties.Name === `mlops-${env.name}/${model.name}/job-runs`);
        expect(runs?.Properties.QueryString).toContain('batch run failed');
      }
    }
  });

  it('watches the environment cost allocation tag for cost anomalies, sent to the alarm topic', () => {
    template.hasResourceProperties('AWS::CE::AnomalyMonitor', {
      MonitorType: 'CUSTOM',
      MonitorSpecification: JSON.stringify({
        Tags: { Key: 'environment', Values: [env.name], MatchOptions: ['EQUALS'] },
      }),
    });
    const threshold = Math.max(10, Math.round(env.monitoring.monthlyBudgetUsd * 0.02));
    template.hasResourceProperties('AWS::CE::AnomalySubscription', {
      Frequency: 'IMMEDIATE',
      Subscribers: [{ Type: 'SNS', Address: { Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') } }],
      ThresholdExpression: Match.stringLikeRegexp(`"Values":\\["${threshold}"\\]`),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: Match.stringLikeRegexp('^MonitoringAlarmTopic') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'costalerts.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': env.target.account } },
          }),
        ]),
      },
    });
  });
});

describe('ModelOperations construct', () => {
  it('warns, and skips the missed-run alarm, when a batch job runs less often than weekly', () => {
    const h = harness(fixtures.awsStaging);
    const topic = new sns.Topic(h.stack, 'Alarms');
    const model = (fixtures.awsStaging.serving?.models ?? [])[0];
    if (!model) throw new Error('staging has no models');
    const operations = new ModelOperations(h.stack, 'Operations', {
      names: h.names,
      environmentName: 'staging',
      models: [
        {
          ...model,
          batch: [{ ...(model.batch?.[0] as BatchJobConfig), name: 'monthly', schedule: '0 3 1 * *' }],
        },
      ],
      alarmTopic: topic,
      key: h.keys.logs,
      clusterName: h.names.eksCluster,
      gpuPoolInstanceTypes: {},
      logRetentionDays: 30,
      monthlyBudgetUsd: 100,
    });
    // Read from the construct tree: synthesizing the stack would run the validation plugins again.
    const warnings = operations.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toContainEqual(expect.stringContaining("batch job 'monthly' runs less often than weekly"));
    const names = operations.alarms.map((a) => (a.node.defaultChild as CfnAlarm).alarmName);
    expect(names).toContain('mlops-staging-churn-batch-monthly-failed');
    expect(names).not.toContain('mlops-staging-churn-batch-monthly-no-success');
  });
});
