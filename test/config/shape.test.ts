import { describe, expect, it } from 'vitest';
import { delivery } from '../../environments/delivery';
import {
  assertValidEnvironments,
  ConfigError,
  formatProblem,
  type PlatformEnvironment,
  validateDelivery,
  validateEnvironment,
  validateEnvironments,
} from '../../lib/config';
import { closest, editDistance } from '../../lib/config/validate/shape';
import { fixtures, vary } from '../util';
import { expectRule, type RuleCase, rule } from './cases';

const { awsStaging, awsProduction, azureStaging, azureProduction } = fixtures;

/** What a mistyped file contains: the changes below write fields the types do not have. */
// biome-ignore lint/suspicious/noExplicitAny: these tests build files that do not type-check on purpose
type Untyped = any;

/** A copy of an environment changed freely, as a mistyped file would be (types bypassed). */
function mistyped(env: PlatformEnvironment, change: (draft: Record<string, Untyped>) => void): PlatformEnvironment {
  return vary(env, (d) => change(d as unknown as Record<string, Untyped>));
}

const shapeCases: readonly RuleCase[] = [
  rule(
    awsProduction,
    'alarmEmails is misspelled in production',
    (d) => {
      const m = d.monitoring as Untyped;
      m.alarmEmail = m.alarmEmails;
      delete m.alarmEmails;
    },
    'monitoring.alarmEmail',
    "did you mean 'alarmEmails'?",
  ),
  rule(
    awsProduction,
    'gpuPools is misspelled in production',
    (d) => {
      const k = d.kubernetes as Untyped;
      k.gpuPool = k.gpuPools;
      delete k.gpuPools;
    },
    'kubernetes.gpuPool',
    "did you mean 'gpuPools'?",
  ),
  rule(
    awsProduction,
    'network is misspelled in production',
    (d) => {
      const e = d as Untyped;
      e.networks = e.network;
      delete e.network;
    },
    'networks',
    "did you mean 'network'?",
  ),
  rule(
    awsStaging,
    'archiveAfterDays is misspelled',
    (d) => {
      (d.storage.lifecycle as Untyped).archiveAfterDay = 180;
    },
    'storage.lifecycle.archiveAfterDay',
    "did you mean 'archiveAfterDays'?",
  ),
  rule(
    awsStaging,
    'tags is misspelled',
    (d) => {
      (d as Untyped).tag = { owner: 'ml' };
    },
    'tag',
    "did you mean 'tags'?",
  ),
  rule(
    awsStaging,
    'approvers is misspelled',
    (d) => {
      (d.delivery as Untyped).approver = 'me@example.com';
    },
    'delivery.approver',
    "did you mean 'approvers'?",
  ),
  rule(
    awsStaging,
    'a field is not in the model at all',
    (d) => {
      (d.api as Untyped).cors = true;
    },
    'api.cors',
    'valid fields: rateLimitPerSecond',
  ),
  rule(
    awsStaging,
    'a section is missing',
    (d) => {
      delete (d as Untyped).monitoring;
    },
    'monitoring',
    'is required (MonitoringConfig)',
  ),
  rule(
    awsStaging,
    'a number is written as text',
    (d) => {
      (d.network as Untyped).availabilityZones = '2';
    },
    'network.availabilityZones',
    'must be a number',
  ),
  rule(
    awsStaging,
    'a list is written as a single value',
    (d) => {
      (d.monitoring as Untyped).alarmEmails = 'ops@example.com';
    },
    'monitoring.alarmEmails',
    'must be a list',
  ),
  rule(
    awsStaging,
    'a section is written as a list',
    (d) => {
      (d as Untyped).api = [];
    },
    'api',
    'must be an object (ApiConfig)',
  ),
  rule(
    awsStaging,
    'the cloud is unknown',
    (d) => {
      (d.target as Untyped).cloud = 'gcp';
    },
    'target.cloud',
    "must be one of 'aws', 'azure'",
  ),
  rule(
    azureStaging,
    'an AWS field is set on Azure',
    (d) => {
      (d.target as Untyped).region = 'westeurope';
    },
    'target.region',
    'is not a field of target (AzureTarget)',
  ),
  rule(
    awsStaging,
    'a flag is written as text',
    (d) => {
      (d.serving?.models[0] as Untyped).flags = { capture: 'yes' };
    },
    'serving.models[0].flags.capture',
    'must be true or false',
  ),
  rule(
    awsStaging,
    'the AWS region does not exist',
    (d) => {
      d.target.region = 'eu-west-9';
    },
    'target.region',
    "did you mean 'eu-west-1'?",
  ),
  rule(
    azureStaging,
    'the Azure location does not exist',
    (d) => {
      d.target.location = 'westeuropa';
    },
    'target.location',
    "did you mean 'westeurope'?",
  ),
  rule(
    azureStaging,
    'a location without zones is asked for zones',
    (d) => {
      d.target.location = 'westus';
      d.kubernetes.gpuPools = d.kubernetes.gpuPools.filter((p) => p.accelerator === 'nvidia-t4');
    },
    'network.availabilityZones',
    'has no availability zones',
  ),
  rule(
    awsStaging,
    'a GPU pool names a zone outside the environment',
    (d) => {
      (d.kubernetes.gpuPools[0] as Untyped).zones = ['eu-west-1c'];
    },
    'kubernetes.gpuPools[0].zones[0]',
    'not a zone of the environment (eu-west-1a, eu-west-1b)',
  ),
  rule(
    awsStaging,
    'a GPU pool lists no zone',
    (d) => {
      (d.kubernetes.gpuPools[0] as Untyped).zones = [];
    },
    'kubernetes.gpuPools[0].zones',
    'is empty',
  ),
  rule(
    awsStaging,
    'a GPU pool lists a zone twice',
    (d) => {
      (d.kubernetes.gpuPools[0] as Untyped).zones = ['eu-west-1a', 'eu-west-1a'];
    },
    'kubernetes.gpuPools[0].zones[1]',
    'listed twice',
  ),
  rule(
    azureProduction,
    'an Azure GPU size is not offered in the location',
    (d) => {
      d.target.location = 'northeurope';
    },
    'kubernetes.gpuPools[1].accelerator',
    'Standard_ND96isr_H100_v5, which northeurope does not offer',
  ),
  rule(
    awsStaging,
    'the name has uppercase letters',
    (d) => {
      d.name = 'Staging';
    },
    'name',
    "for example 'staging' in environments/staging.ts",
  ),
  rule(
    azureStaging,
    'a derived Azure name is too long',
    (d) => {
      d.name = 'az-staging-with-a-long-name';
    },
    'name',
    'shorten the environment name to at most',
  ),
];

describe('the shape of environment files', () => {
  it.each(shapeCases)('throws when $name', (c) => {
    expectRule(c);
  });

  it('reports a misspelled required key once, not also as missing', () => {
    const broken = mistyped(awsProduction, (d) => {
      d.monitoring.alarmEmail = d.monitoring.alarmEmails;
      delete d.monitoring.alarmEmails;
    });
    expect(validateEnvironment(broken).map((p) => p.path)).toEqual(['monitoring.alarmEmail']);
  });

  it('never crashes on a file of the wrong shape, and still reports the other files', () => {
    // GIVEN one environment whose sections are missing and another with a rule broken
    const empty = { name: 'broken' } as unknown as PlatformEnvironment;
    const other = vary(azureStaging, (d) => {
      d.monitoring.monthlyBudgetUsd = 0;
    });
    // WHEN both are validated THEN both files' problems are reported, without a TypeError
    const problems = validateEnvironments([empty, other]);
    expect(problems.filter((p) => p.file === 'environments/broken.ts').map((p) => p.path)).toContain('kubernetes');
    expect(
      problems.some((p) => p.file === 'environments/az-staging.ts' && p.path === 'monitoring.monthlyBudgetUsd'),
    ).toBe(true);
    expect(() => validateEnvironments([null as unknown as PlatformEnvironment])).not.toThrow();
  });

  it('names both files when two environments share a name', () => {
    const copy = vary(awsProduction, (d) => {
      d.name = 'staging';
    });
    const files = new Map<PlatformEnvironment, string>([
      [awsStaging, 'environments/staging.ts'],
      [copy, 'environments/production.ts'],
    ]);
    expect(() => assertValidEnvironments([awsStaging, copy], files)).toThrow(ConfigError);
    const problem = validateEnvironments([awsStaging, copy], files).find((p) => p.path === 'name');
    expect(problem && formatProblem(problem)).toMatch(
      /^environments\/production\.ts: name is 'staging', is also the name of the environment in environments\/staging\.ts/,
    );
  });

  it('validates each environment object once, however often it is asked', () => {
    // GIVEN an environment whose reads are counted
    let reads = 0;
    const counted = new Proxy(structuredClone(awsStaging), {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const first = validateEnvironment(counted);
    const afterFirst = reads;
    // WHEN it is validated again (as the stage and the app both do) THEN nothing is read again
    expect(validateEnvironment(counted)).toEqual(first);
    expect(reads).toBe(afterFirst);
  });

  it('checks the delivery file’s shape too', () => {
    const broken = { ...delivery, promotionOrders: delivery.promotionOrder } as unknown as typeof delivery;
    delete (broken as { promotionOrder?: unknown }).promotionOrder;
    expect(validateDelivery(broken, []).map(formatProblem)).toEqual([
      'environments/delivery.ts: promotionOrders is ["staging","production"], is not a field of an environment (DeliveryEnvironment); did you mean \'promotionOrder\'?',
    ]);
  });
});

describe('closest', () => {
  it('suggests a key within a typo’s distance and nothing for unrelated words', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('alarmEmail', ['alarmEmails', 'logRetentionDays'])).toBe('alarmEmails');
    expect(closest('WestEurope', ['westeurope'])).toBe('westeurope');
    expect(closest('budget', ['alarmEmails', 'logRetentionDays'])).toBeUndefined();
  });
});
