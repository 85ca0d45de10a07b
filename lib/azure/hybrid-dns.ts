import { PrivateDnsResolver } from '@cdktf/provider-azurerm/lib/private-dns-resolver';
import { PrivateDnsResolverDnsForwardingRuleset } from '@cdktf/provider-azurerm/lib/private-dns-resolver-dns-forwarding-ruleset';
import { PrivateDnsResolverForwardingRule } from '@cdktf/provider-azurerm/lib/private-dns-resolver-forwarding-rule';
import { PrivateDnsResolverInboundEndpoint } from '@cdktf/provider-azurerm/lib/private-dns-resolver-inbound-endpoint';
import { PrivateDnsResolverOutboundEndpoint } from '@cdktf/provider-azurerm/lib/private-dns-resolver-outbound-endpoint';
import { PrivateDnsResolverVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-resolver-virtual-network-link';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { TerraformOutput } from 'cdktf';
import { Construct } from 'constructs';
import type { PlatformNames } from '../config';

/** DNS port the forwarding rules send queries to (plain DNS, as on-premises resolvers serve it). */
export const DNS_PORT = 53;

export interface HybridDnsProps {
  readonly names: PlatformNames;
  readonly resourceGroup: Pick<ResourceGroup, 'name' | 'location'>;
  /** The platform VNet: the resolver lives in it and the forwarding ruleset is linked to it. */
  readonly virtualNetwork: Pick<VirtualNetwork, 'id' | 'name'>;
  /** Subnet delegated to `Microsoft.Network/dnsResolvers` for the inbound endpoint (/28 or larger). */
  readonly inboundSubnet: Pick<Subnet, 'id'>;
  /** Subnet delegated to `Microsoft.Network/dnsResolvers` for the outbound endpoint (/28 or larger). */
  readonly outboundSubnet: Pick<Subnet, 'id'>;
  /**
   * On-premises resolvers that answer for `domains`.
   * @default - no forwarding (no outbound endpoint and no ruleset)
   */
  readonly onPremServers?: readonly string[];
  /**
   * On-premises domains forwarded to `onPremServers`.
   * @default - no forwarding (no outbound endpoint and no ruleset)
   */
  readonly onPremDomains?: readonly string[];
}

/**
 * DNS across the hybrid link with an Azure DNS Private Resolver
 * (https://learn.microsoft.com/azure/dns/dns-private-resolver-overview):
 *
 * - the inbound endpoint is the address on-premises resolvers conditionally forward the Azure
 *   private-link zones to (`privatelink.blob.core.windows.net`, `privatelink.dfs...`,
 *   `privatelink.vaultcore.azure.net`, `privatelink.azurecr.io`, the AKS private cluster zone):
 *   queries from it are answered from the private DNS zones linked to the VNet, so on-premises
 *   clients get the private endpoint addresses, never the public ones;
 * - the outbound endpoint and a forwarding ruleset linked to the VNet send the on-premises domains
 *   to the on-premises resolvers, so pods and Azure services resolve on-premises names.
 */
export class HybridDns extends Construct {
  public readonly resolver: PrivateDnsResolver;
  public readonly inboundEndpoint: PrivateDnsResolverInboundEndpoint;
  public readonly outboundEndpoint?: PrivateDnsResolverOutboundEndpoint;
  public readonly ruleset?: PrivateDnsResolverDnsForwardingRuleset;
  public readonly rules: PrivateDnsResolverForwardingRule[] = [];

  constructor(scope: Construct, id: string, props: HybridDnsProps) {
    super(scope, id);
    const { names } = props;
    const location = props.resourceGroup.location;
    const servers = props.onPremServers ?? [];
    const domains = props.onPremDomains ?? [];

    this.resolver = new PrivateDnsResolver(this, 'Resource', {
      name: names.azure('dnspr'),
      resourceGroupName: props.resourceGroup.name,
      location,
      virtualNetworkId: props.virtualNetwork.id,
    });
    this.inboundEndpoint = new PrivateDnsResolverInboundEndpoint(this, 'inbound', {
      name: names.azure('in', 'dnspr'),
      privateDnsResolverId: this.resolver.id,
      location,
      ipConfigurations: { subnetId: props.inboundSubnet.id, privateIpAllocationMethod: 'Dynamic' },
    });
    new TerraformOutput(this, 'inbound-ip', {
      description: 'Address on-premises DNS servers conditionally forward the Azure private-link zones to',
      value: this.inboundEndpoint.ipConfigurations.privateIpAddress,
    });

    if (servers.length === 0 || domains.length === 0) return;
    this.outboundEndpoint = new PrivateDnsResolverOutboundEndpoint(this, 'outbound', {
      name: names.azure('out', 'dnspr'),
      privateDnsResolverId: this.resolver.id,
      location,
      subnetId: props.outboundSubnet.id,
    });
    this.ruleset = new PrivateDnsResolverDnsForwardingRuleset(this, 'ruleset', {
      name: names.azure('dnsfrs'),
      resourceGroupName: props.resourceGroup.name,
      location,
      privateDnsResolverOutboundEndpointIds: [this.outboundEndpoint.id],
    });
    domains.forEach((domain, i) => {
      this.rules.push(
        new PrivateDnsResolverForwardingRule(this, `rule-${i}`, {
          // Rule names allow letters, digits, underscores and hyphens only.
          name: `onprem-${domain.replace(/[^A-Za-z0-9]/g, '-')}`,
          dnsForwardingRulesetId: (this.ruleset as PrivateDnsResolverDnsForwardingRuleset).id,
          // Azure wants the fully qualified form with the trailing dot.
          domainName: domain.endsWith('.') ? domain : `${domain}.`,
          enabled: true,
          targetDnsServers: servers.map((ipAddress) => ({ ipAddress, port: DNS_PORT })),
        }),
      );
    });
    new PrivateDnsResolverVirtualNetworkLink(this, 'ruleset-link', {
      name: names.azure('dnsfrslink', 'vnet'),
      dnsForwardingRulesetId: this.ruleset.id,
      virtualNetworkId: props.virtualNetwork.id,
    });
  }
}
