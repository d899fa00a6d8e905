/**
 * The admin server (port 8888): /metrics for Prometheus, /healthz (the process is alive),
 * /readyz (200 only while every dependency this process uses answers) and POST /-/reload
 * (re-reads the rule files, as Prometheus's lifecycle endpoint does).
 */
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../telemetry/http-server.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';

/** A dependency readiness depends on, e.g. the queue or the store. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** Builds the admin server (not yet listening). /readyz fails while the process starts or drains. */
export function createAdminServer(
  registry: Registry,
  checks: ReadinessCheck[],
  phase: () => 'starting' | 'running' | 'stopping',
  log: Logger,
  reload?: () => Promise<{ ok: boolean; errors: string[] }>,
): FastifyInstance {
  const app = createHttpServer(log, 'admin');
  // Prometheus answers 200 with an empty body, or 500 naming what failed; the old rules stay.
  app.post('/-/reload', async (_req, reply) => {
    const r = reload ? await reload() : { ok: false, errors: ['nothing to reload'] };
    if (r.ok) return reply.code(200).type('text/plain').send('');
    return reply.code(500).type('text/plain').send(`failed to reload config: ${r.errors.join('; ')}\n`);
  });
  app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (phase() !== 'running') return reply.code(503).send({ status: phase() });
    const results = await Promise.all(
      checks.map(async (c) => {
        try {
          await withTimeout(c.check(), 3_000);
          return [c.name, 'ok'] as const;
        } catch (err) {
          return [c.name, `unavailable: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = results.every(([, s]) => s === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}
