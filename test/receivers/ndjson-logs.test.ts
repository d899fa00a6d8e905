import { describe, expect, it } from 'vitest';
import { countLogRecords, type LogRecord, type LogsData } from '../../src/model/logs.js';
import type { AnyValue } from '../../src/model/trace.js';
import { parseNdjsonLogs } from '../../src/receivers/ndjson/parse.js';

const RECEIVED = 1_800_000_000_111_222_333n;
const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
/** 2023-11-14T22:13:20Z. */
const T0 = 1_700_000_000_000_000_000n;

/** The only record of a line that must parse. */
function one(line: string): LogRecord {
  const result = parseNdjsonLogs(line, RECEIVED);
  expect(result.errors).toEqual([]);
  expect(result.accepted).toBe(1);
  return result.data.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
}

/** The reason a single line is rejected. */
function reason(line: string): string {
  const result = parseNdjsonLogs(line, RECEIVED);
  expect(result.accepted).toBe(0);
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]!.line).toBe(1);
  return result.errors[0]!.reason;
}

/** A record with every field at its default, overridden by `fields`. */
function record(fields: Partial<LogRecord>): LogRecord {
  return {
    timeUnixNano: 0n,
    observedTimeUnixNano: RECEIVED,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    ...fields,
  };
}

/** The logs data of records grouped under services, in order. */
function logs(...groups: [string, LogRecord[]][]): LogsData {
  return {
    resourceLogs: groups.map(([service, logRecords]) => ({
      resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 },
      schemaUrl: '',
      scopeLogs: [{ scope: { name: 'braid.ndjson', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords }],
    })),
  };
}

describe('parseNdjsonLogs: lines', () => {
  it('skips blank lines, a trailing newline and CRLF line ends, counting every line', () => {
    const result = parseNdjsonLogs('\n{"msg":"a"}\r\n\r\n   \t\n{"msg":"b"}\r\n{"msg":"c"}\n\n', RECEIVED);
    expect(result.errors).toEqual([]);
    expect(result.accepted).toBe(3);
    expect(result.data.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.body)).toEqual(['a', 'b', 'c']);
  });

  it('takes an empty body and a body of blank lines as no records', () => {
    expect(parseNdjsonLogs('', RECEIVED)).toStrictEqual({ data: { resourceLogs: [] }, accepted: 0, errors: [] });
    expect(parseNdjsonLogs('\n\r\n \n', RECEIVED)).toStrictEqual({ data: { resourceLogs: [] }, accepted: 0, errors: [] });
  });

  it('reports each bad line with its number and keeps the good lines around it', () => {
    const text = [
      '{"msg":"one"}',
      '',
      '{"msg":"two"',
      '[1,2]',
      '{"msg":"three","trace_id":"zz"}',
      '"just a string"',
      '{"msg":"four"}\r',
      '   ',
      '{"msg":"five","time":"soon"}',
      '{"msg":"six"}',
    ].join('\n');
    const result = parseNdjsonLogs(text, RECEIVED);
    expect(result.errors).toEqual([
      { line: 3, reason: `not valid JSON: expected ',' or '}', found the end of the line at column 13` },
      { line: 4, reason: 'expected a JSON object, got an array' },
      { line: 5, reason: 'trace_id: expected 32 hex characters, got 2 characters: "zz"' },
      { line: 6, reason: 'expected a JSON object, got a string' },
      { line: 9, reason: 'time: not an RFC 3339 timestamp or epoch number: "soon"' },
    ]);
    expect(result.accepted).toBe(3);
    expect(countLogRecords(result.data)).toBe(3);
    expect(result.data.resourceLogs[0]!.scopeLogs[0]!.logRecords.map((r) => r.body)).toEqual(['one', 'four', 'six']);
  });

  it.each([
    ['null', 'expected a JSON object, got null'],
    ['42', 'expected a JSON object, got a number'],
    ['true', 'expected a JSON object, got a boolean'],
    ['not json', 'not valid JSON: expected a JSON value, found "n" at column 1'],
    ['{"a":1}x', 'not valid JSON: expected end of line after the JSON value, found "x" at column 8'],
    ['{"a":1}{"b":2}', 'not valid JSON: expected end of line after the JSON value, found "{" at column 8'],
    ['{"a":1,}', 'not valid JSON: expected a string key, found "}" at column 8'],
    ['{"a"}', `not valid JSON: expected ':', found "}" at column 5`],
    ['{"a":"abc', 'not valid JSON: unterminated string at column 6'],
    ['{"a":"tab\there"}', 'not valid JSON: control character in a string (it must be escaped) at column 10'],
    ['{"a":"\\x"}', 'not valid JSON: invalid escape in a string at column 7'],
    ['{"a":01}', `not valid JSON: expected ',' or '}', found "1" at column 7`],
    ['{"a":1.}', 'not valid JSON: expected a digit, found "}" at column 8'],
    ['{"a":[1 2]}', `not valid JSON: expected ',' or ']', found "2" at column 9`],
  ])('rejects %s: %s', (line, expected) => {
    expect(reason(line)).toBe(expected);
  });

  it('rejects nesting deeper than 64 levels, naming the column', () => {
    const line = `{"a":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(reason(line)).toBe('not valid JSON: nested deeper than 64 levels at column 69');
    expect(one(`{"a":${'['.repeat(63)}${']'.repeat(63)}}`).attributes.a).toBeInstanceOf(Array);
  });

  it('skips a byte order mark before the first line', () => {
    expect(one('\uFEFF{"msg":"a"}').body).toBe('a');
  });
});

describe('parseNdjsonLogs: JSON as JSON.parse reads it', () => {
  /** An AnyValue as JSON.parse would give it: integers as numbers. */
  const plain = (v: AnyValue): unknown =>
    typeof v === 'bigint' ? Number(v) : Array.isArray(v) ? v.map(plain) : v !== null && typeof v === 'object' && !(v instanceof Uint8Array) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v;

  it.each([
    '{}',
    '{"a":[],"b":{},"":""}',
    ' \t{ "a" : [ 1 , -2.5e+3 , true , false , null , "x" ] , "b" : { "c" : [ [ ] ] } } \t',
    '{"a":"\\u00e9\\ud83d\\ude00\\"\\\\\\/\\b\\f\\n\\r\\t","b":"é😀"}',
    '{"a":"\\ud800 lone surrogate"}',
    '{"a":0,"c":1E2,"d":1e-2,"e":-0.5,"f":123456789012345,"g":-0.0}',
    '{"a":1,"a":2}',
  ])('accepts %s with the values JSON.parse gives', (line) => {
    expect(plain(one(line).attributes)).toStrictEqual(JSON.parse(line));
  });

  it.each([
    '{', '{"a":}', '{,}', "{'a':1}", '{a:1}', '{"a":.5}', '{"a":+1}', '{"a":-}', '{"a":1e}', '{"a":tru}', '{"a":True}',
    '{"a":NaN}', '{"a":"\\u12"}', '{"a":[1,]}', '{"a":1 "b":2}', '{"a":"\\u12g4"}',
  ])('rejects %s as JSON.parse does', (line) => {
    expect(() => JSON.parse(line)).toThrow(SyntaxError);
    expect(reason(line)).toMatch(/^not valid JSON: .* at column \d+$/);
  });
});

describe('parseNdjsonLogs: timestamps', () => {
  const time = (v: string) => one(`{"msg":"m","time":${v}}`).timeUnixNano;

  it.each([
    ['"2023-11-14T22:13:20Z"', T0],
    ['"2023-11-14T22:13:20.123456789Z"', T0 + 123_456_789n],
    ['"2023-11-14T22:13:20.1234567891Z"', T0 + 123_456_789n],
    ['"2023-11-14T22:13:20.5Z"', T0 + 500_000_000n],
    ['"2023-11-14T22:13:20,25Z"', T0 + 250_000_000n],
    ['"2023-11-14T23:13:20.000001+01:00"', T0 + 1_000n],
    ['"2023-11-14T16:43:20-0530"', T0],
    ['"2023-11-15T00:13:20+02"', T0],
    ['"2023-11-14t22:13:20z"', T0],
    ['"2023-11-14 22:13:20.123"', T0 + 123_000_000n],
    ['"2024-02-29T00:00:00Z"', BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n],
    ['"1970-01-01T00:00:00Z"', 0n],
  ])('reads RFC 3339 %s exactly', (v, expected) => {
    expect(time(v)).toBe(expected);
  });

  it.each([
    ['1700000000', T0, 'seconds'],
    ['1700000000.123', T0 + 123_000_000n, 'seconds with a fraction'],
    ['1700000000.123456789', T0 + 123_456_789n, 'seconds to the nanosecond'],
    ['1700000000123', T0 + 123_000_000n, 'milliseconds'],
    ['1700000000123.456', T0 + 123_456_000n, 'milliseconds with a fraction'],
    ['1700000000123456', T0 + 123_456_000n, 'microseconds'],
    ['1700000000123456789', T0 + 123_456_789n, 'nanoseconds, beyond 2^53'],
    ['"1700000000123"', T0 + 123_000_000n, 'a numeric string'],
    ['"1700000000.5"', T0 + 500_000_000n, 'a numeric string with a fraction'],
    ['1.7e9', T0, 'an exponent'],
    ['1.700000000123E12', T0 + 123_000_000n, 'an exponent in milliseconds'],
    ['0', 0n, 'zero'],
  ])('reads epoch %s as %s', (v, expected) => {
    expect(time(v)).toBe(expected);
  });

  it.each([
    ['10000000000', 10_000_000_000_000_000_000n, '11 digits: seconds'],
    ['100000000000', 100_000_000_000_000_000n, '12 digits: milliseconds'],
    ['100000000000000', 100_000_000_000_000_000n, '15 digits: microseconds'],
    ['100000000000000000', 100_000_000_000_000_000n, '18 digits: nanoseconds'],
  ])('tells the unit of %s by its magnitude, %s', (v, expected) => {
    expect(time(v)).toBe(expected);
  });

  it.each([
    ['20000000000', '11 digits: seconds past 2554'],
    ['99999999999999', '14 digits: milliseconds past 2554'],
    ['99999999999999999', '17 digits: microseconds past 2554'],
    ['18446744073709551616', 'nanoseconds past uint64'],
  ])('rejects %s as out of range (%s)', (v) => {
    expect(reason(`{"time":${v}}`)).toBe(`time: ${v} is out of range (1970 to 2554)`);
  });

  it('takes the first of @timestamp, timestamp, time, ts and keeps the others as attributes', () => {
    const r = one('{"ts":1,"time":2,"timestamp":3,"@timestamp":"2023-11-14T22:13:20Z"}');
    expect(r.timeUnixNano).toBe(T0);
    expect(r.attributes).toStrictEqual({ ts: 1n, time: 2n, timestamp: 3n });
    expect(one('{"ts":1700000000,"time":null}').timeUnixNano).toBe(T0);
    expect(one('{"ts":1700000000,"time":null}').attributes).toStrictEqual({ time: null });
  });

  it('is 0 without a timestamp; the observed time is always the receive time', () => {
    const r = one('{"msg":"m"}');
    expect(r.timeUnixNano).toBe(0n);
    expect(r.observedTimeUnixNano).toBe(RECEIVED);
    expect(one('{"ts":1700000000}').observedTimeUnixNano).toBe(RECEIVED);
  });

  it.each([
    ['{"time":"yesterday"}', 'time: not an RFC 3339 timestamp or epoch number: "yesterday"'],
    ['{"ts":""}', 'ts: not an RFC 3339 timestamp or epoch number: ""'],
    ['{"@timestamp":"2023-02-29T00:00:00Z"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "2023-02-29T00:00:00Z"'],
    ['{"@timestamp":"2023-11-14T24:00:00Z"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "2023-11-14T24:00:00Z"'],
    ['{"@timestamp":"2023-11-14T22:13:20+01:"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "2023-11-14T22:13:20+01:"'],
    ['{"@timestamp":"2023-11-14T22:13:20.Z"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "2023-11-14T22:13:20.Z"'],
    ['{"@timestamp":"2023-11-14"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "2023-11-14"'],
    ['{"@timestamp":"20x3-11-14T22:13:20Z"}', '@timestamp: not an RFC 3339 timestamp or epoch number: "20x3-11-14T22:13:20Z"'],
    ['{"timestamp":"1700000000x"}', 'timestamp: not an RFC 3339 timestamp or epoch number: "1700000000x"'],
    ['{"time":true}', 'time: expected an RFC 3339 string or an epoch number, got true'],
    ['{"time":{"seconds":1}}', 'time: expected an RFC 3339 string or an epoch number, got an object'],
    ['{"time":-1}', 'time: -1 is out of range (1970 to 2554)'],
    ['{"time":"1969-12-31T23:59:59Z"}', 'time: "1969-12-31T23:59:59Z" is out of range (1970 to 2554)'],
  ])('rejects %s', (line, expected) => {
    expect(reason(line)).toBe(expected);
  });
});

describe('parseNdjsonLogs: severity', () => {
  const severity = (level: string) => {
    const r = one(`{"level":${level}}`);
    return [r.severityText, r.severityNumber];
  };

  it.each([
    ['trace', 1], ['DEBUG', 5], ['Info', 9], ['information', 9], ['notice', 10], ['warn', 13], ['WARNING', 13],
    ['error', 17], ['err', 17], ['crit', 18], ['Critical', 18], ['dpanic', 18], ['alert', 19], ['panic', 19],
    ['fatal', 21], ['emerg', 21], ['EMERGENCY', 21], ['INFO2', 10], ['error3', 19], ['fine', 6], ['verbose', 5], ['bogus', 0],
  ])('maps the level name %s to %d, keeping the text as given', (text, number) => {
    expect(severity(JSON.stringify(text))).toEqual([text, number]);
  });

  it.each([
    ['10', 'trace', 1], ['20', 'debug', 5], ['30', 'info', 9], ['40', 'warn', 13], ['50', 'error', 17], ['60', 'fatal', 21],
    ['35', '35', 9], ['100', '100', 21],
    ['0', 'emerg', 21], ['1', 'alert', 19], ['2', 'crit', 18], ['3', 'err', 17], ['4', 'warning', 13], ['5', 'notice', 10], ['6', 'info', 9], ['7', 'debug', 5],
    ['8', '8', 0], ['-1', '-1', 0], ['30.5', '30.5', 0],
  ])('maps the numeric level %s to %s / %d (pino from 10, syslog 0-7)', (level, text, number) => {
    expect(severity(level)).toEqual([text, number]);
  });

  it('takes the first of level, severity, log.level, log: {level}', () => {
    const r = one('{"log":{"level":"debug"},"log.level":"warn","severity":"ERROR","level":"info"}');
    expect([r.severityText, r.severityNumber]).toEqual(['info', 9]);
    expect(r.attributes).toStrictEqual({ log: { level: 'debug' }, 'log.level': 'warn', severity: 'ERROR' });
    const s = one('{"log":{"level":"debug"},"severity":"ERROR"}');
    expect([s.severityText, s.severityNumber]).toEqual(['ERROR', 17]);
    const n = one('{"log":{"level":"debug","logger":"db"},"log.level":"warn"}');
    expect([n.severityText, n.severityNumber]).toEqual(['warn', 13]);
    const nested = one('{"log":{"level":"debug","logger":"db"}}');
    expect([nested.severityText, nested.severityNumber]).toEqual(['debug', 5]);
    expect(nested.attributes).toStrictEqual({ log: { logger: 'db' } });
  });

  it('leaves the severity unspecified without a level, and rejects a level of the wrong type', () => {
    const r = one('{"msg":"m"}');
    expect([r.severityText, r.severityNumber]).toEqual(['', 0]);
    expect(reason('{"level":true}')).toBe('level: expected a level name or number, got true');
    expect(reason('{"log":{"level":["x"]}}')).toBe('log.level: expected a level name or number, got an array');
  });
});

describe('parseNdjsonLogs: body', () => {
  it('takes message, then msg, as the body', () => {
    expect(one('{"msg":"b","message":"a"}')).toMatchObject({ body: 'a', attributes: { msg: 'b' } });
    expect(one('{"msg":"b"}')).toMatchObject({ body: 'b', attributes: {} });
  });

  it('keeps a message that is not a string with its JSON type', () => {
    expect(one('{"message":{"code":7}}').body).toStrictEqual({ code: 7n });
    expect(one('{"message":42}').body).toBe(42n);
  });

  it('takes a string event (structlog) when there is no message, and leaves an ECS event object', () => {
    expect(one('{"event":"login","user":"ann"}')).toMatchObject({ body: 'login', attributes: { user: 'ann' } });
    expect(one('{"event":"login","msg":"m"}')).toMatchObject({ body: 'm', attributes: { event: 'login' } });
    expect(one('{"event":{"dataset":"a"},"message":"m"}')).toMatchObject({ body: 'm', attributes: { event: { dataset: 'a' } } });
  });

  it('uses the whole line, trimmed, when there is no message', () => {
    const r = one('  {"action":"login","user":"ann","event":{"kind":"x"}} \r');
    expect(r.body).toBe('{"action":"login","user":"ann","event":{"kind":"x"}}');
    expect(r.attributes).toStrictEqual({ action: 'login', user: 'ann', event: { kind: 'x' } });
  });
});

describe('parseNdjsonLogs: trace context', () => {
  it.each([
    ['{"trace_id":"%T","span_id":"%S"}'],
    ['{"traceId":"%T","spanId":"%S"}'],
    ['{"trace.id":"%T","span.id":"%S"}'],
    ['{"trace":{"id":"%T"},"span":{"id":"%S"}}'],
  ])('reads %s', (template) => {
    const r = one(template.replace('%T', TRACE).replace('%S', SPAN));
    expect([r.traceId, r.spanId, r.flags]).toEqual([TRACE, SPAN, 0]);
    expect(r.attributes).toStrictEqual({});
  });

  it('lowercases uppercase hex', () => {
    const r = one(`{"trace_id":"${TRACE.toUpperCase()}","span_id":"EEE19b7eC3C1B174"}`);
    expect([r.traceId, r.spanId]).toEqual([TRACE, SPAN]);
  });

  it('takes all-zero and empty IDs as absent', () => {
    const r = one(`{"trace_id":"${'0'.repeat(32)}","span_id":""}`);
    expect([r.traceId, r.spanId]).toEqual(['', '']);
    expect(r.attributes).toStrictEqual({});
  });

  it.each([
    [`{"trace_id":"${TRACE}00"}`, `trace_id: expected 32 hex characters, got 34 characters: "${TRACE}00"`],
    [`{"trace.id":"${TRACE.slice(0, 31)}g"}`, `trace.id: expected 32 hex characters, got "${TRACE.slice(0, 31)}g"`],
    [`{"traceId":12345}`, 'traceId: expected 32 hex characters, got 12345'],
    [`{"trace":{"id":"${TRACE.slice(0, 16)}"}}`, `trace.id: expected 32 hex characters, got 16 characters: "${TRACE.slice(0, 16)}"`],
    [`{"span_id":"${SPAN}0"}`, `span_id: expected 16 hex characters, got 17 characters: "${SPAN}0"`],
    [`{"span":{"id":"xyz"}}`, 'span.id: expected 16 hex characters, got 3 characters: "xyz"'],
  ])('rejects a malformed ID: %s', (line, expected) => {
    expect(reason(line)).toBe(expected);
  });

  it('reads a W3C traceparent into the IDs and flags, in any case', () => {
    const r = one(`{"traceparent":"00-${TRACE}-${SPAN}-01"}`);
    expect([r.traceId, r.spanId, r.flags]).toEqual([TRACE, SPAN, 1]);
    expect(r.attributes).toStrictEqual({});
    const upper = one(`{"traceparent":"00-${TRACE.toUpperCase()}-${SPAN.toUpperCase()}-0A"}`);
    expect([upper.traceId, upper.spanId, upper.flags]).toEqual([TRACE, SPAN, 10]);
    const future = one(`{"traceparent":"01-${TRACE}-${SPAN}-00-extra"}`);
    expect([future.traceId, future.spanId, future.flags]).toEqual([TRACE, SPAN, 0]);
  });

  it('prefers explicit ID fields to the traceparent, whose flags still apply', () => {
    const other = 'a'.repeat(32);
    const r = one(`{"trace_id":"${other}","traceparent":"00-${TRACE}-${SPAN}-01"}`);
    expect([r.traceId, r.spanId, r.flags]).toEqual([other, SPAN, 1]);
  });

  it('ignores a traceparent with an all-zero ID, as W3C says', () => {
    const r = one(`{"traceparent":"00-${'0'.repeat(32)}-${SPAN}-01"}`);
    expect([r.traceId, r.spanId, r.flags]).toEqual(['', '', 0]);
  });

  it.each([
    `00-${TRACE}-${SPAN}`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `ff-${TRACE}-${SPAN}-01`,
    `00_${TRACE}-${SPAN}-01`,
    `00-${TRACE.slice(1)}x-${SPAN}-01`,
    `00-${TRACE}-${SPAN}-0g`,
  ])('rejects the traceparent %s', (tp) => {
    expect(reason(`{"traceparent":"${tp}"}`)).toBe(`traceparent: expected 00-<32 hex>-<16 hex>-<2 hex>, got "${tp}"`);
  });
});

describe('parseNdjsonLogs: service and grouping', () => {
  it('groups records into one ResourceLogs per service, in order of first appearance', () => {
    const text = [
      '{"msg":"1","service.name":"api"}',
      '{"msg":"2","service":"db"}',
      '{"msg":"3"}',
      '{"msg":"4","service":{"name":"api","version":"1.2.0"}}',
      '{"msg":"5","service.name":""}',
    ].join('\n');
    const result = parseNdjsonLogs(text, RECEIVED);
    expect(result.errors).toEqual([]);
    expect(result.data).toStrictEqual(
      logs(
        ['api', [record({ body: '1' }), record({ body: '4', attributes: { service: { version: '1.2.0' } } })]],
        ['db', [record({ body: '2' })]],
        ['unknown_service', [record({ body: '3' }), record({ body: '5' })]],
      ),
    );
  });

  it('prefers service.name to service, and leaves a service of another type as an attribute', () => {
    expect(parseNdjsonLogs('{"service.name":"a","service":"b"}', RECEIVED).data.resourceLogs[0]!.resource.attributes).toStrictEqual({ 'service.name': 'a' });
    const r = parseNdjsonLogs('{"msg":"m","service":7}', RECEIVED);
    expect(r.data.resourceLogs[0]!.resource.attributes).toStrictEqual({ 'service.name': 'unknown_service' });
    expect(r.data.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!.attributes).toStrictEqual({ service: 7n });
  });

  it('rejects a service name that is not a string', () => {
    expect(reason('{"service.name":5}')).toBe('service.name: expected a string, got 5');
    expect(reason('{"service":{"name":{}}}')).toBe('service.name: expected a string, got an object');
  });
});

describe('parseNdjsonLogs: attributes', () => {
  it('keeps every other field with its JSON type', () => {
    const r = one(
      '{"msg":"m","s":"x","t":true,"f":false,"i":42,"neg":-7,"d":1.5,"one":1.0,"e":1e2,"z":null,"arr":[1,"a",[true]],"obj":{"a":{"b":2}},"http.method":"GET"}',
    );
    expect(r.attributes).toStrictEqual({
      s: 'x', t: true, f: false, i: 42n, neg: -7n, d: 1.5, one: 1, e: 100, z: null,
      arr: [1n, 'a', [true]], obj: { a: { b: 2n } }, 'http.method': 'GET',
    });
  });

  it('keeps integers exactly within int64 and as doubles past it', () => {
    const r = one('{"a":9007199254740993,"b":9223372036854775807,"c":-9223372036854775808,"d":9223372036854775808}');
    expect(r.attributes).toStrictEqual({ a: 9007199254740993n, b: 9223372036854775807n, c: -9223372036854775808n, d: 9223372036854775808 });
    expect(one('{"z":-0}').attributes).toStrictEqual({ z: 0n });
  });

  it('keeps a __proto__ key as a plain attribute', () => {
    const r = one('{"__proto__":{"x":1}}');
    expect(Object.keys(r.attributes)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(r.attributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(r.attributes, '__proto__')?.value).toStrictEqual({ x: 1n });
  });
});

describe('parseNdjsonLogs: real loggers', () => {
  it('maps a pino line', () => {
    const result = parseNdjsonLogs('{"level":30,"time":1700000000123,"msg":"hi","pid":1}\n', RECEIVED);
    expect(result).toStrictEqual({
      data: logs(['unknown_service', [record({ timeUnixNano: T0 + 123_000_000n, severityNumber: 9, severityText: 'info', body: 'hi', attributes: { pid: 1n } })]]),
      accepted: 1,
      errors: [],
    });
  });

  it('maps an ECS line with dotted keys', () => {
    const line = `{"@timestamp":"2023-11-14T22:13:20.123456789Z","log.level":"error","message":"x","trace.id":"${TRACE}","span.id":"${SPAN}","service.name":"api","ecs.version":"8.11.0","event.dataset":"api.log"}`;
    expect(parseNdjsonLogs(line, RECEIVED).data).toStrictEqual(
      logs([
        'api',
        [record({ timeUnixNano: T0 + 123_456_789n, severityNumber: 17, severityText: 'error', body: 'x', traceId: TRACE, spanId: SPAN, attributes: { 'ecs.version': '8.11.0', 'event.dataset': 'api.log' } })],
      ]),
    );
  });

  it('maps an ECS line with nested objects, keeping what is not recognised', () => {
    const line = `{"@timestamp":"2023-11-14T22:13:20.5Z","log":{"level":"warn","logger":"http"},"message":"slow","trace":{"id":"${TRACE}"},"span":{"id":"${SPAN}"},"service":{"name":"api","version":"1.2.0"},"http":{"response":{"status_code":503}},"labels":{"env":"prod"}}`;
    expect(parseNdjsonLogs(line, RECEIVED).data).toStrictEqual(
      logs([
        'api',
        [
          record({
            timeUnixNano: T0 + 500_000_000n,
            severityNumber: 13,
            severityText: 'warn',
            body: 'slow',
            traceId: TRACE,
            spanId: SPAN,
            attributes: { log: { logger: 'http' }, service: { version: '1.2.0' }, http: { response: { status_code: 503n } }, labels: { env: 'prod' } },
          }),
        ],
      ]),
    );
  });

  it('maps zap, logrus and structlog lines', () => {
    const zap = one('{"level":"info","ts":1700000000.123456,"caller":"main.go:12","msg":"started","port":8080}');
    expect(zap).toStrictEqual(record({ timeUnixNano: T0 + 123_456_000n, severityNumber: 9, severityText: 'info', body: 'started', attributes: { caller: 'main.go:12', port: 8080n } }));
    const logrus = one('{"level":"warning","msg":"disk low","time":"2023-11-14T23:13:20+01:00","free_mb":512}');
    expect(logrus).toStrictEqual(record({ timeUnixNano: T0, severityNumber: 13, severityText: 'warning', body: 'disk low', attributes: { free_mb: 512n } }));
    const structlog = one('{"event":"user logged in","level":"info","timestamp":"2023-11-14T22:13:20.000001Z","user_id":7}');
    expect(structlog).toStrictEqual(
      record({
        timeUnixNano: T0 + 1_000n,
        severityNumber: 9,
        severityText: 'info',
        body: 'user logged in',
        attributes: { user_id: 7n },
      }),
    );
  });
});
