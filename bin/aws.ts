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
import { buildAwsApp } from '../lib/aws/app';
import { checkedConfiguration } from './configuration';

// Every environment of both clouds is checked first, so one run reports every problem; warnings
// surface as annotations on the stages.
const { environments, delivery } = checkedConfiguration();
// CloudFormation Validate, the CDK's built-in check of every template against the CloudFormation
// resource schemas, costs more than the rest of the synthesis together: `npm test` runs it once on
// every environment's stage (test/util.ts, synthAws) and fails on any unacknowledged finding, and
// the delivery pipeline runs `npm test` before it synthesizes. Here it runs when asked:
// CDK_VALIDATION=true npx cdk synth.
const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION === 'true' });
buildAwsApp(app, environments, delivery);
app.synth();
