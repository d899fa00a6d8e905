/**
 * Turns a decoded log export into queue records, as trace-records.ts does for traces: one OTLP
 * protobuf request per trace ID, keyed by the trace ID's 16 bytes so a trace's logs land on the
 * partition of its spans; records of no trace go unkeyed. A group whose request exceeds the topic's
 * record limit is cut into several records by log record, never dropped.
 */
import { BraidError } from '../errors.js';
import { countLogRecords, type LogsData } from '../model/logs.js';
import { encodeLogsRequest } from '../model/otlp/logs-proto.js';
import { splitLogsByTraceId } from '../model/otlp/logs-split.js';
import type { QueueRecord } from '../queue/queue.js';

/** Queue records for `data`, each value at most `maxBytes` long. */
export function logRecords(data: LogsData, maxBytes: number): QueueRecord[] {
  const out: QueueRecord[] = [];
  for (const [traceId, part] of splitLogsByTraceId(data)) {
    const key = traceId === '' ? null : Buffer.from(traceId, 'hex');
    for (const value of encodeWithin(part, maxBytes)) out.push({ key, value });
  }
  return out;
}

function encodeWithin(data: LogsData, maxBytes: number): Buffer[] {
  const bytes = encodeLogsRequest(data);
  if (bytes.length <= maxBytes) return [Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)];
  const n = countLogRecords(data);
  if (n <= 1) {
    throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `one log record encodes to ${bytes.length} bytes, more than the largest record the topic takes (${maxBytes} bytes, from its max.message.bytes)`);
  }
  const [a, b] = halve(data, Math.floor(n / 2));
  return [...encodeWithin(a, maxBytes), ...encodeWithin(b, maxBytes)];
}

/** Splits a request into its first `k` log records and the rest, keeping resources and scopes. */
function halve(data: LogsData, k: number): [LogsData, LogsData] {
  const first: LogsData = { resourceLogs: [] };
  const second: LogsData = { resourceLogs: [] };
  let seen = 0;
  for (const rl of data.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      const take = Math.max(0, Math.min(sl.logRecords.length, k - seen));
      if (take > 0) first.resourceLogs.push({ ...rl, scopeLogs: [{ ...sl, logRecords: sl.logRecords.slice(0, take) }] });
      if (take < sl.logRecords.length) second.resourceLogs.push({ ...rl, scopeLogs: [{ ...sl, logRecords: sl.logRecords.slice(take) }] });
      seen += sl.logRecords.length;
    }
  }
  return [first, second];
}
