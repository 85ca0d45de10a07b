import { KeyVault } from '@cdktf/provider-azurerm/lib/key-vault';
import { LogAnalyticsWorkspace } from '@cdktf/provider-azurerm/lib/log-analytics-workspace';
import { MonitorActionGroup } from '@cdktf/provider-azurerm/lib/monitor-action-group';
import { NetworkSecurityGroup } from '@cdktf/provider-azurerm/lib/network-security-group';
import { PrivateDnsZone } from '@cdktf/provider-azurerm/lib/private-dns-zone';
import { PrivateDnsZoneVirtualNetworkLink } from '@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link';
import { AzurermProvider } from '@cdktf/provider-azurerm/lib/provider';
import { ResourceGroup } from '@cdktf/provider-azurerm/lib/resource-group';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { VirtualNetwork } from '@cdktf/provider-azurerm/lib/virtual-network';
import { RandomProvider } from '@cdktf/provider-random/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { describe, expect, it } from 'vitest';
import { GPU_NODE_TAINT } from '../../lib/azure/gpu-pool';
import { ARC_ONBOARDING_ROLE, ON_PREM_POOL } from '../../lib/azure/hybrid-arc';
import { HybridLink } from '../../lib/azure/hybrid-link';
import {
  type AzureEnvironment,
  DEFAULT_CLOUD_ASN,
  GPU_TAINT,
  type HybridConfig,
  PlatformNames,
  POOL_LABEL,
  validateEnvironment,
} from '../../lib/config';
import { fixtures, resourcesOf, type TerraformJson, vary } from '../util';

/** Principal ids of the deploy and plan identities the stack passes in. */
const DEPLOYER = '00000000-0000-0000-0000-0000000000d1';
const PLANNER = '00000000-0000-0000-0000-0000000000d2';

const CIRCUIT =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-connectivity/providers/Microsoft.Network/expressRouteCircuits/er-ams';

const vpnBgp: HybridConfig = {
  linkType: 'vpn',
  onPremCidrs: ['192.168.0.0/16'],
  gatewayIp: '203.0.113.10',
  bgpAsn: 65010,
  bgpPeerIp: '192.168.0.1',
  nodeCidrs: ['192.168.10.0/24'],
  podCidrs: ['10.200.0.0/16'],
  dnsServers: ['192.168.1.10', '192.168.1.11'],
  dnsDomains: ['corp.example.com', 'lab.example.net'],
};

/** Azure staging with a BGP VPN link. */
const vpnEnv = vary(fixtures.azureStaging, (d) => {
  d.hybrid = structuredClone(vpnBgp) as typeof d.hybrid;
});
/** Azure staging with a statically routed VPN link and no DNS forwarding. */
const staticEnv = vary(fixtures.azureStaging, (d) => {
  const { bgpAsn: _a, bgpPeerIp: _p, dnsServers: _s, dnsDomains: _d, ...rest } = structuredClone(vpnBgp);
  d.hybrid = rest as typeof d.hybrid;
});
/** Azure production over ExpressRoute. */
const erEnv = vary(fixtures.azureProduction, (d) => {
  d.hybrid = {
    linkType: 'expressroute',
    onPremCidrs: ['192.168.0.0/16'],
    nodeCidrs: ['192.168.10.0/24'],
    podCidrs: ['10.200.0.0/16'],
    dnsServers: ['192.168.1.10'],
    dnsDomains: ['corp.example.com'],
    expressRoute: { circuitId: CIRCUIT, serviceProvider: 'Equinix', peeringLocation: 'Amsterdam' },
  };
});

/** A minimal stack with the platform pieces the link needs, built here rather than by the platform. */
function synthLink(
  env: AzureEnvironment,
  options: { withRandomProvider?: boolean } = {},
): { link: HybridLink; json: TerraformJson; text: string } {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AzurermProvider(stack, 'azurerm', { features: [{}] });
  if (options.withRandomProvider) new RandomProvider(stack, 'stack-random');
  const names = new PlatformNames(env);
  const rg = new ResourceGroup(stack, 'rg', { name: names.resourceGroup, location: env.target.location });
  const vnet = new VirtualNetwork(stack, 'vnet', {
    name: names.azure('vnet'),
    resourceGroupName: rg.name,
    location: rg.location,
    addressSpace: [env.network.cidr],
  });
  const subnet = (id: string, name: string, prefix: string) =>
    new Subnet(stack, id, {
      name,
      resourceGroupName: rg.name,
      virtualNetworkName: vnet.name,
      addressPrefixes: [prefix],
    });
  const nsg = new NetworkSecurityGroup(stack, 'pe-nsg', {
    name: names.azure('nsg', 'private-endpoints'),
    resourceGroupName: rg.name,
    location: rg.location,
  });
  const vault = new KeyVault(stack, 'kv', {
    name: names.keyVault,
    resourceGroupName: rg.name,
    location: rg.location,
    tenantId: env.target.tenantId,
    skuName: 'premium',
    rbacAuthorizationEnabled: true,
    purgeProtectionEnabled: true,
  });
  const workspace = new LogAnalyticsWorkspace(stack, 'log', {
    name: names.logAnalyticsWorkspace,
    resourceGroupName: rg.name,
    location: rg.location,
  });
  const actionGroup = new MonitorActionGroup(stack, 'ag', {
    name: names.azure('ag', 'oncall'),
    resourceGroupName: rg.name,
    shortName: 'oncall',
  });
  const vaultZone = new PrivateDnsZone(stack, 'kv-zone', {
    name: 'privatelink.vaultcore.azure.net',
    resourceGroupName: rg.name,
  });
  const vaultZoneLink = new PrivateDnsZoneVirtualNetworkLink(stack, 'kv-zone-link', {
    name: 'kv',
    resourceGroupName: rg.name,
    privateDnsZoneName: vaultZone.name,
    virtualNetworkId: vnet.id,
  });
  const link = new HybridLink(stack, 'hybrid', {
    environment: env,
    names,
    resourceGroup: rg,
    virtualNetwork: vnet,
    gatewaySubnet: subnet('gw', 'GatewaySubnet', '10.40.192.0/27'),
    dnsResolverInboundSubnet: subnet('in', 'snet-dns-inbound', '10.40.192.64/28'),
    dnsResolverOutboundSubnet: subnet('out', 'snet-dns-outbound', '10.40.192.80/28'),
    privateEndpointSubnet: subnet('pe', 'snet-private-endpoints', '10.40.128.0/24'),
    privateEndpointSecurityGroup: nsg,
    keyVault: vault,
    keyVaultReady: [vaultZoneLink],
    secretAdministratorPrincipalId: DEPLOYER,
    secretReaderPrincipalIds: [PLANNER],
    logAnalyticsWorkspace: workspace,
    actionGroup,
  });
  const text = Testing.synth(stack);
  return { link, json: JSON.parse(text) as TerraformJson, text };
}

/** A Terraform reference to an attribute of a resource, as it appears in the JSON. */
const ref = (address: string, attribute: string) => `\${${address}.${attribute}}`;

/** The only resource of a type, failing when there is not exactly one. */
function only(json: TerraformJson, type: string): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type));
  expect(all, type).toHaveLength(1);
  return all[0] as Record<string, unknown>;
}

/** The Terraform address of the only resource of a type. */
function addressOf(json: TerraformJson, type: string): string {
  const keys = Object.keys(resourcesOf(json, type));
  expect(keys, type).toHaveLength(1);
  return `${type}.${keys[0]}`;
}

describe('HybridLink over VPN', () => {
  it('builds a zone-redundant, active-active, route-based VPN gateway with BGP in GatewaySubnet', () => {
    // GIVEN an Azure environment with a BGP VPN link
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN the gateway is VpnGw2AZ generation 2, active-active, BGP on the Azure default ASN
    const gateway = only(json, 'azurerm_virtual_network_gateway');
    expect(gateway).toMatchObject({
      type: 'Vpn',
      vpn_type: 'RouteBased',
      sku: 'VpnGw2AZ',
      generation: 'Generation2',
      active_active: true,
      enable_bgp: true,
      bgp_settings: { asn: DEFAULT_CLOUD_ASN.azure },
    });
    // AND it has two IP configurations in GatewaySubnet, each on its own zonal Standard public IP
    const configs = gateway.ip_configuration as Array<Record<string, string>>;
    expect(configs).toHaveLength(2);
    expect(new Set(configs.map((c) => c.public_ip_address_id)).size).toBe(2);
    for (const c of configs) expect(c.subnet_id).toBe(ref('azurerm_subnet.gw', 'id'));
    const ips = Object.values(resourcesOf(json, 'azurerm_public_ip'));
    expect(ips).toHaveLength(2);
    for (const ip of ips) {
      expect(ip).toMatchObject({ sku: 'Standard', allocation_method: 'Static', zones: ['1', '2', '3'] });
    }
  });

  it('uses hybrid.cloudAsn for the gateway when set', () => {
    // GIVEN a VPN link with its own cloud ASN
    const env = vary(vpnEnv, (d) => {
      (d.hybrid as { cloudAsn?: number }).cloudAsn = 65100;
    });
    // WHEN the link is synthesized
    const gateway = only(synthLink(env).json, 'azurerm_virtual_network_gateway');
    // THEN the gateway speaks BGP with that ASN
    expect(gateway.bgp_settings).toEqual({ asn: 65100 });
  });

  it('describes the on-premises device as a local network gateway that peers over BGP', () => {
    // GIVEN a BGP VPN link
    // WHEN the link is synthesized
    const lgw = only(synthLink(vpnEnv).json, 'azurerm_local_network_gateway');
    // THEN the local gateway is the device's public address, with only the BGP peer's /32 as its space
    expect(lgw).toMatchObject({
      gateway_address: '203.0.113.10',
      address_space: ['192.168.0.1/32'],
      bgp_settings: { asn: 65010, bgp_peering_address: '192.168.0.1' },
    });
  });

  it('routes the on-premises and pod ranges statically when the link has no BGP', () => {
    // GIVEN a VPN link without bgpAsn
    // WHEN the link is synthesized
    const { json, link } = synthLink(staticEnv);
    // THEN the local gateway lists every on-premises and hybrid pod range, without BGP settings
    const lgw = only(json, 'azurerm_local_network_gateway');
    expect(lgw.address_space).toEqual(['192.168.0.0/16', '10.200.0.0/16']);
    expect(lgw.bgp_settings).toBeUndefined();
    // AND the connection does not run BGP, and there is no BGP alert
    expect(only(json, 'azurerm_virtual_network_gateway_connection').enable_bgp).toBe(false);
    expect(link.bgp).toBe(false);
    const alerts = Object.values(resourcesOf(json, 'azurerm_monitor_metric_alert'));
    expect(alerts.map((a) => (a.criteria as Array<Record<string, unknown>>)[0]?.metric_name)).toEqual([
      'TunnelAverageBandwidth',
    ]);
  });

  it('connects over IKEv2 with a GCM-AES-256 / ECP384 policy with perfect forward secrecy', () => {
    // GIVEN a BGP VPN link
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN the connection is IPsec IKEv2 between the gateway and the local gateway, with BGP
    const connection = only(json, 'azurerm_virtual_network_gateway_connection');
    expect(connection).toMatchObject({
      type: 'IPsec',
      connection_protocol: 'IKEv2',
      enable_bgp: true,
      virtual_network_gateway_id: `\${${addressOf(json, 'azurerm_virtual_network_gateway')}.id}`,
      local_network_gateway_id: `\${${addressOf(json, 'azurerm_local_network_gateway')}.id}`,
      ipsec_policy: {
        ike_encryption: 'GCMAES256',
        ike_integrity: 'SHA384',
        dh_group: 'ECP384',
        ipsec_encryption: 'GCMAES256',
        ipsec_integrity: 'GCMAES256',
        pfs_group: 'ECP384',
        sa_lifetime: 27000,
        sa_datasize: 102400000,
      },
    });
  });

  it('takes the pre-shared key from a generated password kept in Key Vault', () => {
    // GIVEN a VPN link
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN a 64-character password without special characters is generated
    const password = only(json, 'random_password');
    expect(password).toMatchObject({ length: 64, special: false });
    // AND it is stored as a Key Vault secret with a content type, after the deployer may write secrets
    const passwordAddress = addressOf(json, 'random_password');
    const secret = only(json, 'azurerm_key_vault_secret');
    expect(secret).toMatchObject({
      name: 'mlops-az-staging-vpn-psk',
      key_vault_id: ref('azurerm_key_vault.kv', 'id'),
      value: `\${${passwordAddress}.result}`,
      content_type: expect.stringContaining('pre-shared key'),
    });
    const officer = Object.entries(resourcesOf(json, 'azurerm_role_assignment')).find(
      ([, r]) => r.role_definition_name === 'Key Vault Secrets Officer',
    );
    // AND the officer is the fixed deploy identity, never whoever runs apply
    expect(officer?.[1]).toMatchObject({ scope: ref('azurerm_key_vault.kv', 'id'), principal_id: DEPLOYER });
    expect(resourcesOf(json, 'azurerm_client_config')).toEqual({});
    expect(json.data?.azurerm_client_config).toBeUndefined();
    // AND the secret waits for the vault's private endpoint DNS link as well as the role
    expect(secret.depends_on).toEqual([
      `azurerm_role_assignment.${officer?.[0]}`,
      'azurerm_private_dns_zone_virtual_network_link.kv-zone-link',
    ]);
    // AND the plan identity may read that one secret to refresh it
    const reader = Object.values(resourcesOf(json, 'azurerm_role_assignment')).find(
      (r) => r.role_definition_name === 'Key Vault Secrets User',
    );
    expect(reader).toMatchObject({
      scope: `\${${addressOf(json, 'azurerm_key_vault_secret')}.resource_versionless_id}`,
      principal_id: PLANNER,
    });
    // AND the connection reads its key from that secret
    expect(only(json, 'azurerm_virtual_network_gateway_connection').shared_key).toBe(
      `\${${addressOf(json, 'azurerm_key_vault_secret')}.value}`,
    );
    // AND the random provider is configured once
    expect(json.provider?.random).toHaveLength(1);
  });

  it('reuses a random provider the stack already configures', () => {
    // GIVEN a stack that configures the random provider itself
    // WHEN the link is synthesized into it
    const { json } = synthLink(vpnEnv, { withRandomProvider: true });
    // THEN the provider is configured once, not twice
    expect(json.provider?.random).toHaveLength(1);
    expect(Object.keys(resourcesOf(json, 'random_password'))).toHaveLength(1);
  });

  it('puts no pre-shared key or other secret literal into the synthesized JSON', () => {
    // GIVEN a VPN link
    // WHEN the link is synthesized
    const { json, text } = synthLink(vpnEnv);
    // THEN every secret-like field is a Terraform reference, never a literal
    const offenders: string[] = [];
    const secretKeys = /(password|secret|shared_key|value|authorization_key)$/;
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, `${path}[${i}]`);
        });
      } else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (secretKeys.test(k) && typeof v === 'string' && !/^\$\{[^}]+\}$/.test(v)) offenders.push(`${path}.${k}`);
          walk(v, `${path}.${k}`);
        }
      }
    };
    walk(json.resource, 'resource');
    expect(offenders).toEqual([]);
    // AND the key only ever appears as a reference to random_password...result
    expect(text).toMatch(/\$\{random_password\.[A-Za-z0-9_-]+\.result\}/);
    expect(text).not.toMatch(/"shared_key":\s*"(?!\$\{)/);
  });

  it('sends the gateway, tunnel, route and IKE logs and all metrics to Log Analytics', () => {
    // GIVEN a VPN link
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN one diagnostic setting covers the gateway
    const setting = only(json, 'azurerm_monitor_diagnostic_setting');
    expect(setting).toMatchObject({
      target_resource_id: `\${${addressOf(json, 'azurerm_virtual_network_gateway')}.id}`,
      log_analytics_workspace_id: ref('azurerm_log_analytics_workspace.log', 'id'),
      enabled_metric: [{ category: 'AllMetrics' }],
    });
    expect((setting.enabled_log as Array<{ category: string }>).map((l) => l.category)).toEqual([
      'GatewayDiagnosticLog',
      'TunnelDiagnosticLog',
      'RouteDiagnosticLog',
      'IKEDiagnosticLog',
    ]);
  });

  it('alerts the action group when the tunnel or the BGP session is down', () => {
    // GIVEN a BGP VPN link
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    const alerts = Object.values(resourcesOf(json, 'azurerm_monitor_metric_alert'));
    // THEN both alerts watch the gateway and notify the action group
    expect(alerts).toHaveLength(2);
    for (const a of alerts) {
      expect(a.scopes).toEqual([`\${${addressOf(json, 'azurerm_virtual_network_gateway')}.id}`]);
      expect(a.action).toEqual([{ action_group_id: ref('azurerm_monitor_action_group.ag', 'id') }]);
    }
    const criteria = alerts
      .map((a) => (a.criteria as Array<Record<string, unknown>>)[0] as Record<string, unknown>)
      .sort((a, b) => String(a.metric_name).localeCompare(String(b.metric_name)));
    // AND the tunnel alert fires on no traffic on this connection, the BGP alert on this peer being down
    expect(criteria).toEqual([
      expect.objectContaining({
        metric_name: 'BgpPeerStatus',
        operator: 'LessThan',
        threshold: 1,
        dimension: [{ name: 'BgpPeerAddress', operator: 'Include', values: ['192.168.0.1'] }],
      }),
      expect.objectContaining({
        metric_name: 'TunnelAverageBandwidth',
        operator: 'LessThan',
        threshold: 1,
        dimension: [
          {
            name: 'ConnectionName',
            operator: 'Include',
            values: [`\${${addressOf(json, 'azurerm_virtual_network_gateway_connection')}.name}`],
          },
        ],
      }),
    ]);
  });

  it('lets on-premises clients and hybrid pods reach the private endpoints on HTTPS only', () => {
    // GIVEN a VPN link
    // WHEN the link is synthesized
    const rule = only(synthLink(vpnEnv).json, 'azurerm_network_security_rule');
    // THEN the private endpoint NSG allows TCP 443 from the on-premises and pod ranges into its subnet
    expect(rule).toMatchObject({
      network_security_group_name: ref('azurerm_network_security_group.pe-nsg', 'name'),
      direction: 'Inbound',
      access: 'Allow',
      protocol: 'Tcp',
      priority: 200,
      source_address_prefixes: ['192.168.0.0/16', '10.200.0.0/16'],
      destination_address_prefixes: ref('azurerm_subnet.pe', 'address_prefixes'),
      destination_port_range: '443',
    });
  });
});

describe('HybridLink over ExpressRoute', () => {
  it('builds a zone-redundant ExpressRoute gateway connected to the circuit, without a key', () => {
    // GIVEN a production environment linked over ExpressRoute
    // WHEN the link is synthesized
    const { json } = synthLink(erEnv);
    // THEN the gateway is ExpressRoute ErGw2AZ in GatewaySubnet on a zonal Standard IP
    const gateway = only(json, 'azurerm_virtual_network_gateway');
    expect(gateway).toMatchObject({ type: 'ExpressRoute', sku: 'ErGw2AZ' });
    expect(gateway.active_active).toBeUndefined();
    expect(gateway.ip_configuration).toEqual([expect.objectContaining({ subnet_id: ref('azurerm_subnet.gw', 'id') })]);
    expect(only(json, 'azurerm_public_ip')).toMatchObject({ sku: 'Standard', zones: ['1', '2', '3'] });
    // AND the connection points at the circuit, with no shared or authorization key
    const connection = only(json, 'azurerm_virtual_network_gateway_connection');
    expect(connection).toMatchObject({ type: 'ExpressRoute', express_route_circuit_id: CIRCUIT });
    expect(connection.shared_key).toBeUndefined();
    expect(connection.authorization_key).toBeUndefined();
    // AND nothing of the VPN is built
    for (const type of ['azurerm_local_network_gateway', 'azurerm_key_vault_secret', 'random_password']) {
      expect(resourcesOf(json, type)).toEqual({});
    }
  });

  it('uses ErGw1AZ in staging', () => {
    // GIVEN a staging environment over ExpressRoute
    const env = vary(fixtures.azureStaging, (d) => {
      d.hybrid = structuredClone(erEnv.hybrid) as typeof d.hybrid;
    });
    // WHEN the link is synthesized
    // THEN the smaller zone-redundant SKU is used
    expect(only(synthLink(env).json, 'azurerm_virtual_network_gateway').sku).toBe('ErGw1AZ');
  });

  it('alerts on gateway traffic, gateway CPU and circuit BGP availability, and logs the gateway', () => {
    // GIVEN an ExpressRoute link
    // WHEN the link is synthesized
    const { json } = synthLink(erEnv);
    // THEN three alerts notify the action group
    const alerts = Object.values(resourcesOf(json, 'azurerm_monitor_metric_alert'));
    const gateway = `\${${addressOf(json, 'azurerm_virtual_network_gateway')}.id}`;
    expect(
      alerts
        .map((a) => {
          const c = (a.criteria as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
          return [c.metric_name, a.scopes, c.operator, c.threshold];
        })
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['BgpAvailability', [CIRCUIT], 'LessThan', 90],
      ['ExpressRouteGatewayBitsPerSecond', [gateway], 'LessThan', 1],
      ['ExpressRouteGatewayCpuUtilization', [gateway], 'GreaterThan', 80],
    ]);
    for (const a of alerts)
      expect(a.action).toEqual([{ action_group_id: ref('azurerm_monitor_action_group.ag', 'id') }]);
    // AND the gateway and route logs go to Log Analytics
    const setting = only(json, 'azurerm_monitor_diagnostic_setting');
    expect((setting.enabled_log as Array<{ category: string }>).map((l) => l.category)).toEqual([
      'GatewayDiagnosticLog',
      'RouteDiagnosticLog',
    ]);
  });
});

describe('HybridLink DNS', () => {
  it('gives on-premises an inbound resolver endpoint and forwards on-premises domains to its servers', () => {
    // GIVEN a link with on-premises DNS servers and two domains
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN a resolver in the VNet has an inbound endpoint in the inbound subnet
    const resolver = addressOf(json, 'azurerm_private_dns_resolver');
    expect(only(json, 'azurerm_private_dns_resolver').virtual_network_id).toBe(
      ref('azurerm_virtual_network.vnet', 'id'),
    );
    expect(only(json, 'azurerm_private_dns_resolver_inbound_endpoint')).toMatchObject({
      private_dns_resolver_id: `\${${resolver}.id}`,
      ip_configurations: { subnet_id: ref('azurerm_subnet.in', 'id'), private_ip_allocation_method: 'Dynamic' },
    });
    // AND an outbound endpoint in the outbound subnet feeds a ruleset linked to the VNet
    expect(only(json, 'azurerm_private_dns_resolver_outbound_endpoint').subnet_id).toBe(
      ref('azurerm_subnet.out', 'id'),
    );
    const ruleset = addressOf(json, 'azurerm_private_dns_resolver_dns_forwarding_ruleset');
    expect(only(json, 'azurerm_private_dns_resolver_virtual_network_link')).toMatchObject({
      dns_forwarding_ruleset_id: `\${${ruleset}.id}`,
      virtual_network_id: ref('azurerm_virtual_network.vnet', 'id'),
    });
    // AND each domain is forwarded to every on-premises server on port 53
    const rules = Object.values(resourcesOf(json, 'azurerm_private_dns_resolver_forwarding_rule'));
    expect(rules.map((r) => r.domain_name)).toEqual(['corp.example.com.', 'lab.example.net.']);
    for (const r of rules) {
      expect(r).toMatchObject({
        dns_forwarding_ruleset_id: `\${${ruleset}.id}`,
        enabled: true,
        target_dns_servers: [
          { ip_address: '192.168.1.10', port: 53 },
          { ip_address: '192.168.1.11', port: 53 },
        ],
      });
    }
    // AND the inbound address is an output, for the on-premises conditional forwarders
    expect(JSON.stringify(json.output)).toContain('ip_configurations[0].private_ip_address');
  });

  it('builds only the inbound side when no on-premises domains are forwarded', () => {
    // GIVEN a link without dnsServers and dnsDomains
    // WHEN the link is synthesized
    const { json } = synthLink(staticEnv);
    // THEN on-premises can still resolve private endpoints, but nothing is forwarded
    expect(Object.keys(resourcesOf(json, 'azurerm_private_dns_resolver_inbound_endpoint'))).toHaveLength(1);
    for (const type of [
      'azurerm_private_dns_resolver_outbound_endpoint',
      'azurerm_private_dns_resolver_dns_forwarding_ruleset',
      'azurerm_private_dns_resolver_forwarding_rule',
    ]) {
      expect(resourcesOf(json, type)).toEqual({});
    }
  });
});

describe('HybridLink Azure Arc landing zone', () => {
  it('creates an Arc resource group and an onboarding identity with only the onboarding role on it', () => {
    // GIVEN a hybrid environment
    // WHEN the link is synthesized
    const { json } = synthLink(vpnEnv);
    // THEN a separate resource group holds the connected clusters
    const groups = Object.entries(resourcesOf(json, 'azurerm_resource_group'));
    const arc = groups.find(([, g]) => g.name === 'rg-mlops-az-staging-arc');
    expect(arc?.[1]).toMatchObject({ location: 'westeurope' });
    // AND a user-assigned identity in it has the Arc onboarding role scoped to that group
    const identity = addressOf(json, 'azurerm_user_assigned_identity');
    expect(only(json, 'azurerm_user_assigned_identity')).toMatchObject({
      name: 'id-mlops-az-staging-arc-onboarding',
      resource_group_name: `\${azurerm_resource_group.${arc?.[0]}.name}`,
    });
    const onboarding = Object.values(resourcesOf(json, 'azurerm_role_assignment')).filter(
      (r) => r.principal_id === `\${${identity}.principal_id}`,
    );
    expect(onboarding).toEqual([
      expect.objectContaining({
        role_definition_name: ARC_ONBOARDING_ROLE,
        scope: `\${azurerm_resource_group.${arc?.[0]}.id}`,
        principal_type: 'ServicePrincipal',
      }),
    ]);
    // AND only the delivery repository's Arc environment may sign in as it, with no secret
    expect(only(json, 'azurerm_federated_identity_credential')).toMatchObject({
      parent_id: `\${${identity}.id}`,
      issuer: 'https://token.actions.githubusercontent.com',
      audience: ['api://AzureADTokenExchange'],
      subject: 'repo:example-org/mlops-platform:environment:az-staging-arc',
    });
  });

  it('labels and taints on-premises GPU nodes like the cloud GPU pools', () => {
    // GIVEN the label and taint contract of GPU nodes
    // THEN on-premises nodes use the same keys and taint as the AKS GPU pools
    expect(GPU_NODE_TAINT).toBe(`${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`);
    expect(GPU_NODE_TAINT).toBe('nvidia.com/gpu=present:NoSchedule');
    expect(POOL_LABEL).toBe('mlops.platform/pool');
    expect(ON_PREM_POOL).toBe('onprem');
  });
});

describe('HybridLink errors', () => {
  it('is tested with environments that pass validation', () => {
    // GIVEN the BGP VPN, static VPN and ExpressRoute environments of these tests
    // WHEN they are validated
    // THEN none has an error, so the tests exercise links that can ship
    for (const env of [vpnEnv, staticEnv, erEnv]) {
      expect(validateEnvironment(env).filter((p) => p.severity === 'error')).toEqual([]);
    }
  });

  it('throws when the environment has no hybrid link', () => {
    // GIVEN an environment without hybrid
    // WHEN the link is built THEN it says which file and field
    expect(() => synthLink(fixtures.azureStaging)).toThrow(/environments\/az-staging\.ts: hybrid is not set/);
  });

  it('throws when the link type is not one Azure offers', () => {
    // GIVEN an Azure environment asking for Direct Connect
    const env = vary(vpnEnv, (d) => {
      (d.hybrid as { linkType: string }).linkType = 'direct-connect';
    });
    // WHEN the link is built THEN it names the field and value
    expect(() => synthLink(env)).toThrow(/hybrid\.linkType 'direct-connect' is not a link type on Azure/);
  });
});

describe('HybridLink snapshots', () => {
  it.each([
    ['vpn-bgp', vpnEnv],
    ['vpn-static', staticEnv],
    ['expressroute', erEnv],
  ] as const)('matches the %s snapshot', (_name, env) => {
    expect(synthLink(env).json).toMatchSnapshot();
  });
});
