// Tracing (and, for order, OTLP logs) set up from the environment, the way OTel SDKs are
// configured in production: OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT.
import { trace, type Tracer } from '@opentelemetry/api';
import type { Logger as OtlpLogger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { NodeSDK, tracing } from '@opentelemetry/sdk-node';

/** Tracing and logging handles of a running service. */
export interface Telemetry {
  tracer: Tracer;
  /** Present when logs are shipped as OTLP (order). */
  otlpLogger?: OtlpLogger;
  /** Flushes and stops the exporters. */
  shutdown(): Promise<void>;
}

/** Starts the OTel SDK: W3C trace context, spans over OTLP/gRPC to `otlpGrpc`; with `otlpHttp`,
 * also OTLP logs to `<otlpHttp>/v1/logs`. No auto-instrumentation: the shop makes its spans. */
export function startTelemetry(service: string, otlpGrpc: string, otlpHttp?: string): Telemetry {
  const exporter = new OTLPTraceExporter({ url: otlpGrpc });
  const sdk = new NodeSDK({
    serviceName: service,
    autoDetectResources: false,
    // A short delay so a demo's traces show up within a second or two.
    spanProcessors: [new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  let loggerProvider: LoggerProvider | undefined;
  if (otlpHttp !== undefined) {
    const logExporter = new OTLPLogExporter({ url: `${otlpHttp.replace(/\/+$/, '')}/v1/logs` });
    loggerProvider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      processors: [new BatchLogRecordProcessor({ exporter: logExporter, scheduledDelayMillis: 500 })],
    });
  }
  return {
    tracer: trace.getTracer('braid-shop'),
    ...(loggerProvider && { otlpLogger: loggerProvider.getLogger('braid-shop') }),
    async shutdown() {
      await Promise.all([sdk.shutdown(), loggerProvider?.shutdown()]);
    },
  };
}
