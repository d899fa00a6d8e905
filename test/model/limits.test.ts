import { describe, expect, it } from 'vitest';
import { attributesProblem, labelsProblem, limitLogs, limitMetrics, limitTraces, recordLimits, type RecordLimits } from '../../src/model/limits.js';
import { decodeLogsRequestLenient, encodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import { decodeMetricsRequestLenient, encodeMetricsRequest } from '../../src/model/otlp/metrics-proto.js';
import { parseTraceRequestJsonLenient, traceRequestToJson } from '../../src/model/otlp/trace-json.js';
import { decodeTraceRequestLenient, encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { splitTraceRequestWire } from '../../src/model/otlp/trace-wire.js';
import type { Attributes, TracesData } from '../../src/model/trace.js';
import { makeSpan, tracesRequest } from './helpers.js';
import { logsRequest, makeLogRecord } from './logs-helpers.js';
import { metric, metricsRequest, numberPoint } from './metrics-helpers.js';

const LIMITS: RecordLimits = recordLimits({
  max_attributes_per_record: 3, max_attribute_value_length: 10, max_label_names_per_series: 4, max_label_name_length: 12, max_label_value_length: 8,
});

/** A request of `spans` whose resource has no attributes (service.name is longer than the test's limit of 10). */
function req(...spans: Parameters<typeof tracesRequest>): TracesData {
  const data = tracesRequest(...spans);
  data.resourceSpans[0]!.resource.attributes = {};
  return data;
}

const many = (n: number): Attributes => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

/** Errors and kept span IDs of a request through the protobuf wire split and through decode + limitTraces, from protobuf and from JSON. */
function allPaths(data: TracesData) {
  const buf = encodeTraceRequest(data);
  const wire = splitTraceRequestWire(buf, 1 << 20, LIMITS);
  const kept = (d: TracesData) => d.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.spanId)));
  const wireKept = wire.records.flatMap((r) => kept(decodeTraceRequestLenient(r.value).data)).sort();
  const proto = limitTraces(decodeTraceRequestLenient(buf), LIMITS);
  const json = limitTraces(parseTraceRequestJsonLenient(JSON.parse(JSON.stringify(traceRequestToJson(data)))), LIMITS);
  return { wire: { errors: wire.errors, rejected: wire.rejected, kept: wireKept }, proto: { errors: proto.errors, rejected: proto.rejected, kept: kept(proto.data).sort() }, json: { errors: json.errors, rejected: json.rejected, kept: kept(json.data).sort() } };
}

describe('record limits on spans', () => {
  const ok = makeSpan({ spanId: '0000000000000001', attributes: { a: 'short' } });
  const cases: Array<[string, TracesData, string]> = [
    ['too many attributes', req(ok, makeSpan({ spanId: '0000000000000002', attributes: many(4) })), 'resourceSpans[0].scopeSpans[0].spans[1].attributes: 4 attributes, more than max_attributes_per_record (3)'],
    ['a value too long', req(makeSpan({ spanId: '0000000000000002', attributes: { 'http.url': 'x'.repeat(11) } }), ok), 'resourceSpans[0].scopeSpans[0].spans[0].attributes: attribute "http.url" holds a string of 11 characters, more than max_attribute_value_length (10)'],
    ['a key too long', req(ok, makeSpan({ spanId: '0000000000000002', attributes: { ['k'.repeat(12)]: 1n } })), 'resourceSpans[0].scopeSpans[0].spans[1].attributes: an attribute key of 12 characters, more than max_attribute_value_length (10)'],
    ['a long string inside an array', req(ok, makeSpan({ spanId: '0000000000000002', attributes: { list: ['a', ['b', 'c'.repeat(20)]] } })), 'resourceSpans[0].scopeSpans[0].spans[1].attributes: attribute "list" holds a string of 20 characters, more than max_attribute_value_length (10)'],
    ['a long key inside a kvlist', req(ok, makeSpan({ spanId: '0000000000000002', attributes: { map: { ['n'.repeat(15)]: true } } })), 'resourceSpans[0].scopeSpans[0].spans[1].attributes: attribute "map" holds a string of 15 characters, more than max_attribute_value_length (10)'],
    ['an event', req(ok, makeSpan({ spanId: '0000000000000002', attributes: {}, events: [{ timeUnixNano: 1n, name: 'e', attributes: {}, droppedAttributesCount: 0 }, { timeUnixNano: 2n, name: 'e', attributes: many(5), droppedAttributesCount: 0 }] })), 'resourceSpans[0].scopeSpans[0].spans[1].events[1].attributes: 5 attributes, more than max_attributes_per_record (3)'],
    ['a link', req(ok, makeSpan({ spanId: '0000000000000002', attributes: {}, links: [{ traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000009', traceState: '', attributes: { why: 'y'.repeat(30) }, droppedAttributesCount: 0, flags: 0 }] })), 'resourceSpans[0].scopeSpans[0].spans[1].links[0].attributes: attribute "why" holds a string of 30 characters, more than max_attribute_value_length (10)'],
  ];
  for (const [name, data, message] of cases) {
    it(`rejects a span with ${name}, alike on the wire, decoded and from JSON`, () => {
      const r = allPaths(data);
      const expected = { errors: [message], rejected: 1, kept: ['0000000000000001'] };
      expect(r.wire).toEqual(expected);
      expect(r.proto).toEqual(expected);
      expect(r.json).toEqual(expected);
    });
  }

  it('rejects every span of a resource past the limits, and names the resource', () => {
    const data = req(ok, makeSpan({ spanId: '0000000000000002', attributes: {} }));
    data.resourceSpans[0]!.resource.attributes = many(4);
    const r = allPaths(data);
    const why = 'resource.attributes: 4 attributes, more than max_attributes_per_record (3)';
    const expected = { errors: [`resourceSpans[0].scopeSpans[0].spans[0]: ${why}`, `resourceSpans[0].scopeSpans[0].spans[1]: ${why}`], rejected: 2, kept: [] };
    expect(r.wire).toEqual(expected);
    expect(r.proto).toEqual(expected);
    expect(r.json).toEqual(expected);
  });

  it('counts characters, not bytes: 10 multi-byte characters pass a limit of 10', () => {
    const data = req(makeSpan({ spanId: '0000000000000001', attributes: { a: 'é🌍'.repeat(3) + 'ωω' } }));
    expect('é🌍'.repeat(3).length + 2).toBe(11); // the emoji is two UTF-16 units
    const fits = req(makeSpan({ spanId: '0000000000000001', attributes: { a: 'éωéωéωéωéω' } }));
    const r = allPaths(fits);
    expect(r.wire).toEqual({ errors: [], rejected: 0, kept: ['0000000000000001'] });
    expect(allPaths(data).wire.errors).toEqual(['resourceSpans[0].scopeSpans[0].spans[0].attributes: attribute "a" holds a string of 11 characters, more than max_attribute_value_length (10)']);
  });

  it('never puts the value in the message', () => {
    const secret = 'Bearer s3cr3t-token-value';
    const r = allPaths(req(makeSpan({ attributes: { authorization: secret } })));
    expect(r.wire.errors.join()).not.toContain('s3cr3t');
    expect(r.json.errors.join()).not.toContain('s3cr3t');
  });

  it('does not name a key too long to show', () => {
    expect(attributesProblem({ ['k'.repeat(200)]: 'v'.repeat(20) }, { ...LIMITS, maxAttributeValueLength: 500 })).toBeUndefined();
    expect(attributesProblem({ ['k'.repeat(200)]: 'v'.repeat(600) }, { ...LIMITS, maxAttributeValueLength: 500 })).toBe('an attribute holds a string of 600 characters, more than max_attribute_value_length (500)');
  });

  it('without limits checks nothing', () => {
    const buf = encodeTraceRequest(req(makeSpan({ attributes: many(400) })));
    expect(splitTraceRequestWire(buf, 1 << 20).rejected).toBe(0);
  });
});

describe('record limits on log records', () => {
  it('rejects a record past the limits and keeps the others, as partial success counts them', () => {
    const data = logsRequest(makeLogRecord({ attributes: { a: 'b' } }), makeLogRecord({ attributes: { msg: 'm'.repeat(50) } }), makeLogRecord({ attributes: many(4) }));
    data.resourceLogs[0]!.resource.attributes = { svc: 'shop' };
    const r = limitLogs(decodeLogsRequestLenient(encodeLogsRequest(data)), LIMITS);
    expect(r.rejected).toBe(2);
    expect(r.errors).toEqual([
      'resourceLogs[0].scopeLogs[0].logRecords[1].attributes: attribute "msg" holds a string of 50 characters, more than max_attribute_value_length (10)',
      'resourceLogs[0].scopeLogs[0].logRecords[2].attributes: 4 attributes, more than max_attributes_per_record (3)',
    ]);
    expect(r.data.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((x) => x.attributes)).toEqual([{ a: 'b' }]);
  });
});

describe('label limits on metric series', () => {
  it('rejects the data points whose series has too many or too long labels, naming the metric', () => {
    // service.name gives job: __name__ + job + attributes.
    const data = metricsRequest(
      metric('ok_total', { type: 'gauge', dataPoints: [numberPoint({ attributes: { a: '1', b: '2' } }), numberPoint({ attributes: { a: '1', b: '2', c: '3' } })] }),
      metric('long', { type: 'gauge', dataPoints: [numberPoint({ attributes: { path: '/a/very/long/path' } }), numberPoint({ attributes: { ['n'.repeat(13)]: 'x' } })] }),
    );
    const r = limitMetrics(decodeMetricsRequestLenient(encodeMetricsRequest(data)), LIMITS);
    expect(r.errors).toEqual([
      'resourceMetrics[0].scopeMetrics[0].metrics[0] (ok_total).dataPoints[1]: 5 labels, more than max_label_names_per_series (4)',
      'resourceMetrics[0].scopeMetrics[0].metrics[1] (long).dataPoints[0]: label "path" with a value of 17 characters, more than max_label_value_length (8)',
      'resourceMetrics[0].scopeMetrics[0].metrics[1] (long).dataPoints[1]: a label name of 13 characters, more than max_label_name_length (12)',
    ]);
    expect(r.rejected).toBe(3);
    const metrics = r.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(metrics.map((m) => [m.name, m.data.dataPoints.length])).toEqual([['ok_total', 1]]);
  });

  it('labelsProblem: at the limits passes', () => {
    expect(labelsProblem([['__name__', 'x'], ['a', '12345678'], ['b'.repeat(12), ''], ['c', '']], LIMITS)).toBeUndefined();
  });
});
