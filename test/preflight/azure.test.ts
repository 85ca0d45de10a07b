import { describe, expect, it } from 'vitest';
import { azHybrid } from '../../environments/az-hybrid';
import { azStaging } from '../../environments/az-staging';
import type { AzureEnvironment } from '../../lib/config';
import {
  type AzureApi,
  azureChecks,
  checkEncryptionAtHost,
  checkProviders,
  checkStateBackend,
  checkSubscription,
  checkVcpuQuotas,
  checkVmSizes,
  quotaRequest,
  requiredProviders,
  type SizePlacement,
} from '../../scripts/preflight/azure';
import { type Finding, runChecks } from '../../scripts/preflight/check';
import { azureError, fakeAzure, fixture } from './fakes';

const staging = azStaging as AzureEnvironment;
const hybrid = azHybrid as AzureEnvironment;
const SUB = '11111111-1111-1111-1111-111111111111';
const TENANT = '99999999-9999-9999-9999-999999999999';
const BACKEND = {
  resourceGroupName: 'rg-mlops-tfstate',
  storageAccountName: 'stmlopstfstate',
  containerName: 'tfstate',
};

type Skus = Awaited<ReturnType<AzureApi['listResourceSkus']>>;
type Usages = Awaited<ReturnType<AzureApi['listUsages']>>;
type Providers = Awaited<ReturnType<AzureApi['listProviders']>>;

const failures = (findings: readonly Finding[]) => findings.filter((f) => f.status === 'fail');

/** The recorded SKUs with one changed. */
function skus(name: string, change: (sku: Record<string, unknown>) => void): Pick<AzureApi, 'listResourceSkus'> {
  const all = fixture<Skus>('azure/resource-skus-westeurope');
  const sku = all.find((s) => s.name === name) as Record<string, unknown>;
  change(sku);
  return { listResourceSkus: async () => all };
}

describe('Azure preflight, a passing run', () => {
  it('passes every check of az-staging against the recorded subscription', async () => {
    const results = await runChecks(azureChecks(staging), fakeAzure());
    expect(results.map((r) => r.id)).toEqual([
      'azure.subscription',
      'azure.providers',
      'azure.encryption-at-host',
      'azure.vm-sizes',
      'azure.vcpu-quotas',
      'azure.state-backend',
    ]);
    expect(results.flatMap((r) => r.findings).filter((f) => f.status !== 'pass')).toEqual([]);
    const messages = results.flatMap((r) => r.findings.map((f) => f.message));
    expect(messages).toContain(`subscription mlops-staging (${SUB}) is Enabled, in tenant ${TENANT}`);
    expect(messages).toContain(
      "Standard_NC4as_T4_v3 (GPU pool 'infer') is offered in westeurope, zone 1, 2 and 3, unrestricted",
    );
    expect(messages).toContain(
      'Total Regional Low-priority vCPUs (lowPriorityCores): 64 vCPUs at maximum size ' +
        '(infer: 4 × Standard_NC4as_T4_v3 (4 vCPUs), train: 2 × Standard_NC24ads_A100_v4 (24 vCPUs)); limit 100, 0 in use',
    );
    expect(messages).toContain('container tfstate is readable with Entra ID; state az-staging.tfstate exists');
  });
});

describe('the subscription check', () => {
  it('fails for a subscription of another tenant and skips the rest', async () => {
    const api = fakeAzure({
      getSubscription: async () => ({ ...fixture<object>('azure/subscription'), tenantId: 'aaaa' }),
    });
    const results = await runChecks(azureChecks(staging), api);
    expect(results[0]?.findings).toEqual([
      {
        status: 'fail',
        message: `subscription mlops-staging (${SUB}) belongs to tenant aaaa, not ${TENANT}`,
        fix: 'set target.tenantId to aaaa',
      },
    ]);
    expect(results.slice(1).every((r) => r.findings[0]?.status === 'skip')).toBe(true);
  });

  it('fails for a token of another tenant, with the login to use', async () => {
    const api = fakeAzure({
      getSubscription: async () => {
        throw azureError('InvalidAuthenticationTokenTenant', 'The access token is from the wrong issuer', 401);
      },
    });
    expect(await checkSubscription(api, SUB, TENANT)).toEqual([
      {
        status: 'fail',
        message: `the token is not from tenant ${TENANT}, which holds subscription ${SUB}`,
        fix: `sign in to that tenant: az login --tenant ${TENANT}`,
      },
    ]);
  });

  it('fails for a subscription the identity cannot see', async () => {
    const api = fakeAzure({
      getSubscription: async () => {
        throw azureError('SubscriptionNotFound', `The subscription '${SUB}' could not be found.`, 404);
      },
    });
    const [finding] = await checkSubscription(api, SUB, TENANT);
    expect(finding?.message).toBe(
      `subscription ${SUB} is not visible to the signed-in identity (SubscriptionNotFound)`,
    );
    expect(finding?.fix).toContain(`az login --tenant ${TENANT}`);
  });

  it('fails for a disabled subscription', async () => {
    const api = fakeAzure({
      getSubscription: async () => ({ ...fixture<object>('azure/subscription'), state: 'Disabled' }),
    });
    const [finding] = await checkSubscription(api, SUB, TENANT);
    expect(finding?.status).toBe('fail');
    expect(finding?.message).toBe(
      `subscription mlops-staging (${SUB}) is Disabled; resources can only be created in an Enabled one`,
    );
  });
});

describe('resource providers', () => {
  it('needs the serving, drift and Arc providers only where the environment uses them', () => {
    const names = (env: AzureEnvironment) => requiredProviders(env).map((p) => p.namespace);
    const bare = { ...staging, serving: undefined, hybrid: undefined } as AzureEnvironment;
    expect(names(bare)).not.toContain('Microsoft.AppConfiguration');
    expect(names(bare)).not.toContain('Microsoft.KubernetesConfiguration');
    expect(names(staging)).toEqual(expect.arrayContaining(['Microsoft.AppConfiguration', 'Microsoft.EventGrid']));
    expect(names(staging)).not.toContain('Microsoft.Kubernetes');
    expect(names(hybrid)).toEqual(expect.arrayContaining(['Microsoft.Kubernetes', 'Microsoft.ExtendedLocation']));
    // Arc-enabled servers' providers are not used by the platform
    expect(names(hybrid)).not.toContain('Microsoft.HybridCompute');
    expect(new Set(names(hybrid)).size).toBe(names(hybrid).length);
  });

  it('fails for each unregistered provider, with the command that registers it', async () => {
    // GIVEN az-hybrid's subscription, where the Arc providers were never registered
    const findings = await checkProviders(fakeAzure(), SUB, requiredProviders(hybrid));
    expect(failures(findings)).toEqual([
      {
        status: 'fail',
        message:
          'Microsoft.Kubernetes is NotRegistered; needed for on-premises GPU clusters connected through Azure Arc',
        fix: `az provider register --namespace Microsoft.Kubernetes --subscription ${SUB}`,
      },
      {
        status: 'fail',
        message:
          'Microsoft.ExtendedLocation is NotRegistered; needed for Azure Arc custom locations of the connected clusters',
        fix: `az provider register --namespace Microsoft.ExtendedLocation --subscription ${SUB}`,
      },
    ]);
  });

  it('fails for a provider missing from the list and warns for one still registering', async () => {
    const providers = fixture<Providers>('azure/providers')
      .filter((p) => p.namespace !== 'Microsoft.ApiManagement')
      .map((p) => (p.namespace === 'Microsoft.EventGrid' ? { ...p, registrationState: 'Registering' } : p));
    const findings = await checkProviders({ listProviders: async () => providers }, SUB, requiredProviders(staging));
    expect(findings.filter((f) => f.status !== 'pass').map((f) => [f.status, f.message])).toEqual([
      ['fail', 'Microsoft.ApiManagement is NotRegistered; needed for API Management (api.ts)'],
      [
        'warn',
        'Microsoft.EventGrid is still Registering (the drift jobs publish "drift detected" events to Event Grid)',
      ],
    ]);
  });
});

describe('the EncryptionAtHost feature', () => {
  const withState = (state: string) => ({
    getFeature: async () => ({ ...fixture<object>('azure/feature-encryption-at-host'), properties: { state } }),
  });

  it('fails when not registered, with the registration and the provider refresh', async () => {
    expect(await checkEncryptionAtHost(withState('NotRegistered'), SUB)).toEqual([
      {
        status: 'fail',
        message: 'feature Microsoft.Compute/EncryptionAtHost is NotRegistered; the AKS pools encrypt at host',
        fix:
          `az feature register --namespace Microsoft.Compute --name EncryptionAtHost --subscription ${SUB}, ` +
          `wait until az feature show reports Registered, then az provider register --namespace Microsoft.Compute --subscription ${SUB}`,
      },
    ]);
  });

  it('warns while it registers', async () => {
    expect((await checkEncryptionAtHost(withState('Registering'), SUB))[0]?.status).toBe('warn');
  });
});

describe('VM sizes', () => {
  const t4: SizePlacement = {
    pool: "GPU pool 'infer'",
    vmSize: 'Standard_NC4as_T4_v3',
    zones: ['1', '2', '3'],
    environmentZones: ['1', '2', '3'],
    path: 'kubernetes.gpuPools[0]',
    zonesConfigurable: true,
    capabilities: [],
  };
  const file = 'environments/az-staging.ts';

  it('fails for a size the subscription may not use in the location', async () => {
    const findings = await checkVmSizes(
      fakeAzure(),
      'westeurope',
      [{ ...t4, pool: "GPU pool 'train'", vmSize: 'Standard_ND96isr_H100_v5' }],
      file,
    );
    expect(findings).toEqual([
      {
        status: 'fail',
        message:
          "Standard_ND96isr_H100_v5 (GPU pool 'train') is restricted in westeurope for this subscription (NotAvailableForSubscription)",
        fix: 'open a support request for the size (Help + support > Service and subscription limits (quotas) > Compute-VM), or choose another size',
      },
    ]);
  });

  it('fails for a zone restricted for the subscription, naming the usable zones', async () => {
    const api = skus('Standard_NC4as_T4_v3', (sku) => {
      sku.restrictions = [
        {
          type: 'Zone',
          values: ['westeurope'],
          restrictionInfo: { locations: ['westeurope'], zones: ['3'] },
          reasonCode: 'NotAvailableForSubscription',
        },
      ];
    });
    expect(await checkVmSizes(api, 'westeurope', [t4], file)).toEqual([
      {
        status: 'fail',
        message:
          "Standard_NC4as_T4_v3 (GPU pool 'infer') is not usable in zone 3 (zone 3 restricted for this subscription); usable in zone 1 and 2",
        fix: `set kubernetes.gpuPools[0].zones to ['1', '2'] in ${file}, or choose a size every zone offers`,
      },
    ]);
  });

  it('fails for a zone the location does not offer the size in', async () => {
    const api = skus('Standard_NC4as_T4_v3', (sku) => {
      sku.locationInfo = [{ location: 'westeurope', zones: ['1'] }];
    });
    const [finding] = await checkVmSizes(api, 'westeurope', [t4], file);
    expect(finding?.message).toBe(
      "Standard_NC4as_T4_v3 (GPU pool 'infer') is not usable in zone 2 and 3; usable in zone 1",
    );
    expect(finding?.fix).toBe(
      `set kubernetes.gpuPools[0].zones to ['1'] in ${file}, or choose a size every zone offers`,
    );
  });

  it('fails for a size the location does not offer', async () => {
    const [finding] = await checkVmSizes(fakeAzure(), 'westeurope', [{ ...t4, vmSize: 'Standard_NC64as_T4_v3' }], file);
    expect(finding).toEqual({
      status: 'fail',
      message: "Standard_NC64as_T4_v3 (GPU pool 'infer') is not offered in westeurope",
      fix: `choose another size for kubernetes.gpuPools[0] in ${file}, or another location`,
    });
  });

  it('fails for a system pool size without host encryption', async () => {
    const api = skus('Standard_D4ds_v5', (sku) => {
      sku.capabilities = (sku.capabilities as { name: string; value: string }[]).map((c) =>
        c.name === 'EncryptionAtHostSupported' ? { ...c, value: 'False' } : c,
      );
    });
    const results = await runChecks(
      azureChecks(staging).filter((c) => c.id === 'azure.vm-sizes'),
      fakeAzure(api),
    );
    expect(failures(results[0]?.findings ?? [])).toEqual([
      {
        status: 'fail',
        message: 'Standard_D4ds_v5 (system pool) lacks EncryptionAtHostSupported, which its pool uses',
        fix: `choose a size with EncryptionAtHostSupported for kubernetes.systemPool.machineType in ${file}`,
      },
    ]);
  });
});

describe('vCPU quotas', () => {
  const usages = (change: (u: Usages) => void) => {
    const all = fixture<Usages>('azure/usages-westeurope');
    change(all);
    return { listUsages: async () => all };
  };

  it('fails when a family limit is below the on-demand pools, with the quota request', async () => {
    // GIVEN the A100 pool on demand, where the subscription's A100 family limit is 0
    const findings = await checkVcpuQuotas(fakeAzure(), SUB, 'westeurope', [
      { pool: 'train', vmSize: 'Standard_NC24ads_A100_v4', capacity: 'on-demand', maxNodes: 2 },
    ]);
    expect(failures(findings)).toEqual([
      {
        status: 'fail',
        message:
          'Standard NCADS_A100_v4 Family vCPUs (StandardNCADSA100v4Family): 48 vCPUs at maximum size ' +
          '(train: 2 × Standard_NC24ads_A100_v4 (24 vCPUs)); limit 0, 0 in use',
        fix: quotaRequest(SUB, 'westeurope', 'StandardNCADSA100v4Family', 48),
      },
    ]);
    expect(quotaRequest(SUB, 'westeurope', 'StandardNCADSA100v4Family', 48)).toBe(
      `az quota update --resource-name StandardNCADSA100v4Family --scope /subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope ` +
        '--limit-object value=48 --resource-type dedicated',
    );
    // AND the regional total counts it too, and holds
    expect(findings.find((f) => f.message.startsWith('Total Regional vCPUs'))?.status).toBe('pass');
  });

  it('counts spot pools against the low-priority quota only', async () => {
    const api = usages((all) => {
      const spot = all.find((u) => u.name.value === 'lowPriorityCores');
      if (spot) spot.limit = 10;
    });
    const findings = await checkVcpuQuotas(api, SUB, 'westeurope', [
      { pool: 'infer', vmSize: 'Standard_NC4as_T4_v3', capacity: 'spot', maxNodes: 4 },
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.status).toBe('fail');
    expect(findings[0]?.fix).toContain('--resource-name lowPriorityCores');
    expect(findings[0]?.fix).toContain('--resource-type lowPriority');
  });

  it('warns when other usage leaves less free than the pools need', async () => {
    const api = usages((all) => {
      const family = all.find((u) => u.name.value === 'standardDDSv5Family');
      if (family) family.currentValue = 90;
    });
    const findings = await checkVcpuQuotas(api, SUB, 'westeurope', [
      { pool: 'system', vmSize: 'Standard_D4ds_v5', capacity: 'on-demand', maxNodes: 4 },
    ]);
    expect(findings[0]).toEqual({
      status: 'warn',
      message:
        'Standard DDSv5 Family vCPUs (standardDDSv5Family): 16 vCPUs at maximum size (system: 4 × Standard_D4ds_v5 (4 vCPUs)); ' +
        'limit 100, of which 90 in use: 10 free',
      fix: `if the usage is not this environment's own nodes, request more: ${quotaRequest(SUB, 'westeurope', 'standardDDSv5Family', 106)}`,
    });
  });
});

describe('the Terraform state backend', () => {
  it('fails for a missing storage account, with the command of the README', async () => {
    const api = fakeAzure({
      getResource: async () => {
        throw azureError(
          'ResourceNotFound',
          "The Resource 'Microsoft.Storage/storageAccounts/stmlopstfstate' was not found.",
          404,
        );
      },
    });
    expect(await checkStateBackend(api, SUB, BACKEND, 'az-staging.tfstate')).toEqual([
      {
        status: 'fail',
        message:
          'state storage account stmlopstfstate does not exist in resource group rg-mlops-tfstate (ResourceNotFound)',
        fix:
          'create it (README, "Deploying > Azure"): az storage account create -n stmlopstfstate -g rg-mlops-tfstate --sku Standard_ZRS ' +
          '--min-tls-version TLS1_2 --allow-blob-public-access false --allow-shared-key-access false',
      },
    ]);
  });

  it('fails for a missing container', async () => {
    const api = fakeAzure({
      getContainerProperties: async () => {
        throw azureError('ContainerNotFound', 'The specified container does not exist.', 404);
      },
    });
    expect(failures(await checkStateBackend(api, SUB, BACKEND, 'az-staging.tfstate'))).toEqual([
      {
        status: 'fail',
        message: 'container tfstate does not exist in stmlopstfstate',
        fix: 'az storage container create -n tfstate --account-name stmlopstfstate --auth-mode login',
      },
    ]);
  });

  it('fails without a data role, with the role assignment', async () => {
    const api = fakeAzure({
      listBlobNames: async () => {
        throw azureError(
          'AuthorizationPermissionMismatch',
          'This request is not authorized to perform this operation using this permission.',
          403,
        );
      },
    });
    const [, finding] = await checkStateBackend(api, SUB, BACKEND, 'az-staging.tfstate');
    expect(finding).toEqual({
      status: 'fail',
      message: 'the signed-in identity has no data role on stmlopstfstate/tfstate',
      fix:
        'az role assignment create --role "Storage Blob Data Contributor" --assignee "<your user or the deploy identity>" ' +
        `--scope /subscriptions/${SUB}/resourceGroups/rg-mlops-tfstate/providers/Microsoft.Storage/storageAccounts/stmlopstfstate/blobServices/default/containers/tfstate ` +
        '(Terraform reads, writes and leases the state)',
    });
  });

  it("fails when the account's network rules refuse the client", async () => {
    const api = fakeAzure({
      getContainerProperties: async () => {
        throw azureError('AuthorizationFailure', 'This request is not authorized to perform this operation.', 403);
      },
    });
    const [, finding] = await checkStateBackend(api, SUB, BACKEND, 'az-staging.tfstate');
    expect(finding?.message).toBe(
      'stmlopstfstate refused the request (AuthorizationFailure): its network rules do not admit this client',
    );
    expect(finding?.fix).toContain('az storage account network-rule add -n stmlopstfstate -g rg-mlops-tfstate');
  });

  it('warns when shared keys are allowed, and passes before the first init', async () => {
    const api = fakeAzure({
      getResource: async () => {
        const account = fixture<{ properties: Record<string, unknown> }>('azure/storage-account');
        account.properties.allowSharedKeyAccess = true;
        return account;
      },
      listBlobNames: async () => [],
    });
    expect(await checkStateBackend(api, SUB, BACKEND, 'az-staging.tfstate')).toEqual([
      {
        status: 'warn',
        message:
          'state storage account stmlopstfstate allows shared-key access; the state holds secrets, and the backend uses Entra ID only',
        fix: 'az storage account update -n stmlopstfstate -g rg-mlops-tfstate --allow-shared-key-access false',
      },
      {
        status: 'pass',
        message:
          'container tfstate is readable with Entra ID; no state az-staging.tfstate yet (the first terraform init creates it)',
      },
    ]);
  });

  it('is not checked for an environment with local state', () => {
    const local = { ...staging, target: { ...staging.target, stateBackend: undefined } } as AzureEnvironment;
    expect(azureChecks(local).map((c) => c.id)).not.toContain('azure.state-backend');
  });
});
