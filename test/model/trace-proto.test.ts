import { describe, expect, it } from 'vitest';
import { decodeTraceRequest, decodeTraceRequestLenient, encodeTraceRequest, encodeTraceResponse, traceResponseJson } from '../../src/model/otlp/trace-proto.js';
import { ProtoReader, WireType } from '../../src/model/protobuf/reader.js';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import { countSpans, type TracesData } from '../../src/model/trace.js';
import { expectBraidError, makeSpan, manySpans, richTraces } from './helpers.js';

/** A request with one resource and one scope holding `spans`. */
function request(...spans: ReturnType<typeof makeSpan>[]): TracesData {
  return {
    resourceSpans: [{
      resource: { attributes: { 'service.name': 's' }, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [{ scope: { name: 'sc', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }],
    }],
  };
}

/** Wraps span-body bytes as request → ResourceSpans → ScopeSpans → Span. */
function wrapSpan(body: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  w.tag(1, WireType.LEN);
  const rs = w.fork();
  w.tag(2, WireType.LEN);
  const ss = w.fork();
  w.tag(2, WireType.LEN);
  const span = w.fork();
  body(w);
  w.ldelim(span);
  w.ldelim(ss);
  w.ldelim(rs);
  return w.finish();
}

describe('encodeTraceRequest / decodeTraceRequest', () => {
  it('round-trips a request using every field and AnyValue kind', () => {
    const data = richTraces();
    expect(decodeTraceRequest(encodeTraceRequest(data))).toEqual(data);
  });

  it('round-trips spans whose encoding needs multi-byte lengths at every level', () => {
    const data = request(makeSpan({ attributes: { big: 'x'.repeat(70_000), nested: [['y'.repeat(200)]] } }));
    expect(decodeTraceRequest(encodeTraceRequest(data))).toEqual(data);
  });

  it('decodes from a view at an offset into a larger buffer, as Buffers from a pool are', () => {
    const data = richTraces();
    const bytes = encodeTraceRequest(data);
    const pool = Buffer.alloc(bytes.length + 10, 0xff);
    pool.set(bytes, 5);
    const decoded = decodeTraceRequest(pool.subarray(5, 5 + bytes.length));
    expect(decoded).toEqual(data);
    // Bytes values are copies, not views that would change (or pin) the request buffer.
    pool.fill(0);
    expect(decoded).toEqual(data);
  });

  it('returns an independent copy each time, though the writer is shared', () => {
    const a = encodeTraceRequest(request(makeSpan({ name: 'a' })));
    const copy = a.slice();
    encodeTraceRequest(request(makeSpan({ name: 'b' })));
    expect(a).toEqual(copy);
  });

  it('omits default-valued fields as proto3 does', () => {
    expect(encodeTraceRequest({ resourceSpans: [] })).toEqual(new Uint8Array(0));
    const minimal = makeSpan({
      traceState: '', parentSpanId: '', flags: 0, name: '', kind: 0, startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: {},
      droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, status: { code: 0, message: '' },
    });
    const bytes = encodeTraceRequest({
      resourceSpans: [{
        resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '',
        scopeSpans: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans: [minimal] }],
      }],
    });
    // request(2) + ResourceSpans(2) + ScopeSpans(2) + Span: trace_id (2 + 16) and span_id (2 + 8) only.
    expect(bytes.length).toBe(2 + 2 + 2 + 18 + 10);
  });

  it('decodes spans with unknown fields of every wire type and fields in any order', () => {
    const bytes = wrapSpan((w) => {
      w.tag(5, WireType.LEN);
      w.string('late name');
      w.tag(100, WireType.VARINT);
      w.uint64(2n ** 63n);
      w.tag(101, WireType.I64);
      w.fixed64(1n);
      w.tag(102, WireType.LEN);
      w.string('ignored');
      w.tag(103, WireType.I32);
      w.fixed32(7);
      w.tag(2, WireType.LEN);
      w.hexBytes('0102030405060708');
      w.tag(1, WireType.LEN);
      w.hexBytes('0102030405060708090a0b0c0d0e0f10');
    });
    const span = decodeTraceRequest(bytes).resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(span?.name).toBe('late name');
    expect(span?.traceId).toBe('0102030405060708090a0b0c0d0e0f10');
    expect(span?.spanId).toBe('0102030405060708');
  });

  it('treats an all-zero parent span ID as a root span', () => {
    const bytes = encodeTraceRequest(request(makeSpan({ parentSpanId: '0000000000000000' })));
    expect(decodeTraceRequest(bytes).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.parentSpanId).toBe('');
  });

  it('decodes 10k spans', () => {
    const data = manySpans(10_000, 10);
    const decoded = decodeTraceRequest(encodeTraceRequest(data));
    expect(countSpans(decoded)).toBe(10_000);
    expect(decoded.resourceSpans[0]?.scopeSpans[0]?.spans[9_999]).toEqual(data.resourceSpans[0]?.scopeSpans[0]?.spans[9_999]);
  });
});

describe('invalid data', () => {
  it('rejects a 17-byte trace ID with the span path', () => {
    const bytes = encodeTraceRequest(request(makeSpan(), makeSpan({ traceId: '0af7651916cd43dd8448eb211c80319c01' })));
    expectBraidError(() => decodeTraceRequest(bytes), 'BRAID_ERR_OTLP_INVALID', 'resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 16 bytes, got 17');
  });

  it('rejects missing, zero and wrong-length IDs, in spans and links', () => {
    const cases: [Partial<ReturnType<typeof makeSpan>>, string][] = [
      [{ traceId: '' }, 'traceId: expected 16 bytes, got 0'],
      [{ traceId: '00000000000000000000000000000000' }, 'traceId: must not be all zeros'],
      [{ spanId: 'b7ad6b71692033' }, 'spanId: expected 8 bytes, got 7'],
      [{ spanId: '0000000000000000' }, 'spanId: must not be all zeros'],
      [{ parentSpanId: '00f067aa0ba902b7ff' }, 'parentSpanId: expected 8 bytes or none, got 9'],
      [{ links: [{ traceId: 'aa', spanId: 'b7ad6b7169203331', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 }] }, 'links[0].traceId: expected 16 bytes, got 1'],
      [{ links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 }] }, 'links[0].spanId: expected 8 bytes, got 0'],
    ];
    for (const [overrides, message] of cases) {
      const bytes = encodeTraceRequest(request(makeSpan(overrides)));
      expectBraidError(() => decodeTraceRequest(bytes), 'BRAID_ERR_OTLP_INVALID', `resourceSpans[0].scopeSpans[0].spans[0].${message}`);
    }
  });

  it('reports truncated data with its offset', () => {
    expectBraidError(() => decodeTraceRequest(new Uint8Array([0x0a, 0x05, 0x12, 0x03, 0x12, 0x01])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: length 5 at offset 1 exceeds the 4 bytes remaining');
    expectBraidError(() => decodeTraceRequest(new Uint8Array([0x0a, 0x80])), 'BRAID_ERR_OTLP_DECODE', 'malformed ExportTraceServiceRequest: truncated varint at offset 1');
    const full = encodeTraceRequest(richTraces());
    for (const cut of [1, 2, 10, 100, full.length - 1]) {
      expect(() => decodeTraceRequest(full.subarray(0, cut))).toThrow(/^malformed ExportTraceServiceRequest: .* at offset \d+/);
    }
  });

  it('reports a known field sent with the wrong wire type', () => {
    const bytes = wrapSpan((w) => {
      w.tag(1, WireType.VARINT);
      w.uint32(5);
    });
    expectBraidError(() => decodeTraceRequest(bytes), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: Span.trace_id (field 1) at offset 6: expected wire type 2 (length-delimited), got 0 (varint)');
    expectBraidError(() => decodeTraceRequest(new Uint8Array([0x0b])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: ExportTraceServiceRequest.resource_spans (field 1) at offset 0: expected wire type 2 (length-delimited), got 3 (group start)');
  });

  it('rejects groups and invalid wire types in unknown fields', () => {
    expectBraidError(() => decodeTraceRequest(new Uint8Array([0x2b])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: unsupported wire type 3 (group start) for field 5 at offset 0');
    expectBraidError(() => decodeTraceRequest(new Uint8Array([0x4f])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: invalid wire type 7 for field 9 at offset 0');
  });

  it('rejects AnyValues nested beyond 100 levels', () => {
    let deep: ReturnType<typeof makeSpan>['attributes'][string] = 'leaf';
    for (let i = 0; i < 120; i++) deep = [deep];
    const bytes = encodeTraceRequest(request(makeSpan({ attributes: { deep } })));
    expect(() => decodeTraceRequest(bytes)).toThrow(/^malformed ExportTraceServiceRequest: AnyValue nested deeper than 100 levels at offset \d+$/);
  });
});

describe('decodeTraceRequestLenient', () => {
  it('drops only the invalid spans and says why', () => {
    const good1 = makeSpan({ spanId: '1111111111111111' });
    const good2 = makeSpan({ spanId: '3333333333333333' });
    const data: TracesData = {
      resourceSpans: [
        request(good1, makeSpan({ spanId: '22' }), good2).resourceSpans[0]!,
        request(makeSpan({ traceId: '00000000000000000000000000000000' })).resourceSpans[0]!,
      ],
    };
    const result = decodeTraceRequestLenient(encodeTraceRequest(data));
    expect(result.rejected).toBe(2);
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].spanId: expected 8 bytes, got 1',
      'resourceSpans[1].scopeSpans[0].spans[0].traceId: must not be all zeros',
    ]);
    expect(result.data.resourceSpans[0]?.scopeSpans[0]?.spans).toEqual([good1, good2]);
    expect(result.data.resourceSpans[1]?.scopeSpans[0]?.spans).toEqual([]);
  });

  it('still throws on wire corruption', () => {
    expectBraidError(() => decodeTraceRequestLenient(new Uint8Array([0x0a, 0x05])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportTraceServiceRequest: length 5 at offset 1 exceeds the 0 bytes remaining');
  });
});

describe('responses', () => {
  it('encodes full success as an empty message', () => {
    expect(encodeTraceResponse()).toEqual(new Uint8Array(0));
    expect(traceResponseJson()).toEqual({});
  });

  it('encodes partial success', () => {
    const bytes = encodeTraceResponse({ rejectedSpans: 3, errorMessage: '3 spans rejected: ✗' });
    const r = new ProtoReader(bytes);
    expect(r.tag()).toBe(10);
    r.enter();
    expect(r.tag()).toBe(8);
    expect(r.int64()).toBe(3n);
    expect(r.tag()).toBe(18);
    expect(r.string()).toBe('3 spans rejected: ✗');
    expect(r.pos).toBe(bytes.length);
    expect(traceResponseJson({ rejectedSpans: 3, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: 'why' } });
  });
});
