import { createHash } from 'node:crypto';
import { ApplicationInsightsWorkbook } from '@cdktf/provider-azurerm/lib/application-insights-workbook';
import { CostAnomalyAlert } from '@cdktf/provider-azurerm/lib/cost-anomaly-alert';
import { EventgridTopic } from '@cdktf/provider-azurerm/lib/eventgrid-topic';
import { MonitorDataCollectionEndpoint } from '@cdktf/provider-azurerm/lib/monitor-data-collection-endpoint';
import { MonitorDataCollectionRule } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule';
import { MonitorDataCollectionRuleAssociation } from '@cdktf/provider-azurerm/lib/monitor-data-collection-rule-association';
import {
  MonitorMetricAlert,
  type MonitorMetricAlertCriteriaDimension,
} from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import { MonitorScheduledQueryRulesAlertV2 } from '@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2';
import { MonitorWorkspace } from '@cdktf/provider-azurerm/lib/monitor-workspace';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { StorageManagementPolicyRule } from '@cdktf/provider-azurerm/lib/storage-management-policy';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import {
  CAPTURE_PREFIX,
  CAPTURE_ZONE,
  type DataZone,
  DEFAULT_CAPTURE_RETENTION_DAYS,
  MODEL_METRIC_DIMENSIONS as DIM,
  MODEL_METRICS,
  MODEL_METRICS_NAMESPACE,
  type ModelEndpointConfig,
  type PlatformNames,
  SERVING_NAMESPACE,
} from '../config';
import { batchJobName, driftJobName, JOB_DEFAULTS } from '../kubernetes';
import type { Monitoring } from './monitoring';
import type { Network } from './network';
import { privateEndpoint } from './private-endpoint';

/**
 * Kubernetes events that mean a scheduled run did not succeed, as the job and CronJob controllers
 * record them (Warning events, which Container Insights collects into `KubeEvents`):
 * a Job out of retries (`BackoffLimitExceeded`), past `activeDeadlineSeconds` (`DeadlineExceeded`,
 * the timeout), or a CronJob that missed its start window or could not create its Job.
 */
export const RUN_FAILURE_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'MissSchedule', 'FailedCreate'];

/**
 * Evaluation of the alerts on the agent's metrics. A run publishes one datapoint; a 1-hour window
 * evaluated every 15 minutes sees it four times, so ingestion delay cannot hide it, and the alert
 * resolves on its own an hour later. Metric alert windows:
 * https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-overview
 */
export const RUN_ALERT_TIMING = { frequency: 'PT15M', windowSize: 'PT1H' } as const;

/** The stack output with the drift events endpoint. */
export const EVENTS_ENDPOINT_OUTPUT = 'model_events_endpoint';

/** Names of the data sources and destinations inside the data collection rules. */
const CONTAINER_INSIGHTS_STREAM = 'Microsoft-ContainerInsights-Group-Default';
const PROMETHEUS_STREAM = 'Microsoft-PrometheusMetrics';

/** A GPU pool on the dashboards: its nodes (the `agentpool` label) and their hourly list price. */
export interface GpuPoolCost {
  /** The configured pool name. */
  readonly name: string;
  /** The AKS node pool name. */
  readonly nodePoolName: string;
  /**
   * On-demand list price of one node, USD per hour (lib/report/prices.ts).
   * @default - the dashboard shows node hours only
   */
  readonly hourlyUsd?: number;
}

export interface OperationsProps {
  readonly names: PlatformNames;
  readonly environmentName: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The subscription the cost anomaly alert watches. */
  readonly subscriptionId: string;
  readonly models: readonly ModelEndpointConfig[];
  readonly clusterId: string;
  readonly clusterName: string;
  /** Principal id of the serving identity, which the agents' batch and drift runs use. */
  readonly servingPrincipalId: string;
  /** Resource ids of the data zones' containers. */
  readonly containerIds: Readonly<Partial<Record<DataZone, string>>>;
  /** Receives the capture expiry rules: the storage account's one lifecycle policy. */
  readonly lifecycle: { addLifecycleRule(rule: StorageManagementPolicyRule): void };
  readonly gpuPools: readonly GpuPoolCost[];
  /** The API Management API id of each model (the gateway logs' `ApiId`). */
  readonly modelApis: Readonly<Record<string, string>>;
  /** Who gets the cost anomaly e-mails (alerts go to the action group). */
  readonly alarmEmails: readonly string[];
  readonly network: Network;
  readonly monitoring: Monitoring;
}

/**
 * The cloud side of model operations on Azure (docs/operations-azure.md):
 *
 * - **events**: the Event Grid custom topic the drift jobs publish "drift detected" to (CloudEvents
 *   1.0 input schema, private endpoint, Entra ID only), EventGrid Data Sender for the serving
 *   identity; a retraining pipeline subscribes to it;
 * - **batch**: the serving identity reads each job's input zone and writes its output zone (the
 *   data lake is encrypted with the vault's storage key); a failed run (`BatchRunFailed`), a timed
 *   out, exhausted or missed run (Kubernetes events) alerts the on-call action group;
 * - **capture**: captured requests expire after the model's `capture.retentionDays`;
 * - **drift**: per model and feature, PSI and KS at the model's thresholds, and the outlier rate;
 *   a drift job that fails alerts too;
 * - **MELT**: Container Insights' data collection rule (Kubernetes events, pod inventory,
 *   ContainerLogV2), Azure Managed Prometheus (monitor workspace, data collection endpoint and rule)
 *   for GPU (DCGM) metrics, trace ingestion into Application Insights for the serving identity, and
 *   one workbook per model;
 * - **cost**: a cost anomaly alert on the subscription.
 */
export class Operations extends Construct {
  public readonly eventsTopic: EventgridTopic;
  /** `https://<topic>.<region>-1.eventgrid.azure.net/api/events`: the release's `eventsEndpoint`. */
  public readonly eventsEndpoint: string;
  public readonly monitorWorkspace: MonitorWorkspace;
  public readonly containerInsightsRule: MonitorDataCollectionRule;
  public readonly prometheusRule: MonitorDataCollectionRule;
  public readonly costAnomalyAlert: CostAnomalyAlert;
  /** Alerts on the agent's metrics, by `<model>/<signal>` (`batch-<job>`, `psi`, `ks`, `outliers`). */
  public readonly metricAlerts: Readonly<Record<string, MonitorMetricAlert>>;
  /** Alerts on Kubernetes events of the scheduled runs, by `<model>/<job>` (`<model>/drift` for drift). */
  public readonly runAlerts: Readonly<Record<string, MonitorScheduledQueryRulesAlertV2>>;
  /** One workbook per model, by model name. */
  public readonly dashboards: Readonly<Record<string, ApplicationInsightsWorkbook>>;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const { names, location, network, monitoring } = props;
    const rg = props.resourceGroupName;
    const grant = (gid: string, scopeId: string, role: string) =>
      new RoleAssignment(this, gid, {
        scope: scopeId,
        roleDefinitionName: role,
        principalId: props.servingPrincipalId,
        principalType: 'ServicePrincipal',
      });

    // ---- Events --------------------------------------------------------------------------
    // Event Grid keeps an event at most 24 hours for delivery, encrypted with Microsoft-managed
    // keys; topics have no customer-managed key option.
    this.eventsTopic = new EventgridTopic(this, 'events-topic', {
      name: names.azure('evgt'),
      location,
      resourceGroupName: rg,
      // The agent posts CloudEvents 1.0 in structured mode (workloads/model-agent/src/publish.ts).
      inputSchema: 'CloudEventSchemaV1_0',
      localAuthEnabled: false,
      publicNetworkAccessEnabled: false,
    });
    this.eventsEndpoint = this.eventsTopic.endpoint;
    privateEndpoint(this, 'events-private-endpoint', {
      network,
      names,
      location,
      resourceGroupName: rg,
      purpose: 'evgt',
      targetId: this.eventsTopic.id,
      subresource: 'topic',
      dnsZones: ['eventGrid'],
    });
    grant('events-sender', this.eventsTopic.id, 'EventGrid Data Sender');
    monitoring.sendDiagnostics(this, 'events-diagnostics', this.eventsTopic.id);
    new TerraformOutput(this, 'events-endpoint', {
      value: this.eventsEndpoint,
      description: 'Event Grid endpoint of the drift events (bin/serving.ts --events-endpoint)',
    }).overrideLogicalId(EVENTS_ENDPOINT_OUTPUT);

    // ---- Batch data access ---------------------------------------------------------------
    // Serving already reads `models` and writes the capture zone; batch jobs need their own zones.
    const readZones = new Set<DataZone>();
    const writeZones = new Set<DataZone>();
    for (const m of props.models) {
      for (const job of m.batch ?? []) {
        readZones.add(zoneOf(job.input));
        writeZones.add(zoneOf(job.output));
      }
    }
    for (const zone of [...writeZones].sort()) {
      const container = props.containerIds[zone];
      if (container && zone !== CAPTURE_ZONE) grant(`batch-writer-${zone}`, container, 'Storage Blob Data Contributor');
    }
    for (const zone of [...readZones].sort()) {
      const container = props.containerIds[zone];
      if (container && zone !== CAPTURE_ZONE && zone !== 'models' && !writeZones.has(zone)) {
        grant(`batch-reader-${zone}`, container, 'Storage Blob Data Reader');
      }
    }

    // ---- Capture lifecycle -----------------------------------------------------------------
    props.models.forEach((m, i) => {
      if (!m.capture) return;
      props.lifecycle.addLifecycleRule({
        // Rule names are alphanumeric: https://learn.microsoft.com/azure/storage/blobs/lifecycle-management-overview#lifecycle-management-rule-definition
        name: `capture${i}${m.name.replace(/[^a-z0-9]/g, '')}`,
        enabled: true,
        filters: { blobTypes: ['blockBlob'], prefixMatch: [capturePrefix(m.name)] },
        actions: {
          baseBlob: {
            deleteAfterDaysSinceModificationGreaterThan: m.capture.retentionDays ?? DEFAULT_CAPTURE_RETENTION_DAYS,
          },
        },
      });
    });

    // ---- Logs: Container Insights with managed identity --------------------------------------
    // With `msi_auth_for_monitoring_enabled`, the add-on sends what a data collection rule
    // associated with the cluster asks for; without one, KubeEvents and the inventories stay empty.
    // https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable
    this.containerInsightsRule = new MonitorDataCollectionRule(this, 'container-insights-rule', {
      name: names.azure('dcr', 'container-insights'),
      location,
      resourceGroupName: rg,
      description: 'Container Insights: Kubernetes events, inventories, ContainerLogV2 and performance',
      destinations: { logAnalytics: [{ name: 'workspace', workspaceResourceId: monitoring.workspace.id }] },
      dataFlow: [{ streams: [CONTAINER_INSIGHTS_STREAM], destinations: ['workspace'] }],
      dataSources: {
        extension: [
          {
            name: 'ContainerInsightsExtension',
            extensionName: 'ContainerInsights',
            streams: [CONTAINER_INSIGHTS_STREAM],
            extensionJson: JSON.stringify({
              dataCollectionSettings: { interval: '1m', namespaceFilteringMode: 'Off', enableContainerLogV2: true },
            }),
          },
        ],
      },
    });
    const containerInsights = new MonitorDataCollectionRuleAssociation(this, 'container-insights-association', {
      name: 'ContainerInsightsExtension',
      targetResourceId: props.clusterId,
      dataCollectionRuleId: this.containerInsightsRule.id,
    });

    // ---- GPU and cluster metrics: Azure Managed Prometheus ------------------------------------
    // The ama-metrics add-on (`monitor_metrics` on the cluster) scrapes, the endpoint and rule
    // route the samples to the monitor workspace:
    // https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable?tabs=terraform
    this.monitorWorkspace = new MonitorWorkspace(this, 'monitor-workspace', {
      name: names.azure('amw'),
      location,
      resourceGroupName: rg,
    });
    const collectionEndpoint = new MonitorDataCollectionEndpoint(this, 'prometheus-endpoint', {
      name: names.azure('dce', 'prometheus'),
      location,
      resourceGroupName: rg,
      kind: 'Linux',
    });
    this.prometheusRule = new MonitorDataCollectionRule(this, 'prometheus-rule', {
      name: names.azure('dcr', 'prometheus'),
      location,
      resourceGroupName: rg,
      kind: 'Linux',
      description: 'Azure Managed Prometheus: cluster, node and DCGM exporter metrics',
      dataCollectionEndpointId: collectionEndpoint.id,
      destinations: { monitorAccount: [{ name: 'monitor-workspace', monitorAccountId: this.monitorWorkspace.id }] },
      dataFlow: [{ streams: [PROMETHEUS_STREAM], destinations: ['monitor-workspace'] }],
      dataSources: { prometheusForwarder: [{ name: 'PrometheusDataSource', streams: [PROMETHEUS_STREAM] }] },
    });
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-association', {
      name: 'prometheus',
      targetResourceId: props.clusterId,
      dataCollectionRuleId: this.prometheusRule.id,
    });
    // The add-on reads its configuration through the endpoint: the association must have this name.
    new MonitorDataCollectionRuleAssociation(this, 'prometheus-endpoint-association', {
      name: 'configurationAccessEndpoint',
      targetResourceId: props.clusterId,
      dataCollectionEndpointId: collectionEndpoint.id,
    });

    // ---- Traces --------------------------------------------------------------------------
    // Application Insights has local authentication off: OpenTelemetry exporters send with an
    // Entra token, which needs Monitoring Metrics Publisher on the component:
    // https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
    grant('traces-publisher', monitoring.applicationInsights.id, 'Monitoring Metrics Publisher');

    // ---- Alerts --------------------------------------------------------------------------
    const actionGroupId = monitoring.actionGroup.id;
    const metricAlerts: Record<string, MonitorMetricAlert> = {};
    const metricAlert = (
      key: string,
      signal: string,
      description: string,
      criteria: {
        readonly metric: string;
        readonly aggregation: 'Maximum' | 'Total';
        readonly threshold: number;
        readonly operator: 'GreaterThan' | 'GreaterThanOrEqual';
        readonly dimension: MonitorMetricAlertCriteriaDimension[];
      },
    ) => {
      metricAlerts[key] = new MonitorMetricAlert(this, `alert-${key.replace('/', '-')}`, {
        name: names.azure('alert', signal),
        resourceGroupName: rg,
        scopes: [props.clusterId],
        description,
        severity: 2,
        ...RUN_ALERT_TIMING,
        autoMitigate: true,
        criteria: [
          {
            metricNamespace: MODEL_METRICS_NAMESPACE,
            metricName: criteria.metric,
            aggregation: criteria.aggregation,
            operator: criteria.operator,
            threshold: criteria.threshold,
            dimension: criteria.dimension,
            // The agent's custom metrics exist only after a first run has published them.
            skipMetricValidation: true,
          },
        ],
        action: [{ actionGroupId }],
      });
    };
    const runAlerts: Record<string, MonitorScheduledQueryRulesAlertV2> = {};
    const runAlert = (key: string, cronJob: string, description: string) => {
      runAlerts[key] = new MonitorScheduledQueryRulesAlertV2(this, `alert-run-${key.replace('/', '-')}`, {
        name: names.azure('alert', `run-${cronJob}`),
        resourceGroupName: rg,
        location,
        description,
        scopes: [monitoring.workspace.id],
        severity: 2,
        evaluationFrequency: 'PT5M',
        windowDuration: 'PT15M',
        criteria: [
          {
            query: runFailureQuery(props.clusterName, cronJob),
            metricMeasureColumn: 'value',
            timeAggregationMethod: 'Maximum',
            operator: 'GreaterThanOrEqual',
            threshold: 1,
            failingPeriods: { numberOfEvaluationPeriods: 1, minimumFailingPeriodsToTriggerAlert: 1 },
          },
        ],
        autoMitigationEnabled: true,
        // KubeEvents fills once Container Insights collects; the rule must exist before that.
        skipQueryValidation: true,
        action: { actionGroups: [actionGroupId] },
        dependsOn: [containerInsights],
      });
    };
    const environment = { name: DIM.environment, operator: 'Include', values: [props.environmentName] };
    for (const m of props.models) {
      const model = { name: DIM.model, operator: 'Include', values: [m.name] };
      for (const job of m.batch ?? []) {
        const cronJob = batchJobName(m.name, job.name);
        metricAlert(
          `${m.name}/batch-${job.name}`,
          `${cronJob}-failed`,
          `Batch job ${job.name} of ${m.name}: a run failed`,
          {
            metric: MODEL_METRICS.batchRunFailed,
            aggregation: 'Total',
            operator: 'GreaterThan',
            threshold: 0,
            dimension: [environment, model, { name: DIM.job, operator: 'Include', values: [job.name] }],
          },
        );
        runAlert(
          `${m.name}/${job.name}`,
          cronJob,
          `Batch job ${job.name} of ${m.name}: a run failed, timed out (${job.timeoutMinutes} min) or missed its schedule`,
        );
      }
      const drift = m.drift;
      if (!drift) continue;
      const psi = drift.psiThreshold ?? JOB_DEFAULTS.psiThreshold;
      const ks = drift.ksThreshold ?? JOB_DEFAULTS.ksThreshold;
      const outliers = drift.outlierRatePercent ?? JOB_DEFAULTS.outlierRatePercent;
      // `*` on Feature evaluates every feature as its own series: one alert per drifted feature.
      const perFeature = [environment, model, { name: DIM.feature, operator: 'Include', values: ['*'] }];
      metricAlert(`${m.name}/psi`, `${m.name}-drift-psi`, `Model ${m.name}: a feature's PSI is ${psi} or more`, {
        metric: MODEL_METRICS.featurePsi,
        aggregation: 'Maximum',
        operator: 'GreaterThanOrEqual',
        threshold: psi,
        dimension: perFeature,
      });
      metricAlert(`${m.name}/ks`, `${m.name}-drift-ks`, `Model ${m.name}: a numeric feature's KS is ${ks} or more`, {
        metric: MODEL_METRICS.featureKs,
        aggregation: 'Maximum',
        operator: 'GreaterThanOrEqual',
        threshold: ks,
        dimension: perFeature,
      });
      metricAlert(
        `${m.name}/outliers`,
        `${m.name}-outliers`,
        `Model ${m.name}: ${outliers}% or more of the window's requests are outliers`,
        {
          metric: MODEL_METRICS.outlierRatePercent,
          aggregation: 'Maximum',
          operator: 'GreaterThanOrEqual',
          threshold: outliers,
          dimension: [environment, model],
        },
      );
      runAlert(`${m.name}/drift`, driftJobName(m.name), `Drift job of ${m.name}: a run failed or missed its schedule`);
    }
    this.metricAlerts = metricAlerts;
    this.runAlerts = runAlerts;

    // ---- Dashboards ------------------------------------------------------------------------
    const dashboards: Record<string, ApplicationInsightsWorkbook> = {};
    for (const m of props.models) {
      const pool = props.gpuPools.find((p) => p.name === m.gpuPool);
      dashboards[m.name] = new ApplicationInsightsWorkbook(this, `dashboard-${m.name}`, {
        name: workbookId(props.environmentName, m.name),
        displayName: `MLOps ${props.environmentName}: ${m.name}`,
        description: `Requests, errors, latency, replicas, GPU, drift, outliers, batch runs and GPU spend of ${m.name}`,
        location,
        resourceGroupName: rg,
        category: 'workbook',
        sourceId: 'azure monitor',
        dataJson: JSON.stringify(
          modelWorkbook({
            environmentName: props.environmentName,
            model: m,
            apiId: props.modelApis[m.name] ?? '',
            workspaceId: monitoring.workspace.id,
            monitorWorkspaceId: this.monitorWorkspace.id,
            clusterId: props.clusterId,
            clusterName: props.clusterName,
            gpuPool: pool,
          }),
        ),
      });
    }
    this.dashboards = dashboards;

    // ---- Cost ------------------------------------------------------------------------------
    // Cost Management's daily anomaly detection over the subscription, mailed to the on-call
    // recipients (it has no action group target):
    // https://learn.microsoft.com/azure/cost-management-billing/understand/analyze-unexpected-charges
    this.costAnomalyAlert = new CostAnomalyAlert(this, 'cost-anomaly-alert', {
      name: names.azure('costanomaly'),
      displayName: `MLOps ${props.environmentName}: cost anomaly`,
      subscriptionId: `/subscriptions/${props.subscriptionId}`,
      emailSubject: `MLOps ${props.environmentName}: unexpected cost`.slice(0, 70),
      emailAddresses: [...props.alarmEmails],
      message: `Cost Management found an anomaly in the subscription of ${props.environmentName}; GPU pool spend is on the model workbooks.`,
    });
  }
}

/** The data zone of a `<zone>/<prefix>` path. */
function zoneOf(path: string): DataZone {
  return path.split('/')[0] as DataZone;
}

/** `<capture zone>/<CAPTURE_PREFIX>/<model>/`: the lifecycle prefix of a model's captures. */
export function capturePrefix(model: string): string {
  return `${CAPTURE_ZONE}/${CAPTURE_PREFIX}/${model}/`;
}

/**
 * Kubernetes events of a CronJob's runs that mean a run did not succeed: its Jobs are
 * `<cronjob>-<n>` (scheduled) or `<cronjob>-manual-<n>` (docs/operations-azure.md). KubeEvents:
 * https://learn.microsoft.com/azure/azure-monitor/reference/tables/kubeevents
 */
export function runFailureQuery(clusterName: string, cronJob: string): string {
  const reasons = RUN_FAILURE_REASONS.map((r) => `'${r}'`).join(', ');
  return [
    'KubeEvents',
    `| where ClusterName == '${clusterName}' and Namespace == '${SERVING_NAMESPACE}'`,
    `| where Reason in (${reasons})`,
    `| where (ObjectKind == 'CronJob' and Name == '${cronJob}') or (ObjectKind == 'Job' and Name matches regex '^${cronJob}-(manual-)?[0-9]+$')`,
    '| summarize value = count()',
  ].join('\n');
}

/** A workbook's name is a GUID; this one is derived from the environment and model, so it is stable. */
export function workbookId(environmentName: string, model: string): string {
  const hex = createHash('sha256').update(`mlops/${environmentName}/${model}`).digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface ModelWorkbookInput {
  readonly environmentName: string;
  readonly model: ModelEndpointConfig;
  /** The model's API Management API id (`ApiId` in the gateway logs). */
  readonly apiId: string;
  readonly workspaceId: string;
  readonly monitorWorkspaceId: string;
  readonly clusterId: string;
  readonly clusterName: string;
  /** The model's GPU pool, when it has one. */
  readonly gpuPool?: GpuPoolCost;
}

type WorkbookItem = Record<string, unknown>;

/**
 * One model's workbook (Azure Monitor Workbooks, `Notebook/1.0`): gateway requests, errors and
 * p50/p99 latency (API Management gateway logs), ready replicas per slot (Container Insights), GPU
 * utilisation and memory (DCGM exporter in Managed Prometheus), drift score per feature and outlier
 * rate, batch runs (the agent's custom metrics), and the GPU pool's node hours and list-price spend.
 */
export function modelWorkbook(input: ModelWorkbookInput): Record<string, unknown> {
  const { model: m, workspaceId, clusterId } = input;
  const logs = (name: string, title: string, query: string, visualization = 'timechart'): WorkbookItem => ({
    type: 3,
    name,
    content: {
      version: 'KqlItem/1.0',
      title,
      query,
      size: 0,
      timeContextFromParameter: 'TimeRange',
      queryType: 0,
      resourceType: 'microsoft.operationalinsights/workspaces',
      crossComponentResources: [workspaceId],
      visualization,
    },
    customWidth: '50',
  });
  const prometheus = (name: string, title: string, query: string): WorkbookItem => ({
    type: 3,
    name,
    content: {
      version: 'KqlItem/1.0',
      title,
      query: JSON.stringify({
        version: 'PrometheusQueryProvider/1.0',
        customEndpoint: false,
        queryText: query,
        type: 'query_range',
      }),
      size: 0,
      timeContextFromParameter: 'TimeRange',
      queryType: 16,
      resourceType: 'microsoft.monitor/accounts',
      crossComponentResources: [input.monitorWorkspaceId],
      visualization: 'timechart',
    },
    customWidth: '50',
  });
  const metric = (name: string, title: string, metricName: string, aggregation: number, splitBy?: string) => ({
    type: 10,
    name,
    content: {
      chartId: `mlops-${name}`,
      version: 'MetricsItem/2.0',
      title,
      size: 0,
      chartType: 2,
      resourceType: 'microsoft.containerservice/managedclusters',
      metricScope: 0,
      resourceIds: [clusterId],
      timeContextFromParameter: 'TimeRange',
      metrics: [
        {
          namespace: MODEL_METRICS_NAMESPACE,
          metric: `${MODEL_METRICS_NAMESPACE}--${metricName}`,
          aggregation,
          ...(splitBy ? { splitBy } : {}),
        },
      ],
      filters: [
        { key: DIM.environment, operator: 0, values: [input.environmentName] },
        { key: DIM.model, operator: 0, values: [m.name] },
      ],
    },
    customWidth: '50',
  });
  // Metrics item aggregations: 1 Total (sum), 3 Maximum.
  const SUM = 1;
  const MAX = 3;
  const gateway = `ApiManagementGatewayLogs\n| where ApiId == '${input.apiId}'`;
  const pods = `'${SERVING_NAMESPACE}'`;
  const gpuSelector = `exported_namespace="${SERVING_NAMESPACE}",exported_pod=~"${m.name}-(blue|green)-.*"`;
  const items: WorkbookItem[] = [
    {
      type: 1,
      name: 'title',
      content: {
        json: `# ${m.name} on ${input.environmentName}\nThe model's four signals. Alerts go to the on-call action group; see docs/operations-azure.md.`,
      },
    },
    {
      type: 9,
      name: 'parameters',
      content: {
        version: 'KqlParameterItem/1.0',
        parameters: [
          {
            id: 'time-range',
            version: 'KqlParameterItem/1.0',
            name: 'TimeRange',
            type: 4,
            isRequired: true,
            value: { durationMs: 86_400_000 },
            typeSettings: {
              selectableValues: [{ durationMs: 3_600_000 }, { durationMs: 86_400_000 }, { durationMs: 604_800_000 }],
            },
          },
        ],
      },
    },
    logs(
      'requests',
      'Requests and 5xx errors (gateway)',
      `${gateway}\n| summarize requests = count(), errors = countif(ResponseCode >= 500) by bin(TimeGenerated, 5m)`,
    ),
    logs(
      'latency',
      'Latency p50 and p99, ms (gateway end to end)',
      `${gateway}\n| summarize p50 = percentile(TotalTime, 50), p99 = percentile(TotalTime, 99) by bin(TimeGenerated, 5m)`,
    ),
    logs(
      'replicas',
      'Running replicas per slot',
      [
        'KubePodInventory',
        `| where ClusterName == '${input.clusterName}' and Namespace == ${pods} and PodStatus == 'Running'`,
        `| where ControllerKind == 'ReplicaSet' and ControllerName matches regex '^${m.name}-(blue|green)-'`,
        `| extend slot = extract('^${m.name}-(blue|green)-', 1, ControllerName)`,
        '| summarize replicas = dcount(Name) by bin(TimeGenerated, 5m), slot',
      ].join('\n'),
    ),
    prometheus('gpu-utilisation', 'GPU utilisation, %', `avg by (exported_pod) (DCGM_FI_DEV_GPU_UTIL{${gpuSelector}})`),
    prometheus('gpu-memory', 'GPU memory used, MiB', `sum by (exported_pod) (DCGM_FI_DEV_FB_USED{${gpuSelector}})`),
    metric('drift', 'Drift score: PSI per feature', MODEL_METRICS.featurePsi, MAX, DIM.feature),
    metric('outliers', 'Outlier rate, %', MODEL_METRICS.outlierRatePercent, MAX),
    metric('batch-succeeded', 'Batch runs succeeded, per job', MODEL_METRICS.batchRunSucceeded, SUM, DIM.job),
    metric('batch-failed', 'Batch runs failed, per job', MODEL_METRICS.batchRunFailed, SUM, DIM.job),
  ];
  const pool = input.gpuPool;
  if (pool) {
    const price = pool.hourlyUsd;
    items.push(
      logs(
        'gpu-spend',
        price === undefined
          ? `GPU pool ${pool.name}: node hours`
          : `GPU pool ${pool.name}: node hours and spend at the on-demand list price (${price} USD/h; spot is less)`,
        [
          'KubeNodeInventory',
          `| where ClusterName == '${input.clusterName}' and Labels has '"agentpool":"${pool.nodePoolName}"'`,
          '| summarize nodes = dcount(Computer) by bin(TimeGenerated, 1h)',
          price === undefined
            ? '| project TimeGenerated, nodeHours = nodes'
            : `| project TimeGenerated, nodeHours = nodes, usd = nodes * ${price}`,
        ].join('\n'),
        'barchart',
      ),
    );
  }
  return { version: 'Notebook/1.0', items, fallbackResourceIds: [workspaceId], isLocked: false };
}
