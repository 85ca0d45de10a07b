/**
 * AWS: Kubernetes events into the logs. The amazon-cloudwatch-observability add-on's Fluent Bit
 * ships container logs only, and the usual exporters need images from the internet (which the
 * hybrid clusters cannot reach) or cert-manager. So the model agent, already in the environment's
 * registry, runs a third kind of pod: in `events` mode it watches `/api/v1/events` cluster-wide
 * and writes each event as one JSON line, which Fluent Bit ships like any container log to
 * `/aws/containerinsights/<cluster>/application`. AKS needs none of this: Container Insights
 * collects events into `KubeEvents`.
 *
 * One replica (two would write every event twice), replaced rather than rolled (`Recreate`) for
 * the same reason. On start the agent writes the events that changed in the last five minutes, so
 * a restart or reschedule shorter than that loses none. Read-only RBAC on events in both API groups (core/v1
 * and events.k8s.io/v1 serve the same objects).
 */
import type { Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-33/lib/imports/k8s';
import { type EventsSettings, SERVING_NAMESPACE } from '../config';
import { commonLabels, EVENT_LOGGER_CLUSTER_ROLE, EVENT_LOGGER_NAME, IN_CLUSTER_API_SERVER } from './names';
import { agentContainer, POD_SECURITY, tmpVolume } from './pods';
import type { Toleration } from './props';

export interface EventLoggerProps {
  readonly environment: string;
  /** The model agent image, pinned by digest. */
  readonly image: string;
  /** The CPU nodes (on EKS the system node group). */
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

/** The verbs the logger needs: a list for the resource version, then a watch (get for `kubectl auth can-i`). */
export const EVENT_LOGGER_VERBS = ['get', 'list', 'watch'] as const;

export function eventLogger(chart: Chart, props: EventLoggerProps): void {
  const labels = { ...commonLabels(props.environment, 'events'), 'app.kubernetes.io/name': EVENT_LOGGER_NAME };
  const selector = { 'app.kubernetes.io/name': EVENT_LOGGER_NAME };
  const metadata = { name: EVENT_LOGGER_NAME, namespace: SERVING_NAMESPACE, labels };
  new k8s.KubeServiceAccount(chart, 'EventLoggerServiceAccount', {
    metadata,
    // The pods of this account call the API server with its token; the pod spec mounts it.
    automountServiceAccountToken: false,
  });
  new k8s.KubeClusterRole(chart, 'EventLoggerClusterRole', {
    metadata: { name: EVENT_LOGGER_CLUSTER_ROLE, labels },
    rules: [
      { apiGroups: [''], resources: ['events'], verbs: [...EVENT_LOGGER_VERBS] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: [...EVENT_LOGGER_VERBS] },
    ],
  });
  new k8s.KubeClusterRoleBinding(chart, 'EventLoggerClusterRoleBinding', {
    metadata: { name: EVENT_LOGGER_CLUSTER_ROLE, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: EVENT_LOGGER_CLUSTER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: EVENT_LOGGER_NAME, namespace: SERVING_NAMESPACE }],
  });
  const settings: EventsSettings = {
    mode: 'events',
    environment: props.environment,
    apiServer: IN_CLUSTER_API_SERVER,
  };
  const tolerations = props.tolerations;
  new k8s.KubeDeployment(chart, 'EventLogger', {
    metadata,
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: EVENT_LOGGER_NAME,
          // Projected, rotated token and the cluster CA at /var/run/secrets/kubernetes.io/serviceaccount.
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          nodeSelector: { ...props.nodeSelector },
          ...(tolerations.length ? { tolerations: [...tolerations] } : {}),
          securityContext: POD_SECURITY,
          // The agent stops its watch at once on SIGTERM.
          terminationGracePeriodSeconds: 10,
          containers: [agentContainer(props.image, settings)],
          volumes: [tmpVolume(16)],
        },
      },
    },
  });
}
