/**
 * OTLP/HTTP receiver (POST /v1/traces), protobuf and JSON, gzip or not. Replies in the request's
 * content type. Errors carry a google.rpc.Status; retryable ones (429/503) carry Retry-After.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import { encodeTraceResponse, traceResponseJson } from '../../model/otlp/trace-proto.js';
import { parseTraceRequestJsonLenient } from '../../model/otlp/trace-json.js';
import type { Queue } from '../../queue/queue.js';
import { toBraidError } from '../http-errors.js';
import { exportTraceProtobuf, exportTraces, type LenientTraces } from './export.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { encodeStatus, statusJson } from './status.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const ERROR_CONTEXT = { decodeCode: 'BRAID_ERR_OTLP_DECODE', contentTypes: `${PROTOBUF} or ${JSON_TYPE}` } as const;

/** Dependencies of the OTLP/HTTP routes. */
export interface OtlpHttpDeps {
  queue: Queue;
  metrics: OtlpReceiverMetrics;
}

type Body = Buffer;

/**
 * Registers POST /v1/traces on a fastify instance whose body handling (src/receivers/http-body.ts)
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
      let parsed: unknown;
      try {
        parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch (cause) {
        throw new BraidError('BRAID_ERR_OTLP_DECODE', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
      }
      decoded = parseTraceRequestJsonLenient(parsed);
    } else {
      // Split by trace ID on the wire, without a full decode: the ingester decodes each record once.
      const result = await exportTraceProtobuf(body, 'http/protobuf', deps.queue, deps.metrics);
      return reply.type(PROTOBUF).send(Buffer.from(encodeTraceResponse(result.partial)));
    }
    const result = await exportTraces(decoded, 'http/json', deps.queue, deps.metrics);
    return reply.type(JSON_TYPE).send(traceResponseJson(result.partial));
  });
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
  metrics.refusedRequests.inc({ transport: isJson(req) ? 'http/json' : 'http/protobuf', code: e.code });
  if (e.httpStatus >= 500 && !e.transient) req.log.error({ err }, 'request failed');
  if (e.transient && e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  const message = `${e.code}: ${e.message}`;
  reply.code(e.httpStatus);
  if (!isProtobuf(req)) {
    return reply.type(JSON_TYPE).send(statusJson(e.grpcStatus, message, e.transient ? e.retryAfterSeconds : undefined));
  }
  return reply.type(PROTOBUF).send(encodeStatus(e.grpcStatus, message, e.transient ? e.retryAfterSeconds : undefined));
}
