import type { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { KeyVaultSecret } from '@cdktf/provider-azurerm/lib/key-vault-secret';
import { LocalNetworkGateway } from '@cdktf/provider-azurerm/lib/local-network-gateway';
import type { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import type { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { MonitorDiagnosticSetting } from '@cdktf/provider-azurerm/lib/monitor-diagnostic-setting';
import { MonitorMetricAlert, type MonitorMetricAlertCriteria } from '@cdktf/provider-azurerm/lib/monitor-metric-alert';
import type { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { NetworkSecurityRule } from '@cdktf/provider-azurerm/lib/network-security-rule';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import type { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment';
import type { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import type { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { VirtualNetworkGateway } from '@cdktf/provider-azurerm/lib/virtual-network-gateway';
import { VirtualNetworkGatewayConnection } from '@cdktf/provider-azurerm/lib/virtual-network-gateway-connection';
import { Password } from '@cdktf/provider-random/lib/password';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { type ITerraformDependable, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { type AzureEnvironment, DEFAULT_CLOUD_ASN, type HybridConfig, type PlatformNames } from '../config';
import { HybridArc } from './hybrid-arc';
import { HybridDns } from './hybrid-dns';

/**
 * Zone-redundant VPN gateway SKU: up to 1.25 Gbps and 30 site-to-site tunnels, spread over the
 * region's zones (https://learn.microsoft.com/azure/vpn-gateway/about-zone-redundant-vnet-gateways).
 * Fixed rather than configurable: anything below it is not zone-redundant, and the Basic and
 * non-AZ SKUs are being retired.
 */
export const VPN_GATEWAY_SKU = 'VpnGw2AZ';

/**
 * Zone-redundant ExpressRoute gateway SKUs: ErGw1AZ (1 Gbps) for staging, ErGw2AZ (2 Gbps) for
 * production (https://learn.microsoft.com/azure/expressroute/expressroute-about-virtual-network-gateways#gwsku).
 */
export const EXPRESS_ROUTE_GATEWAY_SKUS = { staging: 'ErGw1AZ', production: 'ErGw2AZ' } as const;

/**
 * Zones of the gateway public IPs. AZ gateway SKUs exist only in regions with three availability
 * zones, and they need Standard public IPs in all three.
 */
export const GATEWAY_ZONES = ['1', '2', '3'];

/**
 * The custom IPsec/IKE policy of the site-to-site connection: IKEv2 with AES-GCM-256 and ECP384
 * for both IKE and the child SAs (with perfect forward secrecy), which Azure lists among the
 * supported combinations (https://learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto).
 * With GCM for IPsec encryption, IPsec integrity must name the same GCM algorithm. SA lifetimes are
 * Azure's defaults: 27,000 s (7.5 h) and 100 GB.
 */
export const IPSEC_POLICY = {
  ikeEncryption: 'GCMAES256',
  ikeIntegrity: 'SHA384',
  dhGroup: 'ECP384',
  ipsecEncryption: 'GCMAES256',
  ipsecIntegrity: 'GCMAES256',
  pfsGroup: 'ECP384',
  saLifetime: 27_000,
  saDatasize: 102_400_000,
} as const;

/** Length of the generated pre-shared key (Azure accepts 1-128 printable ASCII characters). */
export const SHARED_KEY_LENGTH = 64;

/** Priority of the NSG rule that lets on-premises clients reach the private endpoints. */
export const ON_PREM_HTTPS_RULE_PRIORITY = 200;

/** Gateway log categories sent to Log Analytics, per gateway type. */
export const GATEWAY_LOG_CATEGORIES = {
  Vpn: ['GatewayDiagnosticLog', 'TunnelDiagnosticLog', 'RouteDiagnosticLog', 'IKEDiagnosticLog'],
  ExpressRoute: ['GatewayDiagnosticLog', 'RouteDiagnosticLog'],
} as const;

export interface HybridLinkProps {
  /** The environment; its `hybrid` block describes the link and must be set. */
  readonly environment: AzureEnvironment;
  readonly names: PlatformNames;
  /** Resource group of the platform: the gateway, connection, resolver and alerts go here. */
  readonly resourceGroup: Pick<ResourceGroup, 'name' | 'location'>;
  /** The platform VNet. */
  readonly virtualNetwork: Pick<VirtualNetwork, 'id' | 'name'>;
  /** The VNet's `GatewaySubnet` (/27 or larger, no NSG). */
  readonly gatewaySubnet: Pick<Subnet, 'id'>;
  /** Subnet delegated to `Microsoft.Network/dnsResolvers` for the resolver's inbound endpoint. */
  readonly dnsResolverInboundSubnet: Pick<Subnet, 'id'>;
  /** Subnet delegated to `Microsoft.Network/dnsResolvers` for the resolver's outbound endpoint. */
  readonly dnsResolverOutboundSubnet: Pick<Subnet, 'id'>;
  /** Subnet of the private endpoints that on-premises clients reach over the link. */
  readonly privateEndpointSubnet: Pick<Subnet, 'addressPrefixes'>;
  /** NSG of the private endpoint subnet: the link adds an allow rule for on-premises HTTPS. */
  readonly privateEndpointSecurityGroup: Pick<NetworkSecurityGroup, 'name' | 'resourceGroupName'>;
  /** Key vault (RBAC mode) that keeps the VPN pre-shared key. */
  readonly keyVault: Pick<KeyVault, 'id'>;
  /**
   * What the vault's data plane needs before a secret can be written from inside the VNet: its
   * private endpoint and the DNS zone link (`Keys.dataPlaneReady`).
   */
  readonly keyVaultReady: readonly ITerraformDependable[];
  /**
   * Principal id of the fixed identity that applies the stack (the deploy identity): it gets Key
   * Vault Secrets Officer on the pre-shared key's secret to write and rotate it.
   */
  readonly secretAdministratorPrincipalId: string;
  /**
   * Principal ids that refresh the secret in a plan (the plan identity): Key Vault Secrets User on
   * that one secret. A refresh reads the value, which the state holds anyway.
   * @default - none
   */
  readonly secretReaderPrincipalIds?: readonly string[];
  /** Workspace the gateway's logs and metrics go to. */
  readonly logAnalyticsWorkspace: Pick<LogAnalyticsWorkspace, 'id'>;
  /** On-call action group every link alert notifies. */
  readonly actionGroup: Pick<MonitorActionGroup, 'id'>;
}

/**
 * The private link between the platform VNet and the on-premises data centre:
 *
 * - `vpn`: a zone-redundant, active-active, route-based VPN gateway with BGP, a local network
 *   gateway for the on-premises device, and an IKEv2 connection with a custom IPsec policy whose
 *   pre-shared key is generated by Terraform and kept in Key Vault;
 * - `expressroute`: a zone-redundant ExpressRoute gateway connected to the configured circuit;
 *
 * plus, for both, a DNS Private Resolver (`HybridDns`), the Azure Arc landing zone for on-premises
 * GPU clusters (`HybridArc`), an NSG rule for on-premises HTTPS to the private endpoints, gateway
 * diagnostics in Log Analytics and metric alerts on the on-call action group.
 *
 * Routing needs no route tables: the gateway sits in the VNet, so every subnet gets system routes
 * to the on-premises prefixes (learned over BGP, or from the local network gateway), and the
 * gateway advertises the VNet range to on-premises
 * (https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#virtual-network-gateway-routes).
 */
export class HybridLink extends Construct {
  public readonly gateway: VirtualNetworkGateway;
  public readonly connection: VirtualNetworkGatewayConnection;
  public readonly publicIps: PublicIp[] = [];
  /** The on-premises VPN device (`vpn` only). */
  public readonly localNetworkGateway?: LocalNetworkGateway;
  /** The Key Vault secret holding the pre-shared key (`vpn` only). */
  public readonly sharedKeySecret?: KeyVaultSecret;
  public readonly dns: HybridDns;
  public readonly arc: HybridArc;
  public readonly alerts: MonitorMetricAlert[] = [];
  /** Whether the link runs BGP with the on-premises side. */
  public readonly bgp: boolean;

  constructor(scope: Construct, id: string, props: HybridLinkProps) {
    super(scope, id);
    const env = props.environment;
    const hybrid = env.hybrid;
    if (!hybrid) {
      throw new Error(`environments/${env.name}.ts: hybrid is not set; build HybridLink only for hybrid environments`);
    }
    if (hybrid.linkType !== 'vpn' && hybrid.linkType !== 'expressroute') {
      throw new Error(`environments/${env.name}.ts: hybrid.linkType '${hybrid.linkType}' is not a link type on Azure`);
    }
    const { names } = props;
    const rg = props.resourceGroup.name;
    const location = props.resourceGroup.location;
    const vpn = hybrid.linkType === 'vpn';
    // ExpressRoute always runs BGP with the Microsoft edge; VPN runs it when both peer settings exist.
    this.bgp = !vpn || (hybrid.bgpAsn !== undefined && hybrid.bgpPeerIp !== undefined);
    const gatewayType = vpn ? 'Vpn' : 'ExpressRoute';

    // Active-active VPN gateways need one public IP per instance; ExpressRoute gateways one.
    const ipCount = vpn ? 2 : 1;
    for (let i = 0; i < ipCount; i++) {
      this.publicIps.push(
        new PublicIp(this, `public-ip-${i + 1}`, {
          name: names.azure('pip', `${vpn ? 'vpng' : 'ergw'}-${i + 1}`),
          resourceGroupName: rg,
          location,
          sku: 'Standard',
          allocationMethod: 'Static',
          zones: GATEWAY_ZONES,
        }),
      );
    }

    this.gateway = new VirtualNetworkGateway(this, 'Resource', {
      name: names.azure(vpn ? 'vpng' : 'ergw'),
      resourceGroupName: rg,
      location,
      type: gatewayType,
      ...(vpn
        ? {
            sku: VPN_GATEWAY_SKU,
            vpnType: 'RouteBased',
            generation: 'Generation2',
            // Both instances carry traffic, so planned maintenance or a zone failure moves
            // tunnels instead of dropping them (https://learn.microsoft.com/azure/vpn-gateway/active-active-portal).
            activeActive: true,
            enableBgp: true,
            bgpSettings: { asn: hybrid.cloudAsn ?? DEFAULT_CLOUD_ASN.azure },
          }
        : { sku: EXPRESS_ROUTE_GATEWAY_SKUS[env.stage] }),
      ipConfiguration: this.publicIps.map((ip, i) => ({
        name: `ipconfig-${i + 1}`,
        publicIpAddressId: ip.id,
        privateIpAddressAllocation: 'Dynamic',
        subnetId: props.gatewaySubnet.id,
      })),
    });

    if (vpn) {
      const site = this.vpnSite(props, hybrid);
      this.localNetworkGateway = site.localNetworkGateway;
      this.sharedKeySecret = site.secret;
      this.connection = site.connection;
    } else {
      // A circuit in the same subscription needs no authorization key. For a circuit in another
      // subscription, its owner creates an authorization and the key goes in `authorizationKey`
      // (https://learn.microsoft.com/azure/expressroute/expressroute-howto-linkvnet-arm#connect-a-virtual-network-in-a-different-subscription-to-a-circuit).
      this.connection = new VirtualNetworkGatewayConnection(this, 'connection', {
        name: names.azure('con', 'expressroute'),
        resourceGroupName: rg,
        location,
        type: 'ExpressRoute',
        virtualNetworkGatewayId: this.gateway.id,
        expressRouteCircuitId: (hybrid.expressRoute as NonNullable<HybridConfig['expressRoute']>).circuitId,
        routingWeight: 0,
      });
    }

    // On-premises clients reach storage, key vault and registry through their private endpoints.
    // Private endpoint network policies are on for that subnet, so this rule applies to them
    // (https://learn.microsoft.com/azure/private-link/disable-private-endpoint-network-policy).
    new NetworkSecurityRule(this, 'on-prem-https', {
      name: 'allow-onprem-https-to-private-endpoints',
      resourceGroupName: props.privateEndpointSecurityGroup.resourceGroupName,
      networkSecurityGroupName: props.privateEndpointSecurityGroup.name,
      priority: ON_PREM_HTTPS_RULE_PRIORITY,
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      sourceAddressPrefixes: [...hybrid.onPremCidrs, ...hybrid.podCidrs],
      sourcePortRange: '*',
      destinationAddressPrefixes: props.privateEndpointSubnet.addressPrefixes,
      destinationPortRange: '443',
    });

    new MonitorDiagnosticSetting(this, 'diagnostics', {
      name: 'to-log-analytics',
      targetResourceId: this.gateway.id,
      logAnalyticsWorkspaceId: props.logAnalyticsWorkspace.id,
      enabledLog: GATEWAY_LOG_CATEGORIES[gatewayType].map((category) => ({ category })),
      enabledMetric: [{ category: 'AllMetrics' }],
    });

    this.dns = new HybridDns(this, 'dns', {
      names,
      resourceGroup: props.resourceGroup,
      virtualNetwork: props.virtualNetwork,
      inboundSubnet: props.dnsResolverInboundSubnet,
      outboundSubnet: props.dnsResolverOutboundSubnet,
      onPremServers: hybrid.dnsServers,
      onPremDomains: hybrid.dnsDomains,
    });
    this.arc = new HybridArc(this, 'arc', { environment: env, names });

    this.addAlerts(props, hybrid);
  }

  /** The on-premises site of a VPN link: local network gateway, pre-shared key and connection. */
  private vpnSite(
    props: HybridLinkProps,
    hybrid: HybridConfig,
  ): { localNetworkGateway: LocalNetworkGateway; secret: KeyVaultSecret; connection: VirtualNetworkGatewayConnection } {
    const { names } = props;
    const rg = props.resourceGroup.name;
    const location = props.resourceGroup.location;

    // With BGP the local network gateway holds only the peer's /32 and the prefixes are learned;
    // without it, every on-premises and hybrid pod range is routed statically
    // (https://learn.microsoft.com/azure/vpn-gateway/bgp-howto#createlng).
    const localNetworkGateway = new LocalNetworkGateway(this, 'local-gateway', {
      name: names.azure('lgw', 'onprem'),
      resourceGroupName: rg,
      location,
      gatewayAddress: hybrid.gatewayIp,
      addressSpace: this.bgp ? [`${hybrid.bgpPeerIp}/32`] : [...hybrid.onPremCidrs, ...hybrid.podCidrs],
      bgpSettings: this.bgp
        ? { asn: hybrid.bgpAsn as number, bgpPeeringAddress: hybrid.bgpPeerIp as string }
        : undefined,
    });

    // The pre-shared key is generated in Terraform state (encrypted in the azurerm backend) and
    // never written in code or the synthesized JSON. Letters and digits only: some IKE devices
    // reject or mangle special characters in pre-shared keys. Rotate it with
    // `terraform apply -replace=<random_password address>` and update the device the same hour.
    if (
      !TerraformStack.of(this)
        .node.findAll()
        .some((c) => c instanceof RandomProvider)
    ) {
      new RandomProvider(TerraformStack.of(this), 'random');
    }
    const key = new Password(this, 'shared-key', {
      length: SHARED_KEY_LENGTH,
      special: false,
      minUpper: 8,
      minLower: 8,
      minNumeric: 8,
    });
    // Terraform writes the secret, so the identity that applies it (always the deploy identity,
    // never whoever runs apply) needs the data-plane role on the RBAC vault.
    const officer = new RoleAssignment(this, 'deployer-secrets-officer', {
      scope: props.keyVault.id,
      roleDefinitionName: 'Key Vault Secrets Officer',
      principalId: props.secretAdministratorPrincipalId,
      principalType: 'ServicePrincipal',
      description: 'Terraform writes the hybrid VPN pre-shared key',
    });
    // No expiration date: Key Vault does not enforce secret expiry, a fixed date in code would go
    // stale and a computed one would make synthesis non-deterministic; the key is rotated by
    // replacing the random_password above
    // (https://learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes).
    const secret = new KeyVaultSecret(this, 'shared-key-secret', {
      name: names.resource('vpn-psk'),
      keyVaultId: props.keyVault.id,
      value: key.result,
      contentType: 'text/plain; IPsec pre-shared key of the on-premises VPN connection',
      dependsOn: [officer, ...props.keyVaultReady],
    });
    (props.secretReaderPrincipalIds ?? []).forEach((principalId, i) => {
      new RoleAssignment(this, `secret-reader-${i}`, {
        scope: secret.resourceVersionlessId,
        roleDefinitionName: 'Key Vault Secrets User',
        principalId,
        principalType: 'ServicePrincipal',
        description: 'Terraform plans refresh the hybrid VPN pre-shared key',
      });
    });

    const connection = new VirtualNetworkGatewayConnection(this, 'connection', {
      name: names.azure('con', 'onprem-vpn'),
      resourceGroupName: rg,
      location,
      type: 'IPsec',
      connectionProtocol: 'IKEv2',
      virtualNetworkGatewayId: this.gateway.id,
      localNetworkGatewayId: localNetworkGateway.id,
      sharedKey: secret.value,
      enableBgp: this.bgp,
      dpdTimeoutSeconds: 45,
      ipsecPolicy: { ...IPSEC_POLICY },
    });
    return { localNetworkGateway, secret, connection };
  }

  private addAlerts(props: HybridLinkProps, hybrid: HybridConfig): void {
    const { names } = props;
    const GATEWAYS = 'Microsoft.Network/virtualNetworkGateways';
    const alert = (
      id: string,
      description: string,
      scope: string,
      criteria: MonitorMetricAlertCriteria,
      severity: number,
    ): void => {
      this.alerts.push(
        new MonitorMetricAlert(this, `alert-${id}`, {
          name: names.azure('alert', id),
          resourceGroupName: props.resourceGroup.name,
          scopes: [scope],
          description,
          severity,
          frequency: 'PT5M',
          windowSize: 'PT15M',
          autoMitigate: true,
          criteria: [criteria],
          action: [{ actionGroupId: props.actionGroup.id }],
        }),
      );
    };

    if (hybrid.linkType === 'vpn') {
      // An established tunnel always carries IKE dead-peer-detection and (with BGP) keepalive
      // traffic, so an average below 1 byte/s over 15 minutes means the tunnel is down.
      alert(
        'vpn-tunnel-down',
        'The site-to-site tunnel to the on-premises data centre carries no traffic: it is down',
        this.gateway.id,
        {
          metricNamespace: GATEWAYS,
          metricName: 'TunnelAverageBandwidth',
          aggregation: 'Average',
          operator: 'LessThan',
          threshold: 1,
          dimension: [{ name: 'ConnectionName', operator: 'Include', values: [this.connection.name] }],
        },
        1,
      );
      if (this.bgp) {
        // 1 when the session with the peer is up, 0 when down, per gateway instance
        // (https://learn.microsoft.com/azure/vpn-gateway/monitor-vpn-gateway-reference).
        alert(
          'vpn-bgp-down',
          'A BGP session with the on-premises VPN device is down: on-premises routes are withdrawn',
          this.gateway.id,
          {
            metricNamespace: GATEWAYS,
            metricName: 'BgpPeerStatus',
            aggregation: 'Average',
            operator: 'LessThan',
            threshold: 1,
            dimension: [{ name: 'BgpPeerAddress', operator: 'Include', values: [hybrid.bgpPeerIp as string] }],
          },
          1,
        );
      }
      return;
    }

    // ExpressRoute: the thresholds of Azure Monitor Baseline Alerts for ExpressRoute gateways and
    // circuits (https://azure.github.io/azure-monitor-baseline-alerts/services/Network/expressRouteCircuits/).
    alert(
      'er-traffic-drop',
      'The ExpressRoute gateway carries no traffic: the link to on-premises is down',
      this.gateway.id,
      {
        metricNamespace: GATEWAYS,
        metricName: 'ExpressRouteGatewayBitsPerSecond',
        aggregation: 'Average',
        operator: 'LessThan',
        threshold: 1,
      },
      1,
    );
    alert(
      'er-gateway-cpu',
      'The ExpressRoute gateway CPU is above 80%: it drops packets soon; move to a larger SKU',
      this.gateway.id,
      {
        metricNamespace: GATEWAYS,
        metricName: 'ExpressRouteGatewayCpuUtilization',
        aggregation: 'Average',
        operator: 'GreaterThan',
        threshold: 80,
      },
      2,
    );
    alert(
      'er-bgp-availability',
      'BGP availability of the ExpressRoute circuit is below 90%: a peering with the Microsoft edge is down',
      (hybrid.expressRoute as NonNullable<HybridConfig['expressRoute']>).circuitId,
      {
        metricNamespace: 'Microsoft.Network/expressRouteCircuits',
        metricName: 'BgpAvailability',
        aggregation: 'Average',
        operator: 'LessThan',
        threshold: 90,
      },
      1,
    );
  }
}
