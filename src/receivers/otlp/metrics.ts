/** The OTLP receiver's metrics: the counters every receiver shares (src/receivers/metrics.ts). */
export { createReceiverMetrics as createOtlpReceiverMetrics, type ReceiverMetrics as OtlpReceiverMetrics } from '../metrics.js';
