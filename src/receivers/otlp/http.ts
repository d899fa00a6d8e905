/**
 * OTLP/HTTP receiver: POST /v1/traces, /v1/logs and /v1/metrics, protobuf and JSON, gzip or not; /v1/logs
 * also takes NDJSON (one JSON log object per line). Replies in the request's content type. Errors
 * carry a google.rpc.Status; retryable ones (429/503) carry Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import { encodeTraceResponse, traceResponseJson } from '../../model/otlp/trace-proto.js';
import { parseTraceRequestJsonLenient } from '../../model/otlp/trace-json.js';
import type { Queue } from '../../queue/queue.js';
import { decodeLogsRequestLenient, encodeLogsResponse, logsResponseJson } from '../../model/otlp/logs-proto.js';
import { parseLogsRequestJsonLenient } from '../../model/otlp/logs-json.js';
import { toBraidError } from '../http-errors.js';
import { parseNdjsonLogs } from '../ndjson/parse.js';
import { decodeMetricsRequestLenient, encodeMetricsResponse, metricsResponseJson } from '../../model/otlp/metrics-proto.js';
import { parseMetricsRequestJsonLenient } from '../../model/otlp/metrics-json.js';
import { exportLogs } from './export-logs.js';
import { exportMetrics } from './export-metrics.js';
import { exportTraceProtobuf, exportTraces, rejectionMessage, type LenientTraces } from './export.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { recordLimitsOf, requestTenant, type ReceiverTenancy } from '../tenancy.js';
import { encodeStatus, statusJson } from './status.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const NDJSON = 'application/x-ndjson';
const ERROR_CONTEXT = { decodeCode: 'BRAID_ERR_OTLP_DECODE', contentTypes: `${PROTOBUF} or ${JSON_TYPE}` } as const;

/** Dependencies of the OTLP/HTTP routes. */
export interface OtlpHttpDeps {
  queue: Queue;
  metrics: OtlpReceiverMetrics;
  /** Per-tenant ingest rates (absent: none). */
  tenancy?: ReceiverTenancy | undefined;
}

type Body = Buffer;

/**
 * Registers POST /v1/traces, /v1/logs and /v1/metrics on a fastify instance whose body handling (src/receivers/http-body.ts)
 * is already registered. Its error handler is the route's own, so other receivers' routes can
 * share the instance.
 */
export function registerOtlpHttp(app: FastifyInstance, deps: OtlpHttpDeps): void {
  const errorHandler = (err: unknown, req: FastifyRequest, reply: FastifyReply) => sendError(err, req, reply, deps.metrics);
  app.post<{ Body: Body }>('/v1/traces', { errorHandler }, async (req, reply) => {
    const json = isJson(req);
    if (!json && !isProtobuf(req)) {
      throw new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type "${req.headers['content-type'] ?? ''}": use ${PROTOBUF} or ${JSON_TYPE}`);
    }
    let decoded: LenientTraces;
    const body = req.body ?? Buffer.alloc(0);
    if (json) {
      decoded = parseTraceRequestJsonLenient(parseJsonBody(body));
    } else {
      // Split by trace ID on the wire, without a full decode: the ingester decodes each record once.
      const result = await exportTraceProtobuf(body, 'http/protobuf', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
      return reply.type(PROTOBUF).send(Buffer.from(encodeTraceResponse(result.partial)));
    }
    const result = await exportTraces(decoded, 'http/json', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
    return reply.type(JSON_TYPE).send(traceResponseJson(result.partial));
  });

  app.post<{ Body: Body }>('/v1/logs', { errorHandler }, async (req, reply) => {
    const body = req.body ?? Buffer.alloc(0);
    if (isNdjson(req)) {
      const who = requestTenant(req, deps.tenancy);
      const parsed = parseNdjsonLogs(body.toString('utf8'), BigInt(Date.now()) * 1_000_000n, recordLimitsOf(who));
      const errors = parsed.errors.map((e) => `line ${e.line}: ${e.reason}`);
      if (parsed.accepted === 0 && errors.length > 0) {
        deps.metrics.rejectedLogRecords.inc({ transport: 'http/ndjson' }, errors.length);
        throw new BraidError('BRAID_ERR_NDJSON_INVALID', `no valid log line: ${rejectionMessage(errors.length, 'lines', errors)}`);
      }
      const result = await exportLogs({ data: parsed.data, rejected: errors.length, errors }, 'http/ndjson', deps.queue, deps.metrics, who, null);
      return reply.type(JSON_TYPE).send(logsResponseJson(result.partial));
    }
    if (isJson(req)) {
      const result = await exportLogs(parseLogsRequestJsonLenient(parseJsonBody(body)), 'http/json', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
      return reply.type(JSON_TYPE).send(logsResponseJson(result.partial));
    }
    if (isProtobuf(req)) {
      const result = await exportLogs(decodeLogsRequestLenient(body), 'http/protobuf', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
      return reply.type(PROTOBUF).send(Buffer.from(encodeLogsResponse(result.partial)));
    }
    throw new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type "${req.headers['content-type'] ?? ''}": use ${PROTOBUF}, ${JSON_TYPE} or ${NDJSON}`);
  });

  app.post<{ Body: Body }>('/v1/metrics', { errorHandler }, async (req, reply) => {
    const body = req.body ?? Buffer.alloc(0);
    if (isJson(req)) {
      const result = await exportMetrics(parseMetricsRequestJsonLenient(parseJsonBody(body)), 'http/json', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
      return reply.type(JSON_TYPE).send(metricsResponseJson(result.partial));
    }
    if (isProtobuf(req)) {
      const result = await exportMetrics(decodeMetricsRequestLenient(body), 'http/protobuf', deps.queue, deps.metrics, requestTenant(req, deps.tenancy));
      return reply.type(PROTOBUF).send(Buffer.from(encodeMetricsResponse(result.partial)));
    }
    throw new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type "${req.headers['content-type'] ?? ''}": use ${PROTOBUF} or ${JSON_TYPE}`);
  });
}

/** An OTLP/JSON body; an empty body is an empty request. */
function parseJsonBody(body: Buffer): unknown {
  try {
    return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new BraidError('BRAID_ERR_OTLP_DECODE', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

function isNdjson(req: FastifyRequest): boolean {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  return type.startsWith(NDJSON) || type.startsWith('application/ndjson') || type.startsWith('application/jsonlines');
}

function isProtobuf(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF);
}

function isJson(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').toLowerCase().startsWith(JSON_TYPE);
}

/** Maps any failure to the OTLP answer: status code, Retry-After, google.rpc.Status body. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, metrics: OtlpReceiverMetrics): FastifyReply {
  const e = toBraidError(err, ERROR_CONTEXT);
  metrics.refusedRequests.inc({ transport: isNdjson(req) ? 'http/ndjson' : isJson(req) ? 'http/json' : 'http/protobuf', code: e.code });
  if (e.httpStatus >= 500 && !e.transient) req.log.error({ err }, 'request failed');
  if (e.transient && e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  const message = `${e.code}: ${e.message}`;
  reply.code(e.httpStatus);
  if (!isProtobuf(req)) {
    return reply.type(JSON_TYPE).send(statusJson(e.grpcStatus, message, e.transient ? e.retryAfterSeconds : undefined));
  }
  return reply.type(PROTOBUF).send(encodeStatus(e.grpcStatus, message, e.transient ? e.retryAfterSeconds : undefined));
}
