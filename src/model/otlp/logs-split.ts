/**
 * Splits a log export by trace ID, so a trace's log records can be queued (and partitioned) with it.
 */
import type { LogsData, ResourceLogs, ScopeLogs } from '../logs.js';

interface Group {
  data: LogsData;
  // The source ResourceLogs/ScopeLogs last appended to, so consecutive records of one scope share an output ScopeLogs.
  rlSource: ResourceLogs | undefined;
  rlOut: ResourceLogs | undefined;
  slSource: ScopeLogs | undefined;
  slOut: ScopeLogs | undefined;
}

/**
 * Groups log records by trace ID ('' for records of no trace), in order of first appearance. Each
 * group keeps every record's resource and scope (shared by reference, not copied) and holds no
 * empty ScopeLogs or ResourceLogs.
 */
export function splitLogsByTraceId(data: LogsData): Map<string, LogsData> {
  const groups = new Map<string, Group>();
  for (const rl of data.resourceLogs) {
    for (const sl of rl.scopeLogs) {
      for (const rec of sl.logRecords) {
        let g = groups.get(rec.traceId);
        if (g === undefined) {
          g = { data: { resourceLogs: [] }, rlSource: undefined, rlOut: undefined, slSource: undefined, slOut: undefined };
          groups.set(rec.traceId, g);
        }
        if (g.slSource !== sl || g.rlSource !== rl || g.slOut === undefined) {
          if (g.rlSource !== rl || g.rlOut === undefined) {
            g.rlOut = { resource: rl.resource, schemaUrl: rl.schemaUrl, scopeLogs: [] };
            g.rlSource = rl;
            g.data.resourceLogs.push(g.rlOut);
          }
          g.slOut = { scope: sl.scope, schemaUrl: sl.schemaUrl, logRecords: [] };
          g.slSource = sl;
          g.rlOut.scopeLogs.push(g.slOut);
        }
        g.slOut.logRecords.push(rec);
      }
    }
  }
  const out = new Map<string, LogsData>();
  for (const [traceId, g] of groups) out.set(traceId, g.data);
  return out;
}
