#!/usr/bin/env node
/**
 * CDK for Terraform app: one stack per Azure environment in environments/index.ts.
 *
 *   npx cdktf synth                                  writes cdktf.out/stacks/<env>/cdk.tf.json
 *   MLOPS_TF_STATE=local npx cdktf synth             the same with local state, for a trial plan
 */
import { App } from 'cdktf';
import { environments } from '../environments';
import { buildAzureApp } from '../lib/azure/app';
import { buildGithubDelivery } from '../lib/azure/pipeline';
import { assertValidEnvironments, ConfigError } from '../lib/config';

// Every environment of both clouds is checked first, so one run reports every problem; warnings
// surface as annotations on the stacks.
try {
  assertValidEnvironments(environments);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const app = new App();
buildAzureApp(app, environments, { localState: process.env.MLOPS_TF_STATE === 'local' });
// GitHub environments, reviewers and variables of the delivery workflows (docs/delivery-github.md).
buildGithubDelivery(app, environments, { localState: process.env.MLOPS_TF_STATE === 'local' });
app.synth();
