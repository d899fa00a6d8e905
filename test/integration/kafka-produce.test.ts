/**
 * The Kafka queue's coalescing produce path against the real Kafka: concurrent sends share
 * produce requests (counted from the broker's side: record batches in its log segments), every
 * record is read back on the partition its key maps to, in order per caller, with each codec; a
 * refused batch rejects only the callers whose records it held.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import kafkajs from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pidListeningOn } from '../../scripts/infra/process.js';
import { createKafkaQueue, type KafkaQueueSettings } from '../../src/queue/kafka/kafka-queue.js';
import { createQueueMetrics, type QueueMetrics } from '../../src/queue/metrics.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { ConsumedRecord, Queue } from '../../src/queue/queue.js';
import { BraidError } from '../../src/errors.js';
import { eventually } from '../helpers/otlp.js';
import { uniqueName } from '../helpers/braid.js';

const PARTITIONS = 3;
const brokers = () => inject('kafkaBrokers');

/** The broker's log directory, from its command line (the harness's broker runs on this machine). */
function brokerLogDir(): string {
  const pid = pidListeningOn(Number(brokers().split(':')[1])) as number;
  const props = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('server.properties')) as string;
  return /^log\.dirs=(.*)$/m.exec(readFileSync(props, 'utf8'))?.[1]?.split(',')[0] as string;
}

/** Record batches of a topic as the broker wrote them: each produce request leaves one per partition it wrote to. Returns each batch's compression codec (attributes & 7). */
function recordBatches(topic: string): number[] {
  const dir = brokerLogDir();
  const codecs: number[] = [];
  for (const d of readdirSync(dir).filter((n) => n.startsWith(`${topic}-`))) {
    for (const f of readdirSync(join(dir, d)).filter((n) => n.endsWith('.log'))) {
      const buf = readFileSync(join(dir, d, f));
      // baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc int32, attributes int16
      for (let pos = 0; pos + 23 <= buf.length; pos += 12 + buf.readInt32BE(pos + 8)) codecs.push(buf.readInt16BE(pos + 21) & 7);
    }
  }
  return codecs;
}

const queues: Queue[] = [];
async function startQueue(prefix: string, extra: Partial<KafkaQueueSettings> = {}): Promise<{ queue: Queue; metrics: QueueMetrics }> {
  const metrics = createQueueMetrics(new Registry());
  const queue = createKafkaQueue({ brokers: [brokers()], client_id: prefix, topic_prefix: `${prefix}.`, partitions: PARTITIONS, replication_factor: 1, produce_timeout_ms: 10_000, ...extra }, metrics, createLogger('warn'));
  await queue.start();
  queues.push(queue);
  return { queue, metrics };
}

async function requestCount(metrics: QueueMetrics): Promise<number> {
  return (await metrics.produceRequestRecords.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
}

afterAll(async () => {
  for (const q of queues) await q.close();
});

describe('coalesced produce on the real Kafka', () => {
  it.each([
    ['none', 0],
    ['snappy', 2],
    ['gzip', 1],
  ] as const)('compression %s: 40 concurrent sends share a few produce requests; every record reads back on its key partition, in order per caller', async (compression, codec) => {
    const prefix = uniqueName(`kprod-${compression}`);
    const { queue, metrics } = await startQueue(prefix, { linger_ms: 20, compression });
    // 40 callers of 10 records: 9 traces of their own, and one trace of 5 records to check order.
    const calls = Array.from({ length: 40 }, (_, c) => [
      ...Array.from({ length: 9 }, (_, i) => ({ key: Buffer.from(`${prefix}-c${c}-t${i}`), value: Buffer.from(`call ${c} trace ${i} `.repeat(60)) })),
    ]);
    const ordered = Array.from({ length: 5 }, (_, i) => ({ key: Buffer.from(`${prefix}-ordered`), value: Buffer.from(`ordered ${i}`) }));
    (calls[7] as Array<{ key: Buffer; value: Buffer }>).push(...ordered);
    await Promise.all(calls.map((records) => queue.send('spans', records)));

    const sent = calls.flat();
    const requests = await requestCount(metrics);
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThan(10);
    const batches = recordBatches(`${prefix}.spans.v1`);
    // Without coalescing: at least one batch per call (~40 x 3: one per partition it touched).
    // Coalesced: one per request and partition, and a few more when kafkajs retried a request.
    expect(batches.length).toBeLessThan(calls.length);
    expect(new Set(batches)).toEqual(new Set([codec]));

    const got: ConsumedRecord[] = [];
    const consumer = await queue.consume(`${prefix}-group`, ['spans'], async (batch) => {
      got.push(...batch.records);
    });
    try {
      await eventually(async () => (got.length >= sent.length ? true : undefined), 30_000, 'every record read back');
    } finally {
      await consumer.stop();
    }
    expect(got).toHaveLength(sent.length);
    expect(new Set(got.map((r) => r.value.toString()))).toEqual(new Set(sent.map((r) => r.value.toString())));
    for (const r of got) expect(r.partition).toBe(partitionFor(r.key, PARTITIONS));
    const orderedBack = got.filter((r) => r.key?.toString() === `${prefix}-ordered`).sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    expect(orderedBack.map((r) => r.value.toString())).toEqual(ordered.map((r) => r.value.toString()));
    expect((await metrics.produced.get()).values[0]?.value).toBe(sent.length);
  }, 60_000);

  it('a batch the broker refuses rejects only the callers whose records it held', async () => {
    const prefix = uniqueName('kprod-refused');
    // The logs topic takes records of at most 2 kB; spans the default 1 MB.
    const admin = new kafkajs.Kafka({ clientId: prefix, brokers: [brokers()], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${prefix}.logs.v1`, numPartitions: PARTITIONS, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '2048' }] }] });
    } finally {
      await admin.disconnect();
    }
    const { queue, metrics } = await startQueue(prefix, { linger_ms: 50 });
    const ok = Array.from({ length: 5 }, (_, c) => queue.send('spans', [{ key: Buffer.from(`${prefix}-${c}`), value: Buffer.alloc(1_000, c) }]));
    const refused = queue.send('logs', [{ key: Buffer.from(`${prefix}-big`), value: Buffer.alloc(10_000, 1) }]);
    const outcomes = await Promise.allSettled([...ok, refused]);
    expect(outcomes.slice(0, 5).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const last = outcomes[5] as PromiseRejectedResult;
    expect(last.status).toBe('rejected');
    expect((last.reason as BraidError).code).toBe('BRAID_ERR_QUEUE_UNAVAILABLE');
    expect((last.reason as BraidError).message).toContain(`kafka did not accept the records for ${prefix}.logs.v1`);
    // One shared request, then each call alone: 1 + 6.
    expect(await requestCount(metrics)).toBe(7);
    const failures = (await metrics.produceFailures.get()).values;
    expect(failures.map((v) => [v.labels.topic, v.labels.reason, v.value])).toEqual([[`${prefix}.logs.v1`, 'unavailable', 1]]);
  }, 60_000);
});
