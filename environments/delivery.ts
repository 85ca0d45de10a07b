import type { DeliveryEnvironment } from '../lib/config';

/**
 * AWS delivery ("tooling") account: hosts the platform pipeline and the model delivery pipeline,
 * which deploy into the accounts of the promoted environments. It is not a platform environment
 * and is not listed in index.ts.
 *
 * Replace `account` with your tooling account id and `codeConnectionArn` with the ARN of the
 * connection you create there (docs/delivery-aws.md, "Register the connection").
 */
export const delivery: DeliveryEnvironment = {
  name: 'delivery',
  account: '444444444444',
  region: 'eu-west-1',
  codeConnectionArn: 'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000',
  repository: 'example-org/mlops-platform',
  branch: 'main',
  promotionOrder: ['staging', 'production'],
  notificationEmails: ['mlops-oncall@example.com'],
};
