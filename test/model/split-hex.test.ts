import { describe, expect, it } from 'vitest';
import { bytesToHex, HEX_LOWER, HEX_UPPER, HEX_ZERO, hexKind, hexToBytes, isHex, isZeroBytes, isZeroHex, NOT_HEX, writeHex } from '../../src/model/hex.js';
import { splitByTraceId } from '../../src/model/otlp/split.js';
import { countSpans, type ResourceSpans, type TracesData } from '../../src/model/trace.js';
import { T1, T2, T3, makeSpan, namedScope as scope, serviceResource as resource } from './helpers.js';

describe('splitByTraceId', () => {
  const span = (traceId: string, n: number) => makeSpan({ traceId, spanId: n.toString(16).padStart(16, '0') });
  const rsA: ResourceSpans = {
    resource: resource('a'), schemaUrl: 'sa',
    scopeSpans: [
      { scope: scope('x'), schemaUrl: 'sx', spans: [span(T1, 1), span(T2, 2), span(T1, 3)] },
      { scope: scope('y'), schemaUrl: '', spans: [span(T2, 4)] },
      { scope: scope('empty'), schemaUrl: '', spans: [] },
    ],
  };
  const rsB: ResourceSpans = { resource: resource('b'), schemaUrl: '', scopeSpans: [{ scope: scope('z'), schemaUrl: '', spans: [span(T1, 5), span(T3, 6)] }] };
  const data: TracesData = { resourceSpans: [rsA, rsB, { resource: resource('c'), schemaUrl: '', scopeSpans: [] }] };

  it('groups spans by trace, keeping resource and scope, in order of first appearance', () => {
    const parts = splitByTraceId(data);
    expect([...parts.keys()]).toEqual([T1, T2, T3]);
    expect(parts.get(T1)).toEqual({
      resourceSpans: [
        { resource: resource('a'), schemaUrl: 'sa', scopeSpans: [{ scope: scope('x'), schemaUrl: 'sx', spans: [span(T1, 1), span(T1, 3)] }] },
        { resource: resource('b'), schemaUrl: '', scopeSpans: [{ scope: scope('z'), schemaUrl: '', spans: [span(T1, 5)] }] },
      ],
    });
    expect(parts.get(T2)).toEqual({
      resourceSpans: [{
        resource: resource('a'), schemaUrl: 'sa',
        scopeSpans: [{ scope: scope('x'), schemaUrl: 'sx', spans: [span(T2, 2)] }, { scope: scope('y'), schemaUrl: '', spans: [span(T2, 4)] }],
      }],
    });
    expect(parts.get(T3)?.resourceSpans).toHaveLength(1);
    let total = 0;
    for (const part of parts.values()) total += countSpans(part);
    expect(total).toBe(countSpans(data));
  });

  it('shares resources and scopes instead of copying them, and leaves the input alone', () => {
    const before = structuredClone(data);
    const part = splitByTraceId(data).get(T1)!;
    expect(part.resourceSpans[0]?.resource).toBe(rsA.resource);
    expect(part.resourceSpans[0]?.scopeSpans[0]?.scope).toBe(rsA.scopeSpans[0]?.scope);
    expect(data).toEqual(before);
  });

  it('returns an empty map for a request without spans', () => {
    expect(splitByTraceId({ resourceSpans: [] }).size).toBe(0);
  });
});

describe('hex', () => {
  it('converts bytes to lowercase hex and back, in either case', () => {
    const bytes = new Uint8Array([0x00, 0x0f, 0xa0, 0xff, 0x5b]);
    expect(bytesToHex(bytes)).toBe('000fa0ff5b');
    expect(bytesToHex(bytes, 1, 3)).toBe('0fa0');
    expect(hexToBytes('000FA0ff5B')).toEqual(bytes);
    expect(hexToBytes('')).toEqual(new Uint8Array(0));
  });

  it('rejects odd lengths and non-hex characters, including non-ASCII ones', () => {
    expect(hexToBytes('abc')).toBeUndefined();
    expect(hexToBytes('zz')).toBeUndefined();
    expect(hexToBytes('a\u0100')).toBeUndefined();
    expect(writeHex('0g', new Uint8Array(1), 0)).toBe(false);
    expect(isHex('0123456789abcdefABCDEF0000000000', 32)).toBe(true);
    expect(isHex('0123456789abcdef', 32)).toBe(false);
    expect(isHex('0123456789abcdeg', 16)).toBe(false);
  });

  it('converts 8- and 16-byte IDs and other lengths alike', () => {
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => (i * 53 + 7) & 255);
    for (const n of [1, 7, 8, 9, 15, 16, 17, 32]) {
      expect(bytesToHex(bytes, 3, 3 + n)).toBe(Buffer.from(bytes.subarray(3, 3 + n)).toString('hex'));
    }
  });

  it('classifies ID strings in one pass', () => {
    expect(hexKind('00f067aa0ba902b7', 16)).toBe(HEX_LOWER);
    expect(hexKind('00F067AA0BA902B7', 16)).toBe(HEX_UPPER);
    expect(hexKind('0000000000000000', 16)).toBe(HEX_ZERO);
    expect(hexKind('00f067aa0ba902b', 16)).toBe(NOT_HEX);
    expect(hexKind('00f067aa0ba902bg', 16)).toBe(NOT_HEX);
    expect(hexKind('00f067aa0ba902b\u00e9', 16)).toBe(NOT_HEX);
  });

  it('recognises all-zero IDs', () => {
    expect(isZeroBytes(new Uint8Array(8))).toBe(true);
    expect(isZeroBytes(new Uint8Array([0, 1]))).toBe(false);
    expect(isZeroHex('0000')).toBe(true);
    expect(isZeroHex('0001')).toBe(false);
  });
});
