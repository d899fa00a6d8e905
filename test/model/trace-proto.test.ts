import { describe, expect, it } from 'vitest';
import { decodeTraceRequest, decodeTraceRequestLenient, encodeTraceRequest, encodeTraceResponse, traceResponseJson } from '../../src/model/otlp/trace-proto.js';
import { WireType } from '../../src/model/protobuf/reader.js';
import { countSpans, type TracesData } from '../../src/model/trace.js';
import {
  expectBraidError, expectDecodesFromPooledView, expectPartialSuccess, expectTruncationReported, makeSpan, manySpans, richTraces, tracesRequest, wrapItem,
} from './helpers.js';

describe('encodeTraceRequest / decodeTraceRequest', () => {
  it('round-trips a request using every field and AnyValue kind', () => {
    const data = richTraces();
    expect(decodeTraceRequest(encodeTraceRequest(data))).toEqual(data);
  });

  it('round-trips spans whose encoding needs multi-byte lengths at every level', () => {
    const data = tracesRequest(makeSpan({ attributes: { big: 'x'.repeat(70_000), nested: [['y'.repeat(200)]] } }));
    expect(decodeTraceRequest(encodeTraceRequest(data))).toEqual(data);
  });

  it('decodes from a view at an offset into a larger buffer, as Buffers from a pool are', () => {
    expectDecodesFromPooledView(encodeTraceRequest, decodeTraceRequest, richTraces());
  });

  it('returns an independent copy each time, though the writer is shared', () => {
    const a = encodeTraceRequest(tracesRequest(makeSpan({ name: 'a' })));
    const copy = a.slice();
    encodeTraceRequest(tracesRequest(makeSpan({ name: 'b' })));
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
    const bytes = wrapItem((w) => {
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
    const bytes = encodeTraceRequest(tracesRequest(makeSpan({ parentSpanId: '0000000000000000' })));
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
    const bytes = encodeTraceRequest(tracesRequest(makeSpan(), makeSpan({ traceId: '0af7651916cd43dd8448eb211c80319c01' })));
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
      const bytes = encodeTraceRequest(tracesRequest(makeSpan(overrides)));
      expectBraidError(() => decodeTraceRequest(bytes), 'BRAID_ERR_OTLP_INVALID', `resourceSpans[0].scopeSpans[0].spans[0].${message}`);
    }
  });

  it('reports truncated data with its offset', () => {
    expectTruncationReported(decodeTraceRequest, encodeTraceRequest(richTraces()), 'ExportTraceServiceRequest');
  });

  it('reports a known field sent with the wrong wire type', () => {
    const bytes = wrapItem((w) => {
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
    const bytes = encodeTraceRequest(tracesRequest(makeSpan({ attributes: { deep } })));
    expect(() => decodeTraceRequest(bytes)).toThrow(/^malformed ExportTraceServiceRequest: AnyValue nested deeper than 100 levels at offset \d+$/);
  });
});

describe('decodeTraceRequestLenient', () => {
  it('drops only the invalid spans and says why', () => {
    const good1 = makeSpan({ spanId: '1111111111111111' });
    const good2 = makeSpan({ spanId: '3333333333333333' });
    const data: TracesData = {
      resourceSpans: [
        tracesRequest(good1, makeSpan({ spanId: '22' }), good2).resourceSpans[0]!,
        tracesRequest(makeSpan({ traceId: '00000000000000000000000000000000' })).resourceSpans[0]!,
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
    expectPartialSuccess(encodeTraceResponse({ rejectedSpans: 3, errorMessage: '3 spans rejected: ✗' }), 3n, '3 spans rejected: ✗');
    expect(traceResponseJson({ rejectedSpans: 3, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: 'why' } });
  });
});
