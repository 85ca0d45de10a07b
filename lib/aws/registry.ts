import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { PlatformNames } from '../config';
import { pascal } from './storage';

/** Repositories every environment gets; `model-serving` holds the inference images. */
export const REPOSITORIES: readonly string[] = ['model-serving'];

export interface PlatformRegistryProps {
  readonly names: PlatformNames;
  /** Keep the repositories (and their images) when the stack is deleted; the stage sets it for production. */
  readonly retain: boolean;
  /** Encrypts the images (KMS encryption is fixed at repository creation). */
  readonly dataKey: kms.IKey;
  /**
   * Repository names, below the environment's prefix.
   * @default REPOSITORIES
   */
  readonly repositories?: readonly string[];
}

/**
 * ECR repositories for model-serving images: scan on push, immutable tags (a deployed tag always
 * means the same image), KMS encryption with the data key, and lifecycle rules that drop untagged
 * layers after 14 days and keep the newest 200 images. Retained in production.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 */
export class PlatformRegistry extends Construct {
  public readonly repositories: Readonly<Record<string, ecr.Repository>>;

  constructor(scope: Construct, id: string, props: PlatformRegistryProps) {
    super(scope, id);
    const repositories: Record<string, ecr.Repository> = {};
    for (const name of props.repositories ?? REPOSITORIES) {
      repositories[name] = new ecr.Repository(this, pascal(name), {
        repositoryName: props.names.ecrRepository(name),
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        encryptionKey: props.dataKey,
        removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        emptyOnDelete: false,
        lifecycleRules: [
          {
            rulePriority: 1,
            description: 'Drop untagged images',
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(14),
          },
          {
            rulePriority: 2,
            description: 'Keep the newest 200 images',
            tagStatus: ecr.TagStatus.ANY,
            maxImageCount: 200,
          },
        ],
      });
    }
    this.repositories = repositories;
  }

  /** The model-serving repository. */
  get modelServing(): ecr.Repository {
    const repo = this.repositories['model-serving'];
    if (!repo) throw new Error("the registry has no 'model-serving' repository");
    return repo;
  }
}
