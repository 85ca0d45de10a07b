/**
 * Clients that answer from recorded responses (fixtures/, written from the documented response
 * shapes of each API) so the checks run without a network. Each fake takes overrides for the
 * calls a test changes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsApi } from '../../scripts/preflight/aws';
import type { AzureApi } from '../../scripts/preflight/azure';

/** A fixture, parsed; a fresh copy on every call, so tests may change it. */
export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `${name}.json`), 'utf8')) as T;
}

/** An error as the AWS SDK v3 throws it: `name` is the service's error code. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

/** An error as the Azure SDK throws it (RestError): `code` and `statusCode`. */
export function azureError(code: string, message: string, statusCode?: number): Error {
  return Object.assign(new Error(message), { name: 'RestError', code, statusCode });
}

type QuotaFixture = Record<string, Awaited<ReturnType<AwsApi['getServiceQuota']>>>;
type OfferingPages = Awaited<ReturnType<AwsApi['describeInstanceTypeOfferings']>>[];

/** AwsApi over the fixtures of fixtures/aws/, behaving like the services (filters, pages, errors). */
export function fakeAws(overrides: Partial<AwsApi> = {}): AwsApi {
  const applied = fixture<QuotaFixture>('aws/service-quotas-get-service-quota');
  const defaults = fixture<QuotaFixture>('aws/service-quotas-get-aws-default-service-quota');
  return {
    getCallerIdentity: async () => fixture('aws/sts-get-caller-identity'),
    describeInstanceTypeOfferings: async (input) => {
      const pages = fixture<OfferingPages>('aws/ec2-describe-instance-type-offerings');
      const index = input.NextToken ? pages.findIndex((_, i) => pages[i - 1]?.NextToken === input.NextToken) : 0;
      const page = pages[index] ?? { InstanceTypeOfferings: [] };
      const types = input.Filters?.find((f) => f.Name === 'instance-type')?.Values;
      return {
        ...page,
        InstanceTypeOfferings: (page.InstanceTypeOfferings ?? []).filter(
          (o) => !types || types.includes(o.InstanceType ?? ''),
        ),
      };
    },
    getServiceQuota: async ({ QuotaCode }) => {
      const quota = applied[QuotaCode ?? ''];
      if (!quota)
        throw awsError('NoSuchResourceException', 'The request failed because the specified resource does not exist.');
      return quota;
    },
    getAwsDefaultServiceQuota: async ({ QuotaCode }) => {
      const quota = defaults[QuotaCode ?? ''];
      if (!quota)
        throw awsError('NoSuchResourceException', 'The request failed because the specified resource does not exist.');
      return quota;
    },
    describeStacks: async () => fixture('aws/cloudformation-describe-stacks-cdktoolkit'),
    getConnection: async () => fixture('aws/codeconnections-get-connection'),
    ...overrides,
  };
}

/** AzureApi over the fixtures of fixtures/azure/. */
export function fakeAzure(overrides: Partial<AzureApi> = {}): AzureApi {
  return {
    getSubscription: async () => fixture('azure/subscription'),
    listProviders: async () => fixture('azure/providers'),
    getFeature: async () => fixture('azure/feature-encryption-at-host'),
    listResourceSkus: async () => fixture('azure/resource-skus-westeurope'),
    listUsages: async () => fixture('azure/usages-westeurope'),
    getResource: async () => fixture('azure/storage-account'),
    getContainerProperties: async () => ({ lastModified: new Date('2026-11-02T09:20:00Z') }),
    listBlobNames: async (_account, _container, prefix) =>
      fixture<string[]>('azure/blob-names').filter((name) => name.startsWith(prefix)),
    ...overrides,
  };
}
