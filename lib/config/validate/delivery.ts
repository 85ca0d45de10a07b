/**
 * The `delivery` section of an environment (the repository, branch and approvers of its
 * promotions), and the delivery file of the AWS tooling account (environments/delivery.ts).
 */
import { DELIVERY_FILE, type DeliveryEnvironment } from '../delivery';
import { AWS_REGIONS, awsRegion } from '../regions';
import { type AwsEnvironment, isAwsEnvironment, type PlatformEnvironment } from '../types';
import { Checker, PATTERNS } from './checker';
import type { ConfigProblem } from './problems';
import { DELIVERY_SHAPE } from './schema';
import { checkShape, closest } from './shape';

export function checkDelivery(c: Checker, env: PlatformEnvironment): void {
  const d = env.delivery;
  if (!PATTERNS.repository.test(d.repository)) {
    c.error('delivery.repository', d.repository, "is not 'owner/name'", "write it as 'my-org/mlops-platform'");
  }
  if (!PATTERNS.gitBranch.test(d.branch)) {
    c.error('delivery.branch', d.branch, 'is not a valid branch name', "use a branch such as 'main'");
  }
  if (env.stage === 'production' && d.approvers.length === 0) {
    c.error(
      'delivery.approvers',
      d.approvers,
      'is empty in production, so nobody can approve a promotion',
      'name at least one approver',
    );
  }
  if (d.codeConnectionArn !== undefined && !PATTERNS.codeConnectionArn.test(d.codeConnectionArn)) {
    c.error(
      'delivery.codeConnectionArn',
      d.codeConnectionArn,
      'is not a CodeConnections connection ARN',
      'copy the ARN from Developer Tools > Settings > Connections',
    );
  }
}

/**
 * Every problem of the delivery environment, checked against the platform environments it
 * promotes. Messages name the file, the field, the value and the fix, like `validateEnvironment`.
 */
export function validateDelivery(
  delivery: DeliveryEnvironment,
  environments: readonly PlatformEnvironment[],
  file = DELIVERY_FILE,
): ConfigProblem[] {
  const key = delivery !== null && typeof delivery === 'object' ? delivery : undefined;
  const cached = key && deliveryResults.get(key)?.get(environments);
  if (cached) return [...cached];
  const problems = checkDeliveryFile(delivery, environments, file);
  if (key) {
    const byList = deliveryResults.get(key) ?? new WeakMap<readonly PlatformEnvironment[], readonly ConfigProblem[]>();
    byList.set(environments, problems);
    deliveryResults.set(key, byList);
  }
  return [...problems];
}

/** Results by delivery object and environment list: bin/ and the app ask, validation runs once. */
const deliveryResults = new WeakMap<object, WeakMap<readonly PlatformEnvironment[], readonly ConfigProblem[]>>();

function checkDeliveryFile(
  delivery: DeliveryEnvironment,
  environments: readonly PlatformEnvironment[],
  file: string,
): ConfigProblem[] {
  const c = new Checker(file);
  if (!checkShape(c, '', delivery, DELIVERY_SHAPE)) return c.problems;
  const error = c.error.bind(c);
  const warn = c.warn.bind(c);

  if (!PATTERNS.name.test(delivery.name)) {
    error(
      'name',
      delivery.name,
      'is not a short lowercase name',
      "use 2-40 lowercase letters, digits and single hyphens, such as 'delivery'",
    );
  }
  if (!PATTERNS.awsAccount.test(delivery.account)) {
    error('account', delivery.account, 'is not a 12-digit AWS account id', 'copy the id of the tooling account');
  }
  if (!awsRegion(delivery.region)) {
    const guess = closest(delivery.region, Object.keys(AWS_REGIONS));
    error(
      'region',
      delivery.region,
      'is not an AWS region in the regions table (lib/config/regions.ts)',
      guess ? `did you mean '${guess}'?` : "use a region code such as 'eu-west-1'",
    );
  }
  const arn = PATTERNS.codeConnectionArn.exec(delivery.codeConnectionArn);
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
  if (!PATTERNS.repository.test(delivery.repository)) {
    error('repository', delivery.repository, "is not 'owner/name'", "write it as 'my-org/mlops-platform'");
  }
  if (!PATTERNS.gitBranch.test(delivery.branch)) {
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
    if (!PATTERNS.email.test(email)) {
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
  return c.problems;
}
