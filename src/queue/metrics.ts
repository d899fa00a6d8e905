/** Metrics of the queue, shared by both implementations. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The queue's metrics object. */
export interface QueueMetrics {
  produced: Counter<'topic'>;
  producedBytes: Counter<'topic'>;
  produceFailures: Counter<'topic' | 'reason'>;
  produceRequestRecords: Histogram;
  consumed: Counter<'topic'>;
  handlerFailures: Counter<'topic'>;
  bufferedBytes: Gauge;
  deadLetters: Counter<'topic' | 'stage'>;
  consumerLag: Gauge<'topic' | 'partition'>;
  lagReadFailures: Counter;
}

/** Registers the queue's metrics. */
export function createQueueMetrics(registry: Registry): QueueMetrics {
  const r = [registry];
  return {
    produced: new Counter({ name: 'braid_queue_records_produced_total', help: 'Records the queue acknowledged.', labelNames: ['topic'], registers: r }),
    producedBytes: new Counter({ name: 'braid_queue_produced_bytes_total', help: 'Bytes of record values the queue acknowledged.', labelNames: ['topic'], registers: r }),
    produceFailures: new Counter({ name: 'braid_queue_produce_failures_total', help: 'Produce calls that failed, by reason (unavailable, full, too_large).', labelNames: ['topic', 'reason'], registers: r }),
    produceRequestRecords: new Histogram({ name: 'braid_queue_produce_request_records', help: 'Records per Kafka produce request: the records of concurrent produce calls coalesced (queue.kafka.linger_ms).', buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 10000], registers: r }),
    consumed: new Counter({ name: 'braid_queue_records_consumed_total', help: 'Records handled and committed by consumers.', labelNames: ['topic'], registers: r }),
    handlerFailures: new Counter({ name: 'braid_queue_batch_retries_total', help: 'Batches whose handler failed and that will be delivered again.', labelNames: ['topic'], registers: r }),
    bufferedBytes: new Gauge({ name: 'braid_queue_memory_buffered_bytes', help: 'Bytes held by the in-process queue, not yet committed.', registers: r }),
    deadLetters: new Counter({ name: 'braid_queue_dead_letters_total', help: 'Records put on the dead-letter topic, by source topic and stage (decode, index).', labelNames: ['topic', 'stage'], registers: r }),
    consumerLag: new Gauge({ name: 'braid_queue_consumer_lag_records', help: "Records of a data topic's partition not yet committed by the ingesters' consumer group (end offset minus committed offset), read every 15 s.", labelNames: ['topic', 'partition'], registers: r }),
    lagReadFailures: new Counter({ name: 'braid_queue_consumer_lag_read_failures_total', help: 'Periodic reads of the consumer lag that failed; the lag series are dropped until a read succeeds.', registers: r }),
  };
}
