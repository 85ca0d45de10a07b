import { PrivateEndpoint } from '@cdktf/provider-azurerm/lib/private-endpoint';
import type { Construct } from 'constructs';
import type { PlatformNames } from '../config';
import type { Network, PrivateDnsZoneKey } from './network';

export interface PrivateEndpointOptions {
  readonly network: Network;
  readonly names: PlatformNames;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Short purpose used in the endpoint's name, for example `kv` or `st-blob`. */
  readonly purpose: string;
  /** Resource id of the service the endpoint connects to. */
  readonly targetId: string;
  /** Sub-resource (group id) of the service: `vault`, `blob`, `dfs`, `registry`, `amlworkspace`. */
  readonly subresource: string;
  /** Private DNS zones that get the endpoint's A records. */
  readonly dnsZones: readonly PrivateDnsZoneKey[];
}

/**
 * A private endpoint in the platform's private-endpoint subnet with its DNS zone group, so the
 * service's public name resolves to the private address inside the VNet (and on-premises through
 * the hybrid DNS resolver): https://learn.microsoft.com/azure/private-link/private-endpoint-dns
 */
export function privateEndpoint(scope: Construct, id: string, options: PrivateEndpointOptions): PrivateEndpoint {
  const name = options.names.azure('pep', options.purpose);
  return new PrivateEndpoint(scope, id, {
    name,
    location: options.location,
    resourceGroupName: options.resourceGroupName,
    subnetId: options.network.privateEndpointSubnet.id,
    customNetworkInterfaceName: `${name}-nic`,
    privateServiceConnection: {
      name: `${name}-connection`,
      isManualConnection: false,
      privateConnectionResourceId: options.targetId,
      subresourceNames: [options.subresource],
    },
    privateDnsZoneGroup: {
      name: 'default',
      privateDnsZoneIds: options.dnsZones.map((key) => options.network.privateDnsZones[key].id),
    },
  });
}
