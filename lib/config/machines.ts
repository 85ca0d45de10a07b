/**
 * What each machine type of the GPU catalog and the example system pools offers: vCPUs, memory and
 * GPUs, and the quota it counts against. Validation uses it to check that a model replica fits a
 * node; preflight compares pool maximums with the account's or subscription's vCPU quotas.
 *
 * Sources, as published on 2026-11-15:
 * - AWS: https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html (accelerated computing) and
 *   https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (general purpose); quota codes:
 *   https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html
 * - Azure: https://learn.microsoft.com/azure/virtual-machines/sizes/overview (GPU and general
 *   purpose families); quota families as `az vm list-usage` names them.
 */
import type { Cloud } from './types';

export interface MachineSpec {
  readonly cloud: Cloud;
  readonly vcpus: number;
  readonly memoryGiB: number;
  readonly gpus: number;
  /**
   * The vCPU quota the type counts against: an AWS Service Quotas code family (`G`, `P`,
   * `Standard`) or the Azure compute usage name (`standardNCASv3_T4Family`).
   */
  readonly quota: string;
}

const aws = (vcpus: number, memoryGiB: number, gpus: number, quota: string): MachineSpec => ({
  cloud: 'aws',
  vcpus,
  memoryGiB,
  gpus,
  quota,
});
const azure = (vcpus: number, memoryGiB: number, gpus: number, quota: string): MachineSpec => ({
  cloud: 'azure',
  vcpus,
  memoryGiB,
  gpus,
  quota,
});

export const MACHINES: Readonly<Record<string, MachineSpec>> = {
  'g4dn.xlarge': aws(4, 16, 1, 'G'),
  'g4dn.12xlarge': aws(48, 192, 4, 'G'),
  'g4dn.metal': aws(96, 384, 8, 'G'),
  'g5.xlarge': aws(4, 16, 1, 'G'),
  'g5.12xlarge': aws(48, 192, 4, 'G'),
  'g5.48xlarge': aws(192, 768, 8, 'G'),
  'g6.xlarge': aws(4, 16, 1, 'G'),
  'g6.12xlarge': aws(48, 192, 4, 'G'),
  'g6.48xlarge': aws(192, 768, 8, 'G'),
  'g6e.xlarge': aws(4, 32, 1, 'G'),
  'g6e.12xlarge': aws(48, 384, 4, 'G'),
  'g6e.48xlarge': aws(192, 1536, 8, 'G'),
  'p4d.24xlarge': aws(96, 1152, 8, 'P'),
  'p5.4xlarge': aws(16, 256, 1, 'P'),
  'p5.48xlarge': aws(192, 2048, 8, 'P'),
  'm7i.large': aws(2, 8, 0, 'Standard'),
  'm7i.xlarge': aws(4, 16, 0, 'Standard'),
  'm7i.2xlarge': aws(8, 32, 0, 'Standard'),
  Standard_NC4as_T4_v3: azure(4, 28, 1, 'standardNCASv3_T4Family'),
  Standard_NC64as_T4_v3: azure(64, 440, 4, 'standardNCASv3_T4Family'),
  Standard_NV36ads_A10_v5: azure(36, 440, 1, 'StandardNVADSA10v5Family'),
  Standard_NV72ads_A10_v5: azure(72, 880, 2, 'StandardNVADSA10v5Family'),
  Standard_NC24ads_A100_v4: azure(24, 220, 1, 'StandardNCADSA100v4Family'),
  Standard_NC48ads_A100_v4: azure(48, 440, 2, 'StandardNCADSA100v4Family'),
  Standard_NC96ads_A100_v4: azure(96, 880, 4, 'StandardNCADSA100v4Family'),
  Standard_ND96amsr_A100_v4: azure(96, 1900, 8, 'standardNDAMSv4_A100Family'),
  Standard_NC40ads_H100_v5: azure(40, 320, 1, 'standardNCadsH100v5Family'),
  Standard_NC80adis_H100_v5: azure(80, 640, 2, 'standardNCadsH100v5Family'),
  Standard_ND96isr_H100_v5: azure(96, 1900, 8, 'standardNDSH100v5Family'),
  Standard_D2ds_v5: azure(2, 8, 0, 'standardDDSv5Family'),
  Standard_D4ds_v5: azure(4, 16, 0, 'standardDDSv5Family'),
  Standard_D8ds_v5: azure(8, 32, 0, 'standardDDSv5Family'),
};

/** The spec of a machine type, if the table has it. */
export function machineSpec(machineType: string): MachineSpec | undefined {
  return Object.hasOwn(MACHINES, machineType) ? MACHINES[machineType] : undefined;
}

/**
 * What a pod can request on a node of this type: Kubernetes reserves CPU and memory for the
 * kubelet, the runtime and eviction. A conservative approximation of both clouds' formulas: 10% of
 * the vCPUs (at least 0.1), and 25% of the memory up to 4 GiB plus 6% above it, plus 0.1 GiB for
 * eviction. https://docs.aws.amazon.com/eks/latest/userguide/choosing-instance-type.html
 * https://learn.microsoft.com/azure/aks/node-resource-reservations
 */
export function allocatable(spec: MachineSpec): { readonly cpu: number; readonly memoryGiB: number } {
  const reservedCpu = Math.max(0.1, spec.vcpus * 0.1);
  const reservedMemory = Math.min(spec.memoryGiB, 4) * 0.25 + Math.max(0, spec.memoryGiB - 4) * 0.06 + 0.1;
  return { cpu: spec.vcpus - reservedCpu, memoryGiB: spec.memoryGiB - reservedMemory };
}
