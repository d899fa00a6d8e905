/**
 * Turns a decoded trace export into queue records: one OTLP protobuf request per trace ID, keyed
 * by the trace ID's 16 bytes, so every record of one trace lands on one partition. A trace whose
 * request exceeds the topic's record limit is cut into several records by span, never dropped.
 */
import { SPANS_LAYOUT, splitByTraceId } from '../model/otlp/split.js';
import { encodeTraceRequest } from '../model/otlp/trace-proto.js';
import type { ResourceSpans, ScopeSpans, Span, TracesData } from '../model/trace.js';
import type { QueueRecord } from '../queue/queue.js';
import { groupRecords, type RecordEncoding } from './records.js';

const SPANS: RecordEncoding<TracesData, ResourceSpans, ScopeSpans, Span> = { layout: SPANS_LAYOUT, encode: encodeTraceRequest, item: 'span' };

/** Queue records for `data`, each value at most `maxBytes` long. */
export function traceRecords(data: TracesData, maxBytes: number): QueueRecord[] {
  return groupRecords(splitByTraceId(data), maxBytes, SPANS, (traceId) => Buffer.from(traceId, 'hex'));
}
