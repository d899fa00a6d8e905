/**
 * OTLP/gRPC receiver (TraceService, LogsService and MetricsService Export of opentelemetry.proto.collector). Messages are
 * handled as raw bytes and split by trace ID on the wire by Braid's own codec. Retryable failures
 * answer UNAVAILABLE with a google.rpc.RetryInfo in grpc-status-details-bin, as the OTLP spec asks.
 */
import { Metadata, Server, ServerCredentials, status, type ServiceDefinition, type handleUnaryCall } from '@grpc/grpc-js';
import { BraidError } from '../../errors.js';
import { decodeLogsRequestLenient, encodeLogsResponse } from '../../model/otlp/logs-proto.js';
import { decodeMetricsRequestLenient, encodeMetricsResponse } from '../../model/otlp/metrics-proto.js';
import { encodeTraceResponse } from '../../model/otlp/trace-proto.js';
import type { Queue } from '../../queue/queue.js';
import type { Logger } from '../../telemetry/logger.js';
import { exportLogs } from './export-logs.js';
import { exportMetrics } from './export-metrics.js';
import { exportTraceProtobuf } from './export.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { encodeStatus } from './status.js';

/** Settings of the OTLP/gRPC receiver. */
export interface OtlpGrpcSettings {
  host: string;
  port: number;
  maxRecvMsgSizeMiB: number;
}

/** A running gRPC receiver. */
export interface OtlpGrpcServer {
  port: number;
  /** Stops accepting calls and waits for those in flight. */
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

/** A unary Export method on raw bytes. */
const exportService = (path: string): ServiceDefinition => ({
  Export: { path, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
});
const traceService = exportService('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
const logsService = exportService('/opentelemetry.proto.collector.logs.v1.LogsService/Export');
const metricsService = exportService('/opentelemetry.proto.collector.metrics.v1.MetricsService/Export');

/** Starts the OTLP/gRPC receiver. */
export async function startOtlpGrpc(settings: OtlpGrpcSettings, deps: { queue: Queue; metrics: OtlpReceiverMetrics; log: Logger }): Promise<OtlpGrpcServer> {
  const server = new Server({ 'grpc.max_receive_message_length': settings.maxRecvMsgSizeMiB * 1024 * 1024 });
  /** A handler answering OK with `handle`'s bytes, or the error's gRPC status with google.rpc.Status details. */
  const unary = (handle: (request: Buffer) => Promise<Uint8Array>): handleUnaryCall<Buffer, Buffer> => (call, callback) => {
    handle(call.request).then(
      (res) => callback(null, Buffer.from(res)),
      (err: unknown) => {
        const e = err instanceof BraidError ? err : new BraidError('BRAID_ERR_INTERNAL', `internal error: ${(err as Error).message}`, { cause: err });
        deps.metrics.refusedRequests.inc({ transport: 'grpc', code: e.code });
        if (!e.transient && e.grpcStatus === status.INTERNAL) deps.log.error({ err }, 'otlp grpc export failed');
        const metadata = new Metadata();
        const retry = e.transient ? e.retryAfterSeconds : undefined;
        metadata.set('grpc-status-details-bin', encodeStatus(e.grpcStatus, `${e.code}: ${e.message}`, retry));
        callback({ code: e.grpcStatus, details: `${e.code}: ${e.message}`, metadata });
      },
    );
  };
  server.addService(traceService, { Export: unary(async (req) => encodeTraceResponse((await exportTraceProtobuf(req, 'grpc', deps.queue, deps.metrics)).partial)) });
  server.addService(logsService, {
    Export: unary(async (req) => encodeLogsResponse((await exportLogs(decodeLogsRequestLenient(req), 'grpc', deps.queue, deps.metrics)).partial)),
  });
  server.addService(metricsService, {
    Export: unary(async (req) => encodeMetricsResponse((await exportMetrics(decodeMetricsRequestLenient(req), 'grpc', deps.queue, deps.metrics)).partial)),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${settings.host}:${settings.port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  deps.log.info({ endpoint: `${settings.host}:${port}` }, 'otlp grpc receiver listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
