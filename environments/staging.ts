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
    monthlyBudgetUsd: 3000,
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-leads@example.com'],
  },
  tags: { 'cost-center': 'ml-platform' },
};
