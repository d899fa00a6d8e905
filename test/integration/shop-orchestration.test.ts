/**
 * The shop's orchestration (examples/shop/shop.ts) against an embedded Braid: the services start
 * and answer, the targets file for the scrape job is written and removed, payment's JSON log file
 * reaches Braid both through rsyslog (imfile -> omelasticsearch -> _bulk) and through the shipper
 * tailing it, with trace and span IDs, and stop() leaves no process behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop } from '../../examples/shop/shop.js';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';

/** PIDs of the processes whose parent is this process and whose command line mentions `dir` or the shop. */
function shopChildren(): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => {
    const [, ppid] = l.trim().split(/\s+/);
    return ppid === String(process.pid) && /examples\/shop|rsyslogd/.test(l);
  });
}

describe.each([
  ['rsyslog', true],
  ['the shipper tailing the file', false],
])('the shop, payment logs through %s', (_name, rsyslog) => {
  let braid: RunningBraid;
  const dir = mkdtempSync(join(tmpdir(), 'braid-shop-'));
  beforeAll(async () => {
    braid = await startTestBraid(testConfig());
  });
  afterAll(async () => {
    await braid?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, ships every log path, and stops without leftovers', async () => {
    const a = braid.addresses;
    const lines: string[] = [];
    const shop = await startShop({ otlpGrpc: `http://${a.otlpGrpc!}`, otlpHttp: a.otlpHttp!, bulk: a.elasticsearch!, dir: join(dir, 'work'), targetsDir: join(dir, 'targets'), rate: 20, rsyslog, log: (l) => lines.push(l) });
    try {
      expect(shop.paymentLogs).toBe(rsyslog ? 'rsyslog' : 'shipper');
      const targets = JSON.parse(readFileSync(shop.targetsFile, 'utf8')) as Array<{ targets: string[]; labels: Record<string, string> }>;
      expect(targets.map((t) => [t.labels.shop_service, t.targets[0]])).toEqual(['user', 'product', 'order', 'payment'].map((s) => [s, `127.0.0.1:${shop.ports[s as 'user']}`]));
      await shop.setFault('payment', { failure_ratio: 1 });
      await expect(shop.setFault('payment', { failure_ratio: 2 })).rejects.toThrow(/400.*failure_ratio/);
      // Every service's logs arrive with trace context: user/product via the shipper, order via OTLP, payment via rsyslog or the tail.
      const found = await eventually(async () => {
        const res = await fetch(`${a.query}/braid/v1/logs?q=${encodeURIComponent('declined')}&start=2000-01-01T00:00:00Z&limit=200`);
        const logs = ((await res.json()) as { logs: Array<{ service?: string; traceId?: string; spanId?: string; level: string }> }).logs;
        const payment = logs.find((l) => l.service === 'payment');
        return payment && (await fetch(`${a.query}/braid/v1/logs?q=found&start=2000-01-01T00:00:00Z&limit=1`).then(async (r) => ((await r.json()) as { logs: unknown[] }).logs.length > 0)) ? payment : undefined;
      }, 30_000, `payment's "card declined" log line and a user/product line (shop log: ${lines.join('\n')})`);
      expect(found.level).toBe('error');
      expect(found.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(found.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(shop.stats().failed).toBeGreaterThan(0);
      expect(shop.recentFailures().length).toBeGreaterThan(0);
      expect(shopChildren().length).toBe(6);
    } finally {
      await shop.stop();
    }
    expect(existsSync(shop.targetsFile)).toBe(false);
    expect(shopChildren()).toEqual([]);
  }, 90_000);
});
