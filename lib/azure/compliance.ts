/**
 * The project's own compliance rule set over synthesized Azure Terraform JSON: the security
 * baseline of the design notes (private endpoints, customer-managed keys, TLS 1.2+, identities
 * instead of secrets, logs, production data kept) expressed per azurerm resource type, plus
 * checks across resources and the cloud naming rules. Tests run it over every shipped Azure
 * environment and require zero failures; every rule has a test that shows it failing.
 *
 * Pure functions over JSON, no cdktf imports, so the rules can also run over `cdktf.out`.
 */
import { NAME_RULES, type NameRuleId, nameProblem } from '../config';

/** One azurerm resource block as Terraform JSON (snake_case keys). */
export type TfResource = Readonly<Record<string, unknown>>;

/** What a rule knows besides the resource. */
export interface RuleContext {
  readonly production: boolean;
  /**
   * Addresses (`azurerm_storage_account.<name>`) of the accounts that are a Machine Learning
   * workspace's default storage, whose built-in datastores need the account key.
   * @default - none
   */
  readonly workspaceStores?: ReadonlySet<string>;
}

export interface ComplianceRule {
  readonly id: string;
  /** The azurerm resource type the rule checks. */
  readonly resourceType: string;
  /** Why the rule exists, one line. */
  readonly rationale: string;
  /** True when the resource complies; `address` is `<type>.<name>` in the stack. */
  check(resource: TfResource, context: RuleContext, address?: string): boolean;
}

/** A check across the resources of one stack (associations, diagnostics, endpoints). */
export interface StackRule {
  readonly id: string;
  readonly rationale: string;
  /** Problems found, empty when the stack complies. */
  check(json: TerraformStackJson): string[];
}

export interface TerraformStackJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, TfResource>>>>;
}

export interface Finding {
  readonly ruleId: string;
  /** `<type>.<name>` of the offending resource, or the stack rule's subject. */
  readonly address: string;
  readonly message: string;
}

/** The first element of a nested block (Terraform JSON renders blocks as objects or lists). */
function block(resource: TfResource | undefined, key: string): TfResource | undefined {
  const value = resource?.[key];
  if (Array.isArray(value)) return value[0] as TfResource | undefined;
  if (value && typeof value === 'object') return value as TfResource;
  return undefined;
}

function blocks(resource: TfResource, key: string): TfResource[] {
  const value = resource[key];
  if (Array.isArray(value)) return value as TfResource[];
  if (value && typeof value === 'object') return [value as TfResource];
  return [];
}

const preventsDestroy = (r: TfResource) => block(r, 'lifecycle')?.prevent_destroy === true;
const PRIVATE_INBOUND_SOURCES = new Set(['*', '0.0.0.0/0', 'Internet', 'Any']);

function rule(
  id: string,
  resourceType: string,
  rationale: string,
  check: (r: TfResource, c: RuleContext, address?: string) => boolean,
): ComplianceRule {
  return { id, resourceType, rationale, check };
}

const AKS = 'azurerm_kubernetes_cluster';
const POOL = 'azurerm_kubernetes_cluster_node_pool';
const KV = 'azurerm_key_vault';
const KEY = 'azurerm_key_vault_key';
const ST = 'azurerm_storage_account';
const CR = 'azurerm_container_registry';
const MLW = 'azurerm_machine_learning_workspace';
const APIM = 'azurerm_api_management';

export const RULES: readonly ComplianceRule[] = [
  // ---- AKS ------------------------------------------------------------------------------
  rule('AZ-AKS-01', AKS, 'The Kubernetes API is private or limited to allow-listed ranges.', (r) => {
    const ranges = block(r, 'api_server_access_profile')?.authorized_ip_ranges;
    return r.private_cluster_enabled === true || (Array.isArray(ranges) && ranges.length > 0);
  }),
  rule(
    'AZ-AKS-02',
    AKS,
    'Local (certificate) accounts are off: every user is an Entra ID identity.',
    (r) => r.local_account_disabled === true,
  ),
  rule('AZ-AKS-03', AKS, 'Entra ID authentication with Azure RBAC authorizes cluster access.', (r) => {
    const aad = block(r, 'azure_active_directory_role_based_access_control');
    return aad?.azure_rbac_enabled === true && typeof aad.tenant_id === 'string';
  }),
  rule('AZ-AKS-04', AKS, 'Pods are isolated by a network policy engine (Cilium or Calico).', (r) =>
    ['cilium', 'calico'].includes(String(block(r, 'network_profile')?.network_policy)),
  ),
  rule(
    'AZ-AKS-05',
    AKS,
    'Workloads use workload identity (OIDC issuer on), never stored credentials.',
    (r) => r.oidc_issuer_enabled === true && r.workload_identity_enabled === true,
  ),
  rule(
    'AZ-AKS-06',
    AKS,
    'Container Insights sends node and container logs to Log Analytics with managed identity.',
    (r) => {
      const oms = block(r, 'oms_agent');
      return typeof oms?.log_analytics_workspace_id === 'string' && oms.msi_auth_for_monitoring_enabled === true;
    },
  ),
  rule(
    'AZ-AKS-07',
    AKS,
    'Azure Policy for Kubernetes enforces pod security baselines.',
    (r) => r.azure_policy_enabled === true,
  ),
  rule(
    'AZ-AKS-08',
    AKS,
    'Kubernetes and node images are patched automatically.',
    (r) =>
      typeof r.automatic_upgrade_channel === 'string' &&
      r.automatic_upgrade_channel !== 'none' &&
      typeof r.node_os_upgrade_channel === 'string' &&
      !['None', 'Unmanaged'].includes(r.node_os_upgrade_channel),
  ),
  rule('AZ-AKS-09', AKS, 'The system pool runs critical add-ons only, with host encryption, across zones.', (r) => {
    const pool = block(r, 'default_node_pool');
    const zones = pool?.zones;
    return (
      pool?.only_critical_addons_enabled === true &&
      pool.host_encryption_enabled === true &&
      Array.isArray(zones) &&
      zones.length > 1
    );
  }),
  rule(
    'AZ-AKS-10',
    AKS,
    'The Key Vault CSI driver rotates mounted secrets.',
    (r) => block(r, 'key_vault_secrets_provider')?.secret_rotation_enabled === true,
  ),
  rule(
    'AZ-AKS-11',
    AKS,
    'Production clusters have the uptime SLA (Standard tier).',
    (r, c) => !c.production || r.sku_tier === 'Standard' || r.sku_tier === 'Premium',
  ),
  rule('AZ-AKS-12', AKS, 'Nodes get no public IPs and pods use Azure CNI Overlay addresses.', (r) => {
    const net = block(r, 'network_profile');
    return (
      net?.network_plugin === 'azure' &&
      net.network_plugin_mode === 'overlay' &&
      block(r, 'default_node_pool')?.node_public_ip_enabled !== true
    );
  }),
  // ---- GPU node pools ---------------------------------------------------------------------
  rule(
    'AZ-NP-01',
    POOL,
    'GPU nodes (N-series sizes) are tainted so only GPU workloads land on them.',
    (r) =>
      !String(r.vm_size).startsWith('Standard_N') ||
      (Array.isArray(r.node_taints) && r.node_taints.includes('nvidia.com/gpu=present:NoSchedule')),
  ),
  rule(
    'AZ-NP-02',
    POOL,
    'Pools autoscale so that idle GPU capacity is released.',
    (r) => r.auto_scaling_enabled === true && typeof r.max_count === 'number',
  ),
  rule('AZ-NP-03', POOL, 'Nodes have no public IP addresses.', (r) => r.node_public_ip_enabled !== true),
  rule(
    'AZ-NP-04',
    POOL,
    'Spot pools delete evicted nodes and cap the price at on-demand.',
    (r) => r.priority !== 'Spot' || (r.eviction_policy === 'Delete' && r.spot_max_price === -1),
  ),
  // ---- Key Vault ----------------------------------------------------------------------------
  rule(
    'AZ-KV-01',
    KV,
    'Access is authorized with Entra RBAC, not vault access policies.',
    (r) => r.rbac_authorization_enabled === true,
  ),
  rule('AZ-KV-02', KV, 'Purge protection keeps deleted keys recoverable.', (r) => r.purge_protection_enabled === true),
  rule(
    'AZ-KV-03',
    KV,
    'Soft delete keeps deleted objects for the maximum 90 days.',
    (r) => r.soft_delete_retention_days === 90,
  ),
  rule(
    'AZ-KV-04',
    KV,
    'The vault is reachable only through its private endpoint.',
    (r) => r.public_network_access_enabled === false && block(r, 'network_acls')?.default_action === 'Deny',
  ),
  rule('AZ-KV-05', KV, 'Production key vaults survive a destroy.', (r, c) => !c.production || preventsDestroy(r)),
  // ---- Keys ---------------------------------------------------------------------------------
  rule(
    'AZ-KEY-01',
    KEY,
    'Keys are HSM-backed RSA of at least 3072 bits.',
    (r) => (r.key_type === 'RSA-HSM' || r.key_type === 'RSA') && Number(r.key_size) >= 3072,
  ),
  rule('AZ-KEY-02', KEY, 'Keys rotate automatically before they expire.', (r) => {
    const policy = block(r, 'rotation_policy');
    return typeof policy?.expire_after === 'string' && block(policy, 'automatic') !== undefined;
  }),
  // ---- Storage ------------------------------------------------------------------------------
  rule('AZ-ST-01', ST, 'Clients must use TLS 1.2 or later.', (r) => r.min_tls_version === 'TLS1_2'),
  rule('AZ-ST-02', ST, 'Only HTTPS is accepted.', (r) => r.https_traffic_only_enabled !== false),
  rule('AZ-ST-03', ST, 'No container can be made public.', (r) => r.allow_nested_items_to_be_public === false),
  rule(
    'AZ-ST-04',
    ST,
    'Account keys and SAS are off (Entra ID only), except on a private ML workspace store, whose built-in datastores need them.',
    (r, c, address) =>
      r.shared_access_key_enabled === false ||
      (address !== undefined &&
        c.workspaceStores?.has(address) === true &&
        r.public_network_access_enabled === false &&
        r.is_hns_enabled === false),
  ),
  rule(
    'AZ-ST-05',
    ST,
    'The account is reachable only through private endpoints.',
    (r) => r.public_network_access_enabled === false,
  ),
  rule('AZ-ST-06', ST, 'Data is encrypted with a customer-managed key through a user-assigned identity.', (r) => {
    const cmk = block(r, 'customer_managed_key');
    return typeof cmk?.key_vault_key_id === 'string' && typeof cmk.user_assigned_identity_id === 'string';
  }),
  rule('AZ-ST-07', ST, 'Deleted blobs and containers are recoverable (soft delete).', (r) => {
    const props = block(r, 'blob_properties');
    return (
      Number(block(props, 'delete_retention_policy')?.days) >= 1 &&
      Number(block(props, 'container_delete_retention_policy')?.days) >= 1
    );
  }),
  rule('AZ-ST-08', ST, 'Data is replicated across zones (ZRS, GZRS or RA-GZRS).', (r) =>
    ['ZRS', 'GZRS', 'RAGZRS'].includes(String(r.account_replication_type)),
  ),
  rule(
    'AZ-ST-09',
    ST,
    'Production storage survives a destroy and is geo-replicated.',
    (r, c) => !c.production || (preventsDestroy(r) && String(r.account_replication_type).includes('GZRS')),
  ),
  // ---- Container registry ---------------------------------------------------------------------
  rule('AZ-CR-01', CR, 'The admin user (a shared password) is off.', (r) => r.admin_enabled === false),
  rule('AZ-CR-02', CR, 'Anonymous pull is off.', (r) => r.anonymous_pull_enabled !== true),
  rule(
    'AZ-CR-03',
    CR,
    'The registry is reachable only through its private endpoint.',
    (r) => r.public_network_access_enabled === false,
  ),
  rule(
    'AZ-CR-04',
    CR,
    'No customer-managed key through a user-assigned identity: the private vault does not admit it, so the create fails.',
    (r) => typeof block(r, 'encryption')?.identity_client_id !== 'string',
  ),
  rule(
    'AZ-CR-05',
    CR,
    'Premium, zone-redundant, with a retention policy for untagged manifests.',
    (r) => r.sku === 'Premium' && r.zone_redundancy_enabled === true && Number(r.retention_policy_in_days) > 0,
  ),
  rule('AZ-CR-06', CR, 'Production registries survive a destroy.', (r, c) => !c.production || preventsDestroy(r)),
  // ---- Machine Learning -----------------------------------------------------------------------
  rule(
    'AZ-MLW-01',
    MLW,
    'The workspace is reachable only through its private endpoint.',
    (r) => r.public_network_access_enabled === false,
  ),
  rule(
    'AZ-MLW-02',
    MLW,
    'Managed compute may only reach approved outbound destinations.',
    (r) => block(r, 'managed_network')?.isolation_mode === 'AllowOnlyApprovedOutbound',
  ),
  // ---- API Management -------------------------------------------------------------------------
  rule(
    'AZ-APIM-01',
    APIM,
    'The gateway is injected into the VNet in internal mode.',
    (r) =>
      r.virtual_network_type === 'Internal' && typeof block(r, 'virtual_network_configuration')?.subnet_id === 'string',
  ),
  rule('AZ-APIM-02', APIM, 'SSL 3.0, TLS 1.0 and TLS 1.1 are off on both sides.', (r) => {
    const s = block(r, 'security');
    return [
      'frontend_ssl30_enabled',
      'frontend_tls10_enabled',
      'frontend_tls11_enabled',
      'backend_ssl30_enabled',
      'backend_tls10_enabled',
      'backend_tls11_enabled',
    ].every((k) => s?.[k] === false);
  }),
  rule('AZ-APIM-03', APIM, 'Weak ciphers (3DES and CBC suites) are off.', (r) => {
    const s = block(r, 'security');
    return (
      s !== undefined &&
      s.triple_des_ciphers_enabled === false &&
      Object.entries(s)
        .filter(([k]) => k.includes('cbc'))
        .every(([, v]) => v === false)
    );
  }),
  rule(
    'AZ-APIM-04',
    'azurerm_api_management_api',
    'APIs require a subscription and HTTPS.',
    (r) =>
      r.subscription_required === true &&
      Array.isArray(r.protocols) &&
      r.protocols.length > 0 &&
      r.protocols.every((p) => p === 'https'),
  ),
  rule('AZ-APIM-05', 'azurerm_api_management_api_policy', 'Every API policy limits the request rate.', (r) =>
    /<rate-limit(-by-key)? /.test(String(r.xml_content)),
  ),
  rule(
    'AZ-APIM-06',
    'azurerm_api_management_logger',
    'No logger authenticates with an Application Insights key or connection string (local auth is off).',
    (r) => block(r, 'application_insights') === undefined,
  ),
  // ---- App Configuration (feature flags) ------------------------------------------------------
  rule(
    'AZ-APPCS-01',
    'azurerm_app_configuration',
    'Flags are read with Entra ID only (no access keys) through the private endpoint.',
    (r) => r.local_auth_enabled === false && r.public_network_access === 'Disabled',
  ),
  rule(
    'AZ-APPCS-02',
    'azurerm_app_configuration',
    'Production stores are purge-protected and survive a destroy.',
    (r, c) => !c.production || (r.purge_protection_enabled === true && preventsDestroy(r)),
  ),
  rule(
    'AZ-FLUX-01',
    'azurerm_kubernetes_flux_configuration',
    'Flux reads its source with a managed identity and prunes what the source no longer holds.',
    (r) => {
      const blob = block(r, 'blob_storage');
      const identity = block(blob, 'managed_identity');
      return (
        typeof identity?.client_id === 'string' &&
        blob?.account_key === undefined &&
        blob?.sas_token === undefined &&
        blocks(r, 'kustomizations').every((k) => k.garbage_collection_enabled === true)
      );
    },
  ),
  // ---- Network and monitoring -----------------------------------------------------------------
  rule(
    'AZ-NSG-01',
    'azurerm_network_security_rule',
    'Nothing is allowed in from the internet.',
    (r) =>
      r.direction !== 'Inbound' ||
      r.access !== 'Allow' ||
      ![r.source_address_prefix, ...((r.source_address_prefixes as unknown[]) ?? [])].some((s) =>
        PRIVATE_INBOUND_SOURCES.has(String(s)),
      ),
  ),
  rule(
    'AZ-NET-01',
    'azurerm_subnet',
    'Subnets have no implicit internet egress (except the gateway subnet).',
    (r) => r.name === 'GatewaySubnet' || r.default_outbound_access_enabled === false,
  ),
  rule(
    'AZ-LOG-01',
    'azurerm_log_analytics_workspace',
    'Logs are kept at least 30 days and read with Entra ID only.',
    (r) => Number(r.retention_in_days) >= 30 && r.local_authentication_enabled === false,
  ),
  rule(
    'AZ-LOG-02',
    'azurerm_application_insights',
    'Telemetry goes to the workspace, with Entra ID ingestion only.',
    (r) => typeof r.workspace_id === 'string' && r.local_authentication_disabled === true,
  ),
  rule(
    'AZ-LOG-05',
    'azurerm_monitor_scheduled_query_rules_alert_v2',
    'Every log alert notifies the on-call action group.',
    (r) => {
      const groups = block(r, 'action')?.action_groups;
      return Array.isArray(groups) && groups.length > 0;
    },
  ),
  rule('AZ-LOG-03', 'azurerm_monitor_metric_alert', 'Every alert notifies the on-call action group.', (r) =>
    blocks(r, 'action').some((a) => typeof a.action_group_id === 'string'),
  ),
  rule(
    'AZ-LOG-04',
    'azurerm_monitor_diagnostic_setting',
    'Diagnostic settings send logs and metrics to Log Analytics.',
    (r) => typeof r.log_analytics_workspace_id === 'string' && blocks(r, 'enabled_log').length > 0,
  ),
];

/** The Terraform references (`${type.name...}`) in a value, as `type.name`. */
function references(value: unknown): string[] {
  return [...JSON.stringify(value ?? null).matchAll(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\./g)].map(
    (m) => `${m[1]}.${m[2]}`,
  );
}

function addresses(json: TerraformStackJson, type: string): string[] {
  return Object.keys(json.resource?.[type] ?? {}).map((name) => `${type}.${name}`);
}

function referenced(json: TerraformStackJson, type: string, field: string): Set<string> {
  return new Set(Object.values(json.resource?.[type] ?? {}).flatMap((r) => references(r[field])));
}

export const STACK_RULES: readonly StackRule[] = [
  {
    id: 'AZ-STACK-01',
    rationale: 'Every subnet but GatewaySubnet has a network security group.',
    check: (json) => {
      const guarded = referenced(json, 'azurerm_subnet_network_security_group_association', 'subnet_id');
      return Object.entries(json.resource?.azurerm_subnet ?? {})
        .filter(([name, r]) => r.name !== 'GatewaySubnet' && !guarded.has(`azurerm_subnet.${name}`))
        .map(([name]) => `azurerm_subnet.${name} has no network security group`);
    },
  },
  {
    id: 'AZ-STACK-02',
    rationale: 'Key vaults, storage, registries, clusters, API Management and ML workspaces send logs.',
    check: (json) => {
      const logged = referenced(json, 'azurerm_monitor_diagnostic_setting', 'target_resource_id');
      return [KV, ST, CR, AKS, APIM, MLW, 'azurerm_app_configuration']
        .flatMap((type) => addresses(json, type))
        .filter((address) => !logged.has(address))
        .map((address) => `${address} has no diagnostic setting`);
    },
  },
  {
    id: 'AZ-STACK-03',
    rationale: 'Key vaults, storage, registries, ML workspaces and App Configuration have a private endpoint.',
    check: (json) => {
      const linked = new Set(
        Object.values(json.resource?.azurerm_private_endpoint ?? {}).flatMap((r) =>
          references(r.private_service_connection),
        ),
      );
      return [KV, ST, CR, MLW, 'azurerm_app_configuration']
        .flatMap((type) => addresses(json, type))
        .filter((address) => !linked.has(address))
        .map((address) => `${address} has no private endpoint`);
    },
  },
];

/** The naming rule each azurerm resource type's `name` must meet. */
export const NAME_RULE_BY_TYPE: Readonly<Record<string, NameRuleId>> = {
  azurerm_resource_group: 'resourceGroup',
  azurerm_storage_account: 'storageAccount',
  azurerm_key_vault: 'keyVault',
  azurerm_container_registry: 'containerRegistry',
  azurerm_kubernetes_cluster: 'aksCluster',
  azurerm_kubernetes_cluster_node_pool: 'aksNodePool',
  azurerm_api_management: 'apiManagement',
  azurerm_log_analytics_workspace: 'logAnalyticsWorkspace',
  azurerm_machine_learning_workspace: 'machineLearningWorkspace',
};

/** Runs every resource rule, stack rule and naming rule over one stack's Terraform JSON. */
export function checkCompliance(json: TerraformStackJson, context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const full: RuleContext = {
    ...context,
    workspaceStores: context.workspaceStores ?? referenced(json, MLW, 'storage_account_id'),
  };
  for (const r of RULES) {
    for (const [name, resource] of Object.entries(json.resource?.[r.resourceType] ?? {})) {
      if (!r.check(resource, full, `${r.resourceType}.${name}`)) {
        findings.push({ ruleId: r.id, address: `${r.resourceType}.${name}`, message: r.rationale });
      }
    }
  }
  for (const r of STACK_RULES) {
    for (const message of r.check(json)) findings.push({ ruleId: r.id, address: 'stack', message });
  }
  for (const [type, ruleId] of Object.entries(NAME_RULE_BY_TYPE)) {
    for (const [name, resource] of Object.entries(json.resource?.[type] ?? {})) {
      const value = String(resource.name);
      const problem = nameProblem(NAME_RULES[ruleId], value);
      if (problem)
        findings.push({ ruleId: `NAME-${ruleId}`, address: `${type}.${name}`, message: `'${value}' ${problem}` });
    }
  }
  return findings;
}
