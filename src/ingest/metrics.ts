/** Metrics of the ingester. */
import { Counter, Histogram, type Registry } from 'prom-client';

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
  };
}
