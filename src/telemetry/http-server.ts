/** One way to build Braid's fastify servers, so every server logs the same way. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';
import { DEFAULT_TENANT } from '../tenancy/tenant.js';

/** Creates a fastify instance logging through `log` as component `component`. */
export function createHttpServer(log: Logger, component: string, options: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({
    // fastify bundles its own pino major; the logger interface it needs is the same.
    loggerInstance: log.child({ component }) as unknown as FastifyBaseLogger,
    // No log line per request: counters do that job.
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
  });
  // Every request has a tenant; the auth hook (src/security) replaces the default.
  app.decorateRequest('tenant', DEFAULT_TENANT);
  return app;
}

/**
 * Closes a server gracefully: stops accepting, lets in-flight requests finish, and closes each
 * keep-alive connection as soon as it goes idle (Node closes idle ones only once, at close time,
 * so a connection busy then would otherwise linger until its keep-alive timeout). After
 * `graceMs` the remaining connections are cut.
 */
export async function closeHttpServer(app: FastifyInstance, graceMs = 5_000): Promise<void> {
  const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
  const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
  }
}
