/**
 * Records that can never be stored go to the dead-letter topic with the reason, and the partition
 * moves on: later records of the same partition are indexed and committed.
 */
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { eventually, newSpanId, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

/** An attribute value nested deeper than Elasticsearch's flattened depth_limit (20). */
function deepValue(depth: number): object {
  let v: object = { stringValue: 'bottom' };
  for (let i = 0; i < depth; i++) v = { kvlistValue: { values: [{ key: `level${depth - i}`, value: v }] } };
  return v;
}

const header = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();

describe('dead-letter topic (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const esUrl = inject('elasticsearchUrl');
  const prefix = uniqueName('dlq');
  const topicPrefix = `${prefix}.`;
  const partitions = 2;
  let braid: RunningBraid;
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });

  beforeAll(async () => {
    braid = await startTestBraid(
      testConfig({
        queue: { kafka: { brokers: [brokers], topic_prefix: topicPrefix, group_id: `${prefix}-ingester`, partitions } },
        storage: { elasticsearch: { url: esUrl, index_prefix: prefix } },
      }),
    );
  });
  afterAll(async () => {
    await braid?.stop();
  });

  it('moves an undecodable record and a refused document to the dead-letter topic, and indexes what follows', async () => {
    // A poison record, produced straight onto the spans topic, on the partition the next trace uses.
    const validId = newTraceId();
    const key = Buffer.from(validId, 'hex');
    const producer = kafka.producer();
    await producer.connect();
    const poison = Buffer.from([0x0a, 0xff, 0xff, 0x01, 0x02]); // a length that runs past the end
    const [sent] = await producer.send({ topic: `${topicPrefix}spans.v1`, acks: -1, messages: [{ key, value: poison }] });
    await producer.disconnect();
    expect(sent?.partition).toBe(partitionFor(key, partitions));

    // A trace one span of which Elasticsearch refuses for good (flattened depth limit).
    const mixedId = newTraceId();
    const refusedSpan = newSpanId();
    const okSpan = newSpanId();
    const now = BigInt(Date.now()) * 1_000_000n;
    const mixed = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'dlq-test' } }] },
          scopeSpans: [
            {
              spans: [
                { traceId: mixedId, spanId: okSpan, name: 'fine', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n) },
                { traceId: mixedId, spanId: refusedSpan, parentSpanId: okSpan, name: 'too deep', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 500_000n), attributes: [{ key: 'nested', value: deepValue(25) }] },
              ],
            },
          ],
        },
      ],
    };
    const post = (body: unknown) => fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(mixed)).status).toBe(200);
    // A valid trace behind the poison record on the same partition.
    expect((await post(twoSpanTrace(validId).body)).status).toBe(200);

    const jaeger = async (id: string) => {
      const res = await fetch(`${braid.addresses.query}/api/traces/${id}`);
      return res.status === 200 ? ((await res.json()) as { data: Array<{ spans: Array<{ spanID: string }> }> }) : undefined;
    };
    const valid = await eventually(() => jaeger(validId), 30_000, 'the valid trace behind the poison record');
    expect(valid.data[0]?.spans).toHaveLength(2);
    const partial = await eventually(() => jaeger(mixedId), 30_000, 'the storable span of the mixed trace');
    expect(partial.data[0]?.spans.map((s) => s.spanID)).toEqual([okSpan]);

    // Both dead letters are on the topic, with their reason and origin.
    const consumer = kafka.consumer({ groupId: `${prefix}-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topicPrefix}deadletter.v1`, fromBeginning: true });
    const letters: KafkaMessage[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void letters.push(message) });
    await eventually(async () => (letters.length >= 2 ? true : undefined), 30_000, 'two dead letters');
    await consumer.disconnect();
    expect(letters).toHaveLength(2);

    const decode = letters.find((m) => header(m, 'braid.dlq.stage') === 'decode')!;
    expect(decode.value).toEqual(poison);
    expect(decode.key).toEqual(key);
    expect(header(decode, 'braid.dlq.topic')).toBe(`${topicPrefix}spans.v1`);
    expect(header(decode, 'braid.dlq.partition')).toBe(String(sent?.partition));
    expect(header(decode, 'braid.dlq.offset')).toBe(sent?.baseOffset);
    expect(header(decode, 'braid.dlq.reason')).toMatch(/undecodable spans record/);
    expect(header(decode, 'content-type')).toBe('application/x-protobuf');

    const index = letters.find((m) => header(m, 'braid.dlq.stage') === 'index')!;
    expect(header(index, 'braid.dlq.reason')).toMatch(/^400 document_parsing_exception: .*depth/i);
    expect(header(index, 'content-type')).toBe('application/json');
    const doc = JSON.parse(index.value!.toString()) as Record<string, unknown>;
    expect(doc['span.id']).toBe(refusedSpan);
    expect(doc['trace.id']).toBe(mixedId);

    // The partitions moved on: nothing is left uncommitted.
    await eventually(async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(`${topicPrefix}spans.v1`), admin.fetchOffsets({ groupId: `${prefix}-ingester`, topics: [`${topicPrefix}spans.v1`] })]);
        const lag = ends.reduce((n, e) => n + Number(e.high) - Math.max(0, Number(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? 0)), 0);
        return lag === 0 ? true : undefined;
      } finally {
        await admin.disconnect();
      }
    }, 20_000, 'the ingester committed past the dead letters');

    const metrics = await (await fetch(`${braid.addresses.admin}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`braid_queue_dead_letters_total\\{topic="${topicPrefix.replace('.', '\\.')}spans\\.v1",stage="decode"\\} 1`));
    expect(metrics).toMatch(new RegExp(`braid_queue_dead_letters_total\\{topic="${topicPrefix.replace('.', '\\.')}spans\\.v1",stage="index"\\} 1`));
  });
});
