/**
 * The JSON decoders under fuzz: OTLP/JSON (traces, logs, metrics), Zipkin v2 JSON, NDJSON logs
 * (with its own exact JSON parser, checked against JSON.parse) and the Elasticsearch `_bulk` body.
 * Valid inputs come from real encoders (otlp-transformer, zipkin-js) and decode to what was
 * encoded; random, mutated and deeply nested inputs decode or are refused with a 4xx and a reason.
 */
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import zipkin from 'zipkin';
import { parseLogsRequestJson, parseLogsRequestJsonLenient } from '../../src/model/otlp/logs-json.js';
import { parseMetricsRequestJson, parseMetricsRequestJsonLenient } from '../../src/model/otlp/metrics-json.js';
import { parseTraceRequestJson, parseTraceRequestJsonLenient } from '../../src/model/otlp/trace-json.js';
import { countSpans, type Span } from '../../src/model/trace.js';
import { parseBulk } from '../../src/receivers/elasticsearch/bulk.js';
import { parseNdjsonLogs } from '../../src/receivers/ndjson/parse.js';
import { parseZipkinSpans } from '../../src/receivers/zipkin/decode.js';
import { deepJson, hexId, mutatedText, text } from './arbitraries.js';
import { counter, decodeOnce, memoryGrowth, params, refuseQuietly, runs, timeoutFor } from './harness.js';
import { logs, metrics, spans } from './otel-inputs.js';

const { jsonEncoder, model } = zipkin;

const OTLP_KEYS = [
  'resourceSpans', 'resourceLogs', 'resourceMetrics', 'scopeSpans', 'scopeLogs', 'scopeMetrics', 'resource', 'scope', 'spans', 'logRecords', 'metrics',
  'attributes', 'key', 'value', 'stringValue', 'intValue', 'doubleValue', 'boolValue', 'bytesValue', 'arrayValue', 'kvlistValue', 'values', 'traceId',
  'spanId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'events', 'links', 'status', 'code', 'body',
  'severityNumber', 'gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary', 'dataPoints', 'asDouble', 'asInt', 'bucketCounts', 'explicitBounds',
  'count', 'aggregationTemporality', 'positive', 'negative', 'offset', 'quantileValues', 'exemplars', 'flags', 'droppedAttributesCount',
];

/** JSON values whose objects use OTLP's keys, so random values reach every level of the decoders. */
const otlpish: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 7 },
    fc.oneof(fc.string({ maxLength: 34 }), hexId(16), hexId(8), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.stringMatching(/^-?\d{1,21}$/)),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...OTLP_KEYS), tie('v'), { maxKeys: 4 }),
  ),
})).v;

const otlpJsonText = fc.oneof(
  spans.map((s) => new TextDecoder().decode(JsonTraceSerializer.serializeRequest(s.readable))),
  logs.map((l) => new TextDecoder().decode(JsonLogsSerializer.serializeRequest(l.readable))),
  metrics.map((m) => new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(m.sdk))),
);

/** Parsed JSON of mutated text, or undefined when the mutation broke the JSON (the receivers answer that 400 before decoding). */
function parseOrUndefined(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

const otlpInputs = fc.oneof(fc.jsonValue({ maxDepth: 4 }), otlpish, mutatedText(otlpJsonText).map(parseOrUndefined));

const otlpJson = counter('otlp/json traces, logs, metrics');
const zipkinCount = counter('zipkin v2 json');
const ndjsonCount = counter('ndjson logs');
const bulkCount = counter('elasticsearch _bulk');

describe('OTLP/JSON', () => {
  it('random, OTLP-shaped and mutated JSON: decoded or refused with a 4xx', () => {
    const n = runs(2000);
    fc.assert(fc.property(otlpInputs, (body) => {
      decodeOnce(otlpJson, 'parseTraceRequestJson', () => parseTraceRequestJson(body));
      decodeOnce(otlpJson, 'parseTraceRequestJsonLenient', () => parseTraceRequestJsonLenient(body));
      decodeOnce(otlpJson, 'parseLogsRequestJson', () => parseLogsRequestJson(body));
      decodeOnce(otlpJson, 'parseLogsRequestJsonLenient', () => parseLogsRequestJsonLenient(body));
      decodeOnce(otlpJson, 'parseMetricsRequestJson', () => parseMetricsRequestJson(body));
      decodeOnce(otlpJson, 'parseMetricsRequestJsonLenient', () => parseMetricsRequestJsonLenient(body));
    }), params(n));
  }, timeoutFor(runs(2000), 3));

  it('an AnyValue nested 10,000 levels deep is refused, fast, without growing the heap', () => {
    let value: unknown = { stringValue: 'x' };
    for (let i = 0; i < 10_000; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'deep', value }] }, scopeSpans: [] }] };
    expect(decodeOnce(otlpJson, 'parseTraceRequestJsonLenient', () => parseTraceRequestJsonLenient(body)).outcome).toBe('refused');
    const growth = memoryGrowth([body, body, body], (b) => refuseQuietly(() => parseTraceRequestJsonLenient(b), 'deep AnyValue'));
    expect(growth.heapMiB).toBeLessThan(8);
  });
});

/** A Zipkin span made by zipkin-js's own model and JSON v2 encoder, and what Braid must make of it. */
const zipkinSpan = fc.record({
  traceId: fc.oneof(hexId(8), hexId(16)), id: hexId(8), parentId: fc.option(hexId(8), { nil: undefined }), name: text(16),
  kind: fc.option(fc.constantFrom('CLIENT', 'SERVER', 'PRODUCER', 'CONSUMER'), { nil: undefined }),
  timestamp: fc.integer({ min: 1, max: 4_000_000_000_000_000 }), duration: fc.integer({ min: 1, max: 1e12 }),
  service: fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/), tags: fc.dictionary(fc.stringMatching(/^t\.[a-z]{1,8}$/), text(12), { maxKeys: 4 }),
  annotations: fc.array(fc.record({ timestamp: fc.integer({ min: 1, max: 4_000_000_000_000_000 }), value: text(12) }), { maxLength: 2 }),
});

describe('Zipkin v2 JSON', () => {
  it('spans encoded by zipkin-js decode to the same IDs, names, kinds, times, tags and annotations', () => {
    const n = runs(500);
    fc.assert(fc.property(fc.array(zipkinSpan, { minLength: 1, maxLength: 6 }), (specs) => {
      const body = `[${specs.map((s) => {
        const span = new model.Span(new zipkin.TraceId({ traceId: s.traceId, spanId: s.id, ...(s.parentId ? { parentId: new zipkin.option.Some(s.parentId) } : {}) }));
        span.setName(s.name); // zipkin-js lowercases names, as Zipkin does
        if (s.kind) span.setKind(s.kind);
        span.setTimestamp(s.timestamp);
        span.setDuration(s.duration);
        span.setLocalEndpoint(new model.Endpoint({ serviceName: s.service }));
        for (const [k, v] of Object.entries(s.tags)) span.putTag(k, v);
        for (const a of s.annotations) span.addAnnotation(a.timestamp, a.value);
        return jsonEncoder.JSON_V2.encode(span);
      }).join(',')}]`;
      const decoded = decodeOnce(zipkinCount, 'parseZipkinSpans', () => parseZipkinSpans(JSON.parse(body)));
      expect(decoded.value?.errors).toEqual([]);
      const got = decoded.value!.data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((sp) => ({ sp, service: rs.resource.attributes['service.name'] }))));
      expect(got).toHaveLength(specs.length);
      for (const s of specs) {
        const match = got.find(({ sp }) => sp.traceId === s.traceId.padStart(32, '0') && sp.spanId === s.id && sp.name === s.name.toLocaleLowerCase() && sp.startTimeUnixNano === BigInt(s.timestamp) * 1000n);
        expect(match, `span ${s.id}`).toBeDefined();
        const sp: Span = match!.sp;
        expect(sp.parentSpanId).toBe(s.parentId === s.id ? '' : (s.parentId ?? ''));
        expect(sp.kind).toBe(s.kind === undefined ? 0 : { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 }[s.kind]);
        expect(sp.endTimeUnixNano - sp.startTimeUnixNano).toBe(BigInt(s.duration) * 1000n);
        expect(match!.service).toBe(s.service);
        for (const [k, v] of Object.entries(s.tags)) expect(sp.attributes[k]).toBe(v);
        expect(sp.events.map((e) => e.name).sort()).toEqual(s.annotations.map((a) => a.value).sort());
      }
    }), params(n));
  }, timeoutFor(runs(500), 5));

  it('random, Zipkin-shaped and mutated JSON: decoded, spans rejected with reasons, or refused with a 4xx', () => {
    const zipkinish = fc.array(fc.dictionary(fc.constantFrom('traceId', 'id', 'parentId', 'name', 'kind', 'timestamp', 'duration', 'localEndpoint', 'remoteEndpoint', 'tags', 'annotations', 'debug', 'shared', 'serviceName', 'ipv4', 'ipv6', 'port', 'value'), otlpish, { maxKeys: 6 }), { maxLength: 3 });
    const valid = fc.array(zipkinSpan, { minLength: 1, maxLength: 3 }).map((specs) => JSON.stringify(specs.map((s) => ({ ...s, localEndpoint: { serviceName: s.service } }))));
    const n = runs(2000);
    fc.assert(fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), zipkinish, mutatedText(valid).map(parseOrUndefined)), (body) => {
      const r = decodeOnce(zipkinCount, 'parseZipkinSpans', () => parseZipkinSpans(body));
      if (r.value) {
        expect(r.value.rejected).toBe(r.value.errors.length);
        for (const e of r.value.errors) expect(e).toMatch(/^\[\d+\]/);
        expect(countSpans(r.value.data) + r.value.rejected).toBe((body as unknown[]).length);
      }
    }), params(n));
  }, timeoutFor(runs(2000), 2));
});

const RECOGNISED = ['@timestamp', 'timestamp', 'time', 'ts', 'level', 'severity', 'log', 'message', 'msg', 'event', 'trace_id', 'traceId', 'trace', 'span_id', 'span', 'traceparent', 'service', 'service.name', 'priority', 'timereported'];
const ndjsonObject = fc.dictionary(fc.oneof(fc.constantFrom(...RECOGNISED), text(8)), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('2024-01-02T03:04:05.123456789Z', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'warn', 30, 1_700_000_000_123)), { maxKeys: 6 });

/** A line of JSON whitespace alone (space, tab, CR; JavaScript's trim() takes more, \v and \u00a0 among them). */
const jsonBlank = (line: string) => /^[ \t\r]*$/.test(line);

/** Depth of nesting of a JSON value as JSON.parse returns it (an object or array is 1 deeper than its members). */
function depth(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const members = Array.isArray(v) ? v : Object.values(v as object);
  return 1 + members.reduce((m: number, x) => Math.max(m, depth(x)), 0);
}

describe('NDJSON logs', () => {
  it('a line with unrecognised keys is accepted exactly when JSON.parse reads an object of at most 64 levels from it, with the same keys', () => {
    const other = fc.dictionary(fc.stringMatching(/^k_[a-z]{1,6}$/), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }).map((o) => JSON.stringify(o));
    const n = runs(3000);
    fc.assert(fc.property(fc.oneof(other, mutatedText(other), fc.string({ maxLength: 40 }), fc.constantFrom(deepJson(64, 'object'), deepJson(65, 'object'), deepJson(63, 'array'), deepJson(64, 'array'))), (line) => {
      if (line.includes('\n')) return;
      const r = decodeOnce(ndjsonCount, 'parseNdjsonLogs', () => parseNdjsonLogs(line, 1n)).value!;
      const parsed = parseOrUndefined(line);
      if (jsonBlank(line.replace(/^\ufeff/, ''))) return;
      // A top-level object is depth 1; the NDJSON parser allows 64 levels of nesting below the line's object.
      const ok = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && depth(parsed) <= 64 && !line.startsWith('\ufeff');
      if (r.accepted !== (ok ? 1 : 0)) throw new Error(`line ${JSON.stringify(line.slice(0, 200))}: accepted ${r.accepted}, JSON.parse ${ok ? 'reads an object' : 'does not'}; errors ${JSON.stringify(r.errors)}`);
      if (ok) {
        const record = r.data.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
        expect(Object.keys(record.attributes).sort()).toEqual(Object.keys(parsed as object).sort());
      } else {
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]!.reason.length).toBeGreaterThan(5);
      }
    }), params(n));
  }, timeoutFor(runs(3000), 2));

  it('random bodies of many lines, recognised fields included: every non-blank line accepted or reported by number, never a throw', () => {
    const body = fc.array(fc.oneof(ndjsonObject.map((o) => JSON.stringify(o)), mutatedText(ndjsonObject.map((o) => JSON.stringify(o))), fc.string({ maxLength: 30 })), { maxLength: 8 }).map((ls) => ls.join('\n'));
    const n = runs(2000);
    fc.assert(fc.property(body, (text) => {
      const r = decodeOnce(ndjsonCount, 'parseNdjsonLogs', () => parseNdjsonLogs(text, 1_700_000_000_000_000_000n)).value!;
      const lines = text.replace(/^\ufeff/, '').split('\n');
      const nonBlank = lines.filter((l) => !jsonBlank(l)).length;
      expect(r.accepted + r.errors.length).toBe(nonBlank);
      for (const e of r.errors) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.line).toBeLessThanOrEqual(lines.length);
        expect(jsonBlank(lines[e.line - 1]!)).toBe(false);
        expect(e.reason.length).toBeGreaterThan(5);
      }
    }), params(n));
  }, timeoutFor(runs(2000), 2));
});

describe('Elasticsearch _bulk', () => {
  const doc = ndjsonObject.map((o) => JSON.stringify(o));
  const action = fc.record({ op: fc.constantFrom('index', 'create'), index: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { nil: undefined }), id: fc.option(fc.stringMatching(/^[a-zA-Z0-9]{1,10}$/), { nil: undefined }) });
  const validBulk = fc.array(fc.tuple(action, doc), { minLength: 1, maxLength: 6 });

  it('index and create actions with a source each become items in order, with their index, ID and source', () => {
    const n = runs(1000);
    fc.assert(fc.property(validBulk, fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), (pairs, urlIndex) => {
      const body = pairs.map(([a, d]) => `${JSON.stringify({ [a.op]: { ...(a.index ? { _index: a.index } : {}), ...(a.id ? { _id: a.id } : {}) } })}\n${d}`).join('\n') + '\n';
      const items = decodeOnce(bulkCount, 'parseBulk', () => parseBulk(body, urlIndex)).value!;
      expect(items).toHaveLength(pairs.length);
      items.forEach((item, i) => {
        const [a, d] = pairs[i]!;
        expect(item.error).toBeUndefined();
        expect(item.action).toBe(a.op);
        expect(item.index).toBe(a.index ?? urlIndex);
        if (a.id) expect(item.id).toBe(a.id);
        else expect(item.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
        expect(item.source).toBe(d);
      });
    }), params(n));
  }, timeoutFor(runs(1000), 2));

  it('random and mutated bodies: items with an error type and reason, never a throw; every action line answered', () => {
    const valid = validBulk.map((pairs) => pairs.map(([a, d]) => `${JSON.stringify({ [a.op]: a.index ? { _index: a.index } : {} })}\n${d}`).join('\n'));
    const n = runs(2000);
    fc.assert(fc.property(fc.oneof(mutatedText(valid), fc.string({ maxLength: 60 }), fc.array(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), { maxLength: 6 }).map((ls) => ls.join('\n'))), fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), (body, index) => {
      const items = decodeOnce(bulkCount, 'parseBulk', () => parseBulk(body, index)).value!;
      const nonBlank = body.split('\n').filter((l) => l.trim() !== '').length;
      expect(items.length).toBeLessThanOrEqual(nonBlank);
      if (nonBlank > 0) expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        if (item.error) {
          expect(item.error.type).toMatch(/_exception$/);
          expect(item.error.reason.length).toBeGreaterThan(5);
        } else {
          expect(item.index).not.toBe('');
          expect(item.source).toBeTruthy();
        }
      }
    }), params(n));
  }, timeoutFor(runs(2000), 2));
});
