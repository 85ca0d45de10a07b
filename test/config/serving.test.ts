import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import type { ModelEndpointConfig, PlatformEnvironment } from '../../lib/config';
import { type Draft, fixtures } from '../util';
import { expectRule, type RuleCase, rule } from './cases';

const { awsStaging, awsProduction, azureStaging } = fixtures;

/** The i-th model of a draft. */
const model = (d: Draft<PlatformEnvironment>, i = 0) =>
  (d.serving as Draft<{ models: ModelEndpointConfig[] }>).models[i] as Draft<ModelEndpointConfig>;
/** The CPU model (churn) and the GPU model (assistant) of the shipped environments. */
const cpu = (d: Draft<PlatformEnvironment>) => model(d, 0);
const gpu = (d: Draft<PlatformEnvironment>) => model(d, 1);

// One row per serving rule.
const cases: readonly RuleCase[] = [
  rule(
    awsStaging,
    'a model name has uppercase letters',
    (d) => {
      cpu(d).name = 'Churn';
    },
    'serving.models[0].name',
    'lowercase',
  ),
  rule(
    awsStaging,
    'two models share a name',
    (d) => {
      gpu(d).name = 'churn';
    },
    'serving.models[1].name',
    'used by another model',
  ),
  rule(
    awsStaging,
    'a model name is too long for its Kubernetes names',
    (d) => {
      cpu(d).name = 'a'.repeat(21);
    },
    'serving.models[0].name',
    '1-20',
  ),
  rule(
    awsStaging,
    'a repository name has uppercase letters',
    (d) => {
      cpu(d).repository = 'Models/Churn';
    },
    'serving.models[0].repository',
    'not a registry repository name',
  ),
  rule(
    awsStaging,
    'the container port is the agent port',
    (d) => {
      cpu(d).containerPort = 8000;
    },
    'serving.models[0].containerPort',
    'taken by a sidecar',
  ),
  rule(
    awsStaging,
    'the container port is privileged',
    (d) => {
      cpu(d).containerPort = 80;
    },
    'serving.models[0].containerPort',
    '1024 to 65535',
  ),
  rule(
    awsStaging,
    'a readiness path does not start with a slash',
    (d) => {
      cpu(d).readinessPath = 'ready';
    },
    'serving.models[0].readinessPath',
    'not an HTTP path',
  ),
  rule(
    awsStaging,
    'a gateway port is odd',
    (d) => {
      cpu(d).gatewayPort = 9001;
    },
    'serving.models[0].gatewayPort',
    'even number',
  ),
  rule(
    awsStaging,
    'a gateway port is out of range',
    (d) => {
      cpu(d).gatewayPort = 443;
    },
    'serving.models[0].gatewayPort',
    '9000 to 9998',
  ),
  rule(
    awsStaging,
    'two models share a gateway port',
    (d) => {
      gpu(d).gatewayPort = 9000;
    },
    'serving.models[1].gatewayPort',
    "used by model 'churn'",
  ),
  rule(
    awsStaging,
    'the GPU pool is unknown',
    (d) => {
      gpu(d).gpuPool = 'inference';
    },
    'serving.models[1].gpuPool',
    'use one of: infer, train',
  ),
  rule(
    awsStaging,
    'a replica asks for more GPUs than a node has',
    (d) => {
      gpu(d).gpusPerReplica = 2;
    },
    'serving.models[1].gpusPerReplica',
    'more than the 1 GPUs of a node',
  ),
  rule(
    awsStaging,
    'a CPU model asks for GPUs',
    (d) => {
      cpu(d).gpusPerReplica = 1;
    },
    'serving.models[0].gpusPerReplica',
    'without a gpuPool',
  ),
  rule(
    awsStaging,
    'a replica asks for more CPU than a node offers',
    (d) => {
      gpu(d).cpu = 4;
    },
    'serving.models[1].cpu',
    'does not fit a node of pool',
  ),
  rule(
    azureStaging,
    'a replica asks for more memory than a node offers',
    (d) => {
      gpu(d).memoryGiB = 40;
    },
    'serving.models[1].memoryGiB',
    'Standard_NC4as_T4_v3',
  ),
  rule(
    awsStaging,
    'a CPU replica does not fit the CPU nodes',
    (d) => {
      cpu(d).memoryGiB = 64;
    },
    'serving.models[0].memoryGiB',
    'does not fit the CPU nodes (m7i.large',
  ),
  rule(
    awsStaging,
    'minReplicas is 0',
    (d) => {
      cpu(d).minReplicas = 0;
    },
    'serving.models[0].minReplicas',
    'whole number from 1',
  ),
  rule(
    awsStaging,
    'maxReplicas is below minReplicas',
    (d) => {
      cpu(d).maxReplicas = 0;
      cpu(d).minReplicas = 1;
    },
    'serving.models[0].maxReplicas',
    'whole number from 1',
  ),
  rule(
    awsStaging,
    'maxReplicas is below a larger minReplicas',
    (d) => {
      cpu(d).minReplicas = 3;
      cpu(d).maxReplicas = 2;
    },
    'serving.models[0].maxReplicas',
    'must be >= minReplicas (3)',
  ),
  rule(
    awsProduction,
    'production runs a single replica',
    (d) => {
      cpu(d).minReplicas = 1;
    },
    'serving.models[0].minReplicas',
    'single replica',
    'warning',
  ),
  rule(
    awsStaging,
    'the GPU pool cannot hold maxReplicas',
    (d) => {
      gpu(d).maxReplicas = 9;
    },
    'serving.models[1].maxReplicas',
    "more than pool 'infer' can hold",
    'warning',
  ),
  rule(
    awsStaging,
    'the GPU pool cannot hold both slots at minReplicas',
    (d) => {
      gpu(d).minReplicas = 3;
      gpu(d).maxReplicas = 4;
    },
    'serving.models[1].minReplicas',
    'times two slots',
    'warning',
  ),
  rule(
    awsStaging,
    'the scaling target is out of range',
    (d) => {
      cpu(d).scaling.targetUtilizationPercent = 100;
    },
    'serving.models[0].scaling.targetUtilizationPercent',
    '10 to 95',
  ),
  rule(
    awsStaging,
    'the scaling metric is unknown',
    (d) => {
      (cpu(d).scaling as { metric: string }).metric = 'gpu';
    },
    'serving.models[0].scaling.metric',
    "must be one of 'cpu', 'memory'",
  ),
  rule(
    awsStaging,
    'the timeout is above API Gateway’s default limit',
    (d) => {
      cpu(d).timeoutSeconds = 60;
    },
    'serving.models[0].timeoutSeconds',
    '29-second integration timeout',
    'warning',
  ),
  rule(
    azureStaging,
    'the timeout is above 600 seconds',
    (d) => {
      cpu(d).timeoutSeconds = 601;
    },
    'serving.models[0].timeoutSeconds',
    '1 to 600',
  ),
  rule(
    awsStaging,
    'a blue/green bake is too long',
    (d) => {
      gpu(d).rollout = { strategy: 'blue-green', bakeMinutes: 181 };
    },
    'serving.models[1].rollout.bakeMinutes',
    '1 to 180',
  ),
  rule(
    awsStaging,
    'a canary has no steps',
    (d) => {
      cpu(d).rollout = { strategy: 'canary', steps: [] };
    },
    'serving.models[0].rollout.steps',
    '1-10 steps',
  ),
  rule(
    awsStaging,
    'canary weights do not rise',
    (d) => {
      cpu(d).rollout = {
        strategy: 'canary',
        steps: [
          { weightPercent: 50, bakeMinutes: 5 },
          { weightPercent: 10, bakeMinutes: 5 },
        ],
      };
    },
    'serving.models[0].rollout.steps[1].weightPercent',
    'more than the step before (50)',
  ),
  rule(
    awsStaging,
    'a canary step sends all traffic',
    (d) => {
      cpu(d).rollout = { strategy: 'canary', steps: [{ weightPercent: 100, bakeMinutes: 5 }] };
    },
    'serving.models[0].rollout.steps[0].weightPercent',
    '1 to 99',
  ),
  rule(
    awsStaging,
    'a canary step has no bake',
    (d) => {
      cpu(d).rollout = { strategy: 'canary', steps: [{ weightPercent: 10, bakeMinutes: 0 }] };
    },
    'serving.models[0].rollout.steps[0].bakeMinutes',
    '1 to 180',
  ),
  rule(
    awsStaging,
    'the rollout strategy is misspelled',
    (d) => {
      (cpu(d).rollout as { strategy: string }).strategy = 'canery';
    },
    'serving.models[0].rollout.strategy',
    "did you mean 'canary'?",
  ),
  rule(
    awsStaging,
    'the shadow share is above 100',
    (d) => {
      cpu(d).flags = { shadowPercent: 150 };
    },
    'serving.models[0].flags.shadowPercent',
    '0 to 100',
  ),
  rule(
    awsStaging,
    'the capture flag is on without capture settings',
    (d) => {
      gpu(d).flags = { capture: true };
    },
    'serving.models[1].flags.capture',
    'no capture settings',
  ),
  rule(
    awsStaging,
    'the capture sample is above 100',
    (d) => {
      (cpu(d).capture as { samplePercent: number }).samplePercent = 101;
    },
    'serving.models[0].capture.samplePercent',
    '0 to 100',
  ),
  rule(
    awsStaging,
    'a dropped field is not a field name',
    (d) => {
      cpu(d).capture = { samplePercent: 10, dropFields: ['a b'] };
    },
    'serving.models[0].capture.dropFields[0]',
    'not a JSON field name',
  ),
  rule(
    awsStaging,
    'captures have nowhere to go',
    (d) => {
      d.storage.zones = ['curated', 'models', 'artifacts'];
    },
    'serving.models[0].capture',
    "'raw' data zone",
  ),
  rule(
    awsStaging,
    'a batch schedule has four fields',
    (d) => {
      (cpu(d).batch?.[0] as { schedule: string }).schedule = '0 2 * *';
    },
    'serving.models[0].batch[0].schedule',
    'has 4 fields',
  ),
  rule(
    awsStaging,
    'a batch schedule has an hour of 24',
    (d) => {
      (cpu(d).batch?.[0] as { schedule: string }).schedule = '0 24 * * *';
    },
    'serving.models[0].batch[0].schedule',
    'invalid hour field',
  ),
  rule(
    awsStaging,
    'a batch time zone is unknown',
    (d) => {
      (cpu(d).batch?.[0] as { timeZone: string }).timeZone = 'Europe/Amsterdamm';
    },
    'serving.models[0].batch[0].timeZone',
    'IANA time zone',
  ),
  rule(
    awsStaging,
    'a batch input is outside the data zones',
    (d) => {
      (cpu(d).batch?.[0] as { input: string }).input = 'gold/churn/';
    },
    'serving.models[0].batch[0].input',
    'does not start with a data zone',
  ),
  rule(
    awsStaging,
    'a batch output has no prefix',
    (d) => {
      (cpu(d).batch?.[0] as { output: string }).output = 'artifacts/';
    },
    'serving.models[0].batch[0].output',
    'no usable prefix',
  ),
  rule(
    awsStaging,
    'a CPU model’s batch job asks for GPUs',
    (d) => {
      (cpu(d).batch?.[0] as { gpus: number }).gpus = 1;
    },
    'serving.models[0].batch[0].gpus',
    'no gpuPool',
  ),
  rule(
    awsStaging,
    'two batch jobs of a model share a name',
    (d) => {
      const job = cpu(d).batch?.[0];
      cpu(d).batch = [job, job] as never;
    },
    'serving.models[0].batch[1].name',
    'used by another batch job',
  ),
  rule(
    awsStaging,
    'a batch timeout is longer than a day',
    (d) => {
      (cpu(d).batch?.[0] as { timeoutMinutes: number }).timeoutMinutes = 1441;
    },
    'serving.models[0].batch[0].timeoutMinutes',
    '1 to 1440',
  ),
  rule(
    awsStaging,
    'drift runs without capture',
    (d) => {
      gpu(d).drift = { schedule: '0 * * * *', windowHours: 24 };
    },
    'serving.models[1].drift',
    'captures none',
  ),
  rule(
    awsStaging,
    'the drift window is too long',
    (d) => {
      (cpu(d).drift as { windowHours: number }).windowHours = 1000;
    },
    'serving.models[0].drift.windowHours',
    '1 to 720',
  ),
  rule(
    awsStaging,
    'the PSI threshold is 0',
    (d) => {
      (cpu(d).drift as { psiThreshold: number }).psiThreshold = 0;
    },
    'serving.models[0].drift.psiThreshold',
    '0.01 to 10',
  ),
  rule(
    awsStaging,
    'the outlier z-score is below 1',
    (d) => {
      (cpu(d).drift as { outlierZScore: number }).outlierZScore = 0.5;
    },
    'serving.models[0].drift.outlierZScore',
    '1 to 20',
  ),
  rule(
    awsStaging,
    'too many models for the load balancer’s listeners',
    (d) => {
      const one = cpu(d);
      d.serving = {
        models: Array.from({ length: 25 }, (_, i) => ({ ...one, name: `m${i}`, gatewayPort: 9000 + 2 * i })),
      };
    },
    'serving.models',
    'more than 24 models',
  ),
];

describe('serving validation', () => {
  it('ships a GPU model and a CPU-only model in every environment', () => {
    for (const env of environments) {
      const models = env.serving?.models ?? [];
      expect(
        models.some((m) => m.gpuPool !== undefined),
        env.name,
      ).toBe(true);
      expect(
        models.some((m) => m.gpuPool === undefined),
        env.name,
      ).toBe(true);
    }
  });

  it.each(cases)('throws when $name', (c) => {
    expectRule(c);
  });
});
