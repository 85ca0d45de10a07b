import type { PlatformEnvironment } from '../lib/config';

/**
 * Hybrid on Azure: storage, orchestration and serving in Azure; an on-premises Kubernetes cluster
 * with GPUs joins through Azure Arc, over an active-active, zone-redundant VPN with BGP. On-premises
 * resolvers answer for the corporate domain and resolve the platform's private endpoints through
 * the DNS Private Resolver.
 *
 * Replace `target.*`, `hybrid.gatewayIp` (your VPN device's public address), `hybrid.bgpPeerIp`,
 * the on-premises ranges and the DNS servers with your own.
 */
export const azHybrid: PlatformEnvironment = {
  name: 'az-hybrid',
  stage: 'staging',
  target: {
    cloud: 'azure',
    subscriptionId: '33333333-3333-3333-3333-333333333333',
    tenantId: '99999999-9999-9999-9999-999999999999',
    location: 'northeurope',
    stateBackend: {
      resourceGroupName: 'rg-mlops-tfstate',
      storageAccountName: 'stmlopstfstate',
      containerName: 'tfstate',
    },
  },
  network: { cidr: '10.70.0.0/16', availabilityZones: 3, natGateways: 1 },
  storage: {
    zones: ['raw', 'curated', 'features', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 30, noncurrentVersionDays: 30 },
  },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    podCidr: '100.64.0.0/16',
    systemPool: { machineType: 'Standard_D4ds_v5', minNodes: 2, maxNodes: 4 },
    gpuPools: [{ name: 'burst', accelerator: 'nvidia-t4', gpusPerNode: 1, minNodes: 0, maxNodes: 4, capacity: 'spot' }],
  },
  api: {
    rateLimitPerSecond: 50,
    burst: 100,
    authMode: 'iam',
    apimSku: 'Developer_1',
    publisher: { name: 'ML Platform', email: 'mlops@example.com' },
  },
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
        timeoutSeconds: 60,
        rollout: { strategy: 'blue-green', bakeMinutes: 5 },
      },
    ],
  },
  delivery: {
    repository: 'example-org/mlops-platform',
    branch: 'main',
    approvers: ['mlops-lead'],
  },
  hybrid: {
    linkType: 'vpn',
    onPremCidrs: ['192.168.0.0/16'],
    gatewayIp: '203.0.113.20',
    bgpAsn: 65020,
    bgpPeerIp: '192.168.0.1',
    nodeCidrs: ['192.168.20.0/24'],
    podCidrs: ['10.210.0.0/16'],
    dnsServers: ['192.168.1.10', '192.168.1.11'],
    dnsDomains: ['corp.example.com'],
  },
  tags: { 'cost-center': 'ml-platform' },
};
