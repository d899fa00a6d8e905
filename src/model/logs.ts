/**
 * Braid's in-memory form of OTLP log data (opentelemetry/proto/logs/v1/logs.proto), in the same
 * conventions as trace.ts: IDs are lowercase hex strings ('' when absent), 64-bit integers are
 * bigint, attribute values keep OTLP's types.
 */
import type { AnyValue, Attributes, InstrumentationScope, Resource } from './trace.js';

/** OTLP SeverityNumber ranges: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24. */
export const Severity = { UNSPECIFIED: 0, TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 } as const;

/** OTLP LogRecord. */
export interface LogRecord {
  /** When the event occurred; 0n when unknown. */
  timeUnixNano: bigint;
  /** When the collection system first saw it; 0n when unknown. */
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  /** 32 lowercase hex characters, or '' when the record belongs to no trace. */
  traceId: string;
  /** 16 lowercase hex characters, or ''. */
  spanId: string;
  /** OTLP 1.5 event_name (field 12); '' when absent. */
  eventName: string;
}

/** OTLP ScopeLogs. */
export interface ScopeLogs {
  scope: InstrumentationScope;
  schemaUrl: string;
  logRecords: LogRecord[];
}

/** OTLP ResourceLogs. */
export interface ResourceLogs {
  resource: Resource;
  schemaUrl: string;
  scopeLogs: ScopeLogs[];
}

/** The body of an OTLP ExportLogsServiceRequest. */
export interface LogsData {
  resourceLogs: ResourceLogs[];
}

/** Counts the log records in a request. */
export function countLogRecords(data: LogsData): number {
  let n = 0;
  for (const rl of data.resourceLogs) for (const sl of rl.scopeLogs) n += sl.logRecords.length;
  return n;
}
