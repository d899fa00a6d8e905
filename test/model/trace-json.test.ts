import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTraceRequestJson, parseTraceRequestJsonLenient, traceRequestToJson } from '../../src/model/otlp/trace-json.js';
import { decodeTraceRequest, encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { countSpans } from '../../src/model/trace.js';
import { expectBraidError, richTraces } from './helpers.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/model');

interface InvalidFixture {
  error: string;
  /** Spans the lenient parser drops; null when the problem is outside any span, so it throws too. */
  rejectedSpans: number | null;
  request: unknown;
}

const invalid = readdirSync(FIXTURES)
  .filter((f) => f.startsWith('invalid_') && f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as InvalidFixture] as const);

describe('parseTraceRequestJson', () => {
  it('has invalid fixtures to check', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(20);
  });

  it.each(invalid)('%s: fails with the exact message', (_name, fx) => {
    expectBraidError(() => parseTraceRequestJson(fx.request), 'BRAID_ERR_OTLP_INVALID', fx.error);
  });

  it.each(invalid)('%s: the lenient parser drops the span or throws the same error', (_name, fx) => {
    if (fx.rejectedSpans === null) {
      expectBraidError(() => parseTraceRequestJsonLenient(fx.request), 'BRAID_ERR_OTLP_INVALID', fx.error);
      return;
    }
    const result = parseTraceRequestJsonLenient(fx.request);
    expect(result.rejected).toBe(fx.rejectedSpans);
    expect(result.errors).toEqual([fx.error]);
    // Every other span is kept.
    const body = fx.request as { resourceSpans?: { scopeSpans: { spans: unknown[] }[] }[]; resource_spans?: { scope_spans: { spans: unknown[] }[] }[] };
    const sent = body.resourceSpans?.[0]?.scopeSpans[0]?.spans.length ?? body.resource_spans?.[0]?.scope_spans[0]?.spans.length ?? 0;
    expect(countSpans(result.data)).toBe(sent - fx.rejectedSpans);
  });

  it('rejects a body that is not an object, even leniently', () => {
    expectBraidError(() => parseTraceRequestJsonLenient([]), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got an array');
    expectBraidError(() => parseTraceRequestJson('{}'), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got "{}"');
    expectBraidError(() => parseTraceRequestJson(null), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got null');
  });

  it('accepts an empty request', () => {
    expect(parseTraceRequestJson({})).toEqual({ resourceSpans: [] });
    expect(parseTraceRequestJson({ resourceSpans: [] })).toEqual({ resourceSpans: [] });
  });

  it('round-trips through traceRequestToJson and JSON text', () => {
    const data = richTraces();
    const text = JSON.stringify(traceRequestToJson(data));
    expect(parseTraceRequestJson(JSON.parse(text))).toEqual(data);
    // And agrees with the protobuf codec.
    expect(parseTraceRequestJson(JSON.parse(text))).toEqual(decodeTraceRequest(encodeTraceRequest(data)));
  });

  it('accepts snake_case keys, uppercase hex, enum names, numbers for int64, special doubles and base64 variants', () => {
    const data = parseTraceRequestJson({
      resource_spans: [{
        resource: { attributes: [{ key: 'service.name', value: { string_value: 'svc' } }], dropped_attributes_count: '2' },
        schema_url: 'https://schema',
        scope_spans: [{
          scope: { name: 'lib', version: '1', dropped_attributes_count: 1 },
          spans: [{
            trace_id: '5B8EFFF798038103D269B633813FC60C', span_id: 'EEE19B7EC3C1B174', parent_span_id: '', trace_state: 'a=b', name: 'n',
            kind: 'SPAN_KIND_CONSUMER', start_time_unix_nano: 1544712660000000000, end_time_unix_nano: '18446744073709551615', flags: '257',
            dropped_attributes_count: 3, dropped_events_count: 4, dropped_links_count: 5, unknownField: { anything: true },
            attributes: [
              { key: 'i', value: { int_value: -5 } },
              { key: 'big', value: { intValue: '-9223372036854775808' } },
              { key: 'nan', value: { doubleValue: 'NaN' } },
              { key: 'inf', value: { double_value: '-Infinity' } },
              { key: 'strnum', value: { doubleValue: '1.25' } },
              { key: 'b64', value: { bytesValue: '+/8=' } },
              { key: 'b64url', value: { bytes_value: '-_8' } },
              { key: 'empty', value: {} },
              { key: 'nullValue', value: null },
              { key: 'arr', value: { array_value: { values: [{ bool_value: true }, {}] } } },
              { key: 'kv', value: { kvlist_value: { values: [{ key: 'x', value: { intValue: 1 } }] } } },
              { key: 'emptyKv', value: { kvlistValue: {} } },
            ],
            events: [{ time_unix_nano: '7', name: 'e', dropped_attributes_count: 1 }],
            links: [{ trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'eee19b7ec3c1b173', trace_state: 's', flags: 1, dropped_attributes_count: 2 }],
            status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
          }],
        }],
      }],
    });
    const rs = data.resourceSpans[0]!;
    expect(rs.resource).toEqual({ attributes: { 'service.name': 'svc' }, droppedAttributesCount: 2 });
    expect(rs.schemaUrl).toBe('https://schema');
    expect(rs.scopeSpans[0]?.scope).toEqual({ name: 'lib', version: '1', attributes: {}, droppedAttributesCount: 1 });
    expect(rs.scopeSpans[0]?.spans[0]).toEqual({
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', parentSpanId: '', traceState: 'a=b', name: 'n', kind: 5,
      startTimeUnixNano: 1544712660000000000n, endTimeUnixNano: 2n ** 64n - 1n, flags: 257,
      droppedAttributesCount: 3, droppedEventsCount: 4, droppedLinksCount: 5,
      attributes: {
        i: -5n, big: -(2n ** 63n), nan: NaN, inf: -Infinity, strnum: 1.25, b64: new Uint8Array([0xfb, 0xff]), b64url: new Uint8Array([0xfb, 0xff]),
        empty: null, nullValue: null, arr: [true, null], kv: { x: 1n }, emptyKv: {},
      },
      events: [{ timeUnixNano: 7n, name: 'e', attributes: {}, droppedAttributesCount: 1 }],
      links: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b173', traceState: 's', attributes: {}, droppedAttributesCount: 2, flags: 1 }],
      status: { code: 2, message: 'bad' },
    });
  });

  it('keeps __proto__ as an ordinary attribute key', () => {
    const data = parseTraceRequestJson(JSON.parse(`{"resourceSpans":[{"resource":{"attributes":[{"key":"__proto__","value":{"stringValue":"x"}}]}}]}`));
    const attrs = data.resourceSpans[0]!.resource.attributes;
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(attrs['__proto__']).toBe('x');
    // And it survives the protobuf codec too.
    expect(Object.keys(decodeTraceRequest(encodeTraceRequest(data)).resourceSpans[0]!.resource.attributes)).toEqual(['__proto__']);
  });

  it('treats all-zero parent span IDs as roots', () => {
    const span = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', parentSpanId: '0000000000000000' };
    const data = parseTraceRequestJson({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect(data.resourceSpans[0]?.scopeSpans[0]?.spans[0]?.parentSpanId).toBe('');
  });

  it('rejects absurdly deep AnyValue nesting', () => {
    let v: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 200; i++) v = { arrayValue: { values: [v] } };
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'deep', value: v }] } }] };
    expect(() => parseTraceRequestJson(body)).toThrow(/: AnyValue nested too deeply$/);
  });
});
