/**
 * The queue port: how receivers hand records to the ingester. Two implementations carry the very
 * same bytes (OTLP protobuf export requests keyed by trace ID): Kafka (src/queue/kafka) and an
 * in-process queue (src/queue/memory) for the embedded all-in-one.
 */
import { DEFAULT_TENANT, isTenantId } from '../tenancy/tenant.js';

/** The streams Braid carries, one topic each. */
export const RECORD_KINDS = ['spans', 'logs', 'metrics'] as const;
/** One stream of records. */
export type RecordKind = (typeof RECORD_KINDS)[number];

/** The topic name of a stream: `<prefix><kind>.v1`, e.g. braid.spans.v1. */
export function topicName(prefix: string, kind: RecordKind): string {
  return `${prefix}${kind}.v1`;
}

/** The dead-letter topic: `<prefix>deadletter.v1`, e.g. braid.deadletter.v1. */
export function deadLetterTopicName(prefix: string): string {
  return `${prefix}deadletter.v1`;
}

/**
 * The derived-series state topic: `<prefix>derived-state.v1`, compacted, keyed by source topic and
 * partition (Kafka Streams' changelog pattern; docs/adr/0007-derived-series.md).
 */
export function stateTopicName(prefix: string): string {
  return `${prefix}derived-state.v1`;
}

/** A partition of one stream. */
export interface StreamPartition {
  kind: RecordKind;
  partition: number;
}

/** How many records of one partition a consumer group has not committed yet. */
export interface PartitionLag extends StreamPartition {
  records: number;
}

/** Options of a consumer. */
export interface ConsumeOptions {
  /**
   * Called with every partition the consumer owns after each (re)assignment, before batches of
   * the new assignment are handled. The memory queue calls it once, with all partitions.
   */
  onAssignment?: (owned: StreamPartition[]) => void;
  /** Called when this consumer learns that a rebalance started: its partitions may be about to move. */
  onRebalance?: () => void;
}

/**
 * A record the ingester could never store: an undecodable record (its bytes as consumed) or a
 * document the store refused for good (the document as JSON). It goes to the dead-letter topic
 * with the reason, and the partition moves on.
 */
export interface DeadLetter {
  /** The stream it was consumed from. */
  kind: RecordKind;
  key: Buffer | null;
  value: Buffer;
  contentType: 'application/x-protobuf' | 'application/json';
  /** decode: the record could not be decoded; index: the store refused the document. */
  stage: 'decode' | 'index';
  reason: string;
  partition: number;
  offset: string;
  /** The record's tenant (absent: the default tenant); the dead letter keeps it in `braid.tenant`. */
  tenant?: string | undefined;
}

/** The Kafka headers of a dead letter: where it came from, why it is there, and whose it is. */
export function deadLetterHeaders(letter: DeadLetter, sourceTopic: string): Record<string, string> {
  return {
    ...tenantHeaders(letter.tenant),
    'content-type': letter.contentType,
    'braid.dlq.stage': letter.stage,
    'braid.dlq.reason': letter.reason,
    'braid.dlq.topic': sourceTopic,
    'braid.dlq.partition': String(letter.partition),
    'braid.dlq.offset': letter.offset,
  };
}

/** A record to produce. Records with the same key land on the same partition, in order. */
export interface QueueRecord {
  key: Buffer | null;
  value: Buffer;
  /**
   * Whose data it is; absent means DEFAULT_TENANT. Kafka carries it in the header `braid.tenant`,
   * set only for other tenants, so records of the default tenant read the same as before tenancy.
   */
  tenant?: string | undefined;
}

/** The Kafka header that carries a record's tenant (absent for the default tenant). */
export const TENANT_HEADER = 'braid.tenant';

/** The Kafka headers of a record of `tenant`: none for the default tenant (or no tenant). */
export function tenantHeaders(tenant: string | undefined): Record<string, string> | undefined {
  return tenant === undefined || tenant === DEFAULT_TENANT ? undefined : { [TENANT_HEADER]: tenant };
}

/**
 * The tenant a consumed record's headers name; undefined (the default tenant) when the header is
 * absent, or when it does not hold a valid tenant ID: a record from a foreign producer never names
 * an index outside the tenant pattern.
 */
export function tenantOfHeaders(headers: Record<string, Buffer | string | Array<Buffer | string> | undefined> | undefined): string | undefined {
  let v = headers?.[TENANT_HEADER];
  if (Array.isArray(v)) v = v[v.length - 1];
  if (v === undefined) return undefined;
  const id = typeof v === 'string' ? v : v.toString('utf8');
  return id === DEFAULT_TENANT || !isTenantId(id) ? undefined : id;
}

/** A record as consumed, with its position. */
export interface ConsumedRecord extends QueueRecord {
  partition: number;
  /** Offset as a decimal string (Kafka offsets are int64). */
  offset: string;
}

/** A run of records of one partition, in offset order. */
export interface ConsumedBatch {
  kind: RecordKind;
  partition: number;
  records: ConsumedRecord[];
}

/**
 * Handles one batch. Resolving means every record is durably handled, and the queue then commits
 * past the batch. Rejecting means nothing is committed and the batch is delivered again after a
 * backoff: at-least-once delivery, so handlers must be idempotent.
 */
export type BatchHandler = (batch: ConsumedBatch, signal: AbortSignal) => Promise<void>;

/** A running consumer. `stop` lets the in-flight batch finish and commit, then leaves the group. */
export interface QueueConsumer {
  stop(): Promise<void>;
}

/** Handles records of a broadcast read, in offset order per partition. A handler error does not stop the read. */
export type ReadHandler = (batch: ConsumedBatch) => void | Promise<void>;

/** A running broadcast read. */
export interface QueueReader {
  /** Resolves once the read has handled every record before the end offsets seen at its start (memory: at once). */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

/** The queue port. */
export interface Queue {
  readonly kind: 'kafka' | 'memory';
  /** Connects and creates the topics that are absent. */
  start(): Promise<void>;
  /**
   * Resolves once the queue durably holds every record (Kafka: acknowledged by all in-sync
   * replicas). Rejects with BRAID_ERR_QUEUE_UNAVAILABLE or BRAID_ERR_QUEUE_FULL, both retryable.
   */
  send(kind: RecordKind, records: QueueRecord[]): Promise<void>;
  /**
   * Puts records that can never be stored on the dead-letter topic. Resolves once they are
   * durably held; rejects like `send`, and the batch that found them is then delivered again.
   */
  sendDeadLetters(letters: DeadLetter[]): Promise<void>;
  /** The largest record value the stream's topic accepts, in bytes. */
  maxRecordBytes(kind: RecordKind): number;
  /** Joins consumer group `group` on the given streams. */
  consume(group: string, kinds: readonly RecordKind[], handler: BatchHandler, options?: ConsumeOptions): Promise<QueueConsumer>;
  /** Saves `value` as the latest state under `key` on the state topic; resolves once durably held. */
  saveState(key: string, value: Buffer): Promise<void>;
  /** The latest state saved under each of `keys`; a key never saved is absent. */
  loadStates(keys: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * Reads every record of the streams from `fromMs` on, outside any consumer group and without
   * committing: each process that keeps a head reads them all. Kafka: every partition from the
   * first offset at or after `fromMs`; memory: every record sent from now on. Stops when `signal`
   * aborts or on `stop`.
   */
  read(kinds: readonly RecordKind[], fromMs: number, handler: ReadHandler, signal: AbortSignal): Promise<QueueReader>;
  /** Records of the streams not yet committed by `group`: how far its consumers are behind. */
  lag(group: string, kinds: readonly RecordKind[]): Promise<number>;
  /** The same per partition: end offset minus `group`'s committed offset (none committed: minus the first offset). */
  partitionLags(group: string, kinds: readonly RecordKind[]): Promise<PartitionLag[]>;
  /** Rejects when the queue cannot be reached. */
  ping(): Promise<void>;
  /** Disconnects; consumers must have been stopped first. */
  close(): Promise<void>;
}
