import type { PlatformEnvironment } from '../lib/config';

/**
 * AWS production: three zones with a NAT gateway each, on-demand inference capacity that never
 * scales below two nodes, and a year of logs.
 *
 * Replace `target.account` with your production account id.
 */
export const production: PlatformEnvironment = {
  name: 'production',
  stage: 'production',
  target: { cloud: 'aws', account: '222222222222', region: 'eu-west-1' },
  network: { cidr: '10.30.0.0/16', availabilityZones: 3, natGateways: 3 },
  storage: {
    zones: ['raw', 'curated', 'features', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 60, archiveAfterDays: 180, noncurrentVersionDays: 90 },
  },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    systemPool: { machineType: 'm7i.xlarge', minNodes: 3, maxNodes: 6 },
    gpuPools: [
      { name: 'infer', accelerator: 'nvidia-l4', gpusPerNode: 1, minNodes: 2, maxNodes: 16, capacity: 'on-demand' },
      { name: 'batch', accelerator: 'nvidia-l40s', gpusPerNode: 4, minNodes: 0, maxNodes: 4, capacity: 'spot' },
      { name: 'train', accelerator: 'nvidia-h100', gpusPerNode: 8, minNodes: 0, maxNodes: 2, capacity: 'on-demand' },
    ],
  },
  api: { rateLimitPerSecond: 500, burst: 1000, authMode: 'iam' },
  monitoring: {
    alarmEmails: ['mlops-oncall@example.com'],
    logRetentionDays: 365,
    monthlyBudgetUsd: 40000,
    budgetThresholdsPercent: [50, 80, 100],
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
        minReplicas: 3,
        maxReplicas: 12,
        scaling: { metric: 'cpu', targetUtilizationPercent: 70 },
        timeoutSeconds: 10,
        rollout: {
          strategy: 'canary',
          steps: [
            { weightPercent: 10, bakeMinutes: 15 },
            { weightPercent: 50, bakeMinutes: 15 },
          ],
        },
        flags: { capture: true },
        capture: { samplePercent: 10, dropFields: ['customer_id', 'email'], retentionDays: 90 },
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
        minReplicas: 2,
        maxReplicas: 8,
        scaling: { metric: 'cpu', targetUtilizationPercent: 60 },
        timeoutSeconds: 29,
        rollout: { strategy: 'blue-green', bakeMinutes: 20 },
      },
    ],
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-leads@example.com'],
  },
  tags: { 'cost-center': 'ml-platform', 'data-classification': 'confidential' },
};
