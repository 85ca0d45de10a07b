/**
 * `AwsApi` on the AWS SDK for JavaScript v3, with the default credential chain (environment,
 * `AWS_PROFILE` / SSO, web identity, container or instance role).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { DescribeInstanceTypeOfferingsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsApi } from './aws';
import { type Connection, errorMessage } from './check';

/** Clients for one region, once the default chain yields credentials. */
export async function connectAws(region: string): Promise<Connection<AwsApi>> {
  const sts = new STSClient({ region });
  try {
    // Resolves the chain without calling AWS: fails fast when nothing is configured.
    await sts.config.credentials();
  } catch (error) {
    return { unavailable: `no AWS credentials (${errorMessage(error)})` };
  }
  // One credential provider for every client, so the chain (and an SSO token refresh) runs once.
  const credentials = sts.config.credentials;
  const ec2 = new EC2Client({ region, credentials });
  const quotas = new ServiceQuotasClient({ region, credentials });
  const cloudformation = new CloudFormationClient({ region, credentials });
  const connections = new CodeStarConnectionsClient({ region, credentials });
  const api: AwsApi = {
    getCallerIdentity: () => sts.send(new GetCallerIdentityCommand({})),
    describeInstanceTypeOfferings: (input) => ec2.send(new DescribeInstanceTypeOfferingsCommand(input)),
    getServiceQuota: (input) => quotas.send(new GetServiceQuotaCommand(input)),
    getAwsDefaultServiceQuota: (input) => quotas.send(new GetAWSDefaultServiceQuotaCommand(input)),
    describeStacks: (input) => cloudformation.send(new DescribeStacksCommand(input)),
    getConnection: (input) => connections.send(new GetConnectionCommand(input)),
  };
  return { api };
}
