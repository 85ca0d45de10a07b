/**
 * Arguments that make Terraform replace an azurerm resource, read from the provider's source at
 * the version this project pins: @cdktf/provider-azurerm 14.23.1 is generated from
 * hashicorp/azurerm **4.55.0** (`required_providers` in every cdk.tf.json), so the table comes
 * from tag v4.55.0 of github.com/hashicorp/terraform-provider-azurerm, the schema of each
 * resource file named below.
 *
 * - `always`: schema arguments with `ForceNew: true`, including shared schema helpers that set it
 *   (`commonschema.ResourceGroupName()`, `commonschema.Location()`, `...ForceNew()` variants).
 *   Nested block arguments are dotted (`network_profile.pod_cidr`).
 * - `blocks`: nested blocks marked `ForceNew: true`. In the plugin SDK that forces replacement
 *   when the block is added or removed (its count changes); the arguments inside follow their own
 *   ForceNew.
 * - `conditional`: arguments the resource's CustomizeDiff replaces on some changes only
 *   (`pluginsdk.ForceNewIfChange`, `d.ForceNew`): a change there may replace the resource.
 *
 * Update it when the provider version changes: a type missing here is diffed without replacement
 * knowledge beyond `name`, `location` and `resource_group_name` (see `azurermReplacement`).
 */

export interface ForceNewArguments {
  /** Arguments whose change replaces the resource. */
  readonly always: readonly string[];
  /** Nested blocks marked ForceNew: adding or removing the block replaces the resource. */
  readonly blocks?: readonly string[];
  /** Arguments whose change may replace the resource, depending on the old and new values. */
  readonly conditional?: readonly string[];
}

export const AZURERM_PROVIDER_VERSION = '4.55.0';

export const AZURERM_FORCE_NEW: Readonly<Record<string, ForceNewArguments>> = {
  // internal/services/apimanagement/api_management_resource.go
  azurerm_api_management: {
    always: ['name', 'resource_group_name', 'location'],
    conditional: ['virtual_network_type', 'virtual_network_configuration', 'sku_name'],
  },
  // internal/services/apimanagement/api_management_api_resource.go
  azurerm_api_management_api: { always: ['name', 'api_management_name', 'resource_group_name', 'revision'] },
  // internal/services/apimanagement/api_management_api_diagnostic_resource.go
  azurerm_api_management_api_diagnostic: {
    always: ['identifier', 'resource_group_name', 'api_management_name', 'api_name'],
  },
  // internal/services/apimanagement/api_management_api_operation_resource.go
  azurerm_api_management_api_operation: {
    always: ['operation_id', 'api_name', 'api_management_name', 'resource_group_name'],
  },
  // internal/services/apimanagement/api_management_api_policy_resource.go
  azurerm_api_management_api_policy: { always: ['resource_group_name', 'api_management_name', 'api_name'] },
  // internal/services/apimanagement/api_management_backend_resource.go
  azurerm_api_management_backend: { always: ['name', 'api_management_name', 'resource_group_name'] },
  // internal/services/apimanagement/api_management_logger_resource.go
  azurerm_api_management_logger: {
    always: ['name', 'resource_group_name', 'api_management_name', 'resource_id'],
    blocks: ['eventhub', 'application_insights'],
  },
  // internal/services/applicationinsights/application_insights_resource.go
  azurerm_application_insights: { always: ['name', 'resource_group_name', 'location', 'application_type'] },
  // internal/services/consumption/consumption_budget_resource_group_resource.go
  azurerm_consumption_budget_resource_group: { always: ['name', 'resource_group_id'] },
  // internal/services/containers/container_registry_resource.go
  azurerm_container_registry: { always: ['name', 'resource_group_name', 'location', 'zone_redundancy_enabled'] },
  // internal/services/containers/container_registry_cache_rule_resource.go
  azurerm_container_registry_cache_rule: { always: ['name', 'container_registry_id', 'source_repo', 'target_repo'] },
  // internal/services/network/express_route_circuit_resource.go
  azurerm_express_route_circuit: {
    always: [
      'name',
      'resource_group_name',
      'location',
      'service_provider_name',
      'peering_location',
      'express_route_port_id',
    ],
    conditional: ['bandwidth_in_mbps'],
  },
  // internal/services/network/express_route_circuit_peering_resource.go
  azurerm_express_route_circuit_peering: { always: ['express_route_circuit_name', 'resource_group_name'] },
  // internal/services/managedidentity/federated_identity_credential_resource.go
  azurerm_federated_identity_credential: { always: ['name', 'resource_group_name', 'parent_id'] },
  // internal/services/keyvault/key_vault_resource.go
  azurerm_key_vault: { always: ['name', 'location', 'resource_group_name'] },
  // internal/services/keyvault/key_vault_key_resource.go
  azurerm_key_vault_key: {
    always: ['name', 'key_vault_id', 'key_type', 'key_size', 'curve'],
    conditional: ['expiration_date'],
  },
  // internal/services/keyvault/key_vault_secret_resource.go
  azurerm_key_vault_secret: { always: ['name', 'key_vault_id'] },
  // internal/services/containers/kubernetes_cluster_resource.go
  azurerm_kubernetes_cluster: {
    always: [
      'name',
      'location',
      'resource_group_name',
      'default_node_pool.type',
      'default_node_pool.capacity_reservation_group_id',
      'default_node_pool.gpu_instance',
      'default_node_pool.gpu_driver',
      'default_node_pool.node_network_profile.node_public_ip_tags',
      'default_node_pool.node_public_ip_prefix_id',
      'default_node_pool.proximity_placement_group_id',
      'default_node_pool.host_group_id',
      'disk_encryption_set_id',
      'dns_prefix',
      'dns_prefix_private_cluster',
      'edge_zone',
      'kubelet_identity.client_id',
      'kubelet_identity.object_id',
      'kubelet_identity.user_assigned_identity_id',
      'linux_profile.admin_username',
      'linux_profile.ssh_key.key_data',
      'network_profile.network_plugin',
      'network_profile.network_mode',
      'network_profile.dns_service_ip',
      'network_profile.pod_cidr',
      'network_profile.pod_cidrs',
      'network_profile.service_cidr',
      'network_profile.service_cidrs',
      'network_profile.load_balancer_sku',
      'network_profile.ip_versions',
      'node_resource_group',
      'private_cluster_enabled',
      'private_dns_zone_id',
      'role_based_access_control_enabled',
      'windows_profile.admin_username',
    ],
    blocks: ['network_profile', 'network_profile.load_balancer_profile', 'network_profile.nat_gateway_profile'],
    conditional: [
      'default_node_pool.upgrade_settings.drain_timeout_in_minutes',
      'default_node_pool.upgrade_settings.undrainable_node_behavior',
      'service_principal.client_id',
      'windows_profile.gmsa',
      'windows_profile.gmsa.dns_server',
      'windows_profile.gmsa.root_domain',
      'api_server_access_profile.subnet_id',
      'network_profile.network_data_plane',
      'network_profile.network_plugin_mode',
      'network_profile.network_policy',
    ],
  },
  // internal/services/containers/kubernetes_cluster_extension_resource.go
  azurerm_kubernetes_cluster_extension: {
    always: [
      'name',
      'cluster_id',
      'extension_type',
      'plan.name',
      'plan.product',
      'plan.publisher',
      'plan.promotion_code',
      'plan.version',
      'release_train',
      'release_namespace',
      'target_namespace',
      'version',
    ],
    blocks: ['plan'],
  },
  // internal/services/containers/kubernetes_cluster_node_pool_resource.go
  azurerm_kubernetes_cluster_node_pool: {
    always: [
      'name',
      'kubernetes_cluster_id',
      'host_group_id',
      'capacity_reservation_group_id',
      'eviction_policy',
      'gpu_instance',
      'gpu_driver',
      'node_network_profile.node_public_ip_tags',
      'node_public_ip_prefix_id',
      'os_type',
      'priority',
      'proximity_placement_group_id',
      'spot_max_price',
      'windows_profile.outbound_nat_enabled',
    ],
    blocks: ['windows_profile'],
    conditional: ['os_sku', 'upgrade_settings.drain_timeout_in_minutes', 'upgrade_settings.undrainable_node_behavior'],
  },
  // internal/services/containers/kubernetes_flux_configuration_resource.go
  azurerm_kubernetes_flux_configuration: { always: ['name', 'cluster_id', 'namespace', 'scope'] },
  // internal/services/network/local_network_gateway_resource.go
  azurerm_local_network_gateway: { always: ['name', 'location', 'resource_group_name'] },
  // internal/services/loganalytics/log_analytics_workspace_resource.go
  azurerm_log_analytics_workspace: { always: ['name', 'location', 'resource_group_name'], conditional: ['sku'] },
  // internal/services/machinelearning/machine_learning_workspace_resource.go
  azurerm_machine_learning_workspace: {
    always: [
      'name',
      'location',
      'resource_group_name',
      'application_insights_id',
      'key_vault_id',
      'storage_account_id',
      'container_registry_id',
      'managed_network.provision_on_creation_enabled',
      'high_business_impact',
      'service_side_encryption_enabled',
    ],
    blocks: ['encryption'],
  },
  // internal/services/monitor/monitor_action_group_resource.go
  azurerm_monitor_action_group: { always: ['name', 'resource_group_name', 'location'] },
  // internal/services/monitor/monitor_diagnostic_setting_resource.go
  azurerm_monitor_diagnostic_setting: { always: ['name', 'target_resource_id'] },
  // internal/services/monitor/monitor_metric_alert_resource.go
  azurerm_monitor_metric_alert: { always: ['name', 'resource_group_name'] },
  // internal/services/monitor/monitor_scheduled_query_rules_alert_v2_resource.go
  azurerm_monitor_scheduled_query_rules_alert_v2: { always: ['name', 'resource_group_name', 'location', 'scopes'] },
  // internal/services/network/nat_gateway_resource.go
  azurerm_nat_gateway: { always: ['name', 'location', 'resource_group_name', 'zones'] },
  // internal/services/network/nat_gateway_public_ip_association_resource.go
  azurerm_nat_gateway_public_ip_association: { always: ['nat_gateway_id', 'public_ip_address_id'] },
  // internal/services/network/network_security_group_resource.go
  azurerm_network_security_group: { always: ['name', 'location', 'resource_group_name'] },
  // internal/services/network/network_security_rule_resource.go
  azurerm_network_security_rule: { always: ['name', 'resource_group_name', 'network_security_group_name'] },
  // internal/services/privatednsresolver/private_dns_resolver_resource.go
  azurerm_private_dns_resolver: { always: ['name', 'resource_group_name', 'location', 'virtual_network_id'] },
  // internal/services/privatednsresolver/private_dns_resolver_dns_forwarding_ruleset_resource.go
  azurerm_private_dns_resolver_dns_forwarding_ruleset: { always: ['name', 'resource_group_name', 'location'] },
  // internal/services/privatednsresolver/private_dns_resolver_forwarding_rule_resource.go
  azurerm_private_dns_resolver_forwarding_rule: { always: ['name', 'dns_forwarding_ruleset_id', 'domain_name'] },
  // internal/services/privatednsresolver/private_dns_resolver_inbound_endpoint_resource.go
  azurerm_private_dns_resolver_inbound_endpoint: {
    always: ['name', 'private_dns_resolver_id', 'location'],
    blocks: ['ip_configurations'],
  },
  // internal/services/privatednsresolver/private_dns_resolver_outbound_endpoint_resource.go
  azurerm_private_dns_resolver_outbound_endpoint: {
    always: ['name', 'private_dns_resolver_id', 'subnet_id', 'location'],
  },
  // internal/services/privatednsresolver/private_dns_resolver_virtual_network_link_resource.go
  azurerm_private_dns_resolver_virtual_network_link: {
    always: ['name', 'dns_forwarding_ruleset_id', 'virtual_network_id'],
  },
  // internal/services/privatedns/private_dns_zone_resource.go
  azurerm_private_dns_zone: { always: ['name', 'resource_group_name'], blocks: ['soa_record'] },
  // internal/services/privatedns/private_dns_zone_virtual_network_link_resource.go
  azurerm_private_dns_zone_virtual_network_link: {
    always: ['name', 'private_dns_zone_name', 'resource_group_name', 'virtual_network_id'],
  },
  // internal/services/network/private_endpoint_resource.go
  azurerm_private_endpoint: {
    always: [
      'name',
      'location',
      'resource_group_name',
      'subnet_id',
      'custom_network_interface_name',
      'private_service_connection.name',
      'private_service_connection.is_manual_connection',
      'private_service_connection.private_connection_resource_id',
      'private_service_connection.private_connection_resource_alias',
      'private_service_connection.subresource_names',
      'ip_configuration.name',
      'ip_configuration.private_ip_address',
      'ip_configuration.subresource_name',
      'ip_configuration.member_name',
    ],
  },
  // internal/services/network/public_ip_resource.go
  azurerm_public_ip: {
    always: [
      'name',
      'location',
      'resource_group_name',
      'edge_zone',
      'ip_version',
      'sku',
      'sku_tier',
      'public_ip_prefix_id',
      'ip_tags',
      'zones',
    ],
    conditional: ['domain_name_label_scope'],
  },
  // internal/services/resource/resource_group_resource.go
  azurerm_resource_group: { always: ['name', 'location'] },
  // internal/services/authorization/role_assignment_resource.go
  azurerm_role_assignment: {
    always: [
      'name',
      'scope',
      'role_definition_id',
      'role_definition_name',
      'principal_id',
      'principal_type',
      'delegated_managed_identity_resource_id',
      'description',
      'condition',
      'condition_version',
    ],
  },
  // internal/services/storage/storage_account_resource.go
  azurerm_storage_account: {
    always: [
      'name',
      'resource_group_name',
      'location',
      'account_tier',
      'provisioned_billing_model_version',
      'edge_zone',
      'is_hns_enabled',
      'nfsv3_enabled',
      'dns_endpoint_type',
      'queue_encryption_key_type',
      'table_encryption_key_type',
      'infrastructure_encryption_enabled',
    ],
    blocks: ['immutability_policy'],
    conditional: ['account_replication_type', 'account_kind', 'large_file_share_enabled', 'immutability_policy.state'],
  },
  // internal/services/storage/storage_account_customer_managed_key_resource.go
  azurerm_storage_account_customer_managed_key: { always: ['storage_account_id'] },
  // internal/services/storage/storage_container_resource.go
  azurerm_storage_container: {
    always: ['name', 'storage_account_id', 'default_encryption_scope', 'encryption_scope_override_enabled'],
  },
  // internal/services/storage/storage_management_policy_resource.go
  azurerm_storage_management_policy: { always: ['storage_account_id'] },
  // internal/services/network/subnet_resource.go
  azurerm_subnet: { always: ['name', 'resource_group_name', 'virtual_network_name'] },
  // internal/services/network/subnet_nat_gateway_association_resource.go
  azurerm_subnet_nat_gateway_association: { always: ['subnet_id', 'nat_gateway_id'] },
  // internal/services/network/subnet_network_security_group_association_resource.go
  azurerm_subnet_network_security_group_association: { always: ['subnet_id', 'network_security_group_id'] },
  // internal/services/managedidentity/user_assigned_identity_resource.go
  azurerm_user_assigned_identity: { always: ['location', 'name', 'resource_group_name'] },
  // internal/services/network/virtual_network_resource.go
  azurerm_virtual_network: { always: ['name', 'resource_group_name', 'location', 'edge_zone'] },
  // internal/services/network/virtual_network_gateway_resource.go
  azurerm_virtual_network_gateway: {
    always: [
      'name',
      'resource_group_name',
      'location',
      'type',
      'vpn_type',
      'edge_zone',
      'private_ip_address_enabled',
      'generation',
    ],
    blocks: ['ip_configuration'],
  },
  // internal/services/network/virtual_network_gateway_connection_resource.go
  azurerm_virtual_network_gateway_connection: {
    always: [
      'name',
      'resource_group_name',
      'location',
      'type',
      'virtual_network_gateway_id',
      'dpd_timeout_seconds',
      'express_route_circuit_id',
      'peer_virtual_network_gateway_id',
      'local_azure_ip_address_enabled',
      'connection_protocol',
      'connection_mode',
    ],
  },
  // internal/services/network/virtual_network_peering_resource.go
  azurerm_virtual_network_peering: {
    always: [
      'name',
      'resource_group_name',
      'virtual_network_name',
      'remote_virtual_network_id',
      'only_ipv6_peering_enabled',
      'peer_complete_virtual_networks_enabled',
    ],
  },
};

/**
 * Arguments of AKS node pools whose change the provider applies by cycling the pool: a temporary
 * pool (`temporary_name_for_rotation`) takes the workload while the pool is recreated, so every
 * node is replaced although the Terraform resource is updated in place
 * (`cycleNodePoolProperties` in kubernetes_cluster_node_pool_resource.go and
 * kubernetes_cluster_resource.go, v4.55.0).
 */
export const AZURERM_NODE_ROTATION: Readonly<Record<string, readonly string[]>> = {
  azurerm_kubernetes_cluster: [
    'default_node_pool.name',
    'default_node_pool.fips_enabled',
    'default_node_pool.kubelet_config',
    'default_node_pool.kubelet_disk_type',
    'default_node_pool.linux_os_config',
    'default_node_pool.max_pods',
    'default_node_pool.only_critical_addons_enabled',
    'default_node_pool.os_disk_size_gb',
    'default_node_pool.os_disk_type',
    'default_node_pool.pod_subnet_id',
    'default_node_pool.snapshot_id',
    'default_node_pool.ultra_ssd_enabled',
    'default_node_pool.vnet_subnet_id',
    'default_node_pool.vm_size',
    'default_node_pool.zones',
  ],
  azurerm_kubernetes_cluster_node_pool: [
    'fips_enabled',
    'host_encryption_enabled',
    'kubelet_config',
    'kubelet_disk_type',
    'linux_os_config',
    'max_pods',
    'node_public_ip_enabled',
    'os_disk_size_gb',
    'os_disk_type',
    'pod_subnet_id',
    'snapshot_id',
    'ultra_ssd_enabled',
    'vm_size',
    'vnet_subnet_id',
    'zones',
  ],
};
