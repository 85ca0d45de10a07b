import { describe, expect, it } from 'vitest';
import {
  checkCompliance,
  NAME_RULE_BY_TYPE,
  RULES,
  STACK_RULES,
  type TerraformStackJson,
  type TfResource,
} from '../../lib/azure/compliance';
import { fixtures, synthAzure, type TerraformJson } from '../util';

const azureEnvironments = [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid];
const synthesized = new Map(azureEnvironments.map((env) => [env.name, synthAzure(env).json]));
const production = synthesized.get('az-production') as TerraformJson;

/**
 * The first synthesized resource of a type (from production, where every rule applies); for
 * storage, the data lake, which every storage rule applies to without exemption.
 */
function sample(type: string): TfResource {
  const all = [...Object.values(production.resource?.[type] ?? {}), ...(EXTRA[type] ? [EXTRA[type]] : [])];
  const first =
    type === 'azurerm_storage_account'
      ? all.find((r) => r.is_hns_enabled === true)
      : type === 'azurerm_kubernetes_cluster_node_pool'
        ? all.find((r) => String(r.vm_size).startsWith('Standard_N'))
        : all[0];
  if (!first) throw new Error(`production synthesizes no ${type}`);
  return first;
}

/** A copy of a resource with a change applied. */
function broken(type: string, change: (r: Draft) => void): TfResource {
  const copy = structuredClone(sample(type)) as Draft;
  change(copy);
  return copy;
}

const prod = { production: true };

// biome-ignore lint/suspicious/noExplicitAny: test drafts edit arbitrary Terraform JSON blocks.
type Draft = Record<string, any>;

/** Resources production does not synthesize, as a rule would see them. */
const EXTRA: Record<string, TfResource> = {
  azurerm_api_management_logger: { name: 'logger', api_management_name: 'apim', resource_group_name: 'rg' },
};

/** One bad resource per rule: each must fail its rule. */
const BAD: Record<string, () => TfResource> = {
  'AZ-AKS-01': () =>
    broken('azurerm_kubernetes_cluster', (r) => {
      r.private_cluster_enabled = false;
      delete r.api_server_access_profile;
    }),
  'AZ-AKS-02': () => broken('azurerm_kubernetes_cluster', (r) => (r.local_account_disabled = false)),
  'AZ-AKS-03': () =>
    broken(
      'azurerm_kubernetes_cluster',
      (r) => (r.azure_active_directory_role_based_access_control.azure_rbac_enabled = false),
    ),
  'AZ-AKS-04': () => broken('azurerm_kubernetes_cluster', (r) => delete r.network_profile.network_policy),
  'AZ-AKS-05': () => broken('azurerm_kubernetes_cluster', (r) => (r.workload_identity_enabled = false)),
  'AZ-AKS-06': () => broken('azurerm_kubernetes_cluster', (r) => delete r.oms_agent),
  'AZ-AKS-07': () => broken('azurerm_kubernetes_cluster', (r) => (r.azure_policy_enabled = false)),
  'AZ-AKS-08': () => broken('azurerm_kubernetes_cluster', (r) => (r.node_os_upgrade_channel = 'None')),
  'AZ-AKS-09': () =>
    broken('azurerm_kubernetes_cluster', (r) => (r.default_node_pool.only_critical_addons_enabled = false)),
  'AZ-AKS-10': () => broken('azurerm_kubernetes_cluster', (r) => delete r.key_vault_secrets_provider),
  'AZ-AKS-11': () => broken('azurerm_kubernetes_cluster', (r) => (r.sku_tier = 'Free')),
  'AZ-AKS-12': () => broken('azurerm_kubernetes_cluster', (r) => (r.default_node_pool.node_public_ip_enabled = true)),
  'AZ-NP-01': () => broken('azurerm_kubernetes_cluster_node_pool', (r) => (r.node_taints = [])),
  'AZ-NP-02': () => broken('azurerm_kubernetes_cluster_node_pool', (r) => (r.auto_scaling_enabled = false)),
  'AZ-NP-03': () => broken('azurerm_kubernetes_cluster_node_pool', (r) => (r.node_public_ip_enabled = true)),
  'AZ-NP-04': () =>
    broken('azurerm_kubernetes_cluster_node_pool', (r) => {
      r.priority = 'Spot';
      r.eviction_policy = 'Deallocate';
    }),
  'AZ-KV-01': () => broken('azurerm_key_vault', (r) => (r.rbac_authorization_enabled = false)),
  'AZ-KV-02': () => broken('azurerm_key_vault', (r) => (r.purge_protection_enabled = false)),
  'AZ-KV-03': () => broken('azurerm_key_vault', (r) => (r.soft_delete_retention_days = 7)),
  'AZ-KV-04': () => broken('azurerm_key_vault', (r) => (r.network_acls.default_action = 'Allow')),
  'AZ-KV-05': () => broken('azurerm_key_vault', (r) => delete r.lifecycle),
  'AZ-KEY-01': () => broken('azurerm_key_vault_key', (r) => (r.key_size = 2048)),
  'AZ-KEY-02': () => broken('azurerm_key_vault_key', (r) => delete r.rotation_policy),
  'AZ-ST-01': () => broken('azurerm_storage_account', (r) => (r.min_tls_version = 'TLS1_0')),
  'AZ-ST-02': () => broken('azurerm_storage_account', (r) => (r.https_traffic_only_enabled = false)),
  'AZ-ST-03': () => broken('azurerm_storage_account', (r) => (r.allow_nested_items_to_be_public = true)),
  'AZ-ST-04': () => broken('azurerm_storage_account', (r) => (r.shared_access_key_enabled = true)),
  'AZ-ST-05': () => broken('azurerm_storage_account', (r) => (r.public_network_access_enabled = true)),
  'AZ-ST-06': () => broken('azurerm_storage_account', (r) => delete r.customer_managed_key),
  'AZ-ST-07': () => broken('azurerm_storage_account', (r) => delete r.blob_properties),
  'AZ-ST-08': () => broken('azurerm_storage_account', (r) => (r.account_replication_type = 'LRS')),
  'AZ-ST-09': () => broken('azurerm_storage_account', (r) => (r.account_replication_type = 'ZRS')),
  'AZ-CR-01': () => broken('azurerm_container_registry', (r) => (r.admin_enabled = true)),
  'AZ-CR-02': () => broken('azurerm_container_registry', (r) => (r.anonymous_pull_enabled = true)),
  'AZ-CR-03': () => broken('azurerm_container_registry', (r) => (r.public_network_access_enabled = true)),
  'AZ-CR-04': () =>
    broken(
      'azurerm_container_registry',
      (r) =>
        (r.encryption = [
          { key_vault_key_id: 'https://kv/keys/k', identity_client_id: '00000000-0000-0000-0000-000000000001' },
        ]),
    ),
  'AZ-CR-05': () => broken('azurerm_container_registry', (r) => (r.zone_redundancy_enabled = false)),
  'AZ-CR-06': () => broken('azurerm_container_registry', (r) => delete r.lifecycle),
  'AZ-MLW-01': () => broken('azurerm_machine_learning_workspace', (r) => (r.public_network_access_enabled = true)),
  'AZ-MLW-02': () =>
    broken('azurerm_machine_learning_workspace', (r) => (r.managed_network.isolation_mode = 'AllowInternetOutbound')),
  'AZ-APIM-01': () => broken('azurerm_api_management', (r) => (r.virtual_network_type = 'External')),
  'AZ-APIM-02': () => broken('azurerm_api_management', (r) => (r.security.backend_tls11_enabled = true)),
  'AZ-APIM-03': () =>
    broken('azurerm_api_management', (r) => (r.security.tls_rsa_with_aes128_cbc_sha_ciphers_enabled = true)),
  'AZ-APIM-04': () => broken('azurerm_api_management_api', (r) => (r.protocols = ['http', 'https'])),
  'AZ-APIM-05': () =>
    broken(
      'azurerm_api_management_api_policy',
      (r) => (r.xml_content = '<policies><inbound><base /></inbound></policies>'),
    ),
  'AZ-APIM-06': () =>
    broken(
      'azurerm_api_management_logger',
      (r) => (r.application_insights = { connection_string: 'InstrumentationKey=0' }),
    ),
  'AZ-APPCS-01': () => broken('azurerm_app_configuration', (r) => (r.local_auth_enabled = true)),
  'AZ-APPCS-02': () => broken('azurerm_app_configuration', (r) => (r.purge_protection_enabled = false)),
  'AZ-FLUX-01': () =>
    broken('azurerm_kubernetes_flux_configuration', (r) => (r.kustomizations[0].garbage_collection_enabled = false)),
  'AZ-NSG-01': () =>
    broken('azurerm_network_security_rule', (r) => {
      r.direction = 'Inbound';
      r.access = 'Allow';
      r.source_address_prefix = 'Internet';
    }),
  'AZ-NET-01': () => broken('azurerm_subnet', (r) => (r.default_outbound_access_enabled = true)),
  'AZ-LOG-01': () => broken('azurerm_log_analytics_workspace', (r) => (r.local_authentication_enabled = true)),
  'AZ-LOG-02': () => broken('azurerm_application_insights', (r) => delete r.workspace_id),
  'AZ-LOG-03': () => broken('azurerm_monitor_metric_alert', (r) => (r.action = [])),
  'AZ-LOG-05': () => broken('azurerm_monitor_scheduled_query_rules_alert_v2', (r) => delete r.action),
  'AZ-LOG-04': () => broken('azurerm_monitor_diagnostic_setting', (r) => (r.enabled_log = [])),
};

describe('Azure compliance rule set', () => {
  it('has at least 30 rules with unique ids, a type and a one-line rationale', () => {
    // GIVEN the rule set WHEN it is inspected THEN it is large enough and well-formed
    expect(RULES.length).toBeGreaterThanOrEqual(30);
    const ids = [...RULES, ...STACK_RULES].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RULES) {
      expect(r.resourceType).toMatch(/^azurerm_/);
      expect(r.rationale).toMatch(/^[^\n]{10,}$/);
    }
  });

  it('has a failing example for every rule', () => {
    expect(Object.keys(BAD).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  describe.each(RULES.map((r) => [r.id, r] as const))('%s', (_id, r) => {
    it('passes on what production synthesizes and fails on a bad resource', () => {
      // GIVEN a synthesized resource and a copy with the rule's safeguard removed
      const bad = BAD[r.id]?.();
      // WHEN the rule checks both THEN only the bad one fails
      expect(r.check(sample(r.resourceType), prod)).toBe(true);
      expect(bad && r.check(bad, prod)).toBe(false);
    });
  });

  it.each(azureEnvironments.map((env) => [env.name, env] as const))(
    'finds nothing in the shipped environment %s',
    (name, env) => {
      // GIVEN the synthesized stack WHEN every rule runs THEN there are zero findings
      const json = synthesized.get(name) as TerraformStackJson;
      expect(checkCompliance(json, { production: env.stage === 'production' })).toEqual([]);
    },
  );

  it('checks the resource types of every synthesized name rule', () => {
    const types = Object.keys(NAME_RULE_BY_TYPE);
    for (const type of types) expect(Object.keys(production.resource?.[type] ?? {}).length).toBeGreaterThan(0);
  });

  it('reports a name that breaks the cloud naming rule', () => {
    // GIVEN a key vault name with a double hyphen WHEN checked THEN the naming rule fails
    const json = structuredClone(production) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const vault = Object.values(json.resource.azurerm_key_vault ?? {})[0] as Record<string, unknown>;
    vault.name = 'kv--bad';
    expect(checkCompliance(json, prod).map((f) => f.ruleId)).toContain('NAME-keyVault');
  });

  it('reports a subnet without a network security group', () => {
    const json = structuredClone(production) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    json.resource.azurerm_subnet_network_security_group_association = {};
    const ids = checkCompliance(json, prod).map((f) => f.ruleId);
    expect(ids).toContain('AZ-STACK-01');
  });

  it('reports a service without a diagnostic setting or a private endpoint', () => {
    const json = structuredClone(production) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    json.resource.azurerm_monitor_diagnostic_setting = {};
    json.resource.azurerm_private_endpoint = {};
    const ids = checkCompliance(json, prod).map((f) => f.ruleId);
    expect(ids).toEqual(expect.arrayContaining(['AZ-STACK-02', 'AZ-STACK-03']));
  });

  it.each(azureEnvironments.map((env) => [env.name] as const))('puts no secret value into %s', (name) => {
    // GIVEN the synthesized JSON WHEN searched for credentials THEN only references appear
    const text = JSON.stringify(synthesized.get(name));
    expect(text).not.toMatch(/AccountKey=|SharedAccessKey=|InstrumentationKey=|-----BEGIN|sig=/);
    const secretKeys = /(password|secret|shared_key|access_key|connection_string|instrumentation_key|sas_token)$/;
    const offenders: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (Array.isArray(value)) {
        for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (secretKeys.test(k) && typeof v === 'string' && !/^\$\{[^}]+\}$/.test(v)) offenders.push(`${path}.${k}`);
          walk(v, `${path}.${k}`);
        }
      }
    };
    walk(synthesized.get(name), '');
    expect(offenders).toEqual([]);
  });
});
