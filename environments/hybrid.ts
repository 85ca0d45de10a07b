import type { PlatformEnvironment } from '../lib/config';

/**
 * Hybrid on AWS: the cloud holds storage, orchestration and serving; GPU servers in the
 * on-premises data centre join the EKS cluster as hybrid nodes over a site-to-site VPN with BGP.
 * The VPC has no NAT gateway: nothing leaves for the internet, AWS services are reached through
 * VPC endpoints, and on-premises networks through the VPN.
 *
 * Replace `target.account`, `hybrid.gatewayIp` (your VPN device's public address), the on-premises
 * ranges and the DNS servers with your own.
 */
export const hybrid: PlatformEnvironment = {
  name: 'hybrid',
  stage: 'staging',
  target: { cloud: 'aws', account: '333333333333', region: 'eu-central-1' },
  network: { cidr: '10.60.0.0/16', availabilityZones: 2, natGateways: 0 },
  storage: {
    zones: ['raw', 'curated', 'features', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 30, noncurrentVersionDays: 30 },
  },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    systemPool: { machineType: 'm7i.large', minNodes: 2, maxNodes: 4 },
    gpuPools: [{ name: 'burst', accelerator: 'nvidia-l4', gpusPerNode: 1, minNodes: 0, maxNodes: 4, capacity: 'spot' }],
  },
  api: { rateLimitPerSecond: 50, burst: 100, authMode: 'iam' },
  monitoring: {
    alarmEmails: ['mlops-hybrid@example.com'],
    logRetentionDays: 90,
    monthlyBudgetUsd: 5000,
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
        gpuPool: 'burst',
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
  hybrid: {
    linkType: 'vpn',
    onPremCidrs: ['192.168.0.0/16'],
    gatewayIp: '203.0.113.10',
    bgpAsn: 65010,
    nodeCidrs: ['192.168.10.0/24'],
    podCidrs: ['10.200.0.0/16'],
    dnsServers: ['192.168.1.10', '192.168.1.11'],
    dnsDomains: ['corp.example.com'],
  },
  tags: { 'cost-center': 'ml-platform' },
};
