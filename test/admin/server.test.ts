import { describe, expect, it } from 'vitest';
import { Counter, Registry } from 'prom-client';
import { createAdminServer, createAdminServerFrom, processReadiness, type AdminSource } from '../../src/admin/server.js';
import { createLogger } from '../../src/telemetry/logger.js';

const log = createLogger('silent');

describe('processReadiness', () => {
  it('is not ready while starting or stopping, and names each failing check', async () => {
    const ok = { name: 'queue (kafka)', check: async () => undefined };
    const down = { name: 'store (elasticsearch)', check: async () => Promise.reject(new Error('connect ECONNREFUSED')) };
    expect(await processReadiness([ok], 'starting')).toEqual({ ready: false, body: { status: 'starting' } });
    expect(await processReadiness([ok, down], 'running')).toEqual({ ready: false, body: { status: 'not ready', checks: { 'queue (kafka)': 'ok', 'store (elasticsearch)': 'unavailable: connect ECONNREFUSED' } } });
    expect((await processReadiness([ok], 'running')).ready).toBe(true);
  });
});

describe('admin server', () => {
  it('answers a cluster source: one worker\'s metrics by ?worker=, 404 for none, 503 health and readiness from the source', async () => {
    const source: AdminSource = {
      metrics: async (worker) => (worker === undefined ? { contentType: 'text/plain', text: 'all 3\n' } : worker === '1' ? { contentType: 'text/plain', text: 'one 1\n' } : undefined),
      health: async () => ({ ok: false, body: { status: 'workers down: 2' } }),
      readiness: async () => ({ ready: false, body: { status: 'not ready', workers: {} } }),
    };
    const app = createAdminServerFrom(source, log);
    expect((await app.inject('/metrics')).body).toBe('all 3\n');
    expect((await app.inject('/metrics?worker=1')).body).toBe('one 1\n');
    const none = await app.inject('/metrics?worker=9');
    expect([none.statusCode, none.body]).toEqual([404, 'no worker "9" runs here\n']);
    const health = await app.inject('/healthz');
    expect([health.statusCode, health.json()]).toEqual([503, { status: 'workers down: 2' }]);
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    expect((await app.inject({ method: 'POST', url: '/-/reload' })).body).toBe('failed to reload config: nothing to reload\n');
    await app.close();
  });

  it('answers one process from its registry and checks', async () => {
    const registry = new Registry();
    new Counter({ name: 'braid_test_total', help: 'h', registers: [registry] });
    const app = createAdminServer(registry, [], () => 'running', log);
    expect((await app.inject('/metrics')).body).toContain('braid_test_total 0');
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/readyz')).json()).toEqual({ status: 'ready', checks: {} });
    await app.close();
  });
});
