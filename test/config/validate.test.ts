import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  type Accelerator,
  type AzureEnvironment,
  type AzureStateBackend,
  assertValidEnvironments,
  ConfigError,
  type ConfigProblem,
  formatProblem,
  type GpuPoolConfig,
  type HybridConfig,
  type PlatformEnvironment,
  validateEnvironment,
} from '../../lib/config';
import { type Draft, fixtures, vary } from '../util';

const { awsStaging, awsProduction, awsHybrid, azureStaging, azureProduction } = fixtures;

/** The errors of one environment. */
function errorsOf(env: PlatformEnvironment): ConfigProblem[] {
  return validateEnvironment(env).filter((p) => p.severity === 'error');
}

function warningsOf(env: PlatformEnvironment): ConfigProblem[] {
  return validateEnvironment(env).filter((p) => p.severity === 'warning');
}

/** The i-th GPU pool of a draft. */
const gpu = (d: Draft<PlatformEnvironment>, i = 0) => d.kubernetes.gpuPools[i] as Draft<GpuPoolConfig>;
/** The hybrid link of a draft. */
const link = (d: Draft<PlatformEnvironment>) => d.hybrid as Draft<HybridConfig>;
/** The state backend of an Azure draft. */
const state = (d: Draft<AzureEnvironment>) => d.target.stateBackend as Draft<AzureStateBackend>;

interface Case<T extends PlatformEnvironment> {
  readonly name: string;
  readonly env: T;
  readonly change: (draft: Draft<T>) => void;
  /** The field path the error must name. */
  readonly path: string;
  /** A fragment of the error's text. */
  readonly says: string;
}

const aws = (
  name: string,
  change: Case<typeof awsStaging>['change'],
  path: string,
  says: string,
  env = awsStaging,
) => ({
  name,
  env,
  change,
  path,
  says,
});
const azure = (
  name: string,
  change: Case<typeof azureStaging>['change'],
  path: string,
  says: string,
  env = azureStaging,
) => ({ name, env, change, path, says });

// One row per validation rule: a change to a valid environment that breaks exactly that rule.
const cases: ReadonlyArray<Case<PlatformEnvironment>> = [
  // identity and naming
  aws(
    'the name has uppercase letters',
    (d) => {
      d.name = 'Staging';
    },
    'name',
    'lowercase',
  ),
  aws(
    'the AWS account id is not 12 digits',
    (d) => {
      d.target.account = '1234';
    },
    'target.account',
    '12-digit',
  ),
  aws(
    'the AWS region is malformed',
    (d) => {
      d.target.region = 'Ireland';
    },
    'target.region',
    'not an AWS region',
  ),
  aws(
    'the stage is unknown',
    (d) => {
      (d as { stage: string }).stage = 'dev';
    },
    'stage',
    "one of 'staging', 'production'",
  ),
  aws(
    'the derived S3 bucket name exceeds 63 characters',
    (d) => {
      d.name = 'a-very-long-environment-name-for-testing';
      d.target.account = '123456789012';
    },
    'name',
    'S3 bucket',
  ),
  azure(
    'the subscription id is not a GUID',
    (d) => {
      d.target.subscriptionId = 'my-sub';
    },
    'target.subscriptionId',
    'GUID',
  ),
  azure(
    'the tenant id is not a GUID',
    (d) => {
      d.target.tenantId = 'contoso';
    },
    'target.tenantId',
    'GUID',
  ),
  azure(
    'the location is not a region name',
    (d) => {
      d.target.location = 'West Europe';
    },
    'target.location',
    "is not an Azure location in the regions table; did you mean 'westeurope'?",
  ),
  azure(
    'production has no remote state backend',
    (d) => {
      d.target.stateBackend = undefined;
    },
    'target.stateBackend',
    'local Terraform state',
    azureProduction,
  ),
  azure(
    'the state storage account name is invalid',
    (d) => {
      state(d).storageAccountName = 'St-State';
    },
    'target.stateBackend.storageAccountName',
    'storage account',
  ),
  azure(
    'the state container name is invalid',
    (d) => {
      state(d).containerName = 'TF';
    },
    'target.stateBackend.containerName',
    'blob container',
  ),
  azure(
    'the derived storage account name exceeds 24 characters',
    (d) => {
      d.name = 'azstagingwesteurope';
    },
    'name',
    'storage account',
  ),
  azure(
    'the derived key vault name exceeds 24 characters',
    (d) => {
      d.name = 'az-stg-we-a-b-c-d';
    },
    'name',
    'key vault',
  ),
  azure(
    'the derived container registry name is too short',
    (d) => {
      d.name = 'x';
    },
    'name',
    'lowercase letters',
  ),
  // network
  aws(
    'the network CIDR does not parse',
    (d) => {
      d.network.cidr = '10.20.0.0';
    },
    'network.cidr',
    'not an IPv4 CIDR',
  ),
  aws(
    'the network CIDR has host bits set',
    (d) => {
      d.network.cidr = '10.20.1.0/16';
    },
    'network.cidr',
    'host bits',
  ),
  aws(
    'the network CIDR is too small for the subnet plan',
    (d) => {
      d.network.cidr = '10.20.0.0/24';
    },
    'network.cidr',
    '/16 to /20',
  ),
  aws(
    'the network CIDR is public',
    (d) => {
      d.network.cidr = '52.0.0.0/16';
    },
    'network.cidr',
    'RFC 1918',
  ),
  aws(
    'availability zones are out of range',
    (d) => {
      d.network.availabilityZones = 4;
    },
    'network.availabilityZones',
    '1 to 3',
  ),
  aws(
    'there are more NAT gateways than zones',
    (d) => {
      d.network.natGateways = 3;
    },
    'network.natGateways',
    '0 to 2',
  ),
  aws(
    'the service CIDR overlaps the VPC',
    (d) => {
      d.kubernetes.serviceCidr = '10.20.128.0/17';
    },
    'kubernetes.serviceCidr',
    'overlaps network.cidr',
  ),
  // storage
  aws(
    'there are no data zones',
    (d) => {
      d.storage.zones = [];
    },
    'storage.zones',
    'at least one',
  ),
  aws(
    'a data zone is unknown',
    (d) => {
      (d.storage.zones as string[]).push('gold');
    },
    'storage.zones[5]',
    "must be one of 'raw', 'curated'",
  ),
  aws(
    'a data zone is listed twice',
    (d) => {
      (d.storage.zones as string[]).push('raw');
    },
    'storage.zones[5]',
    'twice',
  ),
  aws(
    'the models zone is missing',
    (d) => {
      d.storage.zones = ['raw', 'artifacts'];
    },
    'storage.zones',
    "lacks 'models'",
  ),
  aws(
    'objects move to the cool tier before day 30',
    (d) => {
      d.storage.lifecycle.coolAfterDays = 7;
    },
    'storage.lifecycle.coolAfterDays',
    '30 to 3650',
  ),
  aws(
    'objects archive less than 30 days after cooling',
    (d) => {
      d.storage.lifecycle.archiveAfterDays = 40;
    },
    'storage.lifecycle.archiveAfterDays',
    '60 to 3650',
  ),
  aws(
    'noncurrent versions are kept beyond 365 days',
    (d) => {
      d.storage.lifecycle.noncurrentVersionDays = 400;
    },
    'storage.lifecycle.noncurrentVersionDays',
    '1 to 365',
  ),
  // kubernetes
  aws(
    'the Kubernetes version is not major.minor',
    (d) => {
      d.kubernetes.version = '1.33.2';
    },
    'kubernetes.version',
    'minor version',
  ),
  aws(
    'the API is opened to the internet',
    (d) => {
      d.kubernetes.apiAllowedCidrs = ['0.0.0.0/0'];
    },
    'kubernetes.apiAllowedCidrs[0]',
    'whole internet',
  ),
  aws(
    'an API allow-list entry does not parse',
    (d) => {
      d.kubernetes.apiAllowedCidrs = ['office'];
    },
    'kubernetes.apiAllowedCidrs[0]',
    'not an IPv4 CIDR',
  ),
  aws(
    'a public API is asked for without outbound internet',
    (d) => {
      d.kubernetes.apiAllowedCidrs = ['198.51.100.0/24'];
    },
    'kubernetes.apiAllowedCidrs',
    'no outbound internet',
    awsHybrid,
  ),
  aws(
    'the region has fewer availability zones than configured',
    (d) => {
      d.target.region = 'us-west-1';
      d.network.availabilityZones = 3;
      d.network.natGateways = 1;
      d.kubernetes.gpuPools = [];
    },
    'network.availabilityZones',
    'availability zones us-west-1 offers new accounts',
  ),
  aws(
    "a GPU pool's instance family is not offered in the region",
    (d) => {
      d.target.region = 'eu-west-3';
      d.kubernetes.gpuPools = [d.kubernetes.gpuPools[0] as Draft<GpuPoolConfig>];
    },
    'kubernetes.gpuPools[0].accelerator',
    'eu-west-3 does not offer the g6 instance family',
  ),
  aws(
    "an explicit GPU machine type's family is not offered in the region",
    (d) => {
      d.target.region = 'eu-west-3';
      d.kubernetes.gpuPools = [{ ...(d.kubernetes.gpuPools[0] as Draft<GpuPoolConfig>), machineType: 'p5.48xlarge' }];
    },
    'kubernetes.gpuPools[0].machineType',
    'does not offer the p5 instance family',
  ),
  aws(
    'the service CIDR is not RFC 1918',
    (d) => {
      d.kubernetes.serviceCidr = '100.100.0.0/16';
    },
    'kubernetes.serviceCidr',
    'RFC 1918 range of /12 to /24',
  ),
  azure(
    'the pod CIDR is missing on Azure',
    (d) => {
      d.kubernetes.podCidr = undefined;
    },
    'kubernetes.podCidr',
    'required on Azure',
  ),
  azure(
    'the pod CIDR is too small',
    (d) => {
      d.kubernetes.podCidr = '100.64.0.0/24';
    },
    'kubernetes.podCidr',
    'too small',
  ),
  azure(
    'the pod CIDR overlaps the service CIDR',
    (d) => {
      d.kubernetes.podCidr = '172.20.0.0/16';
    },
    'kubernetes.podCidr',
    'overlaps kubernetes.serviceCidr',
  ),
  aws(
    'the system pool machine type is not an AWS instance type',
    (d) => {
      d.kubernetes.systemPool.machineType = 'Standard_D4ds_v5';
    },
    'kubernetes.systemPool.machineType',
    'not an AWS instance type',
  ),
  azure(
    'the system pool machine type is not an Azure VM size',
    (d) => {
      d.kubernetes.systemPool.machineType = 'm7i.large';
    },
    'kubernetes.systemPool.machineType',
    'not an Azure VM size',
  ),
  aws(
    'the system pool can scale to zero',
    (d) => {
      d.kubernetes.systemPool.minNodes = 0;
    },
    'kubernetes.systemPool.minNodes',
    '1 to 1000',
  ),
  aws(
    'a GPU pool has maxNodes below minNodes',
    (d) => {
      gpu(d).minNodes = 3;
      gpu(d).maxNodes = 2;
    },
    'kubernetes.gpuPools[0].maxNodes',
    'must be >= minNodes (3)',
  ),
  aws(
    'a GPU pool has desiredNodes above maxNodes',
    (d) => {
      gpu(d).desiredNodes = 9;
    },
    'kubernetes.gpuPools[0].desiredNodes',
    'between minNodes (0) and maxNodes (4)',
  ),
  aws(
    'a GPU pool has maxNodes of 0',
    (d) => {
      gpu(d).maxNodes = 0;
    },
    'kubernetes.gpuPools[0].maxNodes',
    '1 to 1000',
  ),
  aws(
    'a GPU pool name breaks the AKS rule',
    (d) => {
      gpu(d).name = 'inference-pool';
    },
    'kubernetes.gpuPools[0].name',
    'AKS node pool',
  ),
  aws(
    'a GPU pool is named system',
    (d) => {
      gpu(d).name = 'system';
    },
    'kubernetes.gpuPools[0].name',
    'reserved',
  ),
  aws(
    'two GPU pools share a name',
    (d) => {
      gpu(d, 1).name = 'infer';
    },
    'kubernetes.gpuPools[1].name',
    'another GPU pool',
  ),
  aws(
    'a GPU pool asks for an unknown accelerator',
    (d) => {
      gpu(d).accelerator = 'nvidia-b200' as Accelerator;
    },
    'kubernetes.gpuPools[0].accelerator',
    "must be one of 'nvidia-t4'",
  ),
  azure(
    'a GPU pool asks for an accelerator Azure does not offer',
    (d) => {
      gpu(d).accelerator = 'nvidia-l4';
    },
    'kubernetes.gpuPools[0].accelerator',
    'not offered on azure',
  ),
  aws(
    'a GPU pool asks for a GPU count the catalog lacks',
    (d) => {
      gpu(d).gpusPerNode = 2;
    },
    'kubernetes.gpuPools[0].accelerator',
    'offered: 1, 4, 8',
  ),
  aws(
    'a GPU pool has 0 GPUs per node',
    (d) => {
      gpu(d).gpusPerNode = 0;
    },
    'kubernetes.gpuPools[0].gpusPerNode',
    '1 to 16',
  ),
  aws(
    'a GPU pool override is not an instance type',
    (d) => {
      gpu(d).machineType = 'big-gpu';
    },
    'kubernetes.gpuPools[0].machineType',
    'not an AWS instance type',
  ),
  aws(
    'a GPU pool capacity is unknown',
    (d) => {
      (gpu(d) as { capacity: string }).capacity = 'reserved';
    },
    'kubernetes.gpuPools[0].capacity',
    "must be one of 'spot', 'on-demand'",
  ),
  aws(
    'a GPU pool disk is too small',
    (d) => {
      gpu(d).diskSizeGiB = 20;
    },
    'kubernetes.gpuPools[0].diskSizeGiB',
    '50 to 2048',
  ),
  // api
  aws(
    'the rate limit is 0',
    (d) => {
      d.api.rateLimitPerSecond = 0;
    },
    'api.rateLimitPerSecond',
    '1 to 10000',
  ),
  aws(
    'the burst is below the rate',
    (d) => {
      d.api.burst = 10;
    },
    'api.burst',
    '50 to',
  ),
  aws(
    'the auth mode is unknown',
    (d) => {
      (d.api as { authMode: string }).authMode = 'none';
    },
    'api.authMode',
    "must be one of 'iam', 'api-key'",
  ),
  aws(
    'the daily quota is negative',
    (d) => {
      d.api.dailyQuota = -1;
    },
    'api.dailyQuota',
    '1 to',
  ),
  azure(
    'the APIM SKU cannot join a VNet',
    (d) => {
      d.api.apimSku = 'Consumption_0';
    },
    'api.apimSku',
    'Developer_<n> or Premium_<n>',
  ),
  azure(
    'the APIM publisher is missing',
    (d) => {
      d.api.publisher = undefined;
    },
    'api.publisher',
    'name and a valid e-mail',
  ),
  // monitoring
  aws(
    'production has no alarm recipients',
    (d) => {
      d.monitoring.alarmEmails = [];
    },
    'monitoring.alarmEmails',
    'reach nobody',
    awsProduction,
  ),
  aws(
    'there are more than 10 alarm recipients',
    (d) => {
      d.monitoring.alarmEmails = Array.from({ length: 11 }, (_, i) => `oncall${i}@example.com`);
    },
    'monitoring.alarmEmails',
    'more than 10',
  ),
  aws(
    'an alarm recipient is not an e-mail address',
    (d) => {
      d.monitoring.alarmEmails = ['oncall'];
    },
    'monitoring.alarmEmails[0]',
    'not an e-mail',
  ),
  aws(
    'log retention is not a CloudWatch value',
    (d) => {
      d.monitoring.logRetentionDays = 45;
    },
    'monitoring.logRetentionDays',
    'for example 60',
  ),
  azure(
    'log retention is outside Log Analytics limits',
    (d) => {
      d.monitoring.logRetentionDays = 7;
    },
    'monitoring.logRetentionDays',
    '30 to 730',
  ),
  aws(
    'the budget is 0',
    (d) => {
      d.monitoring.monthlyBudgetUsd = 0;
    },
    'monitoring.monthlyBudgetUsd',
    'greater than 0',
  ),
  aws(
    'the budget is negative',
    (d) => {
      d.monitoring.monthlyBudgetUsd = -100;
    },
    'monitoring.monthlyBudgetUsd',
    'greater than 0',
  ),
  azure(
    'the budget start month is not YYYY-MM',
    (d) => {
      d.monitoring.budgetStartMonth = '2026-12-01';
    },
    'monitoring.budgetStartMonth',
    'YYYY-MM',
  ),
  aws(
    'a budget threshold is 0',
    (d) => {
      d.monitoring.budgetThresholdsPercent = [0];
    },
    'monitoring.budgetThresholdsPercent[0]',
    '1 to 1000',
  ),
  // delivery
  aws(
    'the repository is not owner/name',
    (d) => {
      d.delivery.repository = 'mlops-platform';
    },
    'delivery.repository',
    "'owner/name'",
  ),
  aws(
    'the branch name is invalid',
    (d) => {
      d.delivery.branch = 'feature..x';
    },
    'delivery.branch',
    'branch name',
  ),
  aws(
    'production has no approvers',
    (d) => {
      d.delivery.approvers = [];
    },
    'delivery.approvers',
    'nobody can approve',
    awsProduction,
  ),
  aws(
    'the CodeConnections ARN is malformed',
    (d) => {
      d.delivery.codeConnectionArn = 'arn:aws:s3:::bucket';
    },
    'delivery.codeConnectionArn',
    'CodeConnections',
  ),
  // hybrid
  aws(
    'the link type is not offered on the cloud',
    (d) => {
      link(d).linkType = 'expressroute';
    },
    'hybrid.linkType',
    'not a link type on aws',
    awsHybrid,
  ),
  aws(
    'there are no on-premises ranges',
    (d) => {
      link(d).onPremCidrs = [];
    },
    'hybrid.onPremCidrs',
    'is empty',
    awsHybrid,
  ),
  aws(
    'an on-premises range overlaps the VPC',
    (d) => {
      link(d).onPremCidrs = ['192.168.0.0/16', '10.60.0.0/20'];
    },
    'hybrid.onPremCidrs[1]',
    'overlaps network.cidr',
    awsHybrid,
  ),
  aws(
    'an on-premises pod range overlaps the service range',
    (d) => {
      link(d).podCidrs = ['172.20.0.0/20'];
    },
    'hybrid.podCidrs[0]',
    'overlaps kubernetes.serviceCidr',
    awsHybrid,
  ),
  aws(
    'an on-premises pod range overlaps a node range',
    (d) => {
      link(d).podCidrs = ['192.168.10.0/25'];
    },
    'hybrid.podCidrs[0]',
    'overlaps hybrid.nodeCidrs[0]',
    awsHybrid,
  ),
  aws(
    'a node range lies outside the on-premises ranges',
    (d) => {
      link(d).nodeCidrs = ['172.31.0.0/24'];
    },
    'hybrid.nodeCidrs[0]',
    'outside hybrid.onPremCidrs',
    awsHybrid,
  ),
  aws(
    'a hybrid pod range is public',
    (d) => {
      link(d).podCidrs = ['52.10.0.0/16'];
    },
    'hybrid.podCidrs[0]',
    'RFC 1918 or 100.64.0.0/10',
    awsHybrid,
  ),
  aws(
    'hybrid node ranges are empty',
    (d) => {
      link(d).nodeCidrs = [];
    },
    'hybrid.nodeCidrs',
    'is empty',
    awsHybrid,
  ),
  aws(
    'the VPN gateway address is private',
    (d) => {
      link(d).gatewayIp = '192.168.1.1';
    },
    'hybrid.gatewayIp',
    'public IPv4',
    awsHybrid,
  ),
  aws(
    'the VPN gateway address is missing',
    (d) => {
      link(d).gatewayIp = undefined;
    },
    'hybrid.gatewayIp',
    'public IPv4',
    awsHybrid,
  ),
  aws(
    'the on-premises ASN is public',
    (d) => {
      link(d).bgpAsn = 3356;
    },
    'hybrid.bgpAsn',
    'not a private ASN',
    awsHybrid,
  ),
  aws(
    'the cloud ASN is public',
    (d) => {
      link(d).cloudAsn = 16509;
    },
    'hybrid.cloudAsn',
    'not a private ASN',
    awsHybrid,
  ),
  aws(
    'both sides use the same ASN',
    (d) => {
      link(d).bgpAsn = 64512;
    },
    'hybrid.bgpAsn',
    'two different ASNs',
    awsHybrid,
  ),
  aws(
    'Direct Connect has no connection id',
    (d) => {
      link(d).linkType = 'direct-connect';
    },
    'hybrid.directConnect.connectionId',
    'dxcon-',
    awsHybrid,
  ),
  aws(
    'the Direct Connect VLAN is out of range',
    (d) => {
      const h = link(d);
      h.linkType = 'direct-connect';
      h.directConnect = { connectionId: 'dxcon-abcd1234', vlan: 5000 };
    },
    'hybrid.directConnect.vlan',
    'not a VLAN id',
    awsHybrid,
  ),
  aws(
    'the Direct Connect gateway ASN is public',
    (d) => {
      const h = link(d);
      h.linkType = 'direct-connect';
      h.directConnect = { connectionId: 'dxcon-abcd1234', amazonSideAsn: 7224 };
    },
    'hybrid.directConnect.amazonSideAsn',
    'not a private ASN',
    awsHybrid,
  ),
  aws(
    'the transit gateway id is malformed',
    (d) => {
      link(d).transitGatewayId = 'tgw-xyz';
    },
    'hybrid.transitGatewayId',
    "'tgw-'",
    awsHybrid,
  ),
  aws(
    'a DNS server is not an address',
    (d) => {
      link(d).dnsServers = ['dns1.corp'];
    },
    'hybrid.dnsServers[0]',
    'not an IPv4 address',
    awsHybrid,
  ),
  aws(
    'a DNS server lies outside the on-premises ranges',
    (d) => {
      link(d).dnsServers = ['8.8.8.8'];
    },
    'hybrid.dnsServers[0]',
    'outside hybrid.onPremCidrs',
    awsHybrid,
  ),
  aws(
    'a DNS domain is malformed',
    (d) => {
      link(d).dnsDomains = ['corp_example'];
    },
    'hybrid.dnsDomains[0]',
    'not a DNS domain',
    awsHybrid,
  ),
  aws(
    'DNS domains have no servers',
    (d) => {
      link(d).dnsServers = [];
    },
    'hybrid.dnsServers',
    'nothing can answer',
    awsHybrid,
  ),
  azure(
    'the on-premises ASN is one Azure reserves',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        bgpAsn: 65517,
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.bgpAsn',
    'reserved by Azure',
  ),
  azure(
    'an Azure environment sets a transit gateway',
    (d) => {
      d.hybrid = {
        linkType: 'expressroute',
        onPremCidrs: ['192.168.0.0/16'],
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
        transitGatewayId: 'tgw-0123456789abcdef0',
        expressRoute: {
          circuitId:
            '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/er',
          serviceProvider: 'Equinix',
          peeringLocation: 'Amsterdam',
        },
      };
    },
    'hybrid.transitGatewayId',
    'AWS setting',
  ),
  azure(
    'ExpressRoute has no circuit',
    (d) => {
      d.hybrid = {
        linkType: 'expressroute',
        onPremCidrs: ['192.168.0.0/16'],
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.expressRoute.circuitId',
    'ExpressRoute circuit',
  ),
  azure(
    'ExpressRoute has no provider',
    (d) => {
      d.hybrid = {
        linkType: 'expressroute',
        onPremCidrs: ['192.168.0.0/16'],
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
        expressRoute: {
          circuitId:
            '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/er',
          serviceProvider: '',
          peeringLocation: 'Amsterdam',
        },
      };
    },
    'hybrid.expressRoute.serviceProvider',
    'required for ExpressRoute',
  ),
  azure(
    'ExpressRoute has no peering location',
    (d) => {
      d.hybrid = {
        linkType: 'expressroute',
        onPremCidrs: ['192.168.0.0/16'],
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
        expressRoute: {
          circuitId:
            '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/expressRouteCircuits/er',
          serviceProvider: 'Equinix',
          peeringLocation: '',
        },
      };
    },
    'hybrid.expressRoute.peeringLocation',
    'required for ExpressRoute',
  ),
  azure(
    'the Azure gateway ASN is one Azure reserves',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        cloudAsn: 65518,
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.cloudAsn',
    'reserved by Azure',
  ),
  azure(
    'Azure VPN with BGP has no on-premises peer address',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        bgpAsn: 65010,
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.bgpPeerIp',
    'required on Azure when hybrid.bgpAsn is set',
  ),
  azure(
    'the BGP peer address is not an address',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        bgpAsn: 65010,
        bgpPeerIp: '192.168.0.300',
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.bgpPeerIp',
    'not an IPv4 address',
  ),
  azure(
    'the BGP peer address lies outside the on-premises ranges',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        bgpAsn: 65010,
        bgpPeerIp: '172.16.0.1',
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.bgpPeerIp',
    'outside hybrid.onPremCidrs',
  ),
  azure(
    'the BGP peer address is set without an on-premises ASN',
    (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        bgpPeerIp: '192.168.0.1',
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    },
    'hybrid.bgpPeerIp',
    'without hybrid.bgpAsn',
  ),
  // tags
  aws(
    'a tag overrides a platform tag',
    (d) => {
      d.tags = { stage: 'prod' };
    },
    'tags.stage',
    'platform sets itself',
  ),
  aws(
    'a tag key uses a reserved prefix',
    (d) => {
      d.tags = { 'aws:owner': 'me' };
    },
    'tags.aws:owner',
    'key both clouds do not accept',
  ),
  aws(
    'a tag key has a character Azure rejects',
    (d) => {
      d.tags = { 'team/name': 'ml' };
    },
    'tags.team/name',
    'key both clouds do not accept',
  ),
  aws(
    'a tag value is too long',
    (d) => {
      d.tags = { owner: 'x'.repeat(300) };
    },
    'tags.owner',
    'tag value',
  ),
] as ReadonlyArray<Case<PlatformEnvironment>>;

describe('validateEnvironment', () => {
  it('accepts every shipped environment without errors', () => {
    // GIVEN the environments in environments/ WHEN validated THEN none has an error
    for (const env of environments) expect(errorsOf(env).map(formatProblem)).toEqual([]);
  });

  it.each(cases)('throws when $name', ({ env, change, path, says }) => {
    // GIVEN a shipped environment with one rule broken
    const broken = vary(env, change);
    // WHEN every environment is validated
    const thrown = (() => {
      try {
        assertValidEnvironments([broken]);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    // THEN a ConfigError names the file, the field, the value and the fix
    expect(thrown).toBeInstanceOf(ConfigError);
    const problems = (thrown as ConfigError).problems;
    const match = problems.find((p) => p.path === path && formatProblem(p).includes(says));
    expect(match, `no error at ${path} saying "${says}" in:\n${(thrown as Error).message}`).toBeDefined();
    const text = formatProblem(match as ConfigProblem);
    expect(text.startsWith(`environments/${broken.name}.ts: ${path} is `)).toBe(true);
    expect((match as ConfigProblem).fix.length).toBeGreaterThan(5);
  });

  it('collects every problem at once instead of stopping at the first', () => {
    // GIVEN an environment with three independent mistakes
    const broken = vary(awsStaging, (d) => {
      d.network.cidr = 'nope';
      d.monitoring.monthlyBudgetUsd = 0;
      d.api.burst = 1;
    });
    // WHEN validated THEN all three are reported
    expect(errorsOf(broken).map((p) => p.path)).toEqual(['network.cidr', 'api.burst', 'monitoring.monthlyBudgetUsd']);
  });

  it('formats a problem as file, field, value, rule and fix', () => {
    const broken = vary(awsStaging, (d) => {
      const pool = gpu(d);
      pool.minNodes = 1;
      pool.maxNodes = 0;
    });
    expect(formatProblem(errorsOf(broken)[0] as ConfigProblem)).toBe(
      'environments/staging.ts: kubernetes.gpuPools[0].maxNodes is 0, must be a whole number from 1 to 1000; set maxNodes to at least 1',
    );
  });

  it('throws when two environments share a name', () => {
    expect(() =>
      assertValidEnvironments([
        awsStaging,
        vary(awsProduction, (d) => {
          d.name = 'staging';
        }),
      ]),
    ).toThrow(/environments\/staging\.ts: name is 'staging', is also the name of the environment in another entry/);
  });

  it('throws when two environment names give the same stage id', () => {
    expect(() =>
      assertValidEnvironments([
        vary(awsStaging, (d) => {
          d.name = 'eu-1';
        }),
        vary(awsStaging, (d) => {
          d.name = 'eu1';
        }),
      ]),
    ).toThrow(/same stage id 'Eu1'/);
  });
});

describe('warnings', () => {
  it('warns when production runs in one zone', () => {
    const single = vary(awsProduction, (d) => {
      d.network.availabilityZones = 1;
      d.network.natGateways = 1;
    });
    expect(warningsOf(single).map((p) => p.path)).toContain('network.availabilityZones');
  });

  it('warns when a production system pool has one node', () => {
    const small = vary(awsProduction, (d) => {
      d.kubernetes.systemPool.minNodes = 1;
    });
    expect(warningsOf(small).map((p) => p.path)).toContain('kubernetes.systemPool.minNodes');
  });

  it('warns when production API Management has no SLA', () => {
    const developer = vary(azureProduction, (d) => {
      d.api.apimSku = 'Developer_1';
    });
    expect(warningsOf(developer).map((p) => p.path)).toEqual(['api.apimSku']);
  });

  it("accepts Azure's default gateway ASN 65515 set explicitly, and a BGP VPN with its peer address", () => {
    // GIVEN an Azure VPN link that names the default cloud ASN and peers over BGP
    const env = vary(azureStaging, (d) => {
      d.hybrid = {
        linkType: 'vpn',
        onPremCidrs: ['192.168.0.0/16'],
        gatewayIp: '203.0.113.10',
        cloudAsn: 65515,
        bgpAsn: 65010,
        bgpPeerIp: '192.168.0.1',
        nodeCidrs: ['192.168.10.0/24'],
        podCidrs: ['10.200.0.0/16'],
      };
    });
    // WHEN it is validated
    // THEN nothing about the ASNs or the peer address is wrong
    expect(errorsOf(env).filter((p) => /hybrid\.(cloudAsn|bgpAsn|bgpPeerIp)/.test(p.path))).toEqual([]);
  });

  it('returns warnings without throwing', () => {
    const developer = vary(azureProduction, (d) => {
      d.api.apimSku = 'Developer_1';
    });
    expect(assertValidEnvironments([developer]).map((p) => p.severity)).toEqual(['warning']);
  });
});
