/**
 * The transport-independent half of the OTLP logs receiver: hands the valid log records of a
 * request to the queue, one record per trace ID keyed by it (the partition of the trace's spans),
 * and reports the invalid ones as partial success. Resolves only after the queue acknowledged.
 */
import { countLogRecords } from '../../model/logs.js';
import type { LenientLogs, LogsPartialSuccess } from '../../model/otlp/logs-common.js';
import type { Queue } from '../../queue/queue.js';
import { logRecords } from '../log-records.js';
import type { OtlpReceiverMetrics } from './metrics.js';
import { rejectionMessage } from './export.js';

/** Exports one decoded logs request to the queue. Rejects with the queue's retryable errors. */
export async function exportLogs(req: LenientLogs, transport: string, queue: Queue, metrics: OtlpReceiverMetrics): Promise<{ partial?: LogsPartialSuccess }> {
  const n = countLogRecords(req.data);
  if (n > 0) await queue.send('logs', logRecords(req.data, queue.maxRecordBytes('logs')));
  metrics.acceptedLogRecords.inc({ transport }, n);
  if (req.rejected === 0) return {};
  metrics.rejectedLogRecords.inc({ transport }, req.rejected);
  return { partial: { rejectedLogRecords: req.rejected, errorMessage: rejectionMessage(req.rejected, 'log records', req.errors) } };
}
