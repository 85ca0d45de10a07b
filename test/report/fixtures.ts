/**
 * Tiny hand-made environments and the output a synthesis of them would hold (only what the report
 * reads), with a price table of round numbers, so that tests can compute the expected dollars by
 * hand. The output is derived from the environment, so a test that varies the environment gets a
 * matching output.
 */
import type { AwsEnvironment, AzureEnvironment, GpuPoolConfig } from '../../lib/config';
import type { AwsOutput, AzureOutput, CfnResource } from '../../lib/report';
import type { Price, PriceTable } from '../../lib/report/prices';
import type { Draft } from '../util';

const base = {
  storage: {
    zones: ['raw', 'models', 'artifacts'],
    lifecycle: { coolAfterDays: 30, noncurrentVersionDays: 30 },
  },
  api: { rateLimitPerSecond: 10, burst: 20, authMode: 'iam' },
  delivery: { repository: 'example-org/tiny', branch: 'main', approvers: ['lead@example.com'] },
} as const;

export const tinyAws: AwsEnvironment = {
  ...base,
  name: 'tiny',
  stage: 'staging',
  target: { cloud: 'aws', account: '123456789012', region: 'eu-west-1' },
  network: { cidr: '10.0.0.0/16', availabilityZones: 2, natGateways: 1 },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    systemPool: { machineType: 'm7i.large', minNodes: 2, maxNodes: 3 },
    gpuPools: [{ name: 'infer', accelerator: 'nvidia-l4', gpusPerNode: 1, minNodes: 0, maxNodes: 4, capacity: 'spot' }],
  },
  monitoring: { alarmEmails: ['oncall@example.com'], logRetentionDays: 30, monthlyBudgetUsd: 2000 },
  hybrid: {
    linkType: 'vpn',
    onPremCidrs: ['192.168.0.0/16'],
    gatewayIp: '203.0.113.1',
    bgpAsn: 65001,
    nodeCidrs: ['192.168.10.0/24'],
    podCidrs: ['10.200.0.0/16'],
    dnsServers: ['192.168.1.10'],
    dnsDomains: ['corp.example.com'],
  },
};

export const tinyAzure: AzureEnvironment = {
  ...base,
  name: 'az-tiny',
  stage: 'production',
  target: {
    cloud: 'azure',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    tenantId: '00000000-0000-0000-0000-000000000002',
    location: 'westeurope',
  },
  network: { cidr: '10.1.0.0/16', availabilityZones: 3, natGateways: 1 },
  kubernetes: {
    version: '1.33',
    serviceCidr: '172.20.0.0/16',
    podCidr: '100.64.0.0/16',
    systemPool: { machineType: 'Standard_D4ds_v5', minNodes: 2, maxNodes: 4 },
    gpuPools: [{ name: 'infer', accelerator: 'nvidia-t4', gpusPerNode: 1, minNodes: 0, maxNodes: 2, capacity: 'spot' }],
  },
  api: { ...base.api, apimSku: 'Developer_1', publisher: { name: 'ML', email: 'ml@example.com' } },
  monitoring: { alarmEmails: ['oncall@example.com'], logRetentionDays: 30, monthlyBudgetUsd: 2000 },
  hybrid: {
    linkType: 'vpn',
    onPremCidrs: ['192.168.0.0/16'],
    gatewayIp: '203.0.113.2',
    bgpAsn: 65002,
    bgpPeerIp: '192.168.0.1',
    nodeCidrs: ['192.168.20.0/24'],
    podCidrs: ['10.210.0.0/16'],
    dnsServers: ['192.168.1.10'],
    dnsDomains: ['corp.example.com'],
  },
};

const price = (usd: number, per: Price['per'] = 'hour'): Price => ({
  usd,
  per,
  source: 'https://example.com/pricing',
  asOf: '2026-01-01',
});

/** Round prices; `estimate.test.ts` computes with them by hand. */
export const TEST_PRICES: PriceTable = {
  aws: {
    'eu-west-1': {
      machines: {
        'm7i.large': price(0.1),
        'g6.xlarge': price(1),
        'g6e.12xlarge': { unavailable: 'not sold here', source: 'https://example.com/pricing', asOf: '2026-01-01' },
      },
      services: {
        'eks-cluster': price(0.1),
        'nat-gateway': price(0.05),
        'public-ipv4': price(0.005),
        'interface-endpoint': price(0.01),
        'api-gateway-rest': price(3.5, 'million requests'),
        nlb: price(0.025),
        'waf-web-acl': price(5, 'month'),
        'waf-rule': price(1, 'month'),
        'waf-requests': price(0.6, 'million requests'),
        'vpn-connection': price(0.05),
        'resolver-endpoint-interface': price(0.125),
        'kms-key': price(1, 'month'),
        secret: price(0.4, 'month'),
        'log-ingestion': price(0.5, 'GB'),
        's3-standard': price(0.02, 'GB-month'),
        'ecr-storage': price(0.1, 'GB-month'),
      },
    },
  },
  azure: {
    westeurope: {
      machines: { Standard_D4ds_v5: price(0.2), Standard_NC4as_T4_v3: price(0.5) },
      services: {
        'aks-standard': price(0.1),
        'nat-gateway': price(0.05),
        'public-ip': price(0.005),
        'private-endpoint': price(0.01),
        'apim-developer': price(50, 'month'),
        'lb-standard': price(0.025),
        'vpn-gateway:VpnGw2AZ': price(0.5),
        'dns-resolver-endpoint': price(180, 'month'),
        'dns-forwarding-ruleset': price(2.5, 'month'),
        'key-rsa-hsm-3072': price(5, 'month'),
        'log-ingestion': price(2.5, 'GB'),
        'blob-hot:ZRS': price(0.025, 'GB-month'),
        'acr:Premium': price(1.5, 'day'),
      },
    },
  },
};

/** Volumes the hand computations use. */
export const TEST_VOLUMES = {
  hoursPerMonth: 730,
  spotDiscountPercent: 60,
  apiRequestsPerMonth: 2_000_000,
  logIngestionGbPerMonth: 10,
  storageGb: 100,
  registryGb: 10,
} as const;

const ref = (id: string) => ({ Ref: id });
/** A Terraform reference, `${<address>.<attribute>}`. */
export const tf = (address: string, attribute: string) => `\${${address}.${attribute}}`;
const tags = (group: string, type: string) => [
  { Key: 'aws-cdk:subnet-name', Value: group },
  { Key: 'aws-cdk:subnet-type', Value: type },
];

/**
 * The output of an AWS environment, the way lib/aws lays it out: public and private subnets per
 * zone, NAT gateways in the public ones, two interface endpoints and the S3 gateway endpoint, the
 * cluster and a node group per pool, an internal NLB behind a REST API, WAF in production, two KMS
 * keys, a secret, the VPN and resolvers when hybrid, data buckets and a repository.
 */
export function awsOutputFor(env: AwsEnvironment): AwsOutput {
  const r: Record<string, CfnResource> = {};
  const zones = ['a', 'b', 'c'].slice(0, env.network.availabilityZones).map((l) => `${env.target.region}${l}`);
  r.Vpc = { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: env.network.cidr } };
  zones.forEach((zone, i) => {
    r[`Public${i}`] = {
      Type: 'AWS::EC2::Subnet',
      Properties: { AvailabilityZone: zone, CidrBlock: `10.0.${i}.0/24`, Tags: tags('Public', 'Public') },
    };
    r[`Private${i}`] = {
      Type: 'AWS::EC2::Subnet',
      Properties: { AvailabilityZone: zone, CidrBlock: `10.0.${10 + i}.0/24`, Tags: tags('Private', 'Private') },
    };
  });
  const privateSubnets = zones.map((_, i) => ref(`Private${i}`));
  for (let i = 0; i < Math.min(env.network.natGateways, zones.length); i++) {
    r[`Eip${i}`] = { Type: 'AWS::EC2::EIP', Properties: {} };
    r[`Nat${i}`] = { Type: 'AWS::EC2::NatGateway', Properties: { SubnetId: ref(`Public${i}`) } };
  }
  if (env.network.natGateways > 0) r.Igw = { Type: 'AWS::EC2::InternetGateway', Properties: {} };
  for (const service of ['ecr.api', 'sts']) {
    r[`Endpoint${service.replace('.', '')}`] = {
      Type: 'AWS::EC2::VPCEndpoint',
      Properties: {
        ServiceName: `com.amazonaws.${env.target.region}.${service}`,
        VpcEndpointType: 'Interface',
        SubnetIds: privateSubnets,
      },
    };
  }
  r.EndpointS3 = {
    Type: 'AWS::EC2::VPCEndpoint',
    Properties: { ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', ref('AWS::Region'), '.s3']] } },
  };
  r.Cluster = {
    Type: 'AWS::EKS::Cluster',
    Properties: {
      Name: `mlops-${env.name}`,
      Version: env.kubernetes.version,
      ResourcesVpcConfig: { EndpointPublicAccess: false, SubnetIds: privateSubnets },
      ...(env.hybrid
        ? {
            RemoteNetworkConfig: {
              RemoteNodeNetworks: [{ Cidrs: env.hybrid.nodeCidrs }],
              RemotePodNetworks: [{ Cidrs: env.hybrid.podCidrs }],
            },
          }
        : {}),
    },
  };
  const sys = env.kubernetes.systemPool;
  r.SystemNodes = {
    Type: 'AWS::EKS::Nodegroup',
    Properties: {
      ClusterName: ref('Cluster'),
      NodegroupName: 'system',
      InstanceTypes: [sys.machineType],
      CapacityType: 'ON_DEMAND',
      Labels: { 'mlops.platform/pool': 'system' },
      ScalingConfig: { MinSize: sys.minNodes, MaxSize: sys.maxNodes, DesiredSize: sys.minNodes },
      Subnets: privateSubnets,
    },
  };
  const gpuTypes: Record<string, string> = { 'nvidia-l4': 'g6.xlarge', 'nvidia-l40s': 'g6e.12xlarge' };
  for (const pool of env.kubernetes.gpuPools) {
    r[`${pool.name}Template`] = {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: { LaunchTemplateData: { InstanceType: pool.machineType ?? gpuTypes[pool.accelerator] } },
    };
    r[`${pool.name}Nodes`] = {
      Type: 'AWS::EKS::Nodegroup',
      Properties: {
        ClusterName: ref('Cluster'),
        NodegroupName: `gpu-${pool.name}`,
        AmiType: 'AL2023_x86_64_NVIDIA',
        CapacityType: pool.capacity === 'spot' ? 'SPOT' : 'ON_DEMAND',
        Labels: { 'mlops.platform/pool': pool.name, 'mlops.platform/accelerator': pool.accelerator },
        LaunchTemplate: { Id: ref(`${pool.name}Template`) },
        ScalingConfig: { MinSize: pool.minNodes, MaxSize: pool.maxNodes, DesiredSize: pool.minNodes },
        Subnets: privateSubnets,
      },
    };
  }
  r.Nlb = {
    Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
    Properties: { Type: 'network', Scheme: 'internal', Subnets: privateSubnets },
  };
  r.Targets = { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Port: 8080, TargetType: 'ip' } };
  r.Listener = {
    Type: 'AWS::ElasticLoadBalancingV2::Listener',
    Properties: {
      LoadBalancerArn: ref('Nlb'),
      Port: 80,
      Protocol: 'TCP',
      DefaultActions: [{ Type: 'forward', TargetGroupArn: ref('Targets') }],
    },
  };
  r.Api = {
    Type: 'AWS::ApiGateway::RestApi',
    Properties: { Name: 'model-api', EndpointConfiguration: { Types: ['REGIONAL'] } },
  };
  r.Stage = { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: ref('Api'), StageName: 'v1' } };
  r.Models = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: ref('Api'), ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'models' },
  };
  r.Model = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: ref('Api'), ParentId: ref('Models'), PathPart: '{model}' },
  };
  r.Invoke = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: { RestApiId: ref('Api'), ParentId: ref('Model'), PathPart: 'invoke' },
  };
  r.InvokePost = {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: ref('Api'),
      ResourceId: ref('Invoke'),
      HttpMethod: 'POST',
      AuthorizationType: 'AWS_IAM',
      Integration: {
        ConnectionType: 'VPC_LINK',
        Uri: { 'Fn::Join': ['', ['http://', { 'Fn::GetAtt': ['Nlb', 'DNSName'] }, '/models/{model}/invoke']] },
      },
    },
  };
  if (env.stage === 'production') {
    r.WebAcl = { Type: 'AWS::WAFv2::WebACL', Properties: { Name: 'model-api', Rules: [{}, {}] } };
    r.WebAclAssociation = {
      Type: 'AWS::WAFv2::WebACLAssociation',
      Properties: { WebACLArn: { 'Fn::GetAtt': ['WebAcl', 'Arn'] }, ResourceArn: ref('Stage') },
    };
  }
  r.KeyData = { Type: 'AWS::KMS::Key', Properties: {} };
  r.KeyLogs = { Type: 'AWS::KMS::Key', Properties: {} };
  r.Secret = { Type: 'AWS::SecretsManager::Secret', Properties: {} };
  if (env.hybrid) {
    r.Vgw = { Type: 'AWS::EC2::VPNGateway', Properties: { AmazonSideAsn: 64512 } };
    r.Cgw = {
      Type: 'AWS::EC2::CustomerGateway',
      Properties: { IpAddress: env.hybrid.gatewayIp, BgpAsn: env.hybrid.bgpAsn },
    };
    r.Vpn = {
      Type: 'AWS::EC2::VPNConnection',
      Properties: { CustomerGatewayId: ref('Cgw'), VpnGatewayId: ref('Vgw'), StaticRoutesOnly: false },
    };
    r.Inbound = {
      Type: 'AWS::Route53Resolver::ResolverEndpoint',
      Properties: { Direction: 'INBOUND', IpAddresses: privateSubnets.map((s) => ({ SubnetId: s })) },
    };
  }
  for (const zone of env.storage.zones) {
    r[`Bucket${zone}`] = { Type: 'AWS::S3::Bucket', Properties: { BucketName: `mlops-${env.name}-${zone}-abc123` } };
  }
  r.Repository = { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: `mlops-${env.name}/model-serving` } };
  return { cloud: 'aws', templates: { Platform: { Resources: r } } };
}

/**
 * The output of an Azure environment, the way lib/azure lays it out: a VNet with system, GPU,
 * APIM, private endpoint and gateway subnets, a NAT gateway and its public IP, the cluster with its
 * system pool and a node pool per GPU pool, APIM with a backend on an address of the system subnet,
 * three private endpoints, two HSM keys, the VPN gateway and DNS resolver when hybrid, storage and
 * a Premium registry.
 */
export function azureOutputFor(env: AzureEnvironment): AzureOutput {
  const resources: Record<string, Record<string, Record<string, unknown>>> = {};
  const add = (type: string, name: string, config: Record<string, unknown>) => {
    resources[type] = { ...(resources[type] ?? {}), [name]: config };
  };
  const zones = ['1', '2', '3'].slice(0, env.network.availabilityZones);
  add('azurerm_virtual_network', 'vnet', { name: 'vnet', address_space: [env.network.cidr] });
  const subnets: Record<string, string> = {
    system: '10.1.0.0/18',
    gpu: '10.1.64.0/18',
    apim: '10.1.192.32/27',
    pe: '10.1.128.0/19',
    GatewaySubnet: '10.1.192.0/27',
  };
  for (const [name, cidr] of Object.entries(subnets)) {
    add('azurerm_subnet', name, { name: name === 'GatewaySubnet' ? name : `snet-${name}`, address_prefixes: [cidr] });
  }
  add('azurerm_public_ip', 'nat', { sku: 'Standard' });
  add('azurerm_nat_gateway', 'nat', { name: 'ng' });
  for (const s of ['system', 'gpu']) {
    add('azurerm_subnet_nat_gateway_association', s, {
      nat_gateway_id: tf('azurerm_nat_gateway.nat', 'id'),
      subnet_id: tf(`azurerm_subnet.${s}`, 'id'),
    });
  }
  const sys = env.kubernetes.systemPool;
  add('azurerm_kubernetes_cluster', 'aks', {
    name: `aks-${env.name}`,
    kubernetes_version: env.kubernetes.version,
    sku_tier: env.stage === 'production' ? 'Standard' : 'Free',
    private_cluster_enabled: true,
    default_node_pool: {
      name: 'system',
      vm_size: sys.machineType,
      auto_scaling_enabled: true,
      min_count: sys.minNodes,
      max_count: sys.maxNodes,
      zones,
      vnet_subnet_id: tf('azurerm_subnet.system', 'id'),
    },
  });
  const gpuSizes: Record<string, string> = { 'nvidia-t4': 'Standard_NC4as_T4_v3' };
  for (const pool of env.kubernetes.gpuPools) {
    add('azurerm_kubernetes_cluster_node_pool', pool.name, {
      name: pool.name,
      kubernetes_cluster_id: tf('azurerm_kubernetes_cluster.aks', 'id'),
      vm_size: pool.machineType ?? gpuSizes[pool.accelerator],
      auto_scaling_enabled: true,
      min_count: pool.minNodes,
      max_count: pool.maxNodes,
      priority: pool.capacity === 'spot' ? 'Spot' : 'Regular',
      node_labels: { 'mlops.platform/pool': pool.name, 'mlops.platform/accelerator': pool.accelerator },
      zones,
      vnet_subnet_id: tf('azurerm_subnet.gpu', 'id'),
    });
  }
  add('azurerm_api_management', 'apim', {
    name: 'apim',
    sku_name: env.api.apimSku,
    virtual_network_type: 'Internal',
    virtual_network_configuration: { subnet_id: tf('azurerm_subnet.apim', 'id') },
  });
  add('azurerm_api_management_api', 'models', {
    api_management_name: tf('azurerm_api_management.apim', 'name'),
    path: 'models',
  });
  add('azurerm_api_management_api_operation', 'post', {
    api_management_name: tf('azurerm_api_management.apim', 'name'),
    api_name: tf('azurerm_api_management_api.models', 'name'),
    method: 'POST',
    url_template: '/*',
  });
  add('azurerm_api_management_backend', 'inference', {
    api_management_name: tf('azurerm_api_management.apim', 'name'),
    name: 'inference',
    url: 'https://10.1.63.254/',
  });
  add('azurerm_storage_account', 'st', { name: 'st', account_replication_type: 'ZRS' });
  for (const zone of env.storage.zones) {
    add('azurerm_storage_container', zone, { name: zone, storage_account_id: tf('azurerm_storage_account.st', 'id') });
  }
  add('azurerm_container_registry', 'cr', { name: 'cr', sku: 'Premium' });
  add('azurerm_key_vault', 'kv', { name: 'kv', sku_name: 'premium' });
  for (const purpose of ['storage', 'registry']) {
    add('azurerm_key_vault_key', purpose, { name: `${purpose}-cmk`, key_type: 'RSA-HSM', key_size: 3072 });
  }
  for (const target of ['azurerm_storage_account.st', 'azurerm_container_registry.cr', 'azurerm_key_vault.kv']) {
    add('azurerm_private_endpoint', target.split('.')[1] as string, {
      subnet_id: tf('azurerm_subnet.pe', 'id'),
      private_service_connection: { private_connection_resource_id: tf(target, 'id'), subresource_names: ['x'] },
    });
  }
  add('azurerm_log_analytics_workspace', 'log', { name: 'log' });
  if (env.hybrid) {
    add('azurerm_virtual_network_gateway', 'vpn', {
      type: 'Vpn',
      sku: 'VpnGw2AZ',
      active_active: true,
      enable_bgp: true,
      ip_configuration: [{ subnet_id: tf('azurerm_subnet.GatewaySubnet', 'id') }],
    });
    add('azurerm_local_network_gateway', 'site', {
      gateway_address: env.hybrid.gatewayIp,
      bgp_settings: { asn: env.hybrid.bgpAsn },
    });
    add('azurerm_virtual_network_gateway_connection', 'site', { type: 'IPsec', enable_bgp: true });
    add('azurerm_private_dns_resolver_inbound_endpoint', 'in', {
      ip_configurations: { subnet_id: tf('azurerm_subnet.pe', 'id') },
    });
    add('azurerm_private_dns_resolver_outbound_endpoint', 'out', { subnet_id: tf('azurerm_subnet.pe', 'id') });
    add('azurerm_private_dns_resolver_dns_forwarding_ruleset', 'rules', {});
    add('azurerm_private_dns_resolver_forwarding_rule', 'corp', {
      domain_name: 'corp.example.com.',
      target_dns_servers: (env.hybrid.dnsServers ?? []).map((ip) => ({ ip_address: ip, port: 53 })),
    });
  }
  return { cloud: 'azure', terraform: { resource: resources } };
}

/** The first GPU pool of a draft, for tests that change it. */
export function firstPool<T extends AwsEnvironment | AzureEnvironment>(draft: Draft<T>): Draft<GpuPoolConfig> {
  const pool = draft.kubernetes.gpuPools[0];
  if (!pool) throw new Error(`${draft.name} has no GPU pool`);
  return pool;
}
