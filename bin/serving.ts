#!/usr/bin/env node
/**
 * Renders the serving manifests of an Azure environment from its release state, into a folder
 * that the release workflow uploads to the environment's serving container (Flux applies it).
 *
 *   npx tsx bin/serving.ts render --environment az-staging --release release.json --out dist/serving \
 *     --serving-client-id <id> --app-configuration-endpoint https://... --cluster-id /subscriptions/... \
 *     --events-endpoint https://... --load-balancer-address 10.40.63.254 --gateway-cidr 10.40.192.32/27 \
 *     [--traces-connection-string 'InstrumentationKey=...;IngestionEndpoint=https://...']
 *   npx tsx bin/serving.ts rollout --environment az-staging --model churn    traffic steps, one a line
 *   npx tsx bin/serving.ts init --environment az-staging --agent-image <repo>@sha256:... \
 *     [--collector-image <repo>:<tag>@sha256:... --dcgm-exporter-image <repo>:<tag>@sha256:...] > release.json
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { initialRelease, parseRelease, renderServing, rolloutSteps } from '../lib/azure/release';
import { isAzureEnvironment } from '../lib/config';
import { checkedConfiguration } from './configuration';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    environment: { type: 'string' },
    release: { type: 'string' },
    out: { type: 'string' },
    'agent-image': { type: 'string' },
    'serving-client-id': { type: 'string' },
    'app-configuration-endpoint': { type: 'string' },
    'cluster-id': { type: 'string' },
    'events-endpoint': { type: 'string' },
    'load-balancer-address': { type: 'string' },
    'gateway-cidr': { type: 'string' },
    'traces-connection-string': { type: 'string' },
    'collector-image': { type: 'string' },
    'dcgm-exporter-image': { type: 'string' },
    model: { type: 'string' },
  },
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new Error(`--${name} is required`);
  return value;
}

const { environments } = checkedConfiguration();
const env = environments.find((e) => e.name === required('environment'));
if (!env || !isAzureEnvironment(env)) throw new Error(`${values.environment} is not an Azure environment`);

if (positionals[0] === 'init') {
  const telemetry =
    values['collector-image'] || values['dcgm-exporter-image']
      ? { collectorImage: required('collector-image'), dcgmExporterImage: required('dcgm-exporter-image') }
      : undefined;
  process.stdout.write(`${JSON.stringify(initialRelease(env, required('agent-image'), telemetry), null, 2)}\n`);
} else if (positionals[0] === 'render') {
  const release = parseRelease(readFileSync(required('release'), 'utf8'), env);
  const files = renderServing(env, release, {
    servingIdentityClientId: required('serving-client-id'),
    appConfigurationEndpoint: required('app-configuration-endpoint'),
    clusterId: required('cluster-id'),
    eventsEndpoint: required('events-endpoint'),
    loadBalancerAddress: required('load-balancer-address'),
    gatewayCidr: required('gateway-cidr'),
    ...(values['traces-connection-string']
      ? { applicationInsightsConnectionString: values['traces-connection-string'] }
      : {}),
  });
  const out = required('out');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), text);
  }
  process.stdout.write(`${Object.keys(files).length} files written to ${out}\n`);
} else if (positionals[0] === 'rollout') {
  // The traffic steps of a model's rollout policy: "<percent on the new version> <bake minutes>".
  const model = env.serving?.models.find((m) => m.name === required('model'));
  if (!model) throw new Error(`${values.model} is not a model of ${env.name}`);
  process.stdout.write(
    `${rolloutSteps(model.rollout)
      .map((s) => `${s.weightPercent} ${s.bakeMinutes}`)
      .join('\n')}\n`,
  );
} else {
  throw new Error('usage: bin/serving.ts init|render --environment <name> ...');
}
