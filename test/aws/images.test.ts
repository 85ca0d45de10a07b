import * as eks from 'aws-cdk-lib/aws-eks-v2';
import { describe, expect, it } from 'vitest';
import {
  CHARTS,
  chartRepository,
  eksRegistryAccount,
  IMAGES,
  mirroredImage,
  mirrorRepositoryName,
  PULL_THROUGH_RULES,
} from '../../lib/aws/images';

describe('mirroredImage', () => {
  it('serves ECR Public images from the ecr-public pull-through prefix (the AppConfig agent contract)', () => {
    expect(mirroredImage(IMAGES.appConfigAgent.upstream, '111111111111', 'eu-west-1')).toBe(
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com/ecr-public/aws-appconfig/aws-appconfig-agent',
    );
  });

  it('serves registry.k8s.io images from the k8s pull-through prefix', () => {
    expect(mirroredImage(IMAGES.clusterAutoscaler.upstream, '111111111111', 'eu-west-1')).toBe(
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com/k8s/autoscaling/cluster-autoscaler',
    );
  });

  it('serves nvcr.io images, which ECR cannot cache, from the copied repository', () => {
    expect(mirroredImage(IMAGES.nvidiaDevicePlugin.upstream, '111111111111', 'eu-west-1')).toBe(
      '111111111111.dkr.ecr.eu-west-1.amazonaws.com/mirror/nvcr.io/nvidia/k8s-device-plugin',
    );
    expect(mirrorRepositoryName(IMAGES.nvidiaDevicePlugin.upstream)).toBe('mirror/nvcr.io/nvidia/k8s-device-plugin');
    expect(mirrorRepositoryName(IMAGES.clusterAutoscaler.upstream)).toBeUndefined();
  });

  it("serves EKS images from the region's own EKS registry account", () => {
    expect(mirroredImage(IMAGES.loadBalancerController.upstream, '111111111111', 'eu-central-1')).toBe(
      '602401143452.dkr.ecr.eu-central-1.amazonaws.com/amazon/aws-load-balancer-controller',
    );
    expect(mirroredImage(IMAGES.loadBalancerController.upstream, '111111111111', 'eu-south-1')).toBe(
      '590381155156.dkr.ecr.eu-south-1.amazonaws.com/amazon/aws-load-balancer-controller',
    );
    expect(eksRegistryAccount('eu-central-2')).toBe('900612956339');
  });

  it('throws when an upstream has no route, naming the registries that have one', () => {
    expect(() => mirroredImage('docker.io/library/busybox', '111111111111', 'eu-west-1')).toThrow(
      /no route for 'docker.io\/library\/busybox'.*public\.ecr\.aws, registry\.k8s\.io.*nvcr\.io/,
    );
    expect(() => mirroredImage('busybox', '111111111111', 'eu-west-1')).toThrow(/no registry host/);
  });

  it('names the chart OCI repositories under charts/ and keeps the upstreams only ECR supports', () => {
    expect(chartRepository(CHARTS.clusterAutoscaler, '111111111111', 'eu-west-1')).toBe(
      'oci://111111111111.dkr.ecr.eu-west-1.amazonaws.com/charts/cluster-autoscaler',
    );
    // ECR's documented upstream registries (CreatePullThroughCacheRule); nvcr.io is not one of them.
    const supported = ['public.ecr.aws', 'registry.k8s.io', 'quay.io', 'registry-1.docker.io', 'ghcr.io'];
    for (const rule of PULL_THROUGH_RULES) expect(supported).toContain(rule.upstreamRegistryUrl);
    expect(PULL_THROUGH_RULES.map((r) => r.upstreamRegistryUrl)).not.toContain('nvcr.io');
  });

  it('pins the load balancer controller chart and image that aws-eks-v2 installs', () => {
    // The cluster installs AlbControllerVersion.V3_2_2; the mirror must hold the same chart and image.
    expect(eks.AlbControllerVersion.V3_2_2.helmChartVersion).toBe(CHARTS.loadBalancerController.version);
    expect(eks.AlbControllerVersion.V3_2_2.version).toBe(IMAGES.loadBalancerController.tag);
  });
});
