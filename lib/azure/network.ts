import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association';
import { SubnetNetworkSecurityGroupAssociation } from '@cdktf/provider-azurerm/lib/subnet-network-security-group-association';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { type AzureEnvironment, cidrSize, formatIpv4, type PlatformNames, parseCidr, subnetAt } from '../config';

/** The private DNS zones of every private endpoint the platform creates, by service. */
export const PRIVATE_DNS_ZONES = {
  blob: 'privatelink.blob.core.windows.net',
  dfs: 'privatelink.dfs.core.windows.net',
  file: 'privatelink.file.core.windows.net',
  vault: 'privatelink.vaultcore.azure.net',
  registry: 'privatelink.azurecr.io',
  mlApi: 'privatelink.api.azureml.ms',
  mlNotebooks: 'privatelink.notebooks.azure.net',
  appConfiguration: 'privatelink.azconfig.io',
  eventGrid: 'privatelink.eventgrid.azure.net',
} as const;

export type PrivateDnsZoneKey = keyof typeof PRIVATE_DNS_ZONES;

/** Subnet roles of the platform VNet. */
export type SubnetRole =
  | 'system'
  | 'gpu'
  | 'privateEndpoints'
  | 'apim'
  | 'gateway'
  | 'dnsResolverInbound'
  | 'dnsResolverOutbound';

/** The deterministic address plan of a VNet, as CIDR text per subnet role. */
export type SubnetPlan = Readonly<Record<SubnetRole, string>>;

/** Largest VNet prefix the plan fits in: the small-subnet quarter must hold 8 subnets of /27. */
export const MAX_VNET_PREFIX = 22;

/**
 * Carves the VNet CIDR into subnets with `subnetAt`, so the same CIDR always gives the same plan:
 *
 * - quarter 0: system node pool; quarter 1: GPU node pools (Azure CNI Overlay gives pods overlay
 *   addresses, so these ranges hold nodes and internal load balancers only);
 * - first half of quarter 2: private endpoints; the second half is free for later use;
 * - quarter 3 starts with /27s: `GatewaySubnet` (Azure requires the name and recommends /27 or
 *   larger, https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings#gwsub),
 *   API Management (/27 leaves room to scale units,
 *   https://learn.microsoft.com/azure/api-management/virtual-network-injection-resources), then
 *   two /28s for a DNS Private Resolver (the minimum and recommended size,
 *   https://learn.microsoft.com/azure/dns/dns-private-resolver-overview#subnet-restrictions).
 */
export function planSubnets(vnetCidr: string): SubnetPlan {
  const parsed = parseCidr(vnetCidr);
  if (!parsed) throw new Error(`network.cidr '${vnetCidr}' is not an IPv4 CIDR`);
  if (parsed.prefix > MAX_VNET_PREFIX) {
    throw new Error(
      `network.cidr ${vnetCidr} is too small for the Azure subnet plan; use a /${MAX_VNET_PREFIX} or larger (a smaller prefix number)`,
    );
  }
  const quarter = parsed.prefix + 2;
  const small = subnetAt(vnetCidr, quarter, 3);
  return {
    system: subnetAt(vnetCidr, quarter, 0),
    gpu: subnetAt(vnetCidr, quarter, 1),
    privateEndpoints: subnetAt(vnetCidr, quarter + 1, 4),
    gateway: subnetAt(small, 27, 0),
    apim: subnetAt(small, 27, 1),
    dnsResolverInbound: subnetAt(small, 28, 4),
    dnsResolverOutbound: subnetAt(small, 28, 5),
  };
}

/**
 * The address the inference ingress's internal load balancer takes: the last usable host of the
 * system subnet. Azure reserves the first four and the last address of every subnet
 * (https://learn.microsoft.com/azure/virtual-network/virtual-networks-faq#are-there-any-restrictions-on-using-ip-addresses-within-these-subnets)
 * and hands node addresses out from the bottom, so the top host never collides with a node. The
 * Kubernetes Service sets `service.beta.kubernetes.io/azure-load-balancer-internal: "true"` and
 * `loadBalancerIP` to this address; API Management forwards to it.
 */
export function inferenceIngressIp(systemSubnet: string): string {
  const parsed = parseCidr(systemSubnet);
  if (!parsed) throw new Error(`'${systemSubnet}' is not an IPv4 CIDR`);
  return formatIpv4(parsed.network + cidrSize(parsed.prefix) - 2);
}

export interface NetworkProps {
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  readonly resourceGroup: ResourceGroup;
}

interface NsgRule {
  readonly name: string;
  readonly priority: number;
  readonly direction: 'Inbound' | 'Outbound';
  readonly access: 'Allow' | 'Deny';
  readonly protocol: 'Tcp' | 'Udp' | '*';
  readonly source: string;
  readonly destination: string;
  readonly ports: string;
}

/** Inbound rules API Management needs in internal VNet mode. */
const APIM_RULES: readonly NsgRule[] = [
  // Management endpoint for the Azure portal and PowerShell:
  // https://learn.microsoft.com/azure/api-management/api-management-using-with-internal-vnet#configure-nsg-rules
  rule('allow-apim-management', 100, 'Inbound', 'Allow', 'Tcp', 'ApiManagement', 'VirtualNetwork', '3443'),
  // Azure infrastructure load balancer health probe (Premium and Developer tiers).
  rule('allow-azure-lb-6390', 110, 'Inbound', 'Allow', 'Tcp', 'AzureLoadBalancer', 'VirtualNetwork', '6390'),
  // Callers inside the VNet (and on-premises through the hybrid link) reach the gateway on HTTPS.
  rule('allow-vnet-https', 120, 'Inbound', 'Allow', 'Tcp', 'VirtualNetwork', 'VirtualNetwork', '443'),
  // Outbound dependencies of the service: storage, SQL, Key Vault and Azure Monitor.
  rule('allow-storage-out', 100, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Storage', '443'),
  rule('allow-sql-out', 110, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'Sql', '1433'),
  rule('allow-keyvault-out', 120, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'AzureKeyVault', '443'),
  rule('allow-monitor-out', 130, 'Outbound', 'Allow', 'Tcp', 'VirtualNetwork', 'AzureMonitor', '1886,443'),
];

/** Every NSG ends with an explicit deny of internet traffic, so nothing depends on defaults. */
const DENY_INTERNET = rule('deny-internet-inbound', 4000, 'Inbound', 'Deny', '*', 'Internet', '*', '*');

function rule(
  name: string,
  priority: number,
  direction: NsgRule['direction'],
  access: NsgRule['access'],
  protocol: NsgRule['protocol'],
  source: string,
  destination: string,
  ports: string,
): NsgRule {
  return { name, priority, direction, access, protocol, source, destination, ports };
}

/**
 * The platform VNet: subnets from `planSubnets`, an NSG on every subnet that takes one, a NAT
 * gateway for node egress when `network.natGateways` > 0, and the private DNS zones of every
 * private endpoint, linked to the VNet.
 *
 * Egress design: with NAT, AKS uses outbound type `userAssignedNATGateway` on this gateway. With
 * `natGateways: 0`, the cluster is network-isolated (outbound type `none`, bootstrap images from
 * the private registry's MCR cache, https://learn.microsoft.com/azure/aks/concepts-network-isolated):
 * nothing leaves the VNet except through private endpoints and the hybrid link. A single NAT
 * gateway serves every zone: a subnet can be associated with one NAT gateway only
 * (https://learn.microsoft.com/azure/nat-gateway/nat-availability-zones), so more are not used.
 */
export class Network extends Construct {
  public readonly virtualNetwork: VirtualNetwork;
  public readonly plan: SubnetPlan;
  public readonly systemSubnet: Subnet;
  public readonly gpuSubnet: Subnet;
  public readonly privateEndpointSubnet: Subnet;
  /** The NSG of the private-endpoint subnet (the hybrid link admits on-premises ranges to it). */
  public readonly privateEndpointSecurityGroup: NetworkSecurityGroup;
  public readonly apimSubnet: Subnet;
  /** `GatewaySubnet`, without an NSG: the hybrid link puts its VPN / ExpressRoute gateway here. */
  public readonly gatewaySubnet: Subnet;
  /** Delegated to `Microsoft.Network/dnsResolvers`, for a DNS Private Resolver inbound endpoint. */
  public readonly dnsResolverInboundSubnet: Subnet;
  /** Delegated to `Microsoft.Network/dnsResolvers`, for a DNS Private Resolver outbound endpoint. */
  public readonly dnsResolverOutboundSubnet: Subnet;
  /** The NAT gateway for node egress, when `network.natGateways` > 0. */
  public readonly natGateway?: NatGateway;
  public readonly privateDnsZones: Readonly<Record<PrivateDnsZoneKey, PrivateDnsZone>>;
  /**
   * The VNet links of the private DNS zones: until a zone is linked, the VNet resolves the
   * service's public name, so data-plane resources depend on the link as well as the endpoint.
   */
  public readonly privateDnsZoneLinks: Readonly<Record<PrivateDnsZoneKey, PrivateDnsZoneVirtualNetworkLink>>;
  /**
   * The NSG association of each guarded subnet. Services injected into a subnet (API Management)
   * validate its NSG at create time, so they depend on the association, not only on the subnet.
   */
  public readonly securityGroupAssociations: Readonly<
    Partial<Record<SubnetRole, SubnetNetworkSecurityGroupAssociation>>
  >;
  /**
   * The NAT gateway association of each egress subnet (when `natGateways` > 0). AKS with outbound
   * type `userAssignedNATGateway` fails with `SubnetNotAssociatedWithNATGateway` unless its subnets
   * are associated first, so the cluster and node pools depend on these.
   */
  public readonly natAssociations: Readonly<Partial<Record<SubnetRole, SubnetNatGatewayAssociation>>>;
  /** Address of the inference ingress's internal load balancer (see `inferenceIngressIp`). */
  public readonly inferenceIngressIp: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { environment: env, names, resourceGroup } = props;
    const location = env.target.location;
    const rg = resourceGroup.name;
    this.plan = planSubnets(env.network.cidr);
    this.inferenceIngressIp = inferenceIngressIp(this.plan.system);

    this.virtualNetwork = new VirtualNetwork(this, 'Resource', {
      name: names.azure('vnet'),
      location,
      resourceGroupName: rg,
      addressSpace: [env.network.cidr],
    });

    const subnet = (
      sid: string,
      name: string,
      role: SubnetRole,
      extra: Partial<ConstructorParameters<typeof Subnet>[2]> = {},
    ) =>
      new Subnet(this, sid, {
        name,
        resourceGroupName: rg,
        virtualNetworkName: this.virtualNetwork.name,
        addressPrefixes: [this.plan[role]],
        // No implicit internet egress: nodes leave through the NAT gateway or not at all.
        defaultOutboundAccessEnabled: false,
        ...extra,
      });
    const resolverDelegation = [
      {
        name: 'dns-resolver',
        serviceDelegation: {
          name: 'Microsoft.Network/dnsResolvers',
          actions: ['Microsoft.Network/virtualNetworks/subnets/join/action'],
        },
      },
    ];
    this.systemSubnet = subnet('system-subnet', 'snet-system', 'system');
    this.gpuSubnet = subnet('gpu-subnet', 'snet-gpu', 'gpu');
    this.privateEndpointSubnet = subnet('private-endpoint-subnet', 'snet-private-endpoints', 'privateEndpoints', {
      privateEndpointNetworkPolicies: 'Enabled',
    });
    // API Management reaches its own dependencies (Storage, SQL, Key Vault, Event Hubs) over the
    // Azure backbone through service endpoints:
    // https://learn.microsoft.com/azure/api-management/virtual-network-reference#force-tunnel-traffic-to-on-premises-firewall-using-expressroute-or-network-virtual-appliance
    this.apimSubnet = subnet('apim-subnet', 'snet-apim', 'apim', {
      serviceEndpoints: ['Microsoft.Storage', 'Microsoft.Sql', 'Microsoft.KeyVault', 'Microsoft.EventHub'],
    });
    this.gatewaySubnet = subnet('gateway-subnet', 'GatewaySubnet', 'gateway', { defaultOutboundAccessEnabled: true });
    this.dnsResolverInboundSubnet = subnet('dns-resolver-inbound-subnet', 'snet-dns-inbound', 'dnsResolverInbound', {
      delegation: resolverDelegation,
    });
    this.dnsResolverOutboundSubnet = subnet(
      'dns-resolver-outbound-subnet',
      'snet-dns-outbound',
      'dnsResolverOutbound',
      {
        delegation: resolverDelegation,
      },
    );

    const guarded: ReadonlyArray<[string, SubnetRole, Subnet, readonly NsgRule[]]> = [
      ['system', 'system', this.systemSubnet, []],
      ['gpu', 'gpu', this.gpuSubnet, []],
      ['private-endpoints', 'privateEndpoints', this.privateEndpointSubnet, []],
      ['apim', 'apim', this.apimSubnet, APIM_RULES],
      ['dns-inbound', 'dnsResolverInbound', this.dnsResolverInboundSubnet, []],
      ['dns-outbound', 'dnsResolverOutbound', this.dnsResolverOutboundSubnet, []],
    ];
    const groups = new Map<string, NetworkSecurityGroup>();
    const nsgAssociations: Partial<Record<SubnetRole, SubnetNetworkSecurityGroupAssociation>> = {};
    for (const [purpose, role, target, rules] of guarded) {
      const nsg = new NetworkSecurityGroup(this, `${purpose}-nsg`, {
        name: names.azure('nsg', purpose),
        location,
        resourceGroupName: rg,
      });
      for (const r of [...rules, DENY_INTERNET]) {
        const ports = r.ports.split(',');
        new NetworkSecurityRule(this, `${purpose}-nsg-${r.name}`, {
          name: r.name,
          resourceGroupName: rg,
          networkSecurityGroupName: nsg.name,
          priority: r.priority,
          direction: r.direction,
          access: r.access,
          protocol: r.protocol,
          sourceAddressPrefix: r.source,
          sourcePortRange: '*',
          destinationAddressPrefix: r.destination,
          ...(ports.length > 1 ? { destinationPortRanges: ports } : { destinationPortRange: r.ports }),
        });
      }
      nsgAssociations[role] = new SubnetNetworkSecurityGroupAssociation(this, `${purpose}-nsg-association`, {
        subnetId: target.id,
        networkSecurityGroupId: nsg.id,
      });
      groups.set(purpose, nsg);
    }
    this.privateEndpointSecurityGroup = groups.get('private-endpoints') as NetworkSecurityGroup;
    this.securityGroupAssociations = nsgAssociations;
    const natAssociations: Partial<Record<SubnetRole, SubnetNatGatewayAssociation>> = {};

    if (env.network.natGateways > 0) {
      if (env.network.natGateways > 1) {
        Annotations.of(this).addWarning(
          `network.natGateways is ${env.network.natGateways}; Azure uses one NAT gateway per subnet, so one is created`,
        );
      }
      const ip = new PublicIp(this, 'nat-public-ip', {
        name: names.azure('pip', 'nat'),
        location,
        resourceGroupName: rg,
        allocationMethod: 'Static',
        sku: 'Standard',
        // A zone-redundant address survives a zone outage even though the gateway is regional.
        zones: zoneList(env),
      });
      this.natGateway = new NatGateway(this, 'nat-gateway', {
        name: names.azure('ng'),
        location,
        resourceGroupName: rg,
        skuName: 'Standard',
        idleTimeoutInMinutes: 4,
      });
      new NatGatewayPublicIpAssociation(this, 'nat-public-ip-association', {
        natGatewayId: this.natGateway.id,
        publicIpAddressId: ip.id,
      });
      // API Management also needs Entra ID (token validation keys) and Azure Monitor, which have
      // no service endpoints, so its subnet leaves through the NAT gateway too.
      for (const [sid, target] of [
        ['system', this.systemSubnet],
        ['gpu', this.gpuSubnet],
        ['apim', this.apimSubnet],
      ] as const) {
        natAssociations[sid] = new SubnetNatGatewayAssociation(this, `${sid}-nat-association`, {
          subnetId: target.id,
          natGatewayId: this.natGateway.id,
        });
      }
    }
    this.natAssociations = natAssociations;

    if (env.network.natGateways === 0) {
      Annotations.of(this).addWarning(
        'network.natGateways is 0: API Management reaches Entra ID and Azure Monitor only if the hybrid link (or a firewall) routes 0.0.0.0/0 for snet-apim',
      );
    }

    const zones = {} as Record<PrivateDnsZoneKey, PrivateDnsZone>;
    const links = {} as Record<PrivateDnsZoneKey, PrivateDnsZoneVirtualNetworkLink>;
    for (const [key, zoneName] of Object.entries(PRIVATE_DNS_ZONES) as [PrivateDnsZoneKey, string][]) {
      const zone = new PrivateDnsZone(this, `dns-${key}`, { name: zoneName, resourceGroupName: rg });
      links[key] = new PrivateDnsZoneVirtualNetworkLink(this, `dns-${key}-link`, {
        name: names.azure('pdnslink', key.toLowerCase()),
        resourceGroupName: rg,
        privateDnsZoneName: zone.name,
        virtualNetworkId: this.virtualNetwork.id,
        registrationEnabled: false,
      });
      zones[key] = zone;
    }
    this.privateDnsZones = zones;
    this.privateDnsZoneLinks = links;
  }
}

/** Zone numbers `['1', ..., 'n']` for the environment's availability zones. */
export function zoneList(env: AzureEnvironment): string[] {
  return Array.from({ length: env.network.availabilityZones }, (_, i) => String(i + 1));
}

/** Narrows away `undefined`, for lists of optional resources. */
export function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
