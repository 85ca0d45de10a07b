import type { PlatformEnvironment } from '../lib/config';

/**
 * AWS staging: the first stop of every change. Two zones and one NAT gateway keep it cheap; GPU
 * pools are spot and scale to zero.
 *
 * Replace `target.account` with your staging account id.
 */
export const staging: PlatformEnvironment = {
  name: 'staging',
  stage: 'staging',
  target: { cloud: 'aws', account: '111111111111', region: 'eu-west-1' },
  network: { cidr: '10.20.0.0/16', availabilityZones: 2, natGateways: 1 },
  storage: {
    zones: ['raw', 'curated', 'features', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 30, noncurrentVersionDays: 30 },
  },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    systemPool: { machineType: 'm7i.large', minNodes: 2, maxNodes: 4 },
    gpuPools: [
      { name: 'infer', accelerator: 'nvidia-l4', gpusPerNode: 1, minNodes: 0, maxNodes: 4, capacity: 'spot' },
      { name: 'train', accelerator: 'nvidia-a10g', gpusPerNode: 4, minNodes: 0, maxNodes: 2, capacity: 'spot' },
    ],
  },
  api: { rateLimitPerSecond: 50, burst: 100, authMode: 'api-key', dailyQuota: 100_000 },
  monitoring: {
    alarmEmails: ['mlops-staging@example.com'],
    logRetentionDays: 30,
    monthlyBudgetUsd: 6000,
  },
  serving: {
    models: [
      {
        // CPU-only: a scikit-learn churn classifier behind KServe's Open Inference Protocol.
        name: 'churn',
        repository: 'models/churn',
        protocol: 'kserve-v2',
        gatewayPort: 9000,
        cpu: 1,
        memoryGiB: 2,
        minReplicas: 1,
        maxReplicas: 4,
        scaling: { metric: 'cpu', targetUtilizationPercent: 70 },
        timeoutSeconds: 10,
        rollout: { strategy: 'canary', steps: [{ weightPercent: 25, bakeMinutes: 5 }] },
        flags: { capture: true },
        capture: { samplePercent: 50, dropFields: ['customer_id', 'email'], retentionDays: 90 },
        batch: [
          {
            name: 'nightly',
            schedule: '0 2 * * *',
            timeZone: 'Europe/Amsterdam',
            input: 'curated/churn/customers/',
            output: 'artifacts/churn/scores/',
            gpus: 0,
            timeoutMinutes: 60,
          },
        ],
        drift: { schedule: '15 * * * *', windowHours: 24 },
      },
      {
        // GPU: an OpenAI-compatible LLM server (vLLM, TGI, ...) on the inference pool.
        name: 'assistant',
        repository: 'models/assistant',
        protocol: 'openai',
        gatewayPort: 9002,
        gpuPool: 'infer',
        gpusPerReplica: 1,
        cpu: 2.5,
        memoryGiB: 10,
        minReplicas: 1,
        maxReplicas: 2,
        scaling: { metric: 'cpu', targetUtilizationPercent: 60 },
        timeoutSeconds: 29,
        rollout: { strategy: 'blue-green', bakeMinutes: 5 },
      },
    ],
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-leads@example.com'],
  },
  tags: { 'cost-center': 'ml-platform' },
};
