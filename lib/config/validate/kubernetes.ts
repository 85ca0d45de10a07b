/** The cluster: version, API access, address ranges, the system pool and the GPU pools. */
import { isRfc1918 } from '../cidr';
import { CPU_POOL, SYSTEM_POOL } from '../conventions';
import { catalogMachineType, GPU_CATALOG, isAccelerator, offeredGpuCounts } from '../gpu-catalog';
import { NAME_RULES, nameProblem } from '../naming';
import type { Cloud, PlatformEnvironment } from '../types';
import { type Checker, isInt, type NamedRange, PATTERNS } from './checker';

export function checkKubernetes(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const k8s = env.kubernetes;
  const cloud = env.target.cloud;
  const ranges: NamedRange[] = [];
  if (!PATTERNS.k8sVersion.test(k8s.version)) {
    c.error(
      'kubernetes.version',
      k8s.version,
      "is not a Kubernetes minor version such as '1.33'",
      'use major.minor only',
    );
  }
  (k8s.apiAllowedCidrs ?? []).forEach((text, i) => {
    const cidr = c.cidr(`kubernetes.apiAllowedCidrs[${i}]`, text);
    if (cidr && cidr.prefix === 0) {
      c.error(
        `kubernetes.apiAllowedCidrs[${i}]`,
        text,
        'opens the Kubernetes API to the whole internet',
        'list your office or CI egress ranges, or remove apiAllowedCidrs to keep the API private',
      );
    }
  });
  if (cloud === 'aws' && env.network.natGateways === 0 && (k8s.apiAllowedCidrs?.length ?? 0) > 0) {
    c.error(
      'kubernetes.apiAllowedCidrs',
      k8s.apiAllowedCidrs,
      'asks for a public API endpoint in a network with no outbound internet (natGateways 0)',
      'remove apiAllowedCidrs to keep the endpoint private, or add a NAT gateway',
    );
  }
  const service = c.cidr('kubernetes.serviceCidr', k8s.serviceCidr);
  if (service) {
    // EKS: the service range must be RFC 1918, /12 to /24 (CreateCluster serviceIpv4Cidr);
    // AKS: no larger than /12.
    if (!isRfc1918(service) || service.prefix < 12 || service.prefix > 24) {
      c.error(
        'kubernetes.serviceCidr',
        k8s.serviceCidr,
        'must be an RFC 1918 range of /12 to /24',
        'use a range such as 172.20.0.0/16 that no network uses',
      );
    }
    ranges.push({ path: 'kubernetes.serviceCidr', cidr: service, group: 'cloud' });
  }
  if (k8s.podCidr !== undefined) {
    const pod = c.cidr('kubernetes.podCidr', k8s.podCidr);
    if (pod) {
      if (pod.prefix > 20) {
        c.error(
          'kubernetes.podCidr',
          k8s.podCidr,
          'is too small for an overlay pod range',
          'use a /20 or larger, for example 100.64.0.0/16',
        );
      }
      ranges.push({ path: 'kubernetes.podCidr', cidr: pod, group: 'cloud' });
    }
  } else if (cloud === 'azure') {
    c.error(
      'kubernetes.podCidr',
      undefined,
      'is required on Azure, where pods get addresses from an overlay range (Azure CNI Overlay)',
      'set a range no network uses, for example 100.64.0.0/16',
    );
  }
  const sys = k8s.systemPool;
  c.machineType('kubernetes.systemPool.machineType', cloud, sys.machineType);
  c.minDesiredMax('kubernetes.systemPool', sys, 1);
  if (env.stage === 'production' && isInt(sys.minNodes) && sys.minNodes < 2) {
    c.warn(
      'kubernetes.systemPool.minNodes',
      sys.minNodes,
      'runs production cluster add-ons on a single node',
      'use at least 2 (3 with 3 zones)',
    );
  }
  const names = new Set<string>();
  k8s.gpuPools.forEach((pool, i) => {
    const path = `kubernetes.gpuPools[${i}]`;
    const nameIssue = nameProblem(NAME_RULES.aksNodePool, pool.name);
    if (nameIssue) {
      c.error(
        `${path}.name`,
        pool.name,
        nameIssue,
        "use up to 12 lowercase letters and digits, such as 'infer' or 'train'",
      );
    } else if (pool.name === SYSTEM_POOL || pool.name === CPU_POOL) {
      c.error(
        `${path}.name`,
        pool.name,
        `is reserved for the platform's CPU pools (${SYSTEM_POOL}, ${CPU_POOL})`,
        'pick another name',
      );
    } else if (names.has(pool.name)) {
      c.error(`${path}.name`, pool.name, 'is used by another GPU pool', 'give each pool its own name');
    }
    names.add(pool.name);
    if (!isAccelerator(pool.accelerator)) {
      c.error(
        `${path}.accelerator`,
        pool.accelerator,
        'is not an accelerator in the GPU catalog',
        `use one of: ${Object.keys(GPU_CATALOG).join(', ')}, or add it to lib/config/gpu-catalog.ts`,
      );
    } else if (c.intInRange(`${path}.gpusPerNode`, pool.gpusPerNode, 1, 16, 'use 1 to 16 GPUs per node')) {
      if (pool.machineType === undefined && !catalogMachineType(cloud, pool.accelerator, pool.gpusPerNode)) {
        const offered = offeredGpuCounts(cloud, pool.accelerator);
        c.error(
          `${path}.accelerator`,
          pool.accelerator,
          offered.length === 0
            ? `is not offered on ${cloud}`
            : `is not offered on ${cloud} with ${pool.gpusPerNode} GPUs per node (offered: ${offered.join(', ')})`,
          offered.length === 0
            ? `pick an accelerator ${cloud} offers (${offeredAccelerators(cloud).join(', ')})`
            : `set gpusPerNode to one of ${offered.join(', ')}, or set machineType explicitly`,
        );
      }
    }
    if (pool.machineType !== undefined) c.machineType(`${path}.machineType`, cloud, pool.machineType);
    c.minDesiredMax(path, pool, 0);
    if (pool.capacity !== 'spot' && pool.capacity !== 'on-demand') {
      c.error(`${path}.capacity`, pool.capacity, "must be 'spot' or 'on-demand'", 'pick one');
    }
    if (pool.diskSizeGiB !== undefined) {
      c.intInRange(`${path}.diskSizeGiB`, pool.diskSizeGiB, 50, 2048, 'use 50-2048 GiB (images with CUDA need room)');
    }
  });
  return ranges;
}

function offeredAccelerators(cloud: Cloud): string[] {
  return Object.entries(GPU_CATALOG)
    .filter(([, info]) => Object.keys(info[cloud]).length > 0)
    .map(([name]) => name);
}
