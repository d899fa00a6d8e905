/**
 * Braid's self-tracing through @opentelemetry/sdk-node, off by default. Only coarse operations are
 * traced (a bulk write, a consumed batch), never per-record work, so its cost stays flat.
 */
import { trace, type Tracer } from '@opentelemetry/api';

/** Settings for self-tracing, taken from `telemetry.tracing`. */
export interface TracingSettings {
  enabled: boolean;
  endpoint: string;
  sample_ratio: number;
}

/**
 * Starts the SDK when enabled and returns a shutdown function (a no-op when disabled). The SDK is
 * imported only then: loading @opentelemetry/sdk-node costs every process about 10 MB of heap and
 * 34 MB of RSS (docs/adr/0016).
 */
export async function startTracing(settings: TracingSettings): Promise<() => Promise<void>> {
  if (!settings.enabled) return async () => {};
  const [{ NodeSDK, tracing }, { OTLPTraceExporter }] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/exporter-trace-otlp-grpc')]);
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
