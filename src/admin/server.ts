/**
 * The admin server (port 8888): /metrics for Prometheus, /healthz (the process is alive),
 * /readyz (200 only while every dependency this process uses answers) and POST /-/reload
 * (re-reads the rule files, as Prometheus's lifecycle endpoint does). A cluster primary serves the
 * same endpoints for all its workers from an `AdminSource` of its own (src/cluster).
 */
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../telemetry/http-server.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.js';
import type { ListenerSecurity } from '../security/index.js';

/** A dependency readiness depends on, e.g. the queue or the store. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** What /readyz answers: ready or not, and the body saying why. */
export interface Readiness {
  ready: boolean;
  body: { status: string; checks?: Record<string, string>; [more: string]: unknown };
}

/** The lifecycle phase of a process: /readyz fails while it starts or drains. */
export type Phase = 'starting' | 'running' | 'stopping';

/** What the admin endpoints answer from. */
export interface AdminSource {
  /** The Prometheus text of /metrics; `worker` (a query parameter) picks one worker of a cluster. */
  metrics(worker?: string): Promise<{ contentType: string; text: string } | undefined>;
  /** /healthz: alive or not, and the body saying why. */
  health(): Promise<{ ok: boolean; body: Record<string, unknown> }>;
  readiness(): Promise<Readiness>;
  reload?(): Promise<{ ok: boolean; errors: string[] }>;
}

/** The readiness of one process: its phase, then every check within 3 s. */
export async function processReadiness(checks: ReadinessCheck[], phase: Phase): Promise<Readiness> {
  if (phase !== 'running') return { ready: false, body: { status: phase } };
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
  return { ready, body: { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) } };
}

/** Builds the admin server of one process (not yet listening). */
export function createAdminServer(
  registry: Registry,
  checks: ReadinessCheck[],
  phase: () => Phase,
  log: Logger,
  reload?: () => Promise<{ ok: boolean; errors: string[] }>,
  security?: ListenerSecurity,
): FastifyInstance {
  return createAdminServerFrom(
    {
      metrics: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
      health: async () => ({ ok: true, body: { status: 'ok' } }),
      readiness: () => processReadiness(checks, phase()),
      ...(reload ? { reload } : {}),
    },
    log,
    security,
  );
}

/** Probes answer without credentials: kubelets and load balancers send none. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

/** Builds an admin server over any source (not yet listening); with `security`, every path but /healthz and /readyz needs credentials. */
export function createAdminServerFrom(source: AdminSource, log: Logger, security?: ListenerSecurity): FastifyInstance {
  const app = createHttpServer(log, 'admin', security ? { security, public: (path) => PUBLIC_PATHS.has(path) } : {});
  // Prometheus answers 200 with an empty body, or 500 naming what failed; the old rules stay.
  app.post('/-/reload', async (_req, reply) => {
    const r = source.reload ? await source.reload() : { ok: false, errors: ['nothing to reload'] };
    if (r.ok) return reply.code(200).type('text/plain').send('');
    return reply.code(500).type('text/plain').send(`failed to reload config: ${r.errors.join('; ')}\n`);
  });
  app.get<{ Querystring: { worker?: string } }>('/metrics', async (req, reply) => {
    const m = await source.metrics(req.query.worker);
    if (!m) return reply.code(404).type('text/plain').send(`no worker ${JSON.stringify(req.query.worker)} runs here\n`);
    return reply.type(m.contentType).send(m.text);
  });
  app.get('/healthz', async (_req, reply) => {
    const h = await source.health();
    return reply.code(h.ok ? 200 : 503).send(h.body);
  });
  app.get('/readyz', async (_req, reply) => {
    const r = await source.readiness();
    return reply.code(r.ready ? 200 : 503).send(r.body);
  });
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}
