import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  SERVING_NAMESPACE as MODEL_SERVING_NAMESPACE,
  SERVING_SERVICE_ACCOUNT as MODEL_SERVING_SERVICE_ACCOUNT,
} from '../../lib/config';
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
  it('installs the load balancer controller chart from the OCI copy in the registry and its image from the regional EKS registry', () => {
    // GIVEN the hybrid environment (eu-central-1, no NAT) WHEN the stage is built
    const { template } = stageOf(fixtures.awsHybrid);
    // THEN the release pulls oci://<account>.dkr.ecr.eu-central-1.../charts/aws-load-balancer-controller
    const release = Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart')).find(
      (r) => r.Properties.Release === 'aws-load-balancer-controller',
    );
    expect(release?.Properties.Repository).toBe(
      'oci://333333333333.dkr.ecr.eu-central-1.amazonaws.com/charts/aws-load-balancer-controller',
    );
    // AND its image comes from eu-central-1's EKS registry, with the WAF and Shield integrations off
    const values = JSON.stringify(release?.Properties.Values);
    expect(values).toContain('602401143452.dkr.ecr.eu-central-1.amazonaws.com/amazon/aws-load-balancer-controller');
    expect(values).not.toContain('us-west-2');
    expect(values).toMatch(/enableWafv2\\?":false/);
  });

  it('lets the nodes fill the pull-through cache on first pull, only under the cache prefixes', () => {
    const { template } = stageOf(fixtures.awsHybrid);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ClusterNodeRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
            Resource: [
              'arn:aws:ecr:eu-central-1:333333333333:repository/ecr-public/*',
              'arn:aws:ecr:eu-central-1:333333333333:repository/k8s/*',
            ],
          }),
        ]),
      },
    });
  });

  it("encrypts the kubectl provider's function log groups with the logs key", () => {
    // GIVEN the handler's and the framework's log groups (created by aws-eks-v2 without a key)
    const { template } = stageOf(fixtures.awsHybrid);
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup')).filter(([id]) =>
      id.startsWith('ClusterKubectlProvider'),
    );
    expect(groups.length).toBeGreaterThanOrEqual(2);
    // THEN every one has the logs key
    for (const [, group] of groups) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^KeysLogs/), 'Arn'] });
    }
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
