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
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-leads@example.com'],
  },
  tags: { 'cost-center': 'ml-platform', 'data-classification': 'confidential' },
};
