import type { Accelerator, Cloud, GpuPoolConfig } from './types';

/**
 * Cloud-neutral GPU catalog: an accelerator and a GPU count per node map to one AWS instance type
 * and one Azure VM size. Where a cloud does not sell an accelerator (or not in that count per
 * node), there is no entry, and asking for it is a configuration error rather than a guess.
 *
 * Sources: AWS accelerated computing instance types
 * (https://aws.amazon.com/ec2/instance-types/#Accelerated_Computing) and Azure GPU VM sizes
 * (https://learn.microsoft.com/azure/virtual-machines/sizes/overview#gpu-accelerated).
 * The smallest size with the requested GPU count is listed; pick a larger one with `machineType`.
 */
export interface AcceleratorInfo {
  /** Human-readable name, used in labels, dashboards and errors. */
  readonly displayName: string;
  /** Memory per GPU, GiB. */
  readonly memoryGiB: number;
  /** GPUs per node → AWS instance type. */
  readonly aws: Readonly<Record<number, string>>;
  /** GPUs per node → Azure VM size. */
  readonly azure: Readonly<Record<number, string>>;
}

export const GPU_CATALOG: Readonly<Record<Accelerator, AcceleratorInfo>> = {
  'nvidia-t4': {
    displayName: 'NVIDIA T4',
    memoryGiB: 16,
    aws: { 1: 'g4dn.xlarge', 4: 'g4dn.12xlarge', 8: 'g4dn.metal' },
    azure: { 1: 'Standard_NC4as_T4_v3', 4: 'Standard_NC64as_T4_v3' },
  },
  // Azure's A10 sizes (NVadsA10 v5); AWS sells the A10G variant instead.
  'nvidia-a10': {
    displayName: 'NVIDIA A10',
    memoryGiB: 24,
    aws: {},
    azure: { 1: 'Standard_NV36ads_A10_v5', 2: 'Standard_NV72ads_A10_v5' },
  },
  'nvidia-a10g': {
    displayName: 'NVIDIA A10G',
    memoryGiB: 24,
    aws: { 1: 'g5.xlarge', 4: 'g5.12xlarge', 8: 'g5.48xlarge' },
    azure: {},
  },
  'nvidia-l4': {
    displayName: 'NVIDIA L4',
    memoryGiB: 24,
    aws: { 1: 'g6.xlarge', 4: 'g6.12xlarge', 8: 'g6.48xlarge' },
    azure: {},
  },
  'nvidia-l40s': {
    displayName: 'NVIDIA L40S',
    memoryGiB: 48,
    aws: { 1: 'g6e.xlarge', 4: 'g6e.12xlarge', 8: 'g6e.48xlarge' },
    azure: {},
  },
  'nvidia-a100': {
    displayName: 'NVIDIA A100',
    memoryGiB: 80,
    aws: { 8: 'p4d.24xlarge' },
    azure: {
      1: 'Standard_NC24ads_A100_v4',
      2: 'Standard_NC48ads_A100_v4',
      4: 'Standard_NC96ads_A100_v4',
      8: 'Standard_ND96amsr_A100_v4',
    },
  },
  'nvidia-h100': {
    displayName: 'NVIDIA H100',
    memoryGiB: 80,
    aws: { 1: 'p5.4xlarge', 8: 'p5.48xlarge' },
    azure: { 1: 'Standard_NC40ads_H100_v5', 2: 'Standard_NC80adis_H100_v5', 8: 'Standard_ND96isr_H100_v5' },
  },
};

export const ACCELERATORS = Object.keys(GPU_CATALOG) as Accelerator[];

export function isAccelerator(value: string): value is Accelerator {
  return Object.hasOwn(GPU_CATALOG, value);
}

/** The catalog's machine type for an accelerator and GPU count on a cloud, if the cloud sells it. */
export function catalogMachineType(cloud: Cloud, accelerator: Accelerator, gpusPerNode: number): string | undefined {
  return GPU_CATALOG[accelerator][cloud][gpusPerNode];
}

/** GPU counts per node on offer for an accelerator on a cloud, ascending. */
export function offeredGpuCounts(cloud: Cloud, accelerator: Accelerator): number[] {
  return Object.keys(GPU_CATALOG[accelerator][cloud])
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * The machine type a GPU pool runs on: its explicit override, else the catalog entry.
 * Throws when neither exists; `validateEnvironment` reports the same case with the file and field.
 */
export function resolveGpuMachineType(cloud: Cloud, pool: GpuPoolConfig): string {
  if (pool.machineType) return pool.machineType;
  const fromCatalog = catalogMachineType(cloud, pool.accelerator, pool.gpusPerNode);
  if (!fromCatalog) {
    throw new Error(
      `GPU pool '${pool.name}': ${cloud} offers no ${pool.gpusPerNode}x ${pool.accelerator} machine type; ` +
        `offered GPU counts: ${offeredGpuCounts(cloud, pool.accelerator).join(', ') || 'none'}`,
    );
  }
  return fromCatalog;
}

/** The machine type of a GPU pool, or undefined when neither an override nor the catalog has one. */
export function resolveGpuMachineTypeOrUndefined(cloud: Cloud, pool: GpuPoolConfig): string | undefined {
  if (pool.machineType) return pool.machineType;
  return isAccelerator(pool.accelerator) ? catalogMachineType(cloud, pool.accelerator, pool.gpusPerNode) : undefined;
}
