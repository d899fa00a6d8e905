/** Builders shared by the log model tests. */
import type { LogRecord, LogsData } from '../../src/model/logs.js';
import { LOGS_LAYOUT } from '../../src/model/otlp/logs-split.js';
import { oneScopeRequest, richAttributes, richRequest } from './helpers.js';

/** A log record with every field at a non-default value unless overridden. */
export function makeLogRecord(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_123_456_789n,
    observedTimeUnixNano: 1_700_000_000_223_456_789n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: 'payment declined for order 42',
    attributes: { 'http.method': 'POST', 'http.status_code': 402n },
    droppedAttributesCount: 1,
    flags: 1,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    eventName: 'payment.declined',
    ...overrides,
  };
}

/** A request with one resource and one scope holding `records`. */
export function logsRequest(...records: LogRecord[]): LogsData {
  return oneScopeRequest(LOGS_LAYOUT, records);
}

/** A request exercising every field, every AnyValue kind as body and attribute, and records with and without trace context. */
export function richLogs(): LogsData {
  return richRequest(LOGS_LAYOUT,
    [
      makeLogRecord({ attributes: richAttributes() }),
      makeLogRecord({ body: { message: 'structured ✓', code: 7n, tags: ['a', 1.5, null], raw: new Uint8Array([0, 255]) }, spanId: '', flags: 0 }),
      makeLogRecord({
        timeUnixNano: 0n, observedTimeUnixNano: 2n ** 64n - 1n, severityNumber: 0, severityText: '', body: null, attributes: {},
        droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '',
      }),
    ],
    [makeLogRecord({ body: '', severityNumber: 24, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })],
    [makeLogRecord({ body: [1n, 'two', true] })],
  );
}
