import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  capturePrefix,
  EVENTS_ENDPOINT_OUTPUT,
  modelWorkbook,
  RUN_FAILURE_REASONS,
  runFailureQuery,
  workbookId,
} from '../../lib/azure/operations';
import {
  type AzureEnvironment,
  CAPTURE_ZONE,
  DEFAULT_CAPTURE_RETENTION_DAYS,
  DRIFT_EVENT,
  driftEventSource,
  isAzureEnvironment,
  MODEL_METRICS,
  MODEL_METRICS_NAMESPACE,
} from '../../lib/config';
import { batchJobName, driftJobName, JOB_DEFAULTS } from '../../lib/kubernetes';
import { DRIFT_CLOUDEVENT_TYPE, eventGridSource } from '../../workloads/model-agent/src/publish';
import { resourcesOf, synthAzure, type TerraformJson } from '../util';

const azure = environments.filter(isAzureEnvironment) as AzureEnvironment[];

/** `<type>.<name>` of the one resource of a type that matches. */
function find(json: TerraformJson, type: string, match: (r: Record<string, unknown>) => boolean): string {
  const found = Object.entries(resourcesOf(json, type)).filter(([, r]) => match(r));
  if (found.length !== 1) throw new Error(`${found.length} matching ${type}`);
  return `${type}.${found[0]?.[0]}`;
}

describe('the contract with the model agent', () => {
  it('uses the event type and source the agent publishes', () => {
    expect(DRIFT_EVENT.cloudEventType).toBe(DRIFT_CLOUDEVENT_TYPE);
    expect(driftEventSource('az-staging')).toBe(eventGridSource('az-staging'));
  });

  it('gives workbooks stable, distinct GUID names', () => {
    const id = workbookId('az-staging', 'churn');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(workbookId('az-staging', 'churn')).toBe(id);
    expect(workbookId('az-production', 'churn')).not.toBe(id);
  });

  it('matches only the runs of one CronJob in the Kubernetes events', () => {
    const query = runFailureQuery('aks-x', 'churn-batch-nightly');
    for (const reason of RUN_FAILURE_REASONS) expect(query).toContain(`'${reason}'`);
    const pattern = new RegExp(/'\^(.*)\$'/.exec(query)?.[1]?.concat('$').replace(/^/, '^') ?? 'none');
    expect(pattern.test('churn-batch-nightly-29012345')).toBe(true);
    expect(pattern.test('churn-batch-nightly-manual-202503101200')).toBe(true);
    expect(pattern.test('churn-batch-nightly-eu-29012345')).toBe(false);
  });
});

describe.each(azure.map((env) => [env.name, env] as const))('Operations of %s', (_name, env) => {
  const { json } = synthAzure(env);
  const models = env.serving?.models ?? [];
  const serving = find(json, 'azurerm_user_assigned_identity', (r) => r.name === `id-mlops-${env.name}-model-serving`);
  const cluster = find(json, 'azurerm_kubernetes_cluster', () => true);
  const actionGroup = find(json, 'azurerm_monitor_action_group', () => true);
  const workspace = find(json, 'azurerm_log_analytics_workspace', () => true);
  const assignments = Object.values(resourcesOf(json, 'azurerm_role_assignment')).filter(
    (a) => a.principal_id === `\${${serving}.principal_id}`,
  );
  const metricAlerts = Object.values(resourcesOf(json, 'azurerm_monitor_metric_alert'));
  const logAlerts = Object.values(resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
  const criteriaOf = (alert: Record<string, unknown>) => (alert.criteria as Record<string, unknown>[])[0] ?? {};
  const dimensionsOf = (alert: Record<string, unknown>) =>
    Object.fromEntries(
      (criteriaOf(alert).dimension as { name: string; values: string[] }[]).map((d) => [d.name, d.values]),
    );

  it('publishes drift events to a private, Entra-only CloudEvents topic the serving identity may send to', () => {
    const topic = find(json, 'azurerm_eventgrid_topic', (r) => r.name === `evgt-mlops-${env.name}`);
    expect(resourcesOf(json, 'azurerm_eventgrid_topic')[topic.split('.')[1] as string]).toMatchObject({
      input_schema: 'CloudEventSchemaV1_0',
      local_auth_enabled: false,
      public_network_access_enabled: false,
    });
    const endpoint = Object.values(resourcesOf(json, 'azurerm_private_endpoint')).find((e) =>
      JSON.stringify(e.private_service_connection).includes(`${topic}.id`),
    );
    expect(endpoint).toMatchObject({ private_service_connection: { subresource_names: ['topic'] } });
    expect(JSON.stringify(endpoint?.private_dns_zone_group)).toContain('dns-eventGrid');
    expect(assignments).toContainEqual(
      expect.objectContaining({ role_definition_name: 'EventGrid Data Sender', scope: `\${${topic}.id}` }),
    );
    expect(json.output?.[EVENTS_ENDPOINT_OUTPUT]).toMatchObject({ value: `\${${topic}.endpoint}` });
    expect(
      Object.values(resourcesOf(json, 'azurerm_monitor_diagnostic_setting')).some(
        (d) => d.target_resource_id === `\${${topic}.id}`,
      ),
    ).toBe(true);
  });

  it('lets batch runs read their input zone and write their output zone, in the CMK-encrypted data lake', () => {
    const roles = assignments.map((a) => `${a.role_definition_name} ${String(a.scope)}`);
    for (const job of models.flatMap((m) => m.batch ?? [])) {
      const output = job.output.split('/')[0];
      const input = job.input.split('/')[0];
      expect(roles).toContainEqual(
        expect.stringMatching(new RegExp(`^Storage Blob Data Contributor .*container-${output}_`)),
      );
      expect(roles).toContainEqual(
        expect.stringMatching(new RegExp(`^Storage Blob Data (Reader|Contributor) .*container-${input}_`)),
      );
    }
    // no role is granted twice (Azure refuses a duplicate assignment)
    expect(new Set(roles).size).toBe(roles.length);
    const account = Object.values(resourcesOf(json, 'azurerm_storage_account')).find((a) => a.is_hns_enabled === true);
    expect(account?.customer_managed_key).toBeDefined();
  });

  it('alerts on-call when a batch run fails, times out or misses its schedule', () => {
    for (const m of models) {
      for (const job of m.batch ?? []) {
        const failed = metricAlerts.find(
          (a) => a.name === `alert-mlops-${env.name}-${batchJobName(m.name, job.name)}-failed`,
        );
        expect(failed).toMatchObject({
          scopes: [`\${${cluster}.id}`],
          action: [{ action_group_id: `\${${actionGroup}.id}` }],
          criteria: [
            {
              metric_namespace: MODEL_METRICS_NAMESPACE,
              metric_name: MODEL_METRICS.batchRunFailed,
              aggregation: 'Total',
              operator: 'GreaterThan',
              threshold: 0,
              skip_metric_validation: true,
            },
          ],
        });
        expect(dimensionsOf(failed ?? {})).toEqual({ Environment: [env.name], Model: [m.name], Job: [job.name] });
        const run = logAlerts.find((a) => a.name === `alert-mlops-${env.name}-run-${batchJobName(m.name, job.name)}`);
        expect(run).toMatchObject({
          scopes: [`\${${workspace}.id}`],
          action: { action_groups: [`\${${actionGroup}.id}`] },
          criteria: [{ query: runFailureQuery(`aks-mlops-${env.name}`, batchJobName(m.name, job.name)), threshold: 1 }],
        });
        expect(String(criteriaOf(run ?? {}).query)).toContain("'DeadlineExceeded'");
      }
    }
  });

  it('expires each model capture prefix after its retention days', () => {
    const policy = Object.values(resourcesOf(json, 'azurerm_storage_management_policy'))[0];
    const rules = (policy?.rule ?? []) as Record<string, unknown>[];
    for (const m of models) {
      const rule = rules.find((r) => JSON.stringify(r.filters).includes(capturePrefix(m.name)));
      if (!m.capture) {
        expect(rule).toBeUndefined();
        continue;
      }
      expect(capturePrefix(m.name).startsWith(`${CAPTURE_ZONE}/`)).toBe(true);
      expect(rule).toMatchObject({
        enabled: true,
        name: expect.stringMatching(/^[A-Za-z0-9]+$/),
        filters: { blob_types: ['blockBlob'], prefix_match: [capturePrefix(m.name)] },
        actions: {
          base_blob: {
            delete_after_days_since_modification_greater_than:
              m.capture.retentionDays ?? DEFAULT_CAPTURE_RETENTION_DAYS,
          },
        },
      });
    }
    // the account's own tiering rule stays
    expect(rules.map((r) => r.name)).toContain('tiering');
  });

  it('alerts per model and feature at the configured drift and outlier thresholds, and on failed drift runs', () => {
    for (const m of models) {
      const alert = (signal: string) => metricAlerts.find((a) => a.name === `alert-mlops-${env.name}-${signal}`);
      if (!m.drift) {
        expect(alert(`${m.name}-drift-psi`)).toBeUndefined();
        continue;
      }
      const psi = alert(`${m.name}-drift-psi`) ?? {};
      expect(criteriaOf(psi)).toMatchObject({
        metric_name: MODEL_METRICS.featurePsi,
        operator: 'GreaterThanOrEqual',
        threshold: m.drift.psiThreshold ?? JOB_DEFAULTS.psiThreshold,
      });
      expect(dimensionsOf(psi)).toEqual({ Environment: [env.name], Model: [m.name], Feature: ['*'] });
      const ks = alert(`${m.name}-drift-ks`) ?? {};
      expect(criteriaOf(ks)).toMatchObject({
        metric_name: MODEL_METRICS.featureKs,
        threshold: m.drift.ksThreshold ?? JOB_DEFAULTS.ksThreshold,
      });
      expect(dimensionsOf(ks).Feature).toEqual(['*']);
      const outliers = alert(`${m.name}-outliers`) ?? {};
      expect(criteriaOf(outliers)).toMatchObject({
        metric_name: MODEL_METRICS.outlierRatePercent,
        threshold: m.drift.outlierRatePercent ?? JOB_DEFAULTS.outlierRatePercent,
      });
      for (const a of [psi, ks, outliers]) {
        expect(a).toMatchObject({
          action: [{ action_group_id: `\${${actionGroup}.id}` }],
          frequency: 'PT15M',
          window_size: 'PT1H',
        });
      }
      expect(logAlerts.map((a) => a.name)).toContain(`alert-mlops-${env.name}-run-${driftJobName(m.name)}`);
    }
  });

  it('collects Kubernetes events with Container Insights and GPU metrics with Managed Prometheus', () => {
    const clusterJson = Object.values(resourcesOf(json, 'azurerm_kubernetes_cluster'))[0];
    expect(clusterJson).toMatchObject({
      oms_agent: { msi_auth_for_monitoring_enabled: true },
      monitor_metrics: {},
      cost_analysis_enabled: env.stage === 'production',
    });
    const rules = resourcesOf(json, 'azurerm_monitor_data_collection_rule');
    const insights = find(json, 'azurerm_monitor_data_collection_rule', (r) =>
      JSON.stringify(r.data_flow).includes('Microsoft-ContainerInsights-Group-Default'),
    );
    expect(rules[insights.split('.')[1] as string]).toMatchObject({
      destinations: { log_analytics: [{ workspace_resource_id: `\${${workspace}.id}` }] },
    });
    const prometheus = find(json, 'azurerm_monitor_data_collection_rule', (r) =>
      JSON.stringify(r.data_flow).includes('Microsoft-PrometheusMetrics'),
    );
    const amw = find(json, 'azurerm_monitor_workspace', () => true);
    const dce = find(json, 'azurerm_monitor_data_collection_endpoint', () => true);
    expect(rules[prometheus.split('.')[1] as string]).toMatchObject({
      kind: 'Linux',
      data_collection_endpoint_id: `\${${dce}.id}`,
      destinations: { monitor_account: [{ monitor_account_id: `\${${amw}.id}` }] },
      data_sources: { prometheus_forwarder: [{ streams: ['Microsoft-PrometheusMetrics'] }] },
    });
    const associations = Object.values(resourcesOf(json, 'azurerm_monitor_data_collection_rule_association'));
    for (const target of [`\${${insights}.id}`, `\${${prometheus}.id}`]) {
      expect(associations).toContainEqual(
        expect.objectContaining({ data_collection_rule_id: target, target_resource_id: `\${${cluster}.id}` }),
      );
    }
    expect(associations).toContainEqual(
      expect.objectContaining({ name: 'configurationAccessEndpoint', data_collection_endpoint_id: `\${${dce}.id}` }),
    );
  });

  it('lets the serving pods send traces to Application Insights with Entra ID', () => {
    const insights = find(json, 'azurerm_application_insights', () => true);
    expect(assignments).toContainEqual(
      expect.objectContaining({ role_definition_name: 'Monitoring Metrics Publisher', scope: `\${${insights}.id}` }),
    );
  });

  it('has one workbook per model with every signal', () => {
    const workbooks = Object.values(resourcesOf(json, 'azurerm_application_insights_workbook'));
    expect(workbooks).toHaveLength(models.length);
    for (const m of models) {
      const workbook = workbooks.find((w) => w.name === workbookId(env.name, m.name));
      expect(workbook).toBeDefined();
      const data = JSON.parse(String(workbook?.data_json)) as { items: { name: string }[] };
      const names = data.items.map((i) => i.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'requests',
          'latency',
          'replicas',
          'gpu-utilisation',
          'gpu-memory',
          'drift',
          'outliers',
          'batch-succeeded',
          'batch-failed',
        ]),
      );
      const text = JSON.stringify(data);
      expect(text).toContain(`ApiId == 'model-${m.name}'`);
      expect(text).toContain('DCGM_FI_DEV_GPU_UTIL');
      expect(text).toContain(`${MODEL_METRICS_NAMESPACE}--${MODEL_METRICS.featurePsi}`);
      expect(names.includes('gpu-spend')).toBe(m.gpuPool !== undefined);
    }
  });

  it('watches the subscription for cost anomalies, mailed to the alarm recipients', () => {
    const alert = Object.values(resourcesOf(json, 'azurerm_cost_anomaly_alert'))[0];
    expect(alert).toMatchObject({
      name: `costanomaly-mlops-${env.name}`,
      subscription_id: `/subscriptions/${env.target.subscriptionId}`,
      email_addresses: env.monitoring.alarmEmails,
    });
    expect(String(alert?.email_subject).length).toBeLessThanOrEqual(70);
  });
});

describe('the model workbook', () => {
  it('prices the GPU pool spend when the price is known', () => {
    const env = azure[0] as AzureEnvironment;
    const model = {
      ...(env.serving?.models[0] as NonNullable<typeof env.serving>['models'][number]),
      gpuPool: 'infer',
    };
    const base = {
      environmentName: 'x',
      model,
      apiId: 'model-x',
      workspaceId: 'ws',
      monitorWorkspaceId: 'amw',
      clusterId: 'aks',
      clusterName: 'aks-x',
    };
    const priced = JSON.stringify(
      modelWorkbook({ ...base, gpuPool: { name: 'infer', nodePoolName: 'infer', hourlyUsd: 0.6 } }),
    );
    expect(priced).toContain('usd = nodes * 0.6');
    const unpriced = JSON.stringify(modelWorkbook({ ...base, gpuPool: { name: 'infer', nodePoolName: 'infer' } }));
    expect(unpriced).toContain('nodeHours = nodes');
    expect(unpriced).not.toContain('usd =');
  });
});
