/** splitLogsByTraceId (src/model/otlp/logs-split.ts) and the queue records built on it (src/receivers/log-records.ts). */
import { describe, expect, it } from 'vitest';
import { countLogRecords, type LogRecord, type LogsData, type ResourceLogs } from '../../src/model/logs.js';
import { decodeLogsRequest, encodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import { splitLogsByTraceId } from '../../src/model/otlp/logs-split.js';
import { logRecords } from '../../src/receivers/log-records.js';
import { T1, T2, T3, expectBraidError, namedScope as scope, serviceResource as resource } from './helpers.js';
import { logsRequest, makeLogRecord } from './logs-helpers.js';

const BIG = 64 * 1024 * 1024;

/** Record `n` of trace `traceId` ('' for none), told apart by its body. */
const rec = (traceId: string, n: number): LogRecord => makeLogRecord({ traceId, spanId: traceId === '' ? '' : n.toString(16).padStart(16, '0'), body: `line ${n}` });

const rlA: ResourceLogs = {
  resource: resource('a'), schemaUrl: 'sa',
  scopeLogs: [
    { scope: scope('x'), schemaUrl: 'sx', logRecords: [rec(T1, 1), rec('', 2), rec(T2, 3), rec(T1, 4)] },
    { scope: scope('y'), schemaUrl: '', logRecords: [rec(T2, 5), rec('', 6)] },
    { scope: scope('empty'), schemaUrl: '', logRecords: [] },
  ],
};
const rlB: ResourceLogs = { resource: resource('b'), schemaUrl: '', scopeLogs: [{ scope: scope('z'), schemaUrl: '', logRecords: [rec(T1, 7), rec(T3, 8)] }] };
const data: LogsData = { resourceLogs: [rlA, rlB, { resource: resource('c'), schemaUrl: '', scopeLogs: [] }] };

/** Every log record of `values` with the resource and scope it came with, in order. */
function flatten(values: Buffer[]): unknown[] {
  return values.flatMap((v) => decodeLogsRequest(v).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) =>
    sl.logRecords.map((r) => ({ resource: rl.resource, rlSchema: rl.schemaUrl, scope: sl.scope, slSchema: sl.schemaUrl, r })))));
}

describe('splitLogsByTraceId', () => {
  it('groups records by trace, records of no trace under \'\', keeping resource and scope, in order of first appearance', () => {
    const parts = splitLogsByTraceId(data);
    expect([...parts.keys()]).toEqual([T1, '', T2, T3]);
    expect(parts.get(T1)).toEqual({
      resourceLogs: [
        { resource: resource('a'), schemaUrl: 'sa', scopeLogs: [{ scope: scope('x'), schemaUrl: 'sx', logRecords: [rec(T1, 1), rec(T1, 4)] }] },
        { resource: resource('b'), schemaUrl: '', scopeLogs: [{ scope: scope('z'), schemaUrl: '', logRecords: [rec(T1, 7)] }] },
      ],
    });
    expect(parts.get('')).toEqual({
      resourceLogs: [{
        resource: resource('a'), schemaUrl: 'sa',
        scopeLogs: [{ scope: scope('x'), schemaUrl: 'sx', logRecords: [rec('', 2)] }, { scope: scope('y'), schemaUrl: '', logRecords: [rec('', 6)] }],
      }],
    });
    expect(parts.get(T3)?.resourceLogs).toHaveLength(1);
    let total = 0;
    for (const part of parts.values()) total += countLogRecords(part);
    expect(total).toBe(countLogRecords(data));
  });

  it('shares resources and scopes instead of copying them, and leaves the input alone', () => {
    const before = structuredClone(data);
    const part = splitLogsByTraceId(data).get(T1)!;
    expect(part.resourceLogs[0]?.resource).toBe(rlA.resource);
    expect(part.resourceLogs[0]?.scopeLogs[0]?.scope).toBe(rlA.scopeLogs[0]?.scope);
    expect(data).toEqual(before);
  });

  it('returns an empty map for a request without records', () => {
    expect(splitLogsByTraceId({ resourceLogs: [] }).size).toBe(0);
    expect(splitLogsByTraceId({ resourceLogs: [{ resource: resource('a'), schemaUrl: '', scopeLogs: [{ scope: scope('x'), schemaUrl: '', logRecords: [] }] }] }).size).toBe(0);
  });
});

describe('logRecords', () => {
  it('makes one request per trace keyed by its 16 ID bytes, and one unkeyed request for records of no trace', () => {
    const records = logRecords(data, BIG);
    expect(records.map((r) => r.key?.toString('hex') ?? null)).toEqual([T1, null, T2, T3]);
    for (const r of records) if (r.key !== null) expect(r.key.length).toBe(16);
    const parts = splitLogsByTraceId(data);
    expect(decodeLogsRequest(records[0]!.value)).toEqual(parts.get(T1));
    expect(decodeLogsRequest(records[1]!.value)).toEqual(parts.get(''));
  });

  it('cuts a group bigger than maxBytes by log record, each piece within the limit, losing and reordering nothing', () => {
    const many = (traceId: string) => Array.from({ length: 40 }, (_, i) => rec(traceId, i));
    const input: LogsData = {
      resourceLogs: [
        { resource: resource('a'), schemaUrl: 'sa', scopeLogs: [{ scope: scope('x'), schemaUrl: 'sx', logRecords: [...many(T1), ...many('')] }] },
        { resource: resource('b'), schemaUrl: '', scopeLogs: [{ scope: scope('y'), schemaUrl: '', logRecords: [...many(T1), ...many('')] }] },
      ],
    };
    const parts = splitLogsByTraceId(input);
    const whole = encodeLogsRequest(parts.get(T1)!).length;
    for (const max of [Math.ceil(whole / 2), Math.ceil(whole / 7), 400]) {
      const records = logRecords(input, max);
      for (const r of records) expect(r.value.length).toBeLessThanOrEqual(max);
      const traced = records.filter((r) => r.key !== null);
      const untraced = records.filter((r) => r.key === null);
      expect(traced.length).toBeGreaterThan(1);
      expect(untraced.length).toBeGreaterThan(1);
      for (const r of traced) expect(r.key?.toString('hex')).toBe(T1);
      expect(flatten(traced.map((r) => r.value))).toEqual(flatten([Buffer.from(encodeLogsRequest(parts.get(T1)!))]));
      expect(flatten(untraced.map((r) => r.value))).toEqual(flatten([Buffer.from(encodeLogsRequest(parts.get('')!))]));
    }
  });

  it('throws naming the size when a single record cannot fit', () => {
    const big = makeLogRecord({ body: 'x'.repeat(5000) });
    const size = encodeLogsRequest(logsRequest(big)).length;
    expectBraidError(() => logRecords(logsRequest(makeLogRecord(), big), 4096), 'BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE',
      `one log record encodes to ${size} bytes, more than the largest record the topic takes (4096 bytes, from its max.message.bytes)`);
    expect(logRecords(logsRequest(big), size)).toHaveLength(1);
  });

  it('makes no records for a request without log records', () => {
    expect(logRecords({ resourceLogs: [] }, BIG)).toEqual([]);
  });
});
