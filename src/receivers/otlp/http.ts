/**
 * OTLP/HTTP receiver (POST /v1/traces), protobuf and JSON, gzip or not. Replies in the request's
 * content type. Errors carry a google.rpc.Status; retryable ones (429/503) carry Retry-After.
 */
import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import { decodeTraceRequestLenient, encodeTraceResponse, traceResponseJson } from '../../model/otlp/trace-proto.js';
import { parseTraceRequestJsonLenient } from '../../model/otlp/trace-json.js';
import type { Queue } from '../../queue/queue.js';
import { exportTraces, type LenientTraces } from './export.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { encodeStatus, statusJson } from './status.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** Dependencies of the OTLP/HTTP routes. */
export interface OtlpHttpDeps {
  queue: Queue;
  metrics: OtlpReceiverMetrics;
}

type Body = Buffer;

/** Registers /v1/traces and the body handling it needs on a fastify instance. */
export function registerOtlpHttp(app: FastifyInstance, deps: OtlpHttpDeps): void {
  app.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  // Decompress before the body limit is applied, so the limit bounds the decoded size too.
  app.addHook('preParsing', async (req, _reply, payload) => {
    const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (enc === 'identity' || enc === '') return payload;
    if (enc === 'gzip' || enc === 'deflate') {
      const inflated = Object.assign(payload.pipe(enc === 'gzip' ? createGunzip() : createInflate()), { receivedEncodedLength: 0 });
      // fastify compares this with Content-Length, which counts the compressed bytes.
      payload.on('data', (chunk: Buffer) => (inflated.receivedEncodedLength += chunk.length));
      return inflated;
    }
    throw new BraidError('BRAID_ERR_HTTP_ENCODING', `unsupported Content-Encoding "${enc}": use gzip or none`);
  });

  app.post('/v1/traces', async (req: FastifyRequest<{ Body: Body }>, reply) => {
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
      decoded = decodeTraceRequestLenient(body);
    }
    const result = await exportTraces(decoded, json ? 'http/json' : 'http/protobuf', deps.queue, deps.metrics);
    if (json) return reply.type(JSON_TYPE).send(traceResponseJson(result.partial));
    return reply.type(PROTOBUF).send(Buffer.from(encodeTraceResponse(result.partial)));
  });

  app.setErrorHandler((err, req, reply) => sendError(err, req, reply, deps.metrics));
}

function isProtobuf(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').toLowerCase().startsWith(PROTOBUF);
}

function isJson(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').toLowerCase().startsWith(JSON_TYPE);
}

/** Maps any failure to the OTLP answer: status code, Retry-After, google.rpc.Status body. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, metrics: OtlpReceiverMetrics): FastifyReply {
  const e = toBraidError(err);
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

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message: string;
}

/** Translates fastify's own errors (body too large, bad media type, ...) into registry errors. */
export function toBraidError(err: unknown): BraidError {
  if (err instanceof BraidError) return err;
  const f = err as FastifyLikeError;
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new BraidError('BRAID_ERR_HTTP_BODY_TOO_LARGE', `request body exceeds the limit: ${f.message}`, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type: use ${PROTOBUF} or ${JSON_TYPE}`, { cause: err });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BraidError('BRAID_ERR_OTLP_DECODE', 'empty JSON body', { cause: err });
    default:
      break;
  }
  if (f.code === 'Z_DATA_ERROR' || f.code === 'Z_BUF_ERROR') {
    return new BraidError('BRAID_ERR_OTLP_DECODE', `body is not valid gzip: ${f.message}`, { cause: err });
  }
  if (typeof f.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return new BraidError('BRAID_ERR_OTLP_DECODE', f.message, { cause: err });
  }
  return new BraidError('BRAID_ERR_INTERNAL', `internal error: ${f.message}`, { cause: err });
}
