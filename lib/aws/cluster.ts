import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { Aspects, CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eksL1 from 'aws-cdk-lib/aws-eks';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  type PlatformNames,
  POOL_LABEL,
  SERVING_NAMESPACE,
  SERVING_SERVICE_ACCOUNT,
  SYSTEM_POOL,
  type SystemPoolConfig,
} from '../config';
import {
  acknowledge,
  INLINE_POLICY_REASON,
  inlinePolicyFindings,
  logicalIdOf,
  managedPolicyFinding,
} from './acknowledge';
import { CHARTS, chartRepository, IMAGES, mirroredImage } from './images';
import { nodeLaunchTemplate } from './launch-template';
import { allowPullThroughImport } from './mirror';
import { LogEncryption } from './monitoring';

export interface PlatformClusterProps {
  readonly names: PlatformNames;
  /** Kubernetes minor version, for example `1.33`. */
  readonly kubernetesVersion: string;
  /**
   * CIDRs allowed to reach a public API endpoint; empty keeps the endpoint private.
   * @default - private API endpoint only
   */
  readonly apiAllowedCidrs?: readonly string[];
  readonly serviceCidr: string;
  /** The system node group's instance type and bounds. */
  readonly systemPool: SystemPoolConfig;
  /**
   * On-premises subnets of hybrid nodes (EKS remote node networks).
   * @default - no hybrid nodes
   */
  readonly remoteNodeCidrs?: readonly string[];
  /**
   * Pod ranges of hybrid nodes (EKS remote pod networks).
   * @default - none
   */
  readonly remotePodCidrs?: readonly string[];
  /**
   * The VPC has no NAT gateway: the kubectl handler reaches AWS through the VPC endpoints only.
   */
  readonly networkIsolated: boolean;
  /** Account of the environment's registry, where the charts and images are mirrored. */
  readonly registryAccount: string;
  /** Region of the environment's registry. */
  readonly registryRegion: string;
  /** Retention of the control-plane and Container Insights log groups. */
  readonly logRetention: logs.RetentionDays;
  /** Keep those log groups when the stack is deleted; the stage sets it for production. */
  readonly retain: boolean;
  readonly vpc: ec2.IVpc;
  /** Subnets of the control-plane ENIs and the nodes. */
  readonly subnets: ec2.SubnetSelection;
  /** Envelope-encrypts Kubernetes secrets. */
  readonly clusterKey: kms.IKey;
  /** Encrypts the control-plane and Container Insights log groups. */
  readonly logsKey: kms.IKey;
  /** Bucket the model-serving pods read models from. */
  readonly modelsBucket: s3.IBucket;
  /** Repository the model-serving images come from. */
  readonly modelRepository: ecr.IRepository;
}

/**
 * The EKS cluster (aws-eks-v2): API authentication mode (access entries, no aws-auth ConfigMap),
 * private API endpoint unless `kubernetes.apiAllowedCidrs` is set (then public and private, the
 * public side limited to those CIDRs), all five control-plane log types, secrets envelope-encrypted
 * with the cluster key, the configured service CIDR, and hybrid remote node/pod networks.
 *
 * Also: the system managed node group (on-demand CPU), the EKS Pod Identity agent, the pod
 * identity of the model-serving service account (read the models bucket, pull from ECR), and the
 * AWS Load Balancer Controller (IRSA, as aws-eks-v2 installs it), which binds the model API's IP
 * target group to the inference pods.
 */
export class PlatformCluster extends Construct {
  public readonly cluster: eks.Cluster;
  /** The role of every managed node group (system and GPU pools). */
  public readonly nodeRole: iam.Role;
  public readonly systemNodegroup: eks.Nodegroup;
  /** The role the model-serving service account assumes through Pod Identity. */
  public readonly modelServingRole: iam.Role;
  public readonly podIdentityAgent: eks.Addon;
  /**
   * Log groups that EKS and the CloudWatch agent would otherwise create unencrypted and without
   * retention: the control-plane group and Container Insights' four groups, by name.
   */
  public readonly logGroups: Readonly<Record<string, logs.LogGroup>>;

  constructor(scope: Construct, id: string, props: PlatformClusterProps) {
    super(scope, id);
    const allowed = props.apiAllowedCidrs ?? [];

    // EKS and the CloudWatch agent write into these groups when they exist, so creating them first
    // gives them the logs key and the environment's retention.
    // https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html
    const clusterName = props.names.eksCluster;
    const logGroups: Record<string, logs.LogGroup> = {};
    const groupNames: ReadonlyArray<readonly [string, string]> = [
      ['ControlPlaneLogs', `/aws/eks/${clusterName}/cluster`],
      ...(['application', 'dataplane', 'host', 'performance'] as const).map(
        (kind) =>
          [
            `ContainerInsights${kind[0]?.toUpperCase()}${kind.slice(1)}Logs`,
            `/aws/containerinsights/${clusterName}/${kind}`,
          ] as const,
      ),
    ];
    for (const [logId, logGroupName] of groupNames) {
      logGroups[logGroupName] = new logs.LogGroup(this, logId, {
        logGroupName,
        encryptionKey: props.logsKey,
        retention: props.logRetention,
        removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
    }
    this.logGroups = logGroups;

    this.cluster = new eks.Cluster(this, 'Resource', {
      clusterName,
      version: eks.KubernetesVersion.of(props.kubernetesVersion),
      vpc: props.vpc,
      vpcSubnets: [props.subnets],
      endpointAccess:
        allowed.length > 0 ? eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...allowed) : eks.EndpointAccess.PRIVATE,
      secretsEncryptionKey: props.clusterKey,
      serviceIpv4Cidr: props.serviceCidr,
      clusterLogging: [
        eks.ClusterLoggingTypes.API,
        eks.ClusterLoggingTypes.AUDIT,
        eks.ClusterLoggingTypes.AUTHENTICATOR,
        eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
        eks.ClusterLoggingTypes.SCHEDULER,
      ],
      defaultCapacity: 0,
      defaultCapacityType: eks.DefaultCapacityType.NODEGROUP,
      remoteNodeNetworks: props.remoteNodeCidrs ? [{ cidrs: [...props.remoteNodeCidrs] }] : undefined,
      remotePodNetworks:
        props.remotePodCidrs && props.remotePodCidrs.length > 0 ? [{ cidrs: [...props.remotePodCidrs] }] : undefined,
      // Helm charts (device plugin, cluster autoscaler) are applied by the kubectl handler, which
      // runs in the VPC next to the private endpoint and pulls them from the environment's registry.
      kubectlProviderOptions: { kubectlLayer: new KubectlV33Layer(this, 'KubectlLayer') },
      outputConfigCommand: false,
      albController: {
        version: eks.AlbControllerVersion.V3_2_2,
        // The regional EKS registry, through the VPC's ECR endpoints (not us-west-2).
        repository: mirroredImage(IMAGES.loadBalancerController.upstream, props.registryAccount, props.registryRegion),
        // The controller only binds the model API's target group: no ALB ingress, so no WAF or
        // Shield calls, whose endpoints the VPC does not have.
        additionalHelmChartValues: { enableShield: false, enableWaf: false, enableWafv2: false },
      },
    });
    this.pullChartsFromRegistry(props.registryAccount, props.registryRegion);
    if (props.networkIsolated) {
      acknowledge(this.cluster, {
        'Annotation::@aws-cdk/aws-eks:isolatedSubnetsForKubectlPrivateSubnets':
          'The VPC has the endpoints the kubectl provider calls (Lambda for its framework, EKS, STS, ECR API and Docker with the S3 gateway for OCI charts, Logs) and the charts and images come from the environment registry (lib/aws/images.ts)',
      });
    }
    // The kubectl provider's functions get log groups from CDK without a key.
    const kubectlProvider = this.cluster.node.tryFindChild('KubectlProvider');
    if (kubectlProvider) Aspects.of(kubectlProvider).add(new LogEncryption(props.logsKey));

    for (const group of Object.values(logGroups)) this.cluster.node.addDependency(group);
    this.acknowledgeLoadBalancerController();

    this.nodeRole = new iam.Role(this, 'NodeRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `Managed node groups of ${props.names.eksCluster}`,
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKSWorkerNodePolicy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy'),
        iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEC2ContainerRegistryPullOnly'),
      ],
    });
    allowPullThroughImport(this.nodeRole);
    const nodePolicyReason =
      'AWS-maintained policy that EKS managed nodes require, kept current by AWS as EKS adds APIs: https://docs.aws.amazon.com/eks/latest/userguide/create-node-role.html';
    acknowledge(this.nodeRole, {
      [managedPolicyFinding('AmazonEKSWorkerNodePolicy')]: nodePolicyReason,
      [managedPolicyFinding('AmazonEKS_CNI_Policy')]: nodePolicyReason,
      [managedPolicyFinding('AmazonEC2ContainerRegistryPullOnly')]: nodePolicyReason,
    });
    this.acknowledgeClusterInternals();

    const pool = props.systemPool;
    this.systemNodegroup = this.cluster.addNodegroupCapacity('SystemNodes', {
      nodegroupName: 'system',
      nodeRole: this.nodeRole,
      subnets: props.subnets,
      amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
      capacityType: eks.CapacityType.ON_DEMAND,
      instanceTypes: [new ec2.InstanceType(pool.machineType)],
      minSize: pool.minNodes,
      maxSize: pool.maxNodes,
      desiredSize: pool.desiredNodes ?? pool.minNodes,
      labels: { [POOL_LABEL]: SYSTEM_POOL },
      launchTemplateSpec: nodeLaunchTemplate(this, 'SystemLaunchTemplate', 100),
    });

    this.podIdentityAgent = new eks.Addon(this, 'PodIdentityAgent', {
      cluster: this.cluster,
      addonName: 'eks-pod-identity-agent',
    });

    this.modelServingRole = podIdentityRole(this, 'ModelServingRole', 'model-serving pods: read models, pull images');
    props.modelsBucket.grantRead(this.modelServingRole);
    props.modelRepository.grantPull(this.modelServingRole);
    acknowledge(this.modelServingRole, {
      'AwsSolutions-IAM5[Action::s3:GetBucket*]': 'Read-only S3 actions of grantRead, on the models bucket only',
      'AwsSolutions-IAM5[Action::s3:GetObject*]': 'Read-only S3 actions of grantRead, on the models bucket only',
      'AwsSolutions-IAM5[Action::s3:List*]': 'Read-only S3 actions of grantRead, on the models bucket only',
      [`AwsSolutions-IAM5[Resource::<${logicalIdOf(props.modelsBucket)}.Arn>/*]`]:
        'Every object of the models bucket: serving loads any model version',
      'AwsSolutions-IAM5[Resource::*]':
        'ecr:GetAuthorizationToken supports no resource-level permission; image pulls are limited to the model-serving repository',
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });
    this.associate('ModelServingIdentity', SERVING_NAMESPACE, SERVING_SERVICE_ACCOUNT, this.modelServingRole);
  }

  /**
   * The AWS Load Balancer Controller binds the model API's IP target group to the inference pods
   * (TargetGroupBinding). Its IAM policy is the one the controller's release publishes, which
   * aws-eks-v2 applies verbatim.
   */
  private acknowledgeLoadBalancerController(): void {
    const controller = this.cluster.albController;
    if (!controller) return;
    const elb = 'arn:<AWS::Partition>:elasticloadbalancing:*:*';
    const reason =
      "The AWS Load Balancer Controller's published IAM policy (v3.2.2): it creates and tags load balancers, target groups, listeners and security groups whose names and ids do not exist before, and mutating calls are conditioned on the elbv2.k8s.aws/cluster tag: https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/main/docs/install/iam_policy.json";
    acknowledge(controller, {
      'AwsSolutions-IAM5[Resource::*]': reason,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:*:*:security-group/*]': reason,
      [`AwsSolutions-IAM5[Resource::${elb}:loadbalancer/app/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:loadbalancer/net/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:targetgroup/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:listener-rule/app/*/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:listener-rule/net/*/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:listener/app/*/*/*]`]: reason,
      [`AwsSolutions-IAM5[Resource::${elb}:listener/net/*/*/*]`]: reason,
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });
  }

  /** Findings inside aws-eks-v2's own cluster role and kubectl handler, which it does not let us configure. */
  private acknowledgeClusterInternals(): void {
    acknowledge(this.cluster, {
      [managedPolicyFinding('AmazonEKSClusterPolicy')]:
        'AWS-maintained EKS cluster role policy, required by the control plane: https://docs.aws.amazon.com/eks/latest/userguide/cluster-iam-role.html',
    });
    acknowledge(this.cluster, {
      'CloudFormation-Validate::W9009':
        "aws-eks-v2 writes EncryptionConfig.Resources: ['secrets'], the only value the EKS API accepts and still requires for secrets envelope encryption; the schema's deprecation note has no replacement",
    });
    const kubectl = this.cluster.node.findChild('KubectlProvider');
    const handler = kubectl.node.findChild('Handler');
    const lambdaRoleReason =
      'AWS-maintained Lambda execution policies (logs, VPC ENIs, image read) of the kubectl handler that aws-eks-v2 creates to apply Helm charts; it has no invocation path but CloudFormation';
    acknowledge(kubectl, {
      [managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole')]: lambdaRoleReason,
      [managedPolicyFinding('service-role/AWSLambdaVPCAccessExecutionRole')]: lambdaRoleReason,
      [managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly')]: lambdaRoleReason,
      'AwsSolutions-L1':
        'The runtime of the kubectl handler is pinned by aws-eks-v2 to the one its kubectl layer is built for',
      [`AwsSolutions-IAM5[Resource::<${logicalIdOf(handler)}.Arn>:*]`]:
        'The custom resource framework invokes any version of the kubectl handler function it owns',
      'HIPAA.Security-LambdaConcurrency': 'Invoked only by CloudFormation during deployments, one change at a time',
      'NIST.800.53.R5-LambdaConcurrency': 'Invoked only by CloudFormation during deployments, one change at a time',
      'HIPAA.Security-LambdaDLQ':
        'Synchronous CloudFormation custom resource: failures are reported to the stack, not queued',
      'NIST.800.53.R5-LambdaDLQ':
        'Synchronous CloudFormation custom resource: failures are reported to the stack, not queued',
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });
    // The handler's ECR public policy is conditional (a Fn::If on the partition in the template).
    const handlerRole = handler.node.tryFindChild('ServiceRole');
    const ecrPublic = handler.node.tryFindChild('HasEcrPublic');
    if (handlerRole && ecrPublic) {
      const condition = logicalIdOf(ecrPublic);
      acknowledge(handlerRole, {
        [`AwsSolutions-IAM4[Policy::{"Fn::If":["${condition}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`]:
          'AWS-maintained public-ECR read policy, attached by aws-eks-v2 only where ECR Public exists, so the handler can pull the helm/kubectl images',
      });
    }
  }

  /**
   * aws-eks-v2 installs the load balancer controller from its public chart repository, which it
   * does not let us change: point its release at the chart's OCI copy in the environment's registry.
   */
  private pullChartsFromRegistry(account: string, region: string): void {
    const chart = this.cluster.albController?.node.tryFindChild('Resource')?.node.tryFindChild('Resource');
    const resource = chart?.node.defaultChild;
    if (!(resource instanceof CfnResource)) {
      throw new Error(
        'aws-eks-v2 changed: the load balancer controller has no Helm chart resource to point at the registry',
      );
    }
    resource.addPropertyOverride('Repository', chartRepository(CHARTS.loadBalancerController, account, region));
  }

  /** Binds a Kubernetes service account to an IAM role through EKS Pod Identity. */
  associate(id: string, namespace: string, serviceAccount: string, role: iam.IRole): eksL1.CfnPodIdentityAssociation {
    const association = new eksL1.CfnPodIdentityAssociation(this, id, {
      clusterName: this.cluster.clusterName,
      namespace,
      serviceAccount,
      roleArn: role.roleArn,
    });
    association.node.addDependency(this.podIdentityAgent);
    return association;
  }
}

/** A role that EKS Pod Identity can hand to a service account. */
export function podIdentityRole(scope: Construct, id: string, description: string): iam.Role {
  return new iam.Role(scope, id, {
    description,
    assumedBy: new iam.ServicePrincipal('pods.eks.amazonaws.com').withSessionTags(),
  });
}
