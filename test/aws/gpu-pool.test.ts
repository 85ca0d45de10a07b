import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { autoscalerTags, poolLabels } from '../../lib/aws/gpu-pool';
import type { GpuPoolConfig } from '../../lib/config';
import { fixtures, vary } from '../util';
import { stageOf } from './harness';

const infer = fixtures.awsStaging.kubernetes.gpuPools[0] as GpuPoolConfig;

describe('GpuPools', () => {
  it('creates one tainted, labelled NVIDIA node group per pool, scaling from zero', () => {
    // GIVEN staging: spot L4 'infer' (0-4) and spot 4x A10G 'train' (0-2)
    const { template, stage } = stageOf(fixtures.awsStaging);
    // THEN
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'gpu-infer',
      AmiType: 'AL2023_x86_64_NVIDIA',
      CapacityType: 'SPOT',
      ScalingConfig: { MinSize: 0, MaxSize: 4, DesiredSize: 0 },
      Taints: [{ Key: 'nvidia.com/gpu', Value: 'present', Effect: 'NO_SCHEDULE' }],
      Labels: {
        'mlops.platform/pool': 'infer',
        'mlops.platform/accelerator': 'nvidia-l4',
        'nvidia.com/gpu.present': 'true',
      },
    });
    expect(stage.gpuPools.instanceTypes).toEqual({ infer: 'g6.xlarge', train: 'g5.12xlarge' });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        InstanceType: 'g5.12xlarge',
        BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 200 }) })],
      }),
    });
  });

  it('uses on-demand capacity where the pool asks for it', () => {
    stageOf(fixtures.awsProduction).template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'gpu-train',
      CapacityType: 'ON_DEMAND',
    });
  });

  it('tags node groups with what the Cluster Autoscaler needs to scale them from zero', () => {
    expect(autoscalerTags('mlops-staging', infer)).toEqual({
      'k8s.io/cluster-autoscaler/enabled': 'true',
      'k8s.io/cluster-autoscaler/mlops-staging': 'owned',
      'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '1',
      'k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu': 'present:NoSchedule',
      'k8s.io/cluster-autoscaler/node-template/label/mlops.platform/pool': 'infer',
      'k8s.io/cluster-autoscaler/node-template/label/mlops.platform/accelerator': 'nvidia-l4',
      'k8s.io/cluster-autoscaler/node-template/label/nvidia.com/gpu.present': 'true',
    });
    stageOf(fixtures.awsStaging).template.hasResourceProperties('AWS::EKS::Nodegroup', {
      NodegroupName: 'gpu-train',
      Tags: Match.objectLike({ 'k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu': '4' }),
    });
    expect(poolLabels(infer)['mlops.platform/pool']).toBe('infer');
  });

  it('installs the NVIDIA device plugin and the Cluster Autoscaler with its Pod Identity', () => {
    const { template } = stageOf(fixtures.awsStaging);
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'nvidia-device-plugin',
      Values: Match.stringLikeRegexp('nvidia.com/gpu'),
    });
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'cluster-autoscaler',
      Values: Match.stringLikeRegexp('"clusterName":"mlops-staging"'),
    });
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'kube-system',
      ServiceAccount: 'cluster-autoscaler',
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
            Condition: { StringEquals: { 'aws:ResourceTag/k8s.io/cluster-autoscaler/mlops-staging': 'owned' } },
          }),
        ]),
      },
    });
  });

  it('installs the CloudWatch observability add-on with its agent on Pod Identity, tolerating GPU nodes', () => {
    stageOf(fixtures.awsStaging).template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'amazon-cloudwatch-observability',
      PodIdentityAssociations: [Match.objectLike({ ServiceAccount: 'cloudwatch-agent' })],
      ConfigurationValues: Match.stringLikeRegexp('nvidia.com/gpu'),
    });
  });
});

/** Staging on another Kubernetes minor, with its first GPU pool in one zone: one synthesis for both cases. */
const variant = vary(fixtures.awsStaging, (d) => {
  d.kubernetes.version = '1.34';
  (d.kubernetes.gpuPools[0] as { zones?: string[] }).zones = ['eu-west-1b'];
});

describe('GpuPools placement and sources', () => {
  it("places a pool's nodes only in the zones it names", () => {
    // GIVEN staging's GPU pool limited to eu-west-1b WHEN the stage is built
    const { stage, template } = stageOf(variant);
    const pool = fixtures.awsStaging.kubernetes.gpuPools[0]?.name;
    // THEN its node group has the private subnet of eu-west-1b only
    const zoneB = stage.vpc.selectSubnets({ subnetGroupName: 'Private', availabilityZones: ['eu-west-1b'] }).subnets[0];
    const nodegroup = Object.values(template.findResources('AWS::EKS::Nodegroup')).find(
      (n) => n.Properties.NodegroupName === `gpu-${pool}`,
    );
    expect(nodegroup?.Properties.Subnets).toEqual([stage.platform.resolve(zoneB?.subnetId)]);
    // AND the system node group still spans every zone
    const system = Object.values(template.findResources('AWS::EKS::Nodegroup')).find(
      (n) => n.Properties.NodegroupName === 'system',
    );
    expect(system?.Properties.Subnets).toHaveLength(2);
  });

  it('installs the device plugin and the autoscaler from OCI charts in the registry, with mirrored images', () => {
    // GIVEN staging WHEN the stage is built
    const { template } = stageOf(fixtures.awsStaging);
    const registry = '111111111111.dkr.ecr.eu-west-1.amazonaws.com';
    // THEN the device plugin chart and its nvcr.io image come from the registry's copies
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'nvidia-device-plugin',
      Repository: `oci://${registry}/charts/nvidia-device-plugin`,
      Version: '0.17.1',
      Values: Match.stringLikeRegexp(
        `"repository":"${registry}/mirror/nvcr.io/nvidia/k8s-device-plugin","tag":"v0.17.1"`,
      ),
    });
    // AND the autoscaler's registry.k8s.io image comes through the pull-through cache
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', {
      Chart: 'cluster-autoscaler',
      Repository: `oci://${registry}/charts/cluster-autoscaler`,
      Values: Match.stringLikeRegexp(`"repository":"${registry}/k8s/autoscaling/cluster-autoscaler","tag":"v1.33.0"`),
    });
    // AND no release names a public chart repository
    for (const release of Object.values(template.findResources('Custom::AWSCDK-EKS-HelmChart'))) {
      expect(String(release.Properties.Repository)).toMatch(
        /^oci:\/\/111111111111\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/charts\//,
      );
    }
  });
});

describe('GpuPools versions', () => {
  it('warns when the Kubernetes version does not match the pinned Cluster Autoscaler', () => {
    // GIVEN a cluster on another minor WHEN the stage is built
    const { stage } = stageOf(variant);
    // THEN the GPU pools carry a warning naming both versions
    const warnings = stage.gpuPools.node.metadata
      .filter((m) => m.type === 'aws:cdk:warning')
      .map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('kubernetes.version is 1.34') && w.includes('9.50.1'))).toBe(true);
  });
});
