import { App, Stack, Stage, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { managedPolicyFinding } from '../../lib/aws/acknowledge';
import { addCompliancePacks } from '../../lib/aws/compliance';
import { HybridLink } from '../../lib/aws/hybrid-link';
import { type AwsEnvironment, type HybridConfig, PlatformNames } from '../../lib/config';
import { cdkContext, fixtures, vary } from '../util';

type BuildOptions = { cluster?: boolean; dashboard?: boolean; queryLogs?: boolean };
const built = new Map<AwsEnvironment, Map<string, ReturnType<typeof synthesize>>>();

/**
 * A test stack with the scaffolding the stage provides, synthesized with the compliance packs (so
 * every build also proves the link has no unacknowledged finding); built once per environment
 * and options, since tests only read it.
 */
function build(env: AwsEnvironment, options: BuildOptions = {}) {
  const key = JSON.stringify(options);
  const forEnv = built.get(env) ?? new Map<string, ReturnType<typeof synthesize>>();
  built.set(env, forEnv);
  let result = forEnv.get(key);
  if (!result) {
    result = synthesize(env, options);
    forEnv.set(key, result);
  }
  return result;
}

function synthesize(env: AwsEnvironment, options: BuildOptions) {
  const app = new App({ context: cdkContext() });
  const stage = new Stage(app, 'Test', { env: { account: env.target.account, region: env.target.region } });
  addCompliancePacks(stage);
  const stack = new Stack(stage, 'Hybrid');
  // Scaffolding only: the platform helper builds the production VPC, key, topic and cluster.
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    ipAddresses: ec2.IpAddresses.cidr(env.network.cidr),
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
  });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${env.target.region}.amazonaws.com`));
  const topic = new sns.Topic(stack, 'Topic', { masterKey: key, enforceSSL: true });
  const dashboard = options.dashboard ? new cloudwatch.Dashboard(stack, 'Dashboard') : undefined;
  const cluster = options.cluster
    ? new eks.Cluster(stack, 'Cluster', {
        vpc,
        version: eks.KubernetesVersion.V1_33,
        defaultCapacityType: eks.DefaultCapacityType.AUTOMODE,
        endpointAccess: eks.EndpointAccess.PRIVATE,
        vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
      })
    : undefined;
  // The scaffolding's own findings are acknowledged on the scaffolding only: nothing covers the
  // link, so a finding on any of its resources fails the synthesis.
  scaffolding(vpc, ['AwsSolutions-VPC7', 'HIPAA.Security-VPCFlowLogsEnabled', 'NIST.800.53.R5-VPCFlowLogsEnabled']);
  if (cluster) {
    scaffolding(cluster, [
      ...[
        'AmazonEKSClusterPolicy',
        'AmazonEKSComputePolicy',
        'AmazonEKSBlockStoragePolicy',
        'AmazonEKSLoadBalancingPolicy',
        'AmazonEKSNetworkingPolicy',
        'AmazonEKSWorkerNodePolicy',
        'AmazonEC2ContainerRegistryReadOnly',
      ].map(managedPolicyFinding),
      // A synth warning: the scaffolding's VPC has no NAT (and no endpoints: nothing is deployed).
      '@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets',
    ]);
  }
  const link = new HybridLink(stack, 'HybridLink', {
    hybrid: env.hybrid as NonNullable<AwsEnvironment['hybrid']>,
    names: new PlatformNames(env),
    vpc,
    privateSubnets: vpc.isolatedSubnets,
    key,
    alarmTopic: topic,
    dashboard,
    cluster,
    queryLogKey: options.queryLogs ? key : undefined,
  });
  app.synth();
  return { link, stack, template: Template.fromStack(stack), json: JSON.stringify(Template.fromStack(stack).toJSON()) };
}

/** Acknowledges findings of a scaffolding construct (and its children) only. */
function scaffolding(scope: IConstruct, ids: readonly string[]): void {
  Validations.of(scope).acknowledge(
    ...ids.map((id) => ({ id, reason: 'test scaffolding, not the platform resources under test' })),
  );
}

const hybrid = fixtures.awsHybrid;
const link = hybrid.hybrid as HybridConfig;
const staticVpn = vary(hybrid, (d) => {
  d.hybrid = { ...link, bgpAsn: undefined };
});
const directConnect = vary(hybrid, (d) => {
  d.hybrid = {
    ...link,
    linkType: 'direct-connect',
    directConnect: { connectionId: 'dxcon-abcd1234', amazonSideAsn: 64600 },
  };
});

describe('HybridLink VPN', () => {
  it('builds a BGP VPN with both tunnels on IKEv2 and strong algorithms', () => {
    // GIVEN the hybrid environment (BGP, on-prem ASN 65010)  WHEN built
    const { template } = build(hybrid);
    // THEN the customer gateway, the VGW and the connection carry the configured values
    template.hasResourceProperties('AWS::EC2::CustomerGateway', { IpAddress: '203.0.113.10', BgpAsn: 65010 });
    template.hasResourceProperties('AWS::EC2::VPNGateway', { AmazonSideAsn: 64512 });
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1);
    template.hasResourceProperties('AWS::EC2::VPNConnection', {
      StaticRoutesOnly: false,
      VpnTunnelOptionsSpecifications: Match.arrayWith([
        Match.objectLike({
          IKEVersions: [{ Value: 'ikev2' }],
          Phase1EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
          Phase2IntegrityAlgorithms: [{ Value: 'SHA2-384' }],
          DPDTimeoutAction: 'restart',
        }),
      ]),
    });
    const tunnels = Object.values(template.findResources('AWS::EC2::VPNConnection'))[0]?.Properties
      .VpnTunnelOptionsSpecifications as unknown[];
    expect(tunnels).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::VPNConnectionRoute', 0);
    template.hasResourceProperties('AWS::EC2::VPNGatewayRoutePropagation', {
      RouteTableIds: Match.arrayWith([Match.objectLike({ Ref: Match.anyValue() })]),
    });
    template.hasOutput('*', { Value: { Ref: Match.stringLikeRegexp('VpnConnection') } });
  });

  it('keeps the pre-shared keys out of the template', () => {
    // GIVEN the VPN  WHEN synthesized
    const { template, json } = build(hybrid);
    // THEN the keys are generated into KMS-encrypted secrets and referenced dynamically
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: Match.anyValue(),
      GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true, ExcludeCharacters: '0' },
    });
    const tunnels = Object.values(template.findResources('AWS::EC2::VPNConnection'))[0]?.Properties
      .VpnTunnelOptionsSpecifications as Array<{ PreSharedKey: unknown }>;
    for (const tunnel of tunnels) {
      expect(JSON.stringify(tunnel.PreSharedKey)).toMatch(/\{\{resolve:secretsmanager:/);
    }
    expect(json).not.toMatch(/"PreSharedKey":"[A-Za-z1-9._]{8,64}"/);
  });

  it('adds static routes for on-prem, node and pod ranges without BGP', () => {
    // GIVEN no bgpAsn  WHEN built
    const { template } = build(staticVpn);
    // THEN the connection is static with one route per distinct range
    template.hasResourceProperties('AWS::EC2::VPNConnection', { StaticRoutesOnly: true });
    template.resourceCountIs('AWS::EC2::VPNConnectionRoute', 2);
    template.hasResourceProperties('AWS::EC2::VPNConnectionRoute', { DestinationCidrBlock: '10.200.0.0/16' });
  });
});

describe('HybridLink transit gateway', () => {
  it('terminates the VPN on the transit gateway and routes on-prem ranges to it', () => {
    // GIVEN a transit gateway id  WHEN built
    const tgw = 'tgw-0123456789abcdef0';
    const { template } = build(
      vary(hybrid, (d) => {
        d.hybrid = { ...link, transitGatewayId: tgw };
      }),
    );
    // THEN no virtual private gateway; the VPC attaches to the transit gateway in two zones
    template.resourceCountIs('AWS::EC2::VPNGateway', 0);
    template.resourceCountIs('AWS::EC2::VPNGatewayRoutePropagation', 0);
    template.hasResourceProperties('AWS::EC2::VPNConnection', { TransitGatewayId: tgw });
    template.hasResourceProperties('AWS::EC2::TransitGatewayAttachment', {
      TransitGatewayId: tgw,
      SubnetIds: [{ Ref: Match.stringLikeRegexp('Private') }, { Ref: Match.stringLikeRegexp('Private') }],
    });
    // 2 private route tables x (1 on-prem + 1 pod range)
    template.resourceCountIs('AWS::EC2::Route', 4);
    template.hasResourceProperties('AWS::EC2::Route', { DestinationCidrBlock: '10.200.0.0/16', TransitGatewayId: tgw });
  });
});

describe('HybridLink Direct Connect', () => {
  it('associates a Direct Connect gateway with the virtual private gateway', () => {
    // GIVEN linkType direct-connect  WHEN built
    const { template } = build(directConnect);
    // THEN a DX gateway with the configured ASN is associated; no VPN is built
    template.hasResourceProperties('AWS::DirectConnect::DirectConnectGateway', { AmazonSideAsn: '64600' });
    template.hasResourceProperties('AWS::DirectConnect::DirectConnectGatewayAssociation', {
      AssociatedGatewayId: { Ref: Match.stringLikeRegexp('VpnGateway') },
      AllowedPrefixesToDirectConnectGateway: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('Vpc'), 'CidrBlock'] }],
    });
    template.resourceCountIs('AWS::EC2::VPNConnection', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/DX',
      Dimensions: [{ Name: 'ConnectionId', Value: 'dxcon-abcd1234' }],
    });
  });
});

describe('HybridLink DNS', () => {
  it('builds inbound and outbound resolvers reachable from on-prem only', () => {
    // GIVEN dnsDomains and dnsServers  WHEN built
    const { template, link } = build(hybrid);
    // THEN the inbound endpoint has two fixed addresses and DNS is admitted from on-prem only
    expect(link.inboundResolverIps).toHaveLength(2);
    template.hasResourceProperties('AWS::Route53Resolver::ResolverEndpoint', {
      Direction: 'INBOUND',
      IpAddresses: link.inboundResolverIps.map((ip) => Match.objectLike({ Ip: ip })),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '192.168.0.0/16', IpProtocol: 'udp', FromPort: 53, ToPort: 53 }),
        Match.objectLike({ CidrIp: '192.168.0.0/16', IpProtocol: 'tcp', FromPort: 53, ToPort: 53 }),
      ]),
    });
    template.hasResourceProperties('AWS::Route53Resolver::ResolverRule', {
      DomainName: 'corp.example.com',
      RuleType: 'FORWARD',
      TargetIps: [
        { Ip: '192.168.1.10', Port: '53' },
        { Ip: '192.168.1.11', Port: '53' },
      ],
    });
    template.resourceCountIs('AWS::Route53Resolver::ResolverRuleAssociation', 1);
  });

  it('logs resolver queries to an encrypted log group when given a key', () => {
    // GIVEN a query log key  WHEN built
    const { template } = build(hybrid, { queryLogs: true });
    // THEN the VPC's queries go to a KMS-encrypted log group
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/mlops/hybrid/route53resolver',
      KmsKeyId: Match.anyValue(),
    });
    template.resourceCountIs('AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation', 1);
  });

  it('builds no outbound endpoint without DNS domains', () => {
    // GIVEN no dnsDomains  WHEN built
    const { template } = build(
      vary(hybrid, (d) => {
        d.hybrid = { ...link, dnsDomains: undefined, dnsServers: undefined };
      }),
    );
    // THEN only the inbound endpoint exists
    template.resourceCountIs('AWS::Route53Resolver::ResolverEndpoint', 1);
    template.resourceCountIs('AWS::Route53Resolver::ResolverRule', 0);
  });
});

describe('HybridLink hybrid nodes', () => {
  it('creates the SSM-trusted role, a HYBRID_LINUX access entry and the cluster rules', () => {
    // GIVEN a cluster  WHEN built
    const { template } = build(hybrid, { cluster: true });
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ssm.amazonaws.com' } })],
      },
    });
    template.hasResourceProperties('AWS::EKS::AccessEntry', { Type: 'HYBRID_LINUX' });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: '192.168.10.0/24', FromPort: 443 });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      CidrIp: '192.168.0.0/16',
      FromPort: 30000,
      ToPort: 32767,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: '10.200.0.0/16', FromPort: 443 });
  });
});

describe('HybridLink alarms', () => {
  it('alarms on tunnel and connection state and adds dashboard widgets', () => {
    // GIVEN a dashboard  WHEN built
    const { template } = build(hybrid, { dashboard: true });
    // THEN both alarms watch TunnelState by VpnId and notify the topic
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/VPN',
      MetricName: 'TunnelState',
      Statistic: 'Minimum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topic') }],
    });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    expect(body).toContain('Hybrid link');
  });

  it('throws when a subnet CIDR is unknown at synth time', () => {
    // GIVEN imported subnets without CIDRs  WHEN built  THEN it throws
    const stack = new Stack(new App(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const subnets = ['subnet-1', 'subnet-2'].map((id, i) =>
      ec2.Subnet.fromSubnetAttributes(stack, `S${i}`, { subnetId: id, routeTableId: 'rtb-1' }),
    );
    expect(
      () =>
        new HybridLink(stack, 'L', {
          hybrid: hybrid.hybrid as NonNullable<AwsEnvironment['hybrid']>,
          names: new PlatformNames(hybrid),
          vpc,
          privateSubnets: subnets,
          key: new kms.Key(stack, 'K'),
          alarmTopic: new sns.Topic(stack, 'T'),
        }),
    ).toThrow(/no CIDR known at synth time/);
  });
});
