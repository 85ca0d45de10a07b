import { describe, expect, it } from 'vitest';
import {
  ACCELERATORS,
  catalogMachineType,
  GPU_CATALOG,
  offeredGpuCounts,
  resolveGpuMachineType,
} from '../../lib/config';

describe('GPU catalog', () => {
  it('covers the accelerators the platform promises', () => {
    expect(ACCELERATORS).toEqual(
      expect.arrayContaining(['nvidia-t4', 'nvidia-a10g', 'nvidia-l4', 'nvidia-l40s', 'nvidia-a100', 'nvidia-h100']),
    );
  });

  it.each([
    ['aws', 'nvidia-t4', 1, 'g4dn.xlarge'],
    ['aws', 'nvidia-a10g', 4, 'g5.12xlarge'],
    ['aws', 'nvidia-l4', 1, 'g6.xlarge'],
    ['aws', 'nvidia-l40s', 8, 'g6e.48xlarge'],
    ['aws', 'nvidia-a100', 8, 'p4d.24xlarge'],
    ['aws', 'nvidia-h100', 8, 'p5.48xlarge'],
    ['azure', 'nvidia-t4', 1, 'Standard_NC4as_T4_v3'],
    ['azure', 'nvidia-a10', 1, 'Standard_NV36ads_A10_v5'],
    ['azure', 'nvidia-a100', 1, 'Standard_NC24ads_A100_v4'],
    ['azure', 'nvidia-h100', 8, 'Standard_ND96isr_H100_v5'],
  ] as const)('maps %s %s x%d to %s', (cloud, accelerator, gpus, expected) => {
    expect(catalogMachineType(cloud, accelerator, gpus)).toBe(expected);
  });

  it.each([
    ['azure', 'nvidia-l4'],
    ['azure', 'nvidia-l40s'],
    ['azure', 'nvidia-a10g'],
    ['aws', 'nvidia-a10'],
  ] as const)('offers nothing for %s %s', (cloud, accelerator) => {
    expect(offeredGpuCounts(cloud, accelerator)).toEqual([]);
  });

  it('names machine types in each cloud’s own format', () => {
    for (const info of Object.values(GPU_CATALOG)) {
      for (const type of Object.values(info.aws)) expect(type).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
      for (const size of Object.values(info.azure)) expect(size).toMatch(/^Standard_N[CDV]\w+$/);
    }
  });

  it('prefers an explicit machine type over the catalog', () => {
    const pool = {
      name: 'infer',
      accelerator: 'nvidia-l4',
      gpusPerNode: 1,
      minNodes: 0,
      maxNodes: 1,
      capacity: 'spot',
      machineType: 'g6.2xlarge',
    } as const;
    expect(resolveGpuMachineType('aws', pool)).toBe('g6.2xlarge');
    expect(resolveGpuMachineType('aws', { ...pool, machineType: undefined })).toBe('g6.xlarge');
  });

  it('throws when a cloud lacks the accelerator and no override is given', () => {
    const pool = {
      name: 'infer',
      accelerator: 'nvidia-l4',
      gpusPerNode: 1,
      minNodes: 0,
      maxNodes: 1,
      capacity: 'spot',
    } as const;
    expect(() => resolveGpuMachineType('azure', pool)).toThrow(
      /azure offers no 1x nvidia-l4 machine type; offered GPU counts: none/,
    );
  });
});
