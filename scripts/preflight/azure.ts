/**
 * Azure preflight: what offline synthesis cannot know about the target subscription and location.
 *
 * Every check takes the narrow slice of `AzureApi` it calls, so the tests inject recorded
 * responses; `azure-sdk.ts` implements `AzureApi` with the Azure SDK for JavaScript.
 */
import type { ResourceSku, Usage } from '@azure/arm-compute';
import type { FeatureResult } from '@azure/arm-features';
import type { GenericResource, Provider } from '@azure/arm-resources';
import {
  type AzureEnvironment,
  type AzureStateBackend,
  type CapacityType,
  environmentFile,
  machineSpec,
  resolveGpuMachineType,
} from '../../lib/config';
import { type Check, errorCode, errorStatus, type Finding, fail, list, pass, shellQuote, warn } from './check';

/** The subscription as ARM returns it (`GET /subscriptions/{id}`, api-version 2022-12-01). */
export interface AzureSubscription {
  readonly subscriptionId?: string;
  readonly tenantId?: string;
  readonly displayName?: string;
  /** `Enabled`, `Warned`, `PastDue`, `Disabled` or `Deleted`. */
  readonly state?: string;
}

/** The Azure calls preflight makes, in the SDKs' response shapes. */
export interface AzureApi {
  getSubscription(): Promise<AzureSubscription>;
  listProviders(): Promise<Provider[]>;
  getFeature(namespace: string, name: string): Promise<FeatureResult>;
  /** Compute resource SKUs of one location (`$filter=location eq '<location>'`). */
  listResourceSkus(location: string): Promise<ResourceSku[]>;
  /** Compute usage and limits of one location. */
  listUsages(location: string): Promise<Usage[]>;
  /** A resource by id through ARM (`GET <id>?api-version=...`). */
  getResource(id: string, apiVersion: string): Promise<GenericResource>;
  /** Blob service: container properties, with Entra ID. */
  getContainerProperties(account: string, container: string): Promise<unknown>;
  /** Blob service: the first page of blob names under `prefix` in a container, with Entra ID. */
  listBlobNames(account: string, container: string, prefix: string): Promise<string[]>;
}

// ---- the subscription -------------------------------------------------------------------------

/** The credentials reach the target subscription, in the target tenant, and it is enabled. */
export async function checkSubscription(
  api: Pick<AzureApi, 'getSubscription'>,
  subscriptionId: string,
  tenantId: string,
): Promise<Finding[]> {
  let subscription: AzureSubscription;
  try {
    subscription = await api.getSubscription();
  } catch (error) {
    const code = errorCode(error);
    if (code === 'InvalidAuthenticationTokenTenant') {
      return [
        fail(
          `the token is not from tenant ${tenantId}, which holds subscription ${subscriptionId}`,
          `sign in to that tenant: az login --tenant ${tenantId}`,
        ),
      ];
    }
    if (code === 'SubscriptionNotFound' || errorStatus(error) === 404 || errorStatus(error) === 403) {
      return [
        fail(
          `subscription ${subscriptionId} is not visible to the signed-in identity (${code})`,
          `sign in with an identity that has a role on it (az login --tenant ${tenantId}; az account list shows what you can reach), ` +
            'or correct target.subscriptionId',
        ),
      ];
    }
    throw error;
  }
  const findings: Finding[] = [];
  const name = subscription.displayName ? `${subscription.displayName} (${subscriptionId})` : subscriptionId;
  if ((subscription.subscriptionId ?? '').toLowerCase() !== subscriptionId.toLowerCase()) {
    findings.push(
      fail(
        `ARM answered for subscription ${subscription.subscriptionId ?? 'unknown'}, not ${subscriptionId}`,
        'correct target.subscriptionId',
      ),
    );
  } else if ((subscription.tenantId ?? '').toLowerCase() !== tenantId.toLowerCase()) {
    findings.push(
      fail(
        `subscription ${name} belongs to tenant ${subscription.tenantId ?? 'unknown'}, not ${tenantId}`,
        `set target.tenantId to ${subscription.tenantId ?? 'the subscription tenant'}`,
      ),
    );
  } else if (subscription.state !== 'Enabled') {
    findings.push(
      fail(
        `subscription ${name} is ${subscription.state ?? 'in an unknown state'}; resources can only be created in an Enabled one`,
        'reactivate it (Cost Management + Billing) or use another subscription',
      ),
    );
  } else {
    findings.push(pass(`subscription ${name} is Enabled, in tenant ${tenantId}`));
  }
  return findings;
}

// ---- resource providers -----------------------------------------------------------------------

export interface ProviderNeed {
  readonly namespace: string;
  /** What the platform creates with it. */
  readonly why: string;
}

/**
 * The resource providers an environment needs registered, each with what uses it. An unregistered
 * provider fails `terraform apply` with errors that do not say so ("API version ... was not found").
 * azurerm registers a set of providers itself when the identity may (`*\/register/action`), but a
 * plan identity may not, and Microsoft advises registering only what is used
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types).
 *
 * Checked against lib/azure (resource types by azurerm import) and the serving design:
 * - not needed: Microsoft.Dashboard (no Managed Grafana; dashboards are Azure Monitor's own),
 *   Microsoft.HybridCompute and Microsoft.GuestConfiguration (Arc-enabled *servers*; on-premises
 *   GPUs join as an Arc-enabled *Kubernetes* cluster, docs/hybrid-azure.md);
 * - registered by default in every subscription and not listed: Microsoft.Authorization (role
 *   assignments), Microsoft.Resources (resource groups), Microsoft.Features.
 */
export function requiredProviders(env: AzureEnvironment): ProviderNeed[] {
  const models = env.serving?.models ?? [];
  const needs: ProviderNeed[] = [
    { namespace: 'Microsoft.ContainerService', why: 'the AKS cluster and its node pools (cluster.ts, gpu-pool.ts)' },
    {
      namespace: 'Microsoft.Compute',
      why: 'the AKS nodes are VM scale sets; it must be registered again after the EncryptionAtHost feature',
    },
    {
      namespace: 'Microsoft.Network',
      why: 'VNet, NSGs, NAT, private endpoints and DNS zones, DNS resolver, VPN gateway',
    },
    { namespace: 'Microsoft.Storage', why: 'the data lake and the ML workspace store (storage.ts, ml-workspace.ts)' },
    { namespace: 'Microsoft.KeyVault', why: 'the key vault, its keys and secrets (keys.ts)' },
    { namespace: 'Microsoft.ContainerRegistry', why: 'the registry and its cache rules (registry.ts)' },
    { namespace: 'Microsoft.ManagedIdentity', why: 'user-assigned identities and federated credentials' },
    { namespace: 'Microsoft.ApiManagement', why: 'API Management (api.ts)' },
    { namespace: 'Microsoft.MachineLearningServices', why: 'the Azure Machine Learning workspace (ml-workspace.ts)' },
    { namespace: 'Microsoft.OperationalInsights', why: 'the Log Analytics workspace (monitoring.ts)' },
    {
      namespace: 'Microsoft.Insights',
      why: 'Application Insights, diagnostic settings, metric and log alerts, action groups, Container Insights data collection',
    },
    {
      namespace: 'Microsoft.AlertsManagement',
      why: "Application Insights' generated Failure Anomalies rule (a smart detector alert rule)",
    },
    { namespace: 'Microsoft.PolicyInsights', why: 'the AKS Azure Policy add-on (azurePolicyEnabled in cluster.ts)' },
    { namespace: 'Microsoft.Consumption', why: 'the monthly budget (monitoring.ts); registered by default' },
  ];
  if (models.length > 0) {
    // The serving workload (docs/serving.md): manifests reach the private cluster through the AKS
    // Flux extension, and the model flags live in App Configuration, read through its AKS extension.
    needs.push(
      {
        namespace: 'Microsoft.KubernetesConfiguration',
        why: 'cluster extensions: Flux (serving manifests) and the App Configuration provider',
      },
      { namespace: 'Microsoft.AppConfiguration', why: 'the feature flags of the models (serving.models[].flags)' },
    );
  }
  if (models.some((m) => m.drift)) {
    needs.push({
      namespace: 'Microsoft.EventGrid',
      why: 'the drift jobs publish "drift detected" events to Event Grid',
    });
  }
  if (env.hybrid) {
    // Arc-enabled Kubernetes (docs/hybrid-azure.md, "Before you start").
    needs.push(
      { namespace: 'Microsoft.Kubernetes', why: 'on-premises GPU clusters connected through Azure Arc' },
      { namespace: 'Microsoft.ExtendedLocation', why: 'Azure Arc custom locations of the connected clusters' },
    );
    if (!needs.some((n) => n.namespace === 'Microsoft.KubernetesConfiguration')) {
      needs.push({ namespace: 'Microsoft.KubernetesConfiguration', why: 'extensions on the Arc-connected clusters' });
    }
  }
  return needs;
}

/** Every needed resource provider is Registered in the subscription. */
export async function checkProviders(
  api: Pick<AzureApi, 'listProviders'>,
  subscriptionId: string,
  needs: readonly ProviderNeed[],
): Promise<Finding[]> {
  const providers = await api.listProviders();
  const state = new Map(providers.map((p) => [(p.namespace ?? '').toLowerCase(), p.registrationState ?? 'Unknown']));
  return needs.map(({ namespace, why }) => {
    const current = state.get(namespace.toLowerCase()) ?? 'NotRegistered';
    const register = `az provider register --namespace ${namespace} --subscription ${subscriptionId}`;
    if (current === 'Registered') return pass(`${namespace} is Registered (${why})`);
    if (current === 'Registering') {
      return warn(`${namespace} is still Registering (${why})`, `wait a few minutes, then run preflight again`);
    }
    return fail(`${namespace} is ${current}; needed for ${why}`, register);
  });
}

// ---- subscription features --------------------------------------------------------------------

/**
 * Microsoft.Compute/EncryptionAtHost is registered: the AKS system pool sets
 * `host_encryption_enabled` (lib/azure/cluster.ts), which Azure refuses without it.
 * https://learn.microsoft.com/azure/aks/enable-host-encryption
 */
export async function checkEncryptionAtHost(
  api: Pick<AzureApi, 'getFeature'>,
  subscriptionId: string,
): Promise<Finding[]> {
  const feature = await api.getFeature('Microsoft.Compute', 'EncryptionAtHost');
  const state = feature.properties?.state ?? 'NotRegistered';
  const reRegister = `az provider register --namespace Microsoft.Compute --subscription ${subscriptionId}`;
  if (state === 'Registered') return [pass('feature Microsoft.Compute/EncryptionAtHost is Registered')];
  if (state === 'Registering' || state === 'Pending') {
    return [
      warn(
        `feature Microsoft.Compute/EncryptionAtHost is ${state}`,
        `wait until it is Registered (minutes), then propagate it: ${reRegister}`,
      ),
    ];
  }
  return [
    fail(
      `feature Microsoft.Compute/EncryptionAtHost is ${state}; the AKS pools encrypt at host`,
      `az feature register --namespace Microsoft.Compute --name EncryptionAtHost --subscription ${subscriptionId}, ` +
        `wait until az feature show reports Registered, then ${reRegister}`,
    ),
  ];
}

// ---- VM sizes per location and zone -----------------------------------------------------------

export interface SizePlacement {
  /** `GPU pool 'infer'`, `system pool`. */
  readonly pool: string;
  readonly vmSize: string;
  /** Zones the nodes go to (`'1'`, ...). */
  readonly zones: readonly string[];
  readonly environmentZones: readonly string[];
  /** Field path in the environment file. */
  readonly path: string;
  readonly zonesConfigurable: boolean;
  /** Capabilities the pool's settings need, as resource SKU capability names (`EncryptionAtHostSupported`). */
  readonly capabilities: readonly string[];
}

const sameName = (a: string | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/**
 * Each VM size is offered in the location and in each zone its nodes go to, with no restriction
 * for this subscription, and has the capabilities its pool uses. Resource SKUs list what the
 * location offers (`locationInfo[].zones`) and what this subscription may not use (`restrictions`:
 * type `Location` or `Zone`, reason `NotAvailableForSubscription` or `QuotaId`).
 * https://learn.microsoft.com/rest/api/compute/resource-skus/list
 */
export async function checkVmSizes(
  api: Pick<AzureApi, 'listResourceSkus'>,
  location: string,
  placements: readonly SizePlacement[],
  file: string,
): Promise<Finding[]> {
  const skus = (await api.listResourceSkus(location)).filter((s) => s.resourceType === 'virtualMachines');
  const support =
    'open a support request for the size (Help + support > Service and subscription limits (quotas) > Compute-VM), or choose another size';
  const findings: Finding[] = [];
  for (const p of placements) {
    const what = `${p.vmSize} (${p.pool})`;
    const sku = skus.find((s) => sameName(s.name, p.vmSize));
    if (!sku) {
      findings.push(
        fail(
          `${what} is not offered in ${location}`,
          `choose another size for ${p.path} in ${file}, or another location`,
        ),
      );
      continue;
    }
    const restrictions = sku.restrictions ?? [];
    const locationBlock = restrictions.find(
      (r) => r.type === 'Location' && (r.values ?? []).some((v) => sameName(v, location)),
    );
    if (locationBlock) {
      findings.push(
        fail(
          `${what} is restricted in ${location} for this subscription (${locationBlock.reasonCode ?? 'no reason given'})`,
          support,
        ),
      );
      continue;
    }
    const info = (sku.locationInfo ?? []).find((l) => sameName(l.location, location));
    const blockedZones = new Set(
      restrictions.filter((r) => r.type === 'Zone').flatMap((r) => r.restrictionInfo?.zones ?? []),
    );
    const zones = (info?.zones ?? []).filter((z) => !blockedZones.has(z)).sort();
    const missing = p.zones.filter((z) => !zones.includes(z));
    if (missing.length > 0) {
      const restricted = missing.filter((z) => blockedZones.has(z));
      const elsewhere = zones.length > 0 ? `usable in zone ${list(zones)}` : `usable in no zone of ${location}`;
      const usable = p.environmentZones.filter((z) => zones.includes(z));
      const fix =
        restricted.length > 0 && usable.length === 0
          ? support
          : p.zonesConfigurable && usable.length > 0
            ? `set ${p.path}.zones to [${usable.map((z) => `'${z}'`).join(', ')}] in ${file}, or choose a size every zone offers`
            : `choose another size for ${p.path} in ${file}: not every zone of the environment offers ${p.vmSize}`;
      const why = restricted.length > 0 ? ` (zone ${list(restricted)} restricted for this subscription)` : '';
      findings.push(fail(`${what} is not usable in zone ${list(missing)}${why}; ${elsewhere}`, fix));
      continue;
    }
    const lacking = p.capabilities.filter(
      (name) => !(sku.capabilities ?? []).some((c) => c.name === name && (c.value ?? '').toLowerCase() === 'true'),
    );
    if (lacking.length > 0) {
      findings.push(
        fail(
          `${what} lacks ${list(lacking)}, which its pool uses`,
          `choose a size with ${list(lacking)} for ${p.path} in ${file}`,
        ),
      );
      continue;
    }
    findings.push(pass(`${what} is offered in ${location}, zone ${list([...p.zones])}, unrestricted`));
  }
  return findings;
}

// ---- vCPU quotas ------------------------------------------------------------------------------

/** Usage names of the regional totals: regular VMs, and spot (which count as low-priority). */
export const REGIONAL_VCPUS = 'cores';
export const REGIONAL_SPOT_VCPUS = 'lowPriorityCores';

export interface AzureVcpuDemand {
  readonly pool: string;
  readonly vmSize: string;
  readonly capacity: CapacityType;
  readonly maxNodes: number;
}

/** The `az quota update` command that requests a new limit for one usage name. */
export function quotaRequest(subscriptionId: string, location: string, usage: string, limit: number): string {
  const type = usage === REGIONAL_SPOT_VCPUS ? 'lowPriority' : 'dedicated';
  return (
    `az quota update --resource-name ${usage} --scope /subscriptions/${subscriptionId}/providers/Microsoft.Compute/locations/${location} ` +
    `--limit-object value=${limit} --resource-type ${type}`
  );
}

/**
 * The location's vCPU quotas hold every pool at its maximum size: on-demand pools count against
 * their VM family's quota and the regional total; spot pools only against the regional
 * low-priority quota. https://learn.microsoft.com/azure/virtual-machines/quotas and
 * https://learn.microsoft.com/azure/virtual-machines/spot-vms#quota
 *
 * A limit below the need fails. Usage by other workloads (or by this environment, on a re-run)
 * that leaves less free than the need is a warning: it may be this environment's own nodes.
 */
export async function checkVcpuQuotas(
  api: Pick<AzureApi, 'listUsages'>,
  subscriptionId: string,
  location: string,
  demands: readonly AzureVcpuDemand[],
): Promise<Finding[]> {
  const usages = await api.listUsages(location);
  const findings: Finding[] = [];
  const needs = new Map<string, { vcpus: number; parts: string[] }>();
  const add = (usage: string, vcpus: number, part: string) => {
    const entry = needs.get(usage) ?? { vcpus: 0, parts: [] };
    entry.vcpus += vcpus;
    entry.parts.push(part);
    needs.set(usage, entry);
  };
  for (const d of demands) {
    const spec = machineSpec(d.vmSize);
    if (spec?.cloud !== 'azure') {
      findings.push(
        warn(
          `${d.vmSize} (${d.pool}): vCPUs and quota family unknown, so its quota is not checked`,
          'add the size to lib/config/machines.ts (vCPUs and the family name az vm list-usage shows)',
        ),
      );
      continue;
    }
    const vcpus = d.maxNodes * spec.vcpus;
    const part = `${d.pool}: ${d.maxNodes} × ${d.vmSize} (${spec.vcpus} vCPUs)`;
    if (d.capacity === 'spot') {
      add(REGIONAL_SPOT_VCPUS, vcpus, part);
    } else {
      add(spec.quota, vcpus, part);
      add(REGIONAL_VCPUS, vcpus, part);
    }
  }
  for (const [name, { vcpus, parts }] of needs) {
    const usage = usages.find((u) => sameName(u.name?.value, name));
    const label = usage?.name?.localizedValue ? `${usage.name.localizedValue} (${name})` : name;
    const what = `${label}: ${vcpus} vCPUs at maximum size (${parts.join(', ')})`;
    // Ask for the need on top of what is in use elsewhere (Portal > Quotas > Compute works too).
    const request = quotaRequest(subscriptionId, location, name, vcpus + (usage?.currentValue ?? 0));
    if (!usage) {
      findings.push(fail(`${what}; ${location} reports no such quota for this subscription`, request));
    } else if (vcpus > usage.limit) {
      findings.push(fail(`${what}; limit ${usage.limit}, ${usage.currentValue} in use`, request));
    } else if (vcpus > usage.limit - usage.currentValue) {
      findings.push(
        warn(
          `${what}; limit ${usage.limit}, of which ${usage.currentValue} in use: ${usage.limit - usage.currentValue} free`,
          `if the usage is not this environment's own nodes, request more: ${request}`,
        ),
      );
    } else {
      findings.push(pass(`${what}; limit ${usage.limit}, ${usage.currentValue} in use`));
    }
  }
  return findings;
}

// ---- Terraform state --------------------------------------------------------------------------

/** Storage accounts, as ARM serves them (api-version of Microsoft.Storage/storageAccounts). */
export const STORAGE_API_VERSION = '2023-05-01';

export function storageAccountId(subscriptionId: string, backend: AzureStateBackend): string {
  return (
    `/subscriptions/${subscriptionId}/resourceGroups/${backend.resourceGroupName}` +
    `/providers/Microsoft.Storage/storageAccounts/${backend.storageAccountName}`
  );
}

/**
 * The Terraform state account and container exist and the caller reads them with Entra ID (the
 * backend sets `use_azuread_auth`; shared keys are off). Read access is what preflight can prove
 * without writing: `terraform init` also needs write and lease (Storage Blob Data Contributor).
 */
export async function checkStateBackend(
  api: Pick<AzureApi, 'getResource' | 'getContainerProperties' | 'listBlobNames'>,
  subscriptionId: string,
  backend: AzureStateBackend,
  key: string,
): Promise<Finding[]> {
  const { storageAccountName: account, containerName: container, resourceGroupName: group } = backend;
  const id = storageAccountId(subscriptionId, backend);
  const create =
    `create it (README, "Deploying > Azure"): az storage account create -n ${account} -g ${group} --sku Standard_ZRS ` +
    '--min-tls-version TLS1_2 --allow-blob-public-access false --allow-shared-key-access false';
  const findings: Finding[] = [];

  let resource: GenericResource;
  try {
    resource = await api.getResource(id, STORAGE_API_VERSION);
  } catch (error) {
    if (errorStatus(error) === 404 || /NotFound$/.test(errorCode(error))) {
      return [
        fail(
          `state storage account ${account} does not exist in resource group ${group} (${errorCode(error)})`,
          create,
        ),
      ];
    }
    throw error;
  }
  const properties = (resource.properties ?? {}) as { allowSharedKeyAccess?: boolean; publicNetworkAccess?: string };
  if (properties.allowSharedKeyAccess === false) {
    findings.push(pass(`state storage account ${account} exists, shared-key access off`));
  } else {
    findings.push(
      warn(
        `state storage account ${account} allows shared-key access; the state holds secrets, and the backend uses Entra ID only`,
        `az storage account update -n ${account} -g ${group} --allow-shared-key-access false`,
      ),
    );
  }

  const assignee = '<your user or the deploy identity>';
  const role =
    `az role assignment create --role "Storage Blob Data Contributor" --assignee ${shellQuote(assignee)} ` +
    `--scope ${id}/blobServices/default/containers/${container}`;
  try {
    await api.getContainerProperties(account, container);
    const blobs = await api.listBlobNames(account, container, key);
    const state = blobs.includes(key)
      ? `state ${key} exists`
      : `no state ${key} yet (the first terraform init creates it)`;
    findings.push(pass(`container ${container} is readable with Entra ID; ${state}`));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ContainerNotFound') {
      findings.push(
        fail(
          `container ${container} does not exist in ${account}`,
          `az storage container create -n ${container} --account-name ${account} --auth-mode login`,
        ),
      );
    } else if (code === 'AuthorizationPermissionMismatch') {
      findings.push(
        fail(
          `the signed-in identity has no data role on ${account}/${container}`,
          `${role} (Terraform reads, writes and leases the state)`,
        ),
      );
    } else if (code === 'AuthorizationFailure' || code === 'KeyBasedAuthenticationNotPermitted') {
      findings.push(
        fail(
          `${account} refused the request (${code}): its network rules do not admit this client`,
          `run from a network the account admits (Terraform runs there too), or add this address: ` +
            `az storage account network-rule add -n ${account} -g ${group} --ip-address <your public IP>`,
        ),
      );
    } else if (errorStatus(error) === undefined) {
      findings.push(
        fail(
          `cannot reach https://${account}.blob.core.windows.net (${code})`,
          'check the account name, DNS and the route to it (a private endpoint needs its private DNS zone)',
        ),
      );
    } else {
      throw error;
    }
  }
  return findings;
}

// ---- the check list -----------------------------------------------------------------------------

/** The zones AKS pools use: `'1'` to `'<availabilityZones>'` (lib/azure/network.ts `zoneList`). */
export function azureZones(env: AzureEnvironment): string[] {
  return Array.from({ length: env.network.availabilityZones }, (_, i) => String(i + 1));
}

export function azurePlacements(env: AzureEnvironment): SizePlacement[] {
  const environmentZones = azureZones(env);
  const k8s = env.kubernetes;
  return [
    {
      pool: 'system pool',
      vmSize: k8s.systemPool.machineType,
      zones: environmentZones,
      environmentZones,
      path: 'kubernetes.systemPool.machineType',
      zonesConfigurable: false,
      // The system pool encrypts at host and runs on ephemeral OS disks (lib/azure/cluster.ts).
      capabilities: ['EncryptionAtHostSupported', 'EphemeralOSDiskSupported'],
    },
    ...k8s.gpuPools.map((pool, i) => ({
      pool: `GPU pool '${pool.name}'`,
      vmSize: resolveGpuMachineType('azure', pool),
      zones: pool.zones && pool.zones.length > 0 ? pool.zones : environmentZones,
      environmentZones,
      path: `kubernetes.gpuPools[${i}]`,
      zonesConfigurable: true,
      capabilities: [],
    })),
  ];
}

/** Every pool at its maximum size; the system pool is regular (on-demand) capacity. */
export function azureDemands(env: AzureEnvironment): AzureVcpuDemand[] {
  const k8s = env.kubernetes;
  return [
    { pool: 'system', vmSize: k8s.systemPool.machineType, capacity: 'on-demand', maxNodes: k8s.systemPool.maxNodes },
    ...k8s.gpuPools.map((pool) => ({
      pool: pool.name,
      vmSize: resolveGpuMachineType('azure', pool),
      capacity: pool.capacity,
      maxNodes: pool.maxNodes,
    })),
  ];
}

/** The checks of one Azure environment. */
export function azureChecks(env: AzureEnvironment): Check<AzureApi>[] {
  const { subscriptionId, tenantId, location, stateBackend } = env.target;
  const file = environmentFile(env);
  const sub = `--subscription ${subscriptionId}`;
  const providers = requiredProviders(env);
  const placements = azurePlacements(env);
  const demands = azureDemands(env);
  const sizes = [...new Set(placements.map((p) => p.vmSize))];
  const usageNames = [
    ...new Set(
      demands.flatMap((d) =>
        d.capacity === 'spot' ? [REGIONAL_SPOT_VCPUS] : [machineSpec(d.vmSize)?.quota ?? '', REGIONAL_VCPUS],
      ),
    ),
  ].filter(Boolean);
  const jmesOr = (field: string, values: readonly string[]) => values.map((v) => `${field}=='${v}'`).join(' || ');

  const checks: Check<AzureApi>[] = [
    {
      id: 'azure.subscription',
      title: `The credentials reach subscription ${subscriptionId} in tenant ${tenantId}`,
      commands: [`az account show ${sub} --query '{subscription:id, tenant:tenantId, state:state}' --output json`],
      expect: `subscription ${subscriptionId}, tenant ${tenantId}, state Enabled`,
      permissions: ['Reader on the subscription'],
      gate: true,
      run: (api) => checkSubscription(api, subscriptionId, tenantId),
    },
    {
      id: 'azure.providers',
      title: 'The resource providers the platform uses are registered',
      commands: [
        `for ns in ${providers.map((p) => p.namespace).join(' ')}; do ` +
          `az provider show --namespace "$ns" ${sub} --query '[namespace, registrationState]' --output tsv; done`,
      ],
      expect: 'Registered for each',
      permissions: ['Microsoft.Resources/subscriptions/providers/read (Reader)'],
      run: (api) => checkProviders(api, subscriptionId, providers),
    },
    {
      id: 'azure.encryption-at-host',
      title: 'The subscription feature Microsoft.Compute/EncryptionAtHost is registered',
      commands: [
        `az feature show --namespace Microsoft.Compute --name EncryptionAtHost ${sub} --query properties.state --output tsv`,
      ],
      expect: 'Registered',
      permissions: ['Microsoft.Features/providers/features/read (Reader)'],
      run: (api) => checkEncryptionAtHost(api, subscriptionId),
    },
    {
      id: 'azure.vm-sizes',
      title: `Every pool's VM size is offered, unrestricted, in its zones of ${location}`,
      commands: [
        `az vm list-skus --location ${location} --resource-type virtualMachines --all ${sub} ` +
          `--query ${shellQuote(`[?${jmesOr('name', sizes)}].{size:name, zones:locationInfo[0].zones, restrictions:restrictions[].{type:type, reason:reasonCode, zones:restrictionInfo.zones}, hostEncryption:capabilities[?name=='EncryptionAtHostSupported'].value | [0], ephemeralOsDisk:capabilities[?name=='EphemeralOSDiskSupported'].value | [0]}`)} --output json`,
      ],
      expect:
        placements.map((p) => `${p.vmSize} in zones ${p.zones.join(', ')}`).join('; ') +
        '; no restrictions; hostEncryption and ephemeralOsDisk True for the system pool size',
      permissions: ['Microsoft.Compute/skus/read (Reader)'],
      run: (api) => checkVmSizes(api, location, placements, file),
    },
    {
      id: 'azure.vcpu-quotas',
      title: `The vCPU quotas of ${location} hold every pool at its maximum size`,
      commands: [
        `az vm list-usage --location ${location} ${sub} ` +
          `--query ${shellQuote(`[?${jmesOr('name.value', usageNames)}].{quota:name.value, used:currentValue, limit:limit}`)} --output table`,
      ],
      expect: (() => {
        const totals = new Map<string, number>();
        for (const d of demands) {
          const spec = machineSpec(d.vmSize);
          if (!spec) continue;
          const names = d.capacity === 'spot' ? [REGIONAL_SPOT_VCPUS] : [spec.quota, REGIONAL_VCPUS];
          for (const n of names) totals.set(n, (totals.get(n) ?? 0) + d.maxNodes * spec.vcpus);
        }
        return [...totals].map(([n, v]) => `${n} limit >= ${v}`).join(', ');
      })(),
      permissions: ['Microsoft.Compute/locations/usages/read (Reader)'],
      run: (api) => checkVcpuQuotas(api, subscriptionId, location, demands),
    },
  ];

  if (stateBackend) {
    const key = stateBackend.key ?? `${env.name}.tfstate`;
    const { storageAccountName: account, containerName: container, resourceGroupName: group } = stateBackend;
    checks.push({
      id: 'azure.state-backend',
      title: `The Terraform state container ${account}/${container} exists and is readable with Entra ID`,
      commands: [
        `az storage account show --name ${account} --resource-group ${group} ${sub} --query '{sharedKey:allowSharedKeyAccess, publicNetwork:publicNetworkAccess}' --output json`,
        `az storage container show --name ${container} --account-name ${account} --auth-mode login --query name --output tsv`,
        `az storage blob list --container-name ${container} --account-name ${account} --auth-mode login --prefix ${key} --query '[].name' --output tsv`,
      ],
      expect: `sharedKey false; the container name; ${key} once Terraform has run`,
      permissions: [
        'Microsoft.Storage/storageAccounts/read (Reader)',
        'Storage Blob Data Reader or Contributor on the container',
      ],
      run: (api) => checkStateBackend(api, subscriptionId, stateBackend, key),
    });
  }
  return checks;
}
