import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { PlatformNames } from '../config';
import { acknowledge, INLINE_POLICY_REASON, inlinePolicyFindings, wildcardResourceFinding } from './acknowledge';
import { CHART_PREFIX, CHARTS, IMAGES, mirrorRepositoryName, PULL_THROUGH_RULES } from './images';
import { pascal } from './storage';

export interface MirrorStackProps extends StackProps {
  readonly names: PlatformNames;
  /**
   * Keep the key and the repositories when the stack is deleted, with a 30-day key deletion
   * window (7 otherwise). The stage sets it for production.
   */
  readonly retain: boolean;
}

/**
 * Lets a role's image pulls fill the pull-through cache: on the first pull of an image, the puller
 * itself needs `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` on the cache repository.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
 */
export function allowPullThroughImport(role: iam.Role): void {
  const stack = Stack.of(role);
  const repositories = PULL_THROUGH_RULES.map(
    (rule) =>
      [
        rule.prefix,
        stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: `${rule.prefix}/*` }),
      ] as const,
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
      resources: repositories.map(([, arn]) => arn),
    }),
  );
  acknowledge(role, {
    ...Object.fromEntries(
      repositories.map(([prefix, arn]) => [
        wildcardResourceFinding(role, arn),
        `Pull-through cache: the first pull imports the upstream image into a repository under '${prefix}/', which ECR names after the upstream image`,
      ]),
    ),
    ...inlinePolicyFindings(INLINE_POLICY_REASON),
  });
}

/** Untagged layers go after 14 days; cached and mirrored versions are kept, the newest 50 per repository. */
const LIFECYCLE_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: 'Drop untagged images',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'Keep the newest 50 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 50 },
      action: { type: 'expire' },
    },
  ],
};

/**
 * The environment's registry mirror, a stack of its own that is deployed (and filled) before the
 * platform stack, whose Helm releases pull from it (README, Deploying: `helm push`, `crane copy`):
 *
 * - one pull-through cache rule per upstream ECR can cache (lib/aws/images.ts), with a repository
 *   creation template per prefix, so that the repositories ECR creates on first pull are encrypted
 *   with the mirror key, scanned and expire untagged layers;
 * - a private repository per Helm chart (`charts/<chart>`) and per image ECR cannot cache
 *   (`mirror/nvcr.io/...`), immutable tags, encrypted with the mirror key.
 *
 * It has its own key because the platform stack's keys are created after it; everything it holds
 * is public software.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates.html
 */
export class MirrorStack extends Stack {
  public readonly key: kms.Key;
  /** The chart and copied-image repositories, by repository name. */
  public readonly repositories: Readonly<Record<string, ecr.Repository>>;
  public readonly pullThroughRules: readonly ecr.CfnPullThroughCacheRule[];
  /** The role ECR assumes to create pull-through repositories with the mirror key. */
  public readonly creationRole: iam.Role;

  constructor(scope: Construct, id: string, props: MirrorStackProps) {
    super(scope, id, props);
    const removalPolicy = props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.key = new kms.Key(this, 'Key', {
      alias: props.names.kmsAlias('mirror'),
      description: `${props.names.base}: registry mirror (cached and copied images, Helm charts)`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      pendingWindow: Duration.days(props.retain ? 30 : 7),
      removalPolicy,
    });

    // A template that sets a customer-managed key needs a role ECR assumes to create the
    // repository and grant itself the key.
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-creation-templates-custom.html
    this.creationRole = new iam.Role(this, 'CreationRole', {
      assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com'),
      description: 'ECR creates pull-through cache repositories with the mirror key',
    });
    const repositoryArns = PULL_THROUGH_RULES.map((rule) =>
      this.formatArn({ service: 'ecr', resource: 'repository', resourceName: `${rule.prefix}/*` }),
    );
    this.creationRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
        resources: repositoryArns,
      }),
    );
    this.creationRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant', 'kms:RetireGrant', 'kms:DescribeKey'],
        resources: [this.key.keyArn],
      }),
    );
    acknowledge(this.creationRole, {
      ...Object.fromEntries(
        PULL_THROUGH_RULES.map((rule, i) => [
          wildcardResourceFinding(this, repositoryArns[i] as string),
          `ECR creates the cache repositories under the '${rule.prefix}/' prefix on first pull; their names follow the upstream images`,
        ]),
      ),
      ...inlinePolicyFindings(INLINE_POLICY_REASON),
    });

    const templates: ecr.CfnRepositoryCreationTemplate[] = [];
    this.pullThroughRules = PULL_THROUGH_RULES.map((rule) => {
      const template = new ecr.CfnRepositoryCreationTemplate(this, `${pascal(rule.upstreamRegistry)}Template`, {
        prefix: rule.prefix,
        appliedFor: ['PULL_THROUGH_CACHE'],
        description: `Repositories cached from ${rule.upstreamRegistryUrl}`,
        encryptionConfiguration: { encryptionType: 'KMS', kmsKey: this.key.keyArn },
        // The cache updates a tag when upstream moves it (at most once in 24 hours).
        imageTagMutability: 'MUTABLE',
        lifecyclePolicy: JSON.stringify(LIFECYCLE_POLICY),
        customRoleArn: this.creationRole.roleArn,
      });
      templates.push(template);
      const cacheRule = new ecr.CfnPullThroughCacheRule(this, `${pascal(rule.upstreamRegistry)}Cache`, {
        ecrRepositoryPrefix: rule.prefix,
        upstreamRegistry: rule.upstreamRegistry,
        upstreamRegistryUrl: rule.upstreamRegistryUrl,
      });
      // The template must exist before the first pull creates a repository.
      cacheRule.addResourceDependency(template);
      return cacheRule;
    });
    for (const template of templates) template.node.addDependency(this.creationRole);

    const names = [
      ...Object.values(CHARTS).map((chart) => `${CHART_PREFIX}/${chart.name}`),
      ...Object.values(IMAGES).flatMap((image) => mirrorRepositoryName(image.upstream) ?? []),
    ];
    const repositories: Record<string, ecr.Repository> = {};
    for (const repositoryName of names) {
      repositories[repositoryName] = new ecr.Repository(this, pascal(repositoryName), {
        repositoryName,
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        encryptionKey: this.key,
        removalPolicy,
        emptyOnDelete: false,
        lifecycleRules: [
          { rulePriority: 1, tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(14) },
          { rulePriority: 2, tagStatus: ecr.TagStatus.ANY, maxImageCount: 50 },
        ],
      });
    }
    this.repositories = repositories;
  }
}
