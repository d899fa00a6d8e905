/**
 * Turns a decoded trace export into queue records: one OTLP protobuf request per trace ID, keyed
 * by the trace ID's 16 bytes, so every record of one trace lands on one partition. A trace whose
 * request exceeds the topic's record limit is cut into several records by span, never dropped.
 */
import { BraidError } from '../errors.js';
import { encodeTraceRequest } from '../model/otlp/trace-proto.js';
import { splitByTraceId } from '../model/otlp/split.js';
import { countSpans, type TracesData } from '../model/trace.js';
import type { QueueRecord } from '../queue/queue.js';

/** Queue records for `data`, each value at most `maxBytes` long. */
export function traceRecords(data: TracesData, maxBytes: number): QueueRecord[] {
  const out: QueueRecord[] = [];
  for (const [traceId, part] of splitByTraceId(data)) {
    const key = Buffer.from(traceId, 'hex');
    for (const value of encodeWithin(part, maxBytes)) out.push({ key, value });
  }
  return out;
}

function encodeWithin(data: TracesData, maxBytes: number): Buffer[] {
  const bytes = encodeTraceRequest(data);
  if (bytes.length <= maxBytes) return [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)];
  const n = countSpans(data);
  if (n <= 1) {
    throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `one span encodes to ${bytes.length} bytes, more than the largest record the topic takes (${maxBytes} bytes, from its max.message.bytes)`);
  }
  const [a, b] = halve(data, Math.floor(n / 2));
  return [...encodeWithin(a, maxBytes), ...encodeWithin(b, maxBytes)];
}

/** Splits a request into its first `k` spans and the rest, keeping resources and scopes. */
function halve(data: TracesData, k: number): [TracesData, TracesData] {
  const first: TracesData = { resourceSpans: [] };
  const second: TracesData = { resourceSpans: [] };
  let seen = 0;
  for (const rs of data.resourceSpans) {
    for (const ss of rs.scopeSpans) {
      const take = Math.max(0, Math.min(ss.spans.length, k - seen));
      if (take > 0) first.resourceSpans.push({ ...rs, scopeSpans: [{ ...ss, spans: ss.spans.slice(0, take) }] });
      if (take < ss.spans.length) second.resourceSpans.push({ ...rs, scopeSpans: [{ ...ss, spans: ss.spans.slice(take) }] });
      seen += ss.spans.length;
    }
  }
  return [first, second];
}
