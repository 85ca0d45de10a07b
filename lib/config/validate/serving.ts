/**
 * The served models: names, images, ports, placement on the GPU pools, replica bounds, scaling,
 * timeouts, rollout policy, flags, capture, batch jobs and drift detection.
 */
import { PROTOCOL_PATHS } from '../agent';
import { AGENT_PORT, CAPTURE_ZONE, GATEWAY_PORTS } from '../conventions';
import { CRON_FIELDS, type CronFieldSpec, cronValues } from '../cron';
import { resolveGpuMachineTypeOrUndefined } from '../gpu-catalog';
import { allocatable, machineSpec } from '../machines';
import type { GpuPoolConfig, ModelEndpointConfig, PlatformEnvironment } from '../types';
import { type Checker, isInt, isNumber } from './checker';

/** Model and job names: they become URL segments and the base of Kubernetes and cloud names. */
const MODEL_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,19}$/;
/** ECR and ACR repository names: lowercase path components separated by `/`. */
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const HTTP_PATH = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]{0,200}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
/** Ports the pod's sidecars take: the model agent, and the AWS AppConfig agent. */
const RESERVED_PORTS = [AGENT_PORT, 2772];
/**
 * What a replica needs beyond the model container, for the fit check: the model agent and the
 * flag sidecar, plus the node daemons (CNI, kube-proxy, device plugin, log and metric agents).
 */
const POD_OVERHEAD = { cpu: 0.6, memoryGiB: 1.2 } as const;
/** An NLB has at most 50 listeners, and each model takes two (live and preview). */
const MAX_MODELS = 24;
/** Longest request timeout of an API Gateway REST integration without a quota increase. */
const AWS_DEFAULT_INTEGRATION_TIMEOUT = 29;

export function checkServing(c: Checker, env: PlatformEnvironment): void {
  const models = env.serving?.models;
  if (!models) return;
  if (models.length > MAX_MODELS) {
    c.error(
      'serving.models',
      models.length,
      `lists more than ${MAX_MODELS} models`,
      'split the models over environments (the model API load balancer has 50 listeners, two per model)',
    );
  }
  const names = new Set<string>();
  const ports = new Map<number, string>();
  models.forEach((model, i) => {
    const path = `serving.models[${i}]`;
    if (!MODEL_NAME.test(model.name)) {
      c.error(
        `${path}.name`,
        model.name,
        'must be 1-20 lowercase letters, digits and single hyphens, starting with a letter',
        "use a short name such as 'churn'; it becomes the URL segment /models/<name>/",
      );
    } else if (names.has(model.name)) {
      c.error(`${path}.name`, model.name, 'is used by another model', 'give each model its own name');
    }
    names.add(model.name);
    if (!REPOSITORY.test(model.repository) || model.repository.length > 200) {
      c.error(
        `${path}.repository`,
        model.repository,
        'is not a registry repository name',
        "use lowercase path components such as 'models/churn'",
      );
    }
    checkPorts(c, path, model, ports);
    for (const field of ['livenessPath', 'readinessPath'] as const) {
      const value = model[field];
      if (value !== undefined && !HTTP_PATH.test(value)) {
        c.error(
          `${path}.${field}`,
          value,
          'is not an HTTP path',
          `write a path such as '${PROTOCOL_PATHS[model.protocol][field === 'livenessPath' ? 'liveness' : 'readiness']}'`,
        );
      }
    }
    const pool = checkPlacement(c, path, env, model);
    checkReplicas(c, path, env, model, pool);
    checkTraffic(c, path, env, model);
    checkCapture(c, path, env, model);
    checkJobs(c, path, env, model, pool);
  });
}

function checkPorts(c: Checker, path: string, model: ModelEndpointConfig, ports: Map<number, string>): void {
  const containerPort = model.containerPort ?? 8080;
  if (c.intInRange(`${path}.containerPort`, containerPort, 1024, 65535, 'use an unprivileged port, such as 8080')) {
    if (RESERVED_PORTS.includes(containerPort)) {
      c.error(
        `${path}.containerPort`,
        containerPort,
        `is taken by a sidecar in the same pod (${RESERVED_PORTS.join(', ')})`,
        'serve the model on another port, such as 8080',
      );
    }
  }
  const port = model.gatewayPort;
  if (!isInt(port) || port < GATEWAY_PORTS.min || port > GATEWAY_PORTS.max || port % 2 !== 0) {
    c.error(
      `${path}.gatewayPort`,
      port,
      `must be an even number from ${GATEWAY_PORTS.min} to ${GATEWAY_PORTS.max}`,
      'pick the next free even port; the port after it carries previews',
    );
    return;
  }
  const clash = ports.get(port);
  if (clash) {
    c.error(
      `${path}.gatewayPort`,
      port,
      `is used by model '${clash}'`,
      `use a port no other model uses (taken: ${[...ports.keys()].sort().join(', ')})`,
    );
  }
  ports.set(port, model.name);
}

/** The GPU pool of a GPU model (checked), or undefined for a CPU model. */
function checkPlacement(
  c: Checker,
  path: string,
  env: PlatformEnvironment,
  model: ModelEndpointConfig,
): GpuPoolConfig | undefined {
  c.numberInRange(`${path}.cpu`, model.cpu, 0.1, 192, 'request 0.1 or more CPU cores per replica');
  c.numberInRange(`${path}.memoryGiB`, model.memoryGiB, 0.25, 2048, 'request 0.25 GiB or more per replica');
  const pools = env.kubernetes.gpuPools;
  if (model.gpuPool === undefined) {
    if (model.gpusPerReplica !== undefined && model.gpusPerReplica !== 0) {
      c.error(
        `${path}.gpusPerReplica`,
        model.gpusPerReplica,
        'asks for GPUs without a gpuPool',
        `set gpuPool to one of: ${pools.map((p) => p.name).join(', ') || '(no GPU pools)'}`,
      );
    }
    checkFit(c, path, env, model, env.kubernetes.systemPool.machineType, 'the CPU nodes');
    return undefined;
  }
  const pool = pools.find((p) => p.name === model.gpuPool);
  if (!pool) {
    c.error(
      `${path}.gpuPool`,
      model.gpuPool,
      'is not a GPU pool of this environment',
      `use one of: ${pools.map((p) => p.name).join(', ') || '(none: add a pool to kubernetes.gpuPools)'}`,
    );
    return undefined;
  }
  const gpus = model.gpusPerReplica ?? 1;
  if (c.intInRange(`${path}.gpusPerReplica`, gpus, 1, 16, 'use 1 or more GPUs per replica')) {
    if (isInt(pool.gpusPerNode) && gpus > pool.gpusPerNode) {
      c.error(
        `${path}.gpusPerReplica`,
        gpus,
        `is more than the ${pool.gpusPerNode} GPUs of a node in pool '${pool.name}', so no replica could ever be scheduled`,
        `use at most ${pool.gpusPerNode}, or a pool with more GPUs per node`,
      );
    }
  }
  const machineType = resolveGpuMachineTypeOrUndefined(env.target.cloud, pool);
  if (machineType) checkFit(c, path, env, model, machineType, `a node of pool '${pool.name}'`);
  return pool;
}

/** The model container plus its sidecars must fit what a node offers pods. */
function checkFit(
  c: Checker,
  path: string,
  env: PlatformEnvironment,
  model: ModelEndpointConfig,
  machineType: string,
  where: string,
): void {
  const spec = machineSpec(machineType);
  if (!spec || !isNumber(model.cpu) || !isNumber(model.memoryGiB)) return;
  const room = allocatable(spec);
  const cpu = room.cpu - POD_OVERHEAD.cpu;
  const memory = room.memoryGiB - POD_OVERHEAD.memoryGiB;
  if (model.cpu > cpu) {
    c.error(
      `${path}.cpu`,
      model.cpu,
      `does not fit ${where} (${machineType}: about ${cpu.toFixed(1)} cores left for the model after the system reserve, sidecars and node daemons)`,
      `request at most ${Math.floor(cpu * 10) / 10} cores, or use a larger machine type`,
    );
  }
  if (model.memoryGiB > memory) {
    c.error(
      `${path}.memoryGiB`,
      model.memoryGiB,
      `does not fit ${where} (${machineType}: about ${memory.toFixed(1)} GiB left for the model after the system reserve, sidecars and node daemons)`,
      `request at most ${Math.floor(memory * 10) / 10} GiB, or use a larger machine type`,
    );
  }
  void env;
}

function checkReplicas(
  c: Checker,
  path: string,
  env: PlatformEnvironment,
  model: ModelEndpointConfig,
  pool: GpuPoolConfig | undefined,
): void {
  const minOk = c.intInRange(
    `${path}.minReplicas`,
    model.minReplicas,
    1,
    100,
    'keep at least 1 replica per slot (the autoscaler cannot scale from 0)',
  );
  const maxOk = c.intInRange(`${path}.maxReplicas`, model.maxReplicas, 1, 100, 'use 1-100 replicas');
  if (minOk && maxOk && model.maxReplicas < model.minReplicas) {
    c.error(
      `${path}.maxReplicas`,
      model.maxReplicas,
      `must be >= minReplicas (${model.minReplicas})`,
      'raise maxReplicas or lower minReplicas',
    );
  }
  if (minOk && env.stage === 'production' && model.minReplicas < 2) {
    c.warn(
      `${path}.minReplicas`,
      model.minReplicas,
      'leaves production with a single replica, so a node drain or failure interrupts the model',
      'use at least 2 in production',
    );
  }
  const scaling = model.scaling;
  c.intInRange(
    `${path}.scaling.targetUtilizationPercent`,
    scaling.targetUtilizationPercent,
    10,
    95,
    'use 10-95 percent of the request',
  );
  if (!pool || !minOk || !maxOk || !isInt(pool.maxNodes) || !isInt(pool.gpusPerNode)) return;
  const gpus = model.gpusPerReplica ?? 1;
  const capacity = pool.maxNodes * Math.floor(pool.gpusPerNode / Math.max(1, gpus));
  if (model.maxReplicas > capacity) {
    c.warn(
      `${path}.maxReplicas`,
      model.maxReplicas,
      `is more than pool '${pool.name}' can hold (${capacity} replicas of ${gpus} GPU at ${pool.maxNodes} nodes)`,
      `raise the pool's maxNodes or lower maxReplicas`,
    );
  }
  if (2 * model.minReplicas > capacity) {
    c.warn(
      `${path}.minReplicas`,
      model.minReplicas,
      `times two slots is more than pool '${pool.name}' can hold (${capacity} replicas), so a release cannot start the new version beside the running one`,
      "raise the pool's maxNodes",
    );
  }
}

function checkTraffic(c: Checker, path: string, env: PlatformEnvironment, model: ModelEndpointConfig): void {
  if (
    c.intInRange(`${path}.timeoutSeconds`, model.timeoutSeconds, 1, 600, 'use 1-600 seconds') &&
    env.target.cloud === 'aws' &&
    model.timeoutSeconds > AWS_DEFAULT_INTEGRATION_TIMEOUT
  ) {
    c.warn(
      `${path}.timeoutSeconds`,
      model.timeoutSeconds,
      `is more than API Gateway's ${AWS_DEFAULT_INTEGRATION_TIMEOUT}-second integration timeout`,
      'request a higher "Maximum integration timeout" quota for the account (Service Quotas) before deploying, or lower it',
    );
  }
  const rollout = model.rollout;
  if (rollout.strategy === 'blue-green') {
    c.intInRange(
      `${path}.rollout.bakeMinutes`,
      rollout.bakeMinutes,
      1,
      180,
      'watch the alarms 1-180 minutes after the switch',
    );
  } else {
    const steps = rollout.steps;
    if (steps.length === 0 || steps.length > 10) {
      c.error(
        `${path}.rollout.steps`,
        steps,
        'must list 1-10 steps',
        'list steps such as [{ weightPercent: 10, bakeMinutes: 15 }, { weightPercent: 50, bakeMinutes: 15 }]',
      );
    }
    let previous = 0;
    steps.forEach((step, s) => {
      const stepPath = `${path}.rollout.steps[${s}]`;
      if (
        c.intInRange(
          `${stepPath}.weightPercent`,
          step.weightPercent,
          1,
          99,
          'use 1-99 percent (the last move to 100 follows the steps)',
        ) &&
        step.weightPercent <= previous
      ) {
        c.error(
          `${stepPath}.weightPercent`,
          step.weightPercent,
          `must be more than the step before (${previous})`,
          'list the steps in rising order of weight',
        );
      }
      if (isInt(step.weightPercent)) previous = step.weightPercent;
      c.intInRange(`${stepPath}.bakeMinutes`, step.bakeMinutes, 1, 180, 'watch the alarms 1-180 minutes per step');
    });
  }
  const flags = model.flags;
  if (flags?.shadowPercent !== undefined) {
    c.numberInRange(`${path}.flags.shadowPercent`, flags.shadowPercent, 0, 100, 'use 0-100 percent');
  }
  if (flags?.capture && !model.capture) {
    c.error(
      `${path}.flags.capture`,
      flags.capture,
      'turns capture on, but the model has no capture settings',
      'add capture: { samplePercent: 10 } or turn the flag off',
    );
  }
}

function checkCapture(c: Checker, path: string, env: PlatformEnvironment, model: ModelEndpointConfig): void {
  const capture = model.capture;
  if (!capture) return;
  c.numberInRange(`${path}.capture.samplePercent`, capture.samplePercent, 0, 100, 'use 0-100 percent of requests');
  const seen = new Set<string>();
  (capture.dropFields ?? []).forEach((field, f) => {
    if (!FIELD.test(field)) {
      c.error(
        `${path}.capture.dropFields[${f}]`,
        field,
        'is not a JSON field name',
        'name a top-level field such as customer_id',
      );
    } else if (seen.has(field)) {
      c.error(`${path}.capture.dropFields[${f}]`, field, 'is listed twice', 'list each field once');
    }
    seen.add(field);
  });
  if (capture.retentionDays !== undefined) {
    c.intInRange(`${path}.capture.retentionDays`, capture.retentionDays, 1, 3650, 'keep captured records 1-3650 days');
  }
  if (Array.isArray(env.storage.zones) && !env.storage.zones.includes(CAPTURE_ZONE)) {
    c.error(
      `${path}.capture`,
      capture,
      `writes to the '${CAPTURE_ZONE}' data zone, which storage.zones lacks`,
      `add '${CAPTURE_ZONE}' to storage.zones`,
    );
  }
}

function checkJobs(
  c: Checker,
  path: string,
  env: PlatformEnvironment,
  model: ModelEndpointConfig,
  pool: GpuPoolConfig | undefined,
): void {
  const jobNames = new Set<string>();
  (model.batch ?? []).forEach((job, j) => {
    const jobPath = `${path}.batch[${j}]`;
    if (!MODEL_NAME.test(job.name)) {
      c.error(
        `${jobPath}.name`,
        job.name,
        'must be 1-20 lowercase letters, digits and single hyphens, starting with a letter',
        "use a name such as 'nightly'",
      );
    } else if (jobNames.has(job.name)) {
      c.error(`${jobPath}.name`, job.name, 'is used by another batch job of the model', 'give each job its own name');
    }
    jobNames.add(job.name);
    checkCron(c, `${jobPath}.schedule`, job.schedule);
    if (!isTimeZone(job.timeZone)) {
      c.error(
        `${jobPath}.timeZone`,
        job.timeZone,
        'is not an IANA time zone',
        "use a zone such as 'Europe/Amsterdam' or 'UTC'",
      );
    }
    for (const field of ['input', 'output'] as const) checkZonePrefix(c, `${jobPath}.${field}`, env, job[field]);
    const gpus = job.gpus ?? model.gpusPerReplica ?? (pool ? 1 : 0);
    if (c.intInRange(`${jobPath}.gpus`, gpus, 0, 16, 'use 0 (CPU) or more GPUs')) {
      if (gpus > 0 && !pool) {
        c.error(
          `${jobPath}.gpus`,
          gpus,
          'asks for GPUs, and the model has no gpuPool',
          'set gpus to 0, or give the model a gpuPool',
        );
      } else if (pool && isInt(pool.gpusPerNode) && gpus > pool.gpusPerNode) {
        c.error(
          `${jobPath}.gpus`,
          gpus,
          `is more than the ${pool.gpusPerNode} GPUs of a node in pool '${pool.name}'`,
          `use at most ${pool.gpusPerNode}`,
        );
      }
    }
    c.intInRange(`${jobPath}.timeoutMinutes`, job.timeoutMinutes, 1, 1440, 'use 1-1440 minutes');
    if (job.retries !== undefined) c.intInRange(`${jobPath}.retries`, job.retries, 0, 10, 'use 0-10 retries');
    if (job.parallelism !== undefined)
      c.intInRange(`${jobPath}.parallelism`, job.parallelism, 1, 100, 'use 1-100 pods');
  });
  const drift = model.drift;
  if (!drift) return;
  const driftPath = `${path}.drift`;
  if (!model.capture) {
    c.error(
      driftPath,
      drift,
      'compares captured requests with the baseline, and the model captures none',
      'add capture settings (and turn the capture flag on)',
    );
  }
  checkCron(c, `${driftPath}.schedule`, drift.schedule);
  c.intInRange(`${driftPath}.windowHours`, drift.windowHours, 1, 720, 'compare 1-720 hours of captured requests');
  if (drift.psiThreshold !== undefined)
    c.numberInRange(
      `${driftPath}.psiThreshold`,
      drift.psiThreshold,
      0.01,
      10,
      'use a PSI such as 0.2 (0.1 watch, 0.25 act)',
    );
  if (drift.ksThreshold !== undefined)
    c.numberInRange(`${driftPath}.ksThreshold`, drift.ksThreshold, 0.01, 1, 'use a KS statistic such as 0.1');
  if (drift.outlierZScore !== undefined)
    c.numberInRange(`${driftPath}.outlierZScore`, drift.outlierZScore, 1, 20, 'use a robust z-score such as 3.5');
  if (drift.outlierRatePercent !== undefined)
    c.numberInRange(
      `${driftPath}.outlierRatePercent`,
      drift.outlierRatePercent,
      0.1,
      100,
      'use a percentage such as 5',
    );
}

/** `<zone>/<prefix>` inside a data zone of the environment. */
function checkZonePrefix(c: Checker, path: string, env: PlatformEnvironment, value: string): void {
  const [zone = '', ...rest] = value.split('/');
  const prefix = rest.join('/');
  if (!(env.storage.zones as readonly string[]).includes(zone)) {
    c.error(
      path,
      value,
      `does not start with a data zone of the environment (${env.storage.zones.join(', ')})`,
      "write it as '<zone>/<prefix>/', for example 'curated/churn/daily/'",
    );
  } else if (!prefix || prefix.includes('..') || !/^[A-Za-z0-9!_.*'()/=-]+$/.test(prefix)) {
    c.error(
      path,
      value,
      'has no usable prefix after the zone',
      "write it as '<zone>/<prefix>/', for example 'curated/churn/daily/'",
    );
  }
}

/** A five-field cron schedule as Kubernetes CronJobs accept it. */
function checkCron(c: Checker, path: string, schedule: string): void {
  const fields = schedule.trim().split(/\s+/);
  const fix = "write five fields: minute hour day-of-month month day-of-week, for example '0 2 * * *'";
  if (fields.length !== 5) {
    c.error(path, schedule, `has ${fields.length} fields, a cron schedule has 5`, fix);
    return;
  }
  fields.forEach((field, f) => {
    const spec = CRON_FIELDS[f] as CronFieldSpec;
    if (cronValues(field, spec) === undefined)
      c.error(path, schedule, `has an invalid ${spec.name} field '${field}' (${spec.min}-${spec.max})`, fix);
  });
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
