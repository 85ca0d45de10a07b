/**
 * Small IPv4 address and CIDR arithmetic for validation and subnet planning. Pure functions, no
 * dependencies, so the config model loads without either cloud's libraries.
 */

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefix: number;
  /** The text it was parsed from. */
  readonly text: string;
}

const OCTET = /^(0|[1-9]\d{0,2})$/;

/** Parses a dotted-quad IPv4 address to an unsigned 32-bit integer; undefined when malformed. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/**
 * Parses `a.b.c.d/n`. Returns undefined when malformed or when host bits are set
 * (`10.0.0.1/16`), which clouds reject or silently truncate.
 */
export function parseCidr(text: string): Ipv4Cidr | undefined {
  const [address, prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || prefixText === undefined) return undefined;
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  const network = parseIpv4(address);
  if (network === undefined) return undefined;
  if (network % cidrSize(prefix) !== 0) return undefined;
  return { network, prefix, text };
}

/** Why a CIDR string does not parse, for error messages. */
export function cidrProblem(text: string): string | undefined {
  if (parseCidr(text)) return undefined;
  const [address, prefixText] = text.split('/');
  if (address === undefined || prefixText === undefined || parseIpv4(address) === undefined) {
    return 'is not an IPv4 CIDR (a.b.c.d/n)';
  }
  const prefix = Number(prefixText);
  if (!/^\d{1,2}$/.test(prefixText) || prefix > 32) return 'has a prefix length outside 0-32';
  const network = parseIpv4(address) ?? 0;
  const aligned = network - (network % cidrSize(prefix));
  return `has host bits set; the network address is ${formatIpv4(aligned)}/${prefix}`;
}

export function cidrSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

export function cidrOverlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  const aEnd = a.network + cidrSize(a.prefix);
  const bEnd = b.network + cidrSize(b.prefix);
  return a.network < bEnd && b.network < aEnd;
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    inner.network >= outer.network &&
    inner.network + cidrSize(inner.prefix) <= outer.network + cidrSize(outer.prefix)
  );
}

/**
 * The `index`-th subnet of length `prefix` inside `parent`, as text. Used to carve subnets
 * deterministically so that synthesis needs no lookups.
 */
export function subnetAt(parent: string, prefix: number, index: number): string {
  const cidr = parseCidr(parent);
  if (!cidr) throw new Error(`'${parent}' is not a valid IPv4 CIDR`);
  if (prefix < cidr.prefix) throw new Error(`a /${prefix} does not fit inside ${parent}`);
  const count = cidrSize(cidr.prefix) / cidrSize(prefix);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new Error(`${parent} holds ${count} subnets of /${prefix}; index ${index} is out of range`);
  }
  return `${formatIpv4(cidr.network + index * cidrSize(prefix))}/${prefix}`;
}

const PRIVATE_OR_RESERVED: readonly string[] = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
];

/**
 * True for an address routable on the public internet: not RFC 1918, CGNAT, loopback, link-local,
 * multicast, or reserved. The documentation ranges of RFC 5737 (such as 203.0.113.0/24) count as
 * public so that example environments can use obviously fake addresses.
 */
export function isPublicIpv4(text: string): boolean {
  const address = parseIpv4(text);
  if (address === undefined) return false;
  const host: Ipv4Cidr = { network: address, prefix: 32, text };
  return PRIVATE_OR_RESERVED.every((range) => !cidrOverlaps(parseCidr(range) as Ipv4Cidr, host));
}

/** True for an RFC 1918 private range. */
export function isRfc1918(cidr: Ipv4Cidr): boolean {
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].some((range) =>
    cidrContains(parseCidr(range) as Ipv4Cidr, cidr),
  );
}
