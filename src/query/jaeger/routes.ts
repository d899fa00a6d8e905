/**
 * The Jaeger query HTTP API routes (jaegertracing/jaeger cmd/query/app/http_handler.go). Every
 * route reads the caller's tenant's store (`store.forTenant(request.tenant)`): another tenant's
 * traces, services and dependencies are not there to find.
 */
import type { FastifyInstance } from 'fastify';
import { BraidError } from '../../errors.js';
import type { SpanDocument, Store } from '../../storage/store.js';
import { toJaegerTrace, type JaegerTrace } from './convert.js';
import { integerParam, oneParam, parseTraceQuery, traceIdsParam, type QueryValue } from './params.js';
// request.tenant's type (the fastify augmentation), also for the web page's typecheck, which reads these files' types.
import type {} from '../../tenancy/tenant.js';

const TRACE_ID = /^[0-9a-fA-F]{1,32}$/;
const FETCH_CONCURRENCY = 8;

/** The Jaeger envelope. */
function envelope<T>(data: T, errors: Array<{ code: number; msg: string }> | null = null) {
  return { data, total: Array.isArray(data) ? data.length : 0, limit: 0, offset: 0, errors };
}

/** Jaeger accepts short (64-bit) IDs; stored IDs are 32 lowercase hex characters. */
export function normaliseTraceId(raw: string): string {
  if (!TRACE_ID.test(raw)) throw new BraidError('BRAID_ERR_QUERY_INVALID', `invalid trace ID "${raw}": expected up to 32 hex characters`);
  return raw.toLowerCase().padStart(32, '0');
}

const jaegerKind = (kind: string) => (kind === 'unspecified' ? '' : kind);

/** Reads several traces, a few at a time. */
async function fetchTraces(store: Store, ids: string[]): Promise<JaegerTrace[]> {
  const out: Array<JaegerTrace | undefined> = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(FETCH_CONCURRENCY, ids.length) }, async () => {
      while (next < ids.length) {
        const i = next++;
        const docs: SpanDocument[] = await store.getTrace(ids[i] as string);
        if (docs.length > 0) out[i] = toJaegerTrace(ids[i] as string, docs);
      }
    }),
  );
  return out.filter((t): t is JaegerTrace => t !== undefined);
}

/** Registers the Jaeger API routes under /api. */
export function registerJaegerRoutes(app: FastifyInstance, root: Store, now: () => number = Date.now): void {
  app.get<{ Params: { traceId: string } }>('/api/traces/:traceId', async (req, reply) => {
    const traceId = normaliseTraceId(req.params.traceId);
    const docs = await root.forTenant(req.tenant).getTrace(traceId);
    if (docs.length === 0) return reply.code(404).send(envelope(null, [{ code: 404, msg: 'trace not found' }]));
    return envelope([toJaegerTrace(traceId, docs)]);
  });

  app.get<{ Querystring: Record<string, QueryValue> }>('/api/traces', async (req, reply) => {
    const store = root.forTenant(req.tenant);
    const ids = traceIdsParam(req.query).map(normaliseTraceId);
    if (ids.length > 0) return envelope(await fetchTraces(store, ids));
    const query = parseTraceQuery(req.query, now() * 1000);
    if (query.service === undefined) return reply.code(400).send(envelope(null, [{ code: 400, msg: 'parameter \'service\' is required' }]));
    return envelope(await fetchTraces(store, await store.findTraceIds(query)));
  });

  app.get('/api/services', async (req) => envelope(await root.forTenant(req.tenant).services()));

  app.get<{ Params: { service: string } }>('/api/services/:service/operations', async (req) => {
    const ops = await root.forTenant(req.tenant).operations(req.params.service);
    return envelope([...new Set(ops.map((o) => o.name))].sort());
  });

  app.get<{ Querystring: Record<string, QueryValue> }>('/api/operations', async (req, reply) => {
    const service = oneParam(req.query.service);
    if (!service) return reply.code(400).send(envelope(null, [{ code: 400, msg: 'parameter \'service\' is required' }]));
    const kind = oneParam(req.query.spanKind);
    const ops = await root.forTenant(req.tenant).operations(service, kind ? kind : undefined);
    return envelope(ops.map((o) => ({ name: o.name, spanKind: jaegerKind(o.spanKind) })));
  });

  app.get<{ Querystring: Record<string, QueryValue> }>('/api/dependencies', async (req) => {
    const endMs = integerParam(req.query.endTs, 'endTs') ?? now();
    const lookbackMs = integerParam(req.query.lookback, 'lookback') ?? 24 * 3_600_000;
    const links = await root.forTenant(req.tenant).dependencies((endMs - lookbackMs) * 1000, endMs * 1000);
    return envelope(links.map((l) => ({ parent: l.parent, child: l.child, callCount: l.callCount })));
  });
}
