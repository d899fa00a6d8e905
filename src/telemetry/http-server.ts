/** One way to build Braid's fastify servers, so every server logs, authenticates and speaks TLS the same way. */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type { Logger } from './logger.js';
import { DEFAULT_TENANT } from '../tenancy/tenant.js';
import { installAuth } from '../security/http-auth.js';
import type { ListenerSecurity } from '../security/index.js';

/** Options of a Braid HTTP server. */
export interface HttpServerOptions {
  bodyLimit?: number;
  /** The auth check and TLS of every listener (src/security); absent: open, plain HTTP. */
  security?: ListenerSecurity;
  /** Paths answered without credentials (the admin port's /healthz and /readyz). */
  public?: (path: string) => boolean;
}

/** Creates a fastify instance logging through `log` as component `component` (also the `listener` label of auth failures). */
export function createHttpServer(log: Logger, component: string, options: HttpServerOptions = {}): FastifyInstance {
  const tls = options.security?.tls;
  const app = Fastify({
    ...(tls ? { https: tls.options() } : {}),
    // fastify bundles its own pino major; the logger interface it needs is the same.
    loggerInstance: log.child({ component }) as unknown as FastifyBaseLogger,
    // No log line per request: counters do that job.
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
  });
  // Every request has a tenant; the auth hook (src/security) replaces the default.
  app.decorateRequest('tenant', DEFAULT_TENANT);
  if (options.security) installAuth(app as FastifyInstance, component, options.security, options.public);
  // New connections get a reloaded certificate (setSecureContext); open ones keep theirs.
  if (tls) tls.attach(app.server as unknown as HttpsServer);
  // With `https`, fastify types the server as https.Server; everything Braid calls on it is common to both.
  return app as unknown as FastifyInstance;
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
