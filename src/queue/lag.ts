/**
 * Reads the ingesters' consumer lag every 15 s into `braid_queue_consumer_lag_records{topic,
 * partition}`. It reads offsets through the queue's admin path, apart from the consumers, one read
 * at a time and bounded in time, so a slow broker delays the gauge, never ingestion. Every process
 * with the queue reports the whole group's lag (Kafka's view, not its own partitions'), so the lag
 * stays visible when no ingester runs: alerts take the max over processes.
 */
import { sleep } from '../backoff.js';
import type { Logger } from '../telemetry/logger.js';
import type { QueueMetrics } from './metrics.js';
import { RECORD_KINDS, topicName, type Queue, type RecordKind } from './queue.js';

/** Settings of the lag reader. */
export interface LagReaderSettings {
  /** The ingesters' consumer group (`queue.kafka.group_id`). */
  group: string;
  /** Topic prefix, for the `topic` label. */
  topicPrefix: string;
  /** Time between reads (default 15 s). */
  intervalMs?: number;
  /** A read that takes longer counts as failed (default 10 s). */
  timeoutMs?: number;
  kinds?: readonly RecordKind[];
}

/** A running lag reader. */
export interface LagReader {
  /** Resolves after the first read, failed or not. */
  readonly firstRead: Promise<void>;
  stop(): Promise<void>;
}

/** Reads the lag once into the gauge; rejects (leaving the gauge empty) when the queue cannot tell. */
export async function readLag(queue: Queue, settings: LagReaderSettings, metrics: QueueMetrics, signal?: AbortSignal): Promise<void> {
  const timeoutMs = settings.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: () => void = () => undefined;
  // Ends at the timeout, or at once when stopping: a read in flight does not hold up shutdown.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    onAbort = () => reject(new Error('stopped'));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const lags = await Promise.race([queue.partitionLags(settings.group, settings.kinds ?? RECORD_KINDS), timeout]);
    // Reset and set in one synchronous step: a scrape never sees the gauge half-filled.
    metrics.consumerLag.reset();
    for (const l of lags) metrics.consumerLag.set({ topic: topicName(settings.topicPrefix, l.kind), partition: String(l.partition) }, l.records);
  } catch (err) {
    // A stale value would hide an outage: no series until the next good read.
    metrics.consumerLag.reset();
    metrics.lagReadFailures.inc();
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Starts reading the lag now and every `intervalMs` until stopped. Logs only when reading starts or stops failing. */
export function startLagReader(queue: Queue, settings: LagReaderSettings, metrics: QueueMetrics, log: Logger): LagReader {
  const stopping = new AbortController();
  let failing = false;
  let first: () => void = () => undefined;
  const firstRead = new Promise<void>((resolve) => (first = resolve));
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await readLag(queue, settings, metrics, stopping.signal);
        if (failing) log.info({ group: settings.group }, 'consumer lag readable again');
        failing = false;
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (!failing) log.warn({ group: settings.group, err: (err as Error).message }, 'cannot read the consumer lag; retrying every interval');
        failing = true;
      }
      first();
      await sleep(settings.intervalMs ?? 15_000, stopping.signal);
    }
  })();
  return {
    firstRead,
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
