import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  AZURE_MONITOR_SCOPE,
  AzureMonitorPublisher,
  CloudWatchPublisher,
  EVENT_GRID_SCOPE,
  EventBridgePublisher,
  EventGridPublisher,
  eventGridSource,
  type MetricDatum,
} from '../../workloads/model-agent/src/publish';

const time = new Date('2025-03-10T12:30:00Z');
const dims = { Environment: 'staging', Model: 'churn', Version: '1.4.0' };

/** A credential that hands out a fixed token and remembers the scopes asked for. */
function credential(scopes: string[]): TokenCredential {
  return {
    getToken: async (scope: string | string[]): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token: 'token-1', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that answers from a list of statuses and records the calls. */
function fakeFetch(statuses: number[], calls: Call[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const status = statuses.shift() ?? 200;
    return new Response(status === 200 ? '' : 'throttled', { status });
  }) as typeof fetch;
}

describe('metrics: CloudWatch', () => {
  it('sends PutMetricData in calls of at most 1,000 data, with units, dimensions and the time', async () => {
    const sent: PutMetricDataCommand[] = [];
    const publisher = new CloudWatchPublisher({ send: async (command) => void sent.push(command) }, 'MLOps/Serving');
    const data: MetricDatum[] = Array.from({ length: 1_500 }, (_, i) => ({
      name: 'FeaturePSI',
      value: i,
      unit: 'None',
      dimensions: { ...dims, Feature: `f${i}` },
    }));

    await publisher.publish(data, time);

    expect(sent.map((command) => command.input.MetricData?.length)).toEqual([1_000, 500]);
    expect(sent[0]?.input.Namespace).toBe('MLOps/Serving');
    expect(sent[0]?.input.MetricData?.[0]).toEqual({
      MetricName: 'FeaturePSI',
      Value: 0,
      Unit: 'None',
      Timestamp: time,
      Dimensions: [
        { Name: 'Environment', Value: 'staging' },
        { Name: 'Model', Value: 'churn' },
        { Name: 'Version', Value: '1.4.0' },
        { Name: 'Feature', Value: 'f0' },
      ],
    });
  });
});

describe('metrics: Azure Monitor custom metrics', () => {
  const target = {
    kind: 'azure-monitor',
    resourceId: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks',
    region: 'westeurope',
    namespace: 'mlops/serving',
  } as const;

  it('posts one document per metric to the regional endpoint, every dimension combination a series', async () => {
    const calls: Call[] = [];
    const scopes: string[] = [];
    const publisher = new AzureMonitorPublisher(target, credential(scopes), fakeFetch([], calls), 1);

    await publisher.publish(
      [
        { name: 'FeaturePSI', value: 0.1, unit: 'None', dimensions: { ...dims, Feature: 'age' } },
        { name: 'FeaturePSI', value: 0.3, unit: 'None', dimensions: { ...dims, Feature: 'plan' } },
        { name: 'CapturedRecords', value: 900, unit: 'Count', dimensions: dims },
      ],
      time,
    );

    expect(calls.map((call) => call.url)).toEqual([
      `https://westeurope.monitoring.azure.com${target.resourceId}/metrics`,
      `https://westeurope.monitoring.azure.com${target.resourceId}/metrics`,
    ]);
    expect(scopes).toEqual([AZURE_MONITOR_SCOPE, AZURE_MONITOR_SCOPE]);
    expect(calls[0]?.init.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({
      time: '2025-03-10T12:30:00.000Z',
      data: {
        baseData: {
          metric: 'FeaturePSI',
          namespace: 'mlops/serving',
          dimNames: ['Environment', 'Feature', 'Model', 'Version'],
          series: [
            { dimValues: ['staging', 'age', 'churn', '1.4.0'], min: 0.1, max: 0.1, sum: 0.1, count: 1 },
            { dimValues: ['staging', 'plan', 'churn', '1.4.0'], min: 0.3, max: 0.3, sum: 0.3, count: 1 },
          ],
        },
      },
    });
    expect(JSON.parse(String(calls[1]?.init.body)).data.baseData.metric).toBe('CapturedRecords');
  });

  it('retries throttling and server errors, then succeeds', async () => {
    const calls: Call[] = [];
    const publisher = new AzureMonitorPublisher(target, credential([]), fakeFetch([429, 500], calls), 1);
    await publisher.publish([{ name: 'BatchRecords', value: 1, unit: 'Count', dimensions: dims }], time);
    expect(calls).toHaveLength(3);
  });

  it('throws when Azure Monitor refuses the data (no retry of a 403)', async () => {
    const calls: Call[] = [];
    const publisher = new AzureMonitorPublisher(target, credential([]), fakeFetch([403], calls), 1);
    await expect(
      publisher.publish([{ name: 'BatchRecords', value: 1, unit: 'Count', dimensions: dims }], time),
    ).rejects.toThrow('Azure Monitor refused BatchRecords: 403');
    expect(calls).toHaveLength(1);
  });
});

describe('events', () => {
  const detail = { model: 'churn', version: '1.4.0', reasons: ['feature-drift'] };

  it('EventBridge: one entry with the source, detail-type and detail', async () => {
    const sent: PutEventsCommand[] = [];
    const publisher = new EventBridgePublisher(
      {
        send: async (command) => {
          sent.push(command);
          return { FailedEntryCount: 0, Entries: [{}] };
        },
      },
      'mlops-production',
      'mlops.production',
    );
    await publisher.publish({ subject: 'churn/1.4.0', detail, time });
    expect(sent[0]?.input.Entries).toEqual([
      {
        EventBusName: 'mlops-production',
        Source: 'mlops.production',
        DetailType: 'Model Drift Detected',
        Detail: JSON.stringify(detail),
        Time: time,
      },
    ]);
  });

  it('EventBridge: throws when the entry failed', async () => {
    const publisher = new EventBridgePublisher(
      { send: async () => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDenied', ErrorMessage: 'no' }] }) },
      'bus',
      'src',
    );
    await expect(publisher.publish({ subject: 's', detail, time })).rejects.toThrow(
      'EventBridge refused the event: AccessDenied no',
    );
  });

  it('Event Grid: one CloudEvents 1.0 event in structured mode, with an Entra token', async () => {
    const calls: Call[] = [];
    const scopes: string[] = [];
    const endpoint = 'https://mlops-production.westeurope-1.eventgrid.azure.net/api/events';
    const publisher = new EventGridPublisher(
      endpoint,
      eventGridSource('production'),
      credential(scopes),
      fakeFetch([], calls),
      1,
    );

    await publisher.publish({ subject: 'churn/1.4.0', detail, time });

    expect(calls[0]?.url).toBe(endpoint);
    expect(scopes).toEqual([EVENT_GRID_SCOPE]);
    expect(calls[0]?.init.headers).toMatchObject({
      authorization: 'Bearer token-1',
      'content-type': 'application/cloudevents+json; charset=utf-8',
    });
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({
      specversion: '1.0',
      type: 'mlops.model.drift.detected',
      source: '/mlops/production/drift',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      time: '2025-03-10T12:30:00.000Z',
      subject: 'churn/1.4.0',
      datacontenttype: 'application/json',
      data: detail,
    });
  });
});
