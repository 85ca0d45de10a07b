/** `serve` mode: the agent beside each model container. */
import type { ServeSettings } from '../../../../lib/config/agent';
import type { Logger } from '../log';
import { type CloudClients, openLocation } from '../storage';
import { CaptureWriter } from './capture';
import { FlagWatcher } from './flags';
import { AgentServer } from './proxy';
import { ShadowMirror } from './shadow';
import { createTracing } from './tracing';

export interface ServeOptions {
  readonly log: Logger;
  readonly clients: CloudClients;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly otlpEndpoint?: string;
  /** Resolves when the agent should stop (SIGTERM). */
  readonly stopSignal: Promise<string>;
}

/** How long the first flag read may hold up listening: the flag sidecar may still be starting. */
const FIRST_FLAGS_WAIT_MS = 3_000;

/** Runs until `stopSignal`, then drains and flushes; resolves when everything is closed. */
export async function runServe(settings: ServeSettings, options: ServeOptions): Promise<void> {
  const log = options.log;
  const flags = new FlagWatcher(settings.flags, settings.model, {
    log,
    intervalMs: settings.flags.kind === 'appconfig' ? 10_000 : 5_000,
  });
  await Promise.race([flags.refresh(), new Promise((resolve) => setTimeout(resolve, FIRST_FLAGS_WAIT_MS).unref())]);
  flags.start();

  const capture = settings.capture
    ? (() => {
        const location = openLocation(settings.capture.uri, options.clients);
        return new CaptureWriter(
          location.store,
          location.prefix,
          { model: settings.model, version: settings.version, slot: settings.slot },
          settings.capture,
          log,
        );
      })()
    : undefined;
  const shadow = new ShadowMirror(settings.peerUrl, { log, timeoutMs: settings.timeoutSeconds * 1000 });
  const tracing = createTracing({
    xray: settings.flags.kind === 'appconfig',
    otlpEndpoint: options.otlpEndpoint,
    attributes: {
      'deployment.environment.name': settings.environment,
      'mlops.model': settings.model,
      'mlops.model.version': settings.version,
      'mlops.slot': settings.slot,
    },
  });
  const server = new AgentServer({ settings, flags, shadow, tracing, log, capture });
  const port = await server.listen(settings.listenPort);
  log.info('serving', {
    port,
    upstream: settings.upstreamUrl,
    flags: settings.flags.kind,
    capture: settings.capture !== undefined,
    tracing: options.otlpEndpoint !== undefined,
  });

  const signal = await options.stopSignal;
  // Answers in flight get their full timeout; the pod's terminationGracePeriodSeconds must be longer.
  const graceMs = settings.timeoutSeconds * 1000 + 1_000;
  log.info('stopping', { signal, inFlight: server.inFlight, graceMs });
  await server.close(graceMs);
  flags.stop();
  shadow.close();
  await capture?.close();
  await tracing.shutdown();
  log.info('stopped', { capture: capture?.stats, shadow: shadow.stats });
}
