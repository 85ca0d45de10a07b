#!/usr/bin/env node
/**
 * CDK app: one Stage per AWS environment in environments/index.ts.
 *
 *   npx cdk synth                    every AWS environment
 *   npx cdk deploy 'Staging/*'       one environment, all of its stacks
 *   npx cdk deploy Delivery          the delivery pipeline (tooling account), once; it then
 *                                    updates itself and promotes staging → production
 */
import { App } from 'aws-cdk-lib';
import { environments } from '../environments';
import { delivery } from '../environments/delivery';
import { buildAwsApp } from '../lib/aws/app';
import { assertValidEnvironments, ConfigError, validateDelivery } from '../lib/config';

// Every environment of both clouds is checked first, so one run reports every problem; warnings
// surface as annotations on the stages.
try {
  assertValidEnvironments(environments);
  const errors = validateDelivery(delivery, environments).filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ConfigError(errors);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = new App();
buildAwsApp(app, environments, delivery);
app.synth();
