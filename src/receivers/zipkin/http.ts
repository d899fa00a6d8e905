/**
 * Zipkin v2 receiver: POST /api/v2/spans with a JSON array of spans, gzip or not, as the Zipkin
 * server takes it. 202 Accepted only after the queue acknowledged every span. Zipkin has no
 * partial success, so a request with any invalid span is refused whole (400, each reason named)
 * and nothing of it is queued: the sender knows exactly what was kept. Errors are plain text,
 * `<code>: <message>`, with Retry-After on the retryable 429 and 503.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import { countSpans } from '../../model/trace.js';
import type { Queue } from '../../queue/queue.js';
import { toBraidError } from '../http-errors.js';
import type { ReceiverMetrics } from '../metrics.js';
import { limitTraces } from '../../model/limits.js';
import { recordLimitsOf, requestTenant, sendForTenant, type ReceiverTenancy } from '../tenancy.js';
import { traceRecords } from '../trace-records.js';
import { parseZipkinSpans } from './decode.js';

const JSON_TYPE = 'application/json';
const TRANSPORT = 'zipkin';
const ERROR_CONTEXT = { decodeCode: 'BRAID_ERR_ZIPKIN_DECODE', contentTypes: JSON_TYPE } as const;
/** How many reasons a 400 lists; the count says how many there were. */
const MAX_REASONS = 10;

/** Dependencies of the Zipkin routes. */
export interface ZipkinHttpDeps {
  queue: Queue;
  metrics: ReceiverMetrics;
  /** Per-tenant ingest rates (absent: none). */
  tenancy?: ReceiverTenancy | undefined;
}

/**
 * Registers POST /api/v2/spans on a fastify instance whose body handling
 * (src/receivers/http-body.ts) is already registered. The error handler is the route's own, so
 * the route can share an instance with other receivers.
 */
export function registerZipkinRoutes(app: FastifyInstance, deps: ZipkinHttpDeps): void {
  const errorHandler = (err: unknown, req: FastifyRequest, reply: FastifyReply) => sendError(err, req, reply, deps.metrics);
  app.post<{ Body: Buffer | string | undefined }>('/api/v2/spans', { onRequest: defaultToJson, errorHandler }, async (req, reply) => {
    const type = String(req.headers['content-type']).toLowerCase();
    if (!type.startsWith(JSON_TYPE)) throw new BraidError('BRAID_ERR_HTTP_CONTENT_TYPE', `unsupported Content-Type "${type}": use ${JSON_TYPE}`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? [] : JSON.parse(body.toString('utf8'));
    } catch (cause) {
      throw new BraidError('BRAID_ERR_ZIPKIN_DECODE', `request body is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    const who = requestTenant(req, deps.tenancy);
    // Spans past the tenant's record limits refuse the request as invalid spans do (named by their OTLP path).
    const result = limitTraces(parseZipkinSpans(parsed), recordLimitsOf(who));
    if (result.rejected > 0) {
      deps.metrics.rejectedSpans.inc({ transport: TRANSPORT }, result.rejected);
      const total = result.rejected + countSpans(result.data);
      const shown = result.errors.slice(0, MAX_REASONS).join('; ');
      const more = result.errors.length > MAX_REASONS ? ` (and ${result.errors.length - MAX_REASONS} more)` : '';
      throw new BraidError('BRAID_ERR_ZIPKIN_INVALID', `${result.rejected} of ${total} spans invalid, none accepted: ${shown}${more}`);
    }
    const spans = countSpans(result.data);
    if (spans > 0) await sendForTenant(deps.queue, 'spans', () => traceRecords(result.data, deps.queue.maxRecordBytes('spans')), spans, who);
    deps.metrics.acceptedSpans.inc({ transport: TRANSPORT }, spans);
    return reply.code(202).send();
  });
}

/** Zipkin reporters that send no Content-Type send JSON; the Zipkin server reads it as such. */
async function defaultToJson(req: FastifyRequest): Promise<void> {
  if (req.headers['content-type'] === undefined) req.headers['content-type'] = JSON_TYPE;
}

/** Maps any failure to Zipkin's answer: status code, Retry-After when retryable, a text message. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, metrics: ReceiverMetrics): FastifyReply {
  const e = toBraidError(err, ERROR_CONTEXT);
  metrics.refusedRequests.inc({ transport: TRANSPORT, code: e.code });
  if (e.httpStatus >= 500 && !e.transient) req.log.error({ err }, 'request failed');
  if (e.transient && e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  return reply.code(e.httpStatus).type('text/plain; charset=utf-8').send(`${e.code}: ${e.message}`);
}
