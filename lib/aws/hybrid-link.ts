import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dx from 'aws-cdk-lib/aws-directconnect';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CfnAccessEntry } from 'aws-cdk-lib/aws-eks';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as resolver from 'aws-cdk-lib/aws-route53resolver';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type AwsEnvironment, formatIpv4, type HybridConfig, type PlatformNames, parseCidr } from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings, managedPolicyFinding } from './acknowledge';

export interface HybridLinkProps {
  /** The environment; its `hybrid` block describes the link and must be set. */
  readonly environment: AwsEnvironment;
  readonly names: PlatformNames;
  readonly vpc: ec2.IVpc;
  /** Subnets whose route tables learn the on-premises routes (workloads and endpoints). */
  readonly routedSubnets: readonly ec2.SubnetSelection[];
  /** Subnets for the Route 53 Resolver endpoints (two zones are used). */
  readonly resolverSubnets: ec2.SubnetSelection;
  /** Encrypts the VPN pre-shared keys in Secrets Manager. */
  readonly secretsKey: kms.IKey;
  /** Encrypts the VPN tunnel and resolver query log groups. */
  readonly logsKey: kms.IKey;
  /** Every link alarm notifies this topic. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Dashboard that gets the tunnel-state widget.
   * @default - no widget
   */
  readonly dashboard?: cloudwatch.Dashboard;
  /**
   * The EKS cluster that on-premises GPU servers join as hybrid nodes: gets the HYBRID_LINUX access
   * entry and security group rules for the on-premises node and pod ranges.
   * @default - no hybrid nodes
   */
  readonly cluster?: eks.Cluster;
}

/** Host offset of the inbound resolver's fixed address in each subnet. */
const RESOLVER_HOST = 10;

/** The `offset`-th address of a CIDR (the subnet CIDRs of a CDK-built VPC are known at synth). */
function hostAt(cidr: string, offset: number): string {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`cannot place a resolver address in '${cidr}'`);
  return formatIpv4(parsed.network + offset);
}

/** Static routing needs a customer gateway ASN all the same; AWS documents 65000 for that case. */
const STATIC_CUSTOMER_GATEWAY_ASN = 65000;

/** Tunnel options: IKEv2 only, AES-256-GCM, SHA-384, ECP DH groups (AWS Site-to-Site VPN tunnel options). */
const TUNNEL_CRYPTO: Omit<ec2.CfnVPNConnection.VpnTunnelOptionsSpecificationProperty, 'preSharedKey'> = {
  ikeVersions: [{ value: 'ikev2' }],
  phase1EncryptionAlgorithms: [{ value: 'AES256-GCM-16' }],
  phase1IntegrityAlgorithms: [{ value: 'SHA2-384' }],
  phase1DhGroupNumbers: [{ value: 20 }, { value: 21 }],
  phase2EncryptionAlgorithms: [{ value: 'AES256-GCM-16' }],
  phase2IntegrityAlgorithms: [{ value: 'SHA2-384' }],
  phase2DhGroupNumbers: [{ value: 20 }, { value: 21 }],
  dpdTimeoutAction: 'restart',
  dpdTimeoutSeconds: 30,
  startupAction: 'start',
};

/**
 * The private link between the VPC and the on-premises data centre:
 *
 * - a virtual private gateway attached to the VPC, propagating on-premises routes into the
 *   workload and endpoint route tables;
 * - `vpn`: a customer gateway and a Site-to-Site VPN connection with both tunnels (IKEv2, AES-GCM),
 *   pre-shared keys generated into Secrets Manager and referenced dynamically (never in the
 *   template), BGP or static routes, tunnel logs in CloudWatch Logs, and alarms on tunnel state;
 * - `direct-connect`: a Direct Connect gateway associated with the virtual private gateway, and a
 *   private virtual interface on the ordered connection when its VLAN is configured;
 * - DNS both ways: a Route 53 Resolver inbound endpoint that on-premises resolvers forward the
 *   platform's private names to, and forwarding rules for the on-premises domains;
 * - EKS Hybrid Nodes: the role on-premises GPU servers assume through SSM hybrid activations, its
 *   HYBRID_LINUX access entry, and cluster security group rules for the on-premises ranges.
 *
 * https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html,
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-overview.html
 */
export class HybridLink extends Construct {
  public readonly vpnGateway: ec2.CfnVPNGateway;
  public readonly customerGateway?: ec2.CfnCustomerGateway;
  public readonly vpnConnection?: ec2.CfnVPNConnection;
  /** One generated pre-shared key per tunnel. */
  public readonly preSharedKeys: readonly secretsmanager.Secret[];
  public readonly inboundResolver: resolver.CfnResolverEndpoint;
  /** Addresses on-premises resolvers forward the platform's private names to. */
  public readonly inboundResolverIps: readonly string[];
  public readonly outboundResolver?: resolver.CfnResolverEndpoint;
  public readonly hybridNodesRole?: iam.Role;

  constructor(scope: Construct, id: string, props: HybridLinkProps) {
    super(scope, id);
    const env = props.environment;
    const hybrid = env.hybrid as HybridConfig;
    if (!hybrid) throw new Error(`HybridLink needs ${env.name} to have a hybrid block`);
    const names = props.names;
    const production = env.stage === 'production';
    const onPremRanges = [...hybrid.onPremCidrs, ...hybrid.podCidrs];

    this.vpnGateway = new ec2.CfnVPNGateway(this, 'VpnGateway', {
      type: 'ipsec.1',
      amazonSideAsn: hybrid.cloudAsn ?? 64512,
      tags: [{ key: 'Name', value: names.resource('vgw') }],
    });
    const attachment = new ec2.CfnVPCGatewayAttachment(this, 'VpnGatewayAttachment', {
      vpcId: props.vpc.vpcId,
      vpnGatewayId: this.vpnGateway.ref,
    });
    const routeTableIds = [
      ...new Set(
        props.routedSubnets.flatMap((selection) =>
          props.vpc.selectSubnets(selection).subnets.map((subnet) => subnet.routeTable.routeTableId),
        ),
      ),
    ];
    const propagation = new ec2.CfnVPNGatewayRoutePropagation(this, 'RoutePropagation', {
      routeTableIds,
      vpnGatewayId: this.vpnGateway.ref,
    });
    propagation.addDependency(attachment);

    const keys: secretsmanager.Secret[] = [];
    if (hybrid.linkType === 'vpn') {
      this.customerGateway = new ec2.CfnCustomerGateway(this, 'CustomerGateway', {
        type: 'ipsec.1',
        ipAddress: hybrid.gatewayIp as string,
        bgpAsn: hybrid.bgpAsn ?? STATIC_CUSTOMER_GATEWAY_ASN,
        tags: [{ key: 'Name', value: names.resource('on-prem') }],
      });
      const tunnelLogs = new logs.LogGroup(this, 'TunnelLogs', {
        logGroupName: names.logGroup('vpn/tunnels'),
        encryptionKey: props.logsKey,
        retention: env.monitoring.logRetentionDays as logs.RetentionDays,
        removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      for (const tunnel of [1, 2]) {
        // AWS pre-shared keys: 8-64 letters, digits, periods and underscores, not starting with 0;
        // leaving out punctuation and the digit 0 meets both rules.
        const key = new secretsmanager.Secret(this, `Tunnel${tunnel}PreSharedKey`, {
          secretName: `${names.base}/vpn/tunnel-${tunnel}-psk`,
          description: `Pre-shared key of VPN tunnel ${tunnel} to the on-premises gateway ${hybrid.gatewayIp}`,
          encryptionKey: props.secretsKey,
          generateSecretString: {
            passwordLength: 64,
            excludePunctuation: true,
            includeSpace: false,
            excludeCharacters: '0',
          },
          removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });
        acknowledge(key, {
          'AwsSolutions-SMG4':
            'A VPN pre-shared key is rotated by replacing the tunnel options on both ends at once; Secrets Manager has no rotation function for it, and the runbook in docs/hybrid-aws.md rotates it',
          'HIPAA.Security-SecretsManagerRotationEnabled':
            'A VPN pre-shared key must change on the AWS and on-premises side together, which a Lambda rotation cannot do; it is rotated by the documented runbook',
          'NIST.800.53.R5-SecretsManagerRotationEnabled':
            'A VPN pre-shared key must change on the AWS and on-premises side together, which a Lambda rotation cannot do; it is rotated by the documented runbook',
        });
        keys.push(key);
      }
      this.vpnConnection = new ec2.CfnVPNConnection(this, 'VpnConnection', {
        type: 'ipsec.1',
        customerGatewayId: this.customerGateway.ref,
        vpnGatewayId: this.vpnGateway.ref,
        staticRoutesOnly: hybrid.bgpAsn === undefined,
        vpnTunnelOptionsSpecifications: keys.map((key) => ({
          ...TUNNEL_CRYPTO,
          // A dynamic reference: CloudFormation reads the key from Secrets Manager at deploy time,
          // so the template holds `{{resolve:secretsmanager:...}}`, never the key.
          preSharedKey: key.secretValue.unsafeUnwrap(),
          logOptions: {
            cloudwatchLogOptions: { logEnabled: true, logGroupArn: tunnelLogs.logGroupArn, logOutputFormat: 'json' },
          },
        })),
        tags: [{ key: 'Name', value: names.resource('vpn') }],
      });
      this.vpnConnection.addDependency(attachment);
      if (hybrid.bgpAsn === undefined) {
        onPremRanges.forEach((cidr, i) => {
          new ec2.CfnVPNConnectionRoute(this, `StaticRoute${i}`, {
            vpnConnectionId: (this.vpnConnection as ec2.CfnVPNConnection).ref,
            destinationCidrBlock: cidr,
          });
        });
      }
      this.alarmOnTunnels(props, this.vpnConnection);
      new CfnOutput(this, 'VpnConnectionId', {
        value: this.vpnConnection.ref,
        description: 'Site-to-Site VPN connection',
      });
      new CfnOutput(this, 'CustomerGatewayId', { value: this.customerGateway.ref, description: 'Customer gateway' });
    } else if (hybrid.linkType === 'direct-connect' && hybrid.directConnect) {
      const dxConfig = hybrid.directConnect;
      const gateway = new dx.CfnDirectConnectGateway(this, 'DirectConnectGateway', {
        directConnectGatewayName: names.resource('dxgw'),
        amazonSideAsn: String(dxConfig.amazonSideAsn ?? 64512),
      });
      new dx.CfnDirectConnectGatewayAssociation(this, 'DirectConnectGatewayAssociation', {
        directConnectGatewayId: gateway.attrDirectConnectGatewayId,
        associatedGatewayId: this.vpnGateway.ref,
        allowedPrefixesToDirectConnectGateway: [env.network.cidr],
      });
      if (dxConfig.vlan !== undefined) {
        new dx.CfnPrivateVirtualInterface(this, 'PrivateVirtualInterface', {
          connectionId: dxConfig.connectionId,
          directConnectGatewayId: gateway.attrDirectConnectGatewayId,
          virtualInterfaceName: names.resource('vif'),
          vlan: dxConfig.vlan,
          bgpPeers: [{ asn: String(hybrid.bgpAsn ?? 65000), addressFamily: 'ipv4' }],
        });
      }
    }
    this.preSharedKeys = keys;

    // DNS both ways: on-premises resolvers forward the platform's private zones (interface
    // endpoints, EKS API) to the inbound endpoint; the VPC forwards on-premises domains out.
    // Fixed addresses (the 10th host of each subnet) so that on-premises conditional forwarders
    // can be configured once; CloudFormation returns no addresses for an endpoint.
    const resolverSubnets = props.vpc.selectSubnets(props.resolverSubnets).subnets.slice(0, 2);
    const inboundIps = resolverSubnets.map((subnet) => ({
      subnetId: subnet.subnetId,
      ip: hostAt(subnet.ipv4CidrBlock, RESOLVER_HOST),
    }));
    const inboundSg = new ec2.SecurityGroup(this, 'InboundResolverSecurityGroup', {
      vpc: props.vpc,
      description: 'DNS from on-premises resolvers to the Route 53 Resolver inbound endpoint',
      allowAllOutbound: false,
    });
    for (const cidr of hybrid.onPremCidrs) {
      inboundSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.udp(53), 'DNS (UDP) from on-premises');
      inboundSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(53), 'DNS (TCP) from on-premises');
    }
    this.inboundResolver = new resolver.CfnResolverEndpoint(this, 'InboundResolver', {
      name: names.resource('dns-inbound'),
      direction: 'INBOUND',
      securityGroupIds: [inboundSg.securityGroupId],
      ipAddresses: inboundIps,
    });
    this.inboundResolverIps = inboundIps.map((a) => a.ip);
    new CfnOutput(this, 'InboundResolverIps', {
      value: this.inboundResolverIps.join(','),
      description: 'Forward the platform private zones from on-premises DNS to these addresses',
    });

    const servers = hybrid.dnsServers ?? [];
    const domains = hybrid.dnsDomains ?? [];
    if (servers.length > 0 && domains.length > 0) {
      const outboundSg = new ec2.SecurityGroup(this, 'OutboundResolverSecurityGroup', {
        vpc: props.vpc,
        description: 'DNS from the Route 53 Resolver outbound endpoint to on-premises resolvers',
        allowAllOutbound: false,
      });
      for (const server of servers) {
        outboundSg.addEgressRule(ec2.Peer.ipv4(`${server}/32`), ec2.Port.udp(53), 'DNS (UDP) to on-premises');
        outboundSg.addEgressRule(ec2.Peer.ipv4(`${server}/32`), ec2.Port.tcp(53), 'DNS (TCP) to on-premises');
      }
      this.outboundResolver = new resolver.CfnResolverEndpoint(this, 'OutboundResolver', {
        name: names.resource('dns-outbound'),
        direction: 'OUTBOUND',
        securityGroupIds: [outboundSg.securityGroupId],
        ipAddresses: resolverSubnets.map((subnet) => ({ subnetId: subnet.subnetId })),
      });
      domains.forEach((domain, i) => {
        const rule = new resolver.CfnResolverRule(this, `ForwardRule${i}`, {
          name: names.resource(`forward-${i}`),
          domainName: domain,
          ruleType: 'FORWARD',
          resolverEndpointId: (this.outboundResolver as resolver.CfnResolverEndpoint).attrResolverEndpointId,
          targetIps: servers.map((ip) => ({ ip, port: '53' })),
        });
        new resolver.CfnResolverRuleAssociation(this, `ForwardRuleAssociation${i}`, {
          resolverRuleId: rule.attrResolverRuleId,
          vpcId: props.vpc.vpcId,
        });
      });
    }

    if (props.cluster) this.hybridNodesRole = this.addHybridNodes(props, props.cluster);
  }

  /**
   * The IAM role on-premises GPU servers assume (through an SSM hybrid activation made with
   * `aws ssm create-activation --iam-role <role>`), its HYBRID_LINUX access entry, and the cluster
   * security group rules for the on-premises node and pod ranges.
   * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html
   */
  private addHybridNodes(props: HybridLinkProps, cluster: eks.Cluster): iam.Role {
    const hybrid = props.environment.hybrid as HybridConfig;
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'HybridNodesRole', {
      roleName: props.names.resource('hybrid-nodes'),
      description:
        'Assumed by on-premises GPU servers that join the EKS cluster as hybrid nodes (SSM hybrid activation)',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
      ],
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: [cluster.clusterArn],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // nodeadm deregisters the managed instance on `nodeadm uninstall`; SSM managed instance
        // ids (mi-...) are only known after activation, hence the wildcard within this account.
        actions: ['ssm:DeregisterManagedInstance', 'ssm:DescribeInstanceInformation'],
        resources: ['*'],
      }),
    );
    acknowledge(role, {
      [managedPolicyFinding('AmazonSSMManagedInstanceCore')]:
        'The AWS-maintained minimum for an SSM managed instance, which is how hybrid nodes get credentials',
      [managedPolicyFinding('AmazonEC2ContainerRegistryPullOnly')]:
        'Read-only image pulls, the AWS-maintained policy EKS documents for hybrid nodes',
      'AwsSolutions-IAM5[Resource::*]':
        'SSM managed instance ids exist only after the hybrid activation registers a server, so the deregister/describe actions cannot name them in advance',
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });
    new CfnAccessEntry(this, 'HybridNodesAccessEntry', {
      clusterName: cluster.clusterName,
      principalArn: role.roleArn,
      type: 'HYBRID_LINUX',
    });
    // Hybrid nodes and their pods call the API server; the control plane reaches kubelets and
    // webhooks on pods over the link.
    for (const cidr of [...hybrid.nodeCidrs, ...hybrid.podCidrs]) {
      cluster.clusterSecurityGroup.addIngressRule(
        ec2.Peer.ipv4(cidr),
        ec2.Port.tcp(443),
        'Kubernetes API from on-premises hybrid nodes and pods',
      );
    }
    new CfnOutput(this, 'HybridNodesRoleArn', {
      value: role.roleArn,
      description: 'Role for SSM hybrid activations of on-premises nodes',
    });
    return role;
  }

  /** Alarms when one tunnel is down (redundancy lost) and when the whole connection is down. */
  private alarmOnTunnels(props: HybridLinkProps, connection: ec2.CfnVPNConnection): void {
    const tunnelState = (statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/VPN',
        metricName: 'TunnelState',
        dimensionsMap: { VpnId: connection.ref },
        statistic,
        period: Duration.minutes(5),
      });
    const action = new actions.SnsAction(props.alarmTopic);
    const down = tunnelState('Maximum').createAlarm(this, 'VpnDownAlarm', {
      alarmName: props.names.resource('vpn-down'),
      alarmDescription: 'Both VPN tunnels to the on-premises data centre are down',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const degraded = tunnelState('Minimum').createAlarm(this, 'VpnTunnelDownAlarm', {
      alarmName: props.names.resource('vpn-tunnel-down'),
      alarmDescription: 'A VPN tunnel to the on-premises data centre is down: the link has lost its redundancy',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    for (const alarm of [down, degraded]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    props.dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'VPN tunnels up (min / max)',
        left: [tunnelState('Minimum'), tunnelState('Maximum')],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Hybrid link alarms', alarms: [down, degraded], width: 12 }),
    );
  }
}
