#!/usr/bin/env node
/**
 * CDK app: one Stage per AWS environment in environments/index.ts.
 *
 *   npx cdk synth                    every AWS environment
 *   npx cdk deploy 'Staging/*'       one environment, all of its stacks
 */
import { App } from 'aws-cdk-lib';
import { environments } from '../environments';
import { buildAwsApp } from '../lib/aws/app';
import { assertValidEnvironments, ConfigError } from '../lib/config';

// Every environment of both clouds is checked first, so one run reports every problem; warnings
// surface as annotations on the stages.
try {
  assertValidEnvironments(environments);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = new App();
buildAwsApp(app, environments);
app.synth();
