/**
 * Splits a log export by trace ID, so a trace's log records can be queued (and partitioned) with it.
 */
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from '../logs.js';
import { groupByTraceId, type ExportLayout } from './split.js';

/** The layout of a log export. */
export const LOGS_LAYOUT: ExportLayout<LogsData, ResourceLogs, ScopeLogs, LogRecord> = {
  resources: (data) => data.resourceLogs,
  scopes: (rl) => rl.scopeLogs,
  items: (sl) => sl.logRecords,
  makeExport: (resourceLogs) => ({ resourceLogs }),
  makeResource: (resource, schemaUrl, scopeLogs) => ({ resource, schemaUrl, scopeLogs }),
  makeScope: (scope, schemaUrl, logRecords) => ({ scope, schemaUrl, logRecords }),
};

/**
 * Groups log records by trace ID ('' for records of no trace), as groupByTraceId does: in order of
 * first appearance, resources and scopes shared by reference, no empty ScopeLogs or ResourceLogs.
 */
export function splitLogsByTraceId(data: LogsData): Map<string, LogsData> {
  return groupByTraceId(LOGS_LAYOUT, data);
}
