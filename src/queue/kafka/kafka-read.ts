/**
 * The broadcast read of the Kafka queue: every partition of the streams from the first offset at
 * or after `fromMs`, outside the ingesters' group and never committing, for each process that keeps
 * a head. kafkajs cannot assign partitions without a group, so a throwaway group (a fresh ID, alone
 * in it, deleted on stop) reads, seeking each partition to its start offset.
 *
 * Metric records are unkeyed, so one series' samples are spread over the partitions. Replaying two
 * hours, partitions advance at different speeds, and a head would see most samples out of order.
 * Until the read has reached the end offsets seen at its start, records are therefore merged across
 * partitions by their Kafka timestamp (a partition that runs ahead is paused); after that they are
 * handed on as they come, which is in time order to within a fetch.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../telemetry/logger.js';
import { tenantOfHeaders, type ConsumedRecord, type QueueReader, type ReadHandler, type RecordKind } from '../queue.js';

/** Bytes buffered per partition during catch-up before it is paused. */
const PAUSE_BYTES = 8 * 1024 * 1024;

interface PartitionState {
  kind: RecordKind;
  topic: string;
  partition: number;
  /** The end offset seen at start; caught up once a record before it was read. */
  end: bigint;
  caughtUp: boolean;
  paused: boolean;
  buffer: Array<{ ts: number; record: ConsumedRecord }>;
  bytes: number;
}

/** What the read needs from the queue. */
export interface KafkaReadDeps {
  kafka: Kafka;
  admin: Admin;
  clientId: string;
  topic: (kind: RecordKind) => string;
  log: Logger;
}

/** A consumed Kafka message as the queue port's record, its tenant from the `braid.tenant` header. */
export function consumedRecord(m: KafkaMessage, partition: number): ConsumedRecord {
  const rec: ConsumedRecord = { key: m.key, value: m.value ?? Buffer.alloc(0), partition, offset: m.offset };
  const tenant = tenantOfHeaders(m.headers);
  if (tenant !== undefined) rec.tenant = tenant;
  return rec;
}

/** Starts a broadcast read; see the file comment. */
export async function startKafkaRead(deps: KafkaReadDeps, kinds: readonly RecordKind[], fromMs: number, handler: ReadHandler, signal: AbortSignal): Promise<QueueReader> {
  const { kafka, admin, topic, log } = deps;
  const parts = new Map<string, PartitionState>();
  const starts: Array<{ topic: string; partition: number; offset: string }> = [];
  for (const kind of kinds) {
    const t = topic(kind);
    const [ends, from] = await Promise.all([admin.fetchTopicOffsets(t), admin.fetchTopicOffsetsByTimestamp(t, fromMs)]);
    for (const e of ends) {
      const start = from.find((f) => f.partition === e.partition)?.offset ?? e.high;
      starts.push({ topic: t, partition: e.partition, offset: start });
      const caughtUp = BigInt(start) >= BigInt(e.high);
      parts.set(`${t}/${e.partition}`, { kind, topic: t, partition: e.partition, end: BigInt(e.high), caughtUp, paused: false, buffer: [], bytes: 0 });
    }
  }
  let resolveCaughtUp!: () => void;
  const caughtUp = new Promise<void>((resolve) => (resolveCaughtUp = resolve));
  let live = false;
  const groupId = `${deps.clientId}-head-read-${randomUUID()}`;
  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, maxBytesPerPartition: 4 * 1024 * 1024 });

  const deliver = async (p: PartitionState, records: ConsumedRecord[]) => {
    try {
      await handler({ kind: p.kind, partition: p.partition, records });
    } catch (err) {
      log.warn({ err: (err as Error).message, topic: p.topic, partition: p.partition }, 'read handler failed; records skipped');
    }
  };

  /** Hands on buffered records in timestamp order while no partition still catching up is empty. */
  const merge = async () => {
    const all = [...parts.values()];
    for (;;) {
      let best: PartitionState | undefined;
      for (const p of all) {
        if (p.buffer.length === 0) {
          if (!p.caughtUp) return;
          continue;
        }
        if (best === undefined || p.buffer[0]!.ts < best.buffer[0]!.ts) best = p;
      }
      if (best === undefined) break;
      const { record } = best.buffer.shift()!;
      best.bytes -= record.value.length;
      if (best.paused && best.bytes < PAUSE_BYTES / 2) {
        best.paused = false;
        consumer.resume([{ topic: best.topic, partitions: [best.partition] }]);
      }
      await deliver(best, [record]);
    }
    if (all.every((p) => p.caughtUp) && !live) {
      live = true;
      log.info({ fromMs, partitions: all.length }, 'broadcast read caught up');
      resolveCaughtUp();
    }
  };

  await consumer.connect();
  await consumer.subscribe({ topics: kinds.map(topic), fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const p = parts.get(`${batch.topic}/${batch.partition}`);
      if (p === undefined || batch.messages.length === 0) return;
      const records = batch.messages.map((m) => consumedRecord(m, batch.partition));
      if (live) {
        await deliver(p, records);
        return;
      }
      batch.messages.forEach((m, i) => {
        p.buffer.push({ ts: Number(m.timestamp), record: records[i]! });
        p.bytes += records[i]!.value.length;
      });
      if (BigInt(batch.lastOffset()) + 1n >= p.end) p.caughtUp = true;
      if (!p.caughtUp && p.bytes >= PAUSE_BYTES && !p.paused) {
        p.paused = true;
        consumer.pause([{ topic: p.topic, partitions: [p.partition] }]);
      }
      await merge();
    },
  });
  for (const s of starts) consumer.seek(s);
  await merge();

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  };
  signal.addEventListener('abort', () => void stop(), { once: true });
  return { caughtUp, stop };
}
