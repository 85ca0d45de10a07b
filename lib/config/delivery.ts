import { type AwsEnvironment, isAwsEnvironment, type PlatformEnvironment } from './types';

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
