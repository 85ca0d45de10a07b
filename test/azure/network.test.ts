import { describe, expect, it } from 'vitest';
import { inferenceIngressIp, PRIVATE_DNS_ZONES, planSubnets } from '../../lib/azure/network';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('Network', () => {
  const { json, stack } = synthAzure(fixtures.azureProduction);

  it('carves the VNet deterministically, with a /27 GatewaySubnet and /28 resolver subnets', () => {
    // GIVEN the production VNet 10.50.0.0/16 WHEN planned THEN every subnet has a fixed place
    expect(planSubnets('10.50.0.0/16')).toEqual({
      system: '10.50.0.0/18',
      gpu: '10.50.64.0/18',
      privateEndpoints: '10.50.128.0/19',
      gateway: '10.50.192.0/27',
      apim: '10.50.192.32/27',
      dnsResolverInbound: '10.50.192.64/28',
      dnsResolverOutbound: '10.50.192.80/28',
    });
    const subnets = Object.values(resourcesOf(json, 'azurerm_subnet'));
    expect(subnets).toContainEqual(
      expect.objectContaining({ name: 'GatewaySubnet', address_prefixes: ['10.50.192.0/27'] }),
    );
  });

  it('throws when the VNet is too small for the subnet plan', () => {
    expect(() => planSubnets('10.0.0.0/24')).toThrow(/use a \/22 or larger/);
  });

  it('reserves the last usable host of the system subnet for the inference ingress', () => {
    expect(inferenceIngressIp('10.50.0.0/18')).toBe('10.50.63.254');
    expect(stack.network.inferenceIngressIp).toBe('10.50.63.254');
  });

  it('delegates the resolver subnets to DNS Private Resolver', () => {
    const resolver = Object.values(resourcesOf(json, 'azurerm_subnet')).filter((s) =>
      String(s.name).startsWith('snet-dns-'),
    );
    expect(resolver).toHaveLength(2);
    for (const s of resolver) {
      expect(s.delegation).toEqual([
        expect.objectContaining({
          service_delegation: expect.objectContaining({ name: 'Microsoft.Network/dnsResolvers' }),
        }),
      ]);
    }
  });

  it('puts an NSG on every subnet but GatewaySubnet and opens APIM only to its management ports', () => {
    expect(Object.keys(resourcesOf(json, 'azurerm_subnet_network_security_group_association'))).toHaveLength(6);
    const rules = Object.values(resourcesOf(json, 'azurerm_network_security_rule'));
    expect(rules).toContainEqual(
      expect.objectContaining({
        source_address_prefix: 'ApiManagement',
        destination_port_range: '3443',
        access: 'Allow',
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({ source_address_prefix: 'AzureLoadBalancer', destination_port_range: '6390' }),
    );
    const fromInternet = rules.filter((r) => r.source_address_prefix === 'Internet');
    expect(fromInternet.every((r) => r.access === 'Deny')).toBe(true);
  });

  it('creates a NAT gateway for the node and APIM subnets only when natGateways > 0', () => {
    expect(Object.keys(resourcesOf(json, 'azurerm_subnet_nat_gateway_association'))).toHaveLength(3);
    const isolated = synthAzure(vary(fixtures.azureStaging, (d) => (d.network.natGateways = 0)));
    expect(resourcesOf(isolated.json, 'azurerm_nat_gateway')).toEqual({});
    const warnings = isolated.stack.network.node.metadata.map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('natGateways is 0'))).toBe(true);
  });

  it('creates and links a private DNS zone for every private endpoint service', () => {
    const zones = Object.values(resourcesOf(json, 'azurerm_private_dns_zone')).map((z) => z.name);
    // every private endpoint zone, plus API Management's azure-api.net
    expect(zones.sort()).toEqual([...Object.values(PRIVATE_DNS_ZONES), 'azure-api.net'].sort());
    expect(Object.keys(resourcesOf(json, 'azurerm_private_dns_zone_virtual_network_link'))).toHaveLength(zones.length);
  });
});

describe('Network warnings', () => {
  it('warns that one NAT gateway is used when more are configured', () => {
    const { stack } = synthAzure(vary(fixtures.azureStaging, (d) => (d.network.natGateways = 2)));
    const warnings = stack.network.node.metadata.map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('natGateways is 2'))).toBe(true);
  });
});
