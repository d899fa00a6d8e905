import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createShipper, retryDelay, tailFile } from '../../../examples/shop/shipper.js';
import { freePort } from '../../../examples/shop/shop.js';
import type { RunningBraid } from '../../../src/main.js';
import { startTestBraid, testConfig } from '../../helpers/braid.js';

async function logCount(braid: RunningBraid): Promise<number> {
  return ((await braid.registry.getSingleMetric('braid_ingest_log_records_total')!.get()).values[0]?.value as number | undefined) ?? 0;
}

async function searchLogs(braid: RunningBraid, q: string): Promise<Array<{ message: string; traceId?: string; service?: string }>> {
  const res = await fetch(`${braid.addresses.query}/braid/v1/logs?q=${encodeURIComponent(q)}&start=2000-01-01T00:00:00Z&limit=1000`);
  return ((await res.json()) as { logs: Array<{ message: string; traceId?: string; service?: string }> }).logs;
}

const until = async (f: () => Promise<boolean> | boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('retryDelay', () => {
  it('honours Retry-After seconds, capped at 30 s', () => {
    expect(retryDelay(0, 200, '2')).toBe(2_000);
    expect(retryDelay(3, 200, '600')).toBe(30_000);
  });
  it('backs off exponentially with jitter in [half, full], capped at 5 s', () => {
    expect(retryDelay(0, 200, null, () => 0)).toBe(100);
    expect(retryDelay(2, 200, null, () => 0.999)).toBe(800);
    expect(retryDelay(20, 200, null, () => 0)).toBe(2_500);
    expect(retryDelay(1, 200, 'soon', () => 0)).toBe(200);
  });
});

describe('the shipper against a real Braid', () => {
  let braid: RunningBraid | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'braid-shipper-'));
  afterEach(async () => {
    await braid?.stop();
    braid = undefined;
  });

  it('ships NDJSON in batches of maxLines; Braid reads trace_id, service and msg', async () => {
    braid = await startTestBraid(testConfig());
    const shipper = createShipper({ url: braid.addresses.otlpHttp!, maxLines: 100, flushMs: 60_000 });
    const tag = `batch${Date.now()}`;
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    for (let i = 0; i < 250; i++) shipper.push(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: `${tag} line ${i}`, service: 'user', trace_id: traceId, span_id: 'b7ad6b7169203331' }));
    // Two full batches went without waiting for the flush timer; the last 50 wait for close.
    await until(async () => (await logCount(braid!)) >= 200);
    expect(shipper.stats()).toMatchObject({ shipped: 200, batches: 2, dropped: 0 });
    await shipper.close();
    expect(shipper.stats()).toMatchObject({ shipped: 250, batches: 3, retries: 0, dropped: 0 });
    await until(async () => (await logCount(braid!)) >= 250);
    const found = await searchLogs(braid, `${tag} line 7`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ message: `${tag} line 7`, traceId, service: 'user' });
  });

  it('retries while Braid is not listening yet and delivers once it is', async () => {
    const port = await freePort();
    const shipper = createShipper({ url: `http://127.0.0.1:${port}`, maxLines: 10, retryBaseMs: 100, maxAttempts: 20 });
    const tag = `retry${Date.now()}`;
    for (let i = 0; i < 10; i++) shipper.push(JSON.stringify({ level: 'warn', msg: `${tag} ${i}`, service: 'product' }));
    await until(() => shipper.stats().retries >= 2);
    const base = testConfig();
    braid = await startTestBraid({ ...base, receivers: { ...base.receivers, otlp: { ...base.receivers!.otlp, http: { endpoint: `127.0.0.1:${port}` } } } });
    await shipper.close();
    expect(shipper.stats().shipped).toBe(10);
    expect(shipper.stats().dropped).toBe(0);
    await until(async () => (await searchLogs(braid!, tag)).length === 10);
  });

  it('drops a batch Braid refuses for good (400) without retrying it', async () => {
    braid = await startTestBraid(testConfig());
    // A body that is not NDJSON under the NDJSON content type: a permanent refusal.
    const shipper = createShipper({ url: braid.addresses.otlpHttp!, maxLines: 1 });
    shipper.push('{not json');
    await shipper.close();
    expect(shipper.stats()).toMatchObject({ shipped: 0, retries: 0, dropped: 1 });
  });

  it('tails a file: lines appended later are read, a partial line waits for its end', async () => {
    const file = join(dir, 'tail.log');
    writeFileSync(file, 'one\ntw');
    const lines: string[] = [];
    const stop = tailFile(file, (l) => lines.push(l));
    try {
      await until(() => lines.length === 1);
      appendFileSync(file, 'o\nthree\n');
      await until(() => lines.length === 3);
      expect(lines).toEqual(['one', 'two', 'three']);
    } finally {
      stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
