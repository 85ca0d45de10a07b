import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import { isAwsEnvironment, type PlatformEnvironment } from '../../lib/config';
import { parsePreflightArgs, UsageError } from '../../scripts/preflight/args';
import type { AwsApi } from '../../scripts/preflight/aws';
import type { AzureApi } from '../../scripts/preflight/azure';
import type { Connection } from '../../scripts/preflight/check';
import { type PreflightDeps, runPreflight } from '../../scripts/preflight/cli';
import { fakeAws, fakeAzure, fixture } from './fakes';

describe('parsePreflightArgs', () => {
  it('reads environment names and flags', () => {
    expect(parsePreflightArgs(['staging', '--dry-run', 'az-staging', 'staging'])).toEqual({
      environments: ['staging', 'az-staging'],
      all: false,
      delivery: false,
      cloud: undefined,
      dryRun: true,
      help: false,
    });
    expect(parsePreflightArgs(['--all', '--cloud', 'azure', '--delivery'])).toMatchObject({
      environments: [],
      all: true,
      delivery: true,
      cloud: 'azure',
    });
    expect(parsePreflightArgs(['--delivery']).delivery).toBe(true);
    expect(parsePreflightArgs(['-h']).help).toBe(true);
  });

  it.each([
    [[], 'name at least one environment, or give --all or --delivery'],
    [['--all', 'staging'], 'name environments or give --all, not both (got staging)'],
    [['--all', '--cloud', 'gcp'], "--cloud must be aws or azure, not 'gcp'"],
    [['staging', '--cloud', 'aws'], '--cloud selects among --all; name environments instead'],
    [['staging', '--profile', 'x'], "Unknown option '--profile'"],
    [['--all', '--cloud'], "Option '--cloud <value>' argument missing"],
  ])('throws when the command line is %j', (argv, message) => {
    expect(() => parsePreflightArgs(argv)).toThrow(UsageError);
    expect(() => parsePreflightArgs(argv)).toThrow(message);
  });
});

/** Deps with recorded clients, capturing the output. */
function deps(options: {
  aws?: Connection<AwsApi>;
  azure?: Connection<AzureApi>;
  environments?: readonly PlatformEnvironment[];
}) {
  const out: string[] = [];
  const err: string[] = [];
  const connected: string[] = [];
  const d: PreflightDeps = {
    environments: options.environments ?? environments,
    delivery,
    connectAws: async (region) => {
      connected.push(`aws:${region}`);
      return options.aws ?? { api: fakeAws() };
    },
    connectAzure: async (tenant, subscription) => {
      connected.push(`azure:${tenant}/${subscription}`);
      return options.azure ?? { api: fakeAzure() };
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  };
  return { deps: d, stdout: () => out.join(''), stderr: () => err.join(''), connected };
}

describe('runPreflight', () => {
  it('lists the checks of staging with the exact aws commands on --dry-run, calling nothing', async () => {
    const run = deps({});
    expect(await runPreflight(['--dry-run', 'staging'], run.deps)).toBe(0);
    expect(run.connected).toEqual([]);
    expect(run.stdout()).toBe(
      [
        'staging (environments/staging.ts): AWS account 111111111111, eu-west-1: 4 checks; by hand:',
        '  1. The credentials are for account 111111111111',
        '     $ aws sts get-caller-identity --region eu-west-1 --query Account --output text',
        '     expect: 111111111111',
        "  2. Every pool's instance type is offered in its zones of eu-west-1",
        '     $ aws ec2 describe-instance-type-offerings --region eu-west-1 --location-type availability-zone ' +
          "--filters Name=instance-type,Values=m7i.large,g6.xlarge,g5.12xlarge --query 'InstanceTypeOfferings[].[InstanceType,Location]' --output text",
        '     expect: m7i.large in eu-west-1a, eu-west-1b; g6.xlarge in eu-west-1a, eu-west-1b; g5.12xlarge in eu-west-1a, eu-west-1b',
        '  3. The vCPU quotas hold every pool at its maximum size',
        '     $ aws service-quotas get-service-quota --region eu-west-1 --service-code ec2 --quota-code L-1216C47A --query "Quota.[QuotaName, Value]" --output text',
        '     $ aws service-quotas get-service-quota --region eu-west-1 --service-code ec2 --quota-code L-3819A6DF --query "Quota.[QuotaName, Value]" --output text',
        '     expect: L-1216C47A >= 8, L-3819A6DF >= 112 (NoSuchResourceException: no value applied yet; get-aws-default-service-quota gives the default)',
        '  4. 111111111111/eu-west-1 is bootstrapped for the CDK (CDKToolkit, version 8+, trusting 444444444444)',
        '     $ aws cloudformation describe-stacks --region eu-west-1 --stack-name CDKToolkit --query ' +
          `"Stacks[0].[StackStatus, Outputs[?OutputKey=='BootstrapVersion'].OutputValue | [0], ` +
          `Parameters[?ParameterKey=='Qualifier'].ParameterValue | [0], Parameters[?ParameterKey=='TrustedAccounts'].ParameterValue | [0], ` +
          `Parameters[?ParameterKey=='TrustedAccountsForLookup'].ParameterValue | [0]]" --output text`,
        '     expect: CREATE_COMPLETE or UPDATE_COMPLETE, a version of at least 8, qualifier hnb659fds, TrustedAccounts containing 444444444444',
        '',
      ].join('\n'),
    );
  });

  it('lists the exact az commands of az-staging on --dry-run', async () => {
    const run = deps({});
    expect(await runPreflight(['az-staging', '--dry-run'], run.deps)).toBe(0);
    const sub = '--subscription 11111111-1111-1111-1111-111111111111';
    const commands = run
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('     $ '))
      .map((line) => line.slice(7));
    expect(commands).toEqual([
      `az account show ${sub} --query '{subscription:id, tenant:tenantId, state:state}' --output json`,
      'for ns in Microsoft.ContainerService Microsoft.Compute Microsoft.Network Microsoft.Storage Microsoft.KeyVault ' +
        'Microsoft.ContainerRegistry Microsoft.ManagedIdentity Microsoft.ApiManagement Microsoft.MachineLearningServices ' +
        'Microsoft.OperationalInsights Microsoft.Insights Microsoft.AlertsManagement Microsoft.PolicyInsights Microsoft.Consumption ' +
        'Microsoft.KubernetesConfiguration Microsoft.AppConfiguration Microsoft.EventGrid; ' +
        `do az provider show --namespace "$ns" ${sub} --query '[namespace, registrationState]' --output tsv; done`,
      `az feature show --namespace Microsoft.Compute --name EncryptionAtHost ${sub} --query properties.state --output tsv`,
      `az vm list-skus --location westeurope --resource-type virtualMachines --all ${sub} --query ` +
        `"[?name=='Standard_D4ds_v5' || name=='Standard_NC4as_T4_v3' || name=='Standard_NC24ads_A100_v4'].{size:name, zones:locationInfo[0].zones, ` +
        'restrictions:restrictions[].{type:type, reason:reasonCode, zones:restrictionInfo.zones}, ' +
        `hostEncryption:capabilities[?name=='EncryptionAtHostSupported'].value | [0], ephemeralOsDisk:capabilities[?name=='EphemeralOSDiskSupported'].value | [0]}" --output json`,
      `az vm list-usage --location westeurope ${sub} --query ` +
        `"[?name.value=='standardDDSv5Family' || name.value=='cores' || name.value=='lowPriorityCores'].{quota:name.value, used:currentValue, limit:limit}" --output table`,
      `az storage account show --name stmlopstfstate --resource-group rg-mlops-tfstate ${sub} --query '{sharedKey:allowSharedKeyAccess, publicNetwork:publicNetworkAccess}' --output json`,
      'az storage container show --name tfstate --account-name stmlopstfstate --auth-mode login --query name --output tsv',
      "az storage blob list --container-name tfstate --account-name stmlopstfstate --auth-mode login --prefix az-staging.tfstate --query '[].name' --output tsv",
    ]);
    expect(run.stdout()).toContain(
      'expect: standardDDSv5Family limit >= 16, cores limit >= 16, lowPriorityCores limit >= 64',
    );
  });

  it('lists the tooling account checks with --delivery', async () => {
    const run = deps({});
    expect(await runPreflight(['--delivery', '--dry-run'], run.deps)).toBe(0);
    expect(run.stdout()).toContain(
      '$ aws codestar-connections get-connection --region eu-west-1 --connection-arn ' +
        'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000 ' +
        '--query Connection.ConnectionStatus --output text',
    );
  });

  it('lists the commands and exits 2 when there are no credentials', async () => {
    const run = deps({ aws: { unavailable: 'no AWS credentials (Could not load credentials from any providers)' } });
    expect(await runPreflight(['staging'], run.deps)).toBe(2);
    expect(run.stdout()).toContain(
      'staging (environments/staging.ts): AWS account 111111111111, eu-west-1: 4 checks not made: ' +
        'no AWS credentials (Could not load credentials from any providers); by hand:',
    );
    expect(run.stdout()).toContain('$ aws sts get-caller-identity --region eu-west-1 --query Account --output text');
    expect(run.stdout()).toContain(
      'Preflight: 0 passed, 0 failed, 0 warnings, 0 skipped; not checked (no credentials): staging',
    );
  });

  it('prints a pass list and exits 0 when every check passes', async () => {
    const run = deps({});
    expect(await runPreflight(['az-staging'], run.deps)).toBe(0);
    expect(run.connected).toEqual(['azure:99999999-9999-9999-9999-999999999999/11111111-1111-1111-1111-111111111111']);
    const out = run.stdout();
    expect(out).toContain('  ok    The credentials reach subscription 11111111-1111-1111-1111-111111111111');
    expect(out).toContain('        ok    feature Microsoft.Compute/EncryptionAtHost is Registered');
    expect(out).not.toContain('FAIL');
    expect(out).toMatch(/Preflight: \d+ passed, 0 failed, 0 warnings, 0 skipped\n$/);
  });

  it('prints each failure with its fix and exits 1', async () => {
    // GIVEN a subscription where EncryptionAtHost was never registered
    const api = fakeAzure({
      getFeature: async () => ({
        ...fixture<object>('azure/feature-encryption-at-host'),
        properties: { state: 'NotRegistered' },
      }),
    });
    const run = deps({ azure: { api } });
    expect(await runPreflight(['az-staging'], run.deps)).toBe(1);
    expect(run.stdout()).toContain(
      [
        '  FAIL  The subscription feature Microsoft.Compute/EncryptionAtHost is registered',
        '        FAIL  feature Microsoft.Compute/EncryptionAtHost is NotRegistered; the AKS pools encrypt at host',
        '              fix: az feature register --namespace Microsoft.Compute --name EncryptionAtHost --subscription 11111111-1111-1111-1111-111111111111, ' +
          'wait until az feature show reports Registered, then az provider register --namespace Microsoft.Compute --subscription 11111111-1111-1111-1111-111111111111',
      ].join('\n'),
    );
  });

  it('checks every environment of one cloud with --all --cloud, connecting once per region', async () => {
    const run = deps({ aws: { unavailable: 'no AWS credentials' } });
    expect(await runPreflight(['--all', '--cloud', 'aws'], run.deps)).toBe(2);
    const aws = environments.filter(isAwsEnvironment);
    expect(run.connected).toEqual([...new Set(aws.map((e) => `aws:${e.target.region}`))]);
    expect(run.stdout()).toContain(`not checked (no credentials): ${aws.map((e) => e.name).join(', ')}`);
  });

  it('exits 2 for an unknown environment, naming the known ones', async () => {
    const run = deps({});
    expect(await runPreflight(['stagin'], run.deps)).toBe(2);
    expect(run.stderr()).toContain(
      `preflight: unknown environment 'stagin'; environments/index.ts lists ${environments.map((e) => e.name).join(', ')}`,
    );
  });

  it('exits 2 for an invalid environment before calling anything', async () => {
    const broken = { ...environments[0], name: 'Staging' } as PlatformEnvironment;
    const run = deps({ environments: [broken] });
    expect(await runPreflight(['Staging'], run.deps)).toBe(2);
    expect(run.stderr()).toMatch(/^preflight: fix the configuration first:\n {2}environments\/Staging\.ts: name/);
    expect(run.connected).toEqual([]);
  });

  it('prints the usage on --help', async () => {
    const run = deps({});
    expect(await runPreflight(['--help'], run.deps)).toBe(0);
    expect(run.stdout()).toMatch(/^Usage: npm run preflight -- \[options\] <environment>\.\.\./);
  });
});
