/** Builders and assertions shared by the model tests. */
import { expect } from 'vitest';
import { BraidError, type ErrorCode } from '../../src/errors.js';
import { SPANS_LAYOUT, type ExportLayout, type ResourceGroup, type ScopeGroup, type TraceItem } from '../../src/model/otlp/split.js';
import { ProtoReader, WireType } from '../../src/model/protobuf/reader.js';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import type { Attributes, InstrumentationScope, Resource, Span, TracesData } from '../../src/model/trace.js';

/** A span with every field at a non-default value unless overridden. */
export function makeSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceState: 'congo=t61rcWkgMzE',
    parentSpanId: '00f067aa0ba902b7',
    flags: 0x101,
    name: 'GET /api/orders/{id}',
    kind: 2,
    startTimeUnixNano: 1_700_000_000_123_456_789n,
    endTimeUnixNano: 1_700_000_000_223_456_789n,
    attributes: { 'http.method': 'GET', 'http.status_code': 200n },
    droppedAttributesCount: 1,
    events: [],
    droppedEventsCount: 2,
    links: [],
    droppedLinksCount: 3,
    status: { code: 2, message: 'upstream timed out' },
    ...overrides,
  };
}

/** Attributes of every AnyValue kind, with unicode and int64 beyond 2^53. */
export function richAttributes(): Attributes {
  return {
    str: 'plain',
    unicode: 'héllo wörld 🌍 日本語 — ünïcödé',
    longUnicode: 'Ω'.repeat(50) + '🌍'.repeat(30) + 'end',
    'a.key.longer.than.sixteen.bytes': 'x'.repeat(300),
    empty: '',
    boolTrue: true,
    boolFalse: false,
    intZero: 0n,
    intSmall: 42n,
    intNeg: -7n,
    intBig: 2n ** 62n + 12345n,
    intMin: -(2n ** 63n),
    intMax: 2n ** 63n - 1n,
    double: 3.14159,
    doubleInt: 2,
    doubleNeg: -0.5,
    doubleNaN: NaN,
    doubleInf: Infinity,
    doubleNegInf: -Infinity,
    bytes: new Uint8Array([0, 1, 2, 250, 255]),
    emptyBytes: new Uint8Array(0),
    nothing: null,
    array: ['a', 1n, 2.5, true, null, [1n, [2n]], { nested: 'yes' }],
    emptyArray: [],
    kvlist: { inner: { deeper: [new Uint8Array([9])], n: 1n }, flag: false },
    emptyKvlist: {},
  };
}

/** Trace IDs for tests that group by trace. */
export const T1 = '11111111111111111111111111111111';
export const T2 = '22222222222222222222222222222222';
export const T3 = '33333333333333333333333333333333';

/** A scope with only a name. */
export const namedScope = (name: string): InstrumentationScope => ({ name, version: '', attributes: {}, droppedAttributesCount: 0 });

/** A resource with only a service name. */
export const serviceResource = (service: string): Resource => ({ attributes: { 'service.name': service }, droppedAttributesCount: 0 });

/**
 * The resources and scopes of richTraces and richLogs around their items: a resource and a scope
 * with every field set (holding `full`), an empty scope (holding `plain`) and an empty resource
 * (holding `other`, in scope 'other').
 */
export function richRequest<D, R extends ResourceGroup, S extends ScopeGroup, I extends TraceItem>(
  layout: ExportLayout<D, R, S, I>, full: I[], plain: I[], other: I[],
): D {
  return layout.makeExport([
    layout.makeResource({ attributes: { 'service.name': 'checkout', 'host.name': 'node-7' }, droppedAttributesCount: 4 }, 'https://opentelemetry.io/schemas/1.26.0', [
      layout.makeScope({ name: '@braid/test', version: '1.0.0', attributes: { 'scope.attr': 'v' }, droppedAttributesCount: 5 }, 'https://opentelemetry.io/schemas/1.25.0', full),
      layout.makeScope(namedScope(''), '', plain),
    ]),
    layout.makeResource({ attributes: {}, droppedAttributesCount: 0 }, '', [layout.makeScope(namedScope('other'), '', other)]),
  ]);
}

/** A request with one resource and one scope holding `items`. */
export function oneScopeRequest<D, R extends ResourceGroup, S extends ScopeGroup, I extends TraceItem>(layout: ExportLayout<D, R, S, I>, items: I[]): D {
  return layout.makeExport([layout.makeResource(serviceResource('s'), '', [layout.makeScope(namedScope('sc'), '', items)])]);
}

/** A trace request with one resource and one scope holding `spans`. */
export function tracesRequest(...spans: Span[]): TracesData {
  return oneScopeRequest(SPANS_LAYOUT, spans);
}

/** A request exercising every AnyValue kind, events, links, unicode and int64 beyond 2^53. */
export function richTraces(): TracesData {
  return richRequest(SPANS_LAYOUT,
    [
      makeSpan({
        attributes: richAttributes(),
        events: [
          { timeUnixNano: 1_700_000_000_150_000_000n, name: 'exception', attributes: { 'exception.message': 'boom ✗' }, droppedAttributesCount: 6 },
          { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 },
        ],
        links: [
          { traceId: 'ffffffffffffffffffffffffffffffff', spanId: '0000000000000001', traceState: 'a=b', attributes: { why: 'retry' }, droppedAttributesCount: 7, flags: 0x301 },
        ],
      }),
      makeSpan({ spanId: '1111111111111111', parentSpanId: '', traceState: '', flags: 0, kind: 0, status: { code: 0, message: '' }, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, attributes: {}, startTimeUnixNano: 2n ** 64n - 1n, endTimeUnixNano: 0n }),
    ],
    [makeSpan({ spanId: '2222222222222222', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })],
    [makeSpan({ spanId: '3333333333333333', name: '' })],
  );
}

/** Wraps the body bytes of one item as request → Resource* → Scope* → item; trace.proto and logs.proto number these fields alike. */
export function wrapItem(body: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  w.tag(1, WireType.LEN);
  const resource = w.fork();
  w.tag(2, WireType.LEN);
  const scope = w.fork();
  w.tag(2, WireType.LEN);
  const item = w.fork();
  body(w);
  w.ldelim(item);
  w.ldelim(scope);
  w.ldelim(resource);
  return w.finish();
}

/** Asserts that `fn` throws a BraidError with exactly this code and message. */
export function expectBraidError(fn: () => unknown, code: ErrorCode, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(BraidError);
  expect((thrown as BraidError).code).toBe(code);
  expect((thrown as BraidError).message).toBe(message);
}

/** Asserts that `decode` reads `encode(data)` from a view at an offset into a larger buffer, as Buffers from a pool are, and keeps no view of it. */
export function expectDecodesFromPooledView<T>(encode: (data: T) => Uint8Array, decode: (buf: Uint8Array) => T, data: T): void {
  const bytes = encode(data);
  const pool = Buffer.alloc(bytes.length + 10, 0xff);
  pool.set(bytes, 5);
  const decoded = decode(pool.subarray(5, 5 + bytes.length));
  expect(decoded).toEqual(data);
  // Bytes values are copies, not views that would change (or pin) the request buffer.
  pool.fill(0);
  expect(decoded).toEqual(data);
}

/** Asserts that `decode` reports truncated data, and `full` cut short anywhere, as a malformed `request` with the offset. */
export function expectTruncationReported(decode: (buf: Uint8Array) => unknown, full: Uint8Array, request: string): void {
  expectBraidError(() => decode(new Uint8Array([0x0a, 0x05, 0x12, 0x03, 0x12, 0x01])), 'BRAID_ERR_OTLP_DECODE',
    `malformed ${request}: length 5 at offset 1 exceeds the 4 bytes remaining`);
  expectBraidError(() => decode(new Uint8Array([0x0a, 0x80])), 'BRAID_ERR_OTLP_DECODE', `malformed ${request}: truncated varint at offset 1`);
  for (const cut of [1, 2, 10, 100, full.length - 1]) {
    expect(() => decode(full.subarray(0, cut))).toThrow(new RegExp(`^malformed ${request}: .* at offset \\d+`));
  }
}

/** Asserts that an export response is exactly a partial_success (field 1) of `rejected` items (its field 1) and `errorMessage` (its field 2). */
export function expectPartialSuccess(bytes: Uint8Array, rejected: bigint, errorMessage: string): void {
  const r = new ProtoReader(bytes);
  expect(r.tag()).toBe(10);
  r.enter();
  expect(r.tag()).toBe(8);
  expect(r.int64()).toBe(rejected);
  expect(r.tag()).toBe(18);
  expect(r.string()).toBe(errorMessage);
  expect(r.pos).toBe(bytes.length);
}

/** `n` spans of one scope, `attrs` attributes each, `perTrace` spans per trace. */
export function manySpans(n: number, attrs: number, perTrace = 10): TracesData {
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const attributes: Record<string, string | bigint | number | boolean> = {};
    for (let a = 0; a < attrs; a++) {
      const k = a % 4;
      attributes[`attr.key.${a}`] = k === 0 ? `value-${i}-${a}` : k === 1 ? BigInt(i * a) : k === 2 ? i / 7 : i % 2 === 0;
    }
    const trace = Math.floor(i / perTrace);
    spans.push(makeSpan({
      traceId: (trace + 1).toString(16).padStart(32, '0'),
      spanId: (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: i % perTrace === 0 ? '' : (i).toString(16).padStart(16, '0'),
      name: `span-${i % 13}`,
      attributes,
      startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) * 1000n,
      endTimeUnixNano: 1_700_000_000_000_500_000n + BigInt(i) * 1000n,
    }));
  }
  return {
    resourceSpans: [{
      resource: { attributes: { 'service.name': 'bench', 'service.version': '1.2.3', 'host.name': 'bench-host' }, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeSpans: [{ scope: { name: 'bench-scope', version: '0.1.0', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }],
    }],
  };
}
