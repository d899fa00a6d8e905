// Structured JSON log lines carrying the IDs of the active span, so Braid can put each line
// under its span.
import { appendFileSync } from 'node:fs';
import { context, trace, type SpanContext } from '@opentelemetry/api';
import type { Logger as OtlpLogger } from '@opentelemetry/api-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';

/** Log levels the shop writes. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** One log line as written: fixed keys first, then the caller's fields. */
export interface LogLine {
  time: string;
  level: Level;
  msg: string;
  service: string;
  trace_id?: string;
  span_id?: string;
  [field: string]: unknown;
}

const RESERVED = new Set(['time', 'level', 'msg', 'service', 'trace_id', 'span_id']);

/** Builds a log line; trace_id/span_id only when the span context is valid. Extra fields never
 * overwrite the fixed keys. */
export function formatLogLine(
  now: Date,
  level: Level,
  service: string,
  msg: string,
  span: SpanContext | undefined,
  fields: Record<string, unknown> = {},
): LogLine {
  const line: LogLine = { time: now.toISOString(), level, msg, service };
  if (span !== undefined && trace.isSpanContextValid(span)) {
    line.trace_id = span.traceId;
    line.span_id = span.spanId;
  }
  for (const [key, value] of Object.entries(fields)) if (!RESERVED.has(key)) line[key] = value;
  return line;
}

/** Where lines go: stdout, a file (appended), and/or an OTLP logger. */
export interface LogSinks {
  stdout?: boolean;
  file?: string;
  otlp?: OtlpLogger;
}

/** A logger of one service. */
export interface Logger {
  log(level: Level, msg: string, fields?: Record<string, unknown>): void;
}

const SEVERITY: Record<Level, SeverityNumber> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

/** A logger that stamps each line with the active span's IDs. */
export function createLogger(service: string, sinks: LogSinks): Logger {
  return {
    log(level, msg, fields = {}) {
      const active = context.active();
      const line = formatLogLine(new Date(), level, service, msg, trace.getSpanContext(active), fields);
      const text = `${JSON.stringify(line)}\n`;
      if (sinks.stdout === true) process.stdout.write(text);
      // Synchronous append: a line is on disk before the answer leaves, so a shipper tailing the
      // file never sees half a line.
      if (sinks.file !== undefined) appendFileSync(sinks.file, text);
      sinks.otlp?.emit({
        severityNumber: SEVERITY[level],
        severityText: level.toUpperCase(),
        body: msg,
        attributes: otlpAttributes(fields),
        context: active,
      });
    },
  };
}

function otlpAttributes(fields: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (value !== undefined) out[key] = JSON.stringify(value);
  }
  return out;
}
