/**
 * The Azure side of what `cdktf synth` wrote. `cdktf.out/manifest.json` is CDK for Terraform's own
 * format and no library reads it back, so this is a small typed reader whose types mirror cdktf
 * 0.21's `IManifest`, `StackManifest` and `StackAnnotation` (node_modules/cdktf/lib/manifest.d.ts).
 * It does not import cdktf: scripts stay free of it (cdktf imports live in lib/azure and
 * bin/azure.ts only).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from './aws-assembly';

/**
 * Annotation levels as cdktf writes them (`AnnotationMetadataEntryType` in
 * node_modules/cdktf/lib/annotations.js); `cdktf synth` prints them as INFO / WARN / ERROR.
 */
export const CDKTF_LEVEL = { info: '@cdktf/info', warn: '@cdktf/warn', error: '@cdktf/error' } as const;

export interface CdktfAnnotation {
  readonly constructPath: string;
  readonly level: string;
  readonly message: string;
  readonly stacktrace?: readonly string[];
}

export interface CdktfStackManifest {
  readonly name: string;
  readonly constructPath: string;
  /** Relative to the output folder: `stacks/<name>/cdk.tf.json`. */
  readonly synthesizedStackPath: string;
  readonly workingDirectory: string;
  readonly annotations?: readonly CdktfAnnotation[];
  readonly dependencies?: readonly string[];
}

export interface CdktfManifest {
  readonly version: string;
  readonly stacks: Readonly<Record<string, CdktfStackManifest>>;
}

/** One resource block of Terraform JSON: its arguments, plus `//` (cdktf metadata) and meta-arguments. */
export type TerraformBlock = Readonly<Record<string, unknown>>;

/** Terraform JSON as cdktf writes it, as far as the scripts read it. */
export interface TerraformJson {
  readonly resource?: Readonly<Record<string, Readonly<Record<string, TerraformBlock>>>>;
  readonly provider?: Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;
  /** `moved` blocks: `{ from: 'type.old', to: 'type.new' }`. */
  readonly moved?: readonly { readonly from: string; readonly to: string }[];
  readonly [section: string]: unknown;
}

export interface CdktfStack {
  readonly name: string;
  /** Path of the stack's Terraform JSON, as given (`cdktf.out/stacks/<name>/cdk.tf.json`). */
  readonly file: string;
  readonly tf: TerraformJson;
  readonly findings: readonly Finding[];
}

/** Every stack of the cdktf output folder `dir`, with its Terraform JSON and its warnings and errors. */
export function readCdktfOutput(dir: string): CdktfStack[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as CdktfManifest;
  return Object.values(manifest.stacks)
    .map((stack) => {
      const file = join(dir, stack.synthesizedStackPath);
      return {
        name: stack.name,
        file,
        tf: JSON.parse(readFileSync(file, 'utf8')) as TerraformJson,
        findings: annotationFindings(stack.annotations ?? []),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Warnings and errors among a stack's annotations (info is left out). */
export function annotationFindings(annotations: readonly CdktfAnnotation[]): Finding[] {
  return annotations.flatMap((a): Finding[] => {
    if (a.level === CDKTF_LEVEL.warn)
      return [{ level: 'warning', source: 'cdktf', path: a.constructPath, message: a.message }];
    if (a.level === CDKTF_LEVEL.error)
      return [{ level: 'error', source: 'cdktf', path: a.constructPath, message: a.message }];
    return [];
  });
}

/** Number of resource blocks (data sources are not counted). */
export function terraformResourceCount(tf: TerraformJson): number {
  return Object.values(tf.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
}

/**
 * Where a stack deploys: `<subscription>/<location>` for azurerm (the location of its first
 * resource group), else the provider and its owner or organization (`github/example-org`).
 */
export function terraformTarget(tf: TerraformJson): string {
  const azurerm = tf.provider?.azurerm?.[0];
  if (azurerm) {
    const groups = Object.values(tf.resource?.azurerm_resource_group ?? {});
    const location = groups.map((g) => g.location).find((l) => typeof l === 'string') ?? '?';
    return `${String(azurerm.subscription_id ?? '?')}/${String(location)}`;
  }
  const [name, configs] = Object.entries(tf.provider ?? {})[0] ?? [];
  if (!name) return '-';
  const config = configs?.[0] ?? {};
  const owner = config.owner ?? config.organization;
  return typeof owner === 'string' ? `${name}/${owner}` : name;
}
