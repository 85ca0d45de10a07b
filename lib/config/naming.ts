import { createHash } from 'node:crypto';
import { type Cloud, DATA_ZONES, type DataZone, type PlatformEnvironment } from './types';

/**
 * Every physical name on both clouds comes from here, so that naming rules are checked in one
 * place (`NAME_RULES`, used by validation and by the compliance tests over synthesized output).
 *
 * Names that must be globally unique (S3 buckets, storage accounts, key vaults, container
 * registries, API Management) end in a short hash of the cloud, the account or subscription and
 * the environment name: stable across synths, different between adopters of this blueprint.
 */
export const PROJECT = 'mlops';

/** Length of the hash suffix, hex characters. */
export const SUFFIX_LENGTH = 6;

export interface NameRule {
  readonly cloud: Cloud;
  /** What the rule is for, as the cloud's documentation calls it. */
  readonly resource: string;
  readonly minLength: number;
  readonly maxLength: number;
  /** The allowed characters and shape, checked after the length. */
  readonly pattern: RegExp;
  /** The pattern in words, for error messages. */
  readonly describe: string;
  /** Where the rule is documented. */
  readonly source: string;
}

const AZURE_NAMING = 'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules';

export const NAME_RULES = {
  s3Bucket: {
    cloud: 'aws',
    resource: 'S3 bucket',
    minLength: 3,
    maxLength: 63,
    pattern: /^[a-z0-9](?!.*\.\.)[a-z0-9.-]*[a-z0-9]$/,
    describe: 'lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit',
    source: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html',
  },
  eksCluster: {
    cloud: 'aws',
    resource: 'EKS cluster',
    minLength: 1,
    maxLength: 100,
    pattern: /^[0-9A-Za-z][A-Za-z0-9\-_]*$/,
    describe: 'letters, digits, hyphens and underscores, starting with a letter or digit',
    source: 'https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html',
  },
  ecrRepository: {
    cloud: 'aws',
    resource: 'ECR repository',
    minLength: 2,
    maxLength: 256,
    pattern: /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/,
    describe: 'lowercase path segments of letters and digits joined by ".", "_" or "-"',
    source: 'https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html',
  },
  resourceGroup: {
    cloud: 'azure',
    resource: 'resource group',
    minLength: 1,
    maxLength: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    describe: 'letters, digits, underscores, hyphens, periods and parentheses, not ending in a period',
    source: AZURE_NAMING,
  },
  storageAccount: {
    cloud: 'azure',
    resource: 'storage account',
    minLength: 3,
    maxLength: 24,
    pattern: /^[a-z0-9]+$/,
    describe: 'lowercase letters and digits only',
    source: AZURE_NAMING,
  },
  keyVault: {
    cloud: 'azure',
    resource: 'key vault',
    minLength: 3,
    maxLength: 24,
    pattern: /^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$/,
    describe: 'letters, digits and single hyphens, starting with a letter and ending with a letter or digit',
    source: AZURE_NAMING,
  },
  containerRegistry: {
    cloud: 'azure',
    resource: 'container registry',
    minLength: 5,
    maxLength: 50,
    pattern: /^[A-Za-z0-9]+$/,
    describe: 'letters and digits only',
    source: AZURE_NAMING,
  },
  aksCluster: {
    cloud: 'azure',
    resource: 'AKS cluster',
    minLength: 1,
    maxLength: 63,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?$/,
    describe: 'letters, digits, underscores and hyphens, starting and ending with a letter or digit',
    source: AZURE_NAMING,
  },
  aksNodePool: {
    cloud: 'azure',
    resource: 'AKS node pool',
    minLength: 1,
    maxLength: 12,
    pattern: /^[a-z][a-z0-9]*$/,
    describe: 'lowercase letters and digits, starting with a letter',
    source: 'https://learn.microsoft.com/azure/aks/create-node-pools#limitations',
  },
  apiManagement: {
    cloud: 'azure',
    resource: 'API Management service',
    minLength: 1,
    maxLength: 50,
    pattern: /^[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    describe: 'letters, digits and hyphens, starting with a letter and ending with a letter or digit',
    source: AZURE_NAMING,
  },
  logAnalyticsWorkspace: {
    cloud: 'azure',
    resource: 'Log Analytics workspace',
    minLength: 4,
    maxLength: 63,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    describe: 'letters, digits and hyphens, starting and ending with a letter or digit',
    source: AZURE_NAMING,
  },
  machineLearningWorkspace: {
    cloud: 'azure',
    resource: 'Azure Machine Learning workspace',
    minLength: 3,
    maxLength: 33,
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/,
    describe: 'letters, digits, hyphens and underscores, starting with a letter or digit',
    source: AZURE_NAMING,
  },
} as const satisfies Record<string, NameRule>;

export type NameRuleId = keyof typeof NAME_RULES;

/** What is wrong with `value` under `rule`, or undefined when it complies. */
export function nameProblem(rule: NameRule, value: string): string | undefined {
  if (value.length < rule.minLength || value.length > rule.maxLength) {
    return `is ${value.length} characters; a ${rule.resource} name must be ${rule.minLength}-${rule.maxLength}`;
  }
  if (!rule.pattern.test(value)) {
    return `has characters or a shape a ${rule.resource} name does not allow (${rule.describe})`;
  }
  return undefined;
}

/** A short, stable hash of the given parts, lowercase hex. */
export function stableHash(parts: readonly string[], length = SUFFIX_LENGTH): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, length);
}

/** A name part with only lowercase letters and digits (`az-staging` → `azstaging`). */
export function compact(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `az-staging` → `AzStaging`: the AWS Stage id and Azure stack name prefix of an environment. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The physical names of one environment. Construct code asks for names here and never builds
 * them itself. `<p>` is the project (`mlops`), `<env>` the environment name, `<h>` the hash suffix.
 */
export class PlatformNames {
  /** Hash of cloud, account or subscription, and environment name. */
  public readonly suffix: string;
  /** `<p>-<env>`: the base of hyphenated names. */
  public readonly base: string;

  constructor(private readonly env: Pick<PlatformEnvironment, 'name' | 'target'>) {
    const owner = env.target.cloud === 'aws' ? env.target.account : env.target.subscriptionId;
    this.suffix = stableHash([env.target.cloud, owner, env.name]);
    this.base = `${PROJECT}-${env.name}`;
  }

  /** The AWS Stage id / Azure stack id: `az-staging` → `AzStaging`. */
  get stageId(): string {
    return pascalCase(this.env.name);
  }

  /** `<p>-<env>-<purpose>`: a name that is unique within the account or subscription. */
  resource(purpose: string): string {
    return `${this.base}-${purpose}`;
  }

  // ---- AWS -------------------------------------------------------------------------------

  /** S3 bucket for a data zone: `<p>-<env>-<zone>-<h>`. */
  bucket(zone: DataZone | 'access-logs' | string): string {
    return `${this.base}-${zone}-${this.suffix}`;
  }

  /** EKS cluster: `<p>-<env>`. */
  get eksCluster(): string {
    return this.base;
  }

  /** ECR repository: `<p>-<env>/<name>`. */
  ecrRepository(name: string): string {
    return `${this.base}/${name}`;
  }

  /** KMS alias: `alias/<p>-<env>/<purpose>`. */
  kmsAlias(purpose: string): string {
    return `alias/${this.base}/${purpose}`;
  }

  /** CloudWatch log group: `/<p>/<env>/<path>`. */
  logGroup(path: string): string {
    return `/${PROJECT}/${this.env.name}/${path}`;
  }

  // ---- Azure -----------------------------------------------------------------------------

  /**
   * A name with an Azure abbreviation prefix (Cloud Adoption Framework style):
   * `<abbr>-<p>-<env>[-<purpose>]`, for example `vnet-mlops-az-staging`.
   */
  azure(abbreviation: string, purpose?: string): string {
    return [abbreviation, this.base, purpose].filter(Boolean).join('-');
  }

  /** Resource group: `rg-<p>-<env>`. */
  get resourceGroup(): string {
    return this.azure('rg');
  }

  /** Storage account: `st<env>` + hash, lowercase alphanumerics only (3-24, globally unique). */
  get storageAccount(): string {
    return `st${compact(this.env.name)}${this.suffix}`;
  }

  /** Key vault: `kv-<env>-<h>` (3-24, globally unique). */
  get keyVault(): string {
    return `kv-${this.env.name}-${this.suffix}`;
  }

  /** Container registry: `cr<p><env>` + hash, alphanumerics only (5-50, globally unique). */
  get containerRegistry(): string {
    return `cr${PROJECT}${compact(this.env.name)}${this.suffix}`;
  }

  /** AKS cluster: `aks-<p>-<env>`. */
  get aksCluster(): string {
    return this.azure('aks');
  }

  /** API Management: `apim-<p>-<env>-<h>` (globally unique: it becomes `<name>.azure-api.net`). */
  get apiManagement(): string {
    return `${this.azure('apim')}-${this.suffix}`;
  }

  /** Log Analytics workspace: `log-<p>-<env>`. */
  get logAnalyticsWorkspace(): string {
    return this.azure('log');
  }

  /** Azure Machine Learning workspace: `mlw-<p>-<env>`. */
  get machineLearningWorkspace(): string {
    return this.azure('mlw');
  }

  /** AKS node pool of a GPU pool: the pool's own name (1-12 lowercase alphanumerics). */
  nodePool(poolName: string): string {
    return poolName;
  }

  /**
   * The derived names that have cloud naming rules, with the rule each must meet: what
   * validation checks for every environment of that cloud.
   */
  ruledNames(cloud: Cloud): ReadonlyArray<{ readonly rule: NameRuleId; readonly value: string }> {
    if (cloud === 'aws') {
      return [
        ...[...DATA_ZONES, 'access-logs'].map((zone) => ({ rule: 's3Bucket' as const, value: this.bucket(zone) })),
        { rule: 'eksCluster', value: this.eksCluster },
        { rule: 'ecrRepository', value: this.ecrRepository('model-serving') },
      ];
    }
    return [
      { rule: 'resourceGroup', value: this.resourceGroup },
      { rule: 'storageAccount', value: this.storageAccount },
      { rule: 'keyVault', value: this.keyVault },
      { rule: 'containerRegistry', value: this.containerRegistry },
      { rule: 'aksCluster', value: this.aksCluster },
      { rule: 'apiManagement', value: this.apiManagement },
      { rule: 'logAnalyticsWorkspace', value: this.logAnalyticsWorkspace },
      { rule: 'machineLearningWorkspace', value: this.machineLearningWorkspace },
    ];
  }
}
