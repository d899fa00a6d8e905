import { describe, expect, it } from 'vitest';
import { countLogRecords, type LogsData } from '../../src/model/logs.js';
import { decodeLogsRequest, decodeLogsRequestLenient, encodeLogsRequest, encodeLogsResponse, logsResponseJson } from '../../src/model/otlp/logs-proto.js';
import { WireType } from '../../src/model/protobuf/reader.js';
import { expectBraidError, expectDecodesFromPooledView, expectPartialSuccess, expectTruncationReported, wrapItem } from './helpers.js';
import { logsRequest, makeLogRecord, richLogs } from './logs-helpers.js';

function firstRecord(data: LogsData) {
  return data.resourceLogs[0]?.scopeLogs[0]?.logRecords[0];
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('encodeLogsRequest / decodeLogsRequest', () => {
  it('round-trips a request using every field and AnyValue kind', () => {
    const data = richLogs();
    expect(decodeLogsRequest(encodeLogsRequest(data))).toEqual(data);
  });

  it('decodes every LogRecord field from its logs.proto field number and wire type', () => {
    // Written by hand, not by encodeLogsRequest, so a wrong field number on either side shows.
    const bytes = wrapItem((w) => {
      w.tag(1, WireType.I64); w.fixed64(1_700_000_000_000_000_001n);
      w.tag(2, WireType.VARINT); w.uint32(13);
      w.tag(3, WireType.LEN); w.string('WARN');
      w.tag(5, WireType.LEN);
      const body = w.fork();
      w.tag(1, WireType.LEN); w.string('disk almost full');
      w.ldelim(body);
      w.tag(6, WireType.LEN);
      const kv = w.fork();
      w.tag(1, WireType.LEN); w.string('disk.free');
      w.tag(2, WireType.LEN);
      const v = w.fork();
      w.tag(3, WireType.VARINT); w.int64(512n);
      w.ldelim(v);
      w.ldelim(kv);
      w.tag(7, WireType.VARINT); w.uint32(3);
      w.tag(8, WireType.I32); w.fixed32(0x01);
      w.tag(9, WireType.LEN); w.hexBytes(TRACE.toUpperCase());
      w.tag(10, WireType.LEN); w.hexBytes(SPAN);
      w.tag(11, WireType.I64); w.fixed64(1_700_000_000_000_000_002n);
      w.tag(12, WireType.LEN); w.string('disk.low');
    });
    expect(firstRecord(decodeLogsRequest(bytes))).toEqual({
      timeUnixNano: 1_700_000_000_000_000_001n, observedTimeUnixNano: 1_700_000_000_000_000_002n, severityNumber: 13, severityText: 'WARN',
      body: 'disk almost full', attributes: { 'disk.free': 512n }, droppedAttributesCount: 3, flags: 1, traceId: TRACE, spanId: SPAN, eventName: 'disk.low',
    });
  });

  it('decodes from a view at an offset into a larger buffer, as Buffers from a pool are', () => {
    expectDecodesFromPooledView(encodeLogsRequest, decodeLogsRequest, richLogs());
  });

  it('returns an independent copy each time, though the writer is shared', () => {
    const a = encodeLogsRequest(logsRequest(makeLogRecord({ body: 'a' })));
    const copy = a.slice();
    encodeLogsRequest(logsRequest(makeLogRecord({ body: 'b' })));
    expect(a).toEqual(copy);
  });

  it('omits default-valued fields as proto3 does', () => {
    expect(encodeLogsRequest({ resourceLogs: [] })).toEqual(new Uint8Array(0));
    const empty = makeLogRecord({
      timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText: '', body: null, attributes: {},
      droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '',
    });
    const bytes = encodeLogsRequest({
      resourceLogs: [{
        resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '',
        scopeLogs: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [empty] }],
      }],
    });
    // request(2) + ResourceLogs(2) + ScopeLogs(2) + an empty LogRecord.
    expect(bytes).toEqual(new Uint8Array([0x0a, 0x04, 0x12, 0x02, 0x12, 0x00]));
    expect(decodeLogsRequest(bytes).resourceLogs[0]?.scopeLogs[0]?.logRecords).toEqual([empty]);
  });

  it('keeps an empty-string body apart from no body', () => {
    const decoded = decodeLogsRequest(encodeLogsRequest(logsRequest(makeLogRecord({ body: '' }), makeLogRecord({ body: null }))));
    expect(decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords.map((r) => r.body)).toEqual(['', null]);
  });

  it('skips unknown fields of every wire type, the reserved field 4, and reads fields in any order', () => {
    const bytes = wrapItem((w) => {
      w.tag(12, WireType.LEN); w.string('late');
      w.tag(4, WireType.LEN); w.string('old name field');
      w.tag(100, WireType.VARINT); w.uint64(2n ** 63n);
      w.tag(101, WireType.I64); w.fixed64(1n);
      w.tag(103, WireType.I32); w.fixed32(7);
      w.tag(10, WireType.LEN); w.hexBytes(SPAN);
      w.tag(9, WireType.LEN); w.hexBytes(TRACE);
    });
    const rec = firstRecord(decodeLogsRequest(bytes));
    expect(rec?.eventName).toBe('late');
    expect(rec?.traceId).toBe(TRACE);
    expect(rec?.spanId).toBe(SPAN);
  });

  it('reads all-zero IDs as no trace context, as logs.proto says receivers should', () => {
    const bytes = wrapItem((w) => {
      w.tag(9, WireType.LEN); w.bytes(new Uint8Array(16));
      w.tag(10, WireType.LEN); w.bytes(new Uint8Array(8));
    });
    expect(firstRecord(decodeLogsRequest(bytes))).toMatchObject({ traceId: '', spanId: '' });
    const zeroSpan = decodeLogsRequest(encodeLogsRequest(logsRequest(makeLogRecord({ spanId: '0000000000000000' }))));
    expect(firstRecord(zeroSpan)).toMatchObject({ traceId: TRACE, spanId: '' });
  });

  it('decodes 10k records', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => makeLogRecord({ body: `line ${i}`, traceId: (i + 1).toString(16).padStart(32, '0') }));
    const decoded = decodeLogsRequest(encodeLogsRequest(logsRequest(...records)));
    expect(countLogRecords(decoded)).toBe(10_000);
    expect(decoded.resourceLogs[0]?.scopeLogs[0]?.logRecords[9_999]).toEqual(records[9_999]);
  });

  it('refuses to encode an ID that is not hex', () => {
    expectBraidError(() => encodeLogsRequest(logsRequest(makeLogRecord({ traceId: 'not-a-trace-id' }))), 'BRAID_ERR_OTLP_INVALID', 'cannot encode traceId "not-a-trace-id": not hex');
  });
});

describe('invalid records', () => {
  it('rejects a 17-byte trace ID with the record path', () => {
    const bytes = encodeLogsRequest(logsRequest(makeLogRecord(), makeLogRecord(), makeLogRecord(), makeLogRecord({ traceId: `${TRACE}01` })));
    expectBraidError(() => decodeLogsRequest(bytes), 'BRAID_ERR_OTLP_INVALID', 'resourceLogs[0].scopeLogs[0].logRecords[3].traceId: expected 16 bytes or none, got 17');
  });

  it('rejects wrong-length IDs and a span ID without a trace ID', () => {
    const cases: [Parameters<typeof makeLogRecord>[0], string][] = [
      [{ traceId: TRACE.slice(2) }, 'traceId: expected 16 bytes or none, got 15'],
      [{ traceId: 'aa' }, 'traceId: expected 16 bytes or none, got 1'],
      [{ spanId: `${SPAN}ff` }, 'spanId: expected 8 bytes or none, got 9'],
      [{ traceId: '', spanId: SPAN }, 'spanId: set without a traceId'],
      [{ traceId: '00000000000000000000000000000000', spanId: SPAN }, 'spanId: set without a traceId'],
    ];
    for (const [overrides, message] of cases) {
      const bytes = encodeLogsRequest(logsRequest(makeLogRecord(overrides)));
      expectBraidError(() => decodeLogsRequest(bytes), 'BRAID_ERR_OTLP_INVALID', `resourceLogs[0].scopeLogs[0].logRecords[0].${message}`);
    }
  });

  it('reports truncated data with its offset', () => {
    expectTruncationReported(decodeLogsRequest, encodeLogsRequest(richLogs()), 'ExportLogsServiceRequest');
  });

  it('reports a known field sent with the wrong wire type', () => {
    const idAsVarint = wrapItem((w) => {
      w.tag(9, WireType.VARINT);
      w.uint32(5);
    });
    expectBraidError(() => decodeLogsRequest(idAsVarint), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportLogsServiceRequest: LogRecord.trace_id (field 9) at offset 6: expected wire type 2 (length-delimited), got 0 (varint)');
    const timeAsFixed32 = wrapItem((w) => {
      w.tag(11, WireType.I32);
      w.fixed32(5);
    });
    expectBraidError(() => decodeLogsRequest(timeAsFixed32), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportLogsServiceRequest: LogRecord.observed_time_unix_nano (field 11) at offset 6: expected wire type 1 (fixed64), got 5 (fixed32)');
    expectBraidError(() => decodeLogsRequest(new Uint8Array([0x0b])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportLogsServiceRequest: ExportLogsServiceRequest.resource_logs (field 1) at offset 0: expected wire type 2 (length-delimited), got 3 (group start)');
  });

  it('rejects bodies nested beyond 100 levels', () => {
    let deep: ReturnType<typeof makeLogRecord>['body'] = 'leaf';
    for (let i = 0; i < 120; i++) deep = [deep];
    const bytes = encodeLogsRequest(logsRequest(makeLogRecord({ body: deep })));
    expect(() => decodeLogsRequest(bytes)).toThrow(/^malformed ExportLogsServiceRequest: AnyValue nested deeper than 100 levels at offset \d+$/);
  });
});

describe('decodeLogsRequestLenient', () => {
  it('drops only the invalid records and says why', () => {
    const good = [0, 1, 2, 4].map((i) => makeLogRecord({ body: `good ${i}` }));
    const data: LogsData = {
      resourceLogs: [
        logsRequest(good[0]!, good[1]!, good[2]!, makeLogRecord({ traceId: `${TRACE}ff` }), good[3]!).resourceLogs[0]!,
        logsRequest(makeLogRecord({ traceId: '', spanId: SPAN })).resourceLogs[0]!,
      ],
    };
    const result = decodeLogsRequestLenient(encodeLogsRequest(data));
    expect(result.rejected).toBe(2);
    expect(result.errors).toEqual([
      'resourceLogs[0].scopeLogs[0].logRecords[3].traceId: expected 16 bytes or none, got 17',
      'resourceLogs[1].scopeLogs[0].logRecords[0].spanId: set without a traceId',
    ]);
    expect(result.data.resourceLogs[0]?.scopeLogs[0]?.logRecords).toEqual(good);
    expect(result.data.resourceLogs[1]?.scopeLogs[0]?.logRecords).toEqual([]);
    expect(result.data.resourceLogs[0]?.resource).toEqual(data.resourceLogs[0]?.resource);
  });

  it('rejects nothing in a valid request', () => {
    const data = richLogs();
    expect(decodeLogsRequestLenient(encodeLogsRequest(data))).toEqual({ data, rejected: 0, errors: [] });
  });

  it('still throws on wire corruption', () => {
    expectBraidError(() => decodeLogsRequestLenient(new Uint8Array([0x0a, 0x05])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportLogsServiceRequest: length 5 at offset 1 exceeds the 0 bytes remaining');
  });
});

describe('responses', () => {
  it('encodes full success as an empty message', () => {
    expect(encodeLogsResponse()).toEqual(new Uint8Array(0));
    expect(logsResponseJson()).toEqual({});
  });

  it('encodes partial success as ExportLogsPartialSuccess', () => {
    expectPartialSuccess(encodeLogsResponse({ rejectedLogRecords: 3, errorMessage: '3 log records rejected: ✗' }), 3n, '3 log records rejected: ✗');
    expect(logsResponseJson({ rejectedLogRecords: 3, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'why' } });
  });
});
