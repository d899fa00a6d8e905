/** One way to build Braid's fastify servers, so every server logs the same way. */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from './logger.js';

/** Creates a fastify instance logging through `log` as component `component`. */
export function createHttpServer(log: Logger, component: string, options: { bodyLimit?: number } = {}): FastifyInstance {
  return Fastify({
    // fastify bundles its own pino major; the logger interface it needs is the same.
    loggerInstance: log.child({ component }) as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
  });
}
