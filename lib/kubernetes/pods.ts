/**
 * The containers and pod settings the serving and job pods share: the model agent, the model
 * server, security contexts, resources and probes.
 */

import type { Chart } from 'cdk8s';
import * as k8s from 'cdk8s-plus-33/lib/imports/k8s';
import {
  AGENT_PORT,
  type AgentSettings,
  agentEnvironment,
  type GpuPoolConfig,
  type ModelEndpointConfig,
  PROTOCOL_PATHS,
} from '../config';
import { AGENT_CONTAINER, AGENT_READY_PATH, MODEL_CONTAINER } from './names';

/** Defaults of optional model fields, as `ModelEndpointConfig` documents them. */
export const MODEL_DEFAULTS = { containerPort: 8080 } as const;

/** The agent's user: a fixed non-root id, so `runAsNonRoot` holds whatever the image declares. */
const NON_ROOT_USER = 65532;

/** What the model agent and the AppConfig agent run with: everything the restricted standard asks. */
export const RESTRICTED_CONTAINER: k8s.SecurityContext = {
  runAsNonRoot: true,
  runAsUser: NON_ROOT_USER,
  runAsGroup: NON_ROOT_USER,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/**
 * What the model server runs with. Model server images (vLLM, Triton, TGI, KServe runtimes)
 * commonly run as root and write caches to their file system, so neither a non-root user nor a
 * read-only root is forced on them; no capabilities and no privilege escalation still are. This
 * meets the namespace's enforced `baseline` standard; `restricted` is warned and audited.
 */
export const MODEL_SERVER_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** Pod-level: the container runtime's default seccomp profile, which every standard expects. */
export const POD_SECURITY: k8s.PodSecurityContext = { seccompProfile: { type: 'RuntimeDefault' } };

/** CPU cores as millicores, exact for the 0.1 steps the environment allows. */
export function cpu(cores: number): k8s.Quantity {
  return k8s.Quantity.fromString(`${Math.round(cores * 1000)}m`);
}

/** Mebibytes, exact for the GiB fractions the environment allows. */
export function mebibytes(mib: number): k8s.Quantity {
  return k8s.Quantity.fromString(`${Math.round(mib)}Mi`);
}

/** Requests, with the memory limit equal to the request (no CPU limit: throttling hurts latency). */
export function resources(cores: number, memoryMiB: number, gpus = 0, gpuResource?: string): k8s.ResourceRequirements {
  const gpu = gpus > 0 && gpuResource ? { [gpuResource]: k8s.Quantity.fromNumber(gpus) } : {};
  return {
    requests: { cpu: cpu(cores), memory: mebibytes(memoryMiB), ...gpu },
    limits: { memory: mebibytes(memoryMiB), ...gpu },
  };
}

/** A model's values with their defaults applied, and its GPU pool. */
export interface ResolvedModel {
  readonly config: ModelEndpointConfig;
  readonly containerPort: number;
  readonly livenessPath: string;
  readonly readinessPath: string;
  readonly pool: GpuPoolConfig | undefined;
  readonly gpus: number;
  readonly memoryMiB: number;
}

export function resolveModel(model: ModelEndpointConfig, pools: readonly GpuPoolConfig[]): ResolvedModel {
  const pool = pools.find((candidate) => candidate.name === model.gpuPool);
  return {
    config: model,
    containerPort: model.containerPort ?? MODEL_DEFAULTS.containerPort,
    livenessPath: model.livenessPath ?? PROTOCOL_PATHS[model.protocol].liveness,
    readinessPath: model.readinessPath ?? PROTOCOL_PATHS[model.protocol].readiness,
    pool,
    gpus: pool ? (model.gpusPerReplica ?? 1) : 0,
    memoryMiB: model.memoryGiB * 1024,
  };
}

/**
 * Probe timing. Model servers on GPUs download and load weights for minutes before they answer,
 * so their startup probe allows 30 minutes (and the liveness probe only runs after it passed);
 * CPU models get 5. Under load an LLM server answers its health path slowly, so a GPU model's
 * liveness probe tolerates a minute of failures before the container is restarted.
 */
export function probeTiming(gpu: boolean) {
  return gpu
    ? { startupPeriod: 10, startupFailures: 180, livenessFailures: 6 }
    : { startupPeriod: 5, startupFailures: 60, livenessFailures: 3 };
}

/**
 * A pre-stop pause in the kubelet (no shell needed in the image). A zero-second sleep is still
 * behind a feature gate, so no pause means no hook.
 * https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations
 */
/**
 * The disruption budget of every Deployment the workload renders: one pod at a time, never "at
 * least N" (with one replica, minAvailable 1 would block every node drain forever), and unhealthy
 * pods never block a drain either.
 */
export function disruptionBudget(
  scope: Chart,
  id: string,
  metadata: k8s.ObjectMeta,
  selector: Readonly<Record<string, string>>,
): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata,
    spec: {
      maxUnavailable: k8s.IntOrString.fromNumber(1),
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: { ...selector } },
    },
  });
}

export function preStopSleep(seconds: number): Pick<k8s.Container, 'lifecycle'> {
  return seconds > 0 ? { lifecycle: { preStop: { sleep: { seconds } } } } : {};
}

const httpGet = (path: string, port: string): k8s.HttpGetAction => ({ path, port: k8s.IntOrString.fromString(port) });

/** The model server container: the image, its port, resources and probes. */
export function modelContainer(model: ResolvedModel, image: string, gpuResource: string): k8s.Container {
  const timing = probeTiming(model.gpus > 0);
  return {
    name: MODEL_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'model', containerPort: model.containerPort, protocol: 'TCP' }],
    resources: resources(model.config.cpu, model.memoryMiB, model.gpus, gpuResource),
    startupProbe: {
      httpGet: httpGet(model.livenessPath, 'model'),
      periodSeconds: timing.startupPeriod,
      timeoutSeconds: 5,
      failureThreshold: timing.startupFailures,
    },
    livenessProbe: {
      httpGet: httpGet(model.livenessPath, 'model'),
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: timing.livenessFailures,
    },
    readinessProbe: {
      httpGet: httpGet(model.readinessPath, 'model'),
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    securityContext: MODEL_SERVER_CONTAINER,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

export const TMP_VOLUME = 'tmp';
export const SHM_VOLUME = 'shm';

/** Scratch space for a container with a read-only root. */
export function tmpVolume(sizeMiB: number): k8s.Volume {
  return { name: TMP_VOLUME, emptyDir: { sizeLimit: mebibytes(sizeMiB) } };
}

/**
 * Shared memory for a GPU model server: PyTorch and NCCL use /dev/shm, and the runtime's default
 * is 64 MiB. Memory-backed, so it counts against the container's memory: a quarter of it.
 */
export function shmVolume(model: ResolvedModel): k8s.Volume {
  return { name: SHM_VOLUME, emptyDir: { medium: 'Memory', sizeLimit: mebibytes(model.memoryMiB / 4) } };
}

/**
 * Agent resources per mode: a proxy beside a model, a batch driver, a statistics run, and the
 * event logger (one watch connection and a map of the cluster's event ids: Node's own ~60 MiB
 * plus a few MiB per 10,000 events).
 */
export const AGENT_RESOURCES = {
  serve: { cpu: 0.25, memoryMiB: 256 },
  batch: { cpu: 0.5, memoryMiB: 1024 },
  drift: { cpu: 1, memoryMiB: 2048 },
  events: { cpu: 0.05, memoryMiB: 192 },
} as const;

/** The model agent in one of its modes, configured by its settings. */
export function agentContainer(
  image: string,
  settings: AgentSettings,
  options: {
    readonly extraEnv?: readonly k8s.EnvVar[];
    readonly volumeMounts?: readonly k8s.VolumeMount[];
    readonly drainSeconds?: number;
  } = {},
): k8s.Container {
  const size = AGENT_RESOURCES[settings.mode];
  const serving = settings.mode === 'serve';
  const env = Object.entries(agentEnvironment(settings)).map(([name, value]) => ({ name, value }));
  return {
    name: AGENT_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    env: [...env, ...(options.extraEnv ?? [])],
    resources: resources(size.cpu, size.memoryMiB),
    ...(serving
      ? {
          ports: [{ name: 'agent', containerPort: AGENT_PORT, protocol: 'TCP' }],
          readinessProbe: {
            httpGet: httpGet(AGENT_READY_PATH, 'agent'),
            periodSeconds: 5,
            timeoutSeconds: 3,
            failureThreshold: 2,
          },
          // A TCP check: the agent's liveness does not depend on the model behind it.
          livenessProbe: {
            tcpSocket: { port: k8s.IntOrString.fromString('agent') },
            periodSeconds: 10,
            timeoutSeconds: 3,
            failureThreshold: 3,
          },
          ...preStopSleep(options.drainSeconds ?? 0),
        }
      : {}),
    securityContext: RESTRICTED_CONTAINER,
    volumeMounts: [{ name: TMP_VOLUME, mountPath: '/tmp' }, ...(options.volumeMounts ?? [])],
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}
