/**
 * The ingester: consumes span, log and metric records, decodes each once, builds documents and bulk-writes them.
 * It resolves a batch (letting the queue commit) only after the store acknowledged every
 * document of it; documents refused for a transient reason are retried with backoff, and a whole
 * store outage rejects the batch so the queue delivers it again. A record that cannot be decoded,
 * or a document the store refuses for good, goes to the dead-letter topic with the reason, and
 * the partition moves on.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { backoffDelay, sleep } from '../backoff.js';
import { BraidError } from '../errors.js';
import { decodeLogsRequest } from '../model/otlp/logs-proto.js';
import { decodeMetricsRequest } from '../model/otlp/metrics-proto.js';
import { decodeTraceRequest } from '../model/otlp/trace-proto.js';
import type { LogsData } from '../model/logs.js';
import type { MetricsData } from '../model/metrics.js';
import type { TracesData } from '../model/trace.js';
import type { ConsumedBatch, ConsumedRecord, DeadLetter, Queue, QueueConsumer } from '../queue/queue.js';
import { derivedFromItems, derivedItems, type LogDocument, type SampleGroupDocument, type SpanDocument, type Store, type WriteOutcome } from '../storage/store.js';
import type { Logger } from '../telemetry/logger.js';
import { braidTracer } from '../telemetry/tracing.js';
import { spanDocuments } from './documents.js';
import type { IngestMetrics } from './metrics.js';
import { logDocuments } from './log-documents.js';
import { metricSampleGroups } from './metric-samples.js';
import { DerivedSeries, type DerivedRecord, type DerivedSettings } from './derived/derived.js';
import { TraceTracker, type Derived } from './traces.js';

/** Settings of the ingester. */
export interface IngesterSettings {
  groupId: string;
  /** Spans of recent traces kept in memory to derive summaries and edges (default 500k). */
  trackedSpans?: number;
  /** Transient per-document failures retried this many times before the batch is redelivered. */
  maxWriteAttempts?: number;
  /** Span- and log-derived series (ADR 0007); absent: none derived. */
  derived?: DerivedSettings;
}

/** A running ingester. */
export interface Ingester {
  /** Finishes the batch in flight, lets it commit, and leaves the consumer group. */
  stop(): Promise<void>;
}

/** Dependencies of the ingester, passed in by the composition root. */
export interface IngesterDeps {
  queue: Queue;
  store: Store;
  metrics: IngestMetrics;
  log: Logger;
}

/** The documents of a batch, each with the record it came from, and the records that failed to decode. */
interface Decoded<D, X> {
  docs: D[];
  origins: ConsumedRecord[];
  letters: DeadLetter[];
  /** Each record's offset and decoded data (absent when it did not decode). */
  records: Array<DerivedRecord<X>>;
}

/** How one stream's records become documents and are written. */
interface Stream<D, X> {
  decode(value: Buffer): X;
  toDocuments(data: X): D[];
  /** Counts the batch into the derived series (saved before the batch commits). */
  derive(partition: number, records: Array<DerivedRecord<X>>): Promise<void>;
  traceId(doc: D): string | undefined;
  observe(docs: D[]): Derived;
  write(docs: D[]): Promise<WriteOutcome>;
  /** Counts what the store acknowledged. */
  written(docs: D[]): void;
}

const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));

/** Starts consuming spans, logs and metrics into the store. */
export async function startIngester(settings: IngesterSettings, deps: IngesterDeps): Promise<Ingester> {
  const { queue, store, metrics, log } = deps;
  const maxAttempts = settings.maxWriteAttempts ?? 8;
  const tracker = new TraceTracker({ maxSpans: settings.trackedSpans ?? 500_000, maxOperations: 100_000 });

  const noDerived: Derived = { summaries: [], edges: [], operations: [] };
  const derived = settings.derived ? new DerivedSeries(settings.derived, { queue, metrics, log }) : undefined;
  const streams: { spans: Stream<SpanDocument, TracesData>; logs: Stream<LogDocument, LogsData>; metrics: Stream<SampleGroupDocument, MetricsData> } = {
    spans: {
      decode: decodeTraceRequest,
      toDocuments: spanDocuments,
      derive: async (p, records) => derived?.count('spans', p, records),
      traceId: (d) => d['trace.id'],
      observe: (docs) => tracker.observe(docs),
      write: (docs) => store.writeSpans(docs),
      written: (docs) => metrics.spans.inc(docs.length),
    },
    logs: {
      decode: decodeLogsRequest,
      toDocuments: logDocuments,
      derive: async (p, records) => derived?.count('logs', p, records),
      traceId: (d) => d['trace.id'],
      observe: (docs) => tracker.observeLogs(docs),
      write: (docs) => store.writeLogs(docs),
      written: (docs) => metrics.logs.inc(docs.length),
    },
    metrics: {
      decode: decodeMetricsRequest,
      toDocuments: metricSampleGroups,
      derive: async () => undefined,
      // Exemplars point at traces, but a sample changes no trace's summary.
      traceId: () => undefined,
      observe: () => noDerived,
      write: (docs) => store.writeSamples(docs),
      written: (groups) => metrics.samples.inc(groups.reduce((n, g) => n + g.samples.length, 0)),
    },
  };

  function decode<D, X>(batch: ConsumedBatch, stream: Stream<D, X>): Decoded<D, X> {
    const out: Decoded<D, X> = { docs: [], origins: [], letters: [], records: [] };
    for (const record of batch.records) {
      const entry: DerivedRecord<X> = { offset: record.offset };
      out.records.push(entry);
      try {
        const data = stream.decode(record.value);
        const docs = stream.toDocuments(data);
        entry.data = data;
        for (const d of docs) {
          out.docs.push(d);
          out.origins.push(record);
        }
      } catch (err) {
        const reason = `undecodable ${batch.kind} record: ${(err as Error).message}`;
        out.letters.push({ kind: batch.kind, key: record.key, value: record.value, contentType: 'application/x-protobuf', stage: 'decode', reason, partition: record.partition, offset: record.offset });
      }
    }
    if (out.letters.length > 0) {
      metrics.undecodable.inc({ kind: batch.kind }, out.letters.length);
      log.error({ partition: batch.partition, records: out.letters.length, first: out.letters[0]?.reason }, 'undecodable records go to the dead-letter topic');
    }
    return out;
  }

  /**
   * Writes, retrying the documents refused for a transient reason with backoff. Those refused
   * for good are handed to `refused`; the rest of the write goes on.
   */
  async function write<T>(docs: T[], writeFn: (d: T[]) => Promise<WriteOutcome>, refused: (doc: T, reason: string) => void, signal: AbortSignal): Promise<void> {
    let pending = docs;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= maxAttempts) {
        throw new BraidError('BRAID_ERR_STORE_UNAVAILABLE', `${pending.length} documents still refused after ${attempt} attempts`);
      }
      if (attempt > 0) {
        metrics.writeRetries.inc();
        await sleep(backoffDelay(attempt - 1, { initialMs: 200, maxMs: 10_000 }), signal);
      }
      const end = metrics.writeSeconds.startTimer();
      const outcome = await writeFn(pending);
      end();
      const retry: T[] = [];
      for (const r of outcome.rejected) {
        const doc = pending[r.index] as T;
        if (r.transient) retry.push(doc);
        else {
          metrics.rejectedDocuments.inc({ reason: /^\d+ ([\w.]+)/.exec(r.reason)?.[1] ?? 'unknown' });
          refused(doc, r.reason);
        }
      }
      pending = retry;
    }
  }

  /** Seeds the tracker with traces it lost (restart, eviction) that the store already has. */
  async function seedUnknown(traceIds: Array<string | undefined>): Promise<void> {
    const unknown = tracker.unknown(traceIds.filter((id): id is string => id !== undefined));
    if (unknown.length === 0) return;
    for (const summary of await store.getSummaries(unknown)) {
      const id = summary['trace.id'];
      const [spans, logs] = await Promise.all([store.getTrace(id), summary['log.count'] ? store.getTraceLogs(id) : Promise.resolve([])]);
      tracker.seed(id, spans, logs);
    }
  }

  /**
   * Spans and logs of one trace share a partition number; their batches are handled one at a
   * time per partition number, so a trace's summary is never written from two places at once.
   */
  const partitionLocks = new Map<number, Promise<unknown>>();
  function serialised<T>(partition: number, fn: () => Promise<T>): Promise<T> {
    const previous = partitionLocks.get(partition) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    partitionLocks.set(partition, settled);
    void settled.then(() => {
      if (partitionLocks.get(partition) === settled) partitionLocks.delete(partition);
    });
    return next;
  }

  async function handle(batch: ConsumedBatch, signal: AbortSignal): Promise<number> {
    if (batch.kind === 'logs') return handleStream(batch, streams.logs, signal);
    if (batch.kind === 'metrics') return handleStream(batch, streams.metrics, signal);
    return handleStream(batch, streams.spans, signal);
  }

  async function handleStream<D extends object, X>(batch: ConsumedBatch, stream: Stream<D, X>, signal: AbortSignal): Promise<number> {
    const { docs, origins, letters, records } = decode(batch, stream);
    const last = batch.records[batch.records.length - 1] as ConsumedRecord;
    const refused = new Set<unknown>();
    const refusedBy = (origin: (doc: never) => ConsumedRecord) => (doc: unknown, reason: string) => {
      refused.add(doc);
      const from = origin(doc as never);
      letters.push({ kind: batch.kind, key: from.key, value: json(doc), contentType: 'application/json', stage: 'index', reason, partition: from.partition, offset: from.offset });
    };
    // Counting reads the decoded records, writing only the documents: counting (and saving the
    // counters) while Elasticsearch writes leaves the decoded records garbage during the write,
    // instead of held to its end (docs/adr/0016). The batch still commits only after both.
    const counting = stream.derive(batch.partition, records);
    counting.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    try {
      await seedUnknown(docs.map(stream.traceId));
      const derived = stream.observe(docs);
      const originOf = new Map<D, ConsumedRecord>(docs.map((d, i) => [d, origins[i] as ConsumedRecord]));
      await write(docs, (d) => stream.write(d), refusedBy((d: D) => originOf.get(d) ?? last), signal);
      stream.written(refused.size === 0 ? docs : docs.filter((d) => !refused.has(d)));
      await write(derivedItems(derived), (items) => store.writeDerived(derivedFromItems(items)), refusedBy(() => last), signal);
      if (letters.length > 0) {
        log.error({ partition: batch.partition, letters: letters.length, first: letters[0]?.reason }, 'records that can never be stored go to the dead-letter topic');
        await queue.sendDeadLetters(letters);
      }
      await counting;
    } catch (err) {
      // The batch comes again; forget what it taught the tracker so nothing is derived twice
      // or skipped: the redelivery re-seeds from the store.
      tracker.clear();
      throw err;
    }
    metrics.records.inc({ kind: batch.kind }, batch.records.length);
    return docs.length;
  }

  const tracer = braidTracer();
  const consumer: QueueConsumer = await queue.consume(settings.groupId, ['spans', 'logs', 'metrics'], (batch, signal) =>
    // One self-trace span per batch, never per record.
    serialised(batch.partition, () => tracer.startActiveSpan('ingest batch', { attributes: { 'messaging.destination.partition.id': String(batch.partition), 'braid.records': batch.records.length } }, async (span) => {
      try {
        span.setAttribute('braid.documents', await handle(batch, signal));
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    })),
    { onAssignment: (owned) => derived?.onAssignment(owned), onRebalance: () => derived?.onRebalance() },
  );
  derived?.start();
  log.info({ group: settings.groupId }, 'ingester started');
  return {
    async stop() {
      await consumer.stop();
      await derived?.stop();
      log.info('ingester stopped');
    },
  };
}
