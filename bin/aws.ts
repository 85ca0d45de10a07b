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
const app = new App();
buildAwsApp(app, environments, delivery);
app.synth();
