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
      { name: 'train', accelerator: 'nvidia-h100', gpusPerNode: 8, minNodes: 0, maxNodes: 2, capacity: 'on-demand' },
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
    monthlyBudgetUsd: 40000,
    budgetThresholdsPercent: [50, 80, 100],
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-lead', 'platform-owner'],
  },
  tags: { 'cost-center': 'ml-platform', 'data-classification': 'confidential' },
};
