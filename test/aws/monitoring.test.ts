import { Match } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { describe, expect, it } from 'vitest';
import { PlatformMonitoring } from '../../lib/aws/monitoring';
import { DEFAULT_API_ALARMS } from '../../lib/config';
import { fixtures } from '../util';
import { harness, stageOf, templateOf } from './harness';

describe('PlatformMonitoring', () => {
  it('creates a KMS-encrypted, TLS-only alarm topic that e-mails the alarm recipients', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'mlops-staging@example.com',
    });
  });

  it("lets this account's CloudWatch alarms publish to the topic, whose TLS-only policy replaces the SNS default", () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarms',
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: {
              ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111111111111:alarm:*' },
              StringEquals: { 'aws:SourceAccount': '111111111111' },
            },
          }),
        ]),
      },
    });
  });

  it('alarms on API 5xx rate, p99 latency, unschedulable GPU pods and every GPU pool at max size, all notifying the topic', () => {
    const { template } = stageOf(fixtures.awsProduction);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const names = alarms.map((a) => a.Properties.AlarmName);
    expect(names).toEqual(
      expect.arrayContaining([
        'mlops-production-api5xx-rate',
        'mlops-production-api-latency-p99',
        'mlops-production-gpu-pods-unschedulable',
        'mlops-production-gpu-pool-infer-at-max',
        'mlops-production-gpu-pool-batch-at-max',
        'mlops-production-gpu-pool-train-at-max',
      ]),
    );
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^MonitoringAlarmTopic/) }]);
    }
    const infer = alarms.find((a) => a.Properties.AlarmName === 'mlops-production-gpu-pool-infer-at-max');
    expect(infer?.Properties.Threshold).toBe(16);
    expect(JSON.stringify(infer?.Properties.Metrics)).toContain("InstanceType = 'g6.xlarge'");
    const unschedulable = alarms.find((a) => a.Properties.AlarmName === 'mlops-production-gpu-pods-unschedulable');
    const expression = JSON.stringify(unschedulable?.Properties.Metrics);
    for (const metric of ['pod_status_pending', 'cluster_gpu_request', 'cluster_gpu_total'])
      expect(expression).toContain(metric);
  });

  it("sets the API alarms from the environment's thresholds, the shared defaults otherwise", () => {
    // GIVEN the stage built from staging, which sets no thresholds
    const apiAlarm = (t: ReturnType<typeof templateOf>, name: string) =>
      Object.values(t.findResources('AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === name)?.Properties;
    const staging = stageOf(fixtures.awsStaging).template;
    // THEN the defaults, the same figures the Azure alerts use
    expect(apiAlarm(staging, 'mlops-staging-api5xx-rate')?.Threshold).toBe(DEFAULT_API_ALARMS.errorRatePercent);
    expect(apiAlarm(staging, 'mlops-staging-api-latency-p99')?.Threshold).toBe(DEFAULT_API_ALARMS.latencyP99Ms);
    // GIVEN thresholds of 1 % and 500 ms WHEN the monitoring is built with them
    const h = harness(fixtures.awsStaging);
    const api = new apigw.RestApi(h.stack, 'Api');
    api.root.addMethod('GET', new apigw.MockIntegration());
    new PlatformMonitoring(h.stack, 'Monitoring', {
      names: h.names,
      environmentName: 'staging',
      alarmEmails: [],
      gpuPools: [],
      apiErrorRatePercent: 1,
      apiLatencyP99Ms: 500,
      logsKey: h.keys.logs,
      api,
      clusterName: h.names.eksCluster,
      gpuPoolInstanceTypes: {},
    });
    const t = templateOf(h);
    // THEN the alarms fire at those figures and say so
    expect(apiAlarm(t, 'mlops-staging-api5xx-rate')).toMatchObject({
      Threshold: 1,
      AlarmDescription: 'More than 1% of model API requests fail with 5xx',
    });
    expect(apiAlarm(t, 'mlops-staging-api-latency-p99')).toMatchObject({
      Threshold: 500,
      AlarmDescription: 'Model API p99 latency is 0.5 s or more',
    });
  });

  it('builds a dashboard with API latency, errors, GPU, node and pending-pod widgets', () => {
    const { template } = stageOf(fixtures.awsStaging);
    // The platform dashboard; the per-model dashboards are ModelOperations' (operations.test.ts).
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).filter(
      (d) => d.Properties.DashboardName === 'mlops-staging-platform',
    );
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const text of [
      'API latency',
      'p99',
      '5XXError',
      'node_gpu_utilization',
      'node_gpu_memory_utilization',
      'Nodes per pool',
      'pod_status_pending',
    ]) {
      expect(body).toContain(text);
    }
  });

  it('keeps the monthly budget', () => {
    stageOf(fixtures.awsStaging).template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({
        BudgetLimit: { Amount: fixtures.awsStaging.monitoring.monthlyBudgetUsd, Unit: 'USD' },
      }),
    });
  });

  it('gives every log group the environment retention', () => {
    const { template } = stageOf(fixtures.awsHybrid);
    const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThan(5);
    expect(new Set(groups.map((g) => g.Properties.RetentionInDays))).toEqual(new Set([90]));
  });
});
