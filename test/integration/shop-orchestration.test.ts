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
import { faultsMain } from '../../examples/shop/faults.js';
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
      // The fault CLI finds this shop through its targets file.
      const printed: string[] = [];
      await faultsMain(['payment', 'failure_ratio=1', '--targets-dir', join(dir, 'targets')], (l) => printed.push(l));
      expect(printed).toEqual([`payment http://127.0.0.1:${shop.ports.payment}: {"failure_ratio":1}`]);
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

describe('a shop whose process exits without stop()', () => {
  it('leaves no service, shipper or rsyslog running and no targets file (the exit hook)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'braid-shop-exit-'));
    try {
      const script = `import { startShop } from './examples/shop/shop.ts';
const shop = await startShop({ otlpGrpc: 'http://127.0.0.1:9', otlpHttp: 'http://127.0.0.1:9', bulk: 'http://127.0.0.1:9', rate: 0, dir: ${JSON.stringify(join(dir, 'work'))}, targetsDir: ${JSON.stringify(join(dir, 'targets'))} });
console.log(JSON.stringify({ ports: shop.ports, targetsFile: shop.targetsFile }));
process.exit(3);`;
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 }).toString();
      expect.unreachable(`the script should exit 3, printed ${out}`);
    } catch (err) {
      const e = err as { status?: number; stdout?: string; stderr?: string };
      expect(e.status, e.stderr).toBe(3);
      const { ports, targetsFile } = JSON.parse(String(e.stdout).trim().split('\n').at(-1)!) as { ports: Record<string, number>; targetsFile: string };
      expect(existsSync(targetsFile)).toBe(false);
      await new Promise((r) => setTimeout(r, 300));
      for (const port of Object.values(ports)) await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      expect(execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' })).not.toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
