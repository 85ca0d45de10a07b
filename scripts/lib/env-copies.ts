/**
 * Renamed copies of a shipped environment, for measuring how synthesis grows with the number of
 * environments (`npm run bench`). Each copy gets its own name, account or subscription and
 * address space, so the copies pass validation together, as a real fleet of environments would.
 */
import {
  cidrContains,
  cidrOverlaps,
  cidrSize,
  formatIpv4,
  type Ipv4Cidr,
  type PlatformEnvironment,
  parseCidr,
  SUFFIX_LENGTH,
} from '../../lib/config';

/**
 * Longest copy name: the key vault name `kv-<env>-<hash>` has at most 24 characters, the
 * tightest of the naming rules that take the environment name.
 */
export const MAX_COPY_NAME = 24 - 'kv-'.length - '-'.length - SUFFIX_LENGTH;

const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((r) => parseCidr(r) as Ipv4Cidr);

/** `<base>-<n>`, the base shortened so that the whole fits MAX_COPY_NAME. */
export function copyName(base: string, index: number): string {
  const suffix = `-${index}`;
  const stem = base.slice(0, MAX_COPY_NAME - suffix.length).replace(/-+$/, '');
  return `${stem}${suffix}`;
}

/** Every IPv4 CIDR written anywhere in an environment (network, pods, services, on-premises). */
function cidrsIn(value: unknown): Ipv4Cidr[] {
  if (typeof value === 'string') {
    const cidr = value.includes('/') ? parseCidr(value) : undefined;
    return cidr ? [cidr] : [];
  }
  if (Array.isArray(value)) return value.flatMap(cidrsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(cidrsIn);
  return [];
}

/**
 * Address spaces for `count` copies: blocks of the base network's size, after it inside the same
 * private range (wrapping around), that overlap nothing the environment (or `others`) uses.
 */
function freeNetworks(base: PlatformEnvironment, count: number, others: readonly PlatformEnvironment[]): string[] {
  const network = parseCidr(base.network.cidr);
  if (!network) throw new Error(`${base.name}: network.cidr '${base.network.cidr}' is not a CIDR`);
  const range = PRIVATE_RANGES.find((r) => cidrContains(r, network));
  if (!range) throw new Error(`${base.name}: network.cidr ${base.network.cidr} is not in a private range`);
  const size = cidrSize(network.prefix);
  const slots = cidrSize(range.prefix) / size;
  const used = cidrsIn([base, ...others]);
  const found: string[] = [];
  const start = (network.network - range.network) / size;
  for (let step = 1; step < slots && found.length < count; step++) {
    const candidate: Ipv4Cidr = {
      network: range.network + ((start + step) % slots) * size,
      prefix: network.prefix,
      text: '',
    };
    if (used.some((u) => cidrOverlaps(u, candidate))) continue;
    used.push(candidate);
    found.push(`${formatIpv4(candidate.network)}/${network.prefix}`);
  }
  if (found.length < count) {
    throw new Error(`${base.name}: only ${found.length} free /${network.prefix} networks for ${count} copies`);
  }
  return found;
}

/** A different 12-digit AWS account id per index (never the base's own). */
function copyAccount(account: string, index: number): string {
  const id = `${account.slice(0, 8)}9${String(index).padStart(3, '0')}`;
  return id === account ? `${account.slice(0, 8)}8${String(index).padStart(3, '0')}` : id;
}

/** A different subscription GUID per index: the last group holds the index. */
function copySubscription(subscriptionId: string, index: number): string {
  const id = `${subscriptionId.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
  return id.toLowerCase() === subscriptionId.toLowerCase() ? `${subscriptionId.slice(0, 24)}${'f'.repeat(12)}` : id;
}

/**
 * `count` renamed copies of `base` (indices 1..count), each with its own name, target and
 * network; their networks also stay clear of every CIDR of `others` (the shipped environments).
 */
export function environmentCopies(
  base: PlatformEnvironment,
  count: number,
  others: readonly PlatformEnvironment[] = [],
): PlatformEnvironment[] {
  if (!Number.isInteger(count) || count < 1 || count > 999) throw new Error(`copies: ${count} is not 1-999`);
  const networks = freeNetworks(base, count, others);
  return networks.map((cidr, i) => {
    const index = i + 1;
    const name = copyName(base.name, index);
    const target =
      base.target.cloud === 'aws'
        ? { ...base.target, account: copyAccount(base.target.account, index) }
        : {
            ...base.target,
            subscriptionId: copySubscription(base.target.subscriptionId, index),
            // A state blob of its own when the base names one explicitly.
            ...(base.target.stateBackend?.key
              ? { stateBackend: { ...base.target.stateBackend, key: `${name}.tfstate` } }
              : {}),
          };
    return { ...base, name, target, network: { ...base.network, cidr } };
  });
}
