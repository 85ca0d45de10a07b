import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MODEL_SERVING_NAMESPACE, MODEL_SERVING_SERVICE_ACCOUNT } from '../../lib/aws/cluster';
import { fixtures, vary } from '../util';
import { stageOf } from './harness';

const logTypes = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

describe('PlatformCluster', () => {
  it('creates a private EKS cluster with API authentication, all control-plane logs, envelope encryption and the service CIDR', () => {
    // GIVEN staging (no apiAllowedCidrs) WHEN the stage is built
    const { template } = stageOf(fixtures.awsStaging);
    // THEN
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Name: 'mlops-staging',
      Version: '1.33',
      AccessConfig: Match.objectLike({ AuthenticationMode: 'API' }),
      ResourcesVpcConfig: Match.objectLike({ EndpointPrivateAccess: true, EndpointPublicAccess: false }),
      Logging: { ClusterLogging: { EnabledTypes: logTypes.map((type) => ({ Type: type })) } },
      EncryptionConfig: [
        {
          Provider: { KeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysCluster'), 'Arn'] } },
          Resources: ['secrets'],
        },
      ],
      KubernetesNetworkConfig: Match.objectLike({ ServiceIpv4Cidr: '172.20.0.0/16' }),
      RemoteNetworkConfig: Match.absent(),
    });
  });

  it('opens a public endpoint only to apiAllowedCidrs, keeping the private one', () => {
    const env = vary(fixtures.awsStaging, (d) => {
      d.kubernetes.apiAllowedCidrs = ['198.51.100.0/24'];
    });
    stageOf(env).template.hasResourceProperties('AWS::EKS::Cluster', {
      ResourcesVpcConfig: Match.objectLike({
        EndpointPrivateAccess: true,
        EndpointPublicAccess: true,
        PublicAccessCidrs: ['198.51.100.0/24'],
      }),
    });
  });

  it('declares the hybrid remote node and pod networks', () => {
    stageOf(fixtures.awsHybrid).template.hasResourceProperties('AWS::EKS::Cluster', {
      RemoteNetworkConfig: {
        RemoteNodeNetworks: [{ Cidrs: ['192.168.10.0/24'] }],
        RemotePodNetworks: [{ Cidrs: ['10.200.0.0/16'] }],
      },
    });
  });

  it('runs the system pool on on-demand CPU instances with IMDSv2 and encrypted gp3 roots', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'system',
      AmiType: 'AL2023_x86_64_STANDARD',
      CapacityType: 'ON_DEMAND',
      InstanceTypes: ['m7i.large'],
      ScalingConfig: { MinSize: 2, MaxSize: 4, DesiredSize: 2 },
      Labels: { 'mlops.platform/pool': 'system' },
    });
    template.allResourcesProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: Match.objectLike({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 }),
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ Encrypted: true, VolumeType: 'gp3' }) })],
      }),
    });
  });

  it('installs the Pod Identity agent and gives the model-serving service account read access to the models bucket', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: MODEL_SERVING_NAMESPACE,
      ServiceAccount: MODEL_SERVING_SERVICE_ACCOUNT,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ClusterModelServingRole'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['sts:AssumeRole', 'sts:TagSession'],
            Principal: { Service: 'pods.eks.amazonaws.com' },
          }),
        ],
      },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('ModelServingRole'),
    );
    const statements = JSON.stringify(policies.map((p) => p.Properties.PolicyDocument.Statement));
    expect(statements).toContain('s3:GetObject*');
    expect(statements).toContain('ecr:BatchGetImage');
    // Writes go to the capture and batch-output prefixes only, never to the models zone.
    const writes = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string[]; Resource: unknown }>)
      .filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) expect(JSON.stringify(write.Resource)).not.toContain('StorageModels');
  });

  it('pre-creates the control-plane and Container Insights log groups with the logs key and retention', () => {
    const { template } = stageOf(fixtures.awsStaging);
    for (const name of ['/aws/eks/mlops-staging/cluster', '/aws/containerinsights/mlops-staging/performance']) {
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: name,
        RetentionInDays: 30,
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KeysLogs'), 'Arn'] },
      });
    }
  });
});

describe('PlatformCluster without outbound internet', () => {
  it('warns that Helm charts must be mirrored when natGateways is 0, and not otherwise', () => {
    // GIVEN the hybrid environment (natGateways 0) and staging (1 NAT gateway)
    const warnings = (env: typeof fixtures.awsHybrid) =>
      stageOf(env)
        .stage.platformCluster.node.metadata.filter((m) => m.type === 'aws:cdk:warning')
        .map((m) => String(m.data));
    // THEN only the hybrid cluster says so
    expect(warnings(fixtures.awsHybrid).some((w) => w.includes('natGateways is 0') && w.includes('mirrored'))).toBe(
      true,
    );
    expect(warnings(fixtures.awsStaging).some((w) => w.includes('natGateways is 0'))).toBe(false);
  });
});

describe('PlatformCluster load balancer controller', () => {
  it('installs the AWS Load Balancer Controller that binds the API target group to the pods', () => {
    stageOf(fixtures.awsStaging).template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'aws-load-balancer-controller',
      Version: '3.2.2',
    });
  });
});
