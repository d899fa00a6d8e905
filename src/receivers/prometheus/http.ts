/**
 * Prometheus remote write 1.0 receiver: `POST /api/v1/write` with a snappy-compressed
 * prometheus.WriteRequest (`Content-Encoding: snappy`, `Content-Type: application/x-protobuf`).
 * Series become OTLP metrics (remote-write.ts) and travel the queue like every other metric.
 * 204 once the queue acknowledged. A body that cannot be read is 400, which Prometheus does not
 * retry; overload and an unreachable queue are both 503 with Retry-After, because Prometheus
 * retries every 5xx but a 429 only when `retry_on_http_429` is set. A tenant over its ingest rate
 * (BRAID_ERR_LIMIT_RATE) is the exception: 429 with Retry-After, as Mimir answers it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import type { Queue } from '../../queue/queue.js';
import { REMOTE_WRITE_PATH } from '../http-body.js';
import { toBraidError } from '../http-errors.js';
import type { ReceiverMetrics } from '../metrics.js';
import { exportMetrics } from '../otlp/export-metrics.js';
import { recordLimitsOf, requestTenant, type ReceiverTenancy } from '../tenancy.js';
import { decodeRemoteWrite, remoteWriteToOtlp, type MetricMetadata } from './remote-write.js';

const TRANSPORT = 'remote_write';
const MAX_METADATA = 100_000;

/** Registers POST /api/v1/write on a fastify instance whose body handling is registered. */
export function registerRemoteWrite(app: FastifyInstance, deps: { queue: Queue; metrics: ReceiverMetrics; maxBodyBytes: number; tenancy?: ReceiverTenancy | undefined }): void {
  // Prometheus sends metric metadata (types) in requests of its own, every minute: remember it,
  // so the samples of later requests keep their type. Bounded: past the bound it starts afresh.
  const metadata = new Map<string, MetricMetadata>();
  const errorHandler = (err: unknown, req: FastifyRequest, reply: FastifyReply) => sendError(err, req, reply, deps.metrics);
  app.post<{ Body: Buffer | undefined }>(REMOTE_WRITE_PATH, { errorHandler }, async (req, reply) => {
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/x-protobuf')) {
      throw new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type "${type}": remote write 1.0 sends application/x-protobuf`);
    }
    const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
    if (encoding !== 'snappy') throw new BraidError('BRAID_ERR_HTTP_ENCODING', `unsupported Content-Encoding "${encoding}": remote write 1.0 sends snappy`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const who = requestTenant(req, deps.tenancy);
    const request = decodeRemoteWrite(body, { maxDecodedBytes: deps.maxBodyBytes, limits: recordLimitsOf(who) });
    if (metadata.size + request.metadata.length > MAX_METADATA) metadata.clear();
    for (const md of request.metadata) metadata.set(md.metricFamilyName, md);
    await exportMetrics({ data: remoteWriteToOtlp(request, { metadata }), rejected: 0, errors: [] }, TRANSPORT, deps.queue, deps.metrics, who);
    return reply.code(204).send();
  });
}

function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, metrics: ReceiverMetrics): FastifyReply {
  const e = toBraidError(err, { decodeCode: 'BRAID_ERR_REMOTE_WRITE_DECODE', contentTypes: 'application/x-protobuf' });
  metrics.refusedRequests.inc({ transport: TRANSPORT, code: e.code });
  if (e.httpStatus >= 500 && !e.transient) req.log.error({ err }, 'request failed');
  if (e.transient && e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  // A tenant over its ingest rate is 429, as Mimir answers it: senders that retry 429s slow down.
  const status = e.transient && e.code !== 'BRAID_ERR_LIMIT_RATE' ? 503 : e.httpStatus;
  return reply.code(status).type('text/plain; charset=utf-8').send(`${e.code}: ${e.message}\n`);
}
