/** Metrics of the OTLP receiver, in the OTel Collector's spirit (accepted / refused). */
import { Counter, type Registry } from 'prom-client';

/** The OTLP receiver's metrics object. */
export interface OtlpReceiverMetrics {
  acceptedSpans: Counter<'transport'>;
  rejectedSpans: Counter<'transport'>;
  refusedRequests: Counter<'transport' | 'code'>;
}

/** Registers the OTLP receiver's metrics. */
export function createOtlpReceiverMetrics(registry: Registry): OtlpReceiverMetrics {
  const r = [registry];
  return {
    acceptedSpans: new Counter({ name: 'braid_receiver_accepted_spans_total', help: 'Spans acknowledged to the sender (in the queue).', labelNames: ['transport'], registers: r }),
    rejectedSpans: new Counter({ name: 'braid_receiver_rejected_spans_total', help: 'Spans rejected as invalid (reported as partial success).', labelNames: ['transport'], registers: r }),
    refusedRequests: new Counter({ name: 'braid_receiver_refused_requests_total', help: 'Requests answered with an error, by error code.', labelNames: ['transport', 'code'], registers: r }),
  };
}
