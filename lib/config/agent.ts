/**
 * The contract between the serving workload (lib/kubernetes) and the model agent
 * (workloads/model-agent): the agent's settings, and how they travel as container environment
 * variables. The workload builds the variables with `agentEnvironment`; the agent reads them back
 * with `readAgentSettings`. Both sides import this one module, so they cannot drift apart.
 *
 * The agent runs in three modes, one image:
 * - `serve`: beside each model container, in front of it (flags, shadow, capture, traces);
 * - `batch`: a batch inference run (a Job), calling a model container started beside it;
 * - `drift`: a drift and outlier run (a Job) over the captured requests;
 * - `events`: the cluster's Kubernetes events as JSON lines on stdout (EKS only: the log agent
 *   ships them with the container logs; AKS Container Insights collects them itself).
 */
import type { ModelProtocol } from './types';

export type AgentMode = 'serve' | 'batch' | 'drift' | 'events';

/** The modes, as `readAgentSettings` accepts them. */
export const AGENT_MODES: readonly AgentMode[] = ['serve', 'batch', 'drift', 'events'];

/** Where the agent reads the model's feature flags from. */
export type FlagSource =
  /** The AWS AppConfig agent sidecar's local endpoint (feature flag profile JSON). */
  | { readonly kind: 'appconfig'; readonly url: string }
  /** A file the Azure App Configuration provider keeps up to date (a mounted ConfigMap). */
  | { readonly kind: 'file'; readonly path: string };

/**
 * A data-zone location: `s3://<bucket>/<prefix>` on AWS,
 * `https://<account>.blob.core.windows.net/<container>/<prefix>` on Azure.
 */
export type StorageUri = string;

/** Where the agent sends metrics of batch and drift runs. */
export type MetricsTarget =
  | { readonly kind: 'cloudwatch'; readonly namespace: string; readonly region: string }
  /** Azure Monitor custom metrics of a resource (the AKS cluster), in a metric namespace. */
  | {
      readonly kind: 'azure-monitor';
      readonly resourceId: string;
      readonly region: string;
      readonly namespace: string;
    };

/** Where the drift job publishes its "drift detected" event. */
export type EventTarget =
  | { readonly kind: 'eventbridge'; readonly busName: string; readonly region: string; readonly source: string }
  | { readonly kind: 'eventgrid'; readonly endpoint: string };

export interface AgentCommon {
  readonly mode: AgentMode;
  readonly environment: string;
  readonly model: string;
  /** The model version (image tag) the pod runs, for capture partitions and metrics. */
  readonly version: string;
  readonly protocol: ModelProtocol;
  /** The model container, on localhost: `http://127.0.0.1:<containerPort>`. */
  readonly upstreamUrl: string;
  readonly readinessPath: string;
}

export interface ServeSettings extends AgentCommon {
  readonly mode: 'serve';
  readonly slot: 'blue' | 'green';
  /** Port the agent listens on (the Services' and load balancers' target). */
  readonly listenPort: number;
  readonly timeoutSeconds: number;
  readonly flags: FlagSource;
  /** The other slot's Service, for shadow traffic: `http://<model>-<slot>.<namespace>.svc:<port>`. */
  readonly peerUrl: string;
  /** Capture settings; absent when the model has no `capture`. */
  readonly capture?: {
    readonly uri: StorageUri;
    readonly samplePercent: number;
    readonly dropFields: readonly string[];
  };
}

export interface BatchSettings extends AgentCommon {
  readonly mode: 'batch';
  readonly job: string;
  readonly input: StorageUri;
  readonly output: StorageUri;
  readonly metrics: MetricsTarget;
}

export interface DriftSettings extends AgentCommon {
  readonly mode: 'drift';
  /** Where captured requests are read from (the same prefix the serving agents write to). */
  readonly capture: StorageUri;
  /** Where the training baselines of the model's versions are: `<models zone>/<model>/<version>/baseline.json`. */
  readonly baselines: StorageUri;
  readonly windowHours: number;
  readonly psiThreshold: number;
  readonly ksThreshold: number;
  readonly outlierZScore: number;
  readonly outlierRatePercent: number;
  readonly metrics: MetricsTarget;
  readonly events: EventTarget;
}

/**
 * The event logger: watches Kubernetes events cluster-wide through the API server with its own
 * service account and writes each as one JSON line. It serves no model, so it has none of the
 * common model fields.
 */
export interface EventsSettings {
  readonly mode: 'events';
  readonly environment: string;
  /** The API server as pods reach it: `https://kubernetes.default.svc`. */
  readonly apiServer: string;
}

/** A mode that runs beside (or for) one model. */
export type ModelAgentSettings = ServeSettings | BatchSettings | DriftSettings;

export type AgentSettings = ModelAgentSettings | EventsSettings;

/** The single environment variable that carries the settings, as JSON. */
export const AGENT_SETTINGS_VARIABLE = 'MLOPS_AGENT_SETTINGS';

/** The container environment of an agent with these settings. */
export function agentEnvironment(settings: AgentSettings): Record<string, string> {
  return { [AGENT_SETTINGS_VARIABLE]: JSON.stringify(settings) };
}

/** Reads the settings back; throws an error naming what is missing or malformed. */
export function readAgentSettings(env: Readonly<Record<string, string | undefined>>): AgentSettings {
  const text = env[AGENT_SETTINGS_VARIABLE];
  if (!text) throw new Error(`${AGENT_SETTINGS_VARIABLE} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${AGENT_SETTINGS_VARIABLE} is not JSON: ${(error as Error).message}`);
  }
  const mode = (parsed as { mode?: unknown }).mode;
  if (!AGENT_MODES.includes(mode as AgentMode)) {
    throw new Error(
      `${AGENT_SETTINGS_VARIABLE}.mode is ${JSON.stringify(mode)}, must be serve, batch, drift or events`,
    );
  }
  return parsed as AgentSettings;
}

/**
 * Feature flag keys of a model, the same on both clouds: `<model>_enabled`, `<model>_capture`,
 * `<model>_shadow` (model names have no underscores, so the keys cannot collide). The shadow
 * flag's percentage is an attribute (`percent`) on AppConfig and a percentage filter on App
 * Configuration.
 */
export function flagKey(model: string, flag: 'enabled' | 'capture' | 'shadow'): string {
  return `${model}_${flag}`;
}

/** Default health paths per protocol. */
export const PROTOCOL_PATHS: Readonly<
  Record<ModelProtocol, { readonly liveness: string; readonly readiness: string }>
> = {
  'kserve-v2': { liveness: '/v2/health/live', readiness: '/v2/health/ready' },
  openai: { liveness: '/health', readiness: '/v1/models' },
  http: { liveness: '/health', readiness: '/ready' },
};
