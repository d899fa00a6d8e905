/**
 * The transport-independent half of the OTLP trace receiver: hands the valid spans of a request
 * to the queue and reports the invalid ones as partial success. It resolves only after the queue
 * acknowledged every record, so a 2xx or OK means the spans are in the queue.
 */
import type { TracesData } from '../../model/trace.js';
import { countSpans } from '../../model/trace.js';
import type { Queue } from '../../queue/queue.js';
import { traceRecords } from '../trace-records.js';
import type { OtlpReceiverMetrics } from './metrics.js';

/** A decoded request with its invalid spans already removed. */
export interface LenientTraces {
  data: TracesData;
  rejected: number;
  errors: string[];
}

/** What the sender is told: unset partial success, or how many spans were rejected and why. */
export interface ExportResult {
  partial?: { rejectedSpans: number; errorMessage: string };
}

/** Exports one decoded request to the queue. Rejects with the queue's retryable errors. */
export async function exportTraces(req: LenientTraces, transport: string, queue: Queue, metrics: OtlpReceiverMetrics): Promise<ExportResult> {
  const spans = countSpans(req.data);
  if (spans > 0) await queue.send('spans', traceRecords(req.data, queue.maxRecordBytes('spans')));
  metrics.acceptedSpans.inc({ transport }, spans);
  if (req.rejected === 0) return {};
  metrics.rejectedSpans.inc({ transport }, req.rejected);
  const shown = req.errors.slice(0, 10).join('; ');
  const more = req.errors.length > 10 ? ` (and ${req.errors.length - 10} more)` : '';
  return { partial: { rejectedSpans: req.rejected, errorMessage: `${req.rejected} spans rejected: ${shown}${more}` } };
}
