/**
 * The ingester: consumes span records, decodes each once, builds documents and bulk-writes them.
 * It resolves a batch (letting the queue commit) only after the store acknowledged every
 * document of it; documents refused for a transient reason are retried with backoff, and a whole
 * store outage rejects the batch so the queue delivers it again.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { backoffDelay, sleep } from '../backoff.js';
import { BraidError } from '../errors.js';
import { decodeTraceRequest } from '../model/otlp/trace-proto.js';
import type { ConsumedBatch, Queue, QueueConsumer } from '../queue/queue.js';
import type { SpanDocument, Store, WriteOutcome } from '../storage/store.js';
import type { Logger } from '../telemetry/logger.js';
import { braidTracer } from '../telemetry/tracing.js';
import { spanDocuments } from './documents.js';
import type { IngestMetrics } from './metrics.js';
import { TraceTracker } from './traces.js';

/** Settings of the ingester. */
export interface IngesterSettings {
  groupId: string;
  bulkMaxDocs: number;
  /** Spans of recent traces kept in memory to derive summaries and edges (default 500k). */
  trackedSpans?: number;
  /** Transient per-document failures retried this many times before the batch is redelivered. */
  maxWriteAttempts?: number;
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

/** Starts consuming spans into the store. */
export async function startIngester(settings: IngesterSettings, deps: IngesterDeps): Promise<Ingester> {
  const { queue, store, metrics, log } = deps;
  const maxAttempts = settings.maxWriteAttempts ?? 8;
  const tracker = new TraceTracker({ maxSpans: settings.trackedSpans ?? 500_000, maxOperations: 100_000 });

  function decode(batch: ConsumedBatch): SpanDocument[] {
    const docs: SpanDocument[] = [];
    let bad = 0;
    let firstError = '';
    for (const record of batch.records) {
      try {
        for (const d of spanDocuments(decodeTraceRequest(record.value))) docs.push(d);
      } catch (err) {
        bad++;
        firstError ||= `offset ${record.offset}: ${(err as Error).message}`;
      }
    }
    if (bad > 0) {
      metrics.undecodable.inc({ kind: batch.kind }, bad);
      log.error({ partition: batch.partition, records: bad, first: firstError }, 'skipped undecodable span records');
    }
    return docs;
  }

  /** Writes with retries of the documents refused for a transient reason. */
  async function write<T>(docs: T[], writeFn: (d: T[]) => Promise<WriteOutcome>, describe: (d: T) => string, signal: AbortSignal): Promise<void> {
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
        if (r.transient) retry.push(pending[r.index] as T);
        else {
          metrics.rejectedDocuments.inc({ reason: r.reason.split(':')[0] ?? 'unknown' });
          log.error({ reason: r.reason, document: describe(pending[r.index] as T) }, 'store refused a document for good');
        }
      }
      pending = retry;
    }
  }

  /** Seeds the tracker with traces it lost (restart, eviction) that the store already has. */
  async function seedUnknown(docs: SpanDocument[]): Promise<void> {
    const unknown = tracker.unknown(docs.map((d) => d['trace.id']));
    if (unknown.length === 0) return;
    for (const summary of await store.getSummaries(unknown)) {
      tracker.seed(summary['trace.id'], await store.getTrace(summary['trace.id']));
    }
  }

  async function handle(batch: ConsumedBatch, signal: AbortSignal): Promise<number> {
    const docs = decode(batch);
    try {
      await seedUnknown(docs);
      const derived = tracker.observe(docs);
      const spanId = (d: SpanDocument) => `${d['trace.id']}/${d['span.id']}`;
      for (let i = 0; i < docs.length; i += settings.bulkMaxDocs) {
        const chunk = docs.slice(i, i + settings.bulkMaxDocs);
        await write(chunk, (d) => store.writeSpans(d), spanId, signal);
        metrics.spans.inc(chunk.length);
      }
      await write([derived], async ([d]) => store.writeDerived(d!), () => 'derived documents', signal);
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
  const consumer: QueueConsumer = await queue.consume(settings.groupId, ['spans'], (batch, signal) =>
    // One self-trace span per batch, never per record.
    tracer.startActiveSpan('ingest batch', { attributes: { 'messaging.destination.partition.id': String(batch.partition), 'braid.records': batch.records.length } }, async (span) => {
      try {
        span.setAttribute('braid.documents', await handle(batch, signal));
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
  log.info({ group: settings.groupId }, 'ingester started');
  return {
    async stop() {
      await consumer.stop();
      log.info('ingester stopped');
    },
  };
}
