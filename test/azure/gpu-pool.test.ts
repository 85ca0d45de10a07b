import { describe, expect, it } from 'vitest';
import { GPU_NODE_TAINT } from '../../lib/azure/gpu-pool';
import { CPU_POOL, POOL_LABEL, resolveGpuMachineType } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('GpuPool', () => {
  it('creates one tainted, labelled, autoscaling node pool per configured pool', () => {
    const env = fixtures.azureProduction;
    const pools = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_kubernetes_cluster_node_pool')).filter(
      (p) => p.name !== CPU_POOL,
    );
    expect(pools).toHaveLength(env.kubernetes.gpuPools.length);
    for (const config of env.kubernetes.gpuPools) {
      expect(pools).toContainEqual(
        expect.objectContaining({
          name: config.name,
          vm_size: resolveGpuMachineType('azure', config),
          node_taints: [GPU_NODE_TAINT],
          node_labels: expect.objectContaining({
            'mlops.platform/pool': config.name,
            'mlops.platform/accelerator': config.accelerator,
          }),
          auto_scaling_enabled: true,
          min_count: config.minNodes,
          max_count: config.maxNodes,
          zones: ['1', '2', '3'],
          priority: 'Regular',
        }),
      );
    }
  });

  it('uses spot capacity with delete eviction and the on-demand price cap for spot pools', () => {
    const pools = Object.values(
      resourcesOf(synthAzure(fixtures.azureStaging).json, 'azurerm_kubernetes_cluster_node_pool'),
    ).filter((p) => p.name !== CPU_POOL);
    for (const pool of pools) {
      expect(pool).toMatchObject({ priority: 'Spot', eviction_policy: 'Delete', spot_max_price: -1, min_count: 0 });
    }
  });

  it('places each pool only in zones that offer its VM size, or in the zones it names', () => {
    const env = vary(fixtures.azureStaging, (d) => {
      const first = d.kubernetes.gpuPools[0];
      if (first) first.zones = ['2'];
    });
    const pools = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_kubernetes_cluster_node_pool'));
    expect(pools.find((p) => p.name === env.kubernetes.gpuPools[0]?.name)?.zones).toEqual(['2']);
  });

  it('adds a CPU user pool with the system pool machine and bounds when a model or job runs on CPU', () => {
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      const cpu = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_kubernetes_cluster_node_pool')).find(
        (p) => p.name === CPU_POOL,
      );
      const needed = (env.serving?.models ?? []).some((m) => m.gpuPool === undefined);
      expect(cpu !== undefined).toBe(needed);
      if (cpu) {
        expect(cpu).toMatchObject({
          mode: 'User',
          vm_size: env.kubernetes.systemPool.machineType,
          min_count: env.kubernetes.systemPool.minNodes,
          max_count: env.kubernetes.systemPool.maxNodes,
          node_labels: { [POOL_LABEL]: CPU_POOL },
        });
      }
    }
    const gpuOnly = vary(fixtures.azureStaging, (d) => {
      d.serving = { models: (d.serving?.models ?? []).filter((m) => m.gpuPool !== undefined) };
    });
    const pools = Object.values(resourcesOf(synthAzure(gpuOnly).json, 'azurerm_kubernetes_cluster_node_pool'));
    expect(pools.some((p) => p.name === CPU_POOL)).toBe(false);
  });
});
