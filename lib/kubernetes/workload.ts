/**
 * The model-serving workload, written once for both clouds: the namespace and what every model
 * shares, each model's two slots, and its batch and drift jobs, as plain Kubernetes objects (and
 * on AWS the Kubernetes event logger, lib/kubernetes/events.ts).
 *
 * The AWS serving stack applies them through the EKS kubectl handler (one manifest per group, a
 * slot's guarded by "the slot has an image"); on Azure they are written as YAML that the AKS Flux
 * extension reconciles. Nothing here reads files, the environment or the network: the same props
 * render the same objects, byte for byte.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-33/lib/imports/k8s';
import {
  AGENT_PORT,
  type BatchJobConfig,
  type BatchSettings,
  CAPTURE_PREFIX,
  CAPTURE_ZONE,
  type DataZone,
  type DriftSettings,
  type FlagSource,
  GPU_RESOURCE,
  GPU_TOLERATION,
  type GpuPoolConfig,
  POOL_LABEL,
  SERVING_NAMESPACE,
  SERVING_SERVICE_ACCOUNT,
  type ServeSettings,
  SLOTS,
  type Slot,
} from '../config';
import { eventLogger } from './events';
import {
  APPCONFIG_AGENT_PORT,
  APPCONFIG_CONTAINER,
  BATCH_SHARDS_VARIABLE,
  batchJobName,
  type Component,
  collectorEndpoint,
  commonLabels,
  driftJobName,
  FLAGS_CONFIG_MAP,
  FLAGS_FILE,
  FLAGS_MOUNT_PATH,
  MODEL_CONTAINER,
  OTLP_ENDPOINT_VARIABLE,
  slotLoadBalancerPort,
  slotName,
  slotSelector,
  VERSION_ANNOTATION,
  WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION,
  WORKLOAD_IDENTITY_USE_LABEL,
} from './names';
import {
  agentContainer,
  disruptionBudget,
  modelContainer,
  POD_SECURITY,
  preStopSleep,
  RESTRICTED_CONTAINER,
  type ResolvedModel,
  resolveModel,
  resources,
  SHM_VOLUME,
  shmVolume,
  tmpVolume,
} from './pods';
import type {
  AwsServingBinding,
  AzureServingBinding,
  KubernetesObject,
  ServingWorkloadProps,
  Toleration,
} from './props';
import { collector, gpuMetrics } from './telemetry';
import { checkImageRef, checkProps, isUnresolved, ServingWorkloadError } from './validate';

/** Defaults of optional batch and drift fields, as `BatchJobConfig` and `DriftConfig` document them. */
export const JOB_DEFAULTS = {
  retries: 2,
  parallelism: 1,
  psiThreshold: 0.2,
  ksThreshold: 0.1,
  outlierZScore: 3.5,
  outlierRatePercent: 5,
} as const;

/** Defaults of the workload's own settings. */
export const WORKLOAD_DEFAULTS = { drainSeconds: 30 } as const;

/**
 * CronJob timing: a run the controller could not start within 10 minutes of its time (controller
 * down, cluster upgrade) is skipped rather than started late, and finished Jobs are deleted after
 * 3 days; the CronJob keeps the last 3 successful and failed runs until then.
 */
const CRON = { startingDeadlineSeconds: 600, ttlSecondsAfterFinished: 3 * 24 * 3600, history: 3 } as const;

/**
 * AKS puts this taint on every spot node (https://learn.microsoft.com/azure/aks/spot-node-pool),
 * so pods for a spot pool must tolerate it besides the GPU taint; EKS spot nodes carry no taint.
 */
export const AKS_SPOT_TOLERATION: Toleration = {
  key: 'kubernetes.azure.com/scalesetpriority',
  operator: 'Equal',
  value: 'spot',
  effect: 'NoSchedule',
};

/** cloud-provider-azure Service annotations (https://cloud-provider-azure.sigs.k8s.io/topics/loadbalancer/). */
const AZURE_LB = {
  internal: 'service.beta.kubernetes.io/azure-load-balancer-internal',
  subnet: 'service.beta.kubernetes.io/azure-load-balancer-internal-subnet',
  ipv4: 'service.beta.kubernetes.io/azure-load-balancer-ipv4',
  idleTimeout: 'service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout',
} as const;

/** The AWS Load Balancer Controller injects target-health readiness gates into this namespace's pods. */
const READINESS_GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';

/**
 * The serving workload of one environment.
 *
 * ```ts
 * const workload = new ServingWorkload({ environment: env.name, models: env.serving?.models ?? [], ... });
 * workload.shared();                                  // namespace, service account, policies, flags
 * workload.events();                                  // AWS: the Kubernetes event logger (after shared)
 * workload.slot('churn', 'blue', 'v3@sha256:...');    // everything of one slot with an image
 * workload.jobs('churn', 'v3@sha256:...');            // batch and drift CronJobs on the live version
 * ```
 */
export class ServingWorkload {
  /** The names of the models served, in the environment's order. */
  readonly modelNames: readonly string[];
  private readonly models: ReadonlyMap<string, ResolvedModel>;
  private readonly drainSeconds: number;
  /** Where the serve agents export spans: the given endpoint, or the Azure binding's collector. */
  private readonly otlpEndpoint: string | undefined;

  /** @throws ServingWorkloadError naming every bad prop */
  constructor(private readonly props: ServingWorkloadProps) {
    checkProps(props);
    this.models = new Map(props.models.map((model) => [model.name, resolveModel(model, props.gpuPools)]));
    this.modelNames = props.models.map((model) => model.name);
    this.drainSeconds = props.drainSeconds ?? WORKLOAD_DEFAULTS.drainSeconds;
    const azureCollector = props.binding.cloud === 'azure' && props.binding.telemetry !== undefined;
    this.otlpEndpoint =
      props.telemetry?.otlpEndpoint ?? (azureCollector ? collectorEndpoint(SERVING_NAMESPACE) : undefined);
  }

  /**
   * What every slot relies on, applied before any slot: the namespace (pod security `baseline`
   * enforced, `restricted` warned and audited), the serving service account, a default-deny
   * ingress policy, and on Azure the App Configuration provider that writes the models' flags to
   * the ConfigMap the agents mount.
   */
  shared(): KubernetesObject[] {
    const { binding } = this.props;
    const labels = this.labels('serving');
    const version = `v${this.props.kubernetesVersion}`;
    return render((chart) => {
      new k8s.KubeNamespace(chart, 'Namespace', {
        metadata: {
          name: SERVING_NAMESPACE,
          labels: {
            ...labels,
            // GPU model servers commonly run as root with writable file systems: `restricted`
            // would reject them, `baseline` (no host access, no privileges) does not.
            // https://kubernetes.io/docs/concepts/security/pod-security-admission/
            'pod-security.kubernetes.io/enforce': 'baseline',
            'pod-security.kubernetes.io/enforce-version': version,
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/warn-version': version,
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/audit-version': version,
            // A rolling update waits until new pods are healthy in the target group.
            // https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/deploy/pod_readiness_gate/
            ...(binding.cloud === 'aws' ? { [READINESS_GATE_LABEL]: 'enabled' } : {}),
          },
        },
      });
      new k8s.KubeServiceAccount(chart, 'ServiceAccount', {
        metadata: {
          name: SERVING_SERVICE_ACCOUNT,
          namespace: SERVING_NAMESPACE,
          labels,
          // AWS associates the account with its role outside the cluster (EKS Pod Identity).
          ...(binding.cloud === 'azure'
            ? { annotations: { [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: binding.servingIdentityClientId } }
            : {}),
        },
        // Identity tokens come from the Pod Identity / workload identity webhooks' own projected
        // volumes; no pod calls the Kubernetes API.
        automountServiceAccountToken: false,
      });
      new k8s.KubeNetworkPolicy(chart, 'DefaultDenyIngress', {
        metadata: { name: 'default-deny-ingress', namespace: SERVING_NAMESPACE, labels },
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
      if (binding.cloud === 'azure' && this.modelNames.length > 0) this.flagsProvider(chart, binding, labels);
    });
  }

  /**
   * Azure with `binding.telemetry`: the OpenTelemetry Collector the serve agents export spans to
   * (in the serving namespace, so apply it after `shared()`), and on the GPU pools the DCGM
   * exporter with the `PodMonitor` Azure Managed Prometheus scrapes it by. Empty otherwise (on
   * EKS the CloudWatch Observability add-on brings its own DCGM exporter).
   */
  telemetry(): KubernetesObject[] {
    const { binding } = this.props;
    if (binding.cloud !== 'azure' || !binding.telemetry) return [];
    const telemetry = binding.telemetry;
    const spot = this.props.gpuPools.some((pool) => pool.capacity === 'spot');
    return render((chart) => {
      collector(chart, {
        environment: this.props.environment,
        binding: telemetry,
        nodeSelector: this.props.cpuNodeSelector,
        tolerations: this.props.cpuTolerations ?? [],
      });
      gpuMetrics(chart, {
        environment: this.props.environment,
        kubernetesVersion: this.props.kubernetesVersion,
        image: telemetry.dcgmExporterImage,
        gpuPools: this.props.gpuPools,
        extraTolerations: spot ? [AKS_SPOT_TOLERATION] : [],
      });
    });
  }

  /**
   * AWS: the event logger (lib/kubernetes/events.ts), in the serving namespace, so apply it after
   * `shared()`: the model agent in `events` mode writing the cluster's Kubernetes events to its
   * log, with its service account and read-only cluster role on events. Empty on Azure, where
   * Container Insights collects the events (`KubeEvents`) itself.
   */
  events(): KubernetesObject[] {
    if (this.props.binding.cloud !== 'aws') return [];
    return render((chart) =>
      eventLogger(chart, {
        environment: this.props.environment,
        image: this.props.agentImage,
        nodeSelector: this.props.cpuNodeSelector,
        tolerations: this.props.cpuTolerations ?? [],
      }),
    );
  }

  /**
   * Everything of one slot, in apply order: Service, (AWS) TargetGroupBinding, NetworkPolicy,
   * PodDisruptionBudget, Deployment, HorizontalPodAutoscaler. A slot without an image is simply
   * not applied.
   *
   * @param imageRef the release's `<tag>@sha256:<digest>` (or a deploy-time token of it)
   * @param version the model version (image tag) @default - the tag of a literal `imageRef`
   * @throws ServingWorkloadError for an unknown model or a literal reference without a digest
   */
  slot(model: string, slot: Slot, imageRef: string, version?: string): KubernetesObject[] {
    const m = this.model(model);
    if (!SLOTS.includes(slot)) throw new ServingWorkloadError([`slot is ${JSON.stringify(slot)}: use blue or green`]);
    const tag = checkImageRef(`slot(${model}, ${slot}) imageRef`, imageRef, version);
    const name = slotName(model, slot);
    const selector = slotSelector(model, slot);
    const labels = { ...this.labels('model-server'), ...selector };
    const metadata = { name, namespace: SERVING_NAMESPACE, labels };
    const servicePort = this.servicePort(m, slot);
    return render((chart) => {
      this.service(chart, m, slot, metadata, servicePort);
      if (this.props.binding.cloud === 'aws') this.targetGroupBinding(chart, this.props.binding, model, slot, metadata);
      new k8s.KubeNetworkPolicy(chart, 'NetworkPolicy', {
        metadata,
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Ingress'],
          ingress: [
            {
              // The gateway, and the namespace's own pods: the other slot's agents send shadow
              // traffic here. Kubelet probes from the node are always allowed.
              from: [...this.props.gatewayCidrs.map((cidr) => ({ ipBlock: { cidr } })), { podSelector: {} }],
              ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(AGENT_PORT) }],
            },
          ],
        },
      });
      disruptionBudget(chart, 'DisruptionBudget', metadata, selector);
      new k8s.KubeDeployment(chart, 'Deployment', {
        metadata,
        spec: {
          // No `replicas`: the autoscaler owns the count, and an apply must not reset it.
          selector: { matchLabels: selector },
          revisionHistoryLimit: 3,
          // A GPU replica may wait for a node to be created, its image pulled and weights loaded.
          progressDeadlineSeconds: m.gpus > 0 ? 2400 : 600,
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
          },
          template: {
            metadata: { labels: this.podLabels(labels), annotations: { [VERSION_ANNOTATION]: tag } },
            spec: this.servingPod(m, slot, selector, `${this.image(m)}:${imageRef}`, tag),
          },
        },
      });
      new k8s.KubeHorizontalPodAutoscalerV2(chart, 'Autoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: m.config.minReplicas,
          maxReplicas: m.config.maxReplicas,
          metrics: [
            {
              // The model container's own use against its request, not the pod's average with
              // the sidecars in it.
              type: 'ContainerResource',
              containerResource: {
                name: m.config.scaling.metric,
                container: MODEL_CONTAINER,
                target: { type: 'Utilization', averageUtilization: m.config.scaling.targetUtilizationPercent },
              },
            },
          ],
          behavior: {
            scaleUp: {
              stabilizationWindowSeconds: 0,
              selectPolicy: 'Max',
              policies: [
                { type: 'Percent', value: 100, periodSeconds: 60 },
                { type: 'Pods', value: 2, periodSeconds: 60 },
              ],
            },
            // Replicas (GPU ones above all) are slow to come back: shrink one at a time, after
            // five minutes of lower load.
            scaleDown: {
              stabilizationWindowSeconds: 300,
              selectPolicy: 'Min',
              policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }],
            },
          },
        },
      });
    });
  }

  /**
   * The model's scheduled jobs, on its live version: a CronJob per batch job (the agent in
   * `batch` mode beside the model server as a native sidecar) and, with `drift`, a CPU CronJob of
   * the agent in `drift` mode. Empty for a model with neither.
   *
   * @param imageRef the live slot's `<tag>@sha256:<digest>` (or a deploy-time token of it)
   * @param version the model version (image tag) @default - the tag of a literal `imageRef`
   */
  jobs(model: string, imageRef: string, version?: string): KubernetesObject[] {
    const m = this.model(model);
    const tag = checkImageRef(`jobs(${model}) imageRef`, imageRef, version);
    const image = `${this.image(m)}:${imageRef}`;
    return render((chart) => {
      for (const job of m.config.batch ?? []) this.batchJob(chart, m, job, image, tag);
      if (m.config.drift) this.driftJob(chart, m, tag);
    });
  }

  // ---- slot ----------------------------------------------------------------------------------

  private servingPod(
    m: ResolvedModel,
    slot: Slot,
    selector: Record<string, string>,
    image: string,
    version: string,
  ): k8s.PodSpec {
    const { binding } = this.props;
    const gpu = m.gpus > 0;
    const timeout = m.config.timeoutSeconds;
    const other = slot === 'blue' ? 'green' : 'blue';
    const settings: ServeSettings = {
      mode: 'serve',
      environment: this.props.environment,
      model: m.config.name,
      version,
      protocol: m.config.protocol,
      upstreamUrl: `http://127.0.0.1:${m.containerPort}`,
      readinessPath: m.readinessPath,
      slot,
      listenPort: AGENT_PORT,
      timeoutSeconds: timeout,
      flags: this.flagSource(),
      peerUrl: `http://${slotName(m.config.name, other)}.${SERVING_NAMESPACE}.svc:${this.servicePort(m, other)}`,
      ...(m.config.capture
        ? {
            capture: {
              uri: this.captureUri(m),
              samplePercent: m.config.capture.samplePercent,
              dropFields: m.config.capture.dropFields ?? [],
            },
          }
        : {}),
    };
    const flagsMount = { name: 'flags', mountPath: FLAGS_MOUNT_PATH, readOnly: true };
    const spread = (topologyKey: string): k8s.TopologySpreadConstraint => ({
      topologyKey,
      maxSkew: 1,
      // ScheduleAnyway: a GPU pool scaling from zero, or limited to one zone, must still take
      // the next replica on whatever node it can create; DoNotSchedule would strand it.
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: selector },
      // Spread each rollout's pods on their own, and only over nodes the pod could use.
      matchLabelKeys: ['pod-template-hash'],
      nodeTaintsPolicy: 'Honor',
    });
    return {
      ...this.podIdentity(),
      ...this.placement(m.pool, gpu),
      securityContext: POD_SECURITY,
      topologySpreadConstraints: [spread('topology.kubernetes.io/zone'), spread('kubernetes.io/hostname')],
      // In-flight requests get the full request timeout after the load balancer let go of the
      // pod (drain), and the model server a little time to exit after the agent.
      terminationGracePeriodSeconds: this.drainSeconds + timeout + 15,
      ...(binding.cloud === 'aws' ? { initContainers: [this.appConfigAgent(binding)] } : {}),
      containers: [
        {
          ...modelContainer(m, image, GPU_RESOURCE),
          // The model outlives the agent's drain and its in-flight requests.
          ...preStopSleep(this.drainSeconds + timeout),
          ...(gpu ? { volumeMounts: [{ name: SHM_VOLUME, mountPath: '/dev/shm' }] } : {}),
        },
        agentContainer(this.props.agentImage, settings, {
          drainSeconds: this.drainSeconds,
          volumeMounts: binding.cloud === 'azure' ? [flagsMount] : [],
          extraEnv: this.otlpEndpoint ? [{ name: OTLP_ENDPOINT_VARIABLE, value: this.otlpEndpoint }] : [],
        }),
      ],
      volumes: [
        tmpVolume(256),
        ...(gpu ? [shmVolume(m)] : []),
        ...(binding.cloud === 'aws'
          ? [{ name: 'appconfig-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }]
          : []),
        ...(binding.cloud === 'azure'
          ? [{ name: 'flags', configMap: { name: FLAGS_CONFIG_MAP, items: [{ key: FLAGS_FILE, path: FLAGS_FILE }] } }]
          : []),
      ],
    };
  }

  /**
   * The AWS AppConfig agent as a native sidecar (an init container that keeps running): it starts
   * before the model agent and stops after it. No probes: the agent may bind to localhost only
   * (`HTTP_HOST` depends on its version and runtime), which the kubelet's probes, sent to the pod
   * IP, cannot reach; a crash still restarts it, and the model agent retries until it answers.
   * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-containers-agent-configuring.html
   */
  private appConfigAgent(binding: AwsServingBinding): k8s.Container {
    return {
      name: APPCONFIG_CONTAINER,
      image: binding.appConfigAgentImage,
      imagePullPolicy: 'IfNotPresent',
      restartPolicy: 'Always',
      ports: [{ name: 'appconfig', containerPort: APPCONFIG_AGENT_PORT, protocol: 'TCP' }],
      env: [
        { name: 'SERVICE_REGION', value: binding.region },
        { name: 'HTTP_PORT', value: String(APPCONFIG_AGENT_PORT) },
        {
          name: 'PREFETCH_LIST',
          value: `${binding.appConfigApplication}:${binding.appConfigEnvironment}:${binding.appConfigProfile}`,
        },
      ],
      resources: resources(0.05, 128),
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ name: 'appconfig-tmp', mountPath: '/tmp' }],
      terminationMessagePolicy: 'FallbackToLogsOnError',
    };
  }

  private service(
    chart: Chart,
    m: ResolvedModel,
    slot: Slot,
    metadata: { name: string; namespace: string; labels: Record<string, string> },
    port: number,
  ): void {
    const { binding } = this.props;
    const selector = slotSelector(m.config.name, slot);
    const ports = [{ name: 'http', port, targetPort: k8s.IntOrString.fromString('agent'), protocol: 'TCP' }];
    if (binding.cloud === 'aws') {
      // The load balancer reaches the pods by IP through the TargetGroupBinding.
      new k8s.KubeService(chart, 'Service', { metadata, spec: { type: 'ClusterIP', selector, ports } });
      return;
    }
    const address = binding.loadBalancerAddresses[m.config.name]?.[slot] as string;
    new k8s.KubeService(chart, 'Service', {
      metadata: {
        ...metadata,
        annotations: {
          [AZURE_LB.internal]: 'true',
          [AZURE_LB.subnet]: binding.loadBalancerSubnet,
          [AZURE_LB.ipv4]: address,
          // A connection idles while the model answers; Azure's default (4 minutes) is the floor.
          [AZURE_LB.idleTimeout]: String(Math.min(100, Math.max(4, Math.ceil(m.config.timeoutSeconds / 60) + 1))),
        },
      },
      spec: {
        type: 'LoadBalancer',
        // Local: the load balancer sends traffic only to nodes with a ready pod of the slot, and
        // the pod sees API Management's address (which its network policy admits) instead of a
        // node's after a second hop.
        externalTrafficPolicy: 'Local',
        // A second gate before the network policy: the node (kube-proxy or Cilium) drops traffic
        // to the frontend from anywhere else.
        loadBalancerSourceRanges: [...this.props.gatewayCidrs],
        selector,
        ports,
      },
    });
  }

  /**
   * https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/targetgroupbinding/spec/
   */
  private targetGroupBinding(
    chart: Chart,
    binding: AwsServingBinding,
    model: string,
    slot: Slot,
    metadata: { name: string; namespace: string; labels: Record<string, string> },
  ): void {
    const securityGroup = binding.loadBalancerSecurityGroupId;
    new ApiObject(chart, 'TargetGroupBinding', {
      apiVersion: 'elbv2.k8s.aws/v1beta1',
      kind: 'TargetGroupBinding',
      metadata,
      spec: {
        serviceRef: { name: metadata.name, port: AGENT_PORT },
        targetGroupARN: binding.targetGroupArns[model]?.[slot],
        targetType: 'ip',
        ...(securityGroup
          ? {
              networking: {
                ingress: [
                  {
                    from: [{ securityGroup: { groupID: securityGroup } }],
                    ports: [{ protocol: 'TCP', port: AGENT_PORT }],
                  },
                ],
              },
            }
          : {}),
      },
    });
  }

  /**
   * Azure: the models' feature flags (and only those: one selector per model's `<model>_*` keys)
   * from App Configuration into a ConfigMap, refreshed every 30 s, read with the serving identity.
   * https://learn.microsoft.com/azure/azure-app-configuration/reference-kubernetes-provider
   */
  private flagsProvider(chart: Chart, binding: AzureServingBinding, labels: Record<string, string>): void {
    const selectors = this.modelNames.map((model) => ({ keyFilter: `${model}_*` }));
    new ApiObject(chart, 'FlagsProvider', {
      apiVersion: 'azconfig.io/v1',
      kind: 'AzureAppConfigurationProvider',
      metadata: { name: FLAGS_CONFIG_MAP, namespace: SERVING_NAMESPACE, labels },
      spec: {
        endpoint: binding.appConfigurationEndpoint,
        target: { configMapName: FLAGS_CONFIG_MAP, configMapData: { type: 'json', key: FLAGS_FILE } },
        auth: { workloadIdentity: { serviceAccountName: SERVING_SERVICE_ACCOUNT } },
        configuration: { selectors },
        featureFlag: { selectors, refresh: { enabled: true, interval: '30s' } },
      },
    });
  }

  // ---- jobs ----------------------------------------------------------------------------------

  private batchJob(chart: Chart, m: ResolvedModel, job: BatchJobConfig, image: string, version: string): void {
    const name = batchJobName(m.config.name, job.name);
    const gpus = job.gpus ?? m.gpus;
    const onGpu = gpus > 0;
    const sized: ResolvedModel = { ...m, gpus };
    const parallelism = job.parallelism ?? JOB_DEFAULTS.parallelism;
    const settings: BatchSettings = {
      mode: 'batch',
      environment: this.props.environment,
      model: m.config.name,
      version,
      protocol: m.config.protocol,
      upstreamUrl: `http://127.0.0.1:${m.containerPort}`,
      readinessPath: m.readinessPath,
      job: job.name,
      input: this.zonePath(job.input),
      output: this.zonePath(job.output),
      metrics: this.props.metrics,
    };
    const server = modelContainer(sized, image, GPU_RESOURCE);
    this.cronJob(chart, name, m, 'batch', version, {
      schedule: job.schedule,
      timeZone: job.timeZone,
      retries: job.retries ?? JOB_DEFAULTS.retries,
      timeoutSeconds: job.timeoutMinutes * 60,
      parallelism,
      pod: {
        ...this.placement(m.pool, onGpu),
        initContainers: [
          {
            ...server,
            // A native sidecar: it starts (and must answer its readiness path) before the agent,
            // and is stopped when the agent, the Job's main container, has finished.
            restartPolicy: 'Always',
            startupProbe: { ...server.startupProbe, httpGet: server.readinessProbe?.httpGet },
            ...(onGpu ? { volumeMounts: [{ name: SHM_VOLUME, mountPath: '/dev/shm' }] } : {}),
          },
        ],
        containers: [
          agentContainer(this.props.agentImage, settings, {
            extraEnv: [{ name: BATCH_SHARDS_VARIABLE, value: String(parallelism) }],
          }),
        ],
        volumes: [tmpVolume(1024), ...(onGpu ? [shmVolume(sized)] : [])],
      },
    });
  }

  private driftJob(chart: Chart, m: ResolvedModel, version: string): void {
    const drift = m.config.drift;
    if (!drift) return;
    const settings: DriftSettings = {
      mode: 'drift',
      environment: this.props.environment,
      model: m.config.name,
      version,
      protocol: m.config.protocol,
      // No model server runs in a drift pod; the contract's common fields name the model's.
      upstreamUrl: `http://127.0.0.1:${m.containerPort}`,
      readinessPath: m.readinessPath,
      capture: this.captureUri(m),
      // `<models zone>/<model>/`: each version's baseline is `<version>/baseline.json` below it
      // (`baselineKey`), and the agent reads the one of each version it finds in the captures.
      baselines: this.zoneUri('models', `${m.config.name}/`),
      windowHours: drift.windowHours,
      psiThreshold: drift.psiThreshold ?? JOB_DEFAULTS.psiThreshold,
      ksThreshold: drift.ksThreshold ?? JOB_DEFAULTS.ksThreshold,
      outlierZScore: drift.outlierZScore ?? JOB_DEFAULTS.outlierZScore,
      outlierRatePercent: drift.outlierRatePercent ?? JOB_DEFAULTS.outlierRatePercent,
      metrics: this.props.metrics,
      events: this.props.events,
    };
    this.cronJob(chart, driftJobName(m.config.name), m, 'drift', version, {
      schedule: drift.schedule,
      timeZone: 'Etc/UTC',
      retries: JOB_DEFAULTS.retries,
      // A run must finish before the next one would start at the tightest schedule (hourly).
      timeoutSeconds: 50 * 60,
      parallelism: 1,
      pod: {
        ...this.placement(undefined, false),
        containers: [agentContainer(this.props.agentImage, settings)],
        volumes: [tmpVolume(1024)],
      },
    });
  }

  private cronJob(
    chart: Chart,
    name: string,
    m: ResolvedModel,
    component: 'batch' | 'drift',
    version: string,
    run: {
      readonly schedule: string;
      readonly timeZone: string;
      readonly retries: number;
      readonly timeoutSeconds: number;
      readonly parallelism: number;
      readonly pod: Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'initContainers' | 'containers' | 'volumes'>;
    },
  ): void {
    const labels = {
      ...this.labels(component),
      'app.kubernetes.io/name': m.config.name,
      'app.kubernetes.io/instance': name,
    };
    new k8s.KubeCronJob(chart, name, {
      metadata: { name, namespace: SERVING_NAMESPACE, labels },
      spec: {
        schedule: run.schedule,
        timeZone: run.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: CRON.startingDeadlineSeconds,
        successfulJobsHistoryLimit: CRON.history,
        failedJobsHistoryLimit: CRON.history,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: run.retries,
            activeDeadlineSeconds: run.timeoutSeconds,
            ttlSecondsAfterFinished: CRON.ttlSecondsAfterFinished,
            // Each pod gets JOB_COMPLETION_INDEX and processes its share of the input.
            completionMode: 'Indexed',
            completions: run.parallelism,
            parallelism: run.parallelism,
            // A spot reclaim or node drain is not the run's fault: it does not use up a retry.
            podFailurePolicy: {
              rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
            },
            template: {
              metadata: { labels: this.podLabels(labels), annotations: { [VERSION_ANNOTATION]: version } },
              spec: {
                ...this.podIdentity(),
                ...run.pod,
                securityContext: POD_SECURITY,
                restartPolicy: 'Never',
              },
            },
          },
        },
      },
    });
  }

  // ---- shared helpers ------------------------------------------------------------------------

  private model(name: string): ResolvedModel {
    const model = this.models.get(name);
    if (!model) {
      throw new ServingWorkloadError([
        `model is ${JSON.stringify(name)}, not a model of the environment: use one of ${this.modelNames.join(', ') || '(none)'}`,
      ]);
    }
    return model;
  }

  private labels(component: Component): Record<string, string> {
    return commonLabels(this.props.environment, component);
  }

  /** Pod labels: AKS workload identity injects the serving identity's token only into labelled pods. */
  private podLabels(labels: Record<string, string>): Record<string, string> {
    return this.props.binding.cloud === 'azure' ? { ...labels, [WORKLOAD_IDENTITY_USE_LABEL]: 'true' } : labels;
  }

  private podIdentity(): Pick<
    k8s.PodSpec,
    'serviceAccountName' | 'automountServiceAccountToken' | 'enableServiceLinks'
  > {
    return {
      serviceAccountName: SERVING_SERVICE_ACCOUNT,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
    };
  }

  /** GPU pods on their pool's nodes (tolerating its taints), CPU pods where the cloud says. */
  private placement(pool: GpuPoolConfig | undefined, gpu: boolean): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations'> {
    if (!pool || !gpu) {
      const tolerations = this.props.cpuTolerations ?? [];
      return {
        nodeSelector: { ...this.props.cpuNodeSelector },
        ...(tolerations.length ? { tolerations: [...tolerations] } : {}),
      };
    }
    const spot = this.props.binding.cloud === 'azure' && pool.capacity === 'spot';
    return {
      nodeSelector: { [POOL_LABEL]: pool.name },
      tolerations: [{ ...GPU_TOLERATION }, ...(spot ? [AKS_SPOT_TOLERATION] : [])],
    };
  }

  private image(m: ResolvedModel): string {
    return `${this.props.registry}/${m.config.repository}`;
  }

  /** The port a slot's Service listens on: the agent port on AWS, the slot's load balancer port on Azure. */
  private servicePort(m: ResolvedModel, slot: Slot): number {
    return this.props.binding.cloud === 'aws' ? AGENT_PORT : slotLoadBalancerPort(m.config, slot);
  }

  private flagSource(): FlagSource {
    const { binding } = this.props;
    if (binding.cloud === 'azure') return { kind: 'file', path: `${FLAGS_MOUNT_PATH}/${FLAGS_FILE}` };
    const { appConfigApplication: app, appConfigEnvironment: env, appConfigProfile: profile } = binding;
    return {
      kind: 'appconfig',
      url: `http://127.0.0.1:${APPCONFIG_AGENT_PORT}/applications/${app}/environments/${env}/configurations/${profile}`,
    };
  }

  /** `<capture zone>/<CAPTURE_PREFIX>/<model>/`: where the serving agents write and drift reads. */
  private captureUri(m: ResolvedModel): string {
    return this.zoneUri(CAPTURE_ZONE, `${CAPTURE_PREFIX}/${m.config.name}/`);
  }

  /** A batch job's `<zone>/<prefix>` as a location. */
  private zonePath(path: string): string {
    const [zone = '', ...rest] = path.split('/');
    return this.zoneUri(zone as DataZone, rest.join('/'));
  }

  private zoneUri(zone: DataZone, path: string): string {
    const base = this.props.dataZones[zone] as string;
    return `${isUnresolved(base) ? base : base.replace(/\/+$/, '')}/${path}`;
  }
}

/** Renders the objects a builder defines, in definition order, with sorted keys. */
function render(build: (chart: Chart) => void): KubernetesObject[] {
  const app = new App({ recordConstructMetadata: false });
  const chart = new Chart(app, 'serving');
  build(chart);
  return chart.toJson().map((object: Record<string, unknown>) => canonical(object) as KubernetesObject);
}

/** Keys sorted at every level, `apiVersion`, `kind` and `metadata` first: stable whatever cdk8s's settings. */
function canonical(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, false));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const head = top ? ['apiVersion', 'kind', 'metadata'].filter((key) => key in record) : [];
  const rest = Object.keys(record)
    .filter((key) => !head.includes(key))
    .sort();
  return Object.fromEntries([...head, ...rest].map((key) => [key, canonical(record[key], false)]));
}
