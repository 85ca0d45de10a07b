/**
 * Traces: each proxied request is one server span that continues the gateway's trace and is the
 * parent of the model's work. The incoming context is read from W3C `traceparent` (and, on AWS,
 * from `X-Amzn-Trace-Id`, which API Gateway sets when X-Ray tracing is on) and written into the
 * model request the same way.
 *
 * Spans go to the OTLP/HTTP endpoint in `OTEL_EXPORTER_OTLP_ENDPOINT` (the cluster's collector,
 * ADOT on EKS, Azure Monitor's OpenTelemetry collector on AKS). Without it the tracer records
 * nothing, but the incoming context still reaches the model unchanged.
 */

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MODEL_AGENT_VERSION } from '../version';

export interface Tracing {
  readonly tracer: Tracer;
  /** The context of the incoming request's headers. */
  extract(headers: IncomingHttpHeaders): Context;
  /** Writes `ctx` into outgoing headers. */
  inject(ctx: Context, headers: OutgoingHttpHeaders): void;
  /** Exports what is pending. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Also read and write `X-Amzn-Trace-Id` (AWS). */
  readonly xray: boolean;
  /** Span attributes of the process (model, version, slot, environment). */
  readonly attributes: Readonly<Record<string, string>>;
  /** `OTEL_EXPORTER_OTLP_ENDPOINT`; absent, nothing is exported. */
  readonly otlpEndpoint?: string;
  /** Tests: a processor of their own instead of the OTLP exporter. */
  readonly processor?: SpanProcessor;
}

export function createTracing(options: TracingOptions): Tracing {
  // Later propagators win on extract: a `traceparent` beats `X-Amzn-Trace-Id` when both arrive.
  const propagator: TextMapPropagator = new CompositePropagator({
    propagators: options.xray
      ? [new AWSXRayPropagator(), new W3CTraceContextPropagator()]
      : [new W3CTraceContextPropagator()],
  });
  let provider: TracerProvider | undefined;
  const processor =
    options.processor ??
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (and _TRACES_ENDPOINT, headers, timeout) itself.
    (options.otlpEndpoint ? new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }) : undefined);
  if (processor) {
    provider = new TracerProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({
          'service.name': 'model-agent',
          'service.version': MODEL_AGENT_VERSION,
          ...options.attributes,
        }),
      ),
      spanProcessors: [processor],
    });
  }
  // Without a provider this is the API's no-op tracer: its spans carry the parent's context.
  const tracer = provider ? provider.getTracer('model-agent', MODEL_AGENT_VERSION) : trace.getTracer('model-agent');
  return {
    tracer,
    extract: (headers) => propagator.extract(context.active(), headers, defaultTextMapGetter),
    inject: (ctx, headers) => propagator.inject(ctx, headers, defaultTextMapSetter),
    shutdown: async () => {
      await provider?.shutdown();
    },
  };
}
