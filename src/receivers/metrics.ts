/**
 * Metrics shared by every receiver, in the OTel Collector's spirit (accepted / refused), one set
 * per process: receivers tell themselves apart by the `transport` label (http/json,
 * http/protobuf, grpc, zipkin).
 */
import { Counter, type Registry } from 'prom-client';

/** The receivers' metrics object. */
export interface ReceiverMetrics {
  acceptedSpans: Counter<'transport'>;
  rejectedSpans: Counter<'transport'>;
  refusedRequests: Counter<'transport' | 'code'>;
  acceptedLogRecords: Counter<'transport'>;
  rejectedLogRecords: Counter<'transport'>;
  acceptedDataPoints: Counter<'transport'>;
  rejectedDataPoints: Counter<'transport'>;
}

/** Registers the receivers' metrics. */
export function createReceiverMetrics(registry: Registry): ReceiverMetrics {
  const r = [registry];
  return {
    acceptedSpans: new Counter({ name: 'braid_receiver_accepted_spans_total', help: 'Spans acknowledged to the sender (in the queue).', labelNames: ['transport'], registers: r }),
    rejectedSpans: new Counter({ name: 'braid_receiver_rejected_spans_total', help: 'Spans rejected as invalid (OTLP: reported as partial success; Zipkin: the request is refused).', labelNames: ['transport'], registers: r }),
    refusedRequests: new Counter({ name: 'braid_receiver_refused_requests_total', help: 'Requests answered with an error, by error code.', labelNames: ['transport', 'code'], registers: r }),
    acceptedLogRecords: new Counter({ name: 'braid_receiver_accepted_log_records_total', help: 'Log records acknowledged to the sender (in the queue).', labelNames: ['transport'], registers: r }),
    acceptedDataPoints: new Counter({ name: 'braid_receiver_accepted_metric_points_total', help: 'Metric data points (OTLP) or samples (remote write) acknowledged to the sender.', labelNames: ['transport'], registers: r }),
    rejectedDataPoints: new Counter({ name: 'braid_receiver_rejected_metric_points_total', help: 'Metric data points rejected as invalid (OTLP partial success).', labelNames: ['transport'], registers: r }),
    rejectedLogRecords: new Counter({ name: 'braid_receiver_rejected_log_records_total', help: 'Log records rejected as invalid (OTLP partial success; NDJSON: the bad lines).', labelNames: ['transport'], registers: r }),
  };
}
