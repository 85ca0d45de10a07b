/**
 * `AzureApi` on the Azure SDK for JavaScript, with `DefaultAzureCredential` (environment,
 * workload identity, managed identity, Azure CLI, Azure Developer CLI, Azure PowerShell) signed
 * in to the environment's tenant. Public Azure cloud endpoints.
 */
import { ComputeManagementClient } from '@azure/arm-compute';
import { FeatureClient } from '@azure/arm-features';
import { ResourceManagementClient } from '@azure/arm-resources';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import type { AzureApi, AzureSubscription } from './azure';
import { type Connection, errorMessage } from './check';

const ARM = 'https://management.azure.com';
const ARM_SCOPE = `${ARM}/.default`;
/** Subscriptions - Get: https://learn.microsoft.com/rest/api/resources/subscriptions/get */
const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

const credentials = new Map<string, TokenCredential>();

/** One credential per tenant, reused across the environments of a run. */
function credentialFor(tenantId: string): TokenCredential {
  let credential = credentials.get(tenantId);
  if (!credential) {
    credential = new DefaultAzureCredential({ tenantId });
    credentials.set(tenantId, credential);
  }
  return credential;
}

/** ARM's subscription document; the SDK packages at hand have no subscriptions client. */
async function getSubscription(credential: TokenCredential, subscriptionId: string): Promise<AzureSubscription> {
  const token = await credential.getToken(ARM_SCOPE);
  const response = await fetch(`${ARM}/subscriptions/${subscriptionId}?api-version=${SUBSCRIPTIONS_API_VERSION}`, {
    headers: { authorization: `Bearer ${token?.token ?? ''}` },
  });
  const body = (await response.json().catch(() => ({}))) as AzureSubscription & {
    error?: { code?: string; message?: string };
  };
  if (!response.ok) {
    throw Object.assign(new Error(body.error?.message ?? response.statusText), {
      code: body.error?.code ?? `HTTP${response.status}`,
      statusCode: response.status,
    });
  }
  return body;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Clients for one subscription, once a token for the tenant can be had. */
export async function connectAzure(tenantId: string, subscriptionId: string): Promise<Connection<AzureApi>> {
  const credential = credentialFor(tenantId);
  try {
    await credential.getToken(ARM_SCOPE);
  } catch (error) {
    return { unavailable: `no Azure credentials for tenant ${tenantId} (${errorMessage(error)})` };
  }
  const resources = new ResourceManagementClient(credential, subscriptionId);
  const features = new FeatureClient(credential, subscriptionId);
  const compute = new ComputeManagementClient(credential, subscriptionId);
  const container = (account: string, name: string) =>
    new ContainerClient(`https://${account}.blob.core.windows.net/${name}`, credential);

  const api: AzureApi = {
    getSubscription: () => getSubscription(credential, subscriptionId),
    listProviders: () => all(resources.providers.list()),
    getFeature: (namespace, name) => features.features.get(namespace, name),
    listResourceSkus: (location) => all(compute.resourceSkus.list({ filter: `location eq '${location}'` })),
    listUsages: (location) => all(compute.usage.list(location)),
    getResource: (id, apiVersion) => resources.resources.getById(id, apiVersion),
    getContainerProperties: (account, name) => container(account, name).getProperties(),
    listBlobNames: async (account, name, prefix) => {
      const page = await container(account, name).listBlobsFlat({ prefix }).byPage({ maxPageSize: 100 }).next();
      return page.done ? [] : page.value.segment.blobItems.map((blob) => blob.name);
    },
  };
  return { api };
}
