/**
 * The transport-independent half of the OTLP trace receiver: hands the valid spans of a request
 * to the queue and reports the invalid ones as partial success. It resolves only after the queue
 * acknowledged every record, so a 2xx or OK means the spans are in the queue. Protobuf bodies are
 * split by trace ID on the wire (docs/adr/0004-wire-level-split.md); JSON is parsed and re-encoded.
 */
import { limitTraces } from '../../model/limits.js';
import { splitTraceRequestWire } from '../../model/otlp/trace-wire.js';
import type { TracesData } from '../../model/trace.js';
import { countSpans } from '../../model/trace.js';
import type { Queue, QueueRecord } from '../../queue/queue.js';
import { MAX_KEPT_REASONS } from '../../model/reasons.js';
import { DEFAULT_REQUEST, recordLimitsOf, sendForTenant, type RequestTenant } from '../tenancy.js';
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

/** A request already cut into queue records (splitTraceRequestWire): how many spans they hold, and the rejected ones. */
export interface TraceRecords {
  records: QueueRecord[];
  spans: number;
  rejected: number;
  errors: string[];
}

/** Exports one decoded request to the queue under `who`'s tenant. Rejects with the queue's retryable errors, or BRAID_ERR_LIMIT_RATE. */
export async function exportTraces(req: LenientTraces, transport: string, queue: Queue, metrics: OtlpReceiverMetrics, who: RequestTenant = DEFAULT_REQUEST): Promise<ExportResult> {
  limitTraces(req, recordLimitsOf(who));
  const spans = countSpans(req.data);
  if (spans > 0) await sendForTenant(queue, 'spans', () => traceRecords(req.data, queue.maxRecordBytes('spans')), spans, who);
  return report(spans, req.rejected, req.errors, transport, metrics);
}

/** Exports a request's records as they are. Rejects with the queue's retryable errors. */
export async function exportTraceRecords(req: TraceRecords, transport: string, queue: Queue, metrics: OtlpReceiverMetrics, who: RequestTenant = DEFAULT_REQUEST): Promise<ExportResult> {
  if (req.spans > 0) await sendForTenant(queue, 'spans', req.records, req.spans, who);
  return report(req.spans, req.rejected, req.errors, transport, metrics);
}

/** Splits an OTLP/protobuf body by trace ID on the wire and exports the records; throws BRAID_ERR_OTLP_DECODE on wire corruption. */
export async function exportTraceProtobuf(body: Uint8Array, transport: string, queue: Queue, metrics: OtlpReceiverMetrics, who: RequestTenant = DEFAULT_REQUEST): Promise<ExportResult> {
  return exportTraceRecords(splitTraceRequestWire(body, queue.maxRecordBytes('spans'), recordLimitsOf(who)), transport, queue, metrics, who);
}

/** Counts accepted and rejected spans, and words the partial success of a request with rejected spans. */
function report(spans: number, rejected: number, errors: string[], transport: string, metrics: OtlpReceiverMetrics): ExportResult {
  metrics.acceptedSpans.inc({ transport }, spans);
  if (rejected === 0) return {};
  metrics.rejectedSpans.inc({ transport }, rejected);
  return { partial: { rejectedSpans: rejected, errorMessage: rejectionMessage(rejected, 'spans', errors) } };
}

/** "n <things> rejected: " and the first ten reasons; decoders keep no more (src/model/reasons.ts), so the rest are counted from `rejected`. */
export function rejectionMessage(rejected: number, noun: string, errors: string[]): string {
  const shown = errors.slice(0, MAX_KEPT_REASONS);
  const rest = Math.max(errors.length, rejected) - shown.length;
  const more = rest > 0 && (errors.length > MAX_KEPT_REASONS || errors.length === MAX_KEPT_REASONS) ? ` (and ${rest} more)` : '';
  return `${rejected} ${noun} rejected: ${shown.join('; ')}${more}`;
}
