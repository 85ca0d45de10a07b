/**
 * Names, labels, ports and paths of the serving workload's objects: what the clouds' bindings,
 * the model agent and operators (`kubectl -l ...`) refer to.
 */
import { PROJECT, type Slot } from '../config';

/** Container names in a serving or job pod. */
export const MODEL_CONTAINER = 'model';
export const AGENT_CONTAINER = 'agent';
export const APPCONFIG_CONTAINER = 'appconfig-agent';

/**
 * The model agent's readiness path on `AGENT_PORT`: ready when the model behind it is. Pods'
 * readiness probes and the AWS target groups' health checks use it.
 */
export const AGENT_READY_PATH = '/ready';

/** Port of the AWS AppConfig agent's local HTTP server (its default). */
export const APPCONFIG_AGENT_PORT = 2772;

/**
 * Azure: the ConfigMap the App Configuration provider writes the models' feature flags to, and
 * where the model agents see it. The file is JSON: `{ "feature_management": { "feature_flags": [...] } }`.
 */
export const FLAGS_CONFIG_MAP = 'model-flags';
export const FLAGS_FILE = 'flags.json';
export const FLAGS_MOUNT_PATH = '/etc/mlops/flags';

/**
 * The number of pods of an indexed batch run, beside the index Kubernetes gives each pod
 * (`JOB_COMPLETION_INDEX`): a pod processes the input objects whose position modulo the count
 * is its index.
 */
export const BATCH_SHARDS_VARIABLE = 'MLOPS_BATCH_SHARDS';

/**
 * Azure: the OpenTelemetry Collector in the serving namespace that receives the agents' spans
 * (OTLP/HTTP) and exports them to Application Insights: its Deployment, Service and ConfigMap
 * name, and its ports.
 */
export const COLLECTOR_NAME = 'otel-collector';
export const OTLP_HTTP_PORT = 4318;
export const COLLECTOR_HEALTH_PORT = 13133;

/** The collector's address inside the cluster, as the agents' `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export function collectorEndpoint(namespace: string): string {
  return `http://${COLLECTOR_NAME}.${namespace}.svc:${OTLP_HTTP_PORT}`;
}

/** Where the model agents read their trace exporter's address (OTLP/HTTP; `/v1/traces` is appended). */
export const OTLP_ENDPOINT_VARIABLE = 'OTEL_EXPORTER_OTLP_ENDPOINT';

/**
 * Azure: the NVIDIA DCGM exporter on the GPU nodes, in a namespace of its own: it mounts the
 * kubelet's pod-resources directory from the host, which the serving namespace's `baseline`
 * pod security standard forbids.
 */
export const GPU_METRICS_NAMESPACE = 'gpu-metrics';
export const DCGM_EXPORTER_NAME = 'dcgm-exporter';
export const DCGM_EXPORTER_PORT = 9400;

/**
 * AWS: the event logger (the model agent in `events` mode), its service account and RBAC objects
 * (the cluster-scoped ones prefixed with the project, as they share the cluster's namespace).
 */
export const EVENT_LOGGER_NAME = 'event-logger';
export const EVENT_LOGGER_CLUSTER_ROLE = `${PROJECT}-${EVENT_LOGGER_NAME}`;

/** The API server as pods reach it (the `kubernetes` Service in `default`). */
export const IN_CLUSTER_API_SERVER = 'https://kubernetes.default.svc';

/** Labels every object carries, and the slot label of a slot's objects and pods. */
export const ENVIRONMENT_LABEL = 'mlops.platform/environment';
export const SLOT_LABEL = 'mlops.platform/slot';
/** Pod annotation with the model version (image tag) the pod runs. */
export const VERSION_ANNOTATION = 'mlops.platform/version';

/** AKS workload identity: the pod label the webhook injects tokens for, and the service account's client id. */
export const WORKLOAD_IDENTITY_USE_LABEL = 'azure.workload.identity/use';
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';

/** Deployment, Service and other objects of a model's slot: `<model>-<slot>`. */
export function slotName(model: string, slot: Slot): string {
  return `${model}-${slot}`;
}

/** CronJob of a model's batch job: `<model>-batch-<job>`. */
export function batchJobName(model: string, job: string): string {
  return `${model}-batch-${job}`;
}

/** CronJob of a model's drift detection: `<model>-drift`. */
export function driftJobName(model: string): string {
  return `${model}-drift`;
}

/**
 * Azure: the internal load balancer port of a slot: the model's `gatewayPort` for blue, the next
 * port for green. API Management's backends call `<address>:<port>`.
 */
export function slotLoadBalancerPort(model: { readonly gatewayPort: number }, slot: Slot): number {
  return model.gatewayPort + (slot === 'blue' ? 0 : 1);
}

export type Component = 'serving' | 'model-server' | 'batch' | 'drift' | 'telemetry' | 'events';

/** The recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/). */
export function commonLabels(environment: string, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': PROJECT,
    'app.kubernetes.io/managed-by': 'cdk8s',
    'app.kubernetes.io/component': component,
    [ENVIRONMENT_LABEL]: environment,
  };
}

/** The labels that select a slot's pods; a Deployment's selector never changes, so neither may these. */
export function slotSelector(model: string, slot: Slot): Record<string, string> {
  return {
    'app.kubernetes.io/name': model,
    'app.kubernetes.io/instance': slotName(model, slot),
    [SLOT_LABEL]: slot,
  };
}

/** Kubernetes name rules (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/). */
export const NAME_LIMITS = {
  /** RFC 1035 label: Services, and names that become DNS labels. */
  label: 63,
  /** A CronJob's Jobs append an 11-character suffix to its name. */
  cronJob: 52,
} as const;

/** RFC 1035 label: lowercase letters, digits and hyphens, starting with a letter. */
export const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A label value: up to 63 characters, alphanumerics at both ends, `-`, `_`, `.` inside. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label key: an optional DNS subdomain prefix and `/`, then a name like a label value. */
export const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
