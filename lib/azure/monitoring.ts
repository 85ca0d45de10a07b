import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import { ConsumptionBudgetResourceGroup } from '@cdktf/provider-azurerm/lib/consumption-budget-resource-group';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { AzureEnvironment, PlatformNames } from '../config';

/**
 * First month of the budget period when the environment sets no `monitoring.budgetStartMonth`: a
 * fixed month, never "today", so synthesis stays deterministic. Azure accepts a start date up to
 * twelve months ahead, or in the past only within the current time grain (month)
 * (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/consumption_budget_resource_group#start_date).
 * Later changes are ignored (`ignore_changes`), because a new start date would replace the budget.
 */
export const DEFAULT_BUDGET_START_MONTH = '2026-12';

/** The budget start date of an environment: the first of its start month, UTC. */
export function budgetStartDate(env: AzureEnvironment): string {
  return `${env.monitoring.budgetStartMonth ?? DEFAULT_BUDGET_START_MONTH}-01T00:00:00Z`;
}

/** Default budget notification thresholds, percent. */
export const DEFAULT_BUDGET_THRESHOLDS: readonly number[] = [80, 100];

export interface MonitoringProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
}

/**
 * The environment's observability base, created before every other capability so they can send
 * logs to it: a Log Analytics workspace, workspace-based Application Insights, the action group
 * that receives every alert, and the resource group's monthly budget. Alerts and diagnostic
 * settings of the other capabilities are added by `PlatformAlerts` once they exist.
 */
export class Monitoring extends Construct {
  public readonly workspace: LogAnalyticsWorkspace;
  public readonly applicationInsights: ApplicationInsights;
  public readonly actionGroup: MonitorActionGroup;
  public readonly budget: ConsumptionBudgetResourceGroup;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup } = props;
    const location = env.target.location;
    const rg = resourceGroup.name;
    const monitoring = env.monitoring;

    this.workspace = new LogAnalyticsWorkspace(this, 'Resource', {
      name: names.logAnalyticsWorkspace,
      location,
      resourceGroupName: rg,
      sku: 'PerGB2018',
      // Interactive retention 30-730 days: https://learn.microsoft.com/azure/azure-monitor/logs/data-retention-configure
      retentionInDays: monitoring.logRetentionDays,
      // Entra ID only: no workspace shared keys for agents or queries.
      localAuthenticationEnabled: false,
    });

    this.applicationInsights = new ApplicationInsights(this, 'application-insights', {
      name: names.azure('appi'),
      location,
      resourceGroupName: rg,
      applicationType: 'other',
      workspaceId: this.workspace.id,
      localAuthenticationDisabled: true,
    });

    this.actionGroup = new MonitorActionGroup(this, 'action-group', {
      name: names.azure('ag', 'oncall'),
      resourceGroupName: rg,
      // At most 12 characters: it is the SMS / e-mail sender name.
      shortName: 'mlopsoncall',
      emailReceiver: monitoring.alarmEmails.map((email, i) => ({
        name: `email-${i}`,
        emailAddress: email,
        useCommonAlertSchema: true,
      })),
    });

    const thresholds = monitoring.budgetThresholdsPercent ?? DEFAULT_BUDGET_THRESHOLDS;
    this.budget = new ConsumptionBudgetResourceGroup(this, 'budget', {
      name: names.azure('budget'),
      resourceGroupId: resourceGroup.id,
      amount: monitoring.monthlyBudgetUsd,
      timeGrain: 'Monthly',
      timePeriod: { startDate: budgetStartDate(env) },
      lifecycle: { ignoreChanges: ['time_period'] },
      notification: thresholds.flatMap((threshold) =>
        (['Actual', 'Forecasted'] as const).map((thresholdType) => ({
          enabled: true,
          operator: 'GreaterThanOrEqualTo',
          threshold,
          thresholdType,
          contactEmails: [...monitoring.alarmEmails],
          contactGroups: [this.actionGroup.id],
        })),
      ),
    });
  }

  /**
   * Sends a resource's logs and metrics to the workspace.
   * @param categories log categories; `undefined` sends the `allLogs` category group.
   */
  sendDiagnostics(
    scope: Construct,
    id: string,
    targetResourceId: string,
    categories?: readonly string[],
  ): MonitorDiagnosticSetting {
    return new MonitorDiagnosticSetting(scope, id, {
      name: 'to-log-analytics',
      targetResourceId,
      logAnalyticsWorkspaceId: this.workspace.id,
      // Resource-specific tables are cheaper to query and retain than AzureDiagnostics.
      logAnalyticsDestinationType: 'Dedicated',
      enabledLog: categories ? categories.map((category) => ({ category })) : [{ categoryGroup: 'allLogs' }],
      enabledMetric: [{ category: 'AllMetrics' }],
    });
  }
}

/** The API alarm thresholds, the same on both clouds (`DEFAULT_API_ALARMS`). */
export interface ApiAlarmThresholds {
  /** Percent of requests answered with a 5xx over 5 minutes. */
  readonly errorRatePercent: number;
  /** 99th percentile of the gateway's end-to-end latency over 5 minutes, milliseconds. */
  readonly latencyP99Ms: number;
  /** Consecutive 5-minute periods before an alarm fires. */
  readonly evaluationPeriods: number;
}

/** A GPU node pool, for the "pool at max" alert. */
export interface PoolAlarm {
  /** The configured pool name. */
  readonly name: string;
  /** The AKS node pool name (the `agentpool` label). */
  readonly nodePoolName: string;
  readonly maxNodes: number;
}

export interface PlatformAlertsProps {
  readonly names: PlatformNames;
  readonly location: string;
  readonly resourceGroupName: string;
  readonly actionGroupId: string;
  /** The Log Analytics workspace the log alerts query. */
  readonly workspaceId: string;
  readonly clusterId: string;
  readonly clusterName: string;
  readonly gpuPools: readonly PoolAlarm[];
  /** The API Management API id (`ApiId`) of each model, by model name. */
  readonly modelApis: Readonly<Record<string, string>>;
  readonly apiThresholds: ApiAlarmThresholds;
  /**
   * What the log alerts need before they can be created: the diagnostic setting that creates the
   * `ApiManagementGatewayLogs` table (a query over a missing table fails validation).
   * @default - none
   */
  readonly logsReady?: readonly ITerraformDependable[];
}

/** The log alert name of a model's API alarm: the canary's rollback signal, which the workflow watches. */
export function modelAlertName(names: PlatformNames, model: string, signal: 'errors' | 'latency'): string {
  return names.azure('alert', `model-${model}-${signal}`);
}

/**
 * The two API signals over one 5-minute window of the gateway logs, as a log query (metric alerts
 * cannot divide one count by another): the share of requests answered with a 5xx, percent, and
 * the 99th percentile of the end-to-end time, ms. Table and columns:
 * https://learn.microsoft.com/azure/api-management/gateway-log-schema-reference
 */
export function apiSignalQuery(apiIds: readonly string[], signal: 'errors' | 'latency'): string {
  const ids = apiIds.map((id) => `'${id}'`).join(', ');
  return [
    'ApiManagementGatewayLogs',
    `| where ApiId in (${ids})`,
    signal === 'errors'
      ? '| summarize total = count(), failed = countif(ResponseCode >= 500)\n| extend value = iff(total == 0, 0.0, 100.0 * failed / total)'
      : '| summarize value = percentile(TotalTime, 99)',
  ].join('\n');
}

/**
 * Alerts of the platform, every one routed to the action group: AKS nodes not ready, each GPU pool
 * at its maximum size, and the API alarms on the same two signals as AWS (5xx share and p99
 * latency over 5-minute windows), for the whole API and per model. AKS platform metrics:
 * https://learn.microsoft.com/azure/aks/monitor-aks-reference#metrics
 */
export class PlatformAlerts extends Construct {
  public readonly alerts: MonitorMetricAlert[] = [];
  /** Log alerts: GPU pools at max, API and per-model error rate and latency. */
  public readonly logAlerts: MonitorScheduledQueryRulesAlertV2[] = [];
  /** The per-model alerts, by model name: the rollback signal of a release. */
  public readonly modelAlerts: Readonly<Record<string, readonly MonitorScheduledQueryRulesAlertV2[]>>;

  constructor(scope: Construct, id: string, props: PlatformAlertsProps) {
    super(scope, id);
    const { names } = props;
    const rg = props.resourceGroupName;
    const created = new MonitorMetricAlert(this, 'aks-nodes-not-ready', {
      name: names.azure('alert', 'aks-nodes-not-ready'),
      resourceGroupName: rg,
      scopes: [props.clusterId],
      description: 'AKS has nodes that are not ready',
      severity: 2,
      frequency: 'PT1M',
      windowSize: 'PT5M',
      criteria: [
        {
          metricNamespace: 'Microsoft.ContainerService/managedClusters',
          metricName: 'kube_node_status_condition',
          aggregation: 'Average',
          operator: 'GreaterThan',
          threshold: 0,
          dimension: [
            { name: 'condition', operator: 'Include', values: ['Ready'] },
            { name: 'status2', operator: 'Include', values: ['NotReady'] },
          ],
        },
      ],
      action: [{ actionGroupId: props.actionGroupId }],
    });
    this.alerts.push(created);

    const logAlert = (
      aid: string,
      name: string,
      description: string,
      query: string,
      threshold: number,
      periods: number,
      dependsOn: readonly ITerraformDependable[] = [],
    ) => {
      const alert = new MonitorScheduledQueryRulesAlertV2(this, aid, {
        name,
        resourceGroupName: rg,
        location: props.location,
        description,
        scopes: [props.workspaceId],
        severity: 2,
        evaluationFrequency: 'PT5M',
        windowDuration: 'PT5M',
        criteria: [
          {
            query,
            metricMeasureColumn: 'value',
            timeAggregationMethod: 'Maximum',
            operator: 'GreaterThanOrEqual',
            threshold,
            failingPeriods: {
              numberOfEvaluationPeriods: periods,
              minimumFailingPeriodsToTriggerAlert: periods,
            },
          },
        ],
        autoMitigationEnabled: true,
        action: { actionGroups: [props.actionGroupId] },
        dependsOn: dependsOn.length > 0 ? [...dependsOn] : undefined,
      });
      this.logAlerts.push(alert);
      return alert;
    };

    // "Pool at max" counts nodes per pool from Container Insights: platform metrics carry no node
    // pool dimension, so a metric alert cannot count a pool's nodes.
    for (const pool of props.gpuPools) {
      const query = [
        'KubeNodeInventory',
        `| where ClusterName == '${props.clusterName}'`,
        `| where Labels has '"agentpool":"${pool.nodePoolName}"'`,
        '| summarize value = dcount(Computer)',
      ].join('\n');
      logAlert(
        `gpu-${pool.name}-at-max`,
        names.azure('alert', `gpu-${pool.name}-at-max`),
        `GPU pool ${pool.name} is at its maximum of ${pool.maxNodes} node${pool.maxNodes === 1 ? '' : 's'}`,
        query,
        pool.maxNodes,
        3,
      );
    }

    const t = props.apiThresholds;
    const logsReady = props.logsReady ?? [];
    const apiIds = Object.values(props.modelApis);
    if (apiIds.length > 0) {
      logAlert(
        'api-errors',
        names.azure('alert', 'api-errors'),
        `Model API: ${t.errorRatePercent}% or more of requests answered with a 5xx over 5 minutes`,
        apiSignalQuery(apiIds, 'errors'),
        t.errorRatePercent,
        t.evaluationPeriods,
        logsReady,
      );
      logAlert(
        'api-latency',
        names.azure('alert', 'api-latency'),
        `Model API: p99 latency at or above ${t.latencyP99Ms} ms over 5 minutes`,
        apiSignalQuery(apiIds, 'latency'),
        t.latencyP99Ms,
        t.evaluationPeriods,
        logsReady,
      );
    }
    const modelAlerts: Record<string, MonitorScheduledQueryRulesAlertV2[]> = {};
    for (const [model, apiId] of Object.entries(props.modelApis)) {
      modelAlerts[model] = [
        logAlert(
          `model-${model}-errors`,
          modelAlertName(names, model, 'errors'),
          `Model ${model}: ${t.errorRatePercent}% or more of requests answered with a 5xx over 5 minutes`,
          apiSignalQuery([apiId], 'errors'),
          t.errorRatePercent,
          t.evaluationPeriods,
          logsReady,
        ),
        logAlert(
          `model-${model}-latency`,
          modelAlertName(names, model, 'latency'),
          `Model ${model}: p99 latency at or above ${t.latencyP99Ms} ms over 5 minutes`,
          apiSignalQuery([apiId], 'latency'),
          t.latencyP99Ms,
          t.evaluationPeriods,
          logsReady,
        ),
      ];
    }
    this.modelAlerts = modelAlerts;
  }
}
