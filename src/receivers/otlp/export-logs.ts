/**
 * The transport-independent half of the OTLP logs receiver: hands the valid log records of a
 * request to the queue, one record per trace ID keyed by it (the partition of the trace's spans),
 * and reports the invalid ones as partial success. Resolves only after the queue acknowledged.
 */
import { limitLogs, type RecordLimits } from '../../model/limits.js';
import { countLogRecords } from '../../model/logs.js';
import type { LenientLogs, LogsPartialSuccess } from '../../model/otlp/logs-common.js';
import type { Queue } from '../../queue/queue.js';
import { logRecords } from '../log-records.js';
import { DEFAULT_REQUEST, recordLimitsOf, sendForTenant, type RequestTenant } from '../tenancy.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { rejectionMessage } from './export.js';

/**
 * Exports one decoded logs request to the queue under `who`'s tenant; records past the tenant's
 * record limits are rejected as partial success (`limits` null: checked by the caller, or not at
 * all). Rejects with the queue's retryable errors, or BRAID_ERR_LIMIT_RATE.
 */
export async function exportLogs(req: LenientLogs, transport: string, queue: Queue, metrics: OtlpReceiverMetrics, who: RequestTenant = DEFAULT_REQUEST, limits: RecordLimits | null = recordLimitsOf(who) ?? null): Promise<{ partial?: LogsPartialSuccess }> {
  limitLogs(req, limits ?? undefined);
  const n = countLogRecords(req.data);
  if (n > 0) await sendForTenant(queue, 'logs', () => logRecords(req.data, queue.maxRecordBytes('logs')), n, who);
  metrics.acceptedLogRecords.inc({ transport }, n);
  if (req.rejected === 0) return {};
  metrics.rejectedLogRecords.inc({ transport }, req.rejected);
  return { partial: { rejectedLogRecords: req.rejected, errorMessage: rejectionMessage(req.rejected, 'log records', req.errors) } };
}
