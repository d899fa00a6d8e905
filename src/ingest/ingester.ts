/**
 * The ingester: consumes span, log and metric records, decodes each once, builds documents and bulk-writes them.
 * It resolves a batch (letting the queue commit) only after the store acknowledged every
 * document of it; documents refused for a transient reason are retried with backoff, and a whole
 * store outage rejects the batch so the queue delivers it again. A record that cannot be decoded,
 * or a document the store refuses for good, goes to the dead-letter topic with the reason, and
 * the partition moves on.
 *
 * Records carry their tenant (src/queue: absent = the default tenant): a batch's documents are
 * written through the tenant's store (`store.forTenant`), each tenant has its own trace tracker,
 * and spans past the tenant's limits.max_spans_per_trace are discarded and counted.
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
import type { Limits } from '../tenancy/limits.js';
import { DEFAULT_TENANT } from '../tenancy/tenant.js';
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
  /** The limits of a tenant (limitsFor(config, tenant)); absent: no cap on spans per trace. */
  limits?: (tenant: string) => Pick<Limits, 'max_spans_per_trace'>;
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

/** What the ingester keeps per tenant: its store view, its recent traces, when it was last warned about. */
interface TenantState {
  tenant: string;
  store: Store;
  tracker: TraceTracker;
  /** When spans past max_spans_per_trace were last logged (at most once a minute). */
  warnedAtMs: number;
}

/** How one stream's records become documents and are written. */
interface Stream<D, X> {
  decode(value: Buffer): X;
  toDocuments(data: X): D[];
  /** Counts the batch into the derived series (saved before the batch commits). */
  derive(partition: number, records: Array<DerivedRecord<X>>): Promise<void>;
  traceId(doc: D): string | undefined;
  /** The documents the tenant's limits let through (after its traces are seeded). */
  limit(t: TenantState, docs: D[]): D[];
  observe(t: TenantState, docs: D[]): Derived;
  write(t: TenantState, docs: D[]): Promise<WriteOutcome>;
  /** Counts what the store acknowledged. */
  written(docs: D[]): void;
}

/** A minute: how often spans discarded for one tenant are warned about at most. */
const WARN_INTERVAL_MS = 60_000;

const json = (doc: unknown) => Buffer.from(JSON.stringify(doc));

/** A batch's documents by tenant (first appearance order), each with the records they came from and the last of those. */
function byTenant<D>(docs: D[], origins: ConsumedRecord[]): Array<{ tenant: string; docs: D[]; origins: ConsumedRecord[]; last: ConsumedRecord }> {
  const parts = new Map<string, { tenant: string; docs: D[]; origins: ConsumedRecord[]; last: ConsumedRecord }>();
  docs.forEach((doc, i) => {
    const origin = origins[i] as ConsumedRecord;
    const tenant = origin.tenant ?? DEFAULT_TENANT;
    let part = parts.get(tenant);
    if (part === undefined) parts.set(tenant, (part = { tenant, docs: [], origins: [], last: origin }));
    part.docs.push(doc);
    part.origins.push(origin);
    part.last = origin;
  });
  return [...parts.values()];
}

/** Starts consuming spans, logs and metrics into the store. */
export async function startIngester(settings: IngesterSettings, deps: IngesterDeps): Promise<Ingester> {
  const { queue, store, metrics, log } = deps;
  const maxAttempts = settings.maxWriteAttempts ?? 8;
  const tenants = new Map<string, TenantState>();
  const tenantOf = (tenant: string): TenantState => {
    let t = tenants.get(tenant);
    if (t === undefined) {
      t = { tenant, store: store.forTenant(tenant), tracker: new TraceTracker({ maxSpans: settings.trackedSpans ?? 500_000, maxOperations: 100_000 }), warnedAtMs: -Infinity };
      tenants.set(tenant, t);
    }
    return t;
  };

  /** The spans within the tenant's max_spans_per_trace; the rest are counted, and warned about at most once a minute. */
  function capSpans(t: TenantState, docs: SpanDocument[]): SpanDocument[] {
    const max = settings.limits?.(t.tenant).max_spans_per_trace;
    if (max === undefined) return docs;
    const { kept, discarded } = t.tracker.capSpans(docs, max);
    if (discarded > 0) {
      metrics.discardedSpans.inc({ reason: 'max_spans_per_trace', tenant: t.tenant }, discarded);
      const now = Date.now();
      if (now - t.warnedAtMs >= WARN_INTERVAL_MS) {
        t.warnedAtMs = now;
        log.warn({ tenant: t.tenant, discarded, max_spans_per_trace: max }, 'spans past limits.max_spans_per_trace discarded (logged at most once a minute per tenant; braid_ingest_discarded_spans_total counts them all)');
      }
    }
    return kept;
  }

  const noDerived: Derived = { summaries: [], edges: [], operations: [] };
  const derived = settings.derived ? new DerivedSeries(settings.derived, { queue, metrics, log }) : undefined;
  const streams: { spans: Stream<SpanDocument, TracesData>; logs: Stream<LogDocument, LogsData>; metrics: Stream<SampleGroupDocument, MetricsData> } = {
    spans: {
      decode: decodeTraceRequest,
      toDocuments: spanDocuments,
      derive: async (p, records) => derived?.count('spans', p, records),
      traceId: (d) => d['trace.id'],
      limit: capSpans,
      observe: (t, docs) => t.tracker.observe(docs),
      write: (t, docs) => t.store.writeSpans(docs),
      written: (docs) => metrics.spans.inc(docs.length),
    },
    logs: {
      decode: decodeLogsRequest,
      toDocuments: logDocuments,
      derive: async (p, records) => derived?.count('logs', p, records),
      traceId: (d) => d['trace.id'],
      limit: (_t, docs) => docs,
      observe: (t, docs) => t.tracker.observeLogs(docs),
      write: (t, docs) => t.store.writeLogs(docs),
      written: (docs) => metrics.logs.inc(docs.length),
    },
    metrics: {
      decode: decodeMetricsRequest,
      toDocuments: metricSampleGroups,
      derive: async () => undefined,
      // Exemplars point at traces, but a sample changes no trace's summary.
      traceId: () => undefined,
      limit: (_t, docs) => docs,
      observe: () => noDerived,
      write: (t, docs) => t.store.writeSamples(docs),
      written: (groups) => metrics.samples.inc(groups.reduce((n, g) => n + g.samples.length, 0)),
    },
  };

  function decode<D, X>(batch: ConsumedBatch, stream: Stream<D, X>): Decoded<D, X> {
    const out: Decoded<D, X> = { docs: [], origins: [], letters: [], records: [] };
    for (const record of batch.records) {
      const entry: DerivedRecord<X> = record.tenant === undefined ? { offset: record.offset } : { offset: record.offset, tenant: record.tenant };
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
        out.letters.push({ kind: batch.kind, key: record.key, value: record.value, contentType: 'application/x-protobuf', stage: 'decode', reason, partition: record.partition, offset: record.offset, tenant: record.tenant });
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

  /** Seeds the tenant's tracker with traces it lost (restart, eviction) that the tenant's store already has. */
  async function seedUnknown(t: TenantState, traceIds: Array<string | undefined>): Promise<void> {
    const unknown = t.tracker.unknown(traceIds.filter((id): id is string => id !== undefined));
    if (unknown.length === 0) return;
    for (const summary of await t.store.getSummaries(unknown)) {
      const id = summary['trace.id'];
      const [spans, logs] = await Promise.all([t.store.getTrace(id), summary['log.count'] ? t.store.getTraceLogs(id) : Promise.resolve([])]);
      t.tracker.seed(id, spans, logs);
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
    const refused = new Set<unknown>();
    const refusedBy = (origin: (doc: never) => ConsumedRecord) => (doc: unknown, reason: string) => {
      refused.add(doc);
      const from = origin(doc as never);
      letters.push({ kind: batch.kind, key: from.key, value: json(doc), contentType: 'application/json', stage: 'index', reason, partition: from.partition, offset: from.offset, tenant: from.tenant });
    };
    // Counting reads the decoded records, writing only the documents: counting (and saving the
    // counters) while Elasticsearch writes leaves the decoded records garbage during the write,
    // instead of held to its end (docs/adr/0016). The batch still commits only after both.
    const counting = stream.derive(batch.partition, records);
    counting.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    try {
      // One tenant after the other, each through its own store and tracker.
      for (const part of byTenant(docs, origins)) {
        const t = tenantOf(part.tenant);
        await seedUnknown(t, part.docs.map(stream.traceId));
        const kept = stream.limit(t, part.docs);
        const derived = stream.observe(t, kept);
        const originOf = new Map<D, ConsumedRecord>(part.docs.map((d, i) => [d, part.origins[i] as ConsumedRecord]));
        await write(kept, (d) => stream.write(t, d), refusedBy((d: D) => originOf.get(d) ?? part.last), signal);
        stream.written(refused.size === 0 ? kept : kept.filter((d) => !refused.has(d)));
        await write(derivedItems(derived), (items) => t.store.writeDerived(derivedFromItems(items)), refusedBy(() => part.last), signal);
      }
      if (letters.length > 0) {
        log.error({ partition: batch.partition, letters: letters.length, first: letters[0]?.reason }, 'records that can never be stored go to the dead-letter topic');
        await queue.sendDeadLetters(letters);
      }
      await counting;
    } catch (err) {
      // The batch comes again; forget what it taught the tracker so nothing is derived twice
      // or skipped: the redelivery re-seeds from the store.
      for (const t of tenants.values()) t.tracker.clear();
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
