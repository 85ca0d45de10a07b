import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { initialRelease, liveSlot, parseRelease, renderServing, rolloutSteps } from '../../lib/azure/release';
import { type AzureEnvironment, NO_IMAGE, POOL_LABEL } from '../../lib/config';
import {
  COLLECTOR_NAME,
  collectorEndpoint,
  GPU_METRICS_NAMESPACE,
  type KubernetesObject,
  OTLP_ENDPOINT_VARIABLE,
} from '../../lib/kubernetes';
import { fixtures } from '../util';

const env = fixtures.azureStaging;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const agent = `agents/model-agent@${digest('a')}`;
const values = {
  servingIdentityClientId: '00000000-0000-0000-0000-0000000000c1',
  appConfigurationEndpoint: 'https://appcs.azconfig.io',
  clusterId: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
  eventsEndpoint: 'https://topic.westeurope-1.eventgrid.azure.net/api/events',
  loadBalancerAddress: '10.40.63.254',
  gatewayCidr: '10.40.192.32/27',
};

describe('release state and rendered manifests', () => {
  it('starts with every slot empty and only the shared objects rendered', () => {
    const release = initialRelease(env, agent);
    expect(release.models.churn).toEqual({
      'blue-image': NO_IMAGE,
      'green-image': NO_IMAGE,
      'green-weight': 0,
      candidate: 'green',
    });
    const files = renderServing(env, release, values);
    expect(Object.keys(files).sort()).toEqual(['manifests/shared.yaml', 'release.json']);
    const kinds = parseAllDocuments(files['manifests/shared.yaml'] ?? '').map(
      (d) => (d.toJSON() as { kind: string }).kind,
    );
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'ServiceAccount', 'AzureAppConfigurationProvider']));
  });

  it('renders a slot with an image on the reserved address and the slot port, and the live slot’s jobs', () => {
    const release = {
      agentImage: agent,
      models: {
        ...initialRelease(env, agent).models,
        churn: {
          'blue-image': `1.0.0@${digest('b')}`,
          'green-image': NO_IMAGE,
          'green-weight': 0,
          candidate: 'green' as const,
        },
      },
    };
    const files = renderServing(env, parseRelease(JSON.stringify(release), env), values);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(['manifests/churn-blue.yaml', 'manifests/churn-jobs.yaml']),
    );
    expect(files['manifests/churn-green.yaml']).toBeUndefined();
    const service = parseAllDocuments(files['manifests/churn-blue.yaml'] ?? '')
      .map(
        (d) =>
          d.toJSON() as {
            kind: string;
            metadata: { annotations?: Record<string, string> };
            spec: { ports: Array<{ port: number }> };
          },
      )
      .find((o) => o.kind === 'Service');
    expect(JSON.stringify(service)).toContain(values.loadBalancerAddress);
    expect(service?.spec.ports[0]?.port).toBe(9000);
    expect(parse(files['release.json'] ?? '')).toEqual(release);
    expect(liveSlot(release.models.churn)).toBe('blue');
  });

  it('throws when release.json names an unknown model, a tag without digest or a weight out of range', () => {
    const bad = {
      agentImage: agent,
      models: {
        ...initialRelease(env, agent).models,
        churn: { 'blue-image': '1.0.0', 'green-image': NO_IMAGE, 'green-weight': 150, candidate: 'green' },
        ghost: initialRelease(env, agent).models.churn,
      },
    };
    expect(() => parseRelease(JSON.stringify(bad), env)).toThrow(
      /blue-image is '1.0.0'[\s\S]*green-weight is 150[\s\S]*ghost/,
    );
  });

  it('steps a canary through its weights to all traffic, and moves blue/green at once', () => {
    expect(rolloutSteps({ strategy: 'canary', steps: [{ weightPercent: 25, bakeMinutes: 5 }] })).toEqual([
      { weightPercent: 25, bakeMinutes: 5 },
      { weightPercent: 100, bakeMinutes: 5 },
    ]);
    expect(rolloutSteps({ strategy: 'blue-green', bakeMinutes: 10 })).toEqual([
      { weightPercent: 100, bakeMinutes: 10 },
    ]);
  });
});

describe('in-cluster telemetry, per Azure environment', () => {
  const telemetry = {
    collectorImage: `cr.azurecr.io/otel/opentelemetry-collector-contrib:0.160.0@${digest('c')}`,
    dcgmExporterImage: `cr.azurecr.io/nvidia/k8s/dcgm-exporter:4.2.3-4.1.3-ubuntu22.04@${digest('d')}`,
  };
  const connection =
    'InstrumentationKey=0f4e2a7c-1b3d-4e5f-9a8b-7c6d5e4f3a2b;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';
  const objects = (text = '') => parseAllDocuments(text).map((d) => d.toJSON() as KubernetesObject);
  const azure: AzureEnvironment[] = [fixtures.azureStaging, fixtures.azureProduction, fixtures.azureHybrid];

  describe.each(azure.map((e) => [e.name, e] as const))('%s', (_name, environment) => {
    // Every model live on blue, so every slot file and jobs file is rendered.
    const base = initialRelease(environment, agent, telemetry);
    const release = {
      ...base,
      models: Object.fromEntries(
        Object.keys(base.models).map((m) => [
          m,
          {
            'blue-image': `1.0.0@${digest('b')}`,
            'green-image': NO_IMAGE,
            'green-weight': 0,
            candidate: 'green' as const,
          },
        ]),
      ),
    };
    const files = renderServing(environment, parseRelease(JSON.stringify(release), environment), {
      ...values,
      applicationInsightsConnectionString: connection,
    });
    const rendered = Object.entries(files)
      .filter(([path]) => path.endsWith('.yaml'))
      .flatMap(([, text]) => objects(text));

    // Schema validity of the same objects, per environment: test/kubernetes/workload.test.ts
    // (kept there so that this file does not load the Kubernetes schemas a second time).
    it('renders the collector and DCGM exporter in telemetry.yaml, with the connection string', () => {
      const kinds = objects(files['manifests/telemetry.yaml']).map((o) => `${o.kind}/${o.metadata.name}`);
      expect(kinds).toEqual(expect.arrayContaining([`Deployment/${COLLECTOR_NAME}`, `ConfigMap/${COLLECTOR_NAME}`]));
      expect(JSON.stringify(objects(files['manifests/telemetry.yaml']))).toContain(connection);
    });

    it('runs the DCGM exporter on the GPU pools only', () => {
      const daemon = rendered.find((o) => o.kind === 'DaemonSet') as
        | (KubernetesObject & { spec: { template: { spec: { affinity: unknown } } } })
        | undefined;
      const pools = environment.kubernetes.gpuPools.map((pool) => pool.name);
      if (pools.length === 0) {
        expect(daemon).toBeUndefined();
        return;
      }
      expect(daemon?.metadata.namespace).toBe(GPU_METRICS_NAMESPACE);
      expect(daemon?.spec.template.spec.affinity).toEqual({
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: pools }] }],
          },
        },
      });
      expect(rendered.some((o) => o.kind === 'PodMonitor' && o.apiVersion === 'azmonitoring.coreos.com/v1')).toBe(true);
    });

    it('sets the collector endpoint on every serve agent', () => {
      const deployments = rendered.filter(
        (o) => o.kind === 'Deployment' && o.metadata.name !== COLLECTOR_NAME,
      ) as Array<
        KubernetesObject & {
          spec: {
            template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } };
          };
        }
      >;
      expect(deployments).toHaveLength(Object.keys(base.models).length);
      for (const deployment of deployments) {
        const agentContainer = deployment.spec.template.spec.containers.find((c) => c.name === 'agent');
        expect(agentContainer?.env).toContainEqual({
          name: OTLP_ENDPOINT_VARIABLE,
          value: collectorEndpoint('model-serving'),
        });
      }
    });
  });

  it('renders no telemetry for a release without it, as before', () => {
    const files = renderServing(env, initialRelease(env, agent), values);
    expect(files['manifests/telemetry.yaml']).toBeUndefined();
  });

  it('throws when a release has telemetry but no connection string was given', () => {
    expect(() => renderServing(env, initialRelease(env, agent, telemetry), values)).toThrow(
      /has telemetry, but no Application Insights connection string was given: pass the ConnectionString of appi-mlops-az-staging/,
    );
  });

  it('throws when release.json has telemetry images without a digest', () => {
    const bad = {
      ...initialRelease(env, agent),
      telemetry: { collectorImage: 'otel/collector:latest', dcgmExporterImage: 7 },
    };
    expect(() => parseRelease(JSON.stringify(bad), env)).toThrow(
      /telemetry\.collectorImage is 'otel\/collector:latest', must be an image pinned by digest[\s\S]*telemetry\.dcgmExporterImage is '7'/,
    );
  });
});
