import { CfnOutput, Duration, Fn, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dx from 'aws-cdk-lib/aws-directconnect';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as resolver from 'aws-cdk-lib/aws-route53resolver';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { formatIpv4, type HybridConfig, type PlatformNames, parseCidr } from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings, managedPolicyFinding } from './acknowledge';
import { allowPullThroughImport } from './mirror';

/** Default Amazon-side ASN of a virtual private gateway and a Direct Connect gateway. */
export const DEFAULT_AMAZON_ASN = 64512;
/** The customer-side ASN AWS documents for static routing, where no BGP session uses it. */
const STATIC_CUSTOMER_ASN = 65000;

/** Host offset of the fixed resolver inbound address in each subnet (AWS reserves the first four). */
export const RESOLVER_HOST_OFFSET = 10;

/**
 * Webhook ports the EKS control plane calls on pods of hybrid nodes (admission webhooks, metrics
 * server, the AWS Load Balancer Controller), per
 * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-networking.html
 */
export const HYBRID_WEBHOOK_PORTS: readonly number[] = [443, 4443, 9443];

export interface HybridLinkProps {
  /** The environment's hybrid settings (`env.hybrid`). */
  readonly hybrid: HybridConfig;
  readonly names: PlatformNames;
  /** The platform VPC the link attaches to. */
  readonly vpc: ec2.IVpc;
  /** Private subnets whose route tables get the on-premises routes (workload and isolated). */
  readonly privateSubnets: readonly ec2.ISubnet[];
  /**
   * Two subnets in different zones for the Route 53 Resolver endpoints. Their CIDRs must be known
   * at synth time (subnets of an `ec2.Vpc`) because the inbound addresses are fixed.
   * @default - the first two of `privateSubnets`
   */
  readonly resolverSubnets?: readonly ec2.ISubnet[];
  /**
   * Key of the Resolver query log group; its key policy must admit the CloudWatch Logs service.
   * @default - no Resolver query logging
   */
  readonly queryLogKey?: kms.IKey;
  /**
   * Retention of the Resolver query log group.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly queryLogRetention?: logs.RetentionDays;
  /** Encrypts the VPN pre-shared key secrets. */
  readonly key: kms.IKey;
  /** Receives the link's alarms. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Dashboard the link's state widgets are added to.
   * @default - no widgets
   */
  readonly dashboard?: cloudwatch.Dashboard;
  /**
   * EKS cluster that on-premises GPU servers join as hybrid nodes: gets the HYBRID_LINUX access
   * entry and the security group rules for the hybrid paths.
   * @default - no access entry and no cluster rules
   */
  readonly cluster?: eks.ICluster;
}

/**
 * The private link between the platform VPC and the on-premises data centre: a site-to-site VPN
 * (both tunnels, IKEv2, pre-shared keys in Secrets Manager) or a Direct Connect gateway, both
 * through a virtual private gateway whose routes propagate into the private route tables, or through
 * an existing transit gateway when `hybrid.transitGatewayId` is set; Route 53
 * Resolver endpoints for DNS in both directions; the IAM role and access entry for EKS Hybrid Nodes;
 * and alarms on the link's state.
 */
export class HybridLink extends Construct {
  /** The virtual private gateway, unless the link uses a transit gateway. */
  public readonly vpnGateway?: ec2.CfnVPNGateway;
  /** The VPC's transit gateway attachment, when `hybrid.transitGatewayId` is set. */
  public readonly transitGatewayAttachment?: ec2.CfnTransitGatewayAttachment;
  /** The VPN connection, when `linkType` is `vpn`. */
  public readonly vpnConnection?: ec2.CfnVPNConnection;
  public readonly customerGateway?: ec2.CfnCustomerGateway;
  /** The pre-shared keys of tunnel 1 and 2, when `linkType` is `vpn`. */
  public readonly tunnelKeys: readonly secretsmanager.Secret[] = [];
  public readonly directConnectGateway?: dx.CfnDirectConnectGateway;
  public readonly inboundResolver: resolver.CfnResolverEndpoint;
  /** The fixed addresses of the inbound resolver endpoint that on-premises DNS forwards to. */
  public readonly inboundResolverIps: readonly string[];
  public readonly outboundResolver?: resolver.CfnResolverEndpoint;
  /** The role hybrid nodes assume through their SSM hybrid activation. */
  public readonly hybridNodesRole: iam.Role;
  public readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: HybridLinkProps) {
    super(scope, id);
    const { hybrid, names, vpc } = props;
    if ((props.resolverSubnets ?? props.privateSubnets).length < 2) {
      throw new Error('HybridLink needs two resolver subnets: Route 53 Resolver endpoints require two addresses');
    }

    const gateway = hybrid.transitGatewayId
      ? this.attachTransitGateway(props, hybrid.transitGatewayId)
      : this.attachVpnGateway(props);
    this.vpnGateway = gateway.vpnGateway;
    this.transitGatewayAttachment = gateway.transitGatewayAttachment;
    const attachment = gateway.ready;
    const target = this.vpnGateway
      ? { vpnGatewayId: this.vpnGateway.ref }
      : { transitGatewayId: hybrid.transitGatewayId as string };

    const alarms: cloudwatch.Alarm[] = [];
    if (hybrid.linkType === 'vpn') {
      const vpn = this.createVpn(props, target);
      this.customerGateway = vpn.customerGateway;
      this.vpnConnection = vpn.connection;
      this.tunnelKeys = vpn.keys;
      vpn.connection.addResourceDependency(attachment);
      alarms.push(...this.vpnAlarms(props, vpn.connection));
      new CfnOutput(this, 'VpnConnectionId', { value: vpn.connection.ref, description: 'Site-to-site VPN connection' });
      new CfnOutput(this, 'CustomerGatewayId', { value: vpn.customerGateway.ref, description: 'Customer gateway' });
    } else if (hybrid.linkType === 'direct-connect') {
      if (!hybrid.directConnect) throw new Error("hybrid.directConnect is required when linkType is 'direct-connect'");
      this.directConnectGateway = new dx.CfnDirectConnectGateway(this, 'DirectConnectGateway', {
        directConnectGatewayName: names.resource('dxgw'),
        amazonSideAsn: String(hybrid.directConnect.amazonSideAsn ?? DEFAULT_AMAZON_ASN),
      });
      new dx.CfnDirectConnectGatewayAssociation(this, 'DirectConnectGatewayAssociation', {
        directConnectGatewayId: this.directConnectGateway.attrDirectConnectGatewayId,
        associatedGatewayId: this.vpnGateway?.ref ?? (hybrid.transitGatewayId as string),
        // Only the VPC range is advertised to on-premises.
        allowedPrefixesToDirectConnectGateway: [vpc.vpcCidrBlock],
      }).addResourceDependency(attachment);
      // The private virtual interface needs the VLAN the Direct Connect partner allocates; until
      // it is configured, the gateway waits for the interface created by hand (docs/hybrid-aws.md).
      if (hybrid.directConnect.vlan !== undefined) {
        new dx.CfnPrivateVirtualInterface(this, 'PrivateVirtualInterface', {
          connectionId: hybrid.directConnect.connectionId,
          directConnectGatewayId: this.directConnectGateway.attrDirectConnectGatewayId,
          virtualInterfaceName: names.resource('vif'),
          vlan: hybrid.directConnect.vlan,
          bgpPeers: [{ asn: String(hybrid.bgpAsn ?? STATIC_CUSTOMER_ASN), addressFamily: 'ipv4' }],
        });
      }
      alarms.push(this.directConnectAlarm(props, hybrid.directConnect.connectionId));
    } else {
      throw new Error(`HybridLink cannot build linkType '${hybrid.linkType}' on AWS`);
    }

    const dns = this.createDns(props);
    this.inboundResolver = dns.inbound;
    this.inboundResolverIps = dns.inboundIps;
    this.outboundResolver = dns.outbound;
    new CfnOutput(this, 'ResolverInboundIps', {
      value: Fn.join(',', [...dns.inboundIps]),
      description: 'Addresses on-premises DNS forwards AWS private names to',
    });

    this.hybridNodesRole = this.createHybridNodesRole(props);
    new CfnOutput(this, 'HybridNodesRoleArn', { value: this.hybridNodesRole.roleArn });
    new CfnOutput(this, 'HybridNodesRoleName', {
      value: this.hybridNodesRole.roleName,
      description: 'Pass to `aws ssm create-activation --iam-role`',
    });
    if (props.cluster) this.admitHybridNodes(props.cluster, hybrid);

    for (const alarm of alarms) alarm.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
    this.alarms = alarms;
    props.dashboard?.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Hybrid link', alarms, width: 24 }),
      new cloudwatch.GraphWidget({
        title: 'Hybrid link state',
        left: alarms.map((a) => a.metric),
        leftYAxis: { min: 0, max: 1 },
        width: 24,
      }),
    );
  }

  /**
   * Virtual private gateway: the AWS end of both the VPN and the Direct Connect gateway; its
   * routes propagate into the private route tables.
   */
  private attachVpnGateway(props: HybridLinkProps) {
    const vpnGateway = new ec2.CfnVPNGateway(this, 'VpnGateway', {
      type: 'ipsec.1',
      amazonSideAsn: props.hybrid.cloudAsn ?? DEFAULT_AMAZON_ASN,
      tags: [{ key: 'Name', value: props.names.resource('vgw') }],
    });
    const ready = new ec2.CfnVPCGatewayAttachment(this, 'VpnGatewayAttachment', {
      vpcId: props.vpc.vpcId,
      vpnGatewayId: vpnGateway.ref,
    });
    const propagation = new ec2.CfnVPNGatewayRoutePropagation(this, 'RoutePropagation', {
      // Deduplicated: overlapping subnet selections must not list a route table twice.
      routeTableIds: [...new Set(props.privateSubnets.map((s) => s.routeTable.routeTableId))],
      vpnGatewayId: vpnGateway.ref,
    });
    // Propagation fails until the gateway is attached to the VPC.
    propagation.addResourceDependency(ready);
    return { vpnGateway, transitGatewayAttachment: undefined, ready };
  }

  /**
   * Attachment to an existing transit gateway (one subnet per zone, as the attachment requires);
   * the private route tables send on-premises ranges to it. The transit gateway's own route
   * tables belong to whoever owns it.
   */
  private attachTransitGateway(props: HybridLinkProps, transitGatewayId: string) {
    const perZone = new Map<string, ec2.ISubnet>();
    for (const subnet of props.privateSubnets) {
      if (!perZone.has(subnet.availabilityZone)) perZone.set(subnet.availabilityZone, subnet);
    }
    const ready = new ec2.CfnTransitGatewayAttachment(this, 'TransitGatewayAttachment', {
      transitGatewayId,
      vpcId: props.vpc.vpcId,
      subnetIds: [...perZone.values()].map((s) => s.subnetId),
      tags: [{ key: 'Name', value: props.names.resource('tgw-attachment') }],
    });
    const destinations = onPremDestinations(props.hybrid);
    props.privateSubnets.forEach((subnet, i) => {
      destinations.forEach((cidr, j) => {
        new ec2.CfnRoute(this, `TransitRoute${i}x${j}`, {
          routeTableId: subnet.routeTable.routeTableId,
          destinationCidrBlock: cidr,
          transitGatewayId,
        }).addResourceDependency(ready);
      });
    });
    return { vpnGateway: undefined, transitGatewayAttachment: ready, ready };
  }

  private createVpn(props: HybridLinkProps, target: { vpnGatewayId?: string; transitGatewayId?: string }) {
    const { hybrid, names } = props;
    if (!hybrid.gatewayIp) throw new Error("hybrid.gatewayIp is required when linkType is 'vpn'");
    const staticRouting = hybrid.bgpAsn === undefined;
    const customerGateway = new ec2.CfnCustomerGateway(this, 'CustomerGateway', {
      type: 'ipsec.1',
      ipAddress: hybrid.gatewayIp,
      // With static routing the ASN is not used for routing; 65000 is the conventional placeholder.
      bgpAsn: hybrid.bgpAsn ?? STATIC_CUSTOMER_ASN,
      tags: [{ key: 'Name', value: names.resource('cgw') }],
    });

    // AWS PSK rules: 8-64 characters, alphanumerics, periods and underscores, must not start with
    // zero (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html). Excluding punctuation
    // and '0' satisfies all of them.
    const keys = [1, 2].map((n) => {
      const secret = new secretsmanager.Secret(this, `Tunnel${n}PreSharedKey`, {
        secretName: names.resource(`vpn-tunnel${n}-psk`),
        description: `Pre-shared key of VPN tunnel ${n}; configure the same on the on-premises device`,
        encryptionKey: props.key,
        generateSecretString: { passwordLength: 32, excludePunctuation: true, excludeCharacters: '0' },
      });
      const rotation =
        'A tunnel key can only change together with the on-premises device; rotate it in a change window';
      acknowledge(secret, {
        'AwsSolutions-SMG4': rotation,
        'HIPAA.Security-SecretsManagerRotationEnabled': rotation,
        'NIST.800.53.R5-SecretsManagerRotationEnabled': rotation,
      });
      return secret;
    });

    const connection = new ec2.CfnVPNConnection(this, 'VpnConnection', {
      type: 'ipsec.1',
      customerGatewayId: customerGateway.ref,
      ...target,
      staticRoutesOnly: staticRouting,
      vpnTunnelOptionsSpecifications: keys.map((secret) => ({
        // A dynamic reference: CloudFormation resolves it at deploy time, the template holds no key.
        preSharedKey: secret.secretValue.unsafeUnwrap(),
        ikeVersions: [{ value: 'ikev2' }],
        phase1EncryptionAlgorithms: [{ value: 'AES256-GCM-16' }],
        phase1IntegrityAlgorithms: [{ value: 'SHA2-384' }],
        phase1DhGroupNumbers: [{ value: 20 }, { value: 21 }],
        phase2EncryptionAlgorithms: [{ value: 'AES256-GCM-16' }],
        phase2IntegrityAlgorithms: [{ value: 'SHA2-384' }],
        phase2DhGroupNumbers: [{ value: 20 }, { value: 21 }],
        dpdTimeoutSeconds: 30,
        dpdTimeoutAction: 'restart',
        startupAction: 'start',
      })),
      tags: [{ key: 'Name', value: names.resource('vpn') }],
    });
    // Without BGP, every on-premises destination needs a static route, pod ranges included. On a
    // transit gateway those routes live in its route table, owned with the transit gateway.
    if (staticRouting && target.vpnGatewayId) {
      onPremDestinations(hybrid).forEach((cidr, i) => {
        new ec2.CfnVPNConnectionRoute(this, `StaticRoute${i}`, {
          destinationCidrBlock: cidr,
          vpnConnectionId: connection.ref,
        });
      });
    }
    return { customerGateway, connection, keys };
  }

  /**
   * With the `VpnId` dimension, AWS/VPN TunnelState is 1 when both tunnels are up, 0.5 with one
   * and 0 with none (https://docs.aws.amazon.com/vpn/latest/s2svpn/monitoring-cloudwatch-vpn.html).
   */
  private vpnAlarms(props: HybridLinkProps, connection: ec2.CfnVPNConnection): cloudwatch.Alarm[] {
    const metric = (statistic: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/VPN',
        metricName: 'TunnelState',
        dimensionsMap: { VpnId: connection.ref },
        statistic,
        period: Duration.minutes(5),
      });
    return [
      new cloudwatch.Alarm(this, 'TunnelDownAlarm', {
        alarmName: props.names.resource('vpn-tunnel-down'),
        alarmDescription: 'A VPN tunnel is down: the link runs without redundancy',
        metric: metric('Minimum'),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
      new cloudwatch.Alarm(this, 'ConnectionDownAlarm', {
        alarmName: props.names.resource('vpn-down'),
        alarmDescription: 'Both VPN tunnels are down: on-premises nodes and DNS are cut off',
        metric: metric('Maximum'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    ];
  }

  /** AWS/DX ConnectionState is 1 when the connection is up, 0 when down. */
  private directConnectAlarm(props: HybridLinkProps, connectionId: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'DirectConnectDownAlarm', {
      alarmName: props.names.resource('dx-down'),
      alarmDescription: 'The Direct Connect connection is down',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/DX',
        metricName: 'ConnectionState',
        dimensionsMap: { ConnectionId: connectionId },
        statistic: 'Minimum',
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private createDns(props: HybridLinkProps) {
    const { hybrid, names, vpc } = props;
    const subnets = (props.resolverSubnets ?? props.privateSubnets).slice(0, 2);
    const inboundSg = new ec2.SecurityGroup(this, 'InboundResolverSecurityGroup', {
      vpc,
      securityGroupName: names.resource('resolver-inbound'),
      description: 'Route 53 Resolver inbound endpoint: DNS from on-premises only',
      allowAllOutbound: false,
    });
    for (const cidr of hybrid.onPremCidrs) {
      inboundSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.udp(53), 'DNS from on-premises');
      inboundSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(53), 'DNS over TCP from on-premises');
    }
    // Fixed addresses so on-premises forwarders can be configured before and after redeploys.
    const inboundIps = subnets.map((subnet) => resolverAddress(subnet));
    const inbound = new resolver.CfnResolverEndpoint(this, 'InboundResolver', {
      name: names.resource('resolver-inbound'),
      direction: 'INBOUND',
      securityGroupIds: [inboundSg.securityGroupId],
      ipAddresses: subnets.map((subnet, i) => ({ subnetId: subnet.subnetId, ip: inboundIps[i] })),
    });

    let outbound: resolver.CfnResolverEndpoint | undefined;
    const domains = hybrid.dnsDomains ?? [];
    const servers = hybrid.dnsServers ?? [];
    if (domains.length > 0 && servers.length > 0) {
      const outboundSg = new ec2.SecurityGroup(this, 'OutboundResolverSecurityGroup', {
        vpc,
        securityGroupName: names.resource('resolver-outbound'),
        description: 'Route 53 Resolver outbound endpoint: DNS to on-premises resolvers only',
        allowAllOutbound: false,
      });
      for (const server of servers) {
        outboundSg.addEgressRule(ec2.Peer.ipv4(`${server}/32`), ec2.Port.udp(53), 'DNS to on-premises');
        outboundSg.addEgressRule(ec2.Peer.ipv4(`${server}/32`), ec2.Port.tcp(53), 'DNS over TCP to on-premises');
      }
      outbound = new resolver.CfnResolverEndpoint(this, 'OutboundResolver', {
        name: names.resource('resolver-outbound'),
        direction: 'OUTBOUND',
        securityGroupIds: [outboundSg.securityGroupId],
        ipAddresses: subnets.map((subnet) => ({ subnetId: subnet.subnetId })),
      });
      domains.forEach((domain, i) => {
        const rule = new resolver.CfnResolverRule(this, `ForwardRule${i}`, {
          name: names.resource(`fwd-${domain.replace(/\./g, '-')}`),
          domainName: domain,
          ruleType: 'FORWARD',
          resolverEndpointId: outbound?.attrResolverEndpointId,
          targetIps: servers.map((ip) => ({ ip, port: '53' })),
        });
        new resolver.CfnResolverRuleAssociation(this, `ForwardRuleAssociation${i}`, {
          resolverRuleId: rule.attrResolverRuleId,
          vpcId: vpc.vpcId,
        });
      });
    }
    if (props.queryLogKey) {
      // Who asked for which name, for incident response; Resolver writes to CloudWatch Logs directly.
      const logGroup = new logs.LogGroup(this, 'QueryLogGroup', {
        logGroupName: names.logGroup('route53resolver'),
        encryptionKey: props.queryLogKey,
        retention: props.queryLogRetention ?? logs.RetentionDays.ONE_YEAR,
      });
      const config = new resolver.CfnResolverQueryLoggingConfig(this, 'QueryLogging', {
        name: names.resource('resolver-queries'),
        destinationArn: logGroup.logGroupArn,
      });
      new resolver.CfnResolverQueryLoggingConfigAssociation(this, 'QueryLoggingAssociation', {
        resolverQueryLogConfigId: config.attrId,
        resourceId: vpc.vpcId,
      });
    }
    return { inbound, inboundIps, outbound };
  }

  /**
   * The Hybrid Nodes IAM role, per
   * https://docs.aws.amazon.com/eks/latest/userguide/hybrid-nodes-creds.html: trusted by SSM for
   * hybrid activations, allowed to describe the cluster and pull images from ECR.
   */
  private createHybridNodesRole(props: HybridLinkProps): iam.Role {
    const stack = Stack.of(this);
    const role = new iam.Role(this, 'HybridNodesRole', {
      roleName: props.names.resource('hybrid-nodes'),
      description: 'Assumed by EKS hybrid nodes through an SSM hybrid activation',
      assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:*` },
        },
      }),
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
      ],
    });
    if (props.cluster) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['eks:DescribeCluster'], resources: [props.cluster.clusterArn] }),
      );
      acknowledge(role, inlinePolicyFindings(INLINE_POLICY_REASON));
    }
    // Hybrid nodes pull the platform's images from the pull-through cache too (lib/aws/images.ts).
    allowPullThroughImport(role);
    acknowledge(role, {
      [managedPolicyFinding('AmazonSSMManagedInstanceCore')]:
        'EKS Hybrid Nodes documents this AWS managed policy for the SSM agent on on-premises nodes',
      [managedPolicyFinding('AmazonEC2ContainerRegistryPullOnly')]:
        'Read-only image pulls from ECR, as EKS Hybrid Nodes documents for the node role',
    });
    return role;
  }

  /** Access entry and the cluster-side security group rules of the hybrid paths. */
  private admitHybridNodes(cluster: eks.ICluster, hybrid: HybridConfig): void {
    new eks.CfnAccessEntry(this, 'HybridNodesAccessEntry', {
      clusterName: cluster.clusterName,
      principalArn: this.hybridNodesRole.roleArn,
      type: 'HYBRID_LINUX',
    });
    const sg = cluster.clusterSecurityGroup;
    // Kubelets and pods on hybrid nodes call the cluster API.
    for (const cidr of [...hybrid.nodeCidrs, ...hybrid.podCidrs]) {
      sg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), 'Cluster API from hybrid nodes and pods');
    }
    // The control plane's calls to kubelets (10250) and webhooks (HYBRID_WEBHOOK_PORTS) on hybrid
    // nodes and pods leave through the EKS-created cluster security group, which allows all
    // outbound traffic; the on-premises firewall must admit them from the VPC range.
    // On-premises clients reach inference services published as NodePorts on cloud nodes.
    for (const cidr of hybrid.onPremCidrs) {
      sg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcpRange(30000, 32767), 'Inference NodePorts from on-premises');
    }
  }
}

/**
 * Every on-premises range the cloud routes to: the data centre and the hybrid pods (node ranges
 * lie inside `onPremCidrs`, which validation enforces).
 */
function onPremDestinations(hybrid: HybridConfig): string[] {
  return [...new Set([...hybrid.onPremCidrs, ...hybrid.podCidrs])];
}

/** The fixed resolver address of a subnet: its network address plus RESOLVER_HOST_OFFSET. */
function resolverAddress(subnet: ec2.ISubnet): string {
  let text: string | undefined;
  try {
    text = subnet.ipv4CidrBlock;
  } catch {
    // Imported subnets without a CIDR throw on access.
    text = undefined;
  }
  const cidr = text !== undefined && !Token.isUnresolved(text) ? parseCidr(text) : undefined;
  if (!cidr) {
    throw new Error(`subnet ${subnet.node.path} has no CIDR known at synth time; pass subnets of an ec2.Vpc`);
  }
  return formatIpv4(cidr.network + RESOLVER_HOST_OFFSET);
}
