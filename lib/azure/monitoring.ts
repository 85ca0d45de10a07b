import type { ApiManagement } from '@cdktf/provider-azurerm/lib/api-management';
import { ApplicationInsights } from '@cdktf/provider-azurerm/lib/application-insights';
import { ConsumptionBudgetResourceGroup } from '@cdktf/provider-azurerm/lib/consumption-budget-resource-group';
import type { KubernetesCluster } from '@cdktf/provider-azurerm/lib/kubernetes-cluster';
import type { KubernetesClusterNodePool } from '@cdktf/provider-azurerm/lib/kubernetes-cluster-node-pool';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorMetricAlert } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Construct } from 'constructs';
import type { AzureEnvironment, GpuPoolConfig, PlatformNames } from '../config';

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

export interface PlatformAlertsProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
  readonly monitoring: Monitoring;
  readonly cluster: KubernetesCluster;
  /** GPU node pools with their configuration, for the "pool at max" alerts. */
  readonly gpuPools: ReadonlyArray<{ readonly config: GpuPoolConfig; readonly nodePool: KubernetesClusterNodePool }>;
  readonly apiManagement: ApiManagement;
}

/**
 * Metric alerts of the platform, every one routed to the action group: AKS nodes not ready, each
 * GPU pool at its maximum size, API Management 5xx responses and latency. AKS platform metrics:
 * https://learn.microsoft.com/azure/aks/monitor-aks-reference#metrics
 */
export class PlatformAlerts extends Construct {
  public readonly alerts: MonitorMetricAlert[] = [];
  /** Log alerts over Container Insights data, one per GPU pool. */
  public readonly logAlerts: MonitorScheduledQueryRulesAlertV2[] = [];

  constructor(scope: Construct, id: string, props: PlatformAlertsProps) {
    super(scope, id);
    const { names, resourceGroup, monitoring, cluster, apiManagement } = props;
    const alert = (aid: string, description: string, scopeId: string, criteria: MonitorMetricAlertCriteriaLike) => {
      const created = new MonitorMetricAlert(this, aid, {
        name: names.azure('alert', aid),
        resourceGroupName: resourceGroup.name,
        scopes: [scopeId],
        description,
        severity: 2,
        frequency: 'PT1M',
        windowSize: 'PT5M',
        criteria: [criteria],
        action: [{ actionGroupId: monitoring.actionGroup.id }],
      });
      this.alerts.push(created);
      return created;
    };

    alert('aks-nodes-not-ready', 'AKS has nodes that are not ready', cluster.id, {
      metricNamespace: 'Microsoft.ContainerService/managedClusters',
      metricName: 'kube_node_status_condition',
      aggregation: 'Average',
      operator: 'GreaterThan',
      threshold: 0,
      dimension: [
        { name: 'condition', operator: 'Include', values: ['Ready'] },
        { name: 'status2', operator: 'Include', values: ['NotReady'] },
      ],
    });

    // "Pool at max" counts nodes per pool from Container Insights: platform metrics carry no node
    // pool dimension, so a metric alert cannot count a pool's nodes.
    for (const { config } of props.gpuPools) {
      const query = [
        'KubeNodeInventory',
        `| where ClusterName == '${names.aksCluster}'`,
        `| where Labels has '"agentpool":"${names.nodePool(config.name)}"'`,
        '| summarize nodes = dcount(Computer)',
      ].join('\n');
      this.logAlerts.push(
        new MonitorScheduledQueryRulesAlertV2(this, `gpu-${config.name}-at-max`, {
          name: names.azure('alert', `gpu-${config.name}-at-max`),
          resourceGroupName: resourceGroup.name,
          location: props.environment.target.location,
          description: `GPU pool ${config.name} is at its maximum of ${config.maxNodes} nodes`,
          scopes: [monitoring.workspace.id],
          severity: 2,
          evaluationFrequency: 'PT5M',
          windowDuration: 'PT15M',
          criteria: [
            {
              query,
              metricMeasureColumn: 'nodes',
              timeAggregationMethod: 'Maximum',
              operator: 'GreaterThanOrEqual',
              threshold: config.maxNodes,
            },
          ],
          action: { actionGroups: [monitoring.actionGroup.id] },
        }),
      );
    }

    alert('apim-5xx', 'API Management returns server errors (5xx)', apiManagement.id, {
      metricNamespace: 'Microsoft.ApiManagement/service',
      metricName: 'Requests',
      aggregation: 'Total',
      operator: 'GreaterThan',
      threshold: 10,
      dimension: [{ name: 'GatewayResponseCodeCategory', operator: 'Include', values: ['5xx'] }],
    });

    alert('apim-latency', 'API Management request duration is high (average over 5 minutes, ms)', apiManagement.id, {
      metricNamespace: 'Microsoft.ApiManagement/service',
      metricName: 'Duration',
      aggregation: 'Average',
      operator: 'GreaterThan',
      threshold: 2000,
    });
  }
}

type MonitorMetricAlertCriteriaLike = {
  readonly metricNamespace: string;
  readonly metricName: string;
  readonly aggregation: string;
  readonly operator: string;
  readonly threshold: number;
  readonly dimension?: Array<{ name: string; operator: string; values: string[] }>;
};
