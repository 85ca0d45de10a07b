import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { NetworkConfig, PlatformNames } from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings } from './acknowledge';

export interface PlatformNetworkProps {
  readonly names: PlatformNames;
  /** The environment's `network` section: the VPC CIDR and the NAT gateways. */
  readonly network: NetworkConfig;
  /**
   * Names of the zones the subnets spread over (`awsZoneNames` of the region), given by name so
   * that synthesis needs no zone lookup.
   */
  readonly availabilityZones: readonly string[];
  /** Retention of the flow-log group. */
  readonly logRetention: logs.RetentionDays;
  /** Keep the flow-log group when the stack is deleted; the stage sets it for production. */
  readonly retain: boolean;
  /**
   * On-premises subnets of hybrid nodes: they reach the interface endpoints over the link, and an
   * S3 interface endpoint serves their image layers.
   * @default - no hybrid link: no on-premises access, no S3 interface endpoint
   */
  readonly hybridNodeCidrs?: readonly string[];
  /** Encrypts the flow-log group. */
  readonly logsKey: kms.IKey;
}

/**
 * The interface endpoints every environment gets: what EKS nodes, pods (Pod Identity, ECR pulls,
 * logs and metrics) and the platform's controllers call. With `natGateways: 0` they are the only
 * way out; elsewhere they keep that traffic off the NAT gateways.
 * https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html
 */
export const INTERFACE_ENDPOINTS: ReadonlyArray<readonly [string, ec2.InterfaceVpcEndpointAwsService]> = [
  ['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
  ['EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
  ['Sts', ec2.InterfaceVpcEndpointAwsService.STS],
  ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS],
  ['Monitoring', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING],
  // Traces from the CloudWatch agent to X-Ray, and the drift job's "Model Drift Detected" events.
  ['XRay', ec2.InterfaceVpcEndpointAwsService.XRAY],
  ['Events', ec2.InterfaceVpcEndpointAwsService.EVENTBRIDGE],
  ['Eks', ec2.InterfaceVpcEndpointAwsService.EKS],
  ['EksAuth', ec2.InterfaceVpcEndpointAwsService.EKS_AUTH],
  ['Ec2', ec2.InterfaceVpcEndpointAwsService.EC2],
  ['Ssm', ec2.InterfaceVpcEndpointAwsService.SSM],
  ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER],
  ['Kms', ec2.InterfaceVpcEndpointAwsService.KMS],
  ['Elb', ec2.InterfaceVpcEndpointAwsService.ELASTIC_LOAD_BALANCING],
  ['Autoscaling', ec2.InterfaceVpcEndpointAwsService.AUTOSCALING],
  // The eks-v2 kubectl provider's framework function runs in the VPC and invokes its handler
  // (lambda:Invoke, lambda:GetFunction); the handler then calls EKS, and ECR for OCI charts. Its
  // CloudFormation response goes to an S3 pre-signed URL, through the S3 gateway endpoint.
  // https://github.com/aws/aws-cdk/issues/30442
  ['Lambda', ec2.InterfaceVpcEndpointAwsService.LAMBDA],
];

/**
 * The environment's VPC over the configured zones:
 *
 * - `Public` (only when natGateways > 0): NAT gateways; nothing else is placed there.
 * - `Private`: nodes, pods, the internal NLB and the endpoints. With NAT gateways it routes out
 *   through them; with `natGateways: 0` it is an isolated subnet with no route to the internet and
 *   the VPC has no internet gateway at all.
 * - `Isolated`: reserved for data services that never need egress (and the hybrid link's resolver).
 *
 * Flow logs of all traffic go to a KMS-encrypted log group; the default security group is closed.
 */
export class PlatformNetwork extends Construct {
  public readonly vpc: ec2.Vpc;
  /** Where workloads run: the private subnets, egress or isolated according to natGateways. */
  public readonly workloadSubnets: ec2.SubnetSelection;
  /** The isolated subnets (no route to the internet). */
  public readonly isolatedSubnets: ec2.SubnetSelection;
  public readonly flowLogGroup: logs.LogGroup;
  /** The security group of the interface endpoints (HTTPS from the VPC and the hybrid ranges). */
  public readonly endpointSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: PlatformNetworkProps) {
    super(scope, id);
    const net = props.network;
    const prefix = Number(net.cidr.split('/')[1]);
    const egress = net.natGateways > 0;
    // Private subnets get 1/8 of the VPC each (room for VPC CNI pod addresses), public and isolated
    // 1/32 each, never smaller than /28 (the smallest subnet AWS allows).
    const privateMask = Math.min(prefix + 3, 27);
    const smallMask = Math.min(prefix + 5, 28);

    const subnetConfiguration: ec2.SubnetConfiguration[] = [
      ...(egress
        ? [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: smallMask, mapPublicIpOnLaunch: false }]
        : []),
      {
        name: 'Private',
        subnetType: egress ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PRIVATE_ISOLATED,
        cidrMask: privateMask,
      },
      { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: smallMask },
    ];

    this.vpc = new ec2.Vpc(this, 'Resource', {
      vpcName: props.names.resource('vpc'),
      ipAddresses: ec2.IpAddresses.cidr(net.cidr),
      // Explicit zone names: no lookup at synth time.
      availabilityZones: [...props.availabilityZones],
      natGateways: net.natGateways,
      createInternetGateway: egress,
      subnetConfiguration,
      restrictDefaultSecurityGroup: true,
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    acknowledge(this.vpc, {
      'CloudFormation-Validate::W3010':
        'The zones are named on purpose: synthesis runs offline (no zone lookup), and the names are validated against the region table in lib/config/regions.ts, so the subnets land where the GPU pools and the hybrid link expect them',
    });
    if (egress) {
      const reason =
        'Only the public subnets route to the internet gateway, and they hold only the NAT gateways (no instance gets a public address): that route is how NAT reaches the internet';
      acknowledge(this.vpc, {
        'HIPAA.Security-VPCNoUnrestrictedRouteToIGW': reason,
        'NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW': reason,
      });
    }
    this.workloadSubnets = { subnetGroupName: 'Private' };
    this.isolatedSubnets = { subnetGroupName: 'Isolated' };

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      logGroupName: props.names.logGroup('vpc/flow-logs'),
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });
    acknowledge(this.vpc.node.findChild('FlowLog'), inlinePolicyFindings(INLINE_POLICY_REASON));

    const s3Gateway = this.vpc.addGatewayEndpoint('S3', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [this.workloadSubnets, this.isolatedSubnets],
    });
    this.endpointSecurityGroup = new ec2.SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'HTTPS from the VPC to the interface endpoints',
      allowAllOutbound: false,
    });
    this.endpointSecurityGroup.addIngressRule(ec2.Peer.ipv4(net.cidr), ec2.Port.tcp(443), 'HTTPS from the VPC');
    for (const cidr of props.hybridNodeCidrs ?? []) {
      this.endpointSecurityGroup.addIngressRule(
        ec2.Peer.ipv4(cidr),
        ec2.Port.tcp(443),
        'HTTPS from on-premises hybrid nodes',
      );
    }
    if (props.hybridNodeCidrs) {
      // Hybrid nodes pull image layers from S3 (ECR stores them there) over the link, and a
      // gateway endpoint is not reachable from on-premises. An S3 interface endpoint whose private
      // DNS answers only the Resolver inbound endpoint serves them, while the VPC keeps using the
      // gateway; it needs the gateway endpoint to exist first.
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html
      const s3Interface = this.vpc.addInterfaceEndpoint('S3Interface', {
        service: ec2.InterfaceVpcEndpointAwsService.S3,
        subnets: this.workloadSubnets,
        privateDnsEnabled: true,
        privateDnsOnlyForInboundResolverEndpoint:
          ec2.VpcEndpointPrivateDnsOnlyForInboundResolverEndpoint.ONLY_INBOUND_RESOLVER,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
      s3Interface.node.addDependency(s3Gateway);
    }
    for (const [endpointId, service] of INTERFACE_ENDPOINTS) {
      this.vpc.addInterfaceEndpoint(endpointId, {
        service,
        subnets: this.workloadSubnets,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      });
    }
  }
}
