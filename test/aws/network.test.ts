import { Match } from 'aws-cdk-lib/assertions';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { INTERFACE_ENDPOINTS, PlatformNetwork } from '../../lib/aws/network';
import { type AwsEnvironment, awsZoneNames } from '../../lib/config';
import { fixtures, vary } from '../util';
import { harness, templateOf } from './harness';

function build(env: AwsEnvironment) {
  const h = harness(env);
  const network = new PlatformNetwork(h.stack, 'Network', {
    names: h.names,
    network: env.network,
    availabilityZones: awsZoneNames(env.target.region, env.network.availabilityZones),
    logRetention: env.monitoring.logRetentionDays as RetentionDays,
    retain: h.retain,
    hybridNodeCidrs: env.hybrid?.nodeCidrs,
    logsKey: h.keys.logs,
  });
  return { network, t: templateOf(h) };
}

describe('PlatformNetwork', () => {
  it('spreads public, private-with-egress and isolated subnets over the configured zones, named without lookups', () => {
    // GIVEN production (3 zones, NAT per zone) WHEN built
    const { t } = build(fixtures.awsProduction);
    // THEN 9 subnets in eu-west-1a..c and three NAT gateways
    t.resourceCountIs('AWS::EC2::Subnet', 9);
    t.resourceCountIs('AWS::EC2::NatGateway', 3);
    for (const zone of ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']) {
      t.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: zone });
    }
    t.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: fixtures.awsProduction.network.cidr });
  });

  it('has no internet gateway, NAT or public subnet and no route to the internet when natGateways is 0', () => {
    // GIVEN the hybrid environment (natGateways 0) WHEN built
    const { t, network } = build(fixtures.awsHybrid);
    // THEN nothing leads out of the VPC but the endpoints
    t.resourceCountIs('AWS::EC2::InternetGateway', 0);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    const routes = Object.values(t.findResources('AWS::EC2::Route'));
    expect(routes.filter((r) => r.Properties.DestinationCidrBlock === '0.0.0.0/0')).toEqual([]);
    expect(network.vpc.publicSubnets).toHaveLength(0);
    expect(network.vpc.selectSubnets(network.workloadSubnets).subnets).toHaveLength(2);
  });

  it('adds the S3 gateway endpoint and every interface endpoint the cluster needs, with private DNS', () => {
    const { t } = build(fixtures.awsHybrid);
    t.resourceCountIs('AWS::EC2::VPCEndpoint', INTERFACE_ENDPOINTS.length + 2); // + S3 gateway and S3 interface
    t.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway' });
    for (const service of [
      'ecr.api',
      'ecr.dkr',
      'sts',
      'logs',
      'monitoring',
      'xray',
      'events',
      'eks',
      'eks-auth',
      'ec2',
      'ssm',
      'secretsmanager',
      'kms',
      'elasticloadbalancing',
      'autoscaling',
      // the kubectl provider's framework function invokes its handler through the Lambda API
      'lambda',
    ]) {
      t.hasResourceProperties('AWS::EC2::VPCEndpoint', {
        ServiceName: `com.amazonaws.eu-central-1.${service}`,
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
      });
    }
  });

  it('serves S3 to on-premises hybrid nodes through an interface endpoint whose DNS answers only the inbound resolver', () => {
    // GIVEN the hybrid environment WHEN built
    const { t } = build(fixtures.awsHybrid);
    // THEN an S3 interface endpoint exists after the gateway, with private DNS for the inbound resolver only
    const [id, endpoint] =
      Object.entries(
        t.findResources('AWS::EC2::VPCEndpoint', {
          Properties: { ServiceName: 'com.amazonaws.eu-central-1.s3', VpcEndpointType: 'Interface' },
        }),
      )[0] ?? [];
    expect(id).toBeDefined();
    expect(endpoint?.Properties.DnsOptions).toEqual({
      PrivateDnsOnlyForInboundResolverEndpoint: 'OnlyInboundResolver',
    });
    expect(endpoint?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^NetworkS3[0-9A-F]{8}$/)]));
    // AND environments without on-premises nodes have the gateway only
    const staging = build(fixtures.awsStaging).t;
    staging.resourcePropertiesCountIs(
      'AWS::EC2::VPCEndpoint',
      { ServiceName: 'com.amazonaws.eu-west-1.s3', VpcEndpointType: 'Interface' },
      0,
    );
  });

  it('opens the endpoints to HTTPS from the VPC and the hybrid node ranges only', () => {
    const { t } = build(fixtures.awsHybrid);
    t.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'HTTPS from the VPC to the interface endpoints',
      SecurityGroupIngress: [
        Match.objectLike({ CidrIp: '10.60.0.0/16', FromPort: 443, ToPort: 443 }),
        Match.objectLike({ CidrIp: '192.168.10.0/24', FromPort: 443, ToPort: 443 }),
      ],
    });
  });

  it('logs all flows to a KMS-encrypted log group with the configured retention and closes the default security group', () => {
    const { t } = build(fixtures.awsStaging);
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs' });
    t.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/mlops/staging/vpc/flow-logs',
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
    });
    t.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  it('keeps subnets at least /28 in the smallest VPC', () => {
    const small = vary(fixtures.awsStaging, (d) => {
      d.network.cidr = '10.20.0.0/24';
    });
    const { t } = build(small);
    const masks = Object.values(t.findResources('AWS::EC2::Subnet')).map((s) =>
      Number(String(s.Properties.CidrBlock).split('/')[1]),
    );
    expect(Math.max(...masks)).toBeLessThanOrEqual(28);
  });
});
