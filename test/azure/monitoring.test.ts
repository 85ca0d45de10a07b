import { describe, expect, it } from 'vitest';
import { budgetStartDate } from '../../lib/azure/monitoring';
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

  it('alerts on not-ready nodes, APIM 5xx and latency, and on each GPU pool at max (a log alert)', () => {
    const names = Object.values(resourcesOf(json, 'azurerm_monitor_metric_alert')).map((a) => a.name);
    expect(names.sort()).toEqual(
      [
        'alert-mlops-az-production-aks-nodes-not-ready',
        'alert-mlops-az-production-apim-5xx',
        'alert-mlops-az-production-apim-latency',
      ].sort(),
    );
    const gpu = Object.values(resourcesOf(json, 'azurerm_monitor_scheduled_query_rules_alert_v2'));
    expect(gpu.map((a) => a.name).sort()).toEqual([
      'alert-mlops-az-production-gpu-infer-at-max',
      'alert-mlops-az-production-gpu-train-at-max',
    ]);
    expect(gpu).toContainEqual(
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
      amount: 40000,
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
