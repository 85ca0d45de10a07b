/**
 * Where the platform's container images and Helm charts come from, and where each environment's
 * nodes and kubectl handler get them instead: the environment's own ECR registry, reached through
 * the VPC's ECR endpoints, so that a VPC without NAT (and a production cluster that should not
 * depend on public registries at run time) installs and scales with nothing pulled from the internet.
 *
 * Three routes, by upstream:
 *
 * - ECR pull-through cache (`PULL_THROUGH_RULES`): ECR Public and registry.k8s.io, which need no
 *   credentials. The first pull of `<registry>/<prefix>/<path>:<tag>` makes ECR fetch the image
 *   from upstream and cache it (the puller needs `ecr:BatchImportUpstreamImage` and
 *   `ecr:CreateRepository`). Docker Hub, GitHub, GitLab and Azure upstreams need credentials in a
 *   Secrets Manager secret named `ecr-pullthroughcache/...`; the platform uses none of them.
 * - Mirrored private repositories (`MIRRORED_UPSTREAMS`): registries that ECR cannot cache.
 *   nvcr.io (NVIDIA NGC) is not an ECR pull-through upstream, so the device plugin image is copied
 *   once per version with `crane copy` into `mirror/<upstream host>/<path>` (README, Deploying).
 * - The regional Amazon EKS registry (`EKS_REGISTRY_ACCOUNTS`): images EKS publishes in every
 *   region, such as the AWS Load Balancer Controller, read with the node role's ECR pull policy.
 *
 * Helm charts are OCI artifacts in private repositories `charts/<chart>` (`helm push`, README).
 *
 * Sources, checked on 2026-12-02:
 * - ECR pull-through upstreams and credentials:
 *   https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-creating-rule.html
 *   (upstream URLs: `aws ecr create-pull-through-cache-rule` reference; nvcr.io is not among them)
 * - IAM for the first pull: https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
 * - EKS registries per region: https://docs.aws.amazon.com/eks/latest/userguide/add-ons-images.html
 * - Load balancer controller image per region:
 *   https://docs.aws.amazon.com/eks/latest/userguide/lbc-helm.html
 *
 * The registry paths are account-wide (pull-through prefixes are unique per registry), so the
 * platform expects one environment per account and region, as the budget does.
 */

/** A pull-through cache rule: the repository prefix in the environment's registry and its upstream. */
export interface PullThroughRule {
  /** Repository prefix in the private registry (`ecr-public` → `ecr-public/<upstream path>`). */
  readonly prefix: string;
  /** The upstream's registry host. */
  readonly upstreamRegistryUrl: string;
  /** The upstream's name as ECR spells it (`UpstreamRegistry`). */
  readonly upstreamRegistry: string;
}

/**
 * The pull-through cache rules of every AWS environment. CONTRACT: ECR Public is cached under
 * `ecr-public`, so `public.ecr.aws/aws-appconfig/aws-appconfig-agent` is served as
 * `<account>.dkr.ecr.<region>.amazonaws.com/ecr-public/aws-appconfig/aws-appconfig-agent`.
 */
export const PULL_THROUGH_RULES: readonly PullThroughRule[] = [
  { prefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws', upstreamRegistry: 'ecr-public' },
  { prefix: 'k8s', upstreamRegistryUrl: 'registry.k8s.io', upstreamRegistry: 'k8s' },
];

/** Upstream registries that ECR cannot cache: their images are copied into `mirror/<host>/<path>`. */
export const MIRRORED_UPSTREAMS: readonly string[] = ['nvcr.io'];

/** Repository prefix of the copied images. */
export const MIRROR_PREFIX = 'mirror';
/** Repository prefix of the Helm charts (`helm push <chart>.tgz oci://<registry>/charts`). */
export const CHART_PREFIX = 'charts';

/** The account that hosts the Amazon EKS images in a region, where it is not 602401143452. */
const EKS_REGISTRY_EXCEPTIONS: Readonly<Record<string, string>> = {
  'af-south-1': '877085696533',
  'ap-east-1': '800184023465',
  'ap-south-2': '900889452093',
  'ap-southeast-3': '296578399912',
  'ap-southeast-4': '491585149902',
  'ap-southeast-5': '151610086707',
  'ap-southeast-7': '121268973566',
  'ca-west-1': '761377655185',
  'eu-central-2': '900612956339',
  'eu-south-1': '590381155156',
  'eu-south-2': '455263428931',
  'il-central-1': '066635153087',
  'me-central-1': '759879836304',
  'me-south-1': '558608220178',
};

/** The EKS images' account in `region` (the add-ons-images table). */
export function eksRegistryAccount(region: string): string {
  return EKS_REGISTRY_EXCEPTIONS[region] ?? '602401143452';
}

/** The EKS images' upstream: the us-west-2 registry that charts and CDK default to. */
const EKS_UPSTREAM = '602401143452.dkr.ecr.us-west-2.amazonaws.com';

/** The private registry host of an account in a region. */
export function ecrRegistry(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com`;
}

/** An image the platform installs, by its upstream repository and pinned tag. */
export interface PlatformImage {
  /** Upstream repository, without tag: `registry.k8s.io/autoscaling/cluster-autoscaler`. */
  readonly upstream: string;
  readonly tag: string;
}

/** The images the platform installs, with their pinned tags (they follow the pinned charts). */
export const IMAGES = {
  /** Cluster Autoscaler 1.33.0, what chart 9.50.1 ships. */
  clusterAutoscaler: { upstream: 'registry.k8s.io/autoscaling/cluster-autoscaler', tag: 'v1.33.0' },
  /** NVIDIA device plugin, the appVersion of chart 0.17.1. */
  nvidiaDevicePlugin: { upstream: 'nvcr.io/nvidia/k8s-device-plugin', tag: 'v0.17.1' },
  /** AWS Load Balancer Controller v3.2.2, the version aws-eks-v2 installs. */
  loadBalancerController: { upstream: `${EKS_UPSTREAM}/amazon/aws-load-balancer-controller`, tag: 'v3.2.2' },
  /** AWS AppConfig agent (serving sidecar): `public.ecr.aws` → `ecr-public/...`. */
  appConfigAgent: { upstream: 'public.ecr.aws/aws-appconfig/aws-appconfig-agent', tag: '2.x' },
} as const satisfies Readonly<Record<string, PlatformImage>>;

/** A Helm chart the platform installs: its upstream repository and pinned version. */
export interface PlatformChart {
  /** Chart name: also the last segment of its OCI repository (`charts/<name>`). */
  readonly name: string;
  /** Upstream HTTP chart repository (`helm repo add`). */
  readonly upstream: string;
  readonly version: string;
}

export const CHARTS = {
  nvidiaDevicePlugin: {
    name: 'nvidia-device-plugin',
    upstream: 'https://nvidia.github.io/k8s-device-plugin',
    version: '0.17.1',
  },
  clusterAutoscaler: {
    name: 'cluster-autoscaler',
    upstream: 'https://kubernetes.github.io/autoscaler',
    version: '9.50.1',
  },
  loadBalancerController: {
    name: 'aws-load-balancer-controller',
    upstream: 'https://aws.github.io/eks-charts',
    version: '3.2.2',
  },
} as const satisfies Readonly<Record<string, PlatformChart>>;

/**
 * Where the environment's nodes pull an upstream image from (repository, without tag):
 *
 * - `public.ecr.aws/x` → `<registry>/ecr-public/x`, `registry.k8s.io/x` → `<registry>/k8s/x`
 *   (pull-through cache);
 * - `nvcr.io/x` → `<registry>/mirror/nvcr.io/x` (copied before the first deploy);
 * - `602401143452.dkr.ecr.us-west-2.amazonaws.com/x` → the EKS registry of `region`, same path.
 *
 * Throws for an upstream that has no route: add a pull-through rule or a mirrored upstream here.
 */
export function mirroredImage(upstream: string, account: string, region: string): string {
  const slash = upstream.indexOf('/');
  if (slash <= 0) throw new Error(`mirroredImage: '${upstream}' has no registry host; give the full repository`);
  const host = upstream.slice(0, slash);
  const path = upstream.slice(slash + 1);
  const rule = PULL_THROUGH_RULES.find((r) => r.upstreamRegistryUrl === host);
  if (rule) return `${ecrRegistry(account, region)}/${rule.prefix}/${path}`;
  if (MIRRORED_UPSTREAMS.includes(host)) return `${ecrRegistry(account, region)}/${MIRROR_PREFIX}/${host}/${path}`;
  if (host === EKS_UPSTREAM) return `${ecrRegistry(eksRegistryAccount(region), region)}/${path}`;
  throw new Error(
    `mirroredImage: no route for '${upstream}'; ECR caches ${PULL_THROUGH_RULES.map((r) => r.upstreamRegistryUrl).join(', ')} ` +
      `and the platform mirrors ${MIRRORED_UPSTREAMS.join(', ')}: add the registry to lib/aws/images.ts`,
  );
}

/** The private repository (name, without registry) that `mirroredImage` copies an upstream into, if mirrored. */
export function mirrorRepositoryName(upstream: string): string | undefined {
  const host = upstream.split('/')[0] ?? '';
  return MIRRORED_UPSTREAMS.includes(host) ? `${MIRROR_PREFIX}/${upstream}` : undefined;
}

/** The OCI reference the kubectl handler pulls a chart from: `oci://<registry>/charts/<name>`. */
export function chartRepository(chart: PlatformChart, account: string, region: string): string {
  return `oci://${ecrRegistry(account, region)}/${CHART_PREFIX}/${chart.name}`;
}
