/** The VPC / VNet: its range, zones and NAT gateways. */
import { isRfc1918 } from '../cidr';
import type { PlatformEnvironment } from '../types';
import type { Checker, NamedRange } from './checker';

export function checkNetwork(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const net = env.network;
  const ranges: NamedRange[] = [];
  const vpc = c.cidr('network.cidr', net.cidr);
  if (vpc) {
    if (vpc.prefix < 16 || vpc.prefix > 20) {
      c.error(
        'network.cidr',
        net.cidr,
        'must be a /16 to /20: the platform carves per-zone subnets for nodes, pods, endpoints and gateways from it',
        'use a larger (or smaller) private range, for example 10.20.0.0/16',
      );
    } else if (!isRfc1918(vpc)) {
      c.error(
        'network.cidr',
        net.cidr,
        'is not an RFC 1918 private range',
        'use a range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16',
      );
    }
    ranges.push({ path: 'network.cidr', cidr: vpc, group: 'cloud' });
  }
  const zonesOk = c.intInRange(
    'network.availabilityZones',
    net.availabilityZones,
    1,
    3,
    'use 1 to 3 zones (production: 3)',
  );
  if (zonesOk && env.stage === 'production' && net.availabilityZones < 2) {
    c.warn(
      'network.availabilityZones',
      net.availabilityZones,
      'leaves production in a single zone, so a zone outage takes the platform down',
      'use 3 zones in production',
    );
  }
  if (zonesOk) {
    c.intInRange(
      'network.natGateways',
      net.natGateways,
      0,
      net.availabilityZones,
      `use 0 (no outbound internet), 1, or up to one per zone (${net.availabilityZones})`,
    );
  }
  return ranges;
}
