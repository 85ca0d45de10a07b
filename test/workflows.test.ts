/**
 * The GitHub Actions workflows, parsed with `yaml` and checked for what delivery relies on:
 * triggers, jobs and steps, OIDC permissions only where a job logs in, and production jobs that
 * wait for staging and run in the protected `production` environment.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './util';

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}

interface Job {
  readonly if?: string;
  readonly needs?: string | readonly string[];
  readonly environment?: string | { readonly name: string };
  readonly permissions?: Record<string, string>;
  readonly strategy?: { readonly matrix: { readonly include?: ReadonlyArray<Record<string, string>> } };
  readonly env?: Record<string, string>;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: Record<string, unknown>;
  readonly env?: Record<string, string>;
  readonly permissions?: Record<string, string>;
  readonly jobs: Record<string, Job>;
}

const DIR = join(ROOT, '.github', 'workflows');

function load(file: string): Workflow {
  return parse(readFileSync(join(DIR, file), 'utf8')) as Workflow;
}

/** A GitHub Actions expression, `${{ <text> }}`. */
function expr(text: string): string {
  return `\${{ ${text} }}`;
}

function runs(job: Job): string {
  return job.steps.map((s) => s.run ?? '').join('\n');
}

function uses(job: Job, action: string): Step | undefined {
  return job.steps.find((s) => s.uses?.split('@')[0] === action);
}

function needsOf(job: Job): readonly string[] {
  if (job.needs === undefined) return [];
  return typeof job.needs === 'string' ? [job.needs] : job.needs;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const workflows = Object.fromEntries(files.map((f) => [f, load(f)]));

describe('every workflow', () => {
  it('exists: pull-request, deploy and model-promote', () => {
    expect(files.sort()).toEqual(['deploy.yml', 'model-promote.yml', 'pull-request.yml']);
  });

  it.each(files)('%s reads contents only at the top and grants id-token only to jobs that log in', (file) => {
    const wf = workflows[file] as Workflow;
    // GIVEN the workflow WHEN its permissions are read THEN the default token can only read
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries(wf.jobs)) {
      const logsIn = uses(job, 'azure/login') !== undefined || uses(job, 'aws-actions/configure-aws-credentials');
      if (logsIn) {
        expect(job.permissions, `${file}:${name}`).toEqual({ contents: 'read', 'id-token': 'write' });
      } else {
        expect(job.permissions?.['id-token'], `${file}:${name}`).toBeUndefined();
      }
    }
  });

  it.each(files)('%s logs in to Azure with OIDC from variables, never with secrets', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    expect(text).not.toMatch(/secrets\./);
    for (const job of Object.values((workflows[file] as Workflow).jobs)) {
      const login = uses(job, 'azure/login');
      if (!login) continue;
      expect(Object.keys(login.with ?? {}).sort()).toEqual(['client-id', 'subscription-id', 'tenant-id']);
      for (const value of Object.values(login.with ?? {})) expect(String(value)).toMatch(/^\$\{\{ vars[.[]/);
    }
  });

  it.each(files)('%s pins every action to a version', (file) => {
    for (const job of Object.values((workflows[file] as Workflow).jobs)) {
      for (const step of job.steps) {
        if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@(v\d+|[0-9a-f]{40})$/);
      }
    }
  });

  it.each(files)('%s never expands inputs or event text inside a script', (file) => {
    for (const job of Object.values((workflows[file] as Workflow).jobs)) {
      // Script injection: values reach scripts through env, https://docs.github.com/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#understanding-the-risk-of-script-injections
      expect(runs(job)).not.toMatch(/\$\{\{\s*(inputs|github\.event)\./);
    }
  });
});

describe('pull-request.yml', () => {
  const wf = workflows['pull-request.yml'] as Workflow;
  const checks = wf.jobs.checks as Job;

  it('runs on pull requests to main', () => {
    expect(wf.on).toEqual({ pull_request: { branches: ['main'] } });
  });

  it('installs, lints, type-checks, tests and synthesizes both clouds in order, without credentials', () => {
    const commands = checks.steps.map((s) => s.run).filter(Boolean);
    expect(commands.slice(0, 5)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run lint',
      'npm run typecheck',
      'npm test',
      'npm run synth',
    ]);
    expect(checks.permissions).toBeUndefined();
  });

  it('uploads the synthesized templates of both clouds', () => {
    const upload = uses(checks, 'actions/upload-artifact');
    expect(String(upload?.with?.path)).toContain('cdk.out/');
    expect(String(upload?.with?.path)).toContain('cdktf.out/stacks/');
  });

  it('writes the infrastructure diff against the base branch to the job summary', () => {
    const diff = checks.steps.find((s) => s.run?.includes('npm run --silent diff'));
    expect(diff?.run).toContain('--markdown >> "$GITHUB_STEP_SUMMARY"');
    expect(diff?.env?.BASE_REF).toBe(`origin/${expr('github.base_ref')}`);
    expect(uses(checks, 'actions/checkout')?.with?.['fetch-depth']).toBe(0);
  });

  it('plans each Azure environment only where the repository enabled it', () => {
    const plan = wf.jobs['azure-plan'] as Job;
    expect(plan.if).toContain("vars.AZURE_PLAN_ENABLED == 'true'");
    expect(plan.strategy?.matrix.include?.map((m) => m.environment)).toEqual(['az-staging', 'az-production']);
    expect(needsOf(plan)).toEqual(['checks']);
    expect(plan.environment).toBeUndefined();
    expect(runs(plan)).toMatch(/terraform plan .*-lock=false/);
  });
});

describe('deploy.yml', () => {
  const wf = workflows['deploy.yml'] as Workflow;

  it('runs on pushes to main', () => {
    expect(wf.on).toEqual({ push: { branches: ['main'] } });
  });

  it('applies staging in the staging environment', () => {
    const staging = wf.jobs.staging as Job;
    expect(staging.environment).toBe('staging');
    expect(runs(staging)).toContain('terraform apply');
  });

  it('applies production in the protected production environment, after staging', () => {
    const production = wf.jobs.production as Job;
    expect(production.environment).toBe('production');
    expect(needsOf(production)).toEqual(['staging']);
    expect(runs(production)).toContain('terraform apply -input=false -no-color tfplan');
  });
});

describe('model-promote.yml', () => {
  const wf = workflows['model-promote.yml'] as Workflow;
  const staging = wf.jobs.staging as Job;
  const production = wf.jobs.production as Job;
  const release = readFileSync(join(DIR, 'scripts', 'release.sh'), 'utf8');
  const text = readFileSync(join(DIR, 'model-promote.yml'), 'utf8');

  it('is started by hand with the model version', () => {
    const dispatch = wf.on.workflow_dispatch as { inputs: Record<string, { required: boolean }> };
    expect(Object.keys(dispatch.inputs)).toEqual(['model', 'version', 'artifact-path']);
    expect(dispatch.inputs.version?.required).toBe(true);
    expect(dispatch.inputs['artifact-path']?.required).toBe(true);
  });

  it('never uses run command, which the clusters have disabled', () => {
    const code = (t: string) =>
      t
        .split('\n')
        .filter((line) => !line.trim().startsWith('#'))
        .join('\n');
    expect(code(text)).not.toContain('aks command invoke');
    expect(code(release)).not.toContain('aks command invoke');
  });

  it('releases on staging first: validate, digest, release (idle slot, Flux, preview smoke, traffic)', () => {
    expect(staging.environment).toBe('staging');
    expect(staging.steps[0]?.name).toBe('validate inputs');
    const script = runs(staging);
    const order = ['az acr repository show', 'bash .github/workflows/scripts/release.sh'];
    const positions = order.map((t) => script.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('release.sh: idle slot, wait for Flux, preview smoke, weighted steps with alerts watched, old slot emptied', () => {
    const order = [
      'render_and_sync\n',
      'preview/invoke',
      'while read -r percent bake',
      'set_weight "$previous_weight"',
      '"none"',
    ];
    const positions = order.map((t) =>
      release.lastIndexOf(t) >= 0 ? release.indexOf(t, release.indexOf('# 1-2')) : -1,
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(release).toContain('--delete-destination true');
    expect(release).toContain('complianceState');
    expect(release).toContain('bin/serving.ts rollout');
    expect(release).toContain('set -euo pipefail');
  });

  it('waits for the approval of the protected production environment before anything reaches production', () => {
    expect(production.environment).toBe('production');
    expect(needsOf(production)).toEqual(['staging']);
    const script = runs(production);
    const order = ['az acr import', 'az storage blob upload', 'bash .github/workflows/scripts/release.sh'];
    const positions = order.map((t) => script.indexOf(t));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // by digest, never overwriting a tag
    expect(script).toContain('--source "models/$MODEL@$DIGEST"');
    expect(script).not.toContain('--force');
    // no blob copy between two private accounts
    expect(script).not.toContain('blob copy');
  });

  it('documents rollback as one command with the previous version', () => {
    expect(text).toMatch(/gh workflow run model-promote\.yml -f model=\S+ -f version=\S+/);
  });

  it('reads the promotion source from the production environment variables', () => {
    expect(production.env?.SOURCE_REGISTRY).toBe(`${expr('vars.SOURCE_CONTAINER_REGISTRY')}`);
  });

  it('passes inputs to scripts only as quoted environment variables', () => {
    expect(text).not.toMatch(/run:[^\n]*\$\{\{\s*inputs/);
    for (const script of [runs(staging), runs(production), release]) {
      expect(script).not.toMatch(/(?<!")\$(MODEL|VERSION|ARTIFACT_PATH|DIGEST)\b(?![^"\n]*")/);
    }
  });
});
