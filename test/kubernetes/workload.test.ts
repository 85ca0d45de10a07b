import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  AGENT_PORT,
  type AgentSettings,
  type BatchJobConfig,
  CAPTURE_PREFIX,
  CAPTURE_ZONE,
  GPU_RESOURCE,
  GPU_TOLERATION,
  type ModelEndpointConfig,
  POOL_LABEL,
  PROTOCOL_PATHS,
  readAgentSettings,
  SERVING_NAMESPACE,
  SERVING_SERVICE_ACCOUNT,
  SLOTS,
  type Slot,
} from '../../lib/config';
import {
  AGENT_READY_PATH,
  AKS_SPOT_TOLERATION,
  APPCONFIG_AGENT_PORT,
  BATCH_SHARDS_VARIABLE,
  COLLECTOR_NAME,
  collectorConfig,
  collectorEndpoint,
  collectorEnv,
  DCGM_EXPORTER_NAME,
  DCGM_EXPORTER_PORT,
  DNS_LABEL,
  ENVIRONMENT_LABEL,
  FLAGS_CONFIG_MAP,
  FLAGS_FILE,
  FLAGS_MOUNT_PATH,
  GPU_METRICS_NAMESPACE,
  JOB_DEFAULTS,
  type KubernetesObject,
  LABEL_KEY,
  LABEL_VALUE,
  OTLP_ENDPOINT_VARIABLE,
  OTLP_HTTP_PORT,
  ServingWorkload,
  ServingWorkloadError,
  type ServingWorkloadProps,
  SLOT_LABEL,
  slotLoadBalancerPort,
  WORKLOAD_DEFAULTS,
  WORKLOAD_IDENTITY_USE_LABEL,
} from '../../lib/kubernetes';
import { imageRef, propsFor, type Rendered, renderAll, vary } from './fixtures';
import { validateObject } from './schemas';

// ---- helpers -----------------------------------------------------------------------------------

function all<T>(objects: readonly KubernetesObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}

function one<T>(objects: readonly KubernetesObject[], kind: string): T {
  const found = all<T>(objects, kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0] as T;
}

function container(pod: IPodSpec, name: string): IContainer {
  const found = [...(pod.initContainers ?? []), ...pod.containers].find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name} in ${JSON.stringify(pod.containers.map((c) => c.name))}`);
  return found;
}

function settingsOf(c: IContainer): AgentSettings {
  const env = Object.fromEntries((c.env ?? []).map((variable) => [variable.name, variable.value]));
  return readAgentSettings(env);
}

function podOf(deployment: IDeployment | ICronJob | IDaemonSet): IPodSpec {
  const spec =
    deployment.kind === 'CronJob'
      ? (deployment as ICronJob).spec?.jobTemplate.spec?.template.spec
      : (deployment as IDeployment | IDaemonSet).spec?.template.spec;
  if (!spec) throw new Error('no pod spec');
  return spec;
}

function podLabels(deployment: IDeployment | ICronJob): Record<string, string> {
  const labels =
    deployment.kind === 'Deployment'
      ? deployment.spec?.template.metadata?.labels
      : (deployment as ICronJob).spec?.jobTemplate.spec?.template.metadata?.labels;
  return labels ?? {};
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

const CLUSTER_SCOPED = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'];

const PINNED = /^[a-z0-9][^@\s]*@sha256:[a-f0-9]{64}$/;

/** What every rendered set must satisfy, whatever the environment: names, labels, references. */
function checkStructure(objects: readonly KubernetesObject[], props: ServingWorkloadProps): void {
  const seen = new Set<string>();
  for (const object of objects) {
    const { name, namespace, labels = {} } = object.metadata;
    const key = `${object.kind}/${name}`;
    expect(seen.has(key), `${key} rendered once`).toBe(false);
    seen.add(key);
    expect(DNS_LABEL.test(name) && name.length <= (object.kind === 'CronJob' ? 52 : 63), `${key} name`).toBe(true);
    const home = labels['app.kubernetes.io/name'] === DCGM_EXPORTER_NAME ? GPU_METRICS_NAMESPACE : SERVING_NAMESPACE;
    const clusterScoped = CLUSTER_SCOPED.includes(object.kind);
    expect(namespace, `${key} namespace`).toBe(clusterScoped ? undefined : home);
    expect(labels[ENVIRONMENT_LABEL]).toBe(props.environment);
    expect(labels['app.kubernetes.io/managed-by']).toBe('cdk8s');
    for (const [label, value] of Object.entries(labels)) {
      expect(LABEL_KEY.test(label) && LABEL_VALUE.test(value) && value.length <= 63, `${key} label ${label}`).toBe(
        true,
      );
    }
  }
  const workloads = [
    ...all<IDeployment>(objects, 'Deployment'),
    ...all<ICronJob>(objects, 'CronJob'),
    ...all<IDaemonSet>(objects, 'DaemonSet'),
  ];
  for (const workload of workloads) {
    const pod = podOf(workload);
    const containers = [...(pod.initContainers ?? []), ...pod.containers];
    const where = `${workload.kind}/${workload.metadata?.name}`;
    expect(new Set(containers.map((c) => c.name)).size, `${where} container names unique`).toBe(containers.length);
    const volumes = new Set((pod.volumes ?? []).map((volume) => volume.name));
    for (const c of containers) {
      expect(DNS_LABEL.test(c.name), `${where} container ${c.name}`).toBe(true);
      expect(c.image ?? '', `${where} ${c.name} image pinned by digest`).toMatch(PINNED);
      for (const mount of c.volumeMounts ?? [])
        expect(volumes.has(mount.name), `${where} ${c.name} mounts ${mount.name}`).toBe(true);
      const ports = new Set((c.ports ?? []).map((port) => port.name));
      for (const port of c.ports ?? []) expect((port.name ?? '').length).toBeLessThanOrEqual(15);
      for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
        const port = probe?.httpGet?.port ?? probe?.tcpSocket?.port;
        if (typeof port === 'string') expect(ports.has(port), `${where} ${c.name} probe port ${port}`).toBe(true);
      }
      expect(c.resources?.limits?.memory, `${where} ${c.name} memory limit = request`).toBe(
        c.resources?.requests?.memory,
      );
    }
  }
  const deployments = all<IDeployment>(objects, 'Deployment');
  const selected = (selector: Record<string, string> | undefined, what: string) => {
    const targets = deployments.filter((d) => matches(selector, podLabels(d)));
    expect(targets, `${what} selects one Deployment's pods`).toHaveLength(1);
    return targets[0] as IDeployment;
  };
  for (const service of all<IService>(objects, 'Service')) {
    const target = selected(service.spec?.selector, `Service/${service.metadata?.name}`);
    const named = podOf(target).containers.flatMap((c) => (c.ports ?? []).map((port) => port.name));
    for (const port of service.spec?.ports ?? []) expect(named).toContain(port.targetPort);
  }
  for (const policy of all<INetworkPolicy>(objects, 'NetworkPolicy').filter(
    (p) => p.metadata?.name !== 'default-deny-ingress',
  )) {
    selected(policy.spec?.podSelector?.matchLabels, `NetworkPolicy/${policy.metadata?.name}`);
  }
  for (const budget of all<IPodDisruptionBudget>(objects, 'PodDisruptionBudget')) {
    selected(budget.spec?.selector?.matchLabels, `PodDisruptionBudget/${budget.metadata?.name}`);
  }
  for (const hpa of all<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler')) {
    const target = deployments.find((d) => d.metadata?.name === hpa.spec?.scaleTargetRef.name);
    expect(target, `HPA ${hpa.metadata?.name} target`).toBeDefined();
    for (const metric of hpa.spec?.metrics ?? []) {
      if (metric.containerResource && target) container(podOf(target), metric.containerResource.container);
    }
  }
}

// ---- every environment -------------------------------------------------------------------------

describe.each(environments.map((env) => [env.name, env] as const))('environment %s', (_name, env) => {
  const props = propsFor(env);
  const workload = new ServingWorkload(props);
  const rendered: Rendered = renderAll(workload);
  const models = env.serving?.models ?? [];
  const cloud = env.target.cloud;

  it('renders objects that are valid against the Kubernetes 1.33 and custom resource schemas', () => {
    expect(rendered.all.length).toBeGreaterThan(3);
    for (const object of rendered.all) validateObject(object);
  });

  it('renders consistent names, labels and references', () => {
    checkStructure(rendered.all, props);
  });

  it('renders the same objects every time', () => {
    expect(JSON.stringify(renderAll(new ServingWorkload(propsFor(env))).all)).toBe(JSON.stringify(rendered.all));
  });

  it('shares a namespace that enforces baseline and warns and audits restricted', () => {
    const namespace = one<INamespace>(rendered.shared, 'Namespace');
    expect(namespace.metadata?.name).toBe(SERVING_NAMESPACE);
    expect(namespace.metadata?.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/enforce-version': `v${env.kubernetes.version}`,
    });
    expect(namespace.metadata?.labels?.['elbv2.k8s.aws/pod-readiness-gate-inject']).toBe(
      cloud === 'aws' ? 'enabled' : undefined,
    );
    const deny = all<INetworkPolicy>(rendered.shared, 'NetworkPolicy');
    expect(deny.map((policy) => policy.spec)).toEqual([{ podSelector: {}, policyTypes: ['Ingress'] }]);
  });

  it('shares the serving service account, with the workload identity client id on Azure', () => {
    const account = one<IServiceAccount>(rendered.shared, 'ServiceAccount');
    expect(account.metadata?.name).toBe(SERVING_SERVICE_ACCOUNT);
    expect(account.automountServiceAccountToken).toBe(false);
    if (props.binding.cloud === 'azure') {
      expect(account.metadata?.annotations).toEqual({
        'azure.workload.identity/client-id': props.binding.servingIdentityClientId,
      });
    } else {
      expect(account.metadata?.annotations).toBeUndefined();
    }
  });

  const serveAgents = Object.values(rendered.slots).flatMap((bySlot) =>
    SLOTS.map((slot) => container(podOf(one<IDeployment>(bySlot[slot], 'Deployment')), 'agent')),
  );
  const jobAgents = Object.values(rendered.jobs)
    .flat()
    .filter((object) => object.kind === 'CronJob')
    .map((job) => container(podOf(job as unknown as ICronJob), 'agent'));
  const otlp = (c: IContainer) => c.env?.find((variable) => variable.name === OTLP_ENDPOINT_VARIABLE)?.value;

  if (props.binding.cloud === 'azure') {
    const binding = props.binding;
    const telemetry = binding.telemetry;
    if (!telemetry) throw new Error('the Azure fixture has telemetry');
    const collector = rendered.telemetry.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === COLLECTOR_NAME,
    ) as unknown as IDeployment;

    it('points every serve agent at the in-cluster collector, and no batch or drift agent', () => {
      expect(serveAgents).toHaveLength(models.length * 2);
      for (const agent of serveAgents) expect(otlp(agent)).toBe(collectorEndpoint(SERVING_NAMESPACE));
      for (const agent of jobAgents) expect(otlp(agent)).toBeUndefined();
      const service = rendered.telemetry.find((o) => o.kind === 'Service') as unknown as IService;
      expect(
        `http://${service.metadata?.name}.${service.metadata?.namespace}.svc:${service.spec?.ports?.[0]?.port}`,
      ).toBe(collectorEndpoint(SERVING_NAMESPACE));
      const policy = rendered.telemetry.find(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.name === COLLECTOR_NAME,
      ) as unknown as INetworkPolicy;
      expect(policy.spec?.ingress).toEqual([
        { from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: OTLP_HTTP_PORT }] },
      ]);
    });

    it('runs the collector as the serving identity on the CPU nodes, exporting traces to Application Insights with Entra auth', () => {
      const pod = podOf(collector);
      expect(collector.spec?.replicas).toBe(2);
      expect(pod.serviceAccountName).toBe(SERVING_SERVICE_ACCOUNT);
      expect(collector.spec?.template.metadata?.labels?.[WORKLOAD_IDENTITY_USE_LABEL]).toBe('true');
      expect(pod.nodeSelector).toEqual(props.cpuNodeSelector);
      const c = container(pod, 'collector');
      expect(c.image).toBe(telemetry.collectorImage);
      expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
      expect(c.env).toContainEqual({
        name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
        value: telemetry.applicationInsightsConnectionString,
      });
      const config = one<IConfigMap>(rendered.telemetry, 'ConfigMap');
      const parsed = JSON.parse(config.data?.['config.yaml'] ?? '{}');
      expect(parsed).toEqual(collectorConfig());
      expect(parsed.exporters.azuremonitor.auth).toEqual({ authenticator: 'azure_auth' });
      expect(parsed.extensions.azure_auth).toEqual({
        workload_identity: {
          client_id: collectorEnv('AZURE_CLIENT_ID'),
          tenant_id: collectorEnv('AZURE_TENANT_ID'),
          federated_token_file: collectorEnv('AZURE_FEDERATED_TOKEN_FILE'),
        },
        scopes: ['https://monitor.azure.com/.default'],
      });
      expect(parsed.service.pipelines.traces.exporters).toEqual(['azuremonitor']);
      expect(c.volumeMounts?.[0]?.mountPath).toBe('/etc/otelcol');
      expect(c.args).toEqual(['--config=/etc/otelcol/config.yaml']);
    });

    const pools = env.kubernetes.gpuPools;
    it('runs the DCGM exporter on the GPU pools only, with the pod-resources socket, scraped by Managed Prometheus', () => {
      const daemons = all<IDaemonSet>(rendered.telemetry, 'DaemonSet');
      if (pools.length === 0) {
        expect(daemons).toEqual([]);
        return;
      }
      const daemon = one<IDaemonSet>(rendered.telemetry, 'DaemonSet');
      expect(daemon.metadata?.namespace).toBe(GPU_METRICS_NAMESPACE);
      const pod = podOf(daemon);
      expect(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
        { matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: pools.map((pool) => pool.name) }] },
      ]);
      expect(pod.nodeSelector).toBeUndefined();
      const spot = pools.some((pool) => pool.capacity === 'spot');
      expect(pod.tolerations).toEqual([GPU_TOLERATION, ...(spot ? [AKS_SPOT_TOLERATION] : [])]);
      const c = container(pod, DCGM_EXPORTER_NAME);
      expect(c.image).toBe(telemetry.dcgmExporterImage);
      expect(c.resources?.requests?.['nvidia.com/gpu']).toBeUndefined();
      expect(c.env).toContainEqual({ name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' });
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext?.privileged).toBeUndefined();
      expect(c.volumeMounts).toEqual([
        { name: 'pod-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true },
      ]);
      expect(pod.volumes).toEqual([
        { name: 'pod-resources', hostPath: { path: '/var/lib/kubelet/pod-resources', type: 'Directory' } },
      ]);
      const namespace = rendered.telemetry.find(
        (o) => o.kind === 'Namespace' && o.metadata.name === GPU_METRICS_NAMESPACE,
      );
      expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('privileged');
      const monitor = rendered.telemetry.find((o) => o.kind === 'PodMonitor') as KubernetesObject & {
        spec: {
          selector: { matchLabels: Record<string, string> };
          namespaceSelector: { matchNames: string[] };
          podMetricsEndpoints: Array<{ port: string; honorLabels: boolean; metricRelabelings: unknown[] }>;
        };
      };
      expect(monitor.apiVersion).toBe('azmonitoring.coreos.com/v1');
      expect(matches(monitor.spec.selector.matchLabels, daemon.spec?.template.metadata?.labels ?? {})).toBe(true);
      expect(monitor.spec.namespaceSelector.matchNames).toEqual([GPU_METRICS_NAMESPACE]);
      const endpoint = monitor.spec.podMetricsEndpoints[0];
      expect(c.ports).toContainEqual({ name: endpoint?.port, containerPort: DCGM_EXPORTER_PORT, protocol: 'TCP' });
      // The workbooks select the GPU user by `exported_pod`: the target's own labels must win.
      expect(endpoint?.honorLabels).toBe(false);
      expect(endpoint?.metricRelabelings).toEqual([
        { sourceLabels: ['__name__'], regex: 'DCGM_FI_.*', action: 'keep' },
      ]);
    });
  } else {
    it('renders no collector or DCGM exporter on AWS, and leaves the agents without an endpoint unless given one', () => {
      expect(rendered.telemetry).toEqual([]);
      for (const agent of [...serveAgents, ...jobAgents]) expect(otlp(agent)).toBeUndefined();
    });
  }

  it('brings the feature flags into a ConfigMap on Azure, and nothing of the kind on AWS', () => {
    const providers = all<KubernetesObject>(rendered.shared, 'AzureAppConfigurationProvider');
    if (props.binding.cloud === 'aws' || models.length === 0) {
      expect(providers).toHaveLength(0);
      return;
    }
    const selectors = models.map((model) => ({ keyFilter: `${model.name}_*` }));
    expect(providers[0]?.spec).toEqual({
      endpoint: props.binding.appConfigurationEndpoint,
      target: { configMapName: FLAGS_CONFIG_MAP, configMapData: { type: 'json', key: FLAGS_FILE } },
      auth: { workloadIdentity: { serviceAccountName: SERVING_SERVICE_ACCOUNT } },
      configuration: { selectors },
      featureFlag: { selectors, refresh: { enabled: true, interval: '30s' } },
    });
  });

  describe.each(models.map((model) => [model.name, model] as const))('model %s', (_model, model) => {
    const pool = env.kubernetes.gpuPools.find((candidate) => candidate.name === model.gpuPool);
    const gpus = pool ? (model.gpusPerReplica ?? 1) : 0;
    const paths = PROTOCOL_PATHS[model.protocol];

    describe.each(SLOTS.map((slot) => [slot] as const))('slot %s', (slot: Slot) => {
      const objects = rendered.slots[model.name]?.[slot] ?? [];
      const version = slot === 'blue' ? 'v1' : 'v2';
      const deployment = one<IDeployment>(objects, 'Deployment');
      const pod = podOf(deployment);
      const server = container(pod, 'model');
      const agent = container(pod, 'agent');

      it('renders every kind of a slot, in apply order', () => {
        expect(objects.map((object) => object.kind)).toEqual([
          'Service',
          ...(cloud === 'aws' ? ['TargetGroupBinding'] : []),
          'NetworkPolicy',
          'PodDisruptionBudget',
          'Deployment',
          'HorizontalPodAutoscaler',
        ]);
        expect(new Set(objects.map((object) => object.metadata.name))).toEqual(new Set([`${model.name}-${slot}`]));
        for (const object of objects) expect(object.metadata.labels?.[SLOT_LABEL]).toBe(slot);
      });

      it('runs the image of the release, pinned by digest, and leaves the replica count to the autoscaler', () => {
        expect(server.image).toBe(`${props.registry}/${model.repository}:${imageRef(version)}`);
        expect(agent.image).toBe(props.agentImage);
        expect(deployment.spec?.replicas).toBeUndefined();
        expect(deployment.spec?.template.metadata?.annotations).toEqual({ 'mlops.platform/version': version });
        expect(deployment.spec?.strategy?.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
      });

      it('requests the model resources, with GPUs and the pool placement only for a GPU model', () => {
        expect(server.resources?.requests).toMatchObject({
          cpu: `${Math.round(model.cpu * 1000)}m`,
          memory: `${model.memoryGiB * 1024}Mi`,
        });
        expect(server.resources?.limits?.memory).toBe(`${model.memoryGiB * 1024}Mi`);
        const everyContainer = [...(pod.initContainers ?? []), ...pod.containers];
        if (pool) {
          expect(server.resources?.limits?.[GPU_RESOURCE]).toBe(gpus);
          expect(server.resources?.requests?.[GPU_RESOURCE]).toBe(gpus);
          expect(pod.nodeSelector).toEqual({ [POOL_LABEL]: pool.name });
          expect(pod.tolerations).toContainEqual(GPU_TOLERATION);
          const spot = cloud === 'azure' && pool.capacity === 'spot';
          expect(pod.tolerations?.some((t) => t.key === AKS_SPOT_TOLERATION.key)).toBe(spot);
          expect(pod.volumes).toContainEqual(
            expect.objectContaining({ name: 'shm', emptyDir: expect.objectContaining({ medium: 'Memory' }) }),
          );
        } else {
          for (const c of everyContainer) expect(c.resources?.limits?.[GPU_RESOURCE]).toBeUndefined();
          expect(pod.nodeSelector).toEqual(props.cpuNodeSelector);
          expect(pod.tolerations).toBeUndefined();
        }
      });

      it('probes the model server on its paths and the agent on its readiness path', () => {
        expect(server.startupProbe?.httpGet?.path).toBe(model.livenessPath ?? paths.liveness);
        expect(server.livenessProbe?.httpGet?.path).toBe(model.livenessPath ?? paths.liveness);
        expect(server.readinessProbe?.httpGet?.path).toBe(model.readinessPath ?? paths.readiness);
        // LLM servers load weights for minutes: the startup probe gives them room.
        const startup = server.startupProbe ?? {};
        expect((startup.periodSeconds ?? 10) * (startup.failureThreshold ?? 3)).toBeGreaterThanOrEqual(
          pool ? 1800 : 300,
        );
        expect(server.ports).toEqual([{ name: 'model', containerPort: model.containerPort ?? 8080, protocol: 'TCP' }]);
        expect(agent.ports).toEqual([{ name: 'agent', containerPort: AGENT_PORT, protocol: 'TCP' }]);
        expect(agent.readinessProbe?.httpGet).toEqual({ path: AGENT_READY_PATH, port: 'agent' });
        expect(agent.livenessProbe?.tcpSocket).toEqual({ port: 'agent' });
      });

      it('drains for the load balancer, then gives in-flight requests the full timeout', () => {
        const drain = props.drainSeconds ?? WORKLOAD_DEFAULTS.drainSeconds;
        expect(agent.lifecycle?.preStop?.sleep?.seconds).toBe(drain);
        expect(server.lifecycle?.preStop?.sleep?.seconds).toBe(drain + model.timeoutSeconds);
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drain + model.timeoutSeconds);
      });

      it('spreads replicas over zones and nodes without stranding a scale-up', () => {
        const spread = pod.topologySpreadConstraints ?? [];
        expect(spread.map((constraint) => constraint.topologyKey)).toEqual([
          'topology.kubernetes.io/zone',
          'kubernetes.io/hostname',
        ]);
        for (const constraint of spread) {
          expect(constraint.whenUnsatisfiable).toBe('ScheduleAnyway');
          expect(matches(constraint.labelSelector?.matchLabels as Record<string, string>, podLabels(deployment))).toBe(
            true,
          );
        }
      });

      it('runs every container without privileges, and the agents as non-root on read-only roots', () => {
        expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.serviceAccountName).toBe(SERVING_SERVICE_ACCOUNT);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
          expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
          if (c.name !== 'model') {
            expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
          }
        }
      });

      it('scales on the model container between the model replica bounds', () => {
        const hpa = one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
        expect(hpa.spec?.scaleTargetRef).toEqual({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: `${model.name}-${slot}`,
        });
        expect(hpa.spec?.minReplicas).toBe(model.minReplicas);
        expect(hpa.spec?.maxReplicas).toBe(model.maxReplicas);
        expect(hpa.spec?.metrics).toEqual([
          {
            type: 'ContainerResource',
            containerResource: {
              name: model.scaling.metric,
              container: 'model',
              target: { type: 'Utilization', averageUtilization: model.scaling.targetUtilizationPercent },
            },
          },
        ]);
      });

      it('keeps a replica available in a drain without ever blocking it', () => {
        const budget = one<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
        expect(budget.spec?.maxUnavailable).toBe(1);
        expect(budget.spec?.minAvailable).toBeUndefined();
        expect(budget.spec?.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
      });

      it('admits the agent port from the gateway and from the namespace only', () => {
        const policy = one<INetworkPolicy>(objects, 'NetworkPolicy');
        expect(policy.spec?.policyTypes).toEqual(['Ingress']);
        expect(policy.spec?.ingress).toEqual([
          {
            from: [...props.gatewayCidrs.map((cidr) => ({ ipBlock: { cidr } })), { podSelector: {} }],
            ports: [{ protocol: 'TCP', port: AGENT_PORT }],
          },
        ]);
      });

      it('gives the agent its serve settings, which the agent reads back', () => {
        const other = slot === 'blue' ? 'green' : 'blue';
        const peerPort = props.binding.cloud === 'aws' ? AGENT_PORT : slotLoadBalancerPort(model, other);
        const flags =
          props.binding.cloud === 'aws'
            ? {
                kind: 'appconfig',
                url: `http://127.0.0.1:${APPCONFIG_AGENT_PORT}/applications/${props.binding.appConfigApplication}/environments/${props.binding.appConfigEnvironment}/configurations/${props.binding.appConfigProfile}`,
              }
            : { kind: 'file', path: `${FLAGS_MOUNT_PATH}/${FLAGS_FILE}` };
        expect(settingsOf(agent)).toEqual({
          mode: 'serve',
          environment: env.name,
          model: model.name,
          version,
          protocol: model.protocol,
          upstreamUrl: `http://127.0.0.1:${model.containerPort ?? 8080}`,
          readinessPath: model.readinessPath ?? paths.readiness,
          slot,
          listenPort: AGENT_PORT,
          timeoutSeconds: model.timeoutSeconds,
          flags,
          peerUrl: `http://${model.name}-${other}.${SERVING_NAMESPACE}.svc:${peerPort}`,
          ...(model.capture
            ? {
                capture: {
                  uri: `${props.dataZones[CAPTURE_ZONE]}/${CAPTURE_PREFIX}/${model.name}/`,
                  samplePercent: model.capture.samplePercent,
                  dropFields: model.capture.dropFields ?? [],
                },
              }
            : {}),
        });
      });

      if (props.binding.cloud === 'aws') {
        const binding = props.binding;
        it('binds the Service to the slot target group by pod IP, with the AppConfig agent beside the model agent', () => {
          const service = one<IService>(objects, 'Service');
          expect(service.spec?.type).toBe('ClusterIP');
          expect(service.spec?.ports).toEqual([
            { name: 'http', port: AGENT_PORT, targetPort: 'agent', protocol: 'TCP' },
          ]);
          expect(one<KubernetesObject>(objects, 'TargetGroupBinding').spec).toEqual({
            serviceRef: { name: `${model.name}-${slot}`, port: AGENT_PORT },
            targetGroupARN: binding.targetGroupArns[model.name]?.[slot],
            targetType: 'ip',
          });
          const appConfig = container(pod, 'appconfig-agent');
          expect(pod.initContainers?.map((c) => c.name)).toEqual(['appconfig-agent']);
          expect(appConfig.restartPolicy).toBe('Always');
          expect(appConfig.image).toBe(binding.appConfigAgentImage);
          expect(appConfig.env).toEqual([
            { name: 'SERVICE_REGION', value: binding.region },
            { name: 'HTTP_PORT', value: String(APPCONFIG_AGENT_PORT) },
            {
              name: 'PREFETCH_LIST',
              value: `${binding.appConfigApplication}:${binding.appConfigEnvironment}:${binding.appConfigProfile}`,
            },
          ]);
          // It may listen on localhost only, where the kubelet's probes cannot reach it.
          expect([appConfig.startupProbe, appConfig.livenessProbe, appConfig.readinessProbe]).toEqual([
            undefined,
            undefined,
            undefined,
          ]);
          expect(podLabels(deployment)[WORKLOAD_IDENTITY_USE_LABEL]).toBeUndefined();
        });
      } else {
        const binding = props.binding;
        it('exposes the slot on its internal load balancer address and port, with workload identity', () => {
          const service = one<IService>(objects, 'Service');
          expect(service.spec?.type).toBe('LoadBalancer');
          expect(service.spec?.externalTrafficPolicy).toBe('Local');
          expect(service.spec?.loadBalancerSourceRanges).toEqual(props.gatewayCidrs);
          expect(service.spec?.ports).toEqual([
            { name: 'http', port: model.gatewayPort + (slot === 'blue' ? 0 : 1), targetPort: 'agent', protocol: 'TCP' },
          ]);
          expect(service.metadata?.annotations).toEqual({
            'service.beta.kubernetes.io/azure-load-balancer-internal': 'true',
            'service.beta.kubernetes.io/azure-load-balancer-internal-subnet': binding.loadBalancerSubnet,
            'service.beta.kubernetes.io/azure-load-balancer-ipv4': binding.loadBalancerAddresses[model.name]?.[slot],
            'service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout': String(
              Math.max(4, Math.ceil(model.timeoutSeconds / 60) + 1),
            ),
          });
          expect(podLabels(deployment)[WORKLOAD_IDENTITY_USE_LABEL]).toBe('true');
          expect(pod.initContainers).toBeUndefined();
          expect(agent.volumeMounts).toContainEqual({ name: 'flags', mountPath: FLAGS_MOUNT_PATH, readOnly: true });
          expect(pod.volumes).toContainEqual({
            name: 'flags',
            configMap: { name: FLAGS_CONFIG_MAP, items: [{ key: FLAGS_FILE, path: FLAGS_FILE }] },
          });
        });
      }
    });

    it('runs each batch job on the live version, the model server as a native sidecar', () => {
      const jobs = all<ICronJob>(rendered.jobs[model.name] ?? [], 'CronJob');
      for (const job of model.batch ?? []) {
        const cron = jobs.find((candidate) => candidate.metadata?.name === `${model.name}-batch-${job.name}`);
        if (!cron) throw new Error(`no CronJob for batch job ${job.name}`);
        const parallelism = job.parallelism ?? JOB_DEFAULTS.parallelism;
        expect(cron.spec).toMatchObject({
          schedule: job.schedule,
          timeZone: job.timeZone,
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 600,
          successfulJobsHistoryLimit: 3,
          failedJobsHistoryLimit: 3,
        });
        expect(cron.spec?.jobTemplate.spec).toMatchObject({
          backoffLimit: job.retries ?? JOB_DEFAULTS.retries,
          activeDeadlineSeconds: job.timeoutMinutes * 60,
          parallelism,
          completions: parallelism,
          completionMode: 'Indexed',
          ttlSecondsAfterFinished: 3 * 24 * 3600,
        });
        const pod = podOf(cron);
        expect(pod.restartPolicy).toBe('Never');
        expect(pod.containers.map((c) => c.name)).toEqual(['agent']);
        const sidecar = container(pod, 'model');
        expect(pod.initContainers?.map((c) => c.name)).toEqual(['model']);
        expect(sidecar.restartPolicy).toBe('Always');
        expect(sidecar.image).toBe(`${props.registry}/${model.repository}:${imageRef('v2')}`);
        expect(sidecar.startupProbe?.httpGet?.path).toBe(model.readinessPath ?? paths.readiness);
        const jobGpus = job.gpus ?? gpus;
        expect(sidecar.resources?.limits?.[GPU_RESOURCE]).toBe(jobGpus > 0 ? jobGpus : undefined);
        expect(pod.nodeSelector).toEqual(jobGpus > 0 && pool ? { [POOL_LABEL]: pool.name } : props.cpuNodeSelector);
        const agent = container(pod, 'agent');
        const zone = (path: string) =>
          `${props.dataZones[path.split('/')[0] as 'raw']}/${path.split('/').slice(1).join('/')}`;
        expect(settingsOf(agent)).toEqual({
          mode: 'batch',
          environment: env.name,
          model: model.name,
          version: 'v2',
          protocol: model.protocol,
          upstreamUrl: `http://127.0.0.1:${model.containerPort ?? 8080}`,
          readinessPath: model.readinessPath ?? paths.readiness,
          job: job.name,
          input: zone(job.input),
          output: zone(job.output),
          metrics: props.metrics,
        });
        expect(agent.env).toContainEqual({ name: BATCH_SHARDS_VARIABLE, value: String(parallelism) });
      }
    });

    it('runs drift detection on CPU with the drift settings, when the model has drift', () => {
      const drift = all<ICronJob>(rendered.jobs[model.name] ?? [], 'CronJob').filter(
        (job) => job.metadata?.name === `${model.name}-drift`,
      );
      if (!model.drift) {
        expect(drift).toHaveLength(0);
        return;
      }
      const cron = drift[0] as ICronJob;
      expect(cron.spec).toMatchObject({
        schedule: model.drift.schedule,
        timeZone: 'Etc/UTC',
        concurrencyPolicy: 'Forbid',
      });
      const pod = podOf(cron);
      expect(pod.nodeSelector).toEqual(props.cpuNodeSelector);
      expect(pod.initContainers).toBeUndefined();
      const agent = container(pod, 'agent');
      expect(agent.resources?.limits?.[GPU_RESOURCE]).toBeUndefined();
      expect(settingsOf(agent)).toMatchObject({
        mode: 'drift',
        model: model.name,
        version: 'v2',
        capture: `${props.dataZones[CAPTURE_ZONE]}/${CAPTURE_PREFIX}/${model.name}/`,
        baselines: `${props.dataZones.models}/${model.name}/`,
        windowHours: model.drift.windowHours,
        psiThreshold: model.drift.psiThreshold ?? 0.2,
        ksThreshold: model.drift.ksThreshold ?? 0.1,
        outlierZScore: model.drift.outlierZScore ?? 3.5,
        outlierRatePercent: model.drift.outlierRatePercent ?? 5,
        metrics: props.metrics,
        events: props.events,
      });
    });
  });

  it('matches the snapshot (regression net; the assertions above are the contract)', () => {
    expect(rendered.all).toMatchSnapshot();
  });
});

// ---- variations --------------------------------------------------------------------------------

const awsEnv = environments.find((env) => env.target.cloud === 'aws' && (env.serving?.models.length ?? 0) > 0);
const azureEnv = environments.find((env) => env.target.cloud === 'azure' && (env.serving?.models.length ?? 0) > 0);
if (!awsEnv || !azureEnv) throw new Error('the example environments must serve models on both clouds');
const awsProps = propsFor(awsEnv);
const azureProps = propsFor(azureEnv);

/** A GPU model of an environment's pools, with every optional field set. */
function gpuModel(props: ServingWorkloadProps, change: Partial<ModelEndpointConfig> = {}): ModelEndpointConfig {
  const pool = props.gpuPools.reduce((a, b) => (b.gpusPerNode > a.gpusPerNode ? b : a));
  return {
    name: 'ranker',
    repository: 'models/ranker',
    protocol: 'http',
    containerPort: 9090,
    livenessPath: '/alive',
    readinessPath: '/warm',
    gatewayPort: 9100,
    gpuPool: pool.name,
    gpusPerReplica: pool.gpusPerNode,
    cpu: 1.5,
    memoryGiB: 6,
    minReplicas: 2,
    maxReplicas: 3,
    scaling: { metric: 'memory', targetUtilizationPercent: 80 },
    timeoutSeconds: 120,
    rollout: { strategy: 'blue-green', bakeMinutes: 10 },
    batch: [
      {
        name: 'weekly',
        schedule: '0 3 * * 1',
        timeZone: 'UTC',
        input: 'features/ranker/in/',
        output: 'artifacts/ranker/out/',
        gpus: 1,
        timeoutMinutes: 90,
        retries: 0,
        parallelism: 3,
      },
    ],
    ...change,
  };
}

function withModel(props: ServingWorkloadProps, model: ModelEndpointConfig): ServingWorkloadProps {
  const binding =
    props.binding.cloud === 'aws'
      ? {
          ...props.binding,
          targetGroupArns: {
            ...props.binding.targetGroupArns,
            [model.name]: {
              blue: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/ranker-blue/0123456789abcdef',
              green: 'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/ranker-green/fedcba9876543210',
            },
          },
        }
      : {
          ...props.binding,
          loadBalancerAddresses: {
            ...props.binding.loadBalancerAddresses,
            [model.name]: { blue: '10.40.4.50', green: '10.40.4.50' },
          },
        };
  return { ...props, models: [...props.models, model], binding };
}

describe('variations', () => {
  it('gives a GPU model its GPUs per replica, paths, port and memory-based scaling', () => {
    const props = withModel(awsProps, gpuModel(awsProps));
    const model = props.models.at(-1) as ModelEndpointConfig;
    const objects = new ServingWorkload(props).slot('ranker', 'green', imageRef('r7'));
    for (const object of objects) validateObject(object);
    checkStructure(objects, props);
    const pod = podOf(one<IDeployment>(objects, 'Deployment'));
    const server = container(pod, 'model');
    expect(server.resources?.limits?.[GPU_RESOURCE]).toBe(model.gpusPerReplica);
    expect(server.startupProbe?.httpGet).toEqual({ path: '/alive', port: 'model' });
    expect(server.readinessProbe?.httpGet).toEqual({ path: '/warm', port: 'model' });
    expect(server.ports?.[0]?.containerPort).toBe(9090);
    const hpa = one<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec?.metrics?.[0]?.containerResource?.name).toBe('memory');
    expect(settingsOf(container(pod, 'agent'))).toMatchObject({
      upstreamUrl: 'http://127.0.0.1:9090',
      readinessPath: '/warm',
    });
  });

  it('runs a GPU batch job in parallel, indexed, each pod told the number of shards', () => {
    const props = withModel(azureProps, gpuModel(azureProps));
    const objects = new ServingWorkload(props).jobs('ranker', imageRef('r7'));
    for (const object of objects) validateObject(object);
    const cron = one<ICronJob>(objects, 'CronJob');
    expect(cron.spec?.jobTemplate.spec).toMatchObject({
      parallelism: 3,
      completions: 3,
      backoffLimit: 0,
      activeDeadlineSeconds: 5400,
    });
    const pod = podOf(cron);
    expect(container(pod, 'model').resources?.limits?.[GPU_RESOURCE]).toBe(1);
    expect(pod.tolerations).toContainEqual(GPU_TOLERATION);
    expect(container(pod, 'agent').env).toContainEqual({ name: BATCH_SHARDS_VARIABLE, value: '3' });
    expect(podLabels(cron)[WORKLOAD_IDENTITY_USE_LABEL]).toBe('true');
  });

  it('runs a batch job of a GPU model on CPU nodes when it asks for no GPUs', () => {
    const model = gpuModel(awsProps);
    const job = model.batch?.[0] as BatchJobConfig;
    const props = withModel(awsProps, { ...model, batch: [{ ...job, gpus: 0 }] });
    const pod = podOf(one<ICronJob>(new ServingWorkload(props).jobs('ranker', imageRef('r7')), 'CronJob'));
    expect(pod.nodeSelector).toEqual(props.cpuNodeSelector);
    expect(pod.tolerations).toBeUndefined();
    expect(container(pod, 'model').resources?.limits?.[GPU_RESOURCE]).toBeUndefined();
  });

  it('puts CPU models and jobs on a tainted CPU pool when given its tolerations', () => {
    const toleration = { key: 'CriticalAddonsOnly', operator: 'Exists' } as const;
    const workload = new ServingWorkload(vary(awsProps, { cpuTolerations: [toleration] }));
    const cpuModel = awsProps.models.find((model) => model.gpuPool === undefined) as ModelEndpointConfig;
    const pod = podOf(one<IDeployment>(workload.slot(cpuModel.name, 'blue', imageRef('v1')), 'Deployment'));
    expect(pod.tolerations).toEqual([toleration]);
    for (const cron of all<ICronJob>(workload.jobs(cpuModel.name, imageRef('v1')), 'CronJob')) {
      expect(podOf(cron).tolerations).toEqual([toleration]);
    }
  });

  it('has no pre-stop pause without a drain, and the model still outlives its requests', () => {
    const workload = new ServingWorkload(vary(awsProps, { drainSeconds: 0 }));
    const model = awsProps.models[0] as ModelEndpointConfig;
    const pod = podOf(one<IDeployment>(workload.slot(model.name, 'blue', imageRef('v1')), 'Deployment'));
    expect(container(pod, 'agent').lifecycle).toBeUndefined();
    expect(container(pod, 'model').lifecycle?.preStop?.sleep?.seconds).toBe(model.timeoutSeconds);
    expect(pod.terminationGracePeriodSeconds).toBe(model.timeoutSeconds + 15);
  });

  it('opens the pods to the load balancer security group when AWS names it', () => {
    if (awsProps.binding.cloud !== 'aws') throw new Error('aws fixture');
    const props = vary(awsProps, {
      binding: { ...awsProps.binding, loadBalancerSecurityGroupId: 'sg-0a1b2c3d4e5f60718' },
    });
    const model = awsProps.models[0] as ModelEndpointConfig;
    const binding = one<KubernetesObject>(
      new ServingWorkload(props).slot(model.name, 'green', imageRef('v1')),
      'TargetGroupBinding',
    );
    validateObject(binding);
    expect((binding.spec as { networking: unknown }).networking).toEqual({
      ingress: [
        {
          from: [{ securityGroup: { groupID: 'sg-0a1b2c3d4e5f60718' } }],
          ports: [{ protocol: 'TCP', port: AGENT_PORT }],
        },
      ],
    });
  });

  /** A token as aws-cdk-lib (`${Token[TOKEN.n]}`) or cdktf (`${TfToken[TOKEN.n]}`) writes it into a string. */
  const token = (id: number, kind: 'Token' | 'TfToken' = 'Token') => ['$', `{${kind}[TOKEN.${id}]}`].join('');

  it('passes aws-cdk-lib tokens through untouched', () => {
    if (awsProps.binding.cloud !== 'aws') throw new Error('aws fixture');
    const model = awsProps.models.find((candidate) => candidate.capture) as ModelEndpointConfig;
    const arn = token(812);
    const props = vary(awsProps, {
      agentImage: token(801),
      registry: token(802),
      dataZones: { ...awsProps.dataZones, raw: `s3://${token(803)}` },
      binding: {
        ...awsProps.binding,
        region: token(804),
        targetGroupArns: { ...awsProps.binding.targetGroupArns, [model.name]: { blue: arn, green: arn } },
      },
    });
    const objects = new ServingWorkload(props).slot(model.name, 'blue', token(810), token(811));
    for (const object of objects) validateObject(object);
    const pod = podOf(one<IDeployment>(objects, 'Deployment'));
    expect(container(pod, 'model').image).toBe(`${token(802)}/${model.repository}:${token(810)}`);
    expect(container(pod, 'agent').image).toBe(token(801));
    const settings = settingsOf(container(pod, 'agent'));
    expect(settings).toMatchObject({
      version: token(811),
      capture: { uri: `s3://${token(803)}/${CAPTURE_PREFIX}/${model.name}/` },
    });
    expect(container(pod, 'appconfig-agent').env).toContainEqual({ name: 'SERVICE_REGION', value: token(804) });
    expect(
      (one<KubernetesObject>(objects, 'TargetGroupBinding').spec as { targetGroupARN: string }).targetGroupARN,
    ).toBe(arn);
  });

  it('passes cdktf tokens through untouched', () => {
    if (azureProps.binding.cloud !== 'azure') throw new Error('azure fixture');
    const model = azureProps.models[0] as ModelEndpointConfig;
    const props = vary(azureProps, {
      binding: {
        ...azureProps.binding,
        servingIdentityClientId: token(3, 'TfToken'),
        loadBalancerAddresses: {
          ...azureProps.binding.loadBalancerAddresses,
          [model.name]: { blue: token(4, 'TfToken'), green: token(5, 'TfToken') },
        },
      },
    });
    const workload = new ServingWorkload(props);
    const account = one<IServiceAccount>(workload.shared(), 'ServiceAccount');
    expect(account.metadata?.annotations?.['azure.workload.identity/client-id']).toBe(token(3, 'TfToken'));
    const service = one<IService>(workload.slot(model.name, 'green', imageRef('v1')), 'Service');
    expect(service.metadata?.annotations?.['service.beta.kubernetes.io/azure-load-balancer-ipv4']).toBe(
      token(5, 'TfToken'),
    );
  });

  it('accepts a version that agrees with a literal image reference', () => {
    const model = awsProps.models[0] as ModelEndpointConfig;
    const objects = new ServingWorkload(awsProps).slot(model.name, 'blue', imageRef('v9'), 'v9');
    expect(one<IDeployment>(objects, 'Deployment').spec?.template.metadata?.annotations).toEqual({
      'mlops.platform/version': 'v9',
    });
  });

  it('points the serve agents (not batch or drift) at a given OTLP endpoint on AWS', () => {
    const endpoint = 'http://cloudwatch-agent.amazon-cloudwatch.svc:4316';
    const workload = new ServingWorkload(vary(awsProps, { telemetry: { otlpEndpoint: endpoint } }));
    const model = workload.modelNames[0] as string;
    const env = (c: IContainer) => c.env?.find((variable) => variable.name === OTLP_ENDPOINT_VARIABLE)?.value;
    const slot = one<IDeployment>(workload.slot(model, 'blue', imageRef('v1')), 'Deployment');
    expect(env(container(podOf(slot), 'agent'))).toBe(endpoint);
    for (const job of all<ICronJob>(workload.jobs(model, imageRef('v1')), 'CronJob')) {
      expect(env(container(podOf(job), 'agent'))).toBeUndefined();
    }
    expect(workload.telemetry()).toEqual([]);
  });

  it('renders no telemetry and no endpoint on Azure without binding.telemetry', () => {
    if (azureProps.binding.cloud !== 'azure') throw new Error('azure fixture');
    const { telemetry: _, ...binding } = azureProps.binding;
    const workload = new ServingWorkload(vary(azureProps, { binding }));
    expect(workload.telemetry()).toEqual([]);
    const model = workload.modelNames[0] as string;
    const agent = container(
      podOf(one<IDeployment>(workload.slot(model, 'blue', imageRef('v1')), 'Deployment')),
      'agent',
    );
    expect(agent.env?.map((variable) => variable.name)).not.toContain(OTLP_ENDPOINT_VARIABLE);
  });

  it('renders the collector but no DCGM exporter for an Azure environment without GPU pools', () => {
    const cpuOnly = azureProps.models.filter((model) => !model.gpuPool);
    if (azureProps.binding.cloud !== 'azure') throw new Error('azure fixture');
    const addresses = Object.fromEntries(
      cpuOnly.map((model) => [
        model.name,
        azureProps.binding.cloud === 'azure' ? azureProps.binding.loadBalancerAddresses[model.name] : undefined,
      ]),
    );
    const objects = new ServingWorkload(
      vary(azureProps, {
        gpuPools: [],
        models: cpuOnly,
        binding: { ...azureProps.binding, loadBalancerAddresses: addresses as never },
      }),
    ).telemetry();
    expect(objects.map((object) => object.kind)).toEqual([
      'ConfigMap',
      'Service',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Deployment',
    ]);
    for (const object of objects) validateObject(object);
  });

  it('throws when the OTLP endpoint has a path, is set beside the Azure collector, or the telemetry images and connection string are wrong', () => {
    expect(
      () => new ServingWorkload(vary(awsProps, { telemetry: { otlpEndpoint: 'http://collector:4318/v1/traces' } })),
    ).toThrow(/telemetry\.otlpEndpoint is "http:\/\/collector:4318\/v1\/traces", not an OTLP\/HTTP base URL/);
    if (azureProps.binding.cloud !== 'azure' || !azureProps.binding.telemetry) throw new Error('azure fixture');
    const bad = vary(azureProps, {
      telemetry: { otlpEndpoint: 'http://elsewhere:4318' },
      binding: {
        ...azureProps.binding,
        telemetry: {
          collectorImage: 'otel/opentelemetry-collector-contrib:0.160.0',
          dcgmExporterImage: 'nvcr.io/nvidia/k8s/dcgm-exporter:latest',
          applicationInsightsConnectionString: 'InstrumentationKey=not-a-guid',
        },
      },
    });
    let error: unknown;
    try {
      new ServingWorkload(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServingWorkloadError);
    expect((error as ServingWorkloadError).problems).toEqual([
      expect.stringMatching(/^telemetry\.otlpEndpoint is "http:\/\/elsewhere:4318", set beside binding\.telemetry/),
      expect.stringMatching(/^binding\.telemetry\.collectorImage is .*not pinned by digest/),
      expect.stringMatching(/^binding\.telemetry\.dcgmExporterImage is .*not pinned by digest/),
      expect.stringMatching(/^binding\.telemetry\.applicationInsightsConnectionString is .*InstrumentationKey=<guid>/),
    ]);
  });

  it('renders the shared objects alone for an environment without models', () => {
    if (azureProps.binding.cloud !== 'azure') throw new Error('azure fixture');
    const props = vary(azureProps, { models: [], binding: { ...azureProps.binding, loadBalancerAddresses: {} } });
    const workload = new ServingWorkload(props);
    expect(workload.shared().map((object) => object.kind)).toEqual(['Namespace', 'ServiceAccount', 'NetworkPolicy']);
    expect(workload.modelNames).toEqual([]);
  });
});

describe('lib/kubernetes', () => {
  it('is cloud-neutral: it imports neither aws-cdk-lib nor cdktf', () => {
    const dir = join(__dirname, '..', '..', 'lib', 'kubernetes');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      const imports = [...source.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
      expect(
        imports.filter((name) => /^(aws-cdk-lib|cdktf|@cdktf|constructs)/.test(name ?? '')),
        file,
      ).toEqual([]);
    }
  });
});
