#!/usr/bin/env node
/**
 * CDK for Terraform app: one stack per Azure environment in environments/index.ts.
 *
 *   npx cdktf synth                                  writes cdktf.out/stacks/<env>/cdk.tf.json
 *   MLOPS_TF_STATE=local npx cdktf synth             the same with local state, for a trial plan
 */
import './no-source-maps';
import { App } from 'cdktf';
import { buildAzureApp } from '../lib/azure/app';
import { buildGithubDelivery } from '../lib/azure/pipeline';
import { checkedConfiguration } from './configuration';

// Every environment of both clouds is checked first, so one run reports every problem; warnings
// surface as annotations on the stacks.
const { environments } = checkedConfiguration();
// No construct stack traces in the metadata: they cost a source-map lookup per construct (tsx maps
// every frame) and name paths of this machine, and nothing reads them.
const app = new App({ stackTraces: false });
const localState = process.env.MLOPS_TF_STATE === 'local';
buildAzureApp(app, environments, { localState });
// GitHub environments, reviewers and variables of the delivery workflows (docs/delivery-github.md).
buildGithubDelivery(app, environments, { localState });
app.synth();
