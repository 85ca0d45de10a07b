import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { POOL_LABEL, readAgentSettings, SERVING_NAMESPACE, SYSTEM_POOL } from '../../lib/config';
import {
  AGENT_RESOURCES,
  EVENT_LOGGER_CLUSTER_ROLE,
  EVENT_LOGGER_NAME,
  IN_CLUSTER_API_SERVER,
  type KubernetesObject,
  ServingWorkload,
} from '../../lib/kubernetes';
import { propsFor, vary } from './fixtures';
import { validateObject } from './schemas';

function one<T>(objects: readonly KubernetesObject[], kind: string): T {
  const found = objects.filter((object) => object.kind === kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0] as unknown as T;
}

const aws = environments.filter((env) => env.target.cloud === 'aws');
const azure = environments.filter((env) => env.target.cloud === 'azure');

describe.each(aws.map((env) => [env.name, env] as const))('AWS environment %s', (_name, env) => {
  const props = propsFor(env);
  const objects = new ServingWorkload(props).events();

  it('renders the event logger: service account, read-only cluster role on events, binding, Deployment', () => {
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      `ServiceAccount/${EVENT_LOGGER_NAME}`,
      `ClusterRole/${EVENT_LOGGER_CLUSTER_ROLE}`,
      `ClusterRoleBinding/${EVENT_LOGGER_CLUSTER_ROLE}`,
      `Deployment/${EVENT_LOGGER_NAME}`,
    ]);
    for (const object of objects) validateObject(object);
  });

  it('lets its service account get, list and watch events in both API groups, and nothing else', () => {
    const role = one<IClusterRole>(objects, 'ClusterRole');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = one<IClusterRoleBinding>(objects, 'ClusterRoleBinding');
    expect(binding.roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: EVENT_LOGGER_CLUSTER_ROLE,
    });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: EVENT_LOGGER_NAME, namespace: SERVING_NAMESPACE },
    ]);
    const account = one<IServiceAccount>(objects, 'ServiceAccount');
    expect(account.metadata?.namespace).toBe(SERVING_NAMESPACE);
  });

  it('runs one model agent in events mode on the system nodes, non-root, read-only, with the token mounted', () => {
    const deployment = one<IDeployment>(objects, 'Deployment');
    const spec = deployment.spec;
    expect(deployment.metadata?.namespace).toBe(SERVING_NAMESPACE);
    expect(spec?.replicas).toBe(1);
    expect(spec?.strategy).toEqual({ type: 'Recreate' });
    expect(spec?.template.metadata?.labels).toMatchObject(spec?.selector.matchLabels ?? { missing: 'selector' });
    const pod = spec?.template.spec;
    expect(pod?.serviceAccountName).toBe(EVENT_LOGGER_NAME);
    expect(pod?.automountServiceAccountToken).toBe(true);
    expect(pod?.nodeSelector).toEqual({ [POOL_LABEL]: SYSTEM_POOL });
    expect(pod?.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod?.containers).toHaveLength(1);
    const agent = pod?.containers[0];
    expect(agent?.image).toBe(props.agentImage);
    expect(agent?.ports ?? []).toEqual([]);
    expect(agent?.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(agent?.resources).toEqual({
      requests: { cpu: `${AGENT_RESOURCES.events.cpu * 1000}m`, memory: `${AGENT_RESOURCES.events.memoryMiB}Mi` },
      limits: { memory: `${AGENT_RESOURCES.events.memoryMiB}Mi` },
    });
    const variables = Object.fromEntries((agent?.env ?? []).map((variable) => [variable.name, variable.value]));
    expect(readAgentSettings(variables)).toEqual({
      mode: 'events',
      environment: props.environment,
      apiServer: IN_CLUSTER_API_SERVER,
    });
  });
});

describe.each(azure.map((env) => [env.name, env] as const))('Azure environment %s', (_name, env) => {
  it('renders no event logger: Container Insights collects KubeEvents', () => {
    expect(new ServingWorkload(propsFor(env)).events()).toEqual([]);
  });
});

describe('event logger variations', () => {
  const env = aws[0];
  if (!env) throw new Error('an AWS example environment is needed');
  it('tolerates a tainted CPU pool when given its tolerations', () => {
    const tolerations = [{ key: 'pool', operator: 'Equal' as const, value: 'cpu', effect: 'NoSchedule' as const }];
    const objects = new ServingWorkload(vary(propsFor(env), { cpuTolerations: tolerations })).events();
    expect(one<IDeployment>(objects, 'Deployment').spec?.template.spec?.tolerations).toEqual(tolerations);
  });
});
