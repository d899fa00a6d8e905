import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';

const rec = (key: string) => ({ key: Buffer.from(key), value: Buffer.from(key) });

describe('in-process queue: broadcast read', () => {
  it('gives every reader every record sent after it started, whatever the consumer group takes, and stops on abort', async () => {
    const q = createMemoryQueue({ partitions: 3, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    await q.send('metrics', [rec('before')]);
    const seen: string[][] = [[], []];
    const ac = new AbortController();
    const readers = await Promise.all(seen.map((s, i) => q.read(['metrics'], 0, (b) => void s.push(...b.records.map((r) => r.value.toString())), i === 0 ? ac.signal : new AbortController().signal)));
    await Promise.all(readers.map((r) => r.caughtUp));
    const grouped: string[] = [];
    const consumer = await q.consume('g', ['metrics'], async (b) => void grouped.push(...b.records.map((r) => r.value.toString())));
    await q.send('metrics', [rec('a'), rec('b'), rec('c')]);
    await q.send('spans', [rec('span')]);
    await expect.poll(() => seen.map((s) => [...s].sort())).toEqual([['a', 'b', 'c'], ['a', 'b', 'c']]);
    await expect.poll(() => grouped.sort()).toEqual(['a', 'b', 'before', 'c']);
    ac.abort();
    await q.send('metrics', [rec('d')]);
    await expect.poll(() => seen[1]!.length).toBe(4);
    expect(seen[0]!.length).toBe(3);
    await readers[1]!.stop();
    await consumer.stop();
  });
});
