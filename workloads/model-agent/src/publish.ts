/**
 * Where batch and drift runs report: metrics to CloudWatch or Azure Monitor custom metrics, and
 * the "drift detected" event to EventBridge or Event Grid. Publishers take their clients and
 * credentials as arguments so that tests can record what would be sent.
 */
import { CloudWatchClient, PutMetricDataCommand, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { TokenCredential } from '@azure/identity';
import type { EventTarget, MetricsTarget } from '../../../lib/config/agent';
import type { FetchFn } from './model';
import { excerpt, HttpStatusError, isRetryable, retry } from './util';

export type MetricUnit = 'Count' | 'Seconds' | 'Percent' | 'None';

export interface MetricDatum {
  readonly name: string;
  readonly value: number;
  readonly unit: MetricUnit;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface MetricsPublisher {
  publish(data: readonly MetricDatum[], time: Date): Promise<void>;
}

/**
 * PutMetricData takes up to 1,000 metrics per call (and 1 MB):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html
 */
const CLOUDWATCH_BATCH = 1000;

export class CloudWatchPublisher implements MetricsPublisher {
  constructor(
    private readonly client: { send(command: PutMetricDataCommand): Promise<unknown> },
    private readonly namespace: string,
  ) {}

  async publish(data: readonly MetricDatum[], time: Date): Promise<void> {
    for (let i = 0; i < data.length; i += CLOUDWATCH_BATCH) {
      await this.client.send(
        new PutMetricDataCommand({
          Namespace: this.namespace,
          MetricData: data.slice(i, i + CLOUDWATCH_BATCH).map((datum) => ({
            MetricName: datum.name,
            Value: datum.value,
            Unit: datum.unit as StandardUnit,
            Timestamp: time,
            Dimensions: Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value })),
          })),
        }),
      );
    }
  }
}

/** Audience of Azure Monitor custom metrics tokens (the trailing slash matters). */
export const AZURE_MONITOR_SCOPE = 'https://monitoring.azure.com/.default';

/**
 * Azure Monitor custom metrics of a resource, through the regional ingestion endpoint: one POST
 * per metric, every dimension combination a series. The identity needs the Monitoring Metrics
 * Publisher role on the resource. Azure Monitor keeps up to 10 dimensions per metric and takes
 * timestamps up to 20 minutes old:
 * https://learn.microsoft.com/azure/azure-monitor/essentials/metrics-store-custom-rest-api
 */
export class AzureMonitorPublisher implements MetricsPublisher {
  constructor(
    private readonly target: Extract<MetricsTarget, { kind: 'azure-monitor' }>,
    private readonly credential: TokenCredential,
    private readonly fetchFn: FetchFn = fetch,
    private readonly retryDelayMs = 1_000,
  ) {}

  async publish(data: readonly MetricDatum[], time: Date): Promise<void> {
    const url = `https://${this.target.region}.monitoring.azure.com${this.target.resourceId}/metrics`;
    const groups = new Map<string, { name: string; dimNames: string[]; data: MetricDatum[] }>();
    for (const datum of data) {
      const dimNames = Object.keys(datum.dimensions).sort();
      const key = `${datum.name}|${dimNames.join(',')}`;
      const group = groups.get(key) ?? { name: datum.name, dimNames, data: [] };
      group.data.push(datum);
      groups.set(key, group);
    }
    for (const group of groups.values()) {
      const body = JSON.stringify({
        time: time.toISOString(),
        data: {
          baseData: {
            metric: group.name,
            namespace: this.target.namespace,
            dimNames: group.dimNames,
            series: group.data.map((datum) => ({
              dimValues: group.dimNames.map((name) => datum.dimensions[name] as string),
              min: datum.value,
              max: datum.value,
              sum: datum.value,
              count: 1,
            })),
          },
        },
      });
      await retry(
        async () => {
          const token = await this.credential.getToken(AZURE_MONITOR_SCOPE);
          if (!token) throw new Error(`no token for ${AZURE_MONITOR_SCOPE}`);
          const response = await this.fetchFn(url, {
            method: 'POST',
            headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(30_000),
          });
          const text = await response.text();
          if (!response.ok) {
            throw new HttpStatusError(
              response.status,
              `Azure Monitor refused ${group.name}: ${response.status} ${excerpt(text)}`,
            );
          }
        },
        { attempts: 3, delayMs: this.retryDelayMs, retryable: isRetryable },
      );
    }
  }
}

/** The detail-type (EventBridge) and type (Event Grid) of the drift event. */
export const DRIFT_DETAIL_TYPE = 'Model Drift Detected';
export const DRIFT_CLOUDEVENT_TYPE = 'mlops.model.drift.detected';

export interface PlatformEvent {
  /** What the event is about: `<model>/<version>`. */
  readonly subject: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly time: Date;
}

export interface EventPublisher {
  publish(event: PlatformEvent): Promise<void>;
}

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: {
      send(
        command: PutEventsCommand,
      ): Promise<{ FailedEntryCount?: number; Entries?: { ErrorCode?: string; ErrorMessage?: string }[] }>;
    },
    private readonly busName: string,
    private readonly source: string,
  ) {}

  async publish(event: PlatformEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: this.source,
            DetailType: DRIFT_DETAIL_TYPE,
            Detail: JSON.stringify(event.detail),
            Time: event.time,
          },
        ],
      }),
    );
    if (result.FailedEntryCount) {
      const entry = result.Entries?.[0];
      throw new Error(
        `EventBridge refused the event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}

/** Audience of Event Grid data-plane tokens; the identity needs EventGrid Data Sender on the topic. */
export const EVENT_GRID_SCOPE = 'https://eventgrid.azure.net/.default';

/**
 * A custom topic with the CloudEvents 1.0 input schema: one event per POST, structured mode.
 * https://learn.microsoft.com/azure/event-grid/cloud-event-schema
 */
export class EventGridPublisher implements EventPublisher {
  constructor(
    private readonly endpoint: string,
    private readonly source: string,
    private readonly credential: TokenCredential,
    private readonly fetchFn: FetchFn = fetch,
    private readonly retryDelayMs = 1_000,
  ) {}

  async publish(event: PlatformEvent): Promise<void> {
    const body = JSON.stringify({
      specversion: '1.0',
      type: DRIFT_CLOUDEVENT_TYPE,
      source: this.source,
      id: crypto.randomUUID(),
      time: event.time.toISOString(),
      subject: event.subject,
      datacontenttype: 'application/json',
      data: event.detail,
    });
    await retry(
      async () => {
        const token = await this.credential.getToken(EVENT_GRID_SCOPE);
        if (!token) throw new Error(`no token for ${EVENT_GRID_SCOPE}`);
        const response = await this.fetchFn(this.endpoint, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token.token}`,
            'content-type': 'application/cloudevents+json; charset=utf-8',
          },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (!response.ok) {
          throw new HttpStatusError(
            response.status,
            `Event Grid refused the event: ${response.status} ${excerpt(text)}`,
          );
        }
      },
      { attempts: 3, delayMs: this.retryDelayMs, retryable: isRetryable },
    );
  }
}

export interface PublisherClients {
  readonly azureCredential?: () => TokenCredential;
}

export function metricsPublisher(target: MetricsTarget, clients: PublisherClients): MetricsPublisher {
  if (target.kind === 'cloudwatch') {
    return new CloudWatchPublisher(new CloudWatchClient({ region: target.region }), target.namespace);
  }
  if (!clients.azureCredential) throw new Error('no Azure credential for Azure Monitor metrics');
  return new AzureMonitorPublisher(target, clients.azureCredential());
}

/** `source` of Event Grid events (EventBridge takes its source from the settings). */
export function eventGridSource(environment: string): string {
  return `/mlops/${environment}/drift`;
}

export function eventPublisher(target: EventTarget, environment: string, clients: PublisherClients): EventPublisher {
  if (target.kind === 'eventbridge') {
    return new EventBridgePublisher(new EventBridgeClient({ region: target.region }), target.busName, target.source);
  }
  if (!clients.azureCredential) throw new Error('no Azure credential for Event Grid');
  return new EventGridPublisher(target.endpoint, eventGridSource(environment), clients.azureCredential());
}
