/**
 * Azure: traces and GPU metrics inside the cluster.
 *
 * - **Traces.** An OpenTelemetry Collector (contrib distribution) in the serving namespace receives
 *   the serve agents' spans over OTLP/HTTP and exports them to Application Insights with the
 *   `azuremonitor` exporter. The component has local authentication off, so the exporter sends
 *   with an Entra token: the `azure_auth` extension gets it through AKS workload identity as the
 *   serving identity, which holds Monitoring Metrics Publisher on the component
 *   (lib/azure/operations.ts). https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
 * - **GPU metrics.** The NVIDIA DCGM exporter as a DaemonSet on the GPU pools, and a `PodMonitor`
 *   (`azmonitoring.coreos.com/v1`) that the ama-metrics add-on (Azure Managed Prometheus) reads to
 *   scrape it. The exporter labels each GPU's series with the pod using it (`pod`, `namespace`);
 *   the scrape adds the exporter pod's own `pod` and `namespace` target labels, so Prometheus keeps
 *   the GPU user's as `exported_pod` and `exported_namespace`, which the model workbooks select by.
 *   https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd
 */
import { createHash } from 'node:crypto';
import { ApiObject, type Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-33/lib/imports/k8s';
import { GPU_TOLERATION, type GpuPoolConfig, POOL_LABEL, SERVING_NAMESPACE, SERVING_SERVICE_ACCOUNT } from '../config';
import {
  COLLECTOR_HEALTH_PORT,
  COLLECTOR_NAME,
  commonLabels,
  DCGM_EXPORTER_NAME,
  DCGM_EXPORTER_PORT,
  GPU_METRICS_NAMESPACE,
  OTLP_HTTP_PORT,
  WORKLOAD_IDENTITY_USE_LABEL,
} from './names';
import { disruptionBudget, POD_SECURITY, RESTRICTED_CONTAINER, resources } from './pods';
import type { AzureTelemetryBinding, Toleration } from './props';

/** Sizes and timing of the telemetry pods. */
export const TELEMETRY_DEFAULTS = {
  /** Two collectors, so a node drain or a rollout never leaves the agents without one. */
  collectorReplicas: 2,
  collector: { cpu: 0.2, memoryMiB: 512 },
  /** The DCGM exporter embeds the DCGM host engine: a few hundred MiB per node. */
  dcgmExporter: { cpu: 0.1, memoryMiB: 512 },
  /** How often ama-metrics scrapes the DCGM exporter. */
  scrapeInterval: '30s',
} as const;

/** A reference to an environment variable in the collector's configuration: `${env:NAME}`. */
export function collectorEnv(name: string): string {
  return `\${env:${name}}`;
}

/** The Azure Monitor audience the exporter's Entra token is issued for. */
const MONITOR_SCOPE = 'https://monitor.azure.com/.default';

/** The collector configuration (YAML is a superset of JSON, so JSON keeps the file deterministic). */
export function collectorConfig(): Record<string, unknown> {
  const memoryLimitMiB = TELEMETRY_DEFAULTS.collector.memoryMiB;
  return {
    extensions: {
      health_check: { endpoint: `${collectorEnv('POD_IP')}:${COLLECTOR_HEALTH_PORT}` },
      // The workload identity webhook sets these three variables in pods of the serving
      // service account that carry the `azure.workload.identity/use` label.
      // https://learn.microsoft.com/azure/aks/workload-identity-overview
      azure_auth: {
        workload_identity: {
          client_id: collectorEnv('AZURE_CLIENT_ID'),
          tenant_id: collectorEnv('AZURE_TENANT_ID'),
          federated_token_file: collectorEnv('AZURE_FEDERATED_TOKEN_FILE'),
        },
        scopes: [MONITOR_SCOPE],
      },
    },
    receivers: {
      otlp: { protocols: { http: { endpoint: `${collectorEnv('POD_IP')}:${OTLP_HTTP_PORT}` } } },
    },
    processors: {
      // Refuse data before the container's memory limit is reached, rather than being killed.
      memory_limiter: {
        check_interval: '1s',
        limit_mib: Math.round(memoryLimitMiB * 0.8),
        spike_limit_mib: Math.round(memoryLimitMiB * 0.2),
      },
      batch: { send_batch_size: 512, timeout: '5s' },
    },
    exporters: {
      azuremonitor: {
        connection_string: collectorEnv('APPLICATIONINSIGHTS_CONNECTION_STRING'),
        auth: { authenticator: 'azure_auth' },
      },
    },
    service: {
      extensions: ['health_check', 'azure_auth'],
      pipelines: {
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['azuremonitor'] },
      },
      telemetry: { logs: { encoding: 'json' } },
    },
  };
}

/**
 * The collector: ConfigMap, Service (the agents' endpoint), NetworkPolicy (the namespace's pods
 * only), PodDisruptionBudget and Deployment, on the CPU nodes, as the serving identity.
 */
export function collector(
  chart: Chart,
  props: {
    readonly environment: string;
    readonly binding: AzureTelemetryBinding;
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly Toleration[];
  },
): void {
  const labels = { ...commonLabels(props.environment, 'telemetry'), 'app.kubernetes.io/name': COLLECTOR_NAME };
  const selector = { 'app.kubernetes.io/name': COLLECTOR_NAME, 'app.kubernetes.io/component': 'telemetry' };
  const metadata = { name: COLLECTOR_NAME, namespace: SERVING_NAMESPACE, labels };
  const config = `${JSON.stringify(collectorConfig(), null, 2)}\n`;
  const size = TELEMETRY_DEFAULTS.collector;
  new k8s.KubeConfigMap(chart, 'CollectorConfig', { metadata, data: { 'config.yaml': config } });
  new k8s.KubeService(chart, 'CollectorService', {
    metadata,
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        {
          name: 'otlp-http',
          port: OTLP_HTTP_PORT,
          targetPort: k8s.IntOrString.fromString('otlp-http'),
          protocol: 'TCP',
        },
      ],
    },
  });
  new k8s.KubeNetworkPolicy(chart, 'CollectorNetworkPolicy', {
    metadata,
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress'],
      // Only the namespace's pods (the serve agents) send spans; kubelet probes are always allowed.
      ingress: [
        {
          from: [{ podSelector: {} }],
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(OTLP_HTTP_PORT) }],
        },
      ],
    },
  });
  disruptionBudget(chart, 'CollectorDisruptionBudget', metadata, selector);
  const health: k8s.HttpGetAction = { path: '/', port: k8s.IntOrString.fromString('health') };
  const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ['pod-template-hash'],
  });
  new k8s.KubeDeployment(chart, 'Collector', {
    metadata,
    spec: {
      replicas: TELEMETRY_DEFAULTS.collectorReplicas,
      selector: { matchLabels: selector },
      revisionHistoryLimit: 3,
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
      },
      template: {
        metadata: {
          // Workload identity injects the serving identity's token into labelled pods only.
          labels: { ...labels, ...selector, [WORKLOAD_IDENTITY_USE_LABEL]: 'true' },
          // A changed configuration rolls the pods: the collector reads its file only at start.
          annotations: { 'mlops.platform/config-sha256': createHash('sha256').update(config).digest('hex') },
        },
        spec: {
          serviceAccountName: SERVING_SERVICE_ACCOUNT,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          nodeSelector: { ...props.nodeSelector },
          ...(props.tolerations.length ? { tolerations: props.tolerations.map((t) => ({ ...t })) } : {}),
          securityContext: POD_SECURITY,
          topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')],
          // The batch processor and the exporter flush what they hold on SIGTERM.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'collector',
              image: props.binding.collectorImage,
              imagePullPolicy: 'IfNotPresent',
              args: ['--config=/etc/otelcol/config.yaml'],
              env: [
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                {
                  name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
                  value: props.binding.applicationInsightsConnectionString,
                },
                // The Go runtime collects garbage before the container's limit, not after.
                { name: 'GOMEMLIMIT', value: `${Math.round(size.memoryMiB * 0.8)}MiB` },
              ],
              ports: [
                { name: 'otlp-http', containerPort: OTLP_HTTP_PORT, protocol: 'TCP' },
                { name: 'health', containerPort: COLLECTOR_HEALTH_PORT, protocol: 'TCP' },
              ],
              resources: resources(size.cpu, size.memoryMiB),
              readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              livenessProbe: { httpGet: health, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
              securityContext: RESTRICTED_CONTAINER,
              volumeMounts: [{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: [{ name: 'config', configMap: { name: COLLECTOR_NAME } }],
        },
      },
    },
  });
}

/** The kubelet's pod-resources API, by which the exporter maps each GPU to the pod using it. */
const POD_RESOURCES_DIR = '/var/lib/kubelet/pod-resources';

/**
 * The DCGM exporter on every node of the GPU pools, in its own namespace, and the `PodMonitor`
 * ama-metrics scrapes it by. Nothing for an environment without GPU pools.
 * https://docs.nvidia.com/datacenter/cloud-native/gpu-telemetry/latest/dcgm-exporter.html
 */
export function gpuMetrics(
  chart: Chart,
  props: {
    readonly environment: string;
    readonly kubernetesVersion: string;
    readonly image: string;
    readonly gpuPools: readonly GpuPoolConfig[];
    /** Tolerations besides the GPU taint's (the AKS spot taint, when a pool is spot). */
    readonly extraTolerations: readonly Toleration[];
  },
): void {
  if (props.gpuPools.length === 0) return;
  const labels = { ...commonLabels(props.environment, 'telemetry'), 'app.kubernetes.io/name': DCGM_EXPORTER_NAME };
  const selector = { 'app.kubernetes.io/name': DCGM_EXPORTER_NAME, 'app.kubernetes.io/component': 'telemetry' };
  const metadata = { name: DCGM_EXPORTER_NAME, namespace: GPU_METRICS_NAMESPACE, labels };
  const version = `v${props.kubernetesVersion}`;
  const size = TELEMETRY_DEFAULTS.dcgmExporter;
  new k8s.KubeNamespace(chart, 'GpuMetricsNamespace', {
    metadata: {
      name: GPU_METRICS_NAMESPACE,
      labels: {
        ...commonLabels(props.environment, 'telemetry'),
        // A host path (the kubelet's pod-resources socket) is beyond `baseline`; nothing else runs here.
        'pod-security.kubernetes.io/enforce': 'privileged',
        'pod-security.kubernetes.io/enforce-version': version,
        'pod-security.kubernetes.io/warn': 'baseline',
        'pod-security.kubernetes.io/warn-version': version,
      },
    },
  });
  new k8s.KubeServiceAccount(chart, 'DcgmExporterServiceAccount', {
    metadata,
    automountServiceAccountToken: false,
  });
  const health: k8s.HttpGetAction = { path: '/health', port: k8s.IntOrString.fromString('metrics') };
  new k8s.KubeDaemonSet(chart, 'DcgmExporter', {
    metadata,
    spec: {
      selector: { matchLabels: selector },
      revisionHistoryLimit: 3,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('25%') } },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          serviceAccountName: DCGM_EXPORTER_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The environment's GPU pools, by the pool label every GPU node pool carries.
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: POOL_LABEL, operator: 'In', values: props.gpuPools.map((pool) => pool.name) },
                    ],
                  },
                ],
              },
            },
          },
          tolerations: [{ ...GPU_TOLERATION }, ...props.extraTolerations.map((t) => ({ ...t }))],
          securityContext: POD_SECURITY,
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: DCGM_EXPORTER_NAME,
              image: props.image,
              imagePullPolicy: 'IfNotPresent',
              env: [
                // Label each GPU's series with the pod, namespace and container using it.
                { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
                { name: 'DCGM_EXPORTER_LISTEN', value: `:${DCGM_EXPORTER_PORT}` },
                // Every GPU of the node, without requesting one (the NVIDIA container runtime).
                { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
                { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              ports: [{ name: 'metrics', containerPort: DCGM_EXPORTER_PORT, protocol: 'TCP' }],
              resources: resources(size.cpu, size.memoryMiB),
              // The embedded host engine takes a while to enumerate the GPUs.
              startupProbe: { httpGet: health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
              readinessProbe: { httpGet: health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
              livenessProbe: { httpGet: health, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 },
              // Root, to use the kubelet's root-owned socket, but without any capability and
              // without privilege escalation. The profiling counters (DCGM_FI_PROF_*), which
              // need SYS_ADMIN, are not collected; utilisation and memory are.
              securityContext: {
                runAsNonRoot: false,
                runAsUser: 0,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'pod-resources', mountPath: POD_RESOURCES_DIR, readOnly: true }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: [{ name: 'pod-resources', hostPath: { path: POD_RESOURCES_DIR, type: 'Directory' } }],
        },
      },
    },
  });
  // https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd
  new ApiObject(chart, 'DcgmExporterPodMonitor', {
    apiVersion: 'azmonitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata,
    spec: {
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: [GPU_METRICS_NAMESPACE] },
      podMetricsEndpoints: [
        {
          port: 'metrics',
          path: '/metrics',
          interval: TELEMETRY_DEFAULTS.scrapeInterval,
          // Keep the exporter's `pod`/`namespace` apart from the target's: `exported_pod`.
          honorLabels: false,
          metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'DCGM_FI_.*', action: 'keep' }],
        },
      ],
    },
  });
}
