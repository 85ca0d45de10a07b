import { type AwsEnvironment, isAwsEnvironment, type PlatformEnvironment } from './types';
import type { ConfigProblem } from './validate';

/**
 * The delivery ("tooling") environment of AWS: the account that runs the CDK pipeline of the
 * platform and the model delivery pipeline, and the order in which it promotes environments.
 * It deploys no platform itself, so it is not a `PlatformEnvironment`; it lives in
 * `environments/delivery.ts` and is checked by `validateDelivery` before the app is built.
 */
export interface DeliveryEnvironment {
  /** Short lowercase name; stack and resource names derive from it (`delivery`). */
  readonly name: string;
  /** 12-digit id of the tooling account that hosts the pipelines. */
  readonly account: string;
  /** Region of the pipelines, for example `eu-west-1`. */
  readonly region: string;
  /**
   * ARN of the AWS CodeConnections connection to the source repository, created in the tooling
   * account and region (Developer Tools > Settings > Connections) and authorised once by hand.
   */
  readonly codeConnectionArn: string;
  /** Source repository as `owner/name`. */
  readonly repository: string;
  /** Branch whose commits the platform pipeline deploys. */
  readonly branch: string;
  /**
   * Names of the AWS environments (`environments/<name>.ts`) the pipelines deploy, in order:
   * staging environments first, then production. A manual approval sits before the first
   * production environment.
   */
  readonly promotionOrder: readonly string[];
  /**
   * E-mail addresses told about failed and succeeded runs and approvals waiting; the approvers of
   * every promoted environment are added to them.
   */
  readonly notificationEmails: readonly string[];
}

/** Where the delivery environment lives; problems name this file. */
export const DELIVERY_FILE = 'environments/delivery.ts';

const ACCOUNT = /^\d{12}$/;
const AWS_REGION = /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const GIT_BRANCH = /^(?!\/|.*\/$|.*\.\.|.*\/\/)[A-Za-z0-9._/-]+$/;
const CODE_CONNECTION_ARN =
  /^arn:aws[a-z-]*:(?:codeconnections|codestar-connections):([a-z0-9-]+):(\d{12}):connection\/[0-9a-f-]{36}$/;

/**
 * Every problem of the delivery environment, checked against the platform environments it
 * promotes. Messages name the file, the field, the value and the fix, like `validateEnvironment`.
 */
export function validateDelivery(
  delivery: DeliveryEnvironment,
  environments: readonly PlatformEnvironment[],
  file = DELIVERY_FILE,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const error = (path: string, value: unknown, problem: string, fix: string) =>
    problems.push({ severity: 'error', file, path, value, problem, fix });
  const warn = (path: string, value: unknown, problem: string, fix: string) =>
    problems.push({ severity: 'warning', file, path, value, problem, fix });

  if (!NAME.test(delivery.name)) {
    error(
      'name',
      delivery.name,
      'is not a short lowercase name',
      "use 2-40 lowercase letters, digits and single hyphens, such as 'delivery'",
    );
  }
  if (!ACCOUNT.test(delivery.account)) {
    error('account', delivery.account, 'is not a 12-digit AWS account id', 'copy the id of the tooling account');
  }
  if (!AWS_REGION.test(delivery.region)) {
    error('region', delivery.region, 'is not an AWS region', "use a region code such as 'eu-west-1'");
  }
  const arn = CODE_CONNECTION_ARN.exec(delivery.codeConnectionArn);
  if (!arn) {
    error(
      'codeConnectionArn',
      delivery.codeConnectionArn,
      'is not a CodeConnections connection ARN',
      'copy the ARN from Developer Tools > Settings > Connections in the tooling account',
    );
  } else if (arn[1] !== delivery.region || arn[2] !== delivery.account) {
    // A connection can only be used by pipelines in its own account and region.
    error(
      'codeConnectionArn',
      delivery.codeConnectionArn,
      `belongs to ${arn[2]} in ${arn[1]}, not to the tooling account ${delivery.account} in ${delivery.region}`,
      'create the connection in the tooling account and region and use its ARN',
    );
  }
  if (!REPOSITORY.test(delivery.repository)) {
    error('repository', delivery.repository, "is not 'owner/name'", "write it as 'my-org/mlops-platform'");
  }
  if (!GIT_BRANCH.test(delivery.branch)) {
    error('branch', delivery.branch, 'is not a valid branch name', "use a branch such as 'main'");
  }
  if (delivery.notificationEmails.length === 0) {
    error(
      'notificationEmails',
      delivery.notificationEmails,
      'is empty, so nobody hears of failed runs',
      'list at least one address',
    );
  }
  delivery.notificationEmails.forEach((email, i) => {
    if (!EMAIL.test(email)) {
      error(`notificationEmails[${i}]`, email, 'is not an e-mail address', "write it as 'team@example.com'");
    }
  });

  const order = delivery.promotionOrder;
  if (order.length === 0) {
    error(
      'promotionOrder',
      order,
      'is empty, so the pipeline deploys nothing',
      "list the environments to deploy, such as ['staging', 'production']",
    );
  }
  const seen = new Set<string>();
  const promoted: AwsEnvironment[] = [];
  order.forEach((name, i) => {
    const path = `promotionOrder[${i}]`;
    if (seen.has(name)) {
      error(path, name, 'is listed twice', 'list each environment once');
      return;
    }
    seen.add(name);
    const env = environments.find((e) => e.name === name);
    if (!env) {
      error(
        path,
        name,
        'is not an environment in environments/index.ts',
        `use one of ${environments.map((e) => `'${e.name}'`).join(', ')}`,
      );
      return;
    }
    if (!isAwsEnvironment(env)) {
      error(
        path,
        name,
        `targets ${env.target.cloud}, not AWS`,
        'promote only AWS environments here; Azure has its own workflow',
      );
      return;
    }
    if (env.target.account === delivery.account) {
      warn(
        path,
        name,
        'deploys into the tooling account, so pipeline and workload share one blast radius',
        'give the tooling account its own AWS account',
      );
    }
    promoted.push(env);
  });
  const firstProduction = promoted.findIndex((env) => env.stage === 'production');
  promoted.forEach((env, i) => {
    if (env.stage === 'staging' && firstProduction !== -1 && i > firstProduction) {
      error(
        `promotionOrder[${order.indexOf(env.name)}]`,
        env.name,
        'is a staging environment listed after a production one, so production would deploy first',
        'list every staging environment before the production ones',
      );
    }
  });
  if (promoted.length > 0 && promoted[0]?.stage !== 'staging') {
    error(
      'promotionOrder[0]',
      order[0],
      'is not a staging environment, so changes reach production untested',
      'list a staging environment first',
    );
  }
  return problems;
}

/** The promoted AWS environments in order; call after `validateDelivery` reported no errors. */
export function promotedEnvironments(
  delivery: DeliveryEnvironment,
  environments: readonly PlatformEnvironment[],
): AwsEnvironment[] {
  return delivery.promotionOrder.map((name) => {
    const env = environments.find((e) => e.name === name);
    if (!env || !isAwsEnvironment(env)) throw new Error(`${name} is not an AWS environment`);
    return env;
  });
}
