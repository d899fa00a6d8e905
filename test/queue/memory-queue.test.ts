import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { murmur2, partitionFor } from '../../src/queue/memory/partition.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { ConsumedBatch } from '../../src/queue/queue.js';
import { createLogger } from '../../src/telemetry/logger.js';

const rec = (key: string, bytes: number) => ({ key: Buffer.from(key), value: Buffer.alloc(bytes, 1) });
const newQueue = (maxBytes: number, partitions = 2) =>
  createMemoryQueue({ partitions, max_bytes: maxBytes, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));

describe('in-process queue', () => {
  it('refuses with a retryable QUEUE_FULL when full, and accepts again once consumed', async () => {
    const q = newQueue(1_000);
    await q.send('spans', [rec('a', 600)]);
    const err = await q.send('spans', [rec('b', 600)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BraidError);
    expect((err as BraidError).code).toBe('BRAID_ERR_QUEUE_FULL');
    expect((err as BraidError).httpStatus).toBe(429);
    expect((err as BraidError).transient).toBe(true);
    expect(await q.lag('g', ['spans'])).toBe(1);

    const seen: string[] = [];
    const c = await q.consume('g', ['spans'], async (b) => {
      seen.push(...b.records.map((r) => r.key!.toString()));
    });
    await expect.poll(() => q.lag('g', ['spans'])).toBe(0);
    await q.send('spans', [rec('b', 600)]);
    await expect.poll(() => seen).toEqual(['a', 'b']);
    await c.stop();
  });

  it('refuses a request that can never fit with a permanent error', async () => {
    const q = newQueue(1_000);
    const err = (await q.send('spans', [rec('a', 1_001)]).catch((e: unknown) => e)) as BraidError;
    expect(err.code).toBe('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE');
    expect(err.transient).toBe(false);
  });

  it('redelivers a batch whose handler failed, and commits only after success', async () => {
    const q = newQueue(10_000, 1);
    await q.send('spans', [rec('a', 10), rec('b', 10)]);
    const batches: ConsumedBatch[] = [];
    let fail = true;
    const c = await q.consume('g', ['spans'], async (b) => {
      batches.push(b);
      if (fail) {
        fail = false;
        throw new Error('store down');
      }
    });
    await expect.poll(() => batches.length, { timeout: 5_000 }).toBe(2);
    expect(batches[1]!.records.map((r) => r.offset)).toEqual(['0', '1']);
    await expect.poll(() => q.lag('g', ['spans'])).toBe(0);
    await c.stop();
  });

  it('partitions by key with Kafka\'s murmur2', () => {
    // Reference values from Kafka's Java Utils.murmur2 (UtilsTest).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(partitionFor(Buffer.from('foobar'), 6)).toBe((-790332482 & 0x7fffffff) % 6);
  });
});
