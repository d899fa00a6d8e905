/**
 * The transport-independent half of the OTLP metrics receiver (and of remote write, which
 * arrives converted to OTLP): hands the valid data points of a request to the queue and reports
 * the invalid ones as partial success. Resolves only after the queue acknowledged.
 */
import { limitMetrics } from '../../model/limits.js';
import { countDataPoints, type MetricsData } from '../../model/metrics.js';
import type { Queue } from '../../queue/queue.js';
import { metricRecords } from '../metric-records.js';
import { DEFAULT_REQUEST, recordLimitsOf, sendForTenant, type RequestTenant } from '../tenancy.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { rejectionMessage } from './export.js';

/** A metrics request decoded leniently: the valid data points, how many were dropped, and why. */
export interface LenientMetricsRequest {
  data: MetricsData;
  rejected: number;
  errors: string[];
}

/** Exports one decoded metrics request to the queue under `who`'s tenant. Rejects with the queue's retryable errors, or BRAID_ERR_LIMIT_RATE. */
export async function exportMetrics(req: LenientMetricsRequest, transport: string, queue: Queue, metrics: OtlpReceiverMetrics, who: RequestTenant = DEFAULT_REQUEST): Promise<{ partial?: { rejectedDataPoints: number; errorMessage: string } }> {
  // Series past the tenant's label limits are rejected as partial success (remote write refused them whole before).
  limitMetrics(req, recordLimitsOf(who));
  const n = countDataPoints(req.data);
  if (n > 0) await sendForTenant(queue, 'metrics', () => metricRecords(req.data, queue.maxRecordBytes('metrics')), n, who);
  metrics.acceptedDataPoints.inc({ transport }, n);
  if (req.rejected === 0) return {};
  metrics.rejectedDataPoints.inc({ transport }, req.rejected);
  return { partial: { rejectedDataPoints: req.rejected, errorMessage: rejectionMessage(req.rejected, 'data points', req.errors) } };
}
