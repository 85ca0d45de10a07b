import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delivery } from '../../environments/delivery';
import { production } from '../../environments/production';
import { staging } from '../../environments/staging';
import type { AwsEnvironment, DeliveryEnvironment } from '../../lib/config';
import {
  AWS_VCPU_QUOTAS,
  awsChecks,
  awsQuotaFor,
  BOOTSTRAP_QUALIFIER,
  BOOTSTRAP_VERSION_FOR_DEPLOY,
  BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE,
  checkAccount,
  checkBootstrap,
  checkConnection,
  checkInstanceOfferings,
  checkVcpuQuotas,
  deliveryChecks,
  type ZonePlacement,
} from '../../scripts/preflight/aws';
import { type Finding, runChecks } from '../../scripts/preflight/check';
import { awsError, fakeAws, fixture } from './fakes';

const awsStaging = staging as AwsEnvironment;
const awsProduction = production as AwsEnvironment;

/** A changed copy of an environment. */
function vary<T>(value: T, change: (draft: { -readonly [K in keyof T]: T[K] }) => void): T {
  const draft = structuredClone(value) as { -readonly [K in keyof T]: T[K] };
  change(draft);
  return draft as T;
}

const failures = (findings: readonly Finding[]) => findings.filter((f) => f.status === 'fail');
type Stacks = Awaited<ReturnType<Parameters<typeof checkBootstrap>[0]['describeStacks']>>;

/** The recorded CDKToolkit stack with its first stack changed. */
function toolkit(change: (stack: NonNullable<Stacks['Stacks']>[number]) => void) {
  const stacks = fixture<Stacks>('aws/cloudformation-describe-stacks-cdktoolkit');
  change((stacks.Stacks ?? [])[0] as NonNullable<Stacks['Stacks']>[number]);
  return fakeAws({ describeStacks: async () => stacks });
}

const setParameter = (stack: NonNullable<Stacks['Stacks']>[number], key: string, value: string) => {
  const parameter = stack.Parameters?.find((p) => p.ParameterKey === key);
  if (parameter) parameter.ParameterValue = value;
};
const setVersion = (stack: NonNullable<Stacks['Stacks']>[number], version: string) => {
  const output = stack.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion');
  if (output) output.OutputValue = version;
};

describe('AWS preflight, a passing run', () => {
  it('passes every check of the staging environment against the recorded account', async () => {
    // GIVEN the recorded answers of a bootstrapped account with quotas and offerings in place
    const results = await runChecks(awsChecks(awsStaging, delivery), fakeAws());
    // THEN every check passes, and each says what it found
    expect(results.map((r) => r.id)).toEqual([
      'aws.identity',
      'aws.instance-types',
      'aws.vcpu-quotas',
      'aws.bootstrap',
    ]);
    expect(results.flatMap((r) => r.findings).filter((f) => f.status !== 'pass')).toEqual([]);
    const messages = results.flatMap((r) => r.findings.map((f) => f.message));
    expect(messages).toContain(
      'signed in to 111111111111 as arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/jane.doe@example.com',
    );
    expect(messages).toContain("g5.12xlarge (GPU pool 'train') is offered in eu-west-1a and eu-west-1b");
    expect(messages).toContain(
      'All G and VT Spot Instance Requests (L-3819A6DF): 112 vCPUs at maximum size ' +
        '(infer: 4 × g6.xlarge (4 vCPUs), train: 2 × g5.12xlarge (48 vCPUs)); quota 128',
    );
    expect(messages).toContain('111111111111/eu-west-1 trusts the tooling account 444444444444 to deploy');
  });

  it('passes every check of the tooling account', async () => {
    const identity = { ...fixture<object>('aws/sts-get-caller-identity'), Account: '444444444444' };
    const results = await runChecks(deliveryChecks(delivery), fakeAws({ getCallerIdentity: async () => identity }));
    expect(results.map((r) => r.id)).toEqual(['aws.identity', 'aws.connection', 'aws.bootstrap']);
    expect(results.flatMap((r) => r.findings).map((f) => f.status)).toEqual(['pass', 'pass', 'pass']);
    expect(results[1]?.findings[0]?.message).toBe('connection mlops-platform-github (GitHub) is AVAILABLE');
  });
});

describe('the account check', () => {
  it('fails when the credentials are for another account, and skips the rest', async () => {
    // GIVEN credentials of the production account while checking staging
    const api = fakeAws({
      getCallerIdentity: async () => ({
        Account: '222222222222',
        Arn: 'arn:aws:sts::222222222222:assumed-role/Admin/jane',
      }),
    });
    const results = await runChecks(awsChecks(awsStaging, delivery), api);
    // THEN the identity fails with how to switch, and nothing else is asked of the wrong account
    expect(results[0]?.findings).toEqual([
      {
        status: 'fail',
        message:
          'the credentials are for account 222222222222 (arn:aws:sts::222222222222:assumed-role/Admin/jane), not 111111111111',
        fix:
          'use credentials of 111111111111: AWS_PROFILE=<a profile of 111111111111> npm run preflight -- ... ' +
          '(aws configure sso / aws sso login create and refresh one)',
      },
    ]);
    expect(results.slice(1).map((r) => r.findings.map((f) => f.status))).toEqual([['skip'], ['skip'], ['skip']]);
  });

  it('passes for the account of the credentials', async () => {
    expect((await checkAccount(fakeAws(), '111111111111'))[0]?.status).toBe('pass');
  });
});

describe('instance types per zone', () => {
  const placement = (zones: string[], zonesConfigurable = true): ZonePlacement => ({
    pool: "GPU pool 'train'",
    machineType: 'p5.48xlarge',
    zones,
    environmentZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
    path: 'kubernetes.gpuPools[2]',
    zonesConfigurable,
  });

  it('fails for a zone without the type, naming the zones that offer it and the zones to set', async () => {
    // GIVEN p5.48xlarge, offered only in eu-west-1b, in a pool over all three zones
    const findings = await checkInstanceOfferings(
      fakeAws(),
      'eu-west-1',
      [placement(['eu-west-1a', 'eu-west-1b', 'eu-west-1c'])],
      'environments/production.ts',
    );
    // THEN it fails, naming where the type is offered, and the fix sets the pool's zones
    expect(findings).toEqual([
      {
        status: 'fail',
        message:
          "p5.48xlarge (GPU pool 'train') is not offered in eu-west-1a and eu-west-1c; it is offered in eu-west-1b",
        fix: "set kubernetes.gpuPools[2].zones to ['eu-west-1b'] in environments/production.ts, or choose a machine type every zone offers",
      },
    ]);
  });

  it("passes when the pool's own zones offer the type", async () => {
    const findings = await checkInstanceOfferings(fakeAws(), 'eu-west-1', [placement(['eu-west-1b'])], 'f.ts');
    expect(findings).toEqual([{ status: 'pass', message: "p5.48xlarge (GPU pool 'train') is offered in eu-west-1b" }]);
  });

  it('fails for a type the region offers nowhere, with another type as the fix', async () => {
    const findings = await checkInstanceOfferings(
      fakeAws(),
      'eu-west-1',
      [{ ...placement(['eu-west-1a']), machineType: 'g6e.xlarge' }],
      'environments/staging.ts',
    );
    expect(findings[0]?.message).toBe(
      "g6e.xlarge (GPU pool 'train') is not offered in eu-west-1a; eu-west-1 offers it in no zone",
    );
    expect(findings[0]?.fix).toBe(
      'choose another accelerator or machineType for kubernetes.gpuPools[2] in environments/staging.ts (or another region): ' +
        "none of the environment's zones offers g6e.xlarge",
    );
  });

  it('fails for the system pool with a machine type as the fix, since it spans every zone', async () => {
    const findings = await checkInstanceOfferings(
      fakeAws(),
      'eu-west-1',
      [
        {
          ...placement(['eu-west-1a', 'eu-west-1b'], false),
          pool: 'system pool',
          path: 'kubernetes.systemPool.machineType',
        },
      ],
      'environments/production.ts',
    );
    expect(findings[0]?.fix).toMatch(
      /^choose another machineType for kubernetes.systemPool.machineType in environments\/production.ts/,
    );
  });

  it('reads every page of offerings and checks the pool zones the environment sets', async () => {
    // GIVEN staging's train pool pinned to eu-west-1c (g5.12xlarge is on the second page)
    const env = vary(awsStaging, (d) => {
      d.kubernetes = vary(d.kubernetes, (k) => {
        k.gpuPools = k.gpuPools.map((p) => (p.name === 'train' ? { ...p, zones: ['eu-west-1c'] } : p));
      });
    });
    const results = await runChecks(awsChecks(env, delivery), fakeAws());
    expect(results[1]?.findings.map((f) => f.message)).toContain(
      "g5.12xlarge (GPU pool 'train') is offered in eu-west-1c",
    );
  });
});

describe('vCPU quotas', () => {
  it('fails when a quota is below the pools at maximum size, with the request to file', async () => {
    // GIVEN production: on-demand L4 and H100 pools; the account has only AWS's defaults (0) for G and P
    const results = await runChecks(
      awsChecks(awsProduction, delivery),
      fakeAws({
        getCallerIdentity: async () => ({
          Account: '222222222222',
          Arn: 'arn:aws:sts::222222222222:assumed-role/Admin/jane',
        }),
      }),
    );
    const quotas = results.find((r) => r.id === 'aws.vcpu-quotas')?.findings ?? [];
    // THEN G on-demand fails with the quota code and the exact request
    expect(failures(quotas)).toContainEqual({
      status: 'fail',
      message:
        'Running On-Demand G and VT instances (L-DB2E81BA): 64 vCPUs at maximum size (infer: 16 × g6.xlarge (4 vCPUs)); quota 0 (AWS default)',
      fix:
        'request 64 vCPUs (approval can take days): aws service-quotas request-service-quota-increase ' +
        '--region eu-west-1 --service-code ec2 --quota-code L-DB2E81BA --desired-value 64',
    });
    // AND the spot L40S pool (192 vCPUs against 128) and the on-demand H100 pool fail likewise;
    // the system pool's Standard quota holds
    expect(failures(quotas).map((f) => f.message.split(':')[0])).toEqual([
      'Running On-Demand G and VT instances (L-DB2E81BA)',
      'All G and VT Spot Instance Requests (L-3819A6DF)',
      'Running On-Demand P instances (L-417A185B)',
    ]);
    expect(quotas.find((f) => f.message.startsWith('Running On-Demand Standard'))?.status).toBe('pass');
  });

  it('counts spot P5 against its own quota, apart from P4, P3 and P2', async () => {
    expect(awsQuotaFor('p5.48xlarge', 'P', 'spot')).toEqual(AWS_VCPU_QUOTAS['P5/spot']);
    expect(awsQuotaFor('p4d.24xlarge', 'P', 'spot')).toEqual(AWS_VCPU_QUOTAS['P/spot']);
    expect(awsQuotaFor('p5.48xlarge', 'P', 'on-demand')).toEqual(AWS_VCPU_QUOTAS['P/on-demand']);
    const findings = await checkVcpuQuotas(fakeAws(), 'eu-west-1', [
      { pool: 'train', machineType: 'p5.48xlarge', capacity: 'spot', maxNodes: 1 },
    ]);
    expect(findings[0]?.message).toBe(
      'All P5 Spot Instance Requests (L-C4BD4855): 192 vCPUs at maximum size (train: 1 × p5.48xlarge (192 vCPUs)); quota 0 (AWS default)',
    );
    expect(findings[0]?.fix).toContain('--quota-code L-C4BD4855 --desired-value 192');
  });

  it('warns about a machine type without a spec instead of guessing its vCPUs', async () => {
    const findings = await checkVcpuQuotas(fakeAws(), 'eu-west-1', [
      { pool: 'infer', machineType: 'g6.2xlarge', capacity: 'spot', maxNodes: 2 },
    ]);
    expect(findings).toEqual([
      {
        status: 'warn',
        message: 'g6.2xlarge (infer): vCPUs and quota family unknown, so its quota is not checked',
        fix: 'add the type to lib/config/machines.ts (vCPUs and quota family from the EC2 instance type page)',
      },
    ]);
  });

  it('names the permissions when Service Quotas denies the call', async () => {
    const api = fakeAws({
      getServiceQuota: async () => {
        throw awsError(
          'AccessDeniedException',
          'User is not authorized to perform: servicequotas:GetServiceQuota',
          403,
        );
      },
    });
    const results = await runChecks(awsChecks(awsStaging, delivery), api);
    expect(results.find((r) => r.id === 'aws.vcpu-quotas')?.findings).toEqual([
      {
        status: 'fail',
        message:
          'The vCPU quotas hold every pool at its maximum size: AccessDeniedException: User is not authorized to perform: servicequotas:GetServiceQuota',
        fix: 'give the identity servicequotas:GetServiceQuota, servicequotas:GetAWSDefaultServiceQuota (read-only), then run again',
      },
    ]);
  });
});

describe('CDK bootstrap', () => {
  const need = {
    account: '111111111111',
    region: 'eu-west-1',
    minimum: BOOTSTRAP_VERSION_FOR_DEPLOY,
    command: 'npx cdk bootstrap aws://111111111111/eu-west-1',
  };

  it('fails when the account is not bootstrapped', async () => {
    const api = fakeAws({
      describeStacks: async () => {
        throw awsError('ValidationError', 'Stack with id CDKToolkit does not exist');
      },
    });
    expect(await checkBootstrap(api, need)).toEqual([
      {
        status: 'fail',
        message: '111111111111/eu-west-1 is not bootstrapped: no CDKToolkit stack',
        fix: 'run npx cdk bootstrap aws://111111111111/eu-west-1',
      },
    ]);
  });

  it('fails below the version the templates check, and warns below the lookup role', async () => {
    const old = await checkBootstrap(
      toolkit((s) => setVersion(s, '5')),
      need,
    );
    expect(old[0]).toEqual({
      status: 'fail',
      message:
        'CDKToolkit in 111111111111/eu-west-1 has bootstrap version 5; at least 6 is needed (every template checks it)',
      fix: 'update it: npx cdk bootstrap aws://111111111111/eu-west-1',
    });
    const noLookup = await checkBootstrap(
      toolkit((s) => setVersion(s, '7')),
      need,
    );
    expect(noLookup[0]?.status).toBe('warn');
  });

  it('fails for a staging account the pipeline promotes without version 8 and trust of the tooling account', async () => {
    // GIVEN staging bootstrapped at version 7 without --trust
    const api = toolkit((s) => {
      setVersion(s, '7');
      setParameter(s, 'TrustedAccounts', '');
      setParameter(s, 'TrustedAccountsForLookup', '');
    });
    const results = await runChecks(awsChecks(awsStaging, delivery), api);
    const findings = results.find((r) => r.id === 'aws.bootstrap')?.findings ?? [];
    const fix =
      'npx cdk bootstrap aws://111111111111/eu-west-1 --trust 444444444444 --trust-for-lookup 444444444444 ' +
      '--cloudformation-execution-policies arn:aws:iam::aws:policy/AdministratorAccess';
    // THEN version, deploy trust and lookup trust each fail, with the bootstrap command of docs/delivery-aws.md
    expect(findings.map((f) => f.message)).toEqual([
      'CDKToolkit in 111111111111/eu-west-1 has bootstrap version 7; at least 8 is needed (the delivery pipeline assumes its lookup role after deploying here)',
      '111111111111/eu-west-1 does not trust the tooling account 444444444444 (TrustedAccounts: none), so the delivery pipeline cannot deploy here',
      "111111111111/eu-west-1 does not let the tooling account 444444444444 assume its lookup role, which the pipeline's CheckCluster step uses",
    ]);
    expect(findings.map((f) => f.fix)).toEqual([`update it: ${fix}`, `run ${fix}`, `run ${fix}`]);
  });

  it('asks production to trust the tooling account for deploys but not for lookups', async () => {
    const checks = awsChecks(awsProduction, delivery).filter((c) => c.id === 'aws.bootstrap');
    const api = toolkit((s) => setParameter(s, 'TrustedAccountsForLookup', ''));
    const results = await runChecks(checks, api);
    expect(results.find((r) => r.id === 'aws.bootstrap')?.findings.map((f) => f.status)).toEqual(['pass', 'pass']);
  });

  it('asks an environment the pipeline does not promote for no trust', async () => {
    const solo: DeliveryEnvironment = { ...delivery, promotionOrder: ['production'] };
    const results = await runChecks(
      awsChecks(awsStaging, solo),
      toolkit((s) => setParameter(s, 'TrustedAccounts', '')),
    );
    expect(results.find((r) => r.id === 'aws.bootstrap')?.findings).toEqual([
      { status: 'pass', message: 'CDKToolkit in 111111111111/eu-west-1 is UPDATE_COMPLETE with bootstrap version 30' },
    ]);
  });

  it('fails for another qualifier and for a stack that never completed', async () => {
    const qualifier = await checkBootstrap(
      toolkit((s) => setParameter(s, 'Qualifier', 'mlops')),
      need,
    );
    expect(failures(qualifier)[0]?.message).toBe(
      "CDKToolkit in 111111111111/eu-west-1 uses qualifier mlops; the app's synthesizer and lib/aws/pipeline.ts expect hnb659fds",
    );
    const broken = await checkBootstrap(
      toolkit((s) => {
        s.StackStatus = 'ROLLBACK_COMPLETE';
      }),
      need,
    );
    expect(broken).toEqual([
      {
        status: 'fail',
        message: 'CDKToolkit in 111111111111/eu-west-1 is ROLLBACK_COMPLETE, which cannot deploy',
        fix:
          'read its events (aws cloudformation describe-stack-events --stack-name CDKToolkit --region eu-west-1), ' +
          'delete it if it never completed, then run npx cdk bootstrap aws://111111111111/eu-west-1',
      },
    ]);
  });

  it('uses the versions and qualifier aws-cdk-lib requires of a synthesized stack', async () => {
    // GIVEN a stack synthesized by the aws-cdk-lib this project uses, with its default synthesizer
    const { App, DefaultStackSynthesizer, Stack } = await import('aws-cdk-lib');
    // (The template checks are not what this reads, and take seconds.)
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'preflight-bootstrap-')),
      builtinCloudFormationValidation: false,
    });
    new Stack(app, 'Probe', { env: { account: '111111111111', region: 'eu-west-1' } });
    const artifact = app.synth().getStackByName('Probe');
    // THEN preflight's numbers are the ones the cloud assembly declares
    expect(artifact.requiresBootstrapStackVersion).toBe(BOOTSTRAP_VERSION_FOR_DEPLOY);
    expect(artifact.lookupRole?.requiresBootstrapStackVersion).toBe(BOOTSTRAP_VERSION_FOR_LOOKUP_ROLE);
    expect(DefaultStackSynthesizer.DEFAULT_QUALIFIER).toBe(BOOTSTRAP_QUALIFIER);
  });
});

describe('the CodeConnections connection', () => {
  const arn = delivery.codeConnectionArn;
  const withStatus = (ConnectionStatus: string) =>
    fakeAws({
      getConnection: async () => {
        const recorded = fixture<{ Connection: object }>('aws/codeconnections-get-connection');
        return { Connection: { ...recorded.Connection, ConnectionStatus } } as Awaited<
          ReturnType<ReturnType<typeof fakeAws>['getConnection']>
        >;
      },
    });

  it('fails for a PENDING connection and says the console must complete it', async () => {
    expect(await checkConnection(withStatus('PENDING'), arn, 'eu-west-1', 'environments/delivery.ts')).toEqual([
      {
        status: 'fail',
        message: 'connection mlops-platform-github (GitHub) is PENDING: the provider handshake was never completed',
        fix:
          'complete it in the console (the CLI cannot): https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-1 ' +
          '> mlops-platform-github > Update pending connection, and authorise the app for the repository',
      },
    ]);
  });

  it('fails for a connection in ERROR', async () => {
    const [finding] = await checkConnection(withStatus('ERROR'), arn, 'eu-west-1', 'environments/delivery.ts');
    expect(finding?.status).toBe('fail');
    expect(finding?.message).toBe('connection mlops-platform-github (GitHub) is ERROR');
  });

  it('fails for a connection that does not exist, with where to create it', async () => {
    const api = fakeAws({
      getConnection: async () => {
        throw awsError('ResourceNotFoundException', `Connection ${arn} not found`);
      },
    });
    const [finding] = await checkConnection(api, arn, 'eu-west-1', 'environments/delivery.ts');
    expect(finding).toEqual({
      status: 'fail',
      message: `no connection ${arn} in this account and region`,
      fix:
        'create it (Developer Tools > Settings > Connections, https://console.aws.amazon.com/codesuite/settings/connections?region=eu-west-1), ' +
        'authorise it, and put its ARN in codeConnectionArn of environments/delivery.ts',
    });
  });
});
