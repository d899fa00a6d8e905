/**
 * The Kafka queue (kafkajs). Topics are created at start when absent; produce waits for all
 * in-sync replicas (acks=-1) and is bounded in time, so a receiver can answer "retry later"
 * instead of hanging; consumers commit an offset only after their handler resolved for every
 * record before it. kafkajs's default partitioner is murmur2 like the Java client's, so records
 * keyed by trace ID land where the OTel Collector's kafka exporter would put them.
 */
import { randomUUID } from 'node:crypto';
// Before kafkajs: its record batch encoder must find the faster CRC-32C in the module cache.
import './crc32c.js';
import { AssignerProtocol, Kafka, Partitioners, logLevel, type KafkaConfig, type PartitionAssigner, type Admin, type Producer, type EachBatchPayload, type LogEntry } from 'kafkajs';
import { BraidError } from '../../errors.js';
import { clientTlsOptions, readConfigFile, tlsTrustFailure, type ClientTlsSettings } from '../../config/files.js';
import { backoffDelay, sleep } from '../../backoff.js';
import type { Logger } from '../../telemetry/logger.js';
import type { QueueMetrics } from '../metrics.js';
import { consumedRecord, startKafkaRead } from './kafka-read.js';
import { BATCH_HEADER_BYTES, RECORD_FRAMING_BYTES, createCoalescer, refusedByBroker, type ProduceMessage } from './kafka-produce.js';
import { compressionType, type KafkaCompression } from './kafka-produce-codecs.js';
import { RECORD_KINDS, deadLetterHeaders, deadLetterTopicName, stateTopicName, tenantHeaders, topicName, type BatchHandler, type ConsumeOptions, type DeadLetter, type PartitionLag, type Queue, type QueueConsumer, type QueueRecord, type RecordKind } from '../queue.js';

/** Settings of the Kafka queue (`queue.kafka`). */
export interface KafkaQueueSettings {
  brokers: string[];
  client_id: string;
  topic_prefix: string;
  partitions: number;
  replication_factor: number;
  produce_timeout_ms: number;
  /** Coalescing of produce calls (docs/adr/0015); defaults when unset: PRODUCE_DEFAULTS. */
  linger_ms?: number | undefined;
  batch_max_bytes?: number | undefined;
  max_buffered_bytes?: number | undefined;
  max_in_flight_requests?: number | undefined;
  compression?: KafkaCompression | undefined;
  /** TLS to the brokers; off unless `enabled`. */
  tls?: (ClientTlsSettings & { enabled: boolean }) | undefined;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password?: string | undefined; password_file?: string | undefined } | undefined;
}

/** kafkajs's `ssl` and `sasl` options from the settings, reading the files they name now. */
export function kafkaConnectionOptions(settings: Pick<KafkaQueueSettings, 'tls' | 'sasl'>): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (settings.tls?.enabled) out.ssl = clientTlsOptions('queue.kafka.tls', settings.tls);
  const sasl = settings.sasl;
  if (sasl) {
    const password = sasl.password ?? readConfigFile('queue.kafka.sasl.password_file', sasl.password_file as string, true);
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password } as KafkaConfig['sasl'];
  }
  return out;
}

/**
 * A permanent error when the brokers refused the SASL login or TLS trust failed (retrying cannot
 * help until the config changes); undefined for anything else. Names the user, never the password.
 */
export function refusedConnection(err: unknown, settings: Pick<KafkaQueueSettings, 'brokers' | 'sasl'>): BraidError | undefined {
  const where = `kafka ${settings.brokers.join(',')}`;
  const tls = tlsTrustFailure(err, 'queue.kafka.tls');
  if (tls) return new BraidError('BRAID_ERR_QUEUE_AUTH', `${where}: ${tls}`, { cause: err });
  if (err instanceof Error && err.name === 'KafkaJSSASLAuthenticationError' && settings.sasl) {
    const { mechanism, username } = settings.sasl;
    return new BraidError('BRAID_ERR_QUEUE_AUTH', `${where} refused the SASL ${mechanism.toUpperCase()} login of user ${username} (queue.kafka.sasl): ${err.message}`, { cause: err });
  }
  return undefined;
}

const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Produce defaults, measured in docs/adr/0015 (scripts/bench/kafka-produce.ts). */
export const PRODUCE_DEFAULTS = { linger_ms: 5, batch_max_bytes: 1_048_576, max_buffered_bytes: 64 * 1024 * 1024, max_in_flight_requests: 5, compression: 'none' } as const;
const RECORD_MARGIN_BYTES = 1_024;
/**
 * The state topic keeps only each key's latest value (compaction), in small segments so that the
 * cleaner keeps it short; a state of 10^4 series gzipped stays far below its record limit.
 */
const STATE_TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'max.message.bytes', value: String(16 * 1024 * 1024) },
  { name: 'segment.ms', value: String(10 * 60_000) },
  { name: 'min.cleanable.dirty.ratio', value: '0.1' },
];
/** How long reading the state topic may take before the batch that needed it is retried. */
const STATE_READ_TIMEOUT_MS = 60_000;
/** Partitions a consumer handles at once (measured: see docs/adr/0005). */
export const CONSUMER_CONCURRENCY = 2;
/** Bytes of records one fetch brings per partition (a larger single record still comes whole) and in all (docs/adr/0016). */
export const FETCH_MAX_BYTES_PER_PARTITION = 1024 * 1024;
export const FETCH_MAX_BYTES = 6 * 1024 * 1024;

/**
 * Assigns partition p of every subscribed topic to the same member (members sorted by ID, p mod
 * their count). Spans and logs of a trace share the key, so the same partition number: one
 * ingester sees both, and derives the trace's summary alone.
 */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'BraidCoPartitioned',
  version: 1,
  async assign({ members, topics }) {
    const ids = members.map((m) => m.memberId).sort();
    const plan = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const topic of topics) {
      for (const { partitionId } of cluster.findTopicPartitionMetadata(topic)) {
        const owner = plan.get(ids[partitionId % ids.length] as string) as Record<string, number[]>;
        (owner[topic] ??= []).push(partitionId);
      }
    }
    return ids.map((memberId) => ({ memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: plan.get(memberId) ?? {}, userData: Buffer.alloc(0) }) }));
  },
  protocol({ topics }) {
    return { name: 'BraidCoPartitioned', metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) };
  },
});

/** Creates the Kafka queue; nothing connects until `start`. */
export function createKafkaQueue(settings: KafkaQueueSettings, metrics: QueueMetrics, log: Logger): Queue {
  const kafka = new Kafka({
    clientId: settings.client_id,
    brokers: settings.brokers,
    ...kafkaConnectionOptions(settings),
    connectionTimeout: 3_000,
    requestTimeout: settings.produce_timeout_ms,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => kafkaLog(log, entry),
  });
  const admin: Admin = kafka.admin();
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2_000 } });
  /** max.message.bytes and partition count of each topic Braid uses. */
  const maxBytes = new Map<string, number>();
  const partitionCounts = new Map<string, number>();
  const limitOf = (t: string) => maxBytes.get(t) ?? DEFAULT_MAX_MESSAGE_BYTES;
  const topic = (kind: RecordKind) => topicName(settings.topic_prefix, kind);
  const stateTopic = stateTopicName(settings.topic_prefix);

  async function ensureTopics(): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = [...RECORD_KINDS.map(topic), deadLetterTopicName(settings.topic_prefix), stateTopic].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({ topic: t, numPartitions: settings.partitions, replicationFactor: settings.replication_factor, ...(t === stateTopic ? { configEntries: STATE_TOPIC_CONFIG } : {}) })),
        });
      } catch (err) {
        // A loaded broker may answer kafkajs's wait for leaders with UNKNOWN_TOPIC_OR_PARTITION for a
        // topic it has just created (kafkajs waits out LEADER_NOT_AVAILABLE only): readTopics waits.
        if (!TOPIC_NOT_READY.has(kafkaErrorType(err))) throw err;
      }
      log.info({ topics: missing }, 'created kafka topics');
    }
    const names = [...RECORD_KINDS.map(topic), deadLetterTopicName(settings.topic_prefix), stateTopic];
    for (let attempt = 0; ; attempt++) {
      try {
        await readTopics(names);
        return;
      } catch (err) {
        if (attempt >= 40 || !TOPIC_NOT_READY.has(kafkaErrorType(err))) throw err;
        await sleep(250);
      }
    }
  }

  /** Reads max.message.bytes and the partition count of each topic. */
  async function readTopics(names: string[]): Promise<void> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: 2 /* TOPIC */, name, configNames: ['max.message.bytes'] })),
    });
    for (const res of described.resources) {
      const value = Number(res.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      maxBytes.set(res.resourceName, Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES);
    }
    for (const t of (await admin.fetchTopicMetadata({ topics: names })).topics) partitionCounts.set(t.name, t.partitions.length);
  }

  const compression = compressionType(settings.compression ?? PRODUCE_DEFAULTS.compression);
  /** Produces with acks=-1, coalescing concurrent calls; each call is bounded by produce_timeout_ms so a caller can answer "retry later". */
  const coalescer = createCoalescer(
    {
      lingerMs: settings.linger_ms ?? PRODUCE_DEFAULTS.linger_ms,
      batchMaxBytes: settings.batch_max_bytes ?? PRODUCE_DEFAULTS.batch_max_bytes,
      maxBufferedBytes: settings.max_buffered_bytes ?? PRODUCE_DEFAULTS.max_buffered_bytes,
      timeoutMs: settings.produce_timeout_ms,
      maxInFlight: settings.max_in_flight_requests ?? PRODUCE_DEFAULTS.max_in_flight_requests,
    },
    {
      send: async (request) => {
        await producer.sendBatch({ acks: -1, compression, topicMessages: request });
      },
      partitionsOf: (t) => partitionCounts.get(t) ?? settings.partitions,
      isolatable: refusedByBroker,
      limitOf,
      onRequest: (records) => metrics.produceRequestRecords.observe(records),
      onAcknowledged: (t, records, bytes) => {
        metrics.produced.inc({ topic: t }, records);
        metrics.producedBytes.inc({ topic: t }, bytes);
      },
      onFailed: (t, reason) => metrics.produceFailures.inc({ topic: t, reason }),
    },
  );
  const produce = (t: string, messages: ProduceMessage[]) => coalescer.produce(t, messages);

  async function send(kind: RecordKind, records: QueueRecord[]): Promise<void> {
    await produce(topic(kind), records.map((r) => ({ key: r.key, value: r.value, headers: tenantHeaders(r.tenant) })));
  }

  async function sendDeadLetters(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const t = deadLetterTopicName(settings.topic_prefix);
    // A dead letter must never be refused itself, or its partition would stall: cut what does not fit.
    const room = limitOf(t) - BATCH_HEADER_BYTES - RECORD_FRAMING_BYTES - RECORD_MARGIN_BYTES;
    await produce(
      t,
      letters.map((l) => {
        const headers = deadLetterHeaders({ ...l, reason: l.reason.slice(0, 4_096) }, topic(l.kind));
        const value = l.value.length > room ? l.value.subarray(0, room) : l.value;
        return { key: l.key, value, headers: value === l.value ? headers : { ...headers, 'braid.dlq.truncated.from': String(l.value.length) } };
      }),
    );
    for (const l of letters) metrics.deadLetters.inc({ topic: topic(l.kind), stage: l.stage });
  }

  /**
   * Reads the state topic from its start to the end offsets it had when called, keeping each
   * wanted key's last value. kafkajs cannot assign partitions without a group, so a throwaway
   * group reads it and is deleted after.
   */
  async function loadStates(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const wanted = new Set(keys);
    const out = new Map<string, Buffer>();
    const ends = new Map<number, bigint>();
    for (const o of await admin.fetchTopicOffsets(stateTopic)) if (BigInt(o.high) > BigInt(o.low)) ends.set(o.partition, BigInt(o.high));
    if (ends.size === 0 || wanted.size === 0) return out;
    const groupId = `${settings.client_id}-state-read-${randomUUID()}`;
    const reader = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100, maxBytesPerPartition: 16 * 1024 * 1024 });
    let timer: NodeJS.Timeout | undefined;
    try {
      await reader.connect();
      await reader.subscribe({ topics: [stateTopic], fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`state topic not read within ${STATE_READ_TIMEOUT_MS} ms`)), STATE_READ_TIMEOUT_MS);
        reader
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const m of batch.messages) {
                const key = m.key?.toString();
                if (key === undefined || !wanted.has(key)) continue;
                if (m.value === null) out.delete(key);
                else out.set(key, m.value);
              }
              const end = ends.get(batch.partition);
              if (end !== undefined && batch.messages.length > 0 && BigInt(batch.lastOffset()) + 1n >= end) ends.delete(batch.partition);
              if (ends.size === 0) resolve();
            },
          })
          .catch(reject);
      });
    } catch (cause) {
      throw new BraidError('BRAID_ERR_QUEUE_UNAVAILABLE', `cannot read ${stateTopic}: ${(cause as Error).message}`, { cause, retryAfterSeconds: 5 });
    } finally {
      clearTimeout(timer);
      await reader.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return out;
  }

  async function consume(group: string, kinds: readonly RecordKind[], handler: BatchHandler, options?: ConsumeOptions): Promise<QueueConsumer> {
    const consumer = kafka.consumer({
      groupId: group,
      partitionAssigners: [CoPartitionedAssigner],
      allowAutoTopicCreation: false,
      // What one fetch may bring bounds the ingester's memory: every record of it is decoded and
      // built into documents before the next fetch (docs/adr/0016).
      maxBytesPerPartition: FETCH_MAX_BYTES_PER_PARTITION,
      maxBytes: FETCH_MAX_BYTES,
      // A fetch waits at most this long for data; disconnect waits for the fetch in flight.
      maxWaitTimeInMs: 1_000,
    });
    const onRebalance = options?.onRebalance;
    if (onRebalance) consumer.on(consumer.events.REBALANCING, () => onRebalance());
    const onAssignment = options?.onAssignment;
    if (onAssignment) {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
        onAssignment(kinds.flatMap((kind) => (payload.memberAssignment[topic(kind)] ?? []).map((partition) => ({ kind, partition })))),
      );
    }
    await consumer.connect();
    await consumer.subscribe({ topics: kinds.map(topic), fromBeginning: true });
    const stopping = new AbortController();
    await consumer.run({
      autoCommit: false,
      // Two partitions at once: one decodes and builds documents while the other waits for
      // Elasticsearch. Each partition is still handled in order, one batch at a time.
      partitionsConsumedConcurrently: CONSUMER_CONCURRENCY,
      eachBatch: async (payload) => handleBatch(payload, kinds, handler, consumer.commitOffsets.bind(consumer), stopping.signal),
    });
    return {
      async stop() {
        stopping.abort();
        await consumer.disconnect();
      },
    };
  }

  async function handleBatch(
    { batch, heartbeat, isRunning, isStale }: EachBatchPayload,
    kinds: readonly RecordKind[],
    handler: BatchHandler,
    commit: (o: Array<{ topic: string; partition: number; offset: string }>) => Promise<void>,
    stopping: AbortSignal,
  ): Promise<void> {
    const kind = kinds.find((k) => topic(k) === batch.topic);
    if (!kind || batch.messages.length === 0) return;
    const records = batch.messages.map((m) => consumedRecord(m, batch.partition));
    for (let attempt = 0; ; attempt++) {
      try {
        await handler({ kind, partition: batch.partition, records }, stopping);
        break;
      } catch (err) {
        metrics.handlerFailures.inc({ topic: batch.topic });
        log.warn({ err: (err as Error).message, topic: batch.topic, partition: batch.partition }, 'batch handler failed; retrying after backoff');
        // Leaving without committing makes the next owner of the partition start from the
        // last commit: nothing is skipped.
        if (stopping.aborted || !isRunning() || isStale()) throw err;
        await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 10_000 }), stopping);
        await heartbeat();
      }
    }
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    await commit([{ topic: batch.topic, partition: batch.partition, offset: next }]);
    metrics.consumed.inc({ topic: batch.topic }, records.length);
  }

  /** End offset minus the committed one, as kafka-consumer-groups.sh reports LAG (none committed: from the first offset). */
  async function partitionLags(group: string, kinds: readonly RecordKind[]): Promise<PartitionLag[]> {
    const topics = kinds.map(topic);
    const [ends, committed] = await Promise.all([Promise.all(topics.map((t) => admin.fetchTopicOffsets(t))), admin.fetchOffsets({ groupId: group, topics })]);
    return kinds.flatMap((kind, i) =>
      (ends[i] ?? []).map((end) => {
        const c = Number(committed.find((o) => o.topic === topics[i])?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        return { kind, partition: end.partition, records: Math.max(0, Number(end.high) - (c >= 0 ? c : Number(end.low))) };
      }),
    );
  }

  return {
    kind: 'kafka',
    async start() {
      try {
        await admin.connect();
        await ensureTopics();
        await producer.connect();
      } catch (err) {
        throw refusedConnection(err, settings) ?? err;
      }
      log.info({ brokers: settings.brokers }, 'connected to kafka');
    },
    send,
    sendDeadLetters,
    async saveState(key, value) {
      await produce(stateTopic, [{ key: Buffer.from(key), value }]);
    },
    loadStates,
    maxRecordBytes: (kind) => limitOf(topic(kind)) - BATCH_HEADER_BYTES - RECORD_FRAMING_BYTES - RECORD_MARGIN_BYTES,
    consume,
    read: (kinds, fromMs, handler, signal) => startKafkaRead({ kafka, admin, clientId: settings.client_id, topic, log }, kinds, fromMs, handler, signal),
    async lag(group, kinds) {
      return (await partitionLags(group, kinds)).reduce((n, p) => n + p.records, 0);
    },
    partitionLags,
    async ping() {
      await admin.describeCluster();
    },
    async close() {
      // Records already accepted go out before the producer disconnects; their callers have their own timeouts.
      const flushed = new AbortController();
      await Promise.race([coalescer.flush().finally(() => flushed.abort()), sleep(settings.produce_timeout_ms, flushed.signal)]);
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

/** Errors of a topic created a moment ago, gone once the broker has settled it. */
const TOPIC_NOT_READY = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'TOPIC_ALREADY_EXISTS']);

/** The Kafka error type of a kafkajs error, or of the one it wraps. */
function kafkaErrorType(err: unknown): string {
  let e = err as { type?: string; originalError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string') return e.type;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return '';
}

function kafkaLog(log: Logger, entry: LogEntry): void {
  const { message, ...rest } = entry.log;
  const fields = { namespace: entry.namespace, ...rest };
  if (entry.level === logLevel.ERROR) log.error(fields, `kafkajs: ${message}`);
  else if (entry.level === logLevel.WARN) log.warn(fields, `kafkajs: ${message}`);
  else log.debug(fields, `kafkajs: ${message}`);
}
