import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { readLag, startLagReader } from '../../src/queue/lag.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { Queue } from '../../src/queue/queue.js';
import { createLogger } from '../../src/telemetry/logger.js';

const settings = { group: 'g', topicPrefix: 't.' };

/** The exposition lines of the lag gauge and the failure counter. */
async function lagLines(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((l) => /^braid_queue_consumer_lag_(records|read_failures_total)\b/.test(l));
}

describe('consumer lag gauge', () => {
  it('shows the records each partition holds past the group commit, and 0 once consumed', async () => {
    const registry = new Registry();
    const metrics = createQueueMetrics(registry);
    const q = createMemoryQueue({ partitions: 2, max_bytes: 1_000_000, topicPrefix: 't.' }, metrics, createLogger('silent'));
    const keys = ['a', 'b', 'c', 'd', 'e'];
    await q.send('spans', keys.map((k) => ({ key: Buffer.from(k), value: Buffer.from('x') })));
    await q.send('logs', [{ key: Buffer.from('a'), value: Buffer.from('y') }]);
    const onP = (p: number) => keys.filter((k) => partitionFor(Buffer.from(k), 2) === p).length;

    await readLag(q, { ...settings, kinds: ['spans', 'logs'] }, metrics);
    const pa = partitionFor(Buffer.from('a'), 2);
    expect(await lagLines(registry)).toEqual([
      `braid_queue_consumer_lag_records{topic="t.spans.v1",partition="0"} ${onP(0)}`,
      `braid_queue_consumer_lag_records{topic="t.spans.v1",partition="1"} ${onP(1)}`,
      `braid_queue_consumer_lag_records{topic="t.logs.v1",partition="0"} ${pa === 0 ? 1 : 0}`,
      `braid_queue_consumer_lag_records{topic="t.logs.v1",partition="1"} ${pa === 1 ? 1 : 0}`,
      'braid_queue_consumer_lag_read_failures_total 0',
    ]);

    const c = await q.consume('g', ['spans', 'logs'], async () => undefined);
    await expect.poll(() => q.lag('g', ['spans', 'logs'])).toBe(0);
    await c.stop();
    await readLag(q, { ...settings, kinds: ['spans'] }, metrics);
    expect(await lagLines(registry)).toEqual([
      'braid_queue_consumer_lag_records{topic="t.spans.v1",partition="0"} 0',
      'braid_queue_consumer_lag_records{topic="t.spans.v1",partition="1"} 0',
      'braid_queue_consumer_lag_read_failures_total 0',
    ]);
  });

  it('drops the series and counts the failure when the queue cannot answer in time, and reads again after', async () => {
    const registry = new Registry();
    const metrics = createQueueMetrics(registry);
    let hang = false;
    const inner = createMemoryQueue({ partitions: 1, max_bytes: 1_000, topicPrefix: 't.' }, metrics, createLogger('silent'));
    const q: Queue = { ...inner, partitionLags: (g, k) => (hang ? new Promise(() => undefined) : inner.partitionLags(g, k)) };
    const reader = startLagReader(q, { ...settings, kinds: ['spans'], intervalMs: 20, timeoutMs: 30 }, metrics, createLogger('silent'));
    await reader.firstRead;
    expect(await lagLines(registry)).toEqual(['braid_queue_consumer_lag_records{topic="t.spans.v1",partition="0"} 0', 'braid_queue_consumer_lag_read_failures_total 0']);
    hang = true;
    await expect.poll(() => lagLines(registry)).toEqual(['braid_queue_consumer_lag_read_failures_total 1']);
    hang = false;
    await inner.send('spans', [{ key: null, value: Buffer.from('x') }]);
    await expect.poll(() => lagLines(registry)).toContain('braid_queue_consumer_lag_records{topic="t.spans.v1",partition="0"} 1');
    const started = Date.now();
    hang = true;
    await new Promise((r) => setTimeout(r, 25));
    await reader.stop();
    // A read in flight does not hold up stop.
    expect(Date.now() - started).toBeLessThan(200);
  });
});
