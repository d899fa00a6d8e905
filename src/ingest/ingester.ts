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
import type { SpanDocument, Store } from '../storage/store.js';
import type { Logger } from '../telemetry/logger.js';
import { braidTracer } from '../telemetry/tracing.js';
import { spanDocuments } from './documents.js';
import type { IngestMetrics } from './metrics.js';

/** Settings of the ingester. */
export interface IngesterSettings {
  groupId: string;
  bulkMaxDocs: number;
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

  async function write(docs: SpanDocument[], signal: AbortSignal): Promise<void> {
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
      const outcome = await store.writeSpans(pending);
      end();
      const retry: SpanDocument[] = [];
      for (const r of outcome.rejected) {
        if (r.transient) retry.push(pending[r.index] as SpanDocument);
        else {
          metrics.rejectedDocuments.inc({ reason: r.reason.split(':')[0] ?? 'unknown' });
          log.error({ reason: r.reason, traceId: pending[r.index]?.['trace.id'] }, 'store refused a span document for good');
        }
      }
      metrics.spans.inc(pending.length - outcome.rejected.length);
      pending = retry;
    }
  }

  const tracer = braidTracer();
  const consumer: QueueConsumer = await queue.consume(settings.groupId, ['spans'], (batch, signal) =>
    // One self-trace span per batch, never per record.
    tracer.startActiveSpan('ingest batch', { attributes: { 'messaging.destination.partition.id': String(batch.partition), 'braid.records': batch.records.length } }, async (span) => {
      try {
        const docs = decode(batch);
        span.setAttribute('braid.documents', docs.length);
        for (let i = 0; i < docs.length; i += settings.bulkMaxDocs) await write(docs.slice(i, i + settings.bulkMaxDocs), signal);
        metrics.records.inc({ kind: batch.kind }, batch.records.length);
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
