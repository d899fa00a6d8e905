import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { countSpans, type ResourceSpans, type Span, type TracesData } from '../../src/model/trace.js';
import { parseZipkinSpans } from '../../src/receivers/zipkin/decode.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/zipkin');

interface InvalidFixture {
  error: string;
  /** Spans rejected; null when the whole body is refused (BRAID_ERR_ZIPKIN_DECODE). */
  rejectedSpans: number | null;
  request: unknown;
}

const invalid = readdirSync(FIXTURES)
  .filter((f) => f.startsWith('invalid_') && f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as InvalidFixture] as const);

const TRACE = '5b8efff798038103d269b633813fc60c';
const US = 1_700_000_000_000_000;

/** The only span of a parse that must succeed. */
function onlySpan(span: Record<string, unknown>): { span: Span; rs: ResourceSpans } {
  const result = parseZipkinSpans([{ traceId: TRACE, id: 'eee19b7ec3c1b174', timestamp: US, duration: 10, ...span }]);
  expect(result.errors).toEqual([]);
  const rs = result.data.resourceSpans[0]!;
  return { span: rs.scopeSpans[0]!.spans[0]!, rs };
}

function errorOf(fn: () => unknown): BraidError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BraidError) return err;
    throw err;
  }
  throw new Error('expected a BraidError');
}

describe('parseZipkinSpans: invalid input', () => {
  it('has invalid fixtures to check', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalid)('%s: rejects the span with the exact reason and keeps the others', (_name, fx) => {
    if (fx.rejectedSpans === null) {
      const e = errorOf(() => parseZipkinSpans(fx.request));
      expect(e.code).toBe('BRAID_ERR_ZIPKIN_DECODE');
      expect(e.httpStatus).toBe(400);
      expect(e.message).toBe(fx.error);
      return;
    }
    const result = parseZipkinSpans(fx.request);
    expect(result.errors).toEqual([fx.error]);
    expect(result.rejected).toBe(fx.rejectedSpans);
    expect(countSpans(result.data)).toBe((fx.request as unknown[]).length - fx.rejectedSpans);
  });

  it('lists every invalid span, in order', () => {
    const result = parseZipkinSpans([{ traceId: TRACE, id: 'zz' }, { traceId: TRACE, id: 'eee19b7ec3c1b174' }, { id: 'eee19b7ec3c1b175' }]);
    expect(result.rejected).toBe(2);
    expect(result.errors).toEqual(['[0].id: expected 16 hex characters, got "zz"', '[2].traceId: expected 16 or 32 hex characters, got none']);
    expect(countSpans(result.data)).toBe(1);
  });

  it('refuses a body that is not an array', () => {
    for (const [body, shown] of [[{}, 'an object'], ['[]', '"[]"'], [null, 'null'], [3, '3']] as const) {
      const e = errorOf(() => parseZipkinSpans(body));
      expect(e.code).toBe('BRAID_ERR_ZIPKIN_DECODE');
      expect(e.message).toBe(`request: expected a JSON array of spans, got ${shown}`);
    }
  });

  it('accepts an empty list', () => {
    expect(parseZipkinSpans([])).toEqual({ data: { resourceSpans: [] }, rejected: 0, errors: [] });
  });
});

describe('parseZipkinSpans: mapping (as the OTel Collector zipkinv2 translator)', () => {
  it('maps every field of a span', () => {
    const result = parseZipkinSpans([
      {
        traceId: TRACE.toUpperCase(),
        id: 'EEE19B7EC3C1B174',
        parentId: '00f067aa0ba902b7',
        name: 'get /api/orders',
        kind: 'CLIENT',
        timestamp: US + 123,
        duration: 250_500,
        localEndpoint: { serviceName: 'checkout', ipv4: '10.0.0.1', port: 8080 },
        remoteEndpoint: { serviceName: 'orders', ipv6: '2001:DB8::1', port: 443 },
        tags: { 'http.method': 'GET', 'http.status_code': '503', error: 'upstream timed out', 'host.name': 'node-1', 'otel.library.name': 'brave', 'otel.library.version': '5.16', 'w3c.tracestate': 'congo=t61rcWkgMzE' },
        annotations: [{ timestamp: US + 1_000, value: 'wire send' }],
        debug: true,
        shared: false,
        unknownField: 'ignored',
      },
    ]);
    const expected: TracesData = {
      resourceSpans: [
        {
          resource: { attributes: { 'host.name': 'node-1', 'service.name': 'checkout' }, droppedAttributesCount: 0 },
          schemaUrl: '',
          scopeSpans: [
            {
              scope: { name: 'brave', version: '5.16', attributes: {}, droppedAttributesCount: 0 },
              schemaUrl: '',
              spans: [
                {
                  traceId: TRACE,
                  spanId: 'eee19b7ec3c1b174',
                  traceState: 'congo=t61rcWkgMzE',
                  parentSpanId: '00f067aa0ba902b7',
                  flags: 0,
                  name: 'get /api/orders',
                  kind: 3,
                  startTimeUnixNano: 1_700_000_000_000_123_000n,
                  endTimeUnixNano: 1_700_000_000_250_623_000n,
                  attributes: {
                    'http.method': 'GET',
                    'http.status_code': '503',
                    'net.host.ip': '10.0.0.1',
                    'net.host.port': 8080n,
                    'peer.service': 'orders',
                    'net.peer.ip': '2001:db8::1',
                    'net.peer.port': 443n,
                  },
                  droppedAttributesCount: 0,
                  events: [{ timeUnixNano: 1_700_000_000_001_000_000n, name: 'wire send', attributes: {}, droppedAttributesCount: 0 }],
                  droppedEventsCount: 0,
                  links: [],
                  droppedLinksCount: 0,
                  status: { code: 2, message: 'upstream timed out' },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(result).toEqual({ data: expected, rejected: 0, errors: [] });
  });

  it('left-pads a 16-hex trace ID to 32 and keeps a 32-hex one', () => {
    expect(onlySpan({ traceId: 'A1B2C3D4E5F60718' }).span.traceId).toBe('0000000000000000a1b2c3d4e5f60718');
    expect(onlySpan({ traceId: '0000000000000000a1b2c3d4e5f60718' }).span.traceId).toBe('0000000000000000a1b2c3d4e5f60718');
    expect(onlySpan({ traceId: TRACE }).span.traceId).toBe(TRACE);
  });

  it('maps each Zipkin kind, and span.kind=internal without one', () => {
    const kinds = { CLIENT: 3, SERVER: 2, PRODUCER: 4, CONSUMER: 5 };
    for (const [kind, otlp] of Object.entries(kinds)) expect(onlySpan({ kind }).span.kind).toBe(otlp);
    expect(onlySpan({}).span.kind).toBe(0);
    const internal = onlySpan({ tags: { 'span.kind': 'internal' } }).span;
    expect(internal.kind).toBe(1);
    expect(internal.attributes).toEqual({});
    // A Zipkin kind wins; the tag then stays an attribute.
    expect(onlySpan({ kind: 'SERVER', tags: { 'span.kind': 'internal' } }).span).toMatchObject({ kind: 2, attributes: { 'span.kind': 'internal' } });
  });

  it('reads the status from otel.status_code, otel.status_description and error', () => {
    const status = (tags: Record<string, string>) => {
      const { span } = onlySpan({ tags });
      return { ...span.status, attributes: span.attributes };
    };
    expect(status({})).toEqual({ code: 0, message: '', attributes: {} });
    expect(status({ error: 'true' })).toEqual({ code: 2, message: '', attributes: {} });
    expect(status({ error: '' })).toEqual({ code: 2, message: '', attributes: {} });
    expect(status({ error: 'connection refused' })).toEqual({ code: 2, message: 'connection refused', attributes: {} });
    expect(status({ 'otel.status_code': 'OK' })).toEqual({ code: 1, message: '', attributes: {} });
    expect(status({ 'otel.status_code': 'Error', 'otel.status_description': 'deadlock' })).toEqual({ code: 2, message: 'deadlock', attributes: {} });
    expect(status({ 'otel.status_code': 'STATUS_CODE_ERROR', 'otel.status_description': 'deadlock', error: 'x' })).toEqual({ code: 2, message: 'deadlock', attributes: {} });
    expect(status({ 'otel.status_code': 'unset' })).toEqual({ code: 0, message: '', attributes: {} });
    // An unknown code is kept as it came, and so is a description without a code.
    expect(status({ 'otel.status_code': 'FINE', 'otel.status_description': 'x' })).toEqual({ code: 0, message: '', attributes: { 'otel.status_code': 'FINE', 'otel.status_description': 'x' } });
  });

  it('marks a span without a timestamp as the collector does', () => {
    const { span } = onlySpan({ timestamp: undefined, duration: 1_500 });
    expect(span.startTimeUnixNano).toBe(0n);
    expect(span.endTimeUnixNano).toBe(1_500_000n);
    expect(span.attributes).toEqual({ 'otel.zipkin.absentField.startTime': true });
    const noDuration = onlySpan({ duration: undefined }).span;
    expect(noDuration.endTimeUnixNano).toBe(noDuration.startTimeUnixNano);
  });

  it('reads no parent from an absent, empty, all-zero or self parentId', () => {
    for (const parentId of [undefined, null, '', '0000000000000000', 'eee19b7ec3c1b174', 'EEE19B7EC3C1B174']) {
      expect(onlySpan({ parentId }).span.parentSpanId).toBe('');
    }
  });

  it('keeps tag values as strings, numbers and booleans as their text', () => {
    const { span } = onlySpan({ tags: { 'http.status_code': '200', retries: 3, cached: false, ratio: 0.5 } });
    expect(span.attributes).toEqual({ 'http.status_code': '200', retries: '3', cached: 'false', ratio: '0.5' });
    const withProto = onlySpan(JSON.parse('{"tags":{"__proto__":"x"}}') as Record<string, unknown>).span;
    expect(Object.getOwnPropertyDescriptor(withProto.attributes, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(withProto.attributes)).toBe(Object.prototype);
  });

  it('moves resource tags to the resource and groups spans by resource and scope', () => {
    const span = (id: string, service: string | undefined, tags: Record<string, string> = {}) => ({
      traceId: TRACE,
      id,
      timestamp: US,
      ...(service ? { localEndpoint: { serviceName: service } } : {}),
      tags,
    });
    const result = parseZipkinSpans([
      span('0000000000000001', 'a'),
      span('0000000000000002', 'b', { 'host.name': 'h1' }),
      span('0000000000000003', 'a', { 'otel.scope.name': 'x', 'otel.scope.version': '1' }),
      span('0000000000000004', 'b', { 'host.name': 'h2', 'service.version': '2.0' }),
      span('0000000000000005', 'a'),
      span('0000000000000006', undefined),
    ]);
    const layout = result.data.resourceSpans.map((rs) => ({
      resource: rs.resource.attributes,
      scopes: rs.scopeSpans.map((ss) => [`${ss.scope.name}@${ss.scope.version}`, ss.spans.map((s) => s.spanId.slice(-1))]),
    }));
    expect(layout).toEqual([
      { resource: { 'service.name': 'a' }, scopes: [['@', ['1', '5']], ['x@1', ['3']]] },
      { resource: { 'host.name': 'h1', 'service.name': 'b' }, scopes: [['@', ['2']]] },
      { resource: { 'host.name': 'h2', 'service.version': '2.0', 'service.name': 'b' }, scopes: [['@', ['4']]] },
      { resource: {}, scopes: [['@', ['6']]] },
    ]);
  });

  it('maps endpoints: IPv6 wins over IPv4, port 0 and empty values are absent', () => {
    const { span } = onlySpan({ localEndpoint: { serviceName: '', ipv4: '10.0.0.1', ipv6: '::1', port: 0 }, remoteEndpoint: { ipv4: '', port: 5432 } });
    expect(span.attributes).toEqual({ 'net.host.ip': '::1', 'net.peer.port': 5432n });
  });

  it('turns annotations into events, unpacking the collector exporter name|attributes|dropped form', () => {
    const { span } = onlySpan({
      annotations: [
        { timestamp: US + 1, value: 'cache miss' },
        { timestamp: US + 2, value: 'retry|{"attempt":2,"backoff":0.5,"key":"k","ok":true,"nested":{"a":1}}|1' },
        { timestamp: US + 3, value: 'a|b|c' },
        { timestamp: US + 4, value: 'ratio|0.5' },
      ],
    });
    expect(span.events).toEqual([
      { timeUnixNano: 1_700_000_000_000_001_000n, name: 'cache miss', attributes: {}, droppedAttributesCount: 0 },
      { timeUnixNano: 1_700_000_000_000_002_000n, name: 'retry', attributes: { attempt: 2n, backoff: 0.5, key: 'k', ok: true }, droppedAttributesCount: 1 },
      { timeUnixNano: 1_700_000_000_000_003_000n, name: 'a|b|c', attributes: {}, droppedAttributesCount: 0 },
      { timeUnixNano: 1_700_000_000_000_004_000n, name: 'ratio|0.5', attributes: {}, droppedAttributesCount: 0 },
    ]);
  });
});
