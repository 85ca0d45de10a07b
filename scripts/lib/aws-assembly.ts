/**
 * The AWS side of what `cdk synth` wrote, read through the CDK's own libraries: the cloud
 * assembly (`CloudAssembly` of aws-cdk-lib/cx-api: stacks, the nested assemblies of stages, stack
 * metadata, templates) and the validation report (`Manifest.loadValidationReport` of
 * aws-cdk-lib/cloud-assembly-schema, which checks it against its schema).
 *
 * The assembly is grouped the way it is deployed: one group per top-level Stage (an environment:
 * `npx cdk deploy 'Staging/*'`) and one per stack outside any stage (`npx cdk deploy Delivery`).
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { PolicyValidationReportJson } from 'aws-cdk-lib/cloud-assembly-schema';
import { Manifest } from 'aws-cdk-lib/cloud-assembly-schema';
import {
  CloudAssembly,
  type CloudFormationStackArtifact,
  type NestedCloudAssemblyArtifact,
  SynthesisMessageLevel,
} from 'aws-cdk-lib/cx-api';

/** A CloudFormation template, as far as the scripts read it. */
export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly [key: string]: unknown }>>;
  readonly [section: string]: unknown;
}

export interface AwsStack {
  /** Construct path below its group: `Platform` in stage `Staging`; the stack id for a top-level stack. */
  readonly id: string;
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** `<account>/<region>` */
  readonly target: string;
  /** Path of the template file (relative to the working directory when possible). */
  readonly templateFile: string;
  readonly template: CfnTemplate;
}

export interface AwsGroup {
  /** Stage path (`Staging`) or top-level stack id (`Delivery`). */
  readonly name: string;
  readonly kind: 'stage' | 'stack';
  /** Where its output is: the stage's assembly folder or the stack's template. */
  readonly output: string;
  readonly stacks: readonly AwsStack[];
}

/** A warning (or error) reported at synthesis, attributed to the construct that raised it. */
export interface Finding {
  readonly level: 'warning' | 'error';
  /** The validation plugin (`Construct Annotations`, `CloudFormation Validate`, a cdk-nag pack) and rule. */
  readonly source: string;
  /** Construct path, without a leading slash (`Production` for the stage itself). */
  readonly path: string;
  readonly message: string;
}

export interface AwsOutput {
  readonly groups: readonly AwsGroup[];
  /** Stacks left out because another group already deploys the same stack to the same place. */
  readonly duplicates: readonly string[];
  /** Findings by group name; `(app)` holds those outside every group. */
  readonly findings: ReadonlyMap<string, readonly Finding[]>;
}

/** The name findings outside every stage and top-level stack are listed under. */
export const APP_GROUP = '(app)';

/** The validation plugin that carries construct annotations when the feature flag is on. */
export const ANNOTATIONS_PLUGIN = 'Construct Annotations';

const display = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') ? rel : path;
};

const targetOf = (stack: CloudFormationStackArtifact) => `${stack.environment.account}/${stack.environment.region}`;

/** Every stack of a nested assembly and of the assemblies nested in it, own stacks first. */
function stacksOf(nested: NestedCloudAssemblyArtifact): CloudFormationStackArtifact[] {
  const assembly = nested.nestedAssembly;
  return [...assembly.stacks, ...assembly.nestedAssemblies.flatMap(stacksOf)];
}

/**
 * Reads the cloud assembly in `dir`: the groups with their stacks and templates, and every
 * warning and error of the validation report (or, when the report holds no construct annotations,
 * those of the stack metadata).
 */
export function readAwsOutput(dir: string): AwsOutput {
  const assembly = new CloudAssembly(dir);
  const groups: AwsGroup[] = [];
  const duplicates: string[] = [];
  const deployed = new Set<string>();
  // A stack is deployed once per account, region and name: a copy of a stage nested deeper (a
  // pipeline's own copy of an application stage) is the same deployment, listed once, under the
  // group closest to the root.
  const keep = (stack: CloudFormationStackArtifact) => {
    const key = `${targetOf(stack)}/${stack.stackName}`;
    if (deployed.has(key)) {
      duplicates.push(stack.hierarchicalId);
      return false;
    }
    deployed.add(key);
    return true;
  };
  const toStack = (stack: CloudFormationStackArtifact, prefix: string): AwsStack => ({
    id:
      prefix && stack.hierarchicalId.startsWith(`${prefix}/`)
        ? stack.hierarchicalId.slice(prefix.length + 1)
        : stack.hierarchicalId,
    stackName: stack.stackName,
    target: targetOf(stack),
    templateFile: display(stack.templateFullPath),
    template: stack.template as CfnTemplate,
  });

  // Shallow stages first, so that a top-level stage wins over a copy of it nested in another; then
  // the stacks outside any stage. Otherwise in the app's order.
  const stages = [...assembly.nestedAssemblies].sort(
    (a, b) => a.displayName.split('/').length - b.displayName.split('/').length,
  );
  // Copies whose every stack another group deploys: their findings repeat the original's.
  const copies: string[] = [];
  for (const nested of stages) {
    const name = nested.displayName;
    const stacks = stacksOf(nested)
      .filter(keep)
      .map((stack) => toStack(stack, name));
    if (stacks.length === 0) {
      copies.push(name);
      continue;
    }
    groups.push({ name, kind: 'stage', output: `${display(join(dir, nested.directoryName))}/`, stacks });
  }
  for (const stack of assembly.stacks) {
    if (!keep(stack)) continue;
    groups.push({
      name: stack.hierarchicalId,
      kind: 'stack',
      output: display(stack.templateFullPath),
      stacks: [toStack(stack, '')],
    });
  }

  const reportFile = join(dir, 'validation-report.json');
  const report = existsSync(reportFile) ? Manifest.loadValidationReport(reportFile) : undefined;
  const hasAnnotations = report?.pluginReports.some((plugin) => plugin.pluginName === ANNOTATIONS_PLUGIN) ?? false;
  const findings = reportFindings(report);
  if (!hasAnnotations) findings.push(...metadataFindings(assembly));
  const attributed = attributeFindings(findings, [...groups.map((g) => g.name), ...copies]);
  for (const copy of copies) attributed.delete(copy);
  return { groups, duplicates, findings: attributed };
}

/** Every warning and error of a validation report, one per violating construct. */
export function reportFindings(report: PolicyValidationReportJson | undefined): Finding[] {
  const findings: Finding[] = [];
  for (const plugin of report?.pluginReports ?? []) {
    for (const violation of plugin.violations) {
      const level = violation.severity === 'warning' ? 'warning' : violation.severity === 'info' ? undefined : 'error';
      if (!level) continue;
      const rule = violation.ruleName.replace(/^Annotation::/, '');
      for (const construct of violation.violatingConstructs) {
        findings.push({
          level,
          source: plugin.pluginName === ANNOTATIONS_PLUGIN ? rule : `${plugin.pluginName} ${rule}`,
          path: construct.constructPath,
          message: violation.description,
        });
      }
    }
  }
  return findings;
}

/** `addWarningV2(id, message)` writes `<message> [ack: <id>]` into the metadata. */
const ACK_SUFFIX = / \[ack: ([^\]]+)\]$/;

/**
 * Warnings and errors of the stacks' metadata, for assemblies synthesized without
 * `@aws-cdk/core:annotationsInValidationReport` (annotations of a Stage itself are not in any
 * stack's metadata then).
 */
function metadataFindings(assembly: CloudAssembly): Finding[] {
  const stacks = [...assembly.stacks, ...assembly.nestedAssemblies.flatMap(stacksOf)];
  return stacks.flatMap((stack) =>
    stack.messages
      .filter((m) => m.level !== SynthesisMessageLevel.INFO)
      .map(
        (m): Finding => ({
          level: m.level === SynthesisMessageLevel.ERROR ? 'error' : 'warning',
          source: ACK_SUFFIX.exec(String(m.entry.data))?.[1] ?? 'metadata',
          path: m.id.replace(/^\//, ''),
          message: String(m.entry.data).replace(ACK_SUFFIX, ''),
        }),
      ),
  );
}

/**
 * Findings by the group whose root is the longest prefix of their construct path: `Production`
 * (the stage itself) and `Production/Platform/...` both belong to `Production`. The rest goes to
 * `(app)`, so that nothing is dropped. Identical findings are listed once.
 */
export function attributeFindings(findings: readonly Finding[], roots: readonly string[]): Map<string, Finding[]> {
  const byLength = [...roots].sort((a, b) => b.length - a.length);
  const result = new Map<string, Finding[]>();
  const seen = new Set<string>();
  for (const finding of findings) {
    const key = JSON.stringify([finding.level, finding.path, finding.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    const root = byLength.find((r) => finding.path === r || finding.path.startsWith(`${r}/`)) ?? APP_GROUP;
    const list = result.get(root) ?? [];
    list.push(finding);
    result.set(root, list);
  }
  return result;
}

/** The type of the resource the CLI adds to every stack to report construct usage: not infrastructure. */
export const CDK_METADATA_TYPE = 'AWS::CDK::Metadata';

/** Resources of a template, without the CLI's `CDKMetadata`. */
export function resourceCount(template: CfnTemplate): number {
  return Object.values(template.Resources ?? {}).filter((r) => r.Type !== CDK_METADATA_TYPE).length;
}
