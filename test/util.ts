/**
 * Shared fixtures. Environments come from `environments/` (so tests exercise what ships) and are
 * varied with `vary()`; apps are built exactly as bin/ builds them, with cdk.json's context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdktf';
import type { IConstruct } from 'constructs';
import { environments } from '../environments';
import { azHybrid } from '../environments/az-hybrid';
import { azProduction } from '../environments/az-production';
import { azStaging } from '../environments/az-staging';
import { hybrid } from '../environments/hybrid';
import { production } from '../environments/production';
import { staging } from '../environments/staging';
import { buildAwsApp } from '../lib/aws/app';
import type { PlatformStage } from '../lib/aws/platform-stage';
import { buildAzureApp } from '../lib/azure/app';
import type { PlatformStack } from '../lib/azure/platform-stack';
import type { AwsEnvironment, AzureEnvironment, PlatformEnvironment } from '../lib/config';
import { validateInChildProcess } from './isolated-validation';
import { keepTokens } from './release-apps';

export const ROOT = join(__dirname, '..');

export const fixtures = {
  awsStaging: staging as AwsEnvironment,
  awsProduction: production as AwsEnvironment,
  awsHybrid: hybrid as AwsEnvironment,
  azureStaging: azStaging as AzureEnvironment,
  azureProduction: azProduction as AzureEnvironment,
  azureHybrid: azHybrid as AzureEnvironment,
};

/** A mutable deep copy of an environment, for tests that change one field. */
export type Draft<T> = { -readonly [K in keyof T]: T[K] extends object ? Draft<T[K]> : T[K] };

/** A copy of `env` with `change` applied to a mutable draft; the original is untouched. */
export function vary<T extends PlatformEnvironment>(env: T, change: (draft: Draft<T>) => void): T {
  const draft = structuredClone(env) as Draft<T>;
  change(draft);
  return draft as T;
}

/** The feature flags and context of cdk.json, so tests build the same app as `cdk synth`. */
export function cdkContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return cdkJson.context;
}

export interface SynthesizedStage {
  readonly stage: PlatformStage;
  /** Templates by stack construct id (`Platform`, ...). */
  readonly templates: Readonly<Record<string, Template>>;
  /** Context lookups the stage asked for; any would make `cdk synth` need credentials. */
  readonly missingContext: readonly string[];
}

/**
 * Caches of a test file's own variants, emptied when the file ends (test/setup.ts): with test
 * files sharing a worker, an environment object a test file holds at module level lives to the
 * end of the run, and so would everything cached under it.
 */
const fileCaches: Map<unknown, unknown>[] = [];

/** A cache that `forgetFileCaches` empties when the current test file ends. */
export function fileCache<K, V>(): Map<K, V> {
  const cache = new Map<K, V>();
  fileCaches.push(cache as Map<unknown, unknown>);
  return cache;
}

export function forgetFileCaches(): void {
  for (const cache of fileCaches) cache.clear();
}

/** Syntheses by environment: a shipped environment's for the whole run, a variant's for its test file. */
interface SynthesisCache<E, T> {
  readonly shipped: Map<E, T>;
  readonly variants: Map<E, T>;
}

function synthesisCache<E, T>(): SynthesisCache<E, T> {
  return { shipped: new Map(), variants: fileCache() };
}

/**
 * The cached synthesis of `env` under `key`, or `build`'s; a shipped environment's is built
 * keeping its tokens for the whole run (test/release-apps.ts).
 */
function cached<E extends PlatformEnvironment, T>(
  cache: SynthesisCache<E, Map<string, T>>,
  env: E,
  key: string,
  build: () => T,
  rootOf: (built: T) => IConstruct,
): T {
  const shipped = isShipped(env);
  const byEnv = shipped ? cache.shipped : cache.variants;
  const forEnv = byEnv.get(env) ?? new Map<string, T>();
  byEnv.set(env, forEnv);
  let built = forEnv.get(key);
  if (!built) {
    built = shipped ? keepTokens(build, rootOf) : build();
    forEnv.set(key, built);
  }
  return built;
}

const awsCache = synthesisCache<AwsEnvironment, Map<string, SynthesizedStage>>();

/**
 * Builds the AWS app for one environment as bin/aws.ts does, with the compliance packs and
 * CloudFormation Validate (the CDK's built-in template check against the CloudFormation resource
 * schemas), synthesizes it, fails on any unacknowledged finding of either, and returns the
 * templates of its stacks. Built once per environment object and worker.
 *
 * CloudFormation Validate runs in a child process (test/isolated-validation.ts),
 * so that its engine's memory does not stay in the worker. The other tests synthesize without it
 * (`CDK_VALIDATION=false` in vitest.config.mts): it costs seconds per synthesis, and this is where
 * every shipped stage gets it.
 * `templateValidation: false` skips it for variants of a shipped environment whose resource types
 * the shipped one already has validated.
 */
export function synthAws(env: AwsEnvironment, options: { templateValidation?: boolean } = {}): SynthesizedStage {
  // Keyed by environment only: the first build's options hold for the environment object.
  return cached(
    awsCache,
    env,
    '',
    () => buildAws(env, options),
    (built) => built.stage,
  );
}

function buildAws(env: AwsEnvironment, options: { templateValidation?: boolean }): SynthesizedStage {
  const validate = options.templateValidation ?? true;
  const app = new App({ context: cdkContext() });
  if (validate) validateInChildProcess(app);
  const [stage] = buildAwsApp(app, [env]);
  if (!stage) throw new Error(`no stage was built for ${env.name}`);
  const assembly = app.synth();
  const findings = templateValidationFindings(assembly.directory);
  if (findings.length > 0) {
    throw new Error(`${env.name}: unacknowledged CloudFormation Validate findings:\n${findings.join('\n')}`);
  }
  const templates: Record<string, Template> = {};
  const nested = assembly.getNestedAssembly(`assembly-${stage.stageName}`);
  const missingContext = (nested.manifest.missing ?? []).map((m) => m.key);
  for (const stack of nested.stacks) {
    const id = stack.hierarchicalId.split('/').pop() as string;
    templates[id] = Template.fromJSON(stack.template as Record<string, unknown>);
  }
  return { stage, templates, missingContext };
}

/** `<rule> <construct path>: <description>` of every CloudFormation Validate violation the assembly's report holds. */
export function templateValidationFindings(outdir: string): string[] {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: { ruleName: string; description: string; violatingConstructs?: { constructPath?: string }[] }[];
    }[];
  };
  return report.pluginReports
    .filter((r) => r.pluginName === 'CloudFormation Validate')
    .flatMap((r) =>
      r.violations.flatMap((v) =>
        (v.violatingConstructs ?? [{}]).map((c) => `${v.ruleName} ${c.constructPath ?? '?'}: ${v.description}`),
      ),
    );
}

/** A stack's Terraform JSON, parsed, as `cdktf synth` writes it. */
export type TerraformJson = {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly provider?: Record<string, ReadonlyArray<Record<string, unknown>>>;
  readonly terraform?: Record<string, unknown>;
  readonly output?: Record<string, unknown>;
};

export interface SynthesizedStack {
  readonly stack: PlatformStack;
  readonly json: TerraformJson;
}

/** Keyed by environment and options (JSON). */
const azureCache = synthesisCache<AzureEnvironment, Map<string, SynthesizedStack>>();

/**
 * The Azure app for one environment, as bin/azure.ts builds it, and its stack's Terraform JSON;
 * built once per environment object and options per worker (tests only read it).
 */
export function synthAzure(env: AzureEnvironment, options: { localState?: boolean } = {}): SynthesizedStack {
  const build = (): SynthesizedStack => {
    const [stack] = buildAzureApp(Testing.app(), [env], options);
    if (!stack) throw new Error(`no stack was built for ${env.name}`);
    return { stack, json: JSON.parse(Testing.synth(stack)) as TerraformJson };
  };
  return cached(azureCache, env, JSON.stringify(options), build, (built) => built.stack);
}

/** Every resource of one Terraform type in a synthesized stack, by name. */
export function resourcesOf(json: TerraformJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** An action of a synthesized AWS::CodePipeline::Pipeline, as the pipeline tests read it. */
export interface PipelineAction {
  readonly Name: string;
  readonly RunOrder: number;
  readonly ActionTypeId: { readonly Provider: string };
  readonly Configuration: Record<string, unknown>;
}

/** A stage of a synthesized AWS::CodePipeline::Pipeline. */
export interface PipelineStage {
  readonly Name: string;
  readonly Actions: readonly PipelineAction[];
}

/**
 * The shipped environments' syntheses are kept for the whole run, and with them the tokens they
 * registered (test/release-apps.ts); a variant's belong to the test file that made it.
 */
export function isShipped(env: PlatformEnvironment): boolean {
  return environments.includes(env);
}
