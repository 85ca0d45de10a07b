import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HybridConfig } from '../../lib/config';
import { type Draft, fixtures, synthAws, vary } from '../util';

const link = (d: Draft<typeof fixtures.awsHybrid>) => d.hybrid as Draft<HybridConfig>;

describe('HybridLink in the hybrid stage (VPN with BGP)', () => {
  let template: Template;
  beforeAll(() => {
    // GIVEN the shipped hybrid environment WHEN its stage is synthesized with every compliance pack
    template = synthAws(fixtures.awsHybrid).templates.Platform as Template;
  });

  it('attaches a virtual private gateway and propagates on-premises routes into every private route table', () => {
    template.hasResourceProperties('AWS::EC2::VPNGateway', { Type: 'ipsec.1', AmazonSideAsn: 64512 });
    template.resourceCountIs('AWS::EC2::VPCGatewayAttachment', 1 + 0);
    const propagation = Object.values(template.findResources('AWS::EC2::VPNGatewayRoutePropagation'))[0];
    // 2 zones x (private + isolated) route tables
    expect(propagation?.Properties.RouteTableIds).toHaveLength(4);
  });

  it('connects to the on-premises gateway over BGP with two IKEv2 AES-GCM tunnels', () => {
    template.hasResourceProperties('AWS::EC2::CustomerGateway', { IpAddress: '203.0.113.10', BgpAsn: 65010 });
    template.hasResourceProperties('AWS::EC2::VPNConnection', {
      StaticRoutesOnly: false,
      VpnTunnelOptionsSpecifications: [
        Match.objectLike({
          IKEVersions: [{ Value: 'ikev2' }],
          Phase1EncryptionAlgorithms: [{ Value: 'AES256-GCM-16' }],
        }),
        Match.objectLike({ IKEVersions: [{ Value: 'ikev2' }], Phase2DHGroupNumbers: [{ Value: 20 }, { Value: 21 }] }),
      ],
    });
    template.resourceCountIs('AWS::EC2::VPNConnectionRoute', 0);
  });

  it('generates the pre-shared keys into Secrets Manager and references them dynamically, never as values', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2); // the two tunnel keys
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'mlops-hybrid-vpn-tunnel1-psk',
      GenerateSecretString: Match.objectLike({ PasswordLength: 32, ExcludePunctuation: true, ExcludeCharacters: '0' }),
      KmsKeyId: Match.anyValue(),
    });
    const connection = Object.values(template.findResources('AWS::EC2::VPNConnection'))[0];
    const tunnels = connection?.Properties.VpnTunnelOptionsSpecifications as Array<{ PreSharedKey: unknown }>;
    for (const tunnel of tunnels) {
      expect(JSON.stringify(tunnel.PreSharedKey)).toMatch(/\{\{resolve:secretsmanager:/);
    }
  });

  it('resolves DNS both ways: fixed inbound addresses for on-premises, forwarding rules for corp domains', () => {
    template.hasResourceProperties('AWS::Route53Resolver::ResolverEndpoint', {
      Direction: 'INBOUND',
      IpAddresses: [Match.objectLike({ Ip: Match.stringLikeRegexp('^10\\.60\\.') }), Match.anyValue()],
    });
    template.hasResourceProperties('AWS::Route53Resolver::ResolverEndpoint', { Direction: 'OUTBOUND' });
    template.hasResourceProperties('AWS::Route53Resolver::ResolverRule', {
      DomainName: 'corp.example.com',
      RuleType: 'FORWARD',
      TargetIps: [
        { Ip: '192.168.1.10', Port: '53' },
        { Ip: '192.168.1.11', Port: '53' },
      ],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('inbound endpoint'),
      SecurityGroupIngress: Match.arrayWith([
        Match.objectLike({ CidrIp: '192.168.0.0/16', FromPort: 53, IpProtocol: 'udp' }),
      ]),
    });
  });

  it('lets on-premises GPU servers join the cluster as hybrid nodes', () => {
    template.hasResourceProperties('AWS::EKS::AccessEntry', { Type: 'HYBRID_LINUX' });
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-hybrid-hybrid-nodes',
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'ssm.amazonaws.com' } })],
      }),
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { CidrIp: '192.168.10.0/24', FromPort: 443 });
    // Hybrid nodes may fill the pull-through cache on first pull, as the cloud nodes may.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^HybridLinkHybridNodesRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
            Resource: Match.arrayWith(['arn:aws:ecr:eu-central-1:333333333333:repository/ecr-public/*']),
          }),
        ]),
      },
    });
  });

  it('alarms on a lost tunnel and on a lost connection, notifying the alarm topic', () => {
    for (const name of ['mlops-hybrid-vpn-down', 'mlops-hybrid-vpn-tunnel-down']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: name,
        Namespace: 'AWS/VPN',
        MetricName: 'TunnelState',
        AlarmActions: [Match.anyValue()],
      });
    }
  });
});

describe('HybridLink variants in the stage', () => {
  it('uses static routes to the on-premises and pod ranges when no BGP ASN is given', () => {
    const staticEnv = vary(fixtures.awsHybrid, (d) => {
      link(d).bgpAsn = undefined;
    });
    // Static routes use the resource types the shipped hybrid stage has validated already.
    const template = synthAws(staticEnv, { templateValidation: false }).templates.Platform as Template;
    template.hasResourceProperties('AWS::EC2::VPNConnection', { StaticRoutesOnly: true });
    template.hasResourceProperties('AWS::EC2::CustomerGateway', { BgpAsn: 65000 });
    template.hasResourceProperties('AWS::EC2::VPNConnectionRoute', { DestinationCidrBlock: '192.168.0.0/16' });
    template.hasResourceProperties('AWS::EC2::VPNConnectionRoute', { DestinationCidrBlock: '10.200.0.0/16' });
  });

  it('associates a Direct Connect gateway and the private virtual interface instead of a VPN', () => {
    const dxEnv = vary(fixtures.awsHybrid, (d) => {
      const h = link(d);
      h.linkType = 'direct-connect';
      h.gatewayIp = undefined;
      h.directConnect = { connectionId: 'dxcon-abcd1234', vlan: 101 };
    });
    const template = synthAws(dxEnv).templates.Platform as Template;
    template.resourceCountIs('AWS::EC2::VPNConnection', 0);
    template.hasResourceProperties('AWS::DirectConnect::DirectConnectGateway', { AmazonSideAsn: '64512' });
    template.hasResourceProperties('AWS::DirectConnect::DirectConnectGatewayAssociation', {
      AllowedPrefixesToDirectConnectGateway: [Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['CidrBlock']) })],
    });
    template.hasResourceProperties('AWS::DirectConnect::PrivateVirtualInterface', {
      ConnectionId: 'dxcon-abcd1234',
      Vlan: 101,
    });
  });
});
