import { describe, expect, it } from 'vitest';
import type { CfnTemplate } from '../../scripts/lib/aws-assembly';
import type { TerraformJson } from '../../scripts/lib/cdktf-output';
import { formatChange, formatValue, renderMarkdown, renderText } from '../../scripts/lib/diff-render';
import {
  azurermReplacement,
  changedPaths,
  diffAwsStacks,
  diffSnapshots,
  diffTerraform,
  isLoud,
  type Snapshot,
} from '../../scripts/lib/infra-diff';

// ---- AWS fixtures --------------------------------------------------------------------------------

const METADATA = { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'v2:deflate64:AAA' } };

function template(resources: Record<string, object>): CfnTemplate {
  return { Resources: resources as CfnTemplate['Resources'] };
}

const bucket = (props: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::S3::Bucket',
  Properties: { BucketName: 'data', VersioningConfiguration: { Status: 'Enabled' }, ...props },
  ...extra,
});
const topic = (name = 'alarms') => ({ Type: 'AWS::SNS::Topic', Properties: { TopicName: name } });

describe('diffAwsStacks (cloudformation-diff)', () => {
  it('reports an in-place update with the old and new value of each changed property', () => {
    // GIVEN a bucket whose versioning is suspended
    const before = { Platform: template({ Data: bucket() }) };
    const after = { Platform: template({ Data: bucket({ VersioningConfiguration: { Status: 'Suspended' } }) }) };
    // THEN it is one update, with both values, that replaces nothing
    expect(diffAwsStacks(before, after)).toEqual([
      {
        impact: 'update',
        address: 'Platform/Data',
        type: 'AWS::S3::Bucket',
        properties: [
          {
            path: 'VersioningConfiguration',
            before: { Status: 'Enabled' },
            after: { Status: 'Suspended' },
          },
        ],
        notes: [],
        stateful: true,
      },
    ]);
  });

  it('takes replacement from the CloudFormation specification and calls a replaced bucket out', () => {
    const [change] = diffAwsStacks(
      { Platform: template({ Data: bucket() }) },
      { Platform: template({ Data: bucket({ BucketName: 'data-v2' }) }) },
    );
    expect(change).toMatchObject({
      impact: 'replace',
      properties: [{ path: 'BucketName', before: 'data', after: 'data-v2', replaces: 'always' }],
    });
    expect(isLoud(change as never)).toBe(true);
  });

  it('reports a possible replacement where the specification says it depends', () => {
    const instance = (type: string) => ({ Type: 'AWS::EC2::Instance', Properties: { InstanceType: type } });
    const [change] = diffAwsStacks(
      { Platform: template({ Node: instance('t3.micro') }) },
      { Platform: template({ Node: instance('t3.large') }) },
    );
    expect(change).toMatchObject({ impact: 'may-replace', properties: [{ path: 'InstanceType', replaces: 'may' }] });
  });

  it('leaves out CDKMetadata and changes of metadata or ordering only', () => {
    // GIVEN a new CDK version (metadata), a moved construct (aws:cdk:path) and a new DependsOn
    const before = { Platform: template({ CDKMetadata: METADATA, Data: bucket(), Alarms: topic() }) };
    const after = {
      Platform: template({
        CDKMetadata: { ...METADATA, Properties: { Analytics: 'v2:deflate64:BBB' } },
        Data: bucket({}, { Metadata: { 'aws:cdk:path': 'Staging/Platform/Storage/Data/Resource' } }),
        Alarms: { ...topic(), DependsOn: ['Data'] },
      }),
    };
    // THEN nothing is reported
    expect(diffAwsStacks(before, after)).toEqual([]);
  });

  it('reports a DeletionPolicy change with its values', () => {
    const [change] = diffAwsStacks(
      { Platform: template({ Data: bucket({}, { DeletionPolicy: 'Retain' }) }) },
      { Platform: template({ Data: bucket({}, { DeletionPolicy: 'Delete' }) }) },
    );
    expect(change).toMatchObject({
      impact: 'update',
      properties: [{ path: 'DeletionPolicy', before: 'Retain', after: 'Delete' }],
    });
  });

  it('calls a removed bucket with DeletionPolicy Retain orphaned, and a removed topic destroyed', () => {
    const changes = diffAwsStacks(
      { Platform: template({ Data: bucket({}, { DeletionPolicy: 'Retain' }), Alarms: topic() }) },
      { Platform: template({}) },
    );
    expect(changes.map((c) => [c.impact, c.address, isLoud(c)])).toEqual([
      ['destroy', 'Platform/Alarms', false],
      ['orphan', 'Platform/Data', true],
    ]);
  });

  it('reports a changed logical id as one replacement naming the old id', () => {
    // GIVEN a bucket whose construct id was renamed
    const changes = diffAwsStacks(
      { Platform: template({ DataA1: bucket() }) },
      { Platform: template({ DataB2: bucket() }) },
    );
    // THEN it is one replacement, not a creation and a deletion
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      impact: 'replace',
      address: 'Platform/DataB2',
      notes: ['logical id changed from Platform/DataA1: the old one is deleted and a new one created'],
      stateful: true,
    });
  });

  it('lists the resources of a new stack as created, each once', () => {
    const changes = diffAwsStacks({}, { Models: template({ CDKMetadata: METADATA, Alarms: topic(), Data: bucket() }) });
    expect(changes.map((c) => [c.impact, c.address])).toEqual([
      ['create', 'Models/Alarms'],
      ['create', 'Models/Data'],
    ]);
  });
});

// ---- Azure fixtures --------------------------------------------------------------------------------

/** A Terraform interpolation, `${<target>}`. */
const ref = (target: string) => `\${${target}}`;

function tf(resources: Record<string, Record<string, Record<string, unknown>>>, extra: object = {}): TerraformJson {
  return { resource: resources, ...extra } as TerraformJson;
}

const subnet = (name = 'snet-system') => ({
  '//': { metadata: { path: 'az-staging/network/system-subnet' } },
  name,
  resource_group_name: ref('azurerm_resource_group.rg.name'),
  virtual_network_name: ref('azurerm_virtual_network.vnet.name'),
  address_prefixes: ['10.40.0.0/20'],
});
const nodePool = (extra: Record<string, unknown> = {}) => ({
  name: 'infer',
  kubernetes_cluster_id: ref('azurerm_kubernetes_cluster.aks.id'),
  vm_size: 'Standard_NC4as_T4_v3',
  vnet_subnet_id: ref('azurerm_subnet.system.id'),
  tags: { environment: 'az-staging' },
  ...extra,
});
const key = (size: number) => ({
  name: 'data',
  key_vault_id: ref('azurerm_key_vault.kv.id'),
  key_type: 'RSA-HSM',
  key_size: size,
});

describe('diffTerraform (azurerm ForceNew)', () => {
  it('replaces a key vault key whose size changes, and calls it out', () => {
    const [change] = diffTerraform(
      tf({ azurerm_key_vault_key: { data: key(3072) } }),
      tf({ azurerm_key_vault_key: { data: key(4096) } }),
    );
    expect(change).toMatchObject({
      impact: 'replace',
      address: 'azurerm_key_vault_key.data',
      properties: [{ path: 'key_size', before: 3072, after: 4096, replaces: 'always' }],
      stateful: true,
    });
  });

  it('updates in place with the old and new value of a nested argument', () => {
    const [change] = diffTerraform(
      tf({ azurerm_kubernetes_cluster_node_pool: { infer: nodePool() } }),
      tf({
        azurerm_kubernetes_cluster_node_pool: { infer: nodePool({ tags: { environment: 'az-staging', team: 'ml' } }) },
      }),
    );
    expect(change).toMatchObject({
      impact: 'update',
      properties: [{ path: 'tags.team', before: undefined, after: 'ml' }],
      notes: [],
    });
  });

  it('says that a node pool size change replaces every node although the pool is updated', () => {
    const [change] = diffTerraform(
      tf({ azurerm_kubernetes_cluster_node_pool: { infer: nodePool() } }),
      tf({ azurerm_kubernetes_cluster_node_pool: { infer: nodePool({ vm_size: 'Standard_NC8as_T4_v3' }) } }),
    );
    expect(change?.impact).toBe('update');
    expect(change?.notes.join()).toContain('temporary_name_for_rotation');
  });

  it('replaces a node pool whose name changes', () => {
    const [change] = diffTerraform(
      tf({ azurerm_kubernetes_cluster_node_pool: { infer: nodePool() } }),
      tf({ azurerm_kubernetes_cluster_node_pool: { infer: nodePool({ name: 'inference' }) } }),
    );
    expect(change).toMatchObject({ impact: 'replace', properties: [{ path: 'name', replaces: 'always' }] });
  });

  it('follows references to the id of a replaced subnet, not to its name', () => {
    // GIVEN a renamed subnet; an association (ForceNew subnet_id) and a node pool (vnet_subnet_id,
    // updated in place) on its id; a forwarding rule on its name
    const rest = {
      azurerm_kubernetes_cluster_node_pool: { infer: nodePool() },
      azurerm_subnet_network_security_group_association: {
        system: {
          subnet_id: ref('azurerm_subnet.system.id'),
          network_security_group_id: ref('azurerm_network_security_group.n.id'),
        },
      },
      azurerm_private_dns_resolver_forwarding_rule: {
        label: {
          name: 'onprem',
          dns_forwarding_ruleset_id: 'x',
          domain_name: 'corp.',
          metadata: { s: ref('azurerm_subnet.system.name') },
        },
      },
    };
    const changes = diffTerraform(
      tf({ azurerm_subnet: { system: subnet() }, ...rest }),
      tf({ azurerm_subnet: { system: subnet('snet-nodes') }, ...rest }),
    );
    // THEN the subnet and the association are replaced, the node pool's nodes rotate, the rule stays
    expect(changes.map((c) => [c.impact, c.address])).toEqual([
      ['replace', 'azurerm_subnet.system'],
      ['replace', 'azurerm_subnet_network_security_group_association.system'],
      ['update', 'azurerm_kubernetes_cluster_node_pool.infer'],
    ]);
    expect(changes[1]?.notes).toEqual([
      'follows the replacement of azurerm_subnet.system: subnet_id refers to azurerm_subnet.system.id, known only after apply',
    ]);
    expect(changes[2]?.notes).toEqual([
      'follows the replacement of azurerm_subnet.system: vnet_subnet_id refers to azurerm_subnet.system.id, known only after apply',
      'every node of the pool is replaced: the provider cycles it through temporary_name_for_rotation',
    ]);
  });

  it('replaces a role assignment whose principal changes', () => {
    const assignment = (principal: string) => ({
      scope: ref('azurerm_key_vault.kv.id'),
      role_definition_name: 'Key Vault Crypto User',
      principal_id: principal,
    });
    const [change] = diffTerraform(
      tf({ azurerm_role_assignment: { crypto: assignment('a') } }),
      tf({ azurerm_role_assignment: { crypto: assignment('b') } }),
    );
    expect(change).toMatchObject({ impact: 'replace', stateful: false });
  });

  it('may replace a storage account whose replication changes (CustomizeDiff), and calls it out', () => {
    const account = (replication: string) => ({
      name: 'stdata',
      account_tier: 'Standard',
      account_replication_type: replication,
    });
    const [change] = diffTerraform(
      tf({ azurerm_storage_account: { data: account('ZRS') } }),
      tf({ azurerm_storage_account: { data: account('LRS') } }),
    );
    expect(change).toMatchObject({ impact: 'may-replace', stateful: true });
    expect(isLoud(change as never)).toBe(true);
  });

  it('follows a moved block: the same resource at a new address, updated', () => {
    const changes = diffTerraform(
      tf({ azurerm_subnet: { old: subnet() } }),
      tf(
        { azurerm_subnet: { system: { ...subnet(), address_prefixes: ['10.40.0.0/19'] } } },
        {
          moved: [{ from: 'azurerm_subnet.old', to: 'azurerm_subnet.system' }],
        },
      ),
    );
    expect(changes).toEqual([
      {
        impact: 'update',
        address: 'azurerm_subnet.system',
        type: 'azurerm_subnet',
        properties: [{ path: 'address_prefixes', before: ['10.40.0.0/20'], after: ['10.40.0.0/19'] }],
        notes: ['moved from azurerm_subnet.old (moved block): same resource, new address'],
        stateful: false,
      },
    ]);
  });

  it('reports a changed address without a moved block as a replacement', () => {
    const changes = diffTerraform(
      tf({ azurerm_storage_account: { data_A1: { name: 'stdata' } } }),
      tf({ azurerm_storage_account: { data_B2: { name: 'stdata' } } }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ impact: 'replace', address: 'azurerm_storage_account.data_B2', stateful: true });
    expect(changes[0]?.notes[0]).toContain('address changed from azurerm_storage_account.data_A1');
  });

  it('ignores cdktf metadata and depends_on, and notes prevent_destroy on a replacement', () => {
    const vault = (name: string, meta: object) => ({ name, tenant_id: 't', ...meta });
    const changes = diffTerraform(
      tf({ azurerm_key_vault: { kv: vault('kv-a', { '//': { a: 1 }, lifecycle: { prevent_destroy: true } }) } }),
      tf({
        azurerm_key_vault: {
          kv: vault('kv-b', { '//': { a: 2 }, depends_on: ['x'], lifecycle: { prevent_destroy: true } }),
        },
      }),
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ impact: 'replace', properties: [{ path: 'name' }] });
    expect(changes[0]?.notes).toEqual([
      'lifecycle.prevent_destroy is set: terraform plan stops with an error instead of replacing it',
    ]);
  });

  it('calls a destroyed storage account out', () => {
    const [change] = diffTerraform(tf({ azurerm_storage_account: { data: { name: 'stdata' } } }), tf({}));
    expect(change).toMatchObject({ impact: 'destroy', stateful: true });
  });

  it('replaces any azurerm resource whose name, location or resource group changes', () => {
    expect(azurermReplacement('azurerm_some_future_resource', 'location')).toBe('always');
    expect(azurermReplacement('azurerm_some_future_resource', 'sku')).toBeUndefined();
    expect(azurermReplacement('github_repository_environment', 'name')).toBeUndefined();
  });

  it('replaces on a ForceNew block added or removed, not on a change inside it', () => {
    expect(azurermReplacement('azurerm_kubernetes_cluster', 'network_profile')).toBe('always');
    expect(azurermReplacement('azurerm_kubernetes_cluster', 'network_profile.outbound_type')).toBeUndefined();
    expect(azurermReplacement('azurerm_kubernetes_cluster', 'network_profile.pod_cidr')).toBe('always');
    expect(azurermReplacement('azurerm_private_endpoint', 'private_service_connection[0].subresource_names')).toBe(
      'always',
    );
  });

  it('walks nested blocks and keeps lists of values whole', () => {
    expect(changedPaths({ a: { b: 1, c: [1, 2] }, d: [{ e: 1 }] }, { a: { b: 2, c: [2, 1] }, d: [{ e: 2 }] })).toEqual([
      { path: 'a.b', before: 1, after: 2 },
      { path: 'a.c', before: [1, 2], after: [2, 1] },
      { path: 'd[0].e', before: 1, after: 2 },
    ]);
  });
});

// ---- both, and the reports -------------------------------------------------------------------------

describe('diffSnapshots and the reports', () => {
  const base: Snapshot = {
    aws: {
      Staging: { Platform: template({ Data: bucket(), Alarms: topic() }) },
      Production: { Platform: template({ Data: bucket() }) },
    },
    azure: { 'az-staging': tf({ azurerm_storage_account: { data: { name: 'stdata' } } }) },
  };
  const head: Snapshot = {
    aws: {
      Staging: {
        Platform: template({ Data: bucket({ VersioningConfiguration: { Status: 'Suspended' } }), Alarms: topic() }),
      },
      Production: { Platform: template({ Data: bucket() }) },
    },
    azure: {
      'az-staging': tf({}),
      'az-production': tf({ azurerm_storage_account: { data: { name: 'stprod' } } }),
    },
  };
  const diffs = diffSnapshots(base, head);

  it('covers every environment of either side, once', () => {
    expect(diffs.map((d) => [d.environment, d.cloud, d.changes.map((c) => c.impact)])).toEqual([
      ['Production', 'aws', []],
      ['Staging', 'aws', ['update']],
      ['az-production', 'azure', ['create']],
      ['az-staging', 'azure', ['destroy']],
    ]);
  });

  it('renders Markdown: caution block, counts, old and new values, extra lines per environment', () => {
    const md = renderMarkdown(diffs, {
      base: 'origin/main',
      notes: new Map([['Staging', ['Monthly cost: +12 USD']]]),
    });
    expect(md).toContain('## Infrastructure diff against `origin/main`');
    expect(md).toContain('> [!CAUTION]');
    expect(md).toContain('> - **DESTROYED** `az-staging` `azurerm_storage_account.data` (azurerm_storage_account)');
    expect(md).toContain('| Staging | aws | 0 | 1 | 0 | 0 | 0 |');
    expect(md).toContain('  - `VersioningConfiguration`: `{"Status":"Enabled"}` → `{"Status":"Suspended"}`');
    expect(md).toContain('Monthly cost: +12 USD');
    expect(md).toContain('azurerm 4.55.0');
  });

  it('renders Markdown without a caution block when nothing stateful is at risk', () => {
    const md = renderMarkdown(
      diffSnapshots(
        { aws: { Staging: { Platform: template({ Alarms: topic() }) } }, azure: {} },
        { aws: { Staging: {} }, azure: {} },
      ),
      { base: 'main' },
    );
    expect(md).not.toContain('CAUTION');
    expect(md).toContain('| Staging | aws | 0 | 0 | 0 | 0 | 1 |');
  });

  it('renders terminal text with loud stateful lines and values', () => {
    const text = renderText(diffs, { base: 'main', notes: new Map([['az-staging', ['cost: -30 USD']]]) });
    expect(text).toContain(
      '  -  DESTROY     azurerm_storage_account.data [azurerm_storage_account]  !!! STATEFUL RESOURCE DESTROYED',
    );
    expect(text).toContain('        VersioningConfiguration: {"Status":"Enabled"} → {"Status":"Suspended"}');
    expect(text).toContain('az-staging (azure): 1 destroy / orphan\n  cost: -30 USD');
    expect(text).toContain('Production (aws): no changes');
    expect(text).toContain('!!! 1 stateful resource(s)');
  });

  it('cuts two long values around their first difference', () => {
    const [before, after] = formatChange(
      `${'a'.repeat(300)}X${'b'.repeat(300)}`,
      `${'a'.repeat(300)}Y${'b'.repeat(300)}`,
      40,
    );
    expect(before).toBe(`…${'a'.repeat(10)}X${'b'.repeat(29)}…`);
    expect(after).toBe(`…${'a'.repeat(10)}Y${'b'.repeat(29)}…`);
  });

  it('cuts long values', () => {
    expect(formatValue('x'.repeat(500), 20)).toBe(`"${'x'.repeat(18)}…`);
    expect(formatValue(undefined)).toBe('(none)');
  });
});
