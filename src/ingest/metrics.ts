/** Metrics of the ingester. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The ingester's metrics object. */
export interface IngestMetrics {
  records: Counter<'kind'>;
  spans: Counter;
  logs: Counter;
  samples: Counter;
  undecodable: Counter<'kind'>;
  rejectedDocuments: Counter<'reason'>;
  writeRetries: Counter;
  writeSeconds: Histogram;
  derivedSeries: Gauge;
  derivedCounted: Counter<'kind'>;
  derivedReplayed: Counter<'kind'>;
  derivedDropped: Counter<'kind'>;
  derivedStateSaves: Counter;
  derivedStateBytes: Gauge;
  derivedRestores: Counter<'found'>;
  derivedPoints: Counter;
  derivedEmitFailures: Counter;
  discardedSpans: Counter<'reason' | 'tenant'>;
}

/** Registers the ingester's metrics. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const r = [registry];
  return {
    records: new Counter({ name: 'braid_ingest_records_total', help: 'Queue records the ingester handled.', labelNames: ['kind'], registers: r }),
    spans: new Counter({ name: 'braid_ingest_spans_total', help: 'Spans the store acknowledged.', registers: r }),
    samples: new Counter({ name: 'braid_ingest_samples_total', help: 'Metric samples the store acknowledged.', registers: r }),
    logs: new Counter({ name: 'braid_ingest_log_records_total', help: 'Log records the store acknowledged.', registers: r }),
    undecodable: new Counter({ name: 'braid_ingest_records_undecodable_total', help: 'Queue records that could not be decoded and were skipped.', labelNames: ['kind'], registers: r }),
    rejectedDocuments: new Counter({ name: 'braid_ingest_documents_rejected_total', help: 'Documents the store refused for good.', labelNames: ['reason'], registers: r }),
    writeRetries: new Counter({ name: 'braid_ingest_write_retries_total', help: 'Store writes retried after a transient failure.', registers: r }),
    writeSeconds: new Histogram({ name: 'braid_ingest_write_duration_seconds', help: 'Time of one store write (a bulk request).', registers: r, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] }),
    derivedSeries: new Gauge({ name: 'braid_derived_series', help: 'Span- and log-derived series this ingester holds (bounded by ingest.max_series).', registers: r }),
    derivedCounted: new Counter({ name: 'braid_derived_records_counted_total', help: 'Spans (kind=spans) and log records (kind=logs) counted into derived series.', labelNames: ['kind'], registers: r }),
    derivedReplayed: new Counter({ name: 'braid_derived_records_replayed_total', help: 'Queue records seen again after a restart or rebalance and not counted twice (offset below the saved state).', labelNames: ['kind'], registers: r }),
    derivedDropped: new Counter({ name: 'braid_derived_series_dropped_total', help: 'Spans and log records not counted because their new series would pass ingest.max_series.', labelNames: ['kind'], registers: r }),
    derivedStateSaves: new Counter({ name: 'braid_derived_state_saves_total', help: 'Derived-series states saved to the state topic.', registers: r }),
    derivedStateBytes: new Gauge({ name: 'braid_derived_state_bytes', help: 'Size of the last derived-series state saved (gzipped).', registers: r }),
    derivedRestores: new Counter({ name: 'braid_derived_state_restores_total', help: 'Partitions whose derived-series state was restored (found=no: none saved yet).', labelNames: ['found'], registers: r }),
    derivedPoints: new Counter({ name: 'braid_derived_points_emitted_total', help: 'Data points of derived series sent to the metrics topic.', registers: r }),
    discardedSpans: new Counter({ name: 'braid_ingest_discarded_spans_total', help: 'Spans not stored, by reason (max_spans_per_trace: past limits.max_spans_per_trace of their trace) and tenant.', labelNames: ['reason', 'tenant'], registers: r }),
    derivedEmitFailures: new Counter({ name: 'braid_derived_emit_failures_total', help: 'Emissions of derived series the queue refused (the next carries the same totals).', registers: r }),
  };
}
