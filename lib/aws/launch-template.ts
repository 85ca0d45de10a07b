import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks-v2';
import type { Construct } from 'constructs';

/**
 * A launch template for a managed node group: IMDSv2 required, and an encrypted gp3 root volume.
 *
 * Hop limit 2: the CloudWatch agent of the observability add-on and the VPC CNI read instance
 * metadata from inside containers, which needs a second hop. Pods get AWS credentials from Pod
 * Identity, and the node role they could otherwise reach holds only the worker, CNI and ECR
 * pull-only policies. https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html
 *
 * `instanceType` goes into the template (not the node group) for GPU pools: aws-eks-v2 checks a
 * node group's AMI type against its own list of GPU families, which predates g6e and p5.
 */
export function nodeLaunchTemplate(
  scope: Construct,
  id: string,
  diskSizeGiB: number,
  instanceType?: ec2.InstanceType,
): eks.LaunchTemplateSpec {
  const template = new ec2.LaunchTemplate(scope, id, {
    instanceType,
    requireImdsv2: true,
    httpPutResponseHopLimit: 2,
    blockDevices: [
      {
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(diskSizeGiB, { volumeType: ec2.EbsDeviceVolumeType.GP3, encrypted: true }),
      },
    ],
  });
  return { id: template.launchTemplateId as string, version: template.latestVersionNumber };
}
