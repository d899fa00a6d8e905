/**
 * OTLP/protobuf decoders under fuzz: traces (the full decoders and the wire-level split), logs and
 * metrics. Valid requests come from the real @opentelemetry/otlp-transformer serializers and must
 * decode to what was encoded; random, mutated and hostile bytes must decode or be refused with a
 * 4xx BraidError, fast, without growing memory.
 */
import { JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countLogRecords } from '../../src/model/logs.js';
import { parseLogsRequestJson } from '../../src/model/otlp/logs-json.js';
import { decodeLogsRequest, decodeLogsRequestLenient } from '../../src/model/otlp/logs-proto.js';
import { splitLogsByTraceId } from '../../src/model/otlp/logs-split.js';
import { parseMetricsRequestJson } from '../../src/model/otlp/metrics-json.js';
import { decodeMetricsRequest, decodeMetricsRequestLenient } from '../../src/model/otlp/metrics-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { decodeTraceRequest, decodeTraceRequestLenient } from '../../src/model/otlp/trace-proto.js';
import { splitTraceRequestWire } from '../../src/model/otlp/trace-wire.js';
import { countSpans, type Span, type TracesData } from '../../src/model/trace.js';
import { encodeRandomMessage, lengthPrefix, mutated, nestedMessages, randomMessage } from './arbitraries.js';
import { counter, decodeOnce, gc, memoryGrowth, params, refuseQuietly, runs, timeoutFor } from './harness.js';
import { logs, metrics, spans } from './otel-inputs.js';

const allSpans = (data: TracesData): Span[] => data.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
const json = (bytes: Uint8Array | undefined): unknown => JSON.parse(new TextDecoder().decode(bytes));

const traceBytes = spans.map((s) => ProtobufTraceSerializer.serializeRequest(s.readable)!);
const logBytes = logs.map((l) => ProtobufLogsSerializer.serializeRequest(l.readable)!);
const metricBytes = metrics.map((m) => ProtobufMetricsSerializer.serializeRequest(m.sdk)!);

/** Any bytes: random, random protobuf messages, and mutations of valid requests of all three signals. */
const hostileBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  randomMessage().map(encodeRandomMessage),
  mutated(fc.oneof(traceBytes, logBytes, metricBytes)),
  mutated(randomMessage().map(encodeRandomMessage)),
);

const traces = counter('otlp/protobuf traces (decode, lenient, wire split)');
const logsCount = counter('otlp/protobuf logs (decode, lenient, split)');
const metricsCount = counter('otlp/protobuf metrics (decode, lenient)');

describe('OTLP/protobuf traces', () => {
  it('decode to the spans the real serializer encoded, and the JSON serializer\'s output parses to the same', () => {
    const n = runs(300);
    fc.assert(fc.property(spans, ({ readable, expected }) => {
      const bytes = ProtobufTraceSerializer.serializeRequest(readable)!;
      const decoded = decodeOnce(traces, 'decodeTraceRequest', () => decodeTraceRequest(bytes));
      expect(decoded.outcome).toBe('decoded');
      const got = allSpans(decoded.value!);
      expect(got).toHaveLength(expected.length);
      // Span IDs may repeat across generated spans: compare in request order within each scope.
      expect([...got].sort(bySpan)).toEqual([...expected].sort(bySpan));
      expect(parseTraceRequestJson(json(JsonTraceSerializer.serializeRequest(readable)))).toEqual(decoded.value);
    }), params(n));
  }, timeoutFor(runs(300), 5));

  it('split on the wire into records that decode to the same spans, each keyed by its trace ID and within the size asked', () => {
    const n = runs(300);
    fc.assert(fc.property(spans, fc.integer({ min: 64, max: 4096 }), ({ readable, expected }, maxBytes) => {
      const bytes = ProtobufTraceSerializer.serializeRequest(readable)!;
      const result = decodeOnce(traces, 'splitTraceRequestWire', () => splitTraceRequestWire(bytes, maxBytes), ['BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE']);
      // Refused only when one span alone is larger than a record may be.
      if (result.outcome === 'refused') {
        expect(bytes.length).toBeGreaterThan(maxBytes);
        return;
      }
      const split = result.value!;
      expect(split.spans).toBe(expected.length);
      expect(split.rejected).toBe(0);
      const fromRecords: Span[] = [];
      for (const r of split.records) {
        const part = allSpans(decodeTraceRequest(r.value));
        expect(part.length).toBeGreaterThan(0);
        for (const s of part) expect(s.traceId).toBe(r.key.toString('hex'));
        // A record holds more than its limit only when it is a single span too big for any record.
        if (r.value.length > maxBytes) expect(part).toHaveLength(1);
        fromRecords.push(...part);
      }
      expect(fromRecords.sort(bySpan)).toEqual([...expected].sort(bySpan));
    }), params(n));
  }, timeoutFor(runs(300), 5));

  it('random, mutated and hostile bytes: decoded or refused with a 4xx, the wire split and the lenient decoder agreeing', () => {
    const n = runs(3000);
    fc.assert(fc.property(hostileBytes, (bytes) => {
      const strict = decodeOnce(traces, 'decodeTraceRequest', () => decodeTraceRequest(bytes));
      const lenient = decodeOnce(traces, 'decodeTraceRequestLenient', () => decodeTraceRequestLenient(bytes));
      const wire = decodeOnce(traces, 'splitTraceRequestWire', () => splitTraceRequestWire(bytes, 1 << 20));
      // Wire corruption is found by both paths alike; data problems only reject spans.
      expect(wire.outcome).toBe(lenient.outcome);
      if (lenient.value && wire.value) {
        expect(wire.value.spans).toBe(countSpans(lenient.value.data));
        expect(wire.value.rejected).toBe(lenient.value.rejected);
        expect(wire.value.errors).toEqual(lenient.value.errors);
        const fromRecords = wire.value.records.flatMap((r) => allSpans(decodeTraceRequest(r.value)).map((s) => s.spanId)).sort();
        expect(fromRecords).toEqual(allSpans(lenient.value.data).map((s) => s.spanId).sort());
      }
      if (strict.outcome === 'decoded') expect(lenient.value?.rejected).toBe(0);
    }), params(n));
  }, timeoutFor(runs(3000), 2));
});

describe('OTLP/protobuf logs', () => {
  it('decode to the records the real serializer encoded, and the JSON serializer\'s output parses to the same', () => {
    const n = runs(300);
    fc.assert(fc.property(logs, ({ readable, expected }) => {
      const decoded = decodeOnce(logsCount, 'decodeLogsRequest', () => decodeLogsRequest(ProtobufLogsSerializer.serializeRequest(readable)!));
      expect(decoded.outcome).toBe('decoded');
      const got = decoded.value!.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords));
      expect(got).toEqual(expected);
      expect(parseLogsRequestJson(json(JsonLogsSerializer.serializeRequest(readable)))).toEqual(decoded.value);
    }), params(n));
  }, timeoutFor(runs(300), 5));

  it('random, mutated and hostile bytes: decoded or refused with a 4xx; what decodes splits by trace ID without losing a record', () => {
    const n = runs(2000);
    fc.assert(fc.property(hostileBytes, (bytes) => {
      decodeOnce(logsCount, 'decodeLogsRequest', () => decodeLogsRequest(bytes));
      const lenient = decodeOnce(logsCount, 'decodeLogsRequestLenient', () => decodeLogsRequestLenient(bytes));
      if (lenient.value) {
        const parts = [...splitLogsByTraceId(lenient.value.data).values()];
        expect(parts.reduce((s, d) => s + countLogRecords(d), 0)).toBe(countLogRecords(lenient.value.data));
      }
    }), params(n));
  }, timeoutFor(runs(2000), 2));
});

describe('OTLP/protobuf metrics', () => {
  it('decode to the metrics the real serializer encoded, and the JSON serializer\'s output parses to the same', () => {
    const n = runs(300);
    fc.assert(fc.property(metrics, ({ sdk, expected }) => {
      const decoded = decodeOnce(metricsCount, 'decodeMetricsRequest', () => decodeMetricsRequest(ProtobufMetricsSerializer.serializeRequest(sdk)!));
      expect(decoded.outcome).toBe('decoded');
      expect(decoded.value).toEqual(expected);
      expect(parseMetricsRequestJson(json(JsonMetricsSerializer.serializeRequest(sdk)))).toEqual(decoded.value);
    }), params(n));
  }, timeoutFor(runs(300), 5));

  it('random, mutated and hostile bytes: decoded or refused with a 4xx', () => {
    const n = runs(2000);
    fc.assert(fc.property(hostileBytes, (bytes) => {
      decodeOnce(metricsCount, 'decodeMetricsRequest', () => decodeMetricsRequest(bytes));
      decodeOnce(metricsCount, 'decodeMetricsRequestLenient', () => decodeMetricsRequestLenient(bytes));
    }), params(n));
  }, timeoutFor(runs(2000), 2));
});

describe('OTLP/protobuf hostile shapes', () => {
  // ExportXServiceRequest.resource_x (1) { ResourceX.scope_x (2) { ScopeX.items (2) ... } }: the same field numbers in all three signals.
  const inScope = (items: Uint8Array) => nestedMessages(1, 1, nestedMessages(2, 1, items));
  const deepAnyValue = (depth: number) => {
    // AnyValue.array_value (5) { ArrayValue.values (1) { AnyValue ... } }
    let v: Uint8Array = new Uint8Array([0x0a, 0x01, 0x78]);
    for (let i = 0; i < depth; i++) v = nestedMessages(5, 1, nestedMessages(1, 1, v));
    return v;
  };
  const SIZE = 64 * 1024;
  const repeat = (unit: number[]) => Buffer.alloc(SIZE - (SIZE % unit.length), Buffer.from(unit));
  const hostile: Array<[string, Uint8Array]> = [
    ['a length prefix of 2^32 - 1', Buffer.concat([lengthPrefix(1, 0xffff_ffffn), Buffer.alloc(16)])],
    ['a length prefix of 2^63', Buffer.concat([lengthPrefix(1, 2n ** 63n), Buffer.alloc(16)])],
    ['10,000 nested ResourceSpans', nestedMessages(1, 10_000)],
    ['an attribute nested 5,000 levels deep', inScope(nestedMessages(2, 1, nestedMessages(9, 1, Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b]), nestedMessages(2, 1, deepAnyValue(5_000))]))))],
    ['32,768 empty ResourceX (64 KiB)', repeat([0x0a, 0x00])],
    ['16,384 ResourceX with an empty ScopeX each (64 KiB)', repeat([0x0a, 0x02, 0x12, 0x00])],
    ['32,768 empty items in one ScopeX (64 KiB)', inScope(repeat([0x12, 0x00]))],
    ['32,768 unknown fields (64 KiB)', repeat([0x78, 0x01])],
    ['a span with 9,000 repeated attributes', inScope(nestedMessages(2, 1, Buffer.concat(Array.from({ length: 9_000 }, () => Buffer.from([0x4a, 0x05, 0x0a, 0x01, 0x6b, 0x12, 0x00])))))],
  ];

  it.each(hostile)('%s: refused or decoded within the bound', (_name, bytes) => {
    decodeOnce(traces, 'decodeTraceRequestLenient', () => decodeTraceRequestLenient(bytes));
    decodeOnce(traces, 'splitTraceRequestWire', () => splitTraceRequestWire(bytes, 1 << 20));
    decodeOnce(logsCount, 'decodeLogsRequestLenient', () => decodeLogsRequestLenient(bytes));
    decodeOnce(metricsCount, 'decodeMetricsRequestLenient', () => decodeMetricsRequestLenient(bytes));
  });

  // Found here: a decoded request held 88-208 bytes of heap per byte of input when it was made of
  // empty items (`12 00`: every span rejected, each with its reason kept), so a 20 MiB body (a few
  // KiB gzipped) could hold gigabytes. The decoders now keep MAX_KEPT_REASONS (src/model/reasons.ts).
  const heldPerInputByte = (fn: () => unknown, bytes: Uint8Array): number => {
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept = fn(); // reachable until measured, so the delta is this decoder's alone
    gc();
    const held = Math.round((process.memoryUsage().heapUsed - before) / bytes.length);
    expect(kept).toBeDefined();
    return held;
  };
  const emptyItems = () => inScope(Buffer.alloc(128 * 1024, Buffer.from([0x12, 0x00])));

  it('a request of empty (rejected) spans or data points holds at most 32 bytes of heap per byte of input while decoded', () => {
    const bytes = emptyItems();
    const held = { 'wire split': heldPerInputByte(() => splitTraceRequestWire(bytes, 1 << 20), bytes), traces: heldPerInputByte(() => decodeTraceRequestLenient(bytes), bytes), metrics: heldPerInputByte(() => decodeMetricsRequestLenient(bytes), bytes) };
    expect(Math.max(...Object.values(held)), `bytes of heap per input byte: ${JSON.stringify(held)}`).toBeLessThanOrEqual(32);
  });

  // Known open: an empty log record is a valid one, so a body of them decodes to one object per
  // two input bytes (about 89 bytes of heap per input byte). Bounded only by the body limit (20 MiB
  // -> about 1.8 GB); a per-request record limit would bound it. `it.fails` until then.
  it.fails('a request of empty log records holds at most 32 bytes of heap per byte of input while decoded', () => {
    const bytes = emptyItems();
    expect(heldPerInputByte(() => decodeLogsRequestLenient(bytes), bytes)).toBeLessThanOrEqual(32);
  });

  it('hostile shapes leave nothing behind on the heap', () => {
    const inputs = hostile.map(([, b]) => b);
    const growth = memoryGrowth([...inputs, ...inputs, ...inputs], (b) => {
      const bytes = b as Uint8Array;
      refuseQuietly(() => decodeTraceRequestLenient(bytes), 'traces');
      refuseQuietly(() => splitTraceRequestWire(bytes, 1 << 20), 'wire split');
      refuseQuietly(() => decodeLogsRequestLenient(bytes), 'logs');
      refuseQuietly(() => decodeMetricsRequestLenient(bytes), 'metrics');
    });
    expect(growth.heapMiB).toBeLessThan(8);
    expect(growth.peakRssMiB).toBeLessThan(128);
  });
});

function bySpan(a: Span, b: Span): number {
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
