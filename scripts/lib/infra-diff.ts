/**
 * The core of `npm run diff`: pure functions from two sets of synthesized templates (base and
 * head) to the resource changes per environment. No git, no synthesis, no files: the tests call
 * these directly.
 *
 * - AWS: `fullDiff` of @aws-cdk/cloudformation-diff per stack (the engine behind `cdk diff`),
 *   whose `changeImpact` says, from the CloudFormation resource specification, whether a property
 *   change updates the resource in place, replaces it, or may replace it.
 * - Azure: Terraform JSON compared argument by argument; replacement from the azurerm provider's
 *   ForceNew arguments (azurerm-force-new.ts), and for resources whose ForceNew argument refers to
 *   a replaced resource (its id is then known only after apply).
 *
 * Without credentials there is no change set or plan: `cdk diff` against the account and
 * `terraform plan` remain the authority (values resolved at deploy time are not seen here).
 */
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import { CDK_METADATA_TYPE, type CfnTemplate } from './aws-assembly';
import { AZURERM_FORCE_NEW, AZURERM_NODE_ROTATION } from './azurerm-force-new';
import type { TerraformBlock, TerraformJson } from './cdktf-output';

export type Impact = 'create' | 'update' | 'may-replace' | 'replace' | 'orphan' | 'destroy';

export interface PropertyChange {
  /** `BucketName`, `VersioningConfiguration`; on Azure dotted with indices: `network_profile.pod_cidr`. */
  readonly path: string;
  /** undefined when the property is absent on that side. */
  readonly before: unknown;
  readonly after: unknown;
  /** This change alone replaces the resource (`always`) or may (`may`). */
  readonly replaces?: 'always' | 'may';
}

export interface ResourceChange {
  readonly impact: Impact;
  /** `<stack>/<logical id>` on AWS, `<type>.<name>` on Azure. */
  readonly address: string;
  readonly type: string;
  /** Changed properties with old and new values (updates and replacements). */
  readonly properties: readonly PropertyChange[];
  /** Why it is replaced, what else happens. */
  readonly notes: readonly string[];
  /** The type holds data, keys, images, logs or a cluster (STATEFUL_TYPES). */
  readonly stateful: boolean;
}

export interface EnvironmentDiff {
  readonly environment: string;
  readonly cloud: 'aws' | 'azure';
  readonly changes: readonly ResourceChange[];
}

/** Templates of one AWS environment by stack id (`Platform`, `ModelDelivery`). */
export type StackTemplates = Readonly<Record<string, CfnTemplate>>;

/** Synthesized output of both clouds: AWS environments by name, Azure stacks by name. */
export interface Snapshot {
  readonly aws: Readonly<Record<string, StackTemplates>>;
  readonly azure: Readonly<Record<string, TerraformJson>>;
}

/** Data stores, keys, secrets, registries, logs and clusters: replacing or deleting them loses something. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  // AWS
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::ECR::Repository',
  'AWS::EKS::Cluster',
  'Custom::AWSCDK-EKS-Cluster',
  'AWS::Logs::LogGroup',
  'AWS::SecretsManager::Secret',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::EFS::FileSystem',
  'AWS::FSx::FileSystem',
  'AWS::Kinesis::Stream',
  'AWS::OpenSearchService::Domain',
  'AWS::Backup::BackupVault',
  'AWS::SageMaker::FeatureGroup',
  'AWS::SageMaker::ModelPackageGroup',
  'AWS::CodeArtifact::Repository',
  // Azure
  'azurerm_resource_group',
  'azurerm_storage_account',
  'azurerm_storage_container',
  'azurerm_storage_share',
  'azurerm_key_vault',
  'azurerm_key_vault_key',
  'azurerm_key_vault_secret',
  'azurerm_container_registry',
  'azurerm_kubernetes_cluster',
  'azurerm_log_analytics_workspace',
  'azurerm_application_insights',
  'azurerm_machine_learning_workspace',
  'azurerm_managed_disk',
  'azurerm_cosmosdb_account',
  'azurerm_postgresql_flexible_server',
  'azurerm_mssql_database',
  'azurerm_redis_cache',
  'azurerm_recovery_services_vault',
]);

/** A replaced, possibly replaced, destroyed or orphaned stateful resource: to be called out. */
export function isLoud(change: ResourceChange): boolean {
  return change.stateful && change.impact !== 'create' && change.impact !== 'update';
}

const ORDER: Readonly<Record<Impact, number>> = {
  destroy: 0,
  orphan: 1,
  replace: 2,
  'may-replace': 3,
  update: 4,
  create: 5,
};

function byImpact(a: ResourceChange, b: ResourceChange): number {
  return ORDER[a.impact] - ORDER[b.impact] || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
}

/** JSON with sorted keys, so that key order never counts as a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Top-level properties that differ between two property maps, with their values. */
function topLevelChanges(before: unknown, after: unknown): PropertyChange[] {
  const a = isRecord(before) ? before : {};
  const b = isRecord(after) ? after : {};
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort()
    .filter((k) => canonical(a[k]) !== canonical(b[k]))
    .map((k) => ({ path: k, before: a[k], after: b[k] }));
}

interface Removal {
  readonly address: string;
  readonly type: string;
  readonly config: unknown;
  readonly orphaned: boolean;
}

interface Addition {
  readonly address: string;
  readonly type: string;
  readonly config: unknown;
}

/**
 * Pairs additions with removals of the same type: a renamed construct id (AWS logical id) or
 * resource address (Terraform) creates a new resource and deletes the old one. A pair is made when
 * the configuration is identical, or when it is the only addition and removal of that type.
 */
function pairRenames(
  additions: readonly Addition[],
  removals: readonly Removal[],
  describeOld: (removal: Removal) => string,
): { paired: ResourceChange[]; additions: Addition[]; removals: Removal[] } {
  const paired: ResourceChange[] = [];
  const leftAdditions = [...additions];
  const leftRemovals = [...removals];
  const take = (addition: Addition, removal: Removal) => {
    leftAdditions.splice(leftAdditions.indexOf(addition), 1);
    leftRemovals.splice(leftRemovals.indexOf(removal), 1);
    paired.push({
      impact: 'replace',
      address: addition.address,
      type: addition.type,
      properties: topLevelChanges(removal.config, addition.config),
      notes: [describeOld(removal)],
      stateful: STATEFUL_TYPES.has(addition.type),
    });
  };
  for (const addition of [...leftAdditions]) {
    const twin = leftRemovals.find(
      (r) => r.type === addition.type && canonical(r.config) === canonical(addition.config),
    );
    if (twin) take(addition, twin);
  }
  for (const type of new Set(leftAdditions.map((a) => a.type))) {
    const adds = leftAdditions.filter((a) => a.type === type);
    const removes = leftRemovals.filter((r) => r.type === type);
    if (adds.length === 1 && removes.length === 1) take(adds[0] as Addition, removes[0] as Removal);
  }
  return { paired, additions: leftAdditions, removals: leftRemovals };
}

// ---- AWS --------------------------------------------------------------------------------------

/** Resource attributes whose change alone does nothing to the resource: CDK's path metadata, ordering. */
const AWS_IGNORED_ATTRIBUTES: ReadonlySet<string> = new Set(['Metadata', 'DependsOn']);

const IMPACT_OF: Readonly<Record<ResourceImpact, Impact | undefined>> = {
  [ResourceImpact.WILL_CREATE]: 'create',
  [ResourceImpact.WILL_UPDATE]: 'update',
  [ResourceImpact.WILL_REPLACE]: 'replace',
  [ResourceImpact.MAY_REPLACE]: 'may-replace',
  [ResourceImpact.WILL_DESTROY]: 'destroy',
  [ResourceImpact.WILL_ORPHAN]: 'orphan',
  [ResourceImpact.WILL_IMPORT]: 'create',
  [ResourceImpact.NO_CHANGE]: undefined,
};

/** The resource changes of one AWS environment, stack by stack. */
export function diffAwsStacks(before: StackTemplates, after: StackTemplates): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const stack of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const diff = fullDiff(before[stack] ?? {}, after[stack] ?? {});
    const additions: Addition[] = [];
    const removals: Removal[] = [];
    diff.resources.forEachDifference((logicalId, rd) => {
      const type = rd.newResourceType ?? rd.oldResourceType ?? 'unknown';
      if (rd.oldResourceType === CDK_METADATA_TYPE || rd.newResourceType === CDK_METADATA_TYPE) return;
      const address = `${stack}/${logicalId}`;
      if (rd.isAddition) {
        additions.push({ address, type, config: rd.newValue?.Properties ?? {} });
        return;
      }
      if (rd.isRemoval) {
        const orphaned = rd.changeImpact === ResourceImpact.WILL_ORPHAN;
        removals.push({ address, type, config: rd.oldValue?.Properties ?? {}, orphaned });
        return;
      }
      const properties: PropertyChange[] = [];
      for (const [path, pd] of Object.entries(rd.propertyUpdates)) {
        const replaces =
          pd.changeImpact === ResourceImpact.WILL_REPLACE
            ? 'always'
            : pd.changeImpact === ResourceImpact.MAY_REPLACE
              ? 'may'
              : undefined;
        properties.push({ path, before: pd.oldValue, after: pd.newValue, ...(replaces ? { replaces } : {}) });
      }
      for (const [path, d] of Object.entries(rd.otherChanges)) {
        if (AWS_IGNORED_ATTRIBUTES.has(path)) continue;
        properties.push({ path, before: d.oldValue, after: d.newValue });
      }
      if (properties.length === 0 && !rd.resourceTypeChanged) return;
      const notes = rd.resourceTypeChanged ? [`type ${rd.oldResourceType} → ${rd.newResourceType}`] : [];
      // Properties the specification does not know (custom resources) leave NO_CHANGE: still an update.
      const impact = IMPACT_OF[rd.changeImpact] ?? 'update';
      changes.push({ impact, address, type, properties, notes, stateful: STATEFUL_TYPES.has(type) });
    });
    const renamed = pairRenames(additions, removals, (old) =>
      old.orphaned
        ? `logical id changed from ${old.address}: the old one stays in the account, no longer managed (DeletionPolicy Retain), and a new one is created`
        : `logical id changed from ${old.address}: the old one is deleted and a new one created`,
    );
    changes.push(...renamed.paired);
    for (const a of renamed.additions) {
      changes.push({ impact: 'create', address: a.address, type: a.type, properties: [], notes: [], stateful: false });
    }
    for (const r of renamed.removals) {
      changes.push({
        impact: r.orphaned ? 'orphan' : 'destroy',
        address: r.address,
        type: r.type,
        properties: [],
        notes: r.orphaned ? ['DeletionPolicy Retain: removed from the stack, kept in the account'] : [],
        stateful: STATEFUL_TYPES.has(r.type),
      });
    }
  }
  return changes.sort(byImpact);
}

// ---- Azure ------------------------------------------------------------------------------------

/** Keys of a Terraform JSON resource block that are not arguments of the resource. */
const TERRAFORM_META: ReadonlySet<string> = new Set([
  '//',
  'depends_on',
  'lifecycle',
  'provider',
  'provisioner',
  'connection',
]);

/** Every azurerm resource id holds its name, resource group and (for most) location. */
const AZURERM_DEFAULT_FORCE_NEW = ['name', 'resource_group_name', 'location'];

interface TfResource {
  readonly type: string;
  readonly arguments: Record<string, unknown>;
  readonly preventDestroy: boolean;
}

function terraformResources(tf: TerraformJson | undefined): Map<string, TfResource> {
  const resources = new Map<string, TfResource>();
  for (const [type, byName] of Object.entries(tf?.resource ?? {})) {
    for (const [name, block] of Object.entries(byName)) {
      const args = Object.fromEntries(Object.entries(block as TerraformBlock).filter(([k]) => !TERRAFORM_META.has(k)));
      const lifecycle = (block as TerraformBlock).lifecycle;
      resources.set(`${type}.${name}`, {
        type,
        arguments: args,
        preventDestroy: isRecord(lifecycle) && lifecycle.prevent_destroy === true,
      });
    }
  }
  return resources;
}

/**
 * The changed leaves between two argument values: objects (nested blocks, maps) key by key,
 * arrays of blocks element by element when their length is unchanged, anything else as a whole.
 */
export function changedPaths(before: unknown, after: unknown, path = ''): PropertyChange[] {
  if (canonical(before) === canonical(after)) return [];
  const join = (key: string) => (path ? `${path}.${key}` : key);
  if (isRecord(before) && isRecord(after)) {
    return [...new Set([...Object.keys(before), ...Object.keys(after)])]
      .sort()
      .flatMap((key) => changedPaths(before[key], after[key], join(key)));
  }
  if (
    Array.isArray(before) &&
    Array.isArray(after) &&
    before.length === after.length &&
    before.every(isRecord) &&
    after.every(isRecord)
  ) {
    return before.flatMap((item, i) => changedPaths(item, after[i], `${path}[${i}]`));
  }
  return [{ path, before, after }];
}

/** Whether a change at `path` (indices dropped) touches the ForceNew argument `argument`. */
function touches(path: string, argument: string): boolean {
  // The argument itself or a value inside it (a map or list attribute), or a block around it
  // that was added or removed.
  return path === argument || path.startsWith(`${argument}.`) || argument.startsWith(`${path}.`);
}

/** Whether changing `path` of an azurerm resource of `type` replaces it. */
export function azurermReplacement(type: string, path: string): 'always' | 'may' | undefined {
  const spec = AZURERM_FORCE_NEW[type];
  const normal = path.replace(/\[\d+\]/g, '');
  const always = spec?.always ?? (type.startsWith('azurerm_') ? AZURERM_DEFAULT_FORCE_NEW : []);
  if (always.some((argument) => touches(normal, argument))) return 'always';
  if ((spec?.blocks ?? []).some((block) => normal === block)) return 'always';
  if ((spec?.conditional ?? []).some((argument) => touches(normal, argument))) return 'may';
  return undefined;
}

function rotatesNodes(type: string, paths: readonly string[]): boolean {
  const rotating = AZURERM_NODE_ROTATION[type] ?? [];
  return paths.some((p) => rotating.some((argument) => touches(p.replace(/\[\d+\]/g, ''), argument)));
}

/** Every string value in a resource's arguments with its path (list items keep the list's path). */
function stringValues(resource: TfResource): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      out.push({ path, value });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(item, isRecord(item) ? `${path}[${i}]` : path);
      });
    } else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    }
  };
  walk(resource.arguments, '');
  return out;
}

/** `${type.name.attribute}` references in a Terraform expression. */
const REFERENCE = /\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)/g;

/**
 * The first reference in `value` to an attribute of a replaced resource that is unknown until
 * apply: its `id` and other computed attributes. An argument set in its configuration (`name`)
 * keeps its value across the replacement.
 */
function unknownReference(
  value: string,
  replaced: ReadonlySet<string>,
  resources: ReadonlyMap<string, TfResource>,
): string | undefined {
  for (const [, address, attribute] of value.matchAll(REFERENCE)) {
    if (!address || !attribute || !replaced.has(address)) continue;
    if (attribute in (resources.get(address)?.arguments ?? {})) continue;
    return `${address}.${attribute}`;
  }
  return undefined;
}

/** The resource changes of one Terraform stack. */
export function diffTerraform(before: TerraformJson | undefined, after: TerraformJson | undefined): ResourceChange[] {
  const old = terraformResources(before);
  const now = terraformResources(after);
  const movedFrom = new Map((after?.moved ?? []).map((m) => [m.to, m.from]));
  const changes = new Map<string, ResourceChange>();
  const additions: Addition[] = [];
  const consumed = new Set<string>();

  const compare = (address: string, previous: TfResource, current: TfResource, notes: string[]) => {
    const properties = changedPaths(previous.arguments, current.arguments).map((p) => {
      const replaces = azurermReplacement(current.type, p.path);
      return replaces ? { ...p, replaces } : p;
    });
    if (properties.length === 0 && notes.length === 0) return;
    const replaced = properties.some((p) => p.replaces === 'always');
    const impact: Impact = replaced
      ? 'replace'
      : properties.some((p) => p.replaces === 'may')
        ? 'may-replace'
        : 'update';
    const allNotes = [...notes];
    if (
      !replaced &&
      rotatesNodes(
        current.type,
        properties.map((p) => p.path),
      )
    ) {
      allNotes.push('every node of the pool is replaced: the provider cycles it through temporary_name_for_rotation');
    }
    if (impact !== 'update' && previous.preventDestroy) {
      allNotes.push('lifecycle.prevent_destroy is set: terraform plan stops with an error instead of replacing it');
    }
    changes.set(address, {
      impact,
      address,
      type: current.type,
      properties,
      notes: allNotes,
      stateful: STATEFUL_TYPES.has(current.type),
    });
  };

  for (const [address, current] of now) {
    const previous = old.get(address);
    if (previous) {
      consumed.add(address);
      compare(address, previous, current, []);
      continue;
    }
    const from = movedFrom.get(address);
    const moved = from ? old.get(from) : undefined;
    if (from && moved) {
      consumed.add(from);
      compare(address, moved, current, [`moved from ${from} (moved block): same resource, new address`]);
      continue;
    }
    additions.push({ address, type: current.type, config: current.arguments });
  }
  const removals: Removal[] = [...old]
    .filter(([address]) => !consumed.has(address))
    .map(([address, r]) => ({ address, type: r.type, config: r.arguments, orphaned: false }));

  const renamed = pairRenames(
    additions,
    removals,
    (r) => `address changed from ${r.address}: destroyed and created again (a moved block would keep it)`,
  );
  for (const change of renamed.paired) {
    changes.set(change.address, {
      ...change,
      properties: change.properties.map((p) => {
        const replaces = azurermReplacement(change.type, p.path);
        return replaces ? { ...p, replaces } : p;
      }),
    });
  }
  for (const a of renamed.additions) {
    changes.set(a.address, {
      impact: 'create',
      address: a.address,
      type: a.type,
      properties: [],
      notes: [],
      stateful: false,
    });
  }
  for (const r of renamed.removals) {
    changes.set(r.address, {
      impact: 'destroy',
      address: r.address,
      type: r.type,
      properties: [],
      notes: [],
      stateful: STATEFUL_TYPES.has(r.type),
    });
  }

  // An argument that refers to a computed attribute of a replaced resource (`${azurerm_subnet.x.id}`)
  // is unknown until apply. Terraform replaces a resource whose ForceNew argument is unknown (and
  // so on, to a fixpoint); any other such argument is an in-place update.
  const followed = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    const replaced = new Set([...changes.values()].filter((c) => c.impact === 'replace').map((c) => c.address));
    for (const [address, current] of now) {
      const change = changes.get(address);
      if (change && (change.impact === 'replace' || change.impact === 'create')) continue;
      const references = stringValues(current).flatMap(({ path, value }) => {
        const reference = unknownReference(value, replaced, now);
        return reference ? [{ path, reference, forces: azurermReplacement(current.type, path) === 'always' }] : [];
      });
      const forcing = references.find((r) => r.forces);
      const reason = (r: { path: string; reference: string }) =>
        `follows the replacement of ${r.reference.replace(/\.[a-z0-9_]+$/, '')}: ${r.path} refers to ${r.reference}, known only after apply`;
      if (forcing) {
        changes.set(address, {
          impact: 'replace',
          address,
          type: current.type,
          properties: change?.properties ?? [],
          notes: [...(change?.notes ?? []), reason(forcing)],
          stateful: STATEFUL_TYPES.has(current.type),
        });
        grew = true;
      } else if (references.length > 0 && !followed.has(address)) {
        followed.add(address);
        const rotation = rotatesNodes(
          current.type,
          references.map((r) => r.path),
        )
          ? ['every node of the pool is replaced: the provider cycles it through temporary_name_for_rotation']
          : [];
        const notes = [...(change?.notes ?? []), reason(references[0] as (typeof references)[number])];
        for (const note of rotation) if (!notes.includes(note)) notes.push(note);
        changes.set(address, {
          impact: change?.impact ?? 'update',
          address,
          type: current.type,
          properties: change?.properties ?? [],
          notes,
          stateful: STATEFUL_TYPES.has(current.type),
        });
      }
    }
  }
  return [...changes.values()].sort(byImpact);
}

// ---- both -------------------------------------------------------------------------------------

/** Every environment of either snapshot, with its changes (empty when nothing changed). */
export function diffSnapshots(base: Snapshot, head: Snapshot): EnvironmentDiff[] {
  const names = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return [
    ...names(base.aws, head.aws).map(
      (environment): EnvironmentDiff => ({
        environment,
        cloud: 'aws',
        changes: diffAwsStacks(base.aws[environment] ?? {}, head.aws[environment] ?? {}),
      }),
    ),
    ...names(base.azure, head.azure).map(
      (environment): EnvironmentDiff => ({
        environment,
        cloud: 'azure',
        changes: diffTerraform(base.azure[environment], head.azure[environment]),
      }),
    ),
  ];
}
