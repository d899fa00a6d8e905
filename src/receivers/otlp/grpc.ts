/**
 * OTLP/gRPC receiver (TraceService, LogsService and MetricsService Export of
 * opentelemetry.proto.collector) on Braid's own gRPC server over node:http2 (grpc-server.ts;
 * docs/adr/0014-otlp-grpc-on-http2.md). Messages are handled as raw bytes and split by trace ID
 * on the wire by Braid's own codec. Retryable failures answer UNAVAILABLE with a
 * google.rpc.RetryInfo in grpc-status-details-bin, as the OTLP spec asks; a tenant over its ingest
 * rate answers RESOURCE_EXHAUSTED, with RetryInfo too (retryable only with it, says OTLP).
 */
import { BraidError, GrpcStatus } from '../../errors.js';
import { decodeLogsRequestLenient, encodeLogsResponse } from '../../model/otlp/logs-proto.js';
import { decodeMetricsRequestLenient, encodeMetricsResponse } from '../../model/otlp/metrics-proto.js';
import { encodeTraceResponse } from '../../model/otlp/trace-proto.js';
import type { Queue } from '../../queue/queue.js';
import type { Logger } from '../../telemetry/logger.js';
import type { ListenerSecurity } from '../../security/index.js';
import { exportLogs } from './export-logs.js';
import { exportMetrics } from './export-metrics.js';
import { exportTraceProtobuf } from './export.js';
import type { CallInfo, UnaryHandler } from './grpc-call.js';
import { requestTenant, type ReceiverTenancy } from '../tenancy.js';
import { startGrpcServer, type GrpcServer } from './grpc-server.js';
import type { OtlpReceiverMetrics } from './metrics.js';

/** Settings of the OTLP/gRPC receiver. */
export interface OtlpGrpcSettings {
  host: string;
  port: number;
  maxRecvMsgSizeMiB: number;
  /** Calls one connection may have in flight (default 1024). */
  maxConcurrentStreams?: number;
  /** Per-call auth and server TLS (src/security); absent: open, cleartext. */
  security?: ListenerSecurity | undefined;
}

/** A running gRPC receiver. */
export type OtlpGrpcServer = GrpcServer;

/** How long close() waits for calls in flight before dropping their connections. */
const FORCE_CLOSE_MS = 5_000;

/** Starts the OTLP/gRPC receiver. */
export async function startOtlpGrpc(settings: OtlpGrpcSettings, deps: { queue: Queue; metrics: OtlpReceiverMetrics; log: Logger; tenancy?: ReceiverTenancy | undefined }): Promise<OtlpGrpcServer> {
  const { queue, metrics, log, tenancy } = deps;
  const who = (call: CallInfo) => requestTenant(call, tenancy);
  const routes = new Map<string, UnaryHandler>([
    ['/opentelemetry.proto.collector.trace.v1.TraceService/Export', async (req, call) => encodeTraceResponse((await exportTraceProtobuf(req, 'grpc', queue, metrics, who(call))).partial)],
    ['/opentelemetry.proto.collector.logs.v1.LogsService/Export', async (req, call) => encodeLogsResponse((await exportLogs(decodeLogsRequestLenient(req), 'grpc', queue, metrics, who(call))).partial)],
    ['/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', async (req, call) => encodeMetricsResponse((await exportMetrics(decodeMetricsRequestLenient(req), 'grpc', queue, metrics, who(call))).partial)],
  ]);
  const refused = (e: BraidError) => {
    metrics.refusedRequests.inc({ transport: 'grpc', code: e.code });
    // A failure of Braid's own (not a client's protocol error) is worth a log line.
    if (!e.transient && e.grpcStatus === GrpcStatus.INTERNAL && !e.code.startsWith('BRAID_ERR_GRPC_')) log.error({ err: e.cause ?? e }, 'otlp grpc export failed');
  };
  const server = await startGrpcServer(
    { host: settings.host, port: settings.port, maxRecvMsgBytes: settings.maxRecvMsgSizeMiB * 1024 * 1024, maxConcurrentStreams: settings.maxConcurrentStreams ?? 1024, forceAfterMs: FORCE_CLOSE_MS, ...(settings.security ? { security: settings.security } : {}) },
    routes,
    { refused, log },
  );
  log.info({ endpoint: `${settings.host}:${server.port}` }, 'otlp grpc receiver listening');
  return server;
}
