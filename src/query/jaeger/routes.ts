/** The Jaeger query HTTP API routes (jaegertracing/jaeger cmd/query/app/http_handler.go). */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../storage/store.js';
import { toJaegerTrace } from './convert.js';

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;

/** The Jaeger envelope. */
function envelope<T>(data: T, errors: Array<{ code: number; msg: string }> | null = null) {
  return { data, total: Array.isArray(data) ? data.length : 0, limit: 0, offset: 0, errors };
}

/** Registers the Jaeger API routes under /api. */
export function registerJaegerRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Params: { traceId: string } }>('/api/traces/:traceId', async (req, reply) => {
    const raw = req.params.traceId;
    if (!TRACE_ID.test(raw)) {
      return reply.code(400).send(envelope(null, [{ code: 400, msg: `invalid trace ID "${raw}": expected up to 32 hex characters` }]));
    }
    // Jaeger accepts short IDs (64-bit trace IDs); stored IDs are 32 lowercase hex characters.
    const traceId = raw.toLowerCase().padStart(32, '0');
    const docs = await store.getTrace(traceId);
    if (docs.length === 0) return reply.code(404).send(envelope(null, [{ code: 404, msg: 'trace not found' }]));
    return envelope([toJaegerTrace(traceId, docs)]);
  });
}
