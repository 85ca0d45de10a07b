import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { initialRelease, liveSlot, parseRelease, renderServing, rolloutSteps } from '../../lib/azure/release';
import { NO_IMAGE } from '../../lib/config';
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
