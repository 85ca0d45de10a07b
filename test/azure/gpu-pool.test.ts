import { describe, expect, it } from 'vitest';
import { GPU_TAINT } from '../../lib/azure/gpu-pool';
import { resolveGpuMachineType } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure } from '../util';

describe('GpuPool', () => {
  it('creates one tainted, labelled, autoscaling node pool per configured pool', () => {
    const env = fixtures.azureProduction;
    const pools = Object.values(resourcesOf(synthAzure(env).json, 'azurerm_kubernetes_cluster_node_pool'));
    expect(pools).toHaveLength(env.kubernetes.gpuPools.length);
    for (const config of env.kubernetes.gpuPools) {
      expect(pools).toContainEqual(
        expect.objectContaining({
          name: config.name,
          vm_size: resolveGpuMachineType('azure', config),
          node_taints: [GPU_TAINT],
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
    );
    for (const pool of pools) {
      expect(pool).toMatchObject({ priority: 'Spot', eviction_policy: 'Delete', spot_max_price: -1, min_count: 0 });
    }
  });
});
