/** Builders and assertions shared by the model tests. */
import { expect } from 'vitest';
import { BraidError, type ErrorCode } from '../../src/errors.js';
import type { Span, TracesData } from '../../src/model/trace.js';

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

/** A request exercising every AnyValue kind, events, links, unicode and int64 beyond 2^53. */
export function richTraces(): TracesData {
  const attributes = {
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
  return {
    resourceSpans: [
      {
        resource: { attributes: { 'service.name': 'checkout', 'host.name': 'node-7' }, droppedAttributesCount: 4 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: '@braid/test', version: '1.0.0', attributes: { 'scope.attr': 'v' }, droppedAttributesCount: 5 },
            schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
            spans: [
              makeSpan({
                attributes,
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
          },
          { scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans: [makeSpan({ spanId: '2222222222222222', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })] },
        ],
      },
      {
        resource: { attributes: {}, droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeSpans: [{ scope: { name: 'other', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans: [makeSpan({ spanId: '3333333333333333', name: '' })] }],
      },
    ],
  };
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
