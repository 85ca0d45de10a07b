/** The link to the on-premises data centre: ranges, the VPN device, BGP, DNS, Direct Connect and ExpressRoute. */
import { cidrContains, type Ipv4Cidr, isPublicIpv4, isRfc1918, parseCidr, parseIpv4 } from '../cidr';
import { DEFAULT_CLOUD_ASN } from '../conventions';
import type { PlatformEnvironment } from '../types';
import { type Checker, isInt, type NamedRange, PATTERNS } from './checker';

function isPrivateAsn(asn: number): boolean {
  return Number.isInteger(asn) && ((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294));
}

const DX_CONNECTION = /^dxcon-[a-z0-9]{8}$/;
const TRANSIT_GATEWAY = /^tgw-([0-9a-f]{8}|[0-9a-f]{17})$/;
const EXPRESS_ROUTE_CIRCUIT =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/expressRouteCircuits\/[^/]+$/i;
/** Azure reserves these ASNs for its own BGP speakers (VPN gateway FAQ). */
const AZURE_RESERVED_ASNS = [8074, 8075, 12076, 65515, 65516, 65517, 65518, 65519, 65520];

export function checkHybrid(c: Checker, env: PlatformEnvironment): NamedRange[] {
  const h = env.hybrid;
  const ranges: NamedRange[] = [];
  if (!h) return ranges;
  const cloud = env.target.cloud;
  const allowed = cloud === 'aws' ? ['vpn', 'direct-connect'] : ['vpn', 'expressroute'];
  if (!allowed.includes(h.linkType)) {
    c.error(
      'hybrid.linkType',
      h.linkType,
      `is not a link type on ${cloud}`,
      `use ${allowed.map((t) => `'${t}'`).join(' or ')}`,
    );
  }
  if (h.onPremCidrs.length === 0) {
    c.error('hybrid.onPremCidrs', h.onPremCidrs, 'is empty', 'list the on-premises ranges the cloud must reach');
  }
  const onPrem: Ipv4Cidr[] = [];
  h.onPremCidrs.forEach((text, i) => {
    const cidr = c.cidr(`hybrid.onPremCidrs[${i}]`, text);
    if (cidr) {
      onPrem.push(cidr);
      ranges.push({ path: `hybrid.onPremCidrs[${i}]`, cidr, group: 'on-prem' });
    }
  });
  // EKS Hybrid Nodes: remote node and pod networks are RFC 1918 or CGNAT and must not overlap
  // each other, the VPC or the service range.
  const hybridRange = (cidr: Ipv4Cidr) => isRfc1918(cidr) || cidrContains(parseCidr('100.64.0.0/10') as Ipv4Cidr, cidr);
  for (const [field, list] of [
    ['nodeCidrs', h.nodeCidrs],
    ['podCidrs', h.podCidrs],
  ] as const) {
    if (list.length === 0) {
      c.error(
        `hybrid.${field}`,
        list,
        'is empty',
        `list the on-premises ${field === 'nodeCidrs' ? 'node subnets' : 'pod ranges'} of hybrid nodes`,
      );
    }
    list.forEach((text, i) => {
      const path = `hybrid.${field}[${i}]`;
      const cidr = c.cidr(path, text);
      if (!cidr) return;
      if (!hybridRange(cidr)) {
        c.error(
          path,
          text,
          'must be an RFC 1918 or 100.64.0.0/10 range',
          'use the private range the on-premises network assigns',
        );
      }
      if (field === 'nodeCidrs' && !onPrem.some((range) => cidrContains(range, cidr))) {
        c.error(
          path,
          text,
          'lies outside hybrid.onPremCidrs, so the link would not route to it',
          'add its range to hybrid.onPremCidrs',
        );
      }
      ranges.push({ path, cidr, group: 'hybrid' });
    });
  }
  if (h.linkType === 'vpn') {
    if (h.gatewayIp === undefined || !isPublicIpv4(h.gatewayIp)) {
      c.error(
        'hybrid.gatewayIp',
        h.gatewayIp,
        'must be the public IPv4 address of the on-premises VPN device',
        'set the address your firewall terminates IPsec on (not a private or reserved address)',
      );
    }
  }
  if (h.bgpAsn !== undefined && !isPrivateAsn(h.bgpAsn)) {
    c.error('hybrid.bgpAsn', h.bgpAsn, 'is not a private ASN', 'use 64512-65534 or 4200000000-4294967294');
  }
  if (h.cloudAsn !== undefined && !isPrivateAsn(h.cloudAsn)) {
    c.error('hybrid.cloudAsn', h.cloudAsn, 'is not a private ASN', 'use 64512-65534 or 4200000000-4294967294');
  }
  if (cloud === 'azure' && h.bgpAsn !== undefined && AZURE_RESERVED_ASNS.includes(h.bgpAsn)) {
    c.error('hybrid.bgpAsn', h.bgpAsn, 'is reserved by Azure', 'pick another private ASN (not 65515-65520)');
  }
  // 65515 is the Azure gateway's own default; the other reserved ASNs cannot be assigned to it.
  if (
    cloud === 'azure' &&
    h.cloudAsn !== undefined &&
    h.cloudAsn !== DEFAULT_CLOUD_ASN.azure &&
    AZURE_RESERVED_ASNS.includes(h.cloudAsn)
  ) {
    c.error(
      'hybrid.cloudAsn',
      h.cloudAsn,
      'is reserved by Azure and cannot be the VPN gateway ASN',
      'leave cloudAsn unset (65515) or pick another private ASN',
    );
  }
  const cloudAsn = h.cloudAsn ?? DEFAULT_CLOUD_ASN[cloud];
  if (h.bgpAsn !== undefined && h.bgpAsn === cloudAsn) {
    c.error(
      'hybrid.bgpAsn',
      h.bgpAsn,
      `equals the cloud side's ASN (${cloudAsn}); BGP needs two different ASNs`,
      'change one of them',
    );
  }
  if (h.bgpPeerIp !== undefined) {
    if (parseIpv4(h.bgpPeerIp) === undefined) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'is not an IPv4 address',
        'set the BGP address of the on-premises device',
      );
    } else if (!onPrem.some((range) => cidrContains(range, parseCidr(`${h.bgpPeerIp}/32`) as Ipv4Cidr))) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'lies outside hybrid.onPremCidrs, so the gateway could not reach the peer',
        'use an on-premises address (usually the device loopback) or add its range to hybrid.onPremCidrs',
      );
    }
    if (h.bgpAsn === undefined) {
      c.error(
        'hybrid.bgpPeerIp',
        h.bgpPeerIp,
        'is set without hybrid.bgpAsn, so no BGP session uses it',
        'set hybrid.bgpAsn or remove bgpPeerIp',
      );
    }
  }
  // The Azure local network gateway peers with one on-premises address that Azure cannot infer
  // (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto#createlng).
  if (cloud === 'azure' && h.linkType === 'vpn' && h.bgpAsn !== undefined && h.bgpPeerIp === undefined) {
    c.error(
      'hybrid.bgpPeerIp',
      h.bgpPeerIp,
      'is required on Azure when hybrid.bgpAsn is set',
      'set the BGP address of the on-premises VPN device, or remove bgpAsn for static routing',
    );
  }
  if (h.transitGatewayId !== undefined) {
    if (cloud !== 'aws') {
      c.error('hybrid.transitGatewayId', h.transitGatewayId, 'is an AWS setting', 'remove it on Azure');
    } else if (!TRANSIT_GATEWAY.test(h.transitGatewayId)) {
      c.error(
        'hybrid.transitGatewayId',
        h.transitGatewayId,
        "must be the id of a transit gateway ('tgw-' and 8 or 17 hex digits)",
        'copy it from the VPC console, or remove it to use a virtual private gateway',
      );
    }
  }
  if (h.linkType === 'direct-connect') {
    if (!h.directConnect || !DX_CONNECTION.test(h.directConnect.connectionId)) {
      c.error(
        'hybrid.directConnect.connectionId',
        h.directConnect?.connectionId,
        "must be the id of the Direct Connect connection ('dxcon-' and 8 characters)",
        'copy it from the Direct Connect console once the connection is ordered',
      );
    }
    const vlan = h.directConnect?.vlan;
    if (vlan !== undefined && (!isInt(vlan) || vlan < 1 || vlan > 4094)) {
      c.error(
        'hybrid.directConnect.vlan',
        vlan,
        'is not a VLAN id (1-4094)',
        'use the VLAN your Direct Connect partner allocated',
      );
    }
    const asn = h.directConnect?.amazonSideAsn;
    if (asn !== undefined && !isPrivateAsn(asn)) {
      c.error(
        'hybrid.directConnect.amazonSideAsn',
        asn,
        'is not a private ASN',
        'use 64512-65534 or 4200000000-4294967294',
      );
    }
  }
  if (h.linkType === 'expressroute') {
    const er = h.expressRoute;
    if (!er || !EXPRESS_ROUTE_CIRCUIT.test(er.circuitId)) {
      c.error(
        'hybrid.expressRoute.circuitId',
        er?.circuitId,
        'must be the resource id of an ExpressRoute circuit',
        'copy it from the circuit in the Azure portal (/subscriptions/.../expressRouteCircuits/<name>)',
      );
    }
    if (!er?.serviceProvider) {
      c.error(
        'hybrid.expressRoute.serviceProvider',
        er?.serviceProvider,
        'is required for ExpressRoute',
        'name the connectivity provider',
      );
    }
    if (!er?.peeringLocation) {
      c.error(
        'hybrid.expressRoute.peeringLocation',
        er?.peeringLocation,
        'is required for ExpressRoute',
        'name the peering location',
      );
    }
  }
  (h.dnsServers ?? []).forEach((ip, i) => {
    if (parseIpv4(ip) === undefined) {
      c.error(`hybrid.dnsServers[${i}]`, ip, 'is not an IPv4 address', 'list the resolvers by address');
    } else if (!onPrem.some((range) => cidrContains(range, parseCidr(`${ip}/32`) as Ipv4Cidr))) {
      c.error(
        `hybrid.dnsServers[${i}]`,
        ip,
        'lies outside hybrid.onPremCidrs, so queries could not reach it',
        'add its range to hybrid.onPremCidrs',
      );
    }
  });
  (h.dnsDomains ?? []).forEach((domain, i) => {
    if (!PATTERNS.domain.test(domain)) {
      c.error(`hybrid.dnsDomains[${i}]`, domain, 'is not a DNS domain name', "use a domain such as 'corp.example.com'");
    }
  });
  if ((h.dnsDomains?.length ?? 0) > 0 && (h.dnsServers?.length ?? 0) === 0) {
    c.error(
      'hybrid.dnsServers',
      h.dnsServers,
      'is empty while dnsDomains are set, so nothing can answer for them',
      'list the on-premises resolvers',
    );
  }
  return ranges;
}
