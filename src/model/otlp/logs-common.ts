/**
 * Types and rules shared by the OTLP/protobuf and OTLP/JSON log codecs, so both accept the same
 * records and report invalid ones with the same paths and the same lenient result shape.
 *
 * Trace context of a log record (logs.proto, fields 9 and 10): both IDs are optional. An all-zero
 * ID is "invalid" in OTLP's words, which receivers are told to read as "no trace", so it becomes ''.
 * An ID of the wrong length is rejected rather than silently unlinked, and so is a span ID without
 * a trace ID: Braid correlates logs by trace, and a half context would be stored as uncorrelated.
 */
import type { LogRecord, LogsData } from '../logs.js';

/** A request decoded leniently: the valid log records, how many were dropped, and why. */
export interface LenientLogs {
  data: LogsData;
  rejected: number;
  errors: string[];
}

/** OTLP ExportLogsPartialSuccess, as told to the sender. */
export interface LogsPartialSuccess {
  rejectedLogRecords: number;
  errorMessage: string;
}

/** The problem reported (after `spanId: `) for a record with a span ID but no trace ID. */
export const SPAN_WITHOUT_TRACE = 'set without a traceId';

/** The request path of a log record, as used in error messages. */
export function logRecordPath(rlIndex: number, slIndex: number, recordIndex: number): string {
  return `resourceLogs[${rlIndex}].scopeLogs[${slIndex}].logRecords[${recordIndex}]`;
}

/** A LogRecord with every field at its default, to be filled in by a decoder. */
export function emptyLogRecord(): LogRecord {
  return {
    timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: null, attributes: {},
    droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '',
  };
}
