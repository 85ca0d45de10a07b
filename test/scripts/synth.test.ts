import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, App, Stack, Stage } from 'aws-cdk-lib';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it, vi } from 'vitest';
import { environments } from '../../environments';
import { azProduction } from '../../environments/az-production';
import { delivery } from '../../environments/delivery';
import { production } from '../../environments/production';
import { assertValidEnvironments, formatProblem, type PlatformEnvironment } from '../../lib/config';
import { readAwsOutput } from '../../scripts/lib/aws-assembly';
import { CDKTF_LEVEL, readCdktfOutput } from '../../scripts/lib/cdktf-output';
import { configErrors } from '../../scripts/lib/config-check';
import { renderSummary, summariseAws, summariseAzure } from '../../scripts/lib/synth-summary';

const ROOT = join(__dirname, '..', '..');
const cdkContext = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
  .context;

/** The configuration warning of a one-zone production environment, as validation words it. */
function oneZoneWarning(env: PlatformEnvironment): string {
  const oneZone = { ...env, network: { ...env.network, availabilityZones: 1, natGateways: 1 } };
  const warnings = assertValidEnvironments([oneZone]).filter((w) => w.path === 'network.availabilityZones');
  expect(warnings).toHaveLength(1);
  return formatProblem(warnings[0] as never);
}

/**
 * A small app shaped like bin/aws.ts, synthesized for real with the project's cdk.json context:
 * a stage with a warning on the stage itself (as PlatformStage annotates configuration warnings)
 * and one on its stack, a top-level stack, and a copy of the stage nested in that stack (the
 * same stack deployed to the same place).
 */
/** Runs `f` without the console output CDK prints for the fixture's deliberate warnings. */
function quietly<T>(f: () => T): T {
  const spies = (['log', 'warn', 'error', 'info'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation(() => {}),
  );
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return f();
  } finally {
    for (const spy of spies) spy.mockRestore();
    write.mockRestore();
  }
}

function synthesizeApp(context: Record<string, unknown>): string {
  const outdir = mkdtempSync(join(tmpdir(), 'synth-summary-'));
  const app = new App({ outdir, context });
  const env = { account: '222222222222', region: 'eu-west-1' };
  const stage = (scope: App | Stack) => {
    const s = new Stage(scope, 'Production', { env });
    Annotations.of(s).addWarningV2('mlops:config', oneZoneWarning(production));
    const platform = new Stack(s, 'Platform', { stackName: 'mlops-production-platform' });
    new Topic(platform, 'Alarms');
    Annotations.of(platform).addWarningV2('test:stack', 'a warning on the stack');
    return s;
  };
  stage(app);
  const tooling = new Stack(app, 'Delivery', { env: { account: '444444444444', region: 'eu-west-1' } });
  new Topic(tooling, 'Notifications');
  stage(tooling);
  quietly(() => app.synth());
  return outdir;
}

describe('npm run synth: the AWS summary, read through the cloud assembly', () => {
  const outdir = synthesizeApp(cdkContext);
  const output = readAwsOutput(outdir);

  it('groups stacks by top-level stage and top-level stack, each deployed stack once', () => {
    expect(output.groups.map((g) => [g.name, g.kind, g.stacks.map((s) => `${s.id} ${s.target}`)])).toEqual([
      ['Production', 'stage', ['Platform 222222222222/eu-west-1']],
      ['Delivery', 'stack', ['Delivery 444444444444/eu-west-1']],
    ]);
    expect(output.duplicates).toEqual(['Delivery/Production/Platform']);
  });

  it("counts and prints the stage's own warning (a one-zone production), not only its stacks'", () => {
    const [line] = summariseAws(output);
    expect(line?.name).toBe('Production');
    expect(line?.findings.map((f) => [f.path, f.message])).toEqual([
      ['Production', oneZoneWarning(production)],
      ['Production/Platform', 'a warning on the stack'],
    ]);
    expect(line?.resources).toBe(1);
  });

  it('reads the stack metadata when the report holds no construct annotations', () => {
    const legacy = readAwsOutput(
      synthesizeApp({ ...cdkContext, '@aws-cdk/core:annotationsInValidationReport': false }),
    );
    const messages = (legacy.findings.get('Production') ?? []).map((f) => f.message);
    expect(messages).toContain('a warning on the stack');
  });
});

describe('npm run synth: the Azure summary, read from cdktf.out/manifest.json', () => {
  function cdktfOut(annotations: readonly { level: string; message: string }[]): string {
    const dir = mkdtempSync(join(tmpdir(), 'cdktf-out-'));
    mkdirSync(join(dir, 'stacks', 'az-production'), { recursive: true });
    writeFileSync(
      join(dir, 'stacks', 'az-production', 'cdk.tf.json'),
      JSON.stringify({
        provider: { azurerm: [{ subscription_id: '22222222-2222-2222-2222-222222222222' }] },
        resource: {
          azurerm_resource_group: { rg: { name: 'rg-mlops-az-production', location: 'westeurope' } },
          azurerm_storage_account: { data: { name: 'st' } },
        },
      }),
    );
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: '0.21.0',
        stacks: {
          'az-production': {
            name: 'az-production',
            constructPath: 'az-production',
            synthesizedStackPath: 'stacks/az-production/cdk.tf.json',
            workingDirectory: 'stacks/az-production',
            annotations: annotations.map((a) => ({ ...a, constructPath: 'az-production' })),
          },
        },
      }),
    );
    return dir;
  }

  it('counts @cdktf/warn annotations as warnings and leaves info out', () => {
    // GIVEN the one-zone warning as cdktf writes it, and an info annotation
    const warning = oneZoneWarning(azProduction);
    const dir = cdktfOut([
      { level: CDKTF_LEVEL.warn, message: warning },
      { level: CDKTF_LEVEL.info, message: 'for your information' },
    ]);
    const [line] = summariseAzure(readCdktfOutput(dir));
    expect(line).toMatchObject({
      name: 'az-production',
      target: '22222222-2222-2222-2222-222222222222/westeurope',
      stacks: 1,
      resources: 2,
      findings: [{ level: 'warning', path: 'az-production', message: warning }],
    });
  });

  it('prints every warning under its environment and points at the files that hold them', () => {
    const aws = summariseAws(readAwsOutput(synthesizeApp(cdkContext)));
    const azure = summariseAzure(readCdktfOutput(cdktfOut([{ level: CDKTF_LEVEL.warn, message: 'az warning' }])));
    const text = renderSummary(
      {
        lines: [...aws, ...azure],
        records: ['cdk.out/validation-report.json', 'cdktf.out/manifest.json'],
        duplicates: [],
      },
      {
        checkSeconds: 0.4,
        timings: [
          { label: 'cdk synth', seconds: 30 },
          { label: 'cdktf synth', seconds: 15 },
        ],
        totalSeconds: 31,
      },
    );
    const lines = text.split('\n');
    const row = lines.findIndex((l) => l.trimStart().startsWith('Production '));
    expect(lines[row + 1]).toBe(`      warning Production: ${oneZoneWarning(production)} [mlops:config]`);
    expect(text).toMatch(
      /az-production +azure .* 1 +\S*cdk\.tf\.json\n {6}warning az-production: az warning \[cdktf\]/,
    );
    expect(text).toMatch(/total +3 environments +3 +4 +3\n/);
    expect(text).toContain('recorded in cdk.out/validation-report.json and cdktf.out/manifest.json');
    expect(text).toContain('cdk synth 30.0 s, cdktf synth 15.0 s (side by side)');
    expect(text).not.toMatch(/npx cdk|npx cdktf/);
  });
});

describe('npm run synth: the configuration check', () => {
  it('passes the shipped environments', () => {
    expect(configErrors(environments, delivery)).toEqual([]);
  });

  it('collects every error of the environments and the delivery account at once', () => {
    const broken = environments.map((env) =>
      env.name === 'staging' ? { ...env, network: { ...env.network, cidr: '10.20.0.1/16' } } : env,
    );
    const errors = configErrors(broken, { ...delivery, account: '42' });
    expect(errors.map((e) => `${e.file}: ${e.path}`)).toEqual([
      'environments/staging.ts: network.cidr',
      'environments/delivery.ts: account',
      // the connection ARN names another account now
      'environments/delivery.ts: codeConnectionArn',
    ]);
  });

  it('loads neither aws-cdk-lib nor cdktf before either CLI starts', () => {
    // GIVEN a preload that lists, at exit, the modules of the CDKs the process loaded
    const dir = mkdtempSync(join(tmpdir(), 'synth-graph-'));
    const preload = join(dir, 'preload.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => {
        const cdk = Object.keys(require.cache).filter((f) => /node_modules[\\\\/](aws-cdk-lib|cdktf|@cdktf)[\\\\/]/.test(f));
        const config = Object.keys(require.cache).filter((f) => /[\\\\/]lib[\\\\/]config[\\\\/]/.test(f));
        if (config.length > 0) process.stderr.write('GRAPH ' + JSON.stringify({ cdk, config: config.length }) + '\\n');
      });\n`,
    );
    // WHEN the synth script loads everything it imports statically (--help exits before the check)
    // (node --import tsx is what the tsx CLI starts, without the CLI's own process in between)
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/synth.ts', '--help'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: `--require ${preload}` },
    });
    expect(result.stdout).toContain('Usage: npm run synth');
    // THEN the config model is loaded and neither CDK is
    const graph = result.stderr.split('\n').find((l) => l.startsWith('GRAPH ')) ?? 'GRAPH {}';
    const { cdk, config } = JSON.parse(graph.slice('GRAPH '.length)) as { cdk: string[]; config: number };
    expect(config).toBeGreaterThan(0);
    expect(cdk).toEqual([]);
  });
});
