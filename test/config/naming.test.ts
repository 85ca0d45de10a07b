import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import {
  compact,
  isAwsEnvironment,
  NAME_RULES,
  nameProblem,
  PlatformNames,
  pascalCase,
  platformTags,
  stableHash,
} from '../../lib/config';
import { fixtures, vary } from '../util';

describe('PlatformNames', () => {
  const aws = new PlatformNames(fixtures.awsStaging);
  const azure = new PlatformNames(fixtures.azureStaging);

  it('derives AWS names from the project and environment', () => {
    expect(aws.stageId).toBe('Staging');
    expect(aws.eksCluster).toBe('mlops-staging');
    expect(aws.bucket('models')).toBe(`mlops-staging-models-${aws.suffix}`);
    expect(aws.ecrRepository('model-serving')).toBe('mlops-staging/model-serving');
    expect(aws.kmsAlias('data')).toBe('alias/mlops-staging/data');
    expect(aws.logGroup('eks/cluster')).toBe('/mlops/staging/eks/cluster');
  });

  it('derives Azure names with abbreviations and compact forms where hyphens are not allowed', () => {
    expect(azure.stageId).toBe('AzStaging');
    expect(azure.resourceGroup).toBe('rg-mlops-az-staging');
    expect(azure.storageAccount).toBe(`stazstaging${azure.suffix}`);
    expect(azure.keyVault).toBe(`kv-az-staging-${azure.suffix}`);
    expect(azure.containerRegistry).toBe(`crmlopsazstaging${azure.suffix}`);
    expect(azure.apiManagement).toBe(`apim-mlops-az-staging-${azure.suffix}`);
    expect(azure.azure('vnet')).toBe('vnet-mlops-az-staging');
    expect(azure.azure('snet', 'system')).toBe('snet-mlops-az-staging-system');
  });

  it('keeps the suffix stable for the same account and name', () => {
    expect(new PlatformNames(fixtures.awsStaging).suffix).toBe(aws.suffix);
    expect(aws.suffix).toMatch(/^[0-9a-f]{6}$/);
  });

  it('changes the suffix with the account, so two adopters never collide on global names', () => {
    const other = vary(fixtures.awsStaging, (d) => {
      d.target.account = '999999999999';
    });
    expect(new PlatformNames(other).suffix).not.toBe(aws.suffix);
  });

  it('gives every shipped environment names that meet every cloud rule', () => {
    for (const env of environments) {
      const names = new PlatformNames(env);
      for (const { rule, value } of names.ruledNames(env.target.cloud)) {
        expect(nameProblem(NAME_RULES[rule], value), `${env.name}: ${rule} '${value}'`).toBeUndefined();
      }
    }
  });

  it('checks every AWS bucket name, including the access-log bucket', () => {
    const env = environments.find(isAwsEnvironment);
    const buckets = new PlatformNames(env ?? fixtures.awsStaging)
      .ruledNames('aws')
      .filter((n) => n.rule === 's3Bucket')
      .map((n) => n.value);
    expect(buckets).toHaveLength(6);
  });
});

describe('name rules', () => {
  it.each([
    ['storageAccount', 'stmlopsprod', undefined],
    ['storageAccount', 'st-mlops', 'characters'],
    ['storageAccount', 'st', '3-24'],
    ['storageAccount', 'a'.repeat(25), '3-24'],
    ['keyVault', 'kv-mlops-prod', undefined],
    ['keyVault', 'kv--mlops', 'characters'],
    ['keyVault', '1kv', 'characters'],
    ['keyVault', 'kv-', 'characters'],
    ['containerRegistry', 'crmlops', undefined],
    ['containerRegistry', 'cr-mlops', 'characters'],
    ['containerRegistry', 'cr1', '5-50'],
    ['aksNodePool', 'infer', undefined],
    ['aksNodePool', 'Infer', 'characters'],
    ['aksNodePool', 'gpuinference1', '1-12'],
    ['aksNodePool', '1gpu', 'characters'],
    ['s3Bucket', 'mlops-staging-raw-abc123', undefined],
    ['s3Bucket', 'MLOps', 'characters'],
    ['s3Bucket', 'a..b', 'characters'],
    ['s3Bucket', `a${'b'.repeat(63)}`, '3-63'],
    ['apiManagement', 'apim-mlops-1', undefined],
    ['apiManagement', 'apim-', 'characters'],
  ] as const)('%s %s → %s', (rule, value, problem) => {
    const result = nameProblem(NAME_RULES[rule], value);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});

describe('helpers', () => {
  it('compacts and PascalCases names', () => {
    expect(compact('az-Staging_1')).toBe('azstaging1');
    expect(pascalCase('az-staging')).toBe('AzStaging');
  });

  it('hashes deterministically', () => {
    expect(stableHash(['a', 'b'])).toBe(stableHash(['a', 'b']));
    expect(stableHash(['a', 'b'])).not.toBe(stableHash(['ab']));
  });

  it('puts the platform tags last so an environment cannot override them, sorted by key', () => {
    const tags = platformTags({ name: 'staging', stage: 'staging', tags: { 'cost-center': 'ml', project: 'other' } });
    expect(tags).toEqual({
      'cost-center': 'ml',
      environment: 'staging',
      'managed-by': 'mlops-platform-blueprint',
      project: 'mlops',
      stage: 'staging',
    });
    expect(Object.keys(tags)).toEqual([...Object.keys(tags)].sort());
  });
});
