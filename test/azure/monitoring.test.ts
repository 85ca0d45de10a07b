import { describe, expect, it } from 'vitest';
import { apiSignalQuery, budgetStartDate } from '../../lib/azure/monitoring';
import { DEFAULT_API_ALARMS } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('Monitoring', () => {
  const { json } = synthAzure(fixtures.azureProduction);

  it('keeps logs for logRetentionDays in a workspace that Application Insights uses', () => {
    expect(Object.values(resourcesOf(json, 'azurerm_log_analytics_workspace'))).toEqual([
      expect.objectContaining({ name: 'log-mlops-az-production', retention_in_days: 365 }),
    ]);
    expect(Object.values(resourcesOf(json, 'azurerm_application_insights'))[0]?.workspace_id).toContain(
      'azurerm_log_analytics_workspace.',
    );
  });

  it('e-mails the configured addresses from the action group', () => {
    const group = Object.values(resourcesOf(json, 'azurerm_monitor_action_group'))[0];
    expect(group?.email_receiver).toEqual([expect.objectContaining({ email_address: 'mlops-oncall@example.com' })]);
  });

  it('alerts on not-ready nodes, each GPU pool at max, and the API and every model on 5xx share and p99', () => {
    const env = fixtures.azureProduction;
    // The platform's alerts; the model operations alerts are asserted in operations.test.ts.
    const platform = (type: string) =>
      Object.entries(resourcesOf(json, type))
        .filter(([name]) => name.startsWith('alerts_'))
        .map(([, a]) => a);
    const metric = platform('azurerm_monitor_metric_alert').map((a) => a.name);
    expect(metric).toEqual(['alert-mlops-az-production-aks-nodes-not-ready']);
    const logs = platform('azurerm_monitor_scheduled_query_rules_alert_v2');
    const models = env.serving?.models.map((m) => m.name) ?? [];
    expect(logs.map((a) => a.name).sort()).toEqual(
      [
        'alert-mlops-az-production-gpu-infer-at-max',
        'alert-mlops-az-production-gpu-train-at-max',
        'alert-mlops-az-production-api-errors',
        'alert-mlops-az-production-api-latency',
        ...models.flatMap((m) => [
          `alert-mlops-az-production-model-${m}-errors`,
          `alert-mlops-az-production-model-${m}-latency`,
        ]),
      ].sort(),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({
        criteria: [
          expect.objectContaining({
            threshold: 16,
            operator: 'GreaterThanOrEqual',
            query: expect.stringContaining('"agentpool":"infer"'),
          }),
        ],
        action: { action_groups: [expect.stringContaining('azurerm_monitor_action_group.')] },
      }),
    );
  });

  it('alarms on the same two signals as AWS: 5xx percent and p99 latency over 5-minute windows, per model', () => {
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      const logs = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
      for (const model of env.serving?.models ?? []) {
        const errors = logs.find((a) => a.name === `alert-mlops-${env.name}-model-${model.name}-errors`);
        const latency = logs.find((a) => a.name === `alert-mlops-${env.name}-model-${model.name}-latency`);
        for (const alert of [errors, latency]) {
          expect(alert).toMatchObject({ window_duration: 'PT5M', evaluation_frequency: 'PT5M' });
          const criteria = ((alert?.criteria ?? []) as Array<Record<string, unknown>>)[0];
          expect(criteria?.query).toContain(`ApiId in ('model-${model.name}')`);
          expect(criteria?.failing_periods).toEqual({
            number_of_evaluation_periods: DEFAULT_API_ALARMS.evaluationPeriods,
            minimum_failing_periods_to_trigger_alert: DEFAULT_API_ALARMS.evaluationPeriods,
          });
        }
        const errorCriteria = ((errors?.criteria ?? []) as Array<Record<string, unknown>>)[0];
        expect(errorCriteria?.threshold).toBe(
          env.monitoring.apiErrorRatePercent ?? DEFAULT_API_ALARMS.errorRatePercent,
        );
        expect(errorCriteria?.query).toContain('countif(ResponseCode >= 500)');
        const latencyCriteria = ((latency?.criteria ?? []) as Array<Record<string, unknown>>)[0];
        expect(latencyCriteria?.threshold).toBe(env.monitoring.apiLatencyP99Ms ?? DEFAULT_API_ALARMS.latencyP99Ms);
        expect(latencyCriteria?.query).toContain('percentile(TotalTime, 99)');
      }
    }
    const strict = vary(fixtures.azureStaging, (d) => {
      d.monitoring.apiErrorRatePercent = 1;
      d.monitoring.apiLatencyP99Ms = 500;
    });
    const logs = Object.values(resourcesOf(synthAzure(strict).json, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
    const api = logs.find((a) => a.name === 'alert-mlops-az-staging-api-latency');
    expect(((api?.criteria ?? []) as Array<Record<string, unknown>>)[0]?.threshold).toBe(500);
    expect(apiSignalQuery(['model-a'], 'errors')).toContain('100.0 * failed / total');
  });

  it('sends diagnostics of the vault, blob service, registry, APIM, AKS and ML workspace', () => {
    const targets = Object.values(resourcesOf(json, 'azurerm_monitor_diagnostic_setting')).map((d) =>
      String(d.target_resource_id),
    );
    for (const type of [
      'azurerm_key_vault',
      'azurerm_container_registry',
      'azurerm_api_management',
      'azurerm_kubernetes_cluster',
      'azurerm_machine_learning_workspace',
    ]) {
      expect(targets.some((t) => t.includes(`${type}.`))).toBe(true);
    }
    expect(targets.some((t) => t.endsWith('/blobServices/default'))).toBe(true);
  });

  it('starts the budget in the month the environment names', () => {
    const later = vary(fixtures.azureProduction, (d) => {
      d.monitoring.budgetStartMonth = '2027-01';
    });
    const budget = Object.values(resourcesOf(synthAzure(later).json, 'azurerm_consumption_budget_resource_group'))[0];
    expect(budget?.time_period).toEqual({ start_date: '2027-01-01T00:00:00Z' });
  });

  it('budgets the resource group from a fixed start date with actual and forecast notifications', () => {
    const budget = Object.values(resourcesOf(json, 'azurerm_consumption_budget_resource_group'))[0];
    expect(budget).toMatchObject({
      amount: fixtures.azureProduction.monitoring.monthlyBudgetUsd,
      time_grain: 'Monthly',
      time_period: { start_date: budgetStartDate(fixtures.azureProduction) },
    });
    const notifications = budget?.notification as Array<{ threshold: number; threshold_type: string }>;
    expect(notifications.map((n) => `${n.threshold_type}:${n.threshold}`).sort()).toEqual(
      ['Actual:50', 'Forecasted:50', 'Actual:80', 'Forecasted:80', 'Actual:100', 'Forecasted:100'].sort(),
    );
  });

  it('defaults the budget thresholds to 80 and 100 percent', () => {
    const env = vary(fixtures.azureStaging, (d) => (d.monitoring.budgetThresholdsPercent = undefined));
    const budget = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_consumption_budget_resource_group'))[0];
    const thresholds = ((budget?.notification ?? []) as Array<{ threshold: number }>).map((n) => n.threshold);
    expect([...new Set(thresholds)]).toEqual([80, 100]);
  });
});
