/**
 * The model agent: one program, four modes, chosen by the settings the workload passes in
 * `MLOPS_AGENT_SETTINGS` (lib/config/agent.ts).
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { type AgentSettings, readAgentSettings } from '../../../lib/config/agent';
import { runBatch } from './batch';
import { runDrift } from './drift/run';
import { runEvents } from './events';
import { jsonLogger, type Logger, type LogLevel } from './log';
import { eventPublisher, metricsPublisher } from './publish';
import { runServe } from './serve';
import { settingsProblems } from './settings';
import { openLocation } from './storage';
import { MODEL_AGENT_VERSION } from './version';

export interface AgentRuntime {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves with the signal's name when the process is asked to stop. */
  readonly stopSignal: Promise<string>;
  readonly log?: Logger;
}

/** Runs the mode the settings name; resolves with the process exit code. */
export async function runAgent(runtime: AgentRuntime): Promise<number> {
  const bootLog = runtime.log ?? jsonLogger({ fields: { agentVersion: MODEL_AGENT_VERSION } });
  let settings: AgentSettings;
  try {
    settings = readAgentSettings(runtime.env);
  } catch (error) {
    bootLog.error('invalid settings', { error: error instanceof Error ? error.message : String(error) });
    return 2;
  }
  const problems = settingsProblems(settings);
  if (problems.length > 0) {
    bootLog.error('invalid settings', { error: problems[0], problems });
    return 2;
  }
  const log = (runtime.log ?? jsonLogger({ level: logLevel(runtime.env.LOG_LEVEL) })).child({
    agentVersion: MODEL_AGENT_VERSION,
    mode: settings.mode,
    environment: settings.environment,
    ...(settings.mode === 'events' ? {} : { model: settings.model, version: settings.version }),
  });
  // One credential per process: it caches its tokens. Workload identity on AKS provides it.
  let credential: TokenCredential | undefined;
  const azureCredential = () => {
    credential ??= new DefaultAzureCredential();
    return credential;
  };

  try {
    switch (settings.mode) {
      case 'serve':
        await runServe(settings, {
          log,
          clients: { azureCredential },
          otlpEndpoint: runtime.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined,
          stopSignal: runtime.stopSignal,
        });
        return 0;
      case 'batch': {
        const region = settings.metrics.kind === 'cloudwatch' ? settings.metrics.region : undefined;
        const clients = { awsRegion: region, azureCredential };
        const manifest = await runBatch(settings, {
          input: openLocation(settings.input, clients),
          output: openLocation(settings.output, clients),
          metrics: metricsPublisher(settings.metrics, clients),
          log,
        });
        return manifest.status === 'succeeded' ? 0 : 1;
      }
      case 'drift': {
        const region = settings.metrics.kind === 'cloudwatch' ? settings.metrics.region : undefined;
        const clients = { awsRegion: region, azureCredential };
        await runDrift(settings, {
          capture: openLocation(settings.capture, clients),
          baselines: openLocation(settings.baselines, clients),
          metrics: metricsPublisher(settings.metrics, clients),
          events: eventPublisher(settings.events, settings.environment, clients),
          log,
        });
        return 0;
      }
      case 'events':
        await runEvents(settings, { log, stopSignal: runtime.stopSignal });
        return 0;
    }
  } catch (error) {
    log.error('agent failed', { error: error instanceof Error ? error.message : String(error) });
    return 1;
  }
}

function logLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}
