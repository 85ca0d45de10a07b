import { describe, expect, it } from 'vitest';
import { environments } from '../../environments';
import { delivery } from '../../environments/delivery';
import {
  type ConfigProblem,
  type DeliveryEnvironment,
  formatProblem,
  promotedEnvironments,
  validateDelivery,
} from '../../lib/config';
import { fixtures, vary } from '../util';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

/** A copy of the shipped delivery environment with `change` applied. */
function varyDelivery(change: (d: Mutable<DeliveryEnvironment>) => void): DeliveryEnvironment {
  const draft = structuredClone(delivery) as Mutable<DeliveryEnvironment>;
  change(draft);
  return draft;
}

const errorsOf = (d: DeliveryEnvironment, envs = environments): ConfigProblem[] =>
  validateDelivery(d, envs).filter((p) => p.severity === 'error');

describe('validateDelivery', () => {
  it('accepts the shipped delivery environment and promotes staging, then production', () => {
    expect(validateDelivery(delivery, environments)).toEqual([]);
    expect(promotedEnvironments(delivery, environments).map((e) => [e.name, e.stage])).toEqual([
      ['staging', 'staging'],
      ['production', 'production'],
    ]);
  });

  const cases: ReadonlyArray<{
    name: string;
    change: (d: Mutable<DeliveryEnvironment>) => void;
    path: string;
    says: string;
  }> = [
    { name: 'the name is not lowercase', change: (d) => (d.name = 'Delivery'), path: 'name', says: 'short lowercase' },
    { name: 'the account is not 12 digits', change: (d) => (d.account = '4444'), path: 'account', says: '12-digit' },
    {
      name: 'the region is not a region',
      change: (d) => (d.region = 'Ireland'),
      path: 'region',
      says: 'not an AWS region',
    },
    {
      name: 'the connection ARN is malformed',
      change: (d) => (d.codeConnectionArn = 'arn:aws:codeconnections:eu-west-1:444444444444:connection/abc'),
      path: 'codeConnectionArn',
      says: 'not a CodeConnections connection ARN',
    },
    {
      name: 'the connection belongs to another account',
      change: (d) =>
        (d.codeConnectionArn =
          'arn:aws:codestar-connections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000'),
      path: 'codeConnectionArn',
      says: 'belongs to 111111111111 in eu-west-1',
    },
    {
      name: 'the repository is not owner/name',
      change: (d) => (d.repository = 'mlops-platform'),
      path: 'repository',
      says: "not 'owner/name'",
    },
    {
      name: 'the branch is invalid',
      change: (d) => (d.branch = 'feature..x'),
      path: 'branch',
      says: 'not a valid branch',
    },
    {
      name: 'nobody is notified',
      change: (d) => (d.notificationEmails = []),
      path: 'notificationEmails',
      says: 'is empty',
    },
    {
      name: 'a notification address is not an e-mail',
      change: (d) => (d.notificationEmails = ['oncall']),
      path: 'notificationEmails[0]',
      says: 'not an e-mail address',
    },
    {
      name: 'nothing is promoted',
      change: (d) => (d.promotionOrder = []),
      path: 'promotionOrder',
      says: 'deploys nothing',
    },
    {
      name: 'an environment is listed twice',
      change: (d) => (d.promotionOrder = ['staging', 'staging', 'production']),
      path: 'promotionOrder[1]',
      says: 'listed twice',
    },
    {
      name: 'an environment does not exist',
      change: (d) => (d.promotionOrder = ['staging', 'prod']),
      path: 'promotionOrder[1]',
      says: 'not an environment',
    },
    {
      name: 'an environment targets Azure',
      change: (d) => (d.promotionOrder = ['staging', 'az-production']),
      path: 'promotionOrder[1]',
      says: 'targets azure',
    },
    {
      name: 'a staging environment comes after production',
      change: (d) => (d.promotionOrder = ['staging', 'production', 'hybrid']),
      path: 'promotionOrder[2]',
      says: 'listed after a production one',
    },
    {
      name: 'production comes first',
      change: (d) => (d.promotionOrder = ['production']),
      path: 'promotionOrder[0]',
      says: 'not a staging environment',
    },
  ];

  for (const c of cases) {
    it(`throws when ${c.name}`, () => {
      // GIVEN the shipped delivery environment with one field broken
      const broken = varyDelivery(c.change);
      // WHEN it is validated
      const errors = errorsOf(broken);
      // THEN exactly that field is reported, with the file, value and a fix
      expect(errors.map((e) => e.path)).toContain(c.path);
      const error = errors.find((e) => e.path === c.path) as ConfigProblem;
      expect(error.file).toBe('environments/delivery.ts');
      expect(error.problem).toContain(c.says);
      expect(formatProblem(error)).toMatch(/^environments\/delivery\.ts: .+ is .+, .+; .+$/);
    });
  }

  it('warns when a promoted environment shares the tooling account', () => {
    // GIVEN staging moved into the tooling account
    const shared = vary(fixtures.awsStaging, (d) => {
      d.target.account = delivery.account;
    });
    const envs = environments.map((e) => (e.name === 'staging' ? shared : e));
    // WHEN validated THEN it is a warning, not an error
    const problems = validateDelivery(delivery, envs);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'promotionOrder[0]', value: 'staging' }),
    ]);
  });
});
