/**
 * The query target's HTTP server (port 16686): the Jaeger API (/api), the Prometheus API
 * (/prometheus/api/v1), Braid's native API (/braid/v1) and the explorer page (/, /assets). Every
 * API answers from the caller's tenant's data only (`request.tenant`, set by the auth hook); the
 * page is static and reads those APIs.
 */
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../telemetry/http-server.js';
import { BraidError } from '../errors.js';
import type { Store } from '../storage/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { ListenerSecurity } from '../security/index.js';
import { registerBraidRoutes } from './braid/routes.js';
import { registerJaegerRoutes } from './jaeger/routes.js';
import { registerPrometheusRoutes, type PrometheusApiSettings, type TenantHead } from './prometheus/routes.js';
import { registerWebRoutes, type WebSettings } from './web.js';

/** Prometheus's errorType for an HTTP status. */
const PROMETHEUS_ERROR_TYPES: Record<number, string> = { 400: 'bad_data', 404: 'not_found', 422: 'execution', 503: 'unavailable' };

/** Builds the query server (not yet listening). */
export function createQueryServer(
  store: Store,
  log: Logger,
  prometheus: Pick<PrometheusApiSettings, 'maxSamples' | 'rules' | 'limits'> = { maxSamples: 1_000_000 },
  /** The in-memory heads (a tenant's, or one head for the default tenant): the Prometheus API reads them where they cover the range. */
  head?: TenantHead,
  /** The explorer page's build folder (default dist/web). */
  web: Omit<WebSettings, 'log'> = {},
  /** Auth and TLS of the listener (src/security): API clients send a Bearer token, browsers Basic auth. */
  security?: ListenerSecurity,
): FastifyInstance {
  const app = createHttpServer(log, 'query', security ? { security } : {});
  registerJaegerRoutes(app, store);
  registerBraidRoutes(app, store);
  registerPrometheusRoutes(app, store, { ...prometheus, defaultRangeMs: 6 * 3_600_000 }, Date.now, head);
  registerWebRoutes(app, { ...web, log });
  app.setErrorHandler((err, req, reply) => {
    const e = err instanceof BraidError ? err : undefined;
    const code = e?.httpStatus ?? (typeof (err as { statusCode?: number }).statusCode === 'number' ? (err as { statusCode: number }).statusCode : 500);
    if (code >= 500 && !e?.transient) log.error({ err }, 'query failed');
    else if (code >= 500) log.warn({ err: e?.message }, 'query failed; store unavailable');
    if (e?.transient && e.retryAfterSeconds) reply.header('retry-after', String(e.retryAfterSeconds));
    const msg = e ? `${e.code}: ${e.message}` : (err as Error).message;
    if (req.url.startsWith('/braid/')) return reply.code(code).send({ error: { code, message: msg } });
    if (req.url.startsWith('/prometheus/')) return reply.code(code).send({ status: 'error', errorType: e?.code === 'BRAID_ERR_QUERY_TIMEOUT' ? 'timeout' : (PROMETHEUS_ERROR_TYPES[code] ?? 'internal'), error: e ? e.message : msg });
    return reply.code(code).send({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg }] });
  });
  return app;
}
