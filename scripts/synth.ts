/**
 * `npm run synth`: every environment of both clouds, synthesized offline with the same CLIs a
 * deploy uses (`cdk synth`, `cdktf synth`), run side by side, then one line per environment of
 * what was produced and where.
 *
 *   npm run synth            both clouds
 *   npm run synth -- aws     AWS only (likewise azure)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type CloudName = 'aws' | 'azure';

interface Result {
  readonly cloud: CloudName;
  readonly seconds: number;
  readonly code: number;
  readonly output: string;
}

const bin = (name: string) => join('node_modules', '.bin', name);

const COMMANDS: Record<CloudName, readonly string[]> = {
  // --no-notices: notices are fetched from the internet; synthesis stays hermetic.
  aws: [bin('cdk'), 'synth', '--quiet', '--no-notices'],
  azure: [bin('cdktf'), 'synth'],
};

function run(cloud: CloudName): Promise<Result> {
  const [command, ...args] = COMMANDS[cloud];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command as string, args, {
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CDK_DISABLE_VERSION_CHECK: 'true', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('close', (code) => {
      resolve({ cloud, code: code ?? 1, output, seconds: (performance.now() - started) / 1000 });
    });
  });
}

interface SummaryLine {
  readonly text: string;
  readonly warnings: number;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

interface CloudAssemblyManifest {
  readonly artifacts?: Record<
    string,
    {
      readonly type: string;
      readonly environment?: string;
      readonly properties?: {
        readonly directoryName?: string;
        readonly templateFile?: string;
        readonly stackName?: string;
      };
      readonly metadata?: Record<string, ReadonlyArray<{ readonly type: string; readonly data: unknown }>>;
    }
  >;
}

/** Stacks, resources and warnings of the stack artifacts of one cloud assembly manifest. */
function countStacks(dir: string, manifest: CloudAssemblyManifest) {
  let stacks = 0;
  let resources = 0;
  let warnings = 0;
  let target = '';
  for (const stack of Object.values(manifest.artifacts ?? {})) {
    if (stack.type !== 'aws:cloudformation:stack') continue;
    stacks++;
    target = (stack.environment ?? '').replace('aws://', '');
    const template = readJson<{ Resources?: object }>(join(dir, stack.properties?.templateFile ?? ''));
    resources += Object.keys(template.Resources ?? {}).length;
    for (const entries of Object.values(stack.metadata ?? {})) {
      warnings += entries.filter((e) => e.type === 'aws:cdk:warning').length;
    }
  }
  return { stacks, resources, warnings, target };
}

interface ValidationReport {
  readonly pluginReports?: ReadonlyArray<{
    readonly pluginName: string;
    readonly violations?: ReadonlyArray<{
      readonly violatingConstructs?: ReadonlyArray<{ readonly constructPath: string }>;
    }>;
  }>;
}

/**
 * Warnings per construct-path prefix. With `@aws-cdk/core:annotationsInValidationReport` on,
 * construct warnings land in the validation report rather than in stack metadata.
 */
function reportedWarnings(prefix: string): number {
  let report: ValidationReport;
  try {
    report = readJson<ValidationReport>('cdk.out/validation-report.json');
  } catch {
    return 0;
  }
  return (report.pluginReports ?? [])
    .filter((plugin) => plugin.pluginName === 'Construct Annotations')
    .flatMap((plugin) => plugin.violations ?? [])
    .flatMap((violation) => violation.violatingConstructs ?? [])
    .filter((construct) => construct.constructPath.startsWith(prefix)).length;
}

function awsLine(name: string, counts: ReturnType<typeof countStacks>, where: string, path: string): SummaryLine {
  const { stacks, resources, target } = counts;
  const warnings = counts.warnings + reportedWarnings(path);
  return {
    warnings,
    text:
      `  ${name.padEnd(21)} aws   ${target.padEnd(26)} ${stacks} stack${stacks === 1 ? ' ' : 's'} ` +
      `${String(resources).padStart(4)} resources  ${warnings} warnings  ${where}`,
  };
}

/**
 * One line per AWS stage (its folder holds the stage's templates), one for the delivery stacks at
 * the top of the assembly.
 */
function summariseAws(): SummaryLine[] {
  const root = readJson<CloudAssemblyManifest>('cdk.out/manifest.json');
  const lines: SummaryLine[] = [];
  for (const [id, artifact] of Object.entries(root.artifacts ?? {})) {
    if (artifact.type !== 'cdk:cloud-assembly') continue;
    const dir = join('cdk.out', artifact.properties?.directoryName ?? id);
    const stage = id.replace(/^assembly-/, '');
    const name = stage;
    const counts = countStacks(dir, readJson<CloudAssemblyManifest>(join(dir, 'manifest.json')));
    lines.push(awsLine(name, counts, `${dir}/`, `${stage.replace('-', '/')}/`));
  }
  const tooling = countStacks('cdk.out', root);
  if (tooling.stacks > 0) {
    lines.push(awsLine('Delivery', tooling, 'cdk.out/ (Delivery*.template.json)', 'DeliveryModels/'));
  }
  return lines;
}

interface TerraformManifest {
  readonly stacks: Record<
    string,
    { readonly synthesizedStackPath: string; readonly annotations?: ReadonlyArray<{ level: string }> }
  >;
}

/** One line per Azure stack: resources, warnings, and its Terraform JSON. */
function summariseAzure(): SummaryLine[] {
  const manifest = readJson<TerraformManifest>('cdktf.out/manifest.json');
  return Object.entries(manifest.stacks).map(([name, stack]) => {
    const file = join('cdktf.out', stack.synthesizedStackPath);
    const tf = readJson<{
      resource?: Record<string, object>;
      provider?: { azurerm?: Array<{ subscription_id?: string }> };
    }>(file);
    const resources = Object.values(tf.resource ?? {}).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
    const location = findLocation(tf) ?? '';
    const subscription = tf.provider?.azurerm?.[0]?.subscription_id ?? '';
    const warnings = (stack.annotations ?? []).filter((a) => a.level === 'warn').length;
    return {
      warnings,
      text:
        `  ${name.padEnd(21)} azure ${`${subscription.slice(0, 8)}…/${location}`.padEnd(26)} 1 stack  ` +
        `${String(resources).padStart(4)} resources  ${warnings} warnings  ${file}`,
    };
  });
}

function findLocation(tf: { resource?: Record<string, object> }): string | undefined {
  const groups = (tf.resource?.azurerm_resource_group ?? {}) as Record<string, { location?: string }>;
  return Object.values(groups)[0]?.location;
}

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((a): a is CloudName => a === 'aws' || a === 'azure');
  const clouds: CloudName[] = requested.length > 0 ? requested : ['aws', 'azure'];
  const started = performance.now();
  const results = await Promise.all(clouds.map(run));
  let failed = false;
  for (const result of results) {
    if (result.code !== 0) {
      failed = true;
      console.error(`\n${result.cloud}: synth failed (exit ${result.code}):\n${result.output.trim()}\n`);
    }
  }
  if (failed) process.exit(1);

  console.log('Synthesized (offline, no credentials):');
  let totalWarnings = 0;
  for (const result of results) {
    const lines = result.cloud === 'aws' ? summariseAws() : summariseAzure();
    for (const line of lines) {
      console.log(line.text);
      totalWarnings += line.warnings;
    }
    console.log(`  ${result.cloud} took ${result.seconds.toFixed(1)} s`);
  }
  if (totalWarnings > 0) {
    console.log(`${totalWarnings} warnings: read them with \`npx cdk synth --quiet\` or \`npx cdktf synth\`.`);
  }
  console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

void main();
