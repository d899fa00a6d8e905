/**
 * The in-process queue of the embedded all-in-one. It carries the same record bytes as Kafka,
 * partitions by key the same way, commits per group, and redelivers a batch whose handler
 * failed. It is bounded by bytes: a send that would exceed the bound is refused with
 * BRAID_ERR_QUEUE_FULL (HTTP 429 / gRPC UNAVAILABLE), never silently dropped.
 */
import { setMaxListeners } from 'node:events';
import { BraidError } from '../../errors.js';
import { backoffDelay, sleep } from '../../backoff.js';
import type { Logger } from '../../telemetry/logger.js';
import type { QueueMetrics } from '../metrics.js';
import { tenantHeaders, tenantOfHeaders, topicName, type BatchHandler, type ConsumeOptions, type DeadLetter, type ConsumedRecord, type PartitionLag, type Queue, type QueueConsumer, type QueueRecord, type RecordKind } from '../queue.js';
import { MemoryReaders } from './memory-read.js';
import { partitionFor } from './partition.js';

/** Settings of the in-process queue (`queue.memory`). */
export interface MemoryQueueSettings {
  partitions: number;
  max_bytes: number;
  /** Largest record value accepted; mirrors Kafka's default max.message.bytes. */
  maxRecordBytes?: number;
  topicPrefix: string;
}

interface Partition {
  /** Records from `base` on; index i holds offset base + i. */
  records: ConsumedRecord[];
  base: number;
  /** Next offset each group will read. */
  committed: Map<string, number>;
  waiters: Array<() => void>;
}

const MAX_BATCH_RECORDS = 500;
/** Dead letters the in-process queue keeps (the newest; each is also logged). */
const MAX_DEAD_LETTERS = 1_000;

/** The in-process queue, which also shows what it holds on its dead-letter list. */
export interface MemoryQueue extends Queue {
  /** The newest dead letters, oldest first. */
  deadLetters(): readonly DeadLetter[];
}

/** Creates the in-process queue. */
export function createMemoryQueue(settings: MemoryQueueSettings, metrics: QueueMetrics, log: Logger): MemoryQueue {
  const streams = new Map<RecordKind, Partition[]>();
  let buffered = 0;
  const deadLetters: DeadLetter[] = [];
  const maxRecordBytes = settings.maxRecordBytes ?? 1_048_576;
  /** The state topic's latest value per key (the process is its only reader and writer). */
  const states = new Map<string, Buffer>();
  const readers = new MemoryReaders();

  function partitionsOf(kind: RecordKind): Partition[] {
    let p = streams.get(kind);
    if (!p) {
      p = Array.from({ length: settings.partitions }, () => ({ records: [], base: 0, committed: new Map(), waiters: [] }));
      streams.set(kind, p);
    }
    return p;
  }

  /** Drops records every group has committed past, and frees their bytes. */
  function trim(part: Partition): void {
    let low = Infinity;
    for (const v of part.committed.values()) low = Math.min(low, v);
    if (low === Infinity) return;
    const n = low - part.base;
    if (n <= 0) return;
    for (const r of part.records.slice(0, n)) buffered -= r.value.length + (r.key?.length ?? 0);
    part.records.splice(0, n);
    part.base = low;
    metrics.bufferedBytes.set(buffered);
  }

  async function send(kind: RecordKind, records: QueueRecord[]): Promise<void> {
    const topic = topicName(settings.topicPrefix, kind);
    let bytes = 0;
    for (const r of records) {
      if (r.value.length > maxRecordBytes) {
        metrics.produceFailures.inc({ topic, reason: 'too_large' });
        throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `record of ${r.value.length} bytes exceeds the topic's limit of ${maxRecordBytes} bytes`);
      }
      bytes += r.value.length + (r.key?.length ?? 0);
    }
    if (bytes > settings.max_bytes) {
      metrics.produceFailures.inc({ topic, reason: 'too_large' });
      throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `request of ${bytes} bytes can never fit the in-process queue (queue.memory.max_bytes = ${settings.max_bytes})`);
    }
    if (buffered + bytes > settings.max_bytes) {
      metrics.produceFailures.inc({ topic, reason: 'full' });
      throw new BraidError('BRAID_ERR_QUEUE_FULL', `in-process queue is full (${buffered} of ${settings.max_bytes} bytes held); retry later`);
    }
    const parts = partitionsOf(kind);
    const sent: ConsumedRecord[] = [];
    for (const r of records) {
      const p = partitionFor(r.key, parts.length);
      const part = parts[p] as Partition;
      const rec: ConsumedRecord = { key: r.key, value: r.value, partition: p, offset: String(part.base + part.records.length) };
      // The default tenant is carried as Kafka carries it: no field.
      const tenant = tenantOfHeaders(tenantHeaders(r.tenant));
      if (tenant !== undefined) rec.tenant = tenant;
      part.records.push(rec);
      sent.push(rec);
    }
    buffered += bytes;
    metrics.bufferedBytes.set(buffered);
    metrics.produced.inc({ topic }, records.length);
    metrics.producedBytes.inc({ topic }, bytes);
    for (const part of parts) for (const w of part.waiters.splice(0)) w();
    readers.publish(kind, sent);
  }

  async function consumePartition(group: string, kind: RecordKind, p: number, handler: BatchHandler, signal: AbortSignal): Promise<void> {
    const part = partitionsOf(kind)[p] as Partition;
    const topic = topicName(settings.topicPrefix, kind);
    if (!part.committed.has(group)) part.committed.set(group, part.base);
    let attempt = 0;
    while (!signal.aborted) {
      const next = part.committed.get(group) as number;
      const start = next - part.base;
      if (start >= part.records.length) {
        await new Promise<void>((resolve) => {
          const done = () => {
            signal.removeEventListener('abort', done);
            resolve();
          };
          part.waiters.push(done);
          signal.addEventListener('abort', done, { once: true });
        });
        continue;
      }
      const records = part.records.slice(start, start + MAX_BATCH_RECORDS);
      try {
        // The handler gets its own signal so an in-flight batch finishes on stop (drain).
        await handler({ kind, partition: p, records }, new AbortController().signal);
        attempt = 0;
        part.committed.set(group, next + records.length);
        metrics.consumed.inc({ topic }, records.length);
        trim(part);
      } catch (err) {
        metrics.handlerFailures.inc({ topic });
        log.warn({ err: (err as Error).message, topic, partition: p }, 'batch handler failed; redelivering after backoff');
        await sleep(backoffDelay(attempt++, { initialMs: 100, maxMs: 10_000 }), signal);
      }
    }
  }

  /** Records each partition holds past `group`'s commit (a group that never consumed: all it holds). */
  function partitionLags(group: string, kinds: readonly RecordKind[]): PartitionLag[] {
    return kinds.flatMap((kind) => partitionsOf(kind).map((part, partition) => ({ kind, partition, records: part.base + part.records.length - (part.committed.get(group) ?? part.base) })));
  }

  return {
    kind: 'memory',
    async start() {},
    send,
    async sendDeadLetters(letters) {
      for (const l of letters) {
        const topic = topicName(settings.topicPrefix, l.kind);
        log.error({ topic, partition: l.partition, offset: l.offset, stage: l.stage, reason: l.reason }, 'dead letter');
        metrics.deadLetters.inc({ topic, stage: l.stage });
        deadLetters.push(l);
      }
      if (deadLetters.length > MAX_DEAD_LETTERS) deadLetters.splice(0, deadLetters.length - MAX_DEAD_LETTERS);
    },
    deadLetters: () => deadLetters,
    maxRecordBytes: () => maxRecordBytes,
    async saveState(key, value) {
      states.set(key, value);
    },
    async loadStates(keys) {
      const out = new Map<string, Buffer>();
      for (const k of keys) if (states.has(k)) out.set(k, states.get(k) as Buffer);
      return out;
    },
    async read(kinds, _fromMs, handler, signal) {
      return readers.add(kinds, handler, signal);
    },
    async consume(group, kinds, handler, options?: ConsumeOptions): Promise<QueueConsumer> {
      options?.onAssignment?.(kinds.flatMap((kind) => Array.from({ length: settings.partitions }, (_, partition) => ({ kind, partition }))));
      const ac = new AbortController();
      // Every partition's loop waits on this one signal.
      setMaxListeners(kinds.length * settings.partitions + 10, ac.signal);
      const loops: Promise<void>[] = [];
      for (const kind of kinds) {
        for (let p = 0; p < settings.partitions; p++) loops.push(consumePartition(group, kind, p, handler, ac.signal));
      }
      return {
        async stop() {
          ac.abort();
          await Promise.all(loops);
        },
      };
    },
    async lag(group, kinds) {
      return partitionLags(group, kinds).reduce((n, p) => n + p.records, 0);
    },
    async partitionLags(group, kinds) {
      return partitionLags(group, kinds);
    },
    async ping() {},
    async close() {},
  };
}
