import { describe, expect, it } from 'vitest';
import { dnsServiceIp } from '../../lib/azure/cluster';
import { CPU_POOL } from '../../lib/config';
import { fixtures, resourcesOf, synthAzure, vary } from '../util';

describe('Cluster', () => {
  const { json } = synthAzure(fixtures.azureProduction);
  const cluster = (j = json) => Object.values(resourcesOf(j, 'azurerm_kubernetes_cluster'))[0];

  it('creates a private cluster with Entra ID, Azure RBAC and no local accounts', () => {
    expect(cluster()).toMatchObject({
      private_cluster_enabled: true,
      private_cluster_public_fqdn_enabled: false,
      local_account_disabled: true,
      azure_active_directory_role_based_access_control: {
        azure_rbac_enabled: true,
        tenant_id: fixtures.azureProduction.target.tenantId,
      },
      sku_tier: 'Standard',
    });
    expect(cluster(synthAzure(fixtures.azureStaging).json)?.sku_tier).toBe('Free');
  });

  it('uses a public API limited to apiAllowedCidrs when they are set', () => {
    const open = vary(fixtures.azureStaging, (d) => (d.kubernetes.apiAllowedCidrs = ['203.0.113.0/24']));
    const c = cluster(synthAzure(open).json);
    expect(c?.private_cluster_enabled).toBeUndefined();
    expect(c?.api_server_access_profile).toEqual({ authorized_ip_ranges: ['203.0.113.0/24'] });
  });

  it('runs Azure CNI Overlay with Cilium and the NAT gateway, or no egress when natGateways is 0', () => {
    expect(cluster()?.network_profile).toMatchObject({
      network_plugin: 'azure',
      network_plugin_mode: 'overlay',
      network_policy: 'cilium',
      pod_cidr: '100.64.0.0/16',
      service_cidr: '172.20.0.0/16',
      dns_service_ip: '172.20.0.10',
      outbound_type: 'userAssignedNATGateway',
    });
    const isolated = cluster(synthAzure(vary(fixtures.azureStaging, (d) => (d.network.natGateways = 0))).json);
    expect(isolated?.network_profile).toMatchObject({ outbound_type: 'none' });
    expect(isolated?.bootstrap_profile).toMatchObject({ artifact_source: 'Cache' });
  });

  it('throws when the service CIDR is not a CIDR', () => {
    expect(() => dnsServiceIp('172.20.0.0')).toThrow(/serviceCidr/);
  });

  it('turns on workload identity, the CSI secrets driver, Container Insights, Azure Policy and auto-upgrades', () => {
    expect(cluster()).toMatchObject({
      oidc_issuer_enabled: true,
      workload_identity_enabled: true,
      key_vault_secrets_provider: { secret_rotation_enabled: true },
      oms_agent: { msi_auth_for_monitoring_enabled: true },
      azure_policy_enabled: true,
      automatic_upgrade_channel: 'patch',
      node_os_upgrade_channel: 'NodeImage',
    });
  });

  it('spreads the system pool over zones for critical add-ons only, with host encryption', () => {
    expect(cluster()?.default_node_pool).toMatchObject({
      zones: ['1', '2', '3'],
      only_critical_addons_enabled: true,
      host_encryption_enabled: true,
      min_count: 3,
      max_count: 6,
    });
  });

  it('creates the cluster and GPU pools only after their subnets are associated with NAT and the NSG', () => {
    // GIVEN every Azure environment WHEN synthesized THEN AKS waits for the associations it checks
    for (const env of [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid]) {
      const synthesized = synthAzure(env).json;
      const nat = Object.keys(resourcesOf(synthesized, 'azurerm_subnet_nat_gateway_association'));
      const nsg = Object.keys(resourcesOf(synthesized, 'azurerm_subnet_network_security_group_association'));
      const byPrefix = (names: string[], prefix: string) => names.filter((n) => n.startsWith(prefix));
      const aks = cluster(synthesized);
      const natOf = (role: string) =>
        `azurerm_subnet_nat_gateway_association.${byPrefix(nat, `network_${role}-nat-association`)[0]}`;
      const nsgOf = (role: string) =>
        `azurerm_subnet_network_security_group_association.${byPrefix(nsg, `network_${role}-nsg-association`)[0]}`;
      expect(aks?.depends_on).toEqual(expect.arrayContaining([natOf('system'), nsgOf('system')]));
      for (const pool of Object.values(resourcesOf(synthesized, 'azurerm_kubernetes_cluster_node_pool'))) {
        const role = pool.name === CPU_POOL ? 'system' : 'gpu';
        expect(pool.depends_on).toEqual(expect.arrayContaining([natOf(role), nsgOf(role)]));
      }
    }
  });
});
