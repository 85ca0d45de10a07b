import type { PlatformEnvironment } from '../lib/config';

/**
 * Azure production: three zones, Premium API Management, on-demand inference capacity and a
 * year of logs (Log Analytics allows up to 730 days of interactive retention).
 *
 * Replace `target.subscriptionId`, `target.tenantId` and the state backend with your own.
 */
export const azProduction: PlatformEnvironment = {
  name: 'az-production',
  stage: 'production',
  target: {
    cloud: 'azure',
    subscriptionId: '22222222-2222-2222-2222-222222222222',
    tenantId: '99999999-9999-9999-9999-999999999999',
    location: 'westeurope',
    stateBackend: {
      resourceGroupName: 'rg-mlops-tfstate',
      storageAccountName: 'stmlopstfstate',
      containerName: 'tfstate',
    },
  },
  network: { cidr: '10.50.0.0/16', availabilityZones: 3, natGateways: 1 },
  storage: {
    zones: ['raw', 'curated', 'features', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 60, archiveAfterDays: 180, noncurrentVersionDays: 90 },
  },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    podCidr: '100.64.0.0/16',
    systemPool: { machineType: 'Standard_D4ds_v5', minNodes: 3, maxNodes: 6 },
    gpuPools: [
      { name: 'infer', accelerator: 'nvidia-t4', gpusPerNode: 1, minNodes: 2, maxNodes: 16, capacity: 'on-demand' },
      { name: 'train', accelerator: 'nvidia-h100', gpusPerNode: 8, minNodes: 0, maxNodes: 1, capacity: 'on-demand' },
    ],
  },
  api: {
    rateLimitPerSecond: 500,
    burst: 1000,
    authMode: 'iam',
    apimSku: 'Premium_1',
    publisher: { name: 'ML Platform', email: 'mlops@example.com' },
  },
  monitoring: {
    alarmEmails: ['mlops-oncall@example.com'],
    logRetentionDays: 365,
    monthlyBudgetUsd: 100000,
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
        timeoutSeconds: 60,
        rollout: { strategy: 'blue-green', bakeMinutes: 20 },
      },
    ],
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-lead', 'platform-owner'],
  },
  tags: { 'cost-center': 'ml-platform', 'data-classification': 'confidential' },
};
