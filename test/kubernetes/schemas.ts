/**
 * Offline schema validation of rendered objects: the built-in kinds against the Kubernetes 1.33
 * OpenAPI schemas (kubernetes-models 4.5, generated from 1.33), the custom resources against
 * JSON schemas of the fields the workload uses, written from the projects' own API types:
 *
 * - TargetGroupBinding `elbv2.k8s.aws/v1beta1`: kubernetes-sigs/aws-load-balancer-controller
 *   `apis/elbv2/v1beta1/targetgroupbinding_types.go` and its CRD (v3.5.0),
 *   https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/spec/
 * - AzureAppConfigurationProvider `azconfig.io/v1`: Azure/AppConfiguration-KubernetesProvider
 *   `api/v1/azureappconfigurationprovider_types.go` and the controller's own checks in
 *   `internal/controller/utils.go` (v2.6.5),
 *   https://learn.microsoft.com/azure/azure-app-configuration/reference-kubernetes-provider
 * - PodMonitor `azmonitoring.coreos.com/v1` (Azure Managed Prometheus, ama-metrics): the
 *   Prometheus Operator's PodMonitor under Azure's group, https://learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd;
 *   fields from prometheus-operator `pkg/apis/monitoring/v1/podmonitor_types.go` (PodMonitorSpec,
 *   PodMetricsEndpoint, NamespaceSelector) and `types.go` (RelabelConfig, Duration, LabelName)
 *
 * Unlike the OpenAPI schemas, which allow unknown fields, these reject them (a typo in a custom
 * resource is silently ignored by the API server and shows up only as a controller that does
 * nothing).
 */
import { Ajv, type AnySchema } from 'ajv';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { KubernetesObject } from '../../lib/kubernetes';

interface Validatable {
  validate(): void;
}

/** The built-in kinds the workload renders, by `apiVersion/kind`. */
const MODELS: Readonly<Record<string, (data: KubernetesObject) => Validatable>> = {
  'v1/Namespace': (data) => new Namespace(data as never),
  'v1/ServiceAccount': (data) => new ServiceAccount(data as never),
  'v1/Service': (data) => new Service(data as never),
  'v1/ConfigMap': (data) => new ConfigMap(data as never),
  'apps/v1/Deployment': (data) => new Deployment(data as never),
  'apps/v1/DaemonSet': (data) => new DaemonSet(data as never),
  'autoscaling/v2/HorizontalPodAutoscaler': (data) => new HorizontalPodAutoscaler(data as never),
  'batch/v1/CronJob': (data) => new CronJob(data as never),
  'networking.k8s.io/v1/NetworkPolicy': (data) => new NetworkPolicy(data as never),
  'policy/v1/PodDisruptionBudget': (data) => new PodDisruptionBudget(data as never),
  'rbac.authorization.k8s.io/v1/ClusterRole': (data) => new ClusterRole(data as never),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (data) => new ClusterRoleBinding(data as never),
};

const string = { type: 'string', minLength: 1 } as const;
const intOrString = { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, string] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
/** Go's `time.ParseDuration`, as the provider parses `interval`. */
const duration = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$' } as const;
/** RFC 1123 subdomain, as the provider's CRD checks ConfigMap names. */
const subdomain = {
  type: 'string',
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
} as const;

const metadata = {
  type: 'object',
  required: ['name', 'namespace'],
  additionalProperties: false,
  properties: { name: string, namespace: string, labels: stringMap, annotations: stringMap },
} as const;

export const TARGET_GROUP_BINDING_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'elbv2.k8s.aws/v1beta1' },
    kind: { const: 'TargetGroupBinding' },
    metadata,
    spec: {
      type: 'object',
      required: ['serviceRef'],
      // The controller needs the target group by ARN or by name.
      anyOf: [{ required: ['targetGroupARN'] }, { required: ['targetGroupName'] }],
      additionalProperties: false,
      properties: {
        targetGroupARN: string,
        targetGroupName: string,
        targetType: { enum: ['instance', 'ip'] },
        serviceRef: {
          type: 'object',
          required: ['name', 'port'],
          additionalProperties: false,
          properties: { name: string, port: intOrString },
        },
        networking: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ingress: {
              type: 'array',
              items: {
                type: 'object',
                required: ['from', 'ports'],
                additionalProperties: false,
                properties: {
                  from: {
                    type: 'array',
                    minItems: 1,
                    items: {
                      type: 'object',
                      // A peer is an IP block or a security group, not both.
                      oneOf: [{ required: ['ipBlock'] }, { required: ['securityGroup'] }],
                      additionalProperties: false,
                      properties: {
                        ipBlock: {
                          type: 'object',
                          required: ['cidr'],
                          additionalProperties: false,
                          properties: { cidr: string },
                        },
                        securityGroup: {
                          type: 'object',
                          required: ['groupID'],
                          additionalProperties: false,
                          properties: { groupID: string },
                        },
                      },
                    },
                  },
                  ports: {
                    type: 'array',
                    items: {
                      type: 'object',
                      additionalProperties: false,
                      properties: { protocol: { enum: ['TCP', 'UDP'] }, port: intOrString },
                    },
                  },
                },
              },
            },
          },
        },
        ipAddressType: { enum: ['ipv4', 'ipv6'] },
        vpcID: string,
      },
    },
  },
} as const;

const selector = {
  type: 'object',
  // The provider's `verifySelectorObject`: a key filter or a snapshot name.
  oneOf: [{ required: ['keyFilter'] }, { required: ['snapshotName'] }],
  additionalProperties: false,
  properties: {
    keyFilter: string,
    // A label filter may not hold an unescaped `*` or `,`.
    labelFilter: { type: 'string', pattern: '^([^*,\\\\]|\\\\.)*$' },
    tagFilters: { type: 'array', maxItems: 5, items: { type: 'string', pattern: '^[^=]+=[^=]*$' } },
    snapshotName: string,
  },
} as const;

export const APP_CONFIGURATION_PROVIDER_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'azconfig.io/v1' },
    kind: { const: 'AzureAppConfigurationProvider' },
    metadata,
    spec: {
      type: 'object',
      required: ['target'],
      // `verifyObject`: an endpoint or a connection string reference, not both.
      oneOf: [{ required: ['endpoint'] }, { required: ['connectionStringReference'] }],
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', pattern: '^https://[^/\\s]+/?$' },
        connectionStringReference: string,
        replicaDiscoveryEnabled: { type: 'boolean' },
        loadBalancingEnabled: { type: 'boolean' },
        target: {
          type: 'object',
          required: ['configMapName'],
          additionalProperties: false,
          properties: {
            configMapName: subdomain,
            configMapData: {
              type: 'object',
              additionalProperties: false,
              properties: {
                type: { enum: ['default', 'json', 'yaml', 'properties'] },
                key: string,
                separator: { type: 'string', minLength: 1, maxLength: 50 },
              },
              // `verifyDataOptions`: a key for every type but `default`.
              if: {
                type: 'object',
                properties: { type: { enum: ['json', 'yaml', 'properties'] } },
                required: ['type'],
              },
              // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
              then: { type: 'object', required: ['key'] },
              else: { type: 'object', not: { type: 'object', required: ['key'] } },
            },
          },
        },
        auth: {
          type: 'object',
          // `verifyAuthObject`: at most one method.
          maxProperties: 1,
          additionalProperties: false,
          properties: {
            managedIdentityClientId: string,
            servicePrincipalReference: string,
            workloadIdentity: {
              type: 'object',
              maxProperties: 1,
              additionalProperties: false,
              properties: {
                managedIdentityClientId: string,
                serviceAccountName: string,
                managedIdentityClientIdReference: {
                  type: 'object',
                  required: ['configMap', 'key'],
                  additionalProperties: false,
                  properties: { configMap: string, key: string },
                },
              },
            },
          },
        },
        configuration: {
          type: 'object',
          additionalProperties: false,
          properties: {
            selectors: { type: 'array', items: selector },
            trimKeyPrefixes: { type: 'array', items: string },
          },
        },
        featureFlag: {
          type: 'object',
          // `verifyObject`: feature flags need selectors.
          required: ['selectors'],
          additionalProperties: false,
          properties: {
            selectors: { type: 'array', minItems: 1, items: selector },
            refresh: {
              type: 'object',
              required: ['interval'],
              additionalProperties: false,
              properties: { interval: duration, enabled: { type: 'boolean' } },
            },
          },
        },
      },
      // `verifyObject`: feature flags are written only into a json or yaml ConfigMap.
      if: { type: 'object', required: ['featureFlag'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
      then: {
        type: 'object',
        properties: {
          target: {
            type: 'object',
            required: ['configMapData'],
            properties: {
              configMapData: { type: 'object', required: ['type'], properties: { type: { enum: ['json', 'yaml'] } } },
            },
          },
        },
      },
    },
  },
} as const;

/** Prometheus Operator `Duration`: `30s`, `1m30s`, ... */
const promDuration = {
  type: 'string',
  pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$',
} as const;
const labelName = { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' } as const;
const relabelConfig = {
  type: 'object',
  additionalProperties: false,
  properties: {
    sourceLabels: { type: 'array', items: labelName },
    separator: { type: 'string' },
    targetLabel: { type: 'string' },
    regex: { type: 'string' },
    modulus: { type: 'integer', minimum: 0 },
    replacement: { type: 'string' },
    action: {
      enum: [
        'replace',
        'Replace',
        'keep',
        'Keep',
        'drop',
        'Drop',
        'hashmod',
        'HashMod',
        'labelmap',
        'LabelMap',
        'labeldrop',
        'LabelDrop',
        'labelkeep',
        'LabelKeep',
        'lowercase',
        'Lowercase',
        'uppercase',
        'Uppercase',
        'keepequal',
        'KeepEqual',
        'dropequal',
        'DropEqual',
      ],
    },
  },
} as const;
const labelSelector = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matchLabels: stringMap,
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        additionalProperties: false,
        properties: {
          key: string,
          operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const POD_MONITOR_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'azmonitoring.coreos.com/v1' },
    kind: { const: 'PodMonitor' },
    metadata,
    spec: {
      type: 'object',
      required: ['selector'],
      additionalProperties: false,
      properties: {
        jobLabel: { type: 'string' },
        podTargetLabels: { type: 'array', items: { type: 'string' } },
        selector: labelSelector,
        namespaceSelector: {
          type: 'object',
          additionalProperties: false,
          properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: string } },
        },
        sampleLimit: { type: 'integer', minimum: 0 },
        podMetricsEndpoints: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            // A named container port (or its number) to scrape.
            anyOf: [{ required: ['port'] }, { required: ['portNumber'] }],
            properties: {
              port: string,
              portNumber: { type: 'integer', minimum: 1, maximum: 65535 },
              path: { type: 'string', pattern: '^/' },
              scheme: { enum: ['http', 'https', 'HTTP', 'HTTPS'] },
              params: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
              interval: promDuration,
              scrapeTimeout: promDuration,
              honorLabels: { type: 'boolean' },
              honorTimestamps: { type: 'boolean' },
              relabelings: { type: 'array', items: relabelConfig },
              metricRelabelings: { type: 'array', items: relabelConfig },
            },
          },
        },
      },
    },
  },
} as const;

// Strict, except that `required` in `anyOf`/`oneOf` branches names properties defined beside them.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const CUSTOM: Readonly<Record<string, ReturnType<typeof ajv.compile>>> = {
  'elbv2.k8s.aws/v1beta1/TargetGroupBinding': ajv.compile(TARGET_GROUP_BINDING_SCHEMA as AnySchema),
  'azconfig.io/v1/AzureAppConfigurationProvider': ajv.compile(APP_CONFIGURATION_PROVIDER_SCHEMA as AnySchema),
  'azmonitoring.coreos.com/v1/PodMonitor': ajv.compile(POD_MONITOR_SCHEMA as AnySchema),
};

/** Validates one object against its kind's schema; throws naming the object and what is wrong. */
export function validateObject(object: KubernetesObject): void {
  const key = `${object.apiVersion}/${object.kind}`;
  const where = `${key} ${object.metadata.name}`;
  const custom = CUSTOM[key];
  if (custom) {
    if (!custom(object)) throw new Error(`${where}: ${ajv.errorsText(custom.errors)}`);
    return;
  }
  const model = MODELS[key];
  if (!model) throw new Error(`${where}: no schema for this kind; add one to test/kubernetes/schemas.ts`);
  try {
    model(object).validate();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}
