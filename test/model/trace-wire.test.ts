/**
 * splitTraceRequestWire against the path it replaces (decodeTraceRequestLenient, splitByTraceId,
 * encodeTraceRequest via traceRecords): same records once decoded, same rejections, same errors.
 */
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { decodeTraceRequest, decodeTraceRequestLenient, encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { splitTraceRequestWire } from '../../src/model/otlp/trace-wire.js';
import { WireType } from '../../src/model/protobuf/reader.js';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import { countSpans, type Span, type TracesData } from '../../src/model/trace.js';
import type { Queue, QueueRecord } from '../../src/queue/queue.js';
import { exportTraceProtobuf, exportTraces } from '../../src/receivers/otlp/export.js';
import { createOtlpReceiverMetrics } from '../../src/receivers/otlp/metrics.js';
import { traceRecords } from '../../src/receivers/trace-records.js';
import { expectBraidError, makeSpan, manySpans, richTraces } from './helpers.js';

const BIG = 64 * 1024 * 1024;

interface Rec { key: Buffer | null; value: Buffer }

/** Every span of `values` with the resource and scope it came with, in order. */
function flatten(values: Buffer[]): unknown[] {
  return values.flatMap((v) => decodeTraceRequest(v).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) =>
    ss.spans.map((span) => ({ resource: rs.resource, rsSchema: rs.schemaUrl, scope: ss.scope, ssSchema: ss.schemaUrl, span })))));
}

function byKey(records: Rec[]): Map<string, Buffer[]> {
  const m = new Map<string, Buffer[]>();
  for (const r of records) {
    const k = r.key!.toString('hex');
    m.set(k, [...(m.get(k) ?? []), r.value]);
  }
  return m;
}

/** Asserts the wire split of `buf` matches the full path; with `exact`, record by record. Returns the wire split. */
function expectSameAsFullPath(buf: Uint8Array, maxBytes = BIG, exact = true): ReturnType<typeof splitTraceRequestWire> {
  const lenient = decodeTraceRequestLenient(buf);
  const old = traceRecords(lenient.data, maxBytes);
  const wire = splitTraceRequestWire(buf, maxBytes);
  expect(wire.spans).toBe(countSpans(lenient.data));
  expect(wire.rejected).toBe(lenient.rejected);
  expect(wire.errors).toEqual(lenient.errors);
  for (const r of wire.records) expect(r.value.length).toBeLessThanOrEqual(maxBytes);
  if (exact) {
    expect(wire.records.map((r) => r.key.toString('hex'))).toEqual(old.map((r) => r.key!.toString('hex')));
    wire.records.forEach((r, i) => expect(decodeTraceRequest(r.value)).toEqual(decodeTraceRequest(old[i]!.value)));
  }
  const oldByKey = byKey(old);
  const wireByKey = byKey(wire.records);
  expect([...wireByKey.keys()]).toEqual([...oldByKey.keys()]);
  for (const [k, values] of wireByKey) expect(flatten(values)).toEqual(flatten(oldByKey.get(k)!));
  return wire;
}

function tid(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function sid(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/** Two resources x two scopes, spans of four traces interleaved in each scope. */
function interleaved(): TracesData {
  let n = 0;
  const spans = (count: number): Span[] => Array.from({ length: count }, () => {
    n++;
    return makeSpan({ traceId: tid(1 + (n % 4)), spanId: sid(n), name: `op-${n}`, attributes: { i: BigInt(n), s: 'v'.repeat(n * 3) } });
  });
  const scope = (name: string, count: number) => ({ scope: { name, version: '1', attributes: { x: name }, droppedAttributesCount: 0 }, schemaUrl: `s/${name}`, spans: spans(count) });
  return {
    resourceSpans: [
      { resource: { attributes: { 'service.name': 'a' }, droppedAttributesCount: 1 }, schemaUrl: 'r/a', scopeSpans: [scope('a1', 7), scope('a2', 5)] },
      { resource: { attributes: { 'service.name': 'b' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [scope('b1', 9), scope('b2', 1)] },
    ],
  };
}

/** Spans from the OpenTelemetry JS SDK: two tracers (scopes), several traces, events, links, statuses. */
function sdkSpans(service: string): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'host.name': 'h1' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const a = provider.getTracer('lib-a', '1.2.3');
  const b = provider.getTracer('lib-b');
  for (let t = 0; t < 4; t++) {
    const root = a.startSpan(`GET /r/${t}`, { kind: SpanKind.SERVER, attributes: { 'http.status_code': 200 + t, tags: ['x', 'y'], ratio: 0.5 } });
    const ctx = trace.setSpan(context.active(), root);
    for (let c = 0; c < 3; c++) {
      const child = (c % 2 === 0 ? a : b).startSpan(`child ${c}`, { links: c === 1 ? [{ context: root.spanContext(), attributes: { why: 'test' } }] : [] }, ctx);
      child.addEvent('e', { n: c });
      if (c === 2) child.setStatus({ code: SpanStatusCode.ERROR, message: 'bad' });
      child.end();
    }
    root.end();
  }
  return exporter.getFinishedSpans();
}

/** A request built field by field, with unknown fields at every level and an eight-zero-byte parent. */
function withUnknownFields(): { buf: Uint8Array; spanBytes: Buffer[]; rsUnknown: Buffer; ssUnknown: Buffer } {
  const w = new ProtoWriter();
  const mark = (): number => w.pos;
  const spanBytes: Buffer[] = [];
  w.tag(9, WireType.VARINT); // unknown request field: dropped, as the full decoder drops it
  w.uint32(1);
  w.tag(1, WireType.LEN);
  const rs = w.fork();
  let at = mark();
  w.tag(99, WireType.LEN);
  w.string('resource-spans extension');
  const rsUnknown = Buffer.from(w.buf.subarray(at, w.pos));
  w.tag(2, WireType.LEN);
  const ss = w.fork();
  at = mark();
  w.tag(77, WireType.I64);
  w.fixed64(0x0102030405060708n);
  const ssUnknown = Buffer.from(w.buf.subarray(at, w.pos));
  for (let i = 0; i < 3; i++) {
    at = mark();
    w.tag(2, WireType.LEN);
    const span = w.fork();
    w.tag(100, WireType.VARINT);
    w.uint64(2n ** 63n + BigInt(i));
    w.tag(5, WireType.LEN);
    w.string(`name ${i}`);
    w.tag(1, WireType.LEN);
    w.hexBytes(tid(0xa + (i % 2)));
    w.tag(101, WireType.I32);
    w.fixed32(7);
    w.tag(2, WireType.LEN);
    w.hexBytes(sid(i + 1));
    w.tag(4, WireType.LEN);
    w.hexBytes('0000000000000000');
    w.tag(102, WireType.LEN);
    w.string('span extension');
    w.ldelim(span);
    spanBytes.push(Buffer.from(w.buf.subarray(at, w.pos)));
  }
  w.tag(1, WireType.LEN); // scope after the spans
  const scope = w.fork();
  w.tag(1, WireType.LEN);
  w.string('late-scope');
  w.ldelim(scope);
  w.ldelim(ss);
  w.tag(1, WireType.LEN); // resource after its scopes
  const res = w.fork();
  w.tag(1, WireType.LEN);
  const kv = w.fork();
  w.tag(1, WireType.LEN);
  w.string('service.name');
  w.ldelim(kv);
  w.ldelim(res);
  w.ldelim(rs);
  return { buf: w.finish(), spanBytes, rsUnknown, ssUnknown };
}

describe('splitTraceRequestWire: same records as decode + split + encode', () => {
  it('for every field and AnyValue kind, two resources and scopes', () => {
    const wire = expectSameAsFullPath(encodeTraceRequest(richTraces()));
    expect(wire.records).toHaveLength(2);
  });

  it('for traces interleaved across resources and scopes', () => {
    const wire = expectSameAsFullPath(encodeTraceRequest(interleaved()));
    expect(wire.records).toHaveLength(4);
    expect(wire.spans).toBe(22);
  });

  it('for 1000 spans of 100 traces', () => {
    expectSameAsFullPath(encodeTraceRequest(manySpans(1000, 10)));
  });

  it('for requests from the OpenTelemetry SDK serializer, one and two resources', () => {
    const one = ProtobufTraceSerializer.serializeRequest(sdkSpans('svc-1'))!;
    expect(expectSameAsFullPath(one).records).toHaveLength(4);
    const two = ProtobufTraceSerializer.serializeRequest([...sdkSpans('svc-1'), ...sdkSpans('svc-2')])!;
    const wire = expectSameAsFullPath(two);
    expect(wire.records).toHaveLength(8);
    expect(wire.spans).toBe(32);
  });

  it('keeps unknown fields of resources, scopes and spans byte for byte', () => {
    const { buf, spanBytes, rsUnknown, ssUnknown } = withUnknownFields();
    const wire = expectSameAsFullPath(buf);
    expect(wire.records).toHaveLength(2);
    const [first, second] = wire.records;
    for (const r of wire.records) {
      expect(r.value.indexOf(rsUnknown)).toBeGreaterThan(0);
      expect(r.value.indexOf(ssUnknown)).toBeGreaterThan(0);
    }
    expect(first!.value.indexOf(spanBytes[0]!)).toBeGreaterThan(0);
    expect(first!.value.indexOf(spanBytes[2]!)).toBeGreaterThan(0);
    expect(first!.value.indexOf(spanBytes[1]!)).toBe(-1);
    expect(second!.value.indexOf(spanBytes[1]!)).toBeGreaterThan(0);
    const decoded = decodeTraceRequest(first!.value);
    expect(decoded.resourceSpans[0]?.resource.attributes).toEqual({ 'service.name': null });
    expect(decoded.resourceSpans[0]?.scopeSpans[0]?.scope.name).toBe('late-scope');
    expect(decoded.resourceSpans[0]?.scopeSpans[0]?.spans.map((s) => [s.name, s.parentSpanId])).toEqual([['name 0', ''], ['name 2', '']]);
  });

  it('keeps the last of repeated fields, as the decoder does', () => {
    const a = encodeTraceRequest(request([makeSpan()]));
    const b = encodeTraceRequest(request([makeSpan({ spanId: sid(7) })], 'second'));
    // The bodies of two ResourceSpans concatenated into one: resource and scope_spans given twice.
    const rsBody = (bytes: Uint8Array): Uint8Array => bytes.subarray(bytes[1]! < 0x80 ? 2 : 3);
    const w = new ProtoWriter();
    w.tag(1, WireType.LEN);
    w.bytes(Buffer.concat([rsBody(a), rsBody(b)]));
    const wire = expectSameAsFullPath(w.finish());
    expect(decodeTraceRequest(wire.records[0]!.value).resourceSpans[0]?.resource.attributes['service.name']).toBe('second');
  });

  it('copies: records neither pin nor change with the request buffer, which may be a view at an offset', () => {
    const bytes = encodeTraceRequest(richTraces());
    const pool = Buffer.alloc(bytes.length + 9, 0xee);
    pool.set(bytes, 4);
    const view = new Uint8Array(pool.buffer, pool.byteOffset + 4, bytes.length);
    const wire = splitTraceRequestWire(view, BIG);
    const before = wire.records.map((r) => decodeTraceRequest(r.value));
    pool.fill(0);
    expect(wire.records.map((r) => decodeTraceRequest(r.value))).toEqual(before);
    for (const r of wire.records) expect(r.value.buffer).not.toBe(pool.buffer);
  });

  it('returns nothing for an empty request, or one whose spans are all invalid', () => {
    expect(splitTraceRequestWire(new Uint8Array(0), BIG)).toEqual({ records: [], spans: 0, rejected: 0, errors: [] });
    const wire = expectSameAsFullPath(encodeTraceRequest(request([makeSpan({ spanId: '00' })])));
    expect(wire).toEqual({ records: [], spans: 0, rejected: 1, errors: ['resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 8 bytes, got 1'] });
  });
});

/** One resource and one scope holding `spans`. */
function request(spans: Span[], service = 's'): TracesData {
  return {
    resourceSpans: [{
      resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeSpans: [{ scope: { name: 'sc', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }],
    }],
  };
}

describe('splitTraceRequestWire: invalid spans', () => {
  const link = (traceId: string, spanId: string) => ({ traceId, spanId, traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 });

  it('rejects the spans the lenient decoder rejects, with the same messages', () => {
    const bad: Partial<Span>[] = [
      { traceId: '' }, { traceId: tid(0) }, { traceId: tid(1) + '01' }, { spanId: 'b7ad6b71692033' }, { spanId: sid(0) },
      { parentSpanId: '00f067aa0ba902b7ff' }, { links: [link('aa', sid(1))] }, { links: [link(tid(1), sid(1)), link(tid(1), '')] },
      { links: [link(tid(1), '01'), link(tid(0), sid(1))] },
    ];
    const data = interleaved();
    bad.forEach((overrides, i) => {
      const ss = data.resourceSpans[i % 2]!.scopeSpans[i % 2]!;
      ss.spans.splice(i % 3, 0, makeSpan({ spanId: sid(1000 + i), ...overrides }));
    });
    const wire = expectSameAsFullPath(encodeTraceRequest(data));
    expect(wire.rejected).toBe(bad.length);
    expect(wire.errors.map((e) => e.replace(/^resourceSpans\[\d\]\.scopeSpans\[\d\]\.spans\[\d+\]\./, '')).sort()).toEqual([
      'links[0].spanId: expected 8 bytes, got 1', 'links[0].traceId: expected 16 bytes, got 1', 'links[1].spanId: expected 8 bytes, got 0',
      'parentSpanId: expected 8 bytes or none, got 9', 'spanId: expected 8 bytes, got 7', 'spanId: must not be all zeros',
      'traceId: expected 16 bytes, got 0', 'traceId: expected 16 bytes, got 17', 'traceId: must not be all zeros',
    ]);
    // Inserted at 0, 2, 1, 0, 2 in turn, the even cases end up at 1, 5, 3, 0, 2 of the first scope.
    expect(wire.errors[0]).toBe('resourceSpans[0].scopeSpans[0].spans[0].links[0].traceId: expected 16 bytes, got 1');
    expect(wire.errors[1]).toBe('resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 16 bytes, got 0');
  });
});

type Outcome = { ok: true } | { ok: false; code: string; message: string };

function outcome(fn: () => unknown): Outcome {
  try {
    fn();
    return { ok: true };
  } catch (err) {
    if (!(err instanceof BraidError)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

/** Both paths either fail alike or produce the same records. */
function expectSameOutcome(buf: Uint8Array): void {
  const full = outcome(() => traceRecords(decodeTraceRequestLenient(buf).data, BIG));
  const wire = outcome(() => splitTraceRequestWire(buf, BIG));
  expect(wire).toEqual(full);
  if (full.ok) expectSameAsFullPath(buf);
}

describe('splitTraceRequestWire: malformed wire data', () => {
  it('throws what the full decoder throws', () => {
    expectBraidError(() => splitTraceRequestWire(new Uint8Array([0x0a, 0x05, 0x12, 0x03, 0x12, 0x01]), BIG), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: length 5 at offset 1 exceeds the 4 bytes remaining');
    expectBraidError(() => splitTraceRequestWire(new Uint8Array([0x0b]), BIG), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: ExportTraceServiceRequest.resource_spans (field 1) at offset 0: expected wire type 2 (length-delimited), got 3 (group start)');
  });

  it('finds corruption anywhere in a span, as the ingester would: truncation at every byte', () => {
    const full = encodeTraceRequest(richTraces());
    for (let cut = 0; cut < full.length; cut++) expectSameOutcome(full.subarray(0, cut));
  });

  it('agrees with the full decoder on thousands of corrupted requests', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const sources = [encodeTraceRequest(richTraces()), encodeTraceRequest(interleaved()), ProtobufTraceSerializer.serializeRequest(sdkSpans('svc'))!];
    let failures = 0;
    for (let i = 0; i < 2000; i++) {
      const buf = Buffer.from(sources[i % sources.length]!);
      for (let k = 0, n = 1 + rand(3); k < n; k++) buf[rand(buf.length)] = rand(256);
      expectSameOutcome(buf);
      if (!outcome(() => decodeTraceRequest(buf)).ok) failures++;
    }
    expect(failures).toBeGreaterThan(200); // the corruption does reach the error paths
  });

  it('checks nested values: wrong wire types, truncated doubles, groups, depth', () => {
    const deep = (levels: number): Span['attributes'][string] => {
      let v: Span['attributes'][string] = 'leaf';
      for (let i = 0; i < levels; i++) v = i % 2 === 0 ? [v] : { k: v };
      return v;
    };
    expectSameOutcome(encodeTraceRequest(request([makeSpan({ attributes: { deep: deep(99) } })])));
    expect(outcome(() => splitTraceRequestWire(encodeTraceRequest(request([makeSpan({ attributes: { deep: deep(120) } })])), BIG))).toMatchObject({
      ok: false, message: expect.stringMatching(/AnyValue nested deeper than 100 levels at offset \d+$/),
    });
    expectSameOutcome(encodeTraceRequest(request([makeSpan({ attributes: { deep: deep(120) } })])));
    // A span whose only attribute's AnyValue holds the given field bytes.
    const spanWith = (value: number[]): Uint8Array => {
      const w = new ProtoWriter();
      w.tag(1, WireType.LEN);
      const rs = w.fork();
      w.tag(2, WireType.LEN);
      const ss = w.fork();
      w.tag(2, WireType.LEN);
      const span = w.fork();
      w.tag(1, WireType.LEN);
      w.hexBytes(tid(5));
      w.tag(2, WireType.LEN);
      w.hexBytes(sid(5));
      w.tag(9, WireType.LEN); // KeyValue { value: AnyValue { <value> } }
      w.bytes(Uint8Array.from([0x12, value.length, ...value]));
      w.ldelim(span);
      w.ldelim(ss);
      w.ldelim(rs);
      return w.finish();
    };
    const cases: [number[], RegExp][] = [
      [[0x21, 1, 2, 3], /expected 8 bytes of double, 3 remain$/],
      [[0x08, 1], /AnyValue.string_value \(field 1\) at offset \d+: expected wire type 2/],
      [[0x2a, 2, 0x08, 1], /ArrayValue.values \(field 1\) at offset \d+: expected wire type 2/],
      [[0x32, 2, 0x08, 1], /KeyValueList.values \(field 1\) at offset \d+: expected wire type 2/],
      [[0x32, 4, 0x0a, 2, 0x10, 1], /KeyValue.value \(field 2\) at offset \d+: expected wire type 2/],
      [[0x18, 0x80], /truncated varint/],
      [[0x43], /unsupported wire type 3/],
      [[0x0a, 1, 0x61], /^$/],
    ];
    for (const [bytes, message] of cases) {
      const buf = spanWith(bytes);
      expectSameOutcome(buf);
      const o = outcome(() => splitTraceRequestWire(buf, BIG));
      if (o.ok) expect('').toMatch(message);
      else expect(o.message).toMatch(message);
    }
  });
});

describe('splitTraceRequestWire: record size', () => {
  it('cuts a trace larger than maxBytes by span, never dropping one', () => {
    const buf = encodeTraceRequest(interleaved());
    const largest = Math.max(...splitTraceRequestWire(buf, BIG).records.map((r) => r.value.length));
    for (const max of [largest - 1, Math.ceil(largest / 2), Math.ceil(largest / 3)]) {
      const wire = expectSameAsFullPath(buf, max, false);
      expect(wire.records.length).toBeGreaterThan(4);
      expect(wire.records.length).toBeLessThanOrEqual(traceRecords(decodeTraceRequest(buf), max).length);
    }
  });

  it('packs spans greedily: each record but the last of a trace would overflow with the next span', () => {
    const max = 3000;
    const wire = expectSameAsFullPath(encodeTraceRequest(manySpans(50, 10, 50)), max, false);
    expect(wire.records.length).toBeGreaterThan(2);
    for (let k = 0; k + 1 < wire.records.length; k++) {
      const data = decodeTraceRequest(wire.records[k]!.value);
      const next = decodeTraceRequest(wire.records[k + 1]!.value).resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
      data.resourceSpans[0]!.scopeSpans[0]!.spans.push(next);
      // manySpans is canonically encoded, so re-encoding gives the sizes the copies have.
      expect(encodeTraceRequest(data).length).toBeGreaterThan(max);
    }
  });

  it('throws BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE for a span that cannot fit', () => {
    const buf = encodeTraceRequest(request([makeSpan({ spanId: sid(1) }), makeSpan({ spanId: sid(2), attributes: { big: 'x'.repeat(5000) } })]));
    expect(() => traceRecords(decodeTraceRequest(buf), 4000)).toThrow(BraidError);
    const alone = encodeTraceRequest(request([makeSpan({ spanId: sid(2), attributes: { big: 'x'.repeat(5000) } })])).length;
    expectBraidError(() => splitTraceRequestWire(buf, 4000), 'BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE',
      `one span encodes to ${alone} bytes, more than the largest record the topic takes (4000 bytes, from its max.message.bytes)`);
  });
});

/** A queue that only records what it is sent. */
function recordingQueue(maxBytes: number): { queue: Queue; sends: QueueRecord[][] } {
  const sends: QueueRecord[][] = [];
  const queue: Queue = {
    kind: 'memory', start: async () => {}, maxRecordBytes: () => maxBytes, lag: async () => 0, partitionLags: async () => [], ping: async () => {}, close: async () => {},
    send: async (_kind, records) => void sends.push(records),
    sendDeadLetters: async () => {},
    consume: async () => ({ stop: async () => {} }),
    saveState: async () => {},
    loadStates: async () => new Map(),
    read: async () => ({ caughtUp: Promise.resolve(), stop: async () => {} }),
  };
  return { queue, sends };
}

describe("the receivers' protobuf export path", () => {
  it('answers, counts and queues as decodeTraceRequestLenient + exportTraces did', async () => {
    const data = interleaved();
    for (let i = 0; i < 12; i++) data.resourceSpans[1]!.scopeSpans[0]!.spans.push(makeSpan({ spanId: sid(0) }));
    const cases: [Uint8Array, number][] = [[encodeTraceRequest(data), 900], [encodeTraceRequest(richTraces()), 4000], [new Uint8Array(0), 900]];
    for (const [buf, max] of cases) {
      const [a, b] = [recordingQueue(max), recordingQueue(max)];
      const [ma, mb] = [new Registry(), new Registry()];
      const before = await exportTraces(decodeTraceRequestLenient(buf), 'grpc', a.queue, createOtlpReceiverMetrics(ma));
      const after = await exportTraceProtobuf(buf, 'grpc', b.queue, createOtlpReceiverMetrics(mb));
      expect(after).toEqual(before);
      expect(await mb.metrics()).toBe(await ma.metrics());
      expect(b.sends.length).toBe(a.sends.length);
      const spans = (sends: QueueRecord[][]): unknown[] => flatten(sends.flat().map((r) => r.value));
      expect(spans(b.sends)).toEqual(spans(a.sends));
    }
  });

  it('words a partial success the same way', async () => {
    const data = interleaved();
    for (let i = 0; i < 12; i++) data.resourceSpans[1]!.scopeSpans[0]!.spans.push(makeSpan({ spanId: sid(0) }));
    const result = await exportTraceProtobuf(encodeTraceRequest(data), 'http/protobuf', recordingQueue(BIG).queue, createOtlpReceiverMetrics(new Registry()));
    expect(result.partial?.rejectedSpans).toBe(12);
    expect(result.partial?.errorMessage).toMatch(/^12 spans rejected: resourceSpans\[1\]\.scopeSpans\[0\]\.spans\[9\]\.spanId: must not be all zeros; .* \(and 2 more\)$/);
  });
});
