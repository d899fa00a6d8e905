/**
 * Turns a decoded log export into queue records, as trace-records.ts does for traces: one OTLP
 * protobuf request per trace ID, keyed by the trace ID's 16 bytes so a trace's logs land on the
 * partition of its spans; records of no trace go unkeyed. A group whose request exceeds the topic's
 * record limit is cut into several records by log record, never dropped.
 */
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from '../model/logs.js';
import { encodeLogsRequest } from '../model/otlp/logs-proto.js';
import { LOGS_LAYOUT, splitLogsByTraceId } from '../model/otlp/logs-split.js';
import type { QueueRecord } from '../queue/queue.js';
import { groupRecords, type RecordEncoding } from './records.js';

const LOG_RECORDS: RecordEncoding<LogsData, ResourceLogs, ScopeLogs, LogRecord> = { layout: LOGS_LAYOUT, encode: encodeLogsRequest, item: 'log record' };

/** Queue records for `data`, each value at most `maxBytes` long. */
export function logRecords(data: LogsData, maxBytes: number): QueueRecord[] {
  return groupRecords(splitLogsByTraceId(data), maxBytes, LOG_RECORDS, (traceId) => (traceId === '' ? null : Buffer.from(traceId, 'hex')));
}
