import { describe, expect, it } from 'vitest';
import { countLogRecords } from '../../src/model/logs.js';
import { logsRequestToJson, parseLogsRequestJson, parseLogsRequestJsonLenient } from '../../src/model/otlp/logs-json.js';
import { decodeLogsRequest, encodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import { expectBraidError } from './helpers.js';
import { richLogs } from './logs-helpers.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** A request whose only ScopeLogs holds `records`. */
function body(...records: unknown[]): unknown {
  return { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeLogs: [{ scope: { name: 'sc' }, logRecords: records }] }] };
}

const P = 'resourceLogs[0].scopeLogs[0].logRecords';

describe('parseLogsRequestJson', () => {
  it('round-trips through logsRequestToJson and JSON text, agreeing with the protobuf codec', () => {
    const data = richLogs();
    const text = JSON.stringify(logsRequestToJson(data));
    expect(parseLogsRequestJson(JSON.parse(text))).toEqual(data);
    expect(parseLogsRequestJson(JSON.parse(text))).toEqual(decodeLogsRequest(encodeLogsRequest(data)));
  });

  it('writes int64 as strings and leaves absent IDs, body and event name out', () => {
    const json = logsRequestToJson(richLogs()) as { resourceLogs: { scopeLogs: { logRecords: Record<string, unknown>[] }[] }[] };
    const [full, , bare] = json.resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(full).toMatchObject({ timeUnixNano: '1700000000123456789', traceId: TRACE, spanId: SPAN, eventName: 'payment.declined', severityNumber: 17 });
    expect(bare).toEqual({
      timeUnixNano: '0', observedTimeUnixNano: '18446744073709551615', severityNumber: 0, severityText: '', attributes: [], droppedAttributesCount: 0, flags: 0,
    });
  });

  it('reads every LogRecord field by its OTLP/JSON name', () => {
    const data = parseLogsRequestJson(body({
      timeUnixNano: '1700000000000000001', observedTimeUnixNano: '1700000000000000002', severityNumber: 13, severityText: 'WARN',
      body: { stringValue: 'disk almost full' }, attributes: [{ key: 'disk.free', value: { intValue: '512' } }], droppedAttributesCount: 3,
      flags: 1, traceId: TRACE, spanId: SPAN, eventName: 'disk.low',
    }));
    expect(data.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]).toEqual({
      timeUnixNano: 1_700_000_000_000_000_001n, observedTimeUnixNano: 1_700_000_000_000_000_002n, severityNumber: 13, severityText: 'WARN',
      body: 'disk almost full', attributes: { 'disk.free': 512n }, droppedAttributesCount: 3, flags: 1, traceId: TRACE, spanId: SPAN, eventName: 'disk.low',
    });
    expect(data.resourceLogs[0]?.resource.attributes).toEqual({ 'service.name': 's' });
    expect(data.resourceLogs[0]?.scopeLogs[0]?.scope.name).toBe('sc');
  });

  it('accepts snake_case keys, uppercase hex, severity names, numbers for int64 and ignores unknown fields', () => {
    const data = parseLogsRequestJson({
      resource_logs: [{
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }], dropped_attributes_count: '2' },
        schema_url: 'https://schema',
        unknownField: [1, 2, 3],
        scope_logs: [{
          scope: { name: 'lib', version: '1' },
          schema_url: 'https://scope-schema',
          log_records: [
            {
              time_unix_nano: 1544712660000000000, observed_time_unix_nano: '18446744073709551615', severity_number: 'SEVERITY_NUMBER_ERROR',
              severity_text: 'error', trace_id: TRACE.toUpperCase(), span_id: SPAN.toUpperCase(), event_name: 'e', dropped_attributes_count: 4,
              body: { kvlist_value: { values: [{ key: 'k', value: { int_value: -5 } }] } }, flags: '1', whatever: { nested: true },
            },
            { severityNumber: 'SEVERITY_NUMBER_FATAL4' },
            { severityNumber: 'SEVERITY_NUMBER_TRACE' },
            { severityNumber: 'SEVERITY_NUMBER_INFO2' },
          ],
        }],
      }],
    });
    const rl = data.resourceLogs[0]!;
    expect(rl.schemaUrl).toBe('https://schema');
    expect(rl.resource).toEqual({ attributes: { 'service.name': 'svc' }, droppedAttributesCount: 2 });
    expect(rl.scopeLogs[0]?.schemaUrl).toBe('https://scope-schema');
    const [rec, fatal4, traceLevel, info2] = rl.scopeLogs[0]!.logRecords;
    expect(rec).toEqual({
      timeUnixNano: 1_544_712_660_000_000_000n, observedTimeUnixNano: 2n ** 64n - 1n, severityNumber: 17, severityText: 'error', body: { k: -5n },
      attributes: {}, droppedAttributesCount: 4, flags: 1, traceId: TRACE, spanId: SPAN, eventName: 'e',
    });
    expect([fatal4?.severityNumber, traceLevel?.severityNumber, info2?.severityNumber]).toEqual([24, 1, 10]);
  });

  it('reads empty and all-zero IDs as no trace context', () => {
    const data = parseLogsRequestJson(body(
      { traceId: '', spanId: '' },
      { traceId: '00000000000000000000000000000000', spanId: '0000000000000000' },
      { traceId: TRACE, spanId: '0000000000000000' },
      { traceId: null, spanId: null },
    ));
    expect(data.resourceLogs[0]?.scopeLogs[0]?.logRecords.map((r) => [r.traceId, r.spanId])).toEqual([['', ''], ['', ''], [TRACE, ''], ['', '']]);
  });

  it('reads {} and a missing body as no body, and a body that is not an AnyValue as invalid', () => {
    const data = parseLogsRequestJson(body({ body: {} }, {}));
    expect(data.resourceLogs[0]?.scopeLogs[0]?.logRecords.map((r) => r.body)).toEqual([null, null]);
    expectBraidError(() => parseLogsRequestJson(body({ body: 'plain text' })), 'BRAID_ERR_OTLP_INVALID', `${P}[0].body: expected an object, got "plain text"`);
  });

  it.each([
    [{ traceId: `${TRACE}01` }, `${P}[1].traceId: expected 32 hex characters or none, got "${TRACE}01"`],
    [{ trace_id: 'zz'.repeat(16) }, `${P}[1].trace_id: expected 32 hex characters or none, got "${'zz'.repeat(16)}"`],
    [{ traceId: TRACE, spanId: 12 }, `${P}[1].spanId: expected 16 hex characters or none, got 12`],
    [{ spanId: SPAN }, `${P}[1].spanId: set without a traceId`],
    [{ traceId: '00000000000000000000000000000000', spanId: SPAN }, `${P}[1].spanId: set without a traceId`],
    [{ severityNumber: 'ERROR' }, `${P}[1].severityNumber: expected a SeverityNumber number or name, got "ERROR"`],
    [{ severityNumber: 1.5 }, `${P}[1].severityNumber: expected a SeverityNumber number or name, got 1.5`],
    [{ timeUnixNano: '-1' }, `${P}[1].timeUnixNano: expected a uint64 as a decimal string or integer, got "-1"`],
    [{ observed_time_unix_nano: 1.5 }, `${P}[1].observed_time_unix_nano: expected a uint64 as a decimal string or integer, got 1.5`],
    [{ flags: -1 }, `${P}[1].flags: expected a uint32, got -1`],
    [{ eventName: 7 }, `${P}[1].eventName: expected a string, got 7`],
    [{ body: { intValue: 'x' } }, `${P}[1].body.intValue: expected an int64 as a decimal string or integer, got "x"`],
    [{ attributes: [{ key: 'a', value: { boolValue: 'yes' } }] }, `${P}[1].attributes[0].value.boolValue: expected a boolean, got "yes"`],
    ['not a record', `${P}[1]: expected an object, got "not a record"`],
  ])('rejects %j with the exact message, strictly and leniently', (bad, message) => {
    const request = body({ body: { stringValue: 'kept' } }, bad, { traceId: TRACE, spanId: SPAN });
    expectBraidError(() => parseLogsRequestJson(request), 'BRAID_ERR_OTLP_INVALID', message);
    const result = parseLogsRequestJsonLenient(request);
    expect(result.rejected).toBe(1);
    expect(result.errors).toEqual([message]);
    expect(result.data.resourceLogs[0]?.scopeLogs[0]?.logRecords.map((r) => [r.body, r.traceId])).toEqual([['kept', ''], [null, TRACE]]);
  });

  it('rejects a 17-byte trace ID leniently with its reason and keeps the rest', () => {
    const request = {
      resourceLogs: [
        { scopeLogs: [{ logRecords: [{ body: { stringValue: 'a' } }, { traceId: `${TRACE}ab`, body: { stringValue: 'bad' } }] }] },
        { scopeLogs: [{}, { logRecords: [{ traceId: TRACE, body: { stringValue: 'b' } }] }] },
      ],
    };
    const result = parseLogsRequestJsonLenient(request);
    expect(result.errors).toEqual([`${P}[1].traceId: expected 32 hex characters or none, got "${TRACE}ab"`]);
    expect(result.rejected).toBe(1);
    expect(countLogRecords(result.data)).toBe(2);
    expect(result.data.resourceLogs[1]?.scopeLogs[1]?.logRecords[0]?.traceId).toBe(TRACE);
  });

  it('throws even leniently when the problem is outside a log record', () => {
    expectBraidError(() => parseLogsRequestJsonLenient({ resourceLogs: [{ scopeLogs: 'x' }] }), 'BRAID_ERR_OTLP_INVALID',
      'resourceLogs[0].scopeLogs: expected an array, got "x"');
    expectBraidError(() => parseLogsRequestJsonLenient({ resourceLogs: [{ resource: { droppedAttributesCount: -1 } }] }), 'BRAID_ERR_OTLP_INVALID',
      'resourceLogs[0].resource.droppedAttributesCount: expected a uint32, got -1');
    expectBraidError(() => parseLogsRequestJsonLenient([]), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got an array');
    expectBraidError(() => parseLogsRequestJson(null), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got null');
  });

  it('accepts an empty request and ignores the keys of other signals', () => {
    expect(parseLogsRequestJson({})).toEqual({ resourceLogs: [] });
    expect(parseLogsRequestJson({ resourceLogs: [] })).toEqual({ resourceLogs: [] });
    expect(parseLogsRequestJson({ resourceSpans: [{ scopeSpans: [] }] })).toEqual({ resourceLogs: [] });
  });
});
