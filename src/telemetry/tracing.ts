/**
 * Braid's self-tracing through @opentelemetry/sdk-node, off by default. Only coarse operations are
 * traced (a bulk write, a consumed batch), never per-record work, so its cost stays flat.
 */
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';

import { trace, type Tracer } from '@opentelemetry/api';

/** Settings for self-tracing, taken from `telemetry.tracing`. */
export interface TracingSettings {
  enabled: boolean;
  endpoint: string;
  sample_ratio: number;
}

/** Starts the SDK when enabled and returns a shutdown function (a no-op when disabled). */
export function startTracing(settings: TracingSettings): () => Promise<void> {
  if (!settings.enabled) return async () => {};
  const sdk = new NodeSDK({
    serviceName: 'braid',
    traceExporter: new OTLPTraceExporter({ url: settings.endpoint }),
    sampler: new tracing.ParentBasedSampler({ root: new tracing.TraceIdRatioBasedSampler(settings.sample_ratio) }),
    instrumentations: [],
  });
  sdk.start();
  return () => sdk.shutdown();
}

/** The tracer Braid's components use; a no-op tracer until tracing is started. */
export function braidTracer(): Tracer {
  return trace.getTracer('braid');
}
