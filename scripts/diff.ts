/**
 * `npm run diff`: what a change does to the infrastructure, per environment, offline.
 *
 * Synthesizes the working tree (or reuses cdk.out / cdktf.out when they are newer than every
 * source file), synthesizes the base branch in a temporary `git worktree` (node_modules
 * symlinked in), and reports per environment which resources are added, changed, replaced or
 * destroyed, calling out loudly the replacement or deletion of a stateful resource.
 *
 *   npm run diff                                   terminal report against `main`
 *   npm run diff -- --base origin/main --markdown  Markdown, for $GITHUB_STEP_SUMMARY
 *
 * Replacement detection is a heuristic: without credentials there is no plan or change set, so a
 * resource counts as replaced when its logical id / address changed while a resource of the same
 * type disappeared, or when a property in `REPLACE_FORCING` changed. `terraform plan` (the PR
 * workflow's azure-plan job) and `cdk diff` against a real account are the authority.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One resource as synthesized: its type and its configuration. */
export interface ResourceState {
  readonly type: string;
  readonly properties: unknown;
}

/** Resources by address (`<stack>/<logicalId>` on AWS, `<type>.<name>` on Azure), per environment. */
export type Snapshot = Readonly<Record<string, Readonly<Record<string, ResourceState>>>>;

export type ChangeKind = 'added' | 'changed' | 'replaced' | 'destroyed';

export interface ResourceChange {
  readonly kind: ChangeKind;
  readonly address: string;
  readonly type: string;
  /** Top-level properties that differ (changed and replaced). */
  readonly properties: readonly string[];
  /** Why a replacement is assumed. */
  readonly reason?: string;
  /** A replaced or destroyed resource that holds data or identity. */
  readonly stateful: boolean;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly changes: readonly ResourceChange[];
}

/** Resource types whose replacement or deletion loses data, keys, images or a cluster. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::ECR::Repository',
  'AWS::EKS::Cluster',
  'Custom::AWSCDK-EKS-Cluster',
  'AWS::Logs::LogGroup',
  'azurerm_storage_account',
  'azurerm_key_vault',
  'azurerm_container_registry',
  'azurerm_kubernetes_cluster',
  'azurerm_resource_group',
  'azurerm_log_analytics_workspace',
]);

/**
 * Properties whose change replaces the resource, a small hand-kept table (heuristic). Sources:
 * CloudFormation's "Update requires: Replacement"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html)
 * and azurerm's ForceNew arguments (https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs).
 * Every azurerm resource is also replaced when `name`, `location` or `resource_group_name` change.
 */
export const REPLACE_FORCING: Readonly<Record<string, readonly string[]>> = {
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion'],
  'AWS::ECR::Repository': ['RepositoryName', 'EncryptionConfiguration'],
  'AWS::EKS::Cluster': ['Name', 'RoleArn', 'KubernetesNetworkConfig', 'EncryptionConfig'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::EC2::VPC': ['CidrBlock'],
  'AWS::EC2::Subnet': ['CidrBlock', 'AvailabilityZone', 'VpcId'],
  azurerm_storage_account: ['account_kind', 'account_tier', 'is_hns_enabled', 'nfsv3_enabled'],
  azurerm_kubernetes_cluster: ['dns_prefix', 'node_resource_group', 'private_cluster_enabled'],
  azurerm_key_vault: ['tenant_id'],
  azurerm_virtual_network: [],
  azurerm_subnet: ['virtual_network_name'],
};

const AZURE_REPLACE_FORCING = ['name', 'location', 'resource_group_name'];

/** JSON with sorted keys, so that key order never counts as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function changedProperties(before: unknown, after: unknown): string[] {
  const a = (before ?? {}) as Record<string, unknown>;
  const b = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

function forcingOf(type: string): readonly string[] {
  const table = REPLACE_FORCING[type] ?? [];
  return type.startsWith('azurerm_') ? [...AZURE_REPLACE_FORCING, ...table] : table;
}

/** The changes of one environment between two sets of resources. */
export function diffResources(
  before: Readonly<Record<string, ResourceState>>,
  after: Readonly<Record<string, ResourceState>>,
): ResourceChange[] {
  const changes: ResourceChange[] = [];
  const removed = Object.keys(before).filter((a) => !(a in after));
  const added = Object.keys(after).filter((a) => !(a in before));

  for (const address of Object.keys(after).filter((a) => a in before)) {
    const old = before[address] as ResourceState;
    const now = after[address] as ResourceState;
    const properties = changedProperties(old.properties, now.properties);
    if (properties.length === 0 && old.type === now.type) continue;
    const forcing = properties.filter((p) => forcingOf(now.type).includes(p));
    const replaced = forcing.length > 0 || old.type !== now.type;
    changes.push({
      kind: replaced ? 'replaced' : 'changed',
      address,
      type: now.type,
      properties,
      reason: replaced
        ? old.type !== now.type
          ? `type ${old.type} → ${now.type}`
          : `${forcing.join(', ')} changed`
        : undefined,
      stateful: replaced && STATEFUL_TYPES.has(now.type),
    });
  }

  // A resource that vanished while one of the same type appeared was most likely renamed: a new
  // logical id or address replaces the resource (unless a Terraform `moved` block says otherwise).
  const unmatched = new Set(removed);
  for (const address of added) {
    const now = after[address] as ResourceState;
    const candidates = [...unmatched].filter((a) => before[a]?.type === now.type);
    const twin =
      candidates.find((a) => canonical(before[a]?.properties) === canonical(now.properties)) ?? candidates[0];
    if (twin) {
      unmatched.delete(twin);
      changes.push({
        kind: 'replaced',
        address,
        type: now.type,
        properties: changedProperties(before[twin]?.properties, now.properties),
        reason: `address changed from ${twin}`,
        stateful: STATEFUL_TYPES.has(now.type),
      });
    } else {
      changes.push({ kind: 'added', address, type: now.type, properties: [], stateful: false });
    }
  }
  for (const address of unmatched) {
    const old = before[address] as ResourceState;
    changes.push({
      kind: 'destroyed',
      address,
      type: old.type,
      properties: [],
      stateful: STATEFUL_TYPES.has(old.type),
    });
  }
  const order: Record<ChangeKind, number> = { destroyed: 0, replaced: 1, changed: 2, added: 3 };
  return changes.sort((x, y) => order[x.kind] - order[y.kind] || x.address.localeCompare(y.address));
}

/** Every environment of either snapshot, with its changes (empty when nothing changed). */
export function diffSnapshots(base: Snapshot, head: Snapshot): EnvironmentDiff[] {
  const names = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  return names.map((environment) => ({
    environment,
    changes: diffResources(base[environment] ?? {}, head[environment] ?? {}),
  }));
}

const KINDS: readonly ChangeKind[] = ['added', 'changed', 'replaced', 'destroyed'];
const SYMBOL: Record<ChangeKind, string> = { added: '+', changed: '~', replaced: '±', destroyed: '-' };

function count(diff: EnvironmentDiff, kind: ChangeKind): number {
  return diff.changes.filter((c) => c.kind === kind).length;
}

function describe(change: ResourceChange): string {
  const details = [change.reason, change.kind === 'changed' ? change.properties.join(', ') : undefined];
  const text = details.filter(Boolean).join('; ');
  return text ? ` (${text})` : '';
}

/** The report for $GITHUB_STEP_SUMMARY. */
export function renderMarkdown(diffs: readonly EnvironmentDiff[], baseRef: string): string {
  const lines = [`## Infrastructure diff against \`${baseRef}\``, ''];
  const dangerous = diffs.flatMap((d) => d.changes.filter((c) => c.stateful).map((c) => ({ env: d.environment, c })));
  if (dangerous.length > 0) {
    lines.push(
      '> [!CAUTION]',
      '> **Stateful resources would be replaced or destroyed (data, keys or clusters are lost):**',
    );
    for (const { env, c } of dangerous) {
      lines.push(`> - **${c.kind.toUpperCase()}** \`${env}\` \`${c.address}\` (${c.type})${describe(c)}`);
    }
    lines.push('');
  }
  lines.push('| environment | added | changed | replaced | destroyed |', '|---|---:|---:|---:|---:|');
  for (const diff of diffs) {
    lines.push(`| ${diff.environment} | ${KINDS.map((k) => count(diff, k)).join(' | ')} |`);
  }
  for (const diff of diffs.filter((d) => d.changes.length > 0)) {
    lines.push('', `<details><summary><b>${diff.environment}</b>: ${diff.changes.length} changes</summary>`, '');
    for (const c of diff.changes) {
      const loud = c.stateful ? ' ⚠️ **stateful**' : '';
      lines.push(`- \`${SYMBOL[c.kind]}\` ${c.kind} \`${c.address}\` (${c.type})${describe(c)}${loud}`);
    }
    lines.push('', '</details>');
  }
  lines.push(
    '',
    '_Offline comparison of synthesized templates. Replacement detection is heuristic (changed logical ' +
      'id / address of the same type, or a known replace-forcing property); `terraform plan` and `cdk diff` ' +
      'against the cloud are authoritative._',
  );
  return `${lines.join('\n')}\n`;
}

/** The report for a terminal. */
export function renderText(diffs: readonly EnvironmentDiff[], baseRef: string): string {
  const lines = [`Infrastructure diff against ${baseRef} (offline; replacements are a heuristic)`];
  for (const diff of diffs) {
    const counts = KINDS.map((k) => `${count(diff, k)} ${k}`).join(', ');
    lines.push('', `${diff.environment}: ${diff.changes.length === 0 ? 'no changes' : counts}`);
    for (const c of diff.changes) {
      const loud = c.stateful ? `  !!! STATEFUL ${c.kind.toUpperCase()}` : '';
      lines.push(`  ${SYMBOL[c.kind]} ${c.address} [${c.type}]${describe(c)}${loud}`);
    }
  }
  const dangerous = diffs.reduce((n, d) => n + d.changes.filter((c) => c.stateful).length, 0);
  if (dangerous > 0) lines.push('', `!!! ${dangerous} stateful resource(s) would be replaced or destroyed.`);
  return `${lines.join('\n')}\n`;
}

// ---- reading synthesized output -----------------------------------------------------------

interface Manifest {
  readonly artifacts?: Record<
    string,
    { readonly type: string; readonly properties?: { directoryName?: string; templateFile?: string } }
  >;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** AWS: one environment per Stage (nested cloud assembly), addresses `<stack>/<logicalId>`. */
export function readCdkOut(dir: string): Snapshot {
  const snapshot: Record<string, Record<string, ResourceState>> = {};
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return snapshot;
  /** The resources of every stack listed in one assembly manifest, as `<stack>/<logical id>`. */
  const stackResources = (assemblyDir: string, manifest: Manifest): Record<string, ResourceState> => {
    const resources: Record<string, ResourceState> = {};
    for (const [stackId, stack] of Object.entries(manifest.artifacts ?? {})) {
      if (stack.type !== 'aws:cloudformation:stack' || !stack.properties?.templateFile) continue;
      const template = readJson<{ Resources?: Record<string, { Type: string; Properties?: unknown }> }>(
        join(assemblyDir, stack.properties.templateFile),
      );
      const stackName = stackId.split('/').pop() ?? stackId;
      for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
        resources[`${stackName}/${logicalId}`] = { type: resource.Type, properties: resource.Properties ?? {} };
      }
    }
    return resources;
  };
  const root = readJson<Manifest>(manifestPath);
  for (const [id, artifact] of Object.entries(root.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly') continue;
    const stageDir = join(dir, artifact.properties?.directoryName ?? id);
    snapshot[id.replace(/^assembly-/, '')] = stackResources(
      stageDir,
      readJson<Manifest>(join(stageDir, 'manifest.json')),
    );
  }
  // Stacks outside any stage (the delivery pipelines) form one more entry.
  const topLevel = stackResources(dir, root);
  if (Object.keys(topLevel).length > 0) snapshot.Delivery = topLevel;
  return snapshot;
}

/** Azure: one environment per cdktf stack, addresses `<type>.<name>`. */
export function readCdktfOut(dir: string): Snapshot {
  const snapshot: Record<string, Record<string, ResourceState>> = {};
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return snapshot;
  const manifest = readJson<{ stacks: Record<string, { synthesizedStackPath: string }> }>(manifestPath);
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    const tf = readJson<{ resource?: Record<string, Record<string, Record<string, unknown>>> }>(
      join(dir, stack.synthesizedStackPath),
    );
    const resources: Record<string, ResourceState> = {};
    for (const [type, byName] of Object.entries(tf.resource ?? {})) {
      for (const [resourceName, config] of Object.entries(byName)) {
        // `//` holds cdktf's construct path metadata, not configuration.
        const { '//': _metadata, ...properties } = config;
        resources[`${type}.${resourceName}`] = { type, properties };
      }
    }
    snapshot[name] = resources;
  }
  return snapshot;
}

function readSnapshot(root: string): Snapshot {
  return { ...readCdkOut(join(root, 'cdk.out')), ...readCdktfOut(join(root, 'cdktf.out')) };
}

// ---- synthesizing ---------------------------------------------------------------------------

const SOURCES = ['bin', 'lib', 'environments', 'scripts/synth.ts', 'cdk.json', 'cdktf.json', 'package-lock.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, entry) => Math.max(max, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** cdk.out and cdktf.out exist and are newer than every source file. */
function isFresh(root: string): boolean {
  const outputs = ['cdk.out/manifest.json', 'cdktf.out/manifest.json'].map((p) => join(root, p));
  if (!outputs.every(existsSync)) return false;
  const synthesized = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return SOURCES.every((source) => newestMtime(join(root, source)) < synthesized);
}

function synth(cwd: string): void {
  const result = spawnSync('npm', ['run', '--silent', 'synth'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`synth failed in ${cwd} (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  }
}

function git(args: readonly string[], cwd = process.cwd()): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function resolveBase(requested: string | undefined): string {
  const candidates = requested ? [requested] : ['main', 'origin/main'];
  for (const ref of candidates) {
    try {
      git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
      return ref;
    } catch {
      // try the next candidate
    }
  }
  throw new Error(`base ref ${candidates.join(' or ')} not found: fetch it (git fetch origin main) or pass --base`);
}

/** Synthesizes `ref` in a temporary worktree and reads its output; the worktree is always removed. */
function synthBase(ref: string): Snapshot {
  const dir = join(mkdtempSync(join(tmpdir(), 'mlops-diff-')), 'base');
  git(['worktree', 'add', '--detach', dir, ref]);
  try {
    symlinkSync(realpathSync('node_modules'), join(dir, 'node_modules'), 'dir');
    synth(dir);
    return readSnapshot(dir);
  } finally {
    git(['worktree', 'remove', '--force', dir]);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const markdown = args.includes('--markdown');
  const baseIndex = args.indexOf('--base');
  const base = resolveBase(baseIndex >= 0 ? args[baseIndex + 1] : undefined);
  const root = process.cwd();
  if (!isFresh(root)) synth(root);
  const head = readSnapshot(root);
  let baseSnapshot: Snapshot;
  try {
    baseSnapshot = synthBase(base);
  } catch (error) {
    // A broken base must not block the pull request that fixes it: say so instead of a diff.
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(
      markdown
        ? `## Infrastructure diff against \`${base}\`\n\n> [!WARNING]\n> The base could not be synthesized, so there is no diff.\n\n\`\`\`\n${reason.slice(0, 4000)}\n\`\`\`\n`
        : `The base ${base} could not be synthesized, so there is no diff:\n${reason}\n`,
    );
    return;
  }
  const diffs = diffSnapshots(baseSnapshot, head);
  process.stdout.write(markdown ? renderMarkdown(diffs, base) : renderText(diffs, base));
}

if (process.argv[1] && /scripts[\\/]diff\.ts$/.test(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
