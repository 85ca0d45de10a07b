import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  diffResources,
  diffSnapshots,
  readCdkOut,
  readCdktfOut,
  renderMarkdown,
  renderText,
  type Snapshot,
} from '../../scripts/diff';

const bucket = (name: string, versioning = 'Enabled') => ({
  type: 'AWS::S3::Bucket',
  properties: { BucketName: name, VersioningConfiguration: { Status: versioning } },
});
const topic = { type: 'AWS::SNS::Topic', properties: { TopicName: 'alarms' } };
const storage = (kind: string, tier = 'Hot') => ({
  type: 'azurerm_storage_account',
  properties: { name: 'stazstaging', account_kind: kind, access_tier: tier },
});

describe('diffResources', () => {
  it('reports nothing when only key order differs', () => {
    // GIVEN the same resource with its keys in another order
    const before = { 'Platform/Data': bucket('b') };
    const after = {
      'Platform/Data': {
        type: 'AWS::S3::Bucket',
        properties: { VersioningConfiguration: { Status: 'Enabled' }, BucketName: 'b' },
      },
    };
    // THEN there is no change
    expect(diffResources(before, after)).toEqual([]);
  });

  it('classifies an added and a destroyed resource of different types', () => {
    const changes = diffResources({ 'Platform/Alarms': topic }, { 'Platform/Data': bucket('b') });
    expect(changes.map((c) => [c.kind, c.address, c.stateful])).toEqual([
      ['destroyed', 'Platform/Alarms', false],
      ['added', 'Platform/Data', false],
    ]);
  });

  it('calls a destroyed bucket stateful', () => {
    const [change] = diffResources({ 'Platform/Data': bucket('b') }, {});
    expect(change).toMatchObject({ kind: 'destroyed', stateful: true });
  });

  it('reports an in-place change with the properties that changed', () => {
    const [change] = diffResources({ 'Platform/Data': bucket('b') }, { 'Platform/Data': bucket('b', 'Suspended') });
    expect(change).toMatchObject({ kind: 'changed', properties: ['VersioningConfiguration'], stateful: false });
  });

  it('reports a replacement when a replace-forcing property changes', () => {
    const [change] = diffResources({ 'Platform/Data': bucket('old') }, { 'Platform/Data': bucket('new') });
    expect(change).toMatchObject({ kind: 'replaced', reason: 'BucketName changed', stateful: true });
  });

  it('reports a replacement when a logical id changes and the type stays', () => {
    // GIVEN a bucket whose construct id was renamed
    const changes = diffResources({ 'Platform/DataA1': bucket('b') }, { 'Platform/DataB2': bucket('b') });
    // THEN it is one replacement, not an add and a delete
    expect(changes).toEqual([
      {
        kind: 'replaced',
        address: 'Platform/DataB2',
        type: 'AWS::S3::Bucket',
        properties: [],
        reason: 'address changed from Platform/DataA1',
        stateful: true,
      },
    ]);
  });

  it('replaces an azurerm resource whose name, location or a ForceNew argument changes', () => {
    const key = 'azurerm_storage_account.data';
    expect(diffResources({ [key]: storage('StorageV2') }, { [key]: storage('BlockBlobStorage') })[0]).toMatchObject({
      kind: 'replaced',
      reason: 'account_kind changed',
      stateful: true,
    });
    const moved = { type: 'azurerm_subnet', properties: { name: 'a', location: 'northeurope' } };
    expect(
      diffResources(
        { 'azurerm_subnet.s': { ...moved, properties: { name: 'a', location: 'westeurope' } } },
        {
          'azurerm_subnet.s': moved,
        },
      )[0],
    ).toMatchObject({ kind: 'replaced', reason: 'location changed', stateful: false });
  });

  it('keeps an in-place change of a stateful resource quiet', () => {
    const key = 'azurerm_storage_account.data';
    const [change] = diffResources({ [key]: storage('StorageV2') }, { [key]: storage('StorageV2', 'Cool') });
    expect(change).toMatchObject({ kind: 'changed', properties: ['access_tier'], stateful: false });
  });
});

describe('diffSnapshots and rendering', () => {
  const base: Snapshot = {
    staging: { 'Platform/Data': bucket('b'), 'Platform/Alarms': topic },
    'az-staging': { 'azurerm_storage_account.data': storage('StorageV2') },
  };
  const head: Snapshot = {
    staging: { 'Platform/Data': bucket('b', 'Suspended'), 'Platform/Alarms': topic },
    'az-staging': {},
    'az-production': { 'azurerm_storage_account.data': storage('StorageV2') },
  };
  const diffs = diffSnapshots(base, head);

  it('covers every environment of either side', () => {
    expect(diffs.map((d) => [d.environment, d.changes.map((c) => c.kind)])).toEqual([
      ['az-production', ['added']],
      ['az-staging', ['destroyed']],
      ['staging', ['changed']],
    ]);
  });

  it('renders Markdown with a caution block for stateful deletions and a count table', () => {
    const md = renderMarkdown(diffs, 'origin/main');
    expect(md).toContain('## Infrastructure diff against `origin/main`');
    expect(md).toContain('> [!CAUTION]');
    expect(md).toContain('> - **DESTROYED** `az-staging` `azurerm_storage_account.data` (azurerm_storage_account)');
    expect(md).toContain('| staging | 0 | 1 | 0 | 0 |');
    expect(md).toContain('heuristic');
  });

  it('renders Markdown without a caution block when nothing stateful is lost', () => {
    const md = renderMarkdown(diffSnapshots({ staging: { 'Platform/Alarms': topic } }, { staging: {} }), 'main');
    expect(md).not.toContain('CAUTION');
    expect(md).toContain('| staging | 0 | 0 | 0 | 1 |');
  });

  it('renders terminal text with loud stateful lines', () => {
    const text = renderText(diffs, 'main');
    expect(text).toContain('  - azurerm_storage_account.data [azurerm_storage_account]  !!! STATEFUL DESTROYED');
    expect(text).toContain('  ~ Platform/Data [AWS::S3::Bucket] (VersioningConfiguration)');
    expect(text).toContain('!!! 1 stateful resource(s) would be replaced or destroyed.');
  });
});

describe('reading synthesized output', () => {
  it('reads AWS stages and Azure stacks into snapshots, without cdktf metadata', () => {
    // GIVEN a minimal cdk.out and cdktf.out
    const root = mkdtempSync(join(tmpdir(), 'diff-test-'));
    const stage = join(root, 'cdk.out', 'assembly-staging');
    mkdirSync(stage, { recursive: true });
    writeFileSync(
      join(root, 'cdk.out', 'manifest.json'),
      JSON.stringify({
        artifacts: {
          'assembly-staging': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-staging' } },
          Delivery: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Delivery.template.json' } },
        },
      }),
    );
    writeFileSync(
      join(root, 'cdk.out', 'Delivery.template.json'),
      JSON.stringify({ Resources: { Pipeline: { Type: 'AWS::CodePipeline::Pipeline', Properties: { B: 2 } } } }),
    );
    writeFileSync(
      join(stage, 'manifest.json'),
      JSON.stringify({
        artifacts: { 'staging/Platform': { type: 'aws:cloudformation:stack', properties: { templateFile: 'p.json' } } },
      }),
    );
    writeFileSync(
      join(stage, 'p.json'),
      JSON.stringify({ Resources: { Data: { Type: 'AWS::S3::Bucket', Properties: { A: 1 } } } }),
    );
    const stack = join(root, 'cdktf.out', 'stacks', 'az-staging');
    mkdirSync(stack, { recursive: true });
    writeFileSync(
      join(root, 'cdktf.out', 'manifest.json'),
      JSON.stringify({ stacks: { 'az-staging': { synthesizedStackPath: 'stacks/az-staging/cdk.tf.json' } } }),
    );
    writeFileSync(
      join(stack, 'cdk.tf.json'),
      JSON.stringify({ resource: { azurerm_resource_group: { rg: { '//': { metadata: {} }, name: 'rg-x' } } } }),
    );
    // THEN both are read with their addresses
    expect(readCdkOut(join(root, 'cdk.out'))).toEqual({
      staging: { 'Platform/Data': { type: 'AWS::S3::Bucket', properties: { A: 1 } } },
      // stacks outside any stage (the delivery pipelines) are one more entry
      Delivery: { 'Delivery/Pipeline': { type: 'AWS::CodePipeline::Pipeline', properties: { B: 2 } } },
    });
    expect(readCdktfOut(join(root, 'cdktf.out'))).toEqual({
      'az-staging': { 'azurerm_resource_group.rg': { type: 'azurerm_resource_group', properties: { name: 'rg-x' } } },
    });
    expect(readCdkOut(join(root, 'missing'))).toEqual({});
  });
});
