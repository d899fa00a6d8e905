import { describe, expect, it } from 'vitest';
import { countDataPoints, type Metric, type MetricsData } from '../../src/model/metrics.js';
import {
  decodeMetricsRequest, decodeMetricsRequestLenient, encodeMetricsRequest, encodeMetricsResponse, metricsResponseJson,
} from '../../src/model/otlp/metrics-proto.js';
import { WireType } from '../../src/model/protobuf/reader.js';
import type { ProtoWriter } from '../../src/model/protobuf/writer.js';
import { expectBraidError, expectDecodesFromPooledView, expectPartialSuccess, expectTruncationReported, wrapItem } from './helpers.js';
import {
  SPAN, TRACE, exponentialPoint, histogramPoint, makeExemplar, metric, metricsRequest, numberPoint, richMetrics, summaryPoint,
} from './metrics-helpers.js';

const { VARINT, I64, LEN, I32 } = WireType;

function firstMetric(data: MetricsData): Metric | undefined {
  return data.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0];
}

/** Writes a length-delimited field `field` whose body `body` writes. */
function nested(w: ProtoWriter, field: number, body: (w: ProtoWriter) => void): void {
  w.tag(field, LEN);
  const m = w.fork();
  body(w);
  w.ldelim(m);
}

function fixed64(w: ProtoWriter, field: number, v: bigint): void {
  w.tag(field, I64);
  w.fixed64(v);
}

function double(w: ProtoWriter, field: number, v: number): void {
  w.tag(field, I64);
  w.double(v);
}

function attribute(w: ProtoWriter, field: number, key: string, value: string): void {
  nested(w, field, (kv) => {
    kv.tag(1, LEN); kv.string(key);
    nested(kv, 2, (v) => { v.tag(1, LEN); v.string(value); });
  });
}

/** A hand-written Exemplar: filtered_attributes 7, time_unix_nano 2, as_int 6, span_id 4, trace_id 5. */
function exemplarBody(w: ProtoWriter): void {
  attribute(w, 7, 'route', '/a');
  fixed64(w, 2, 1_700_000_000_000_000_009n);
  w.tag(6, I64); w.sfixed64(-5n);
  w.tag(4, LEN); w.hexBytes(SPAN.toUpperCase());
  w.tag(5, LEN); w.hexBytes(TRACE);
}

const DECODED_EXEMPLAR = { filteredAttributes: { route: '/a' }, timeUnixNano: 1_700_000_000_000_000_009n, value: -5n, traceId: TRACE, spanId: SPAN };
const P = 'resourceMetrics[0].scopeMetrics[0].metrics';

describe('encodeMetricsRequest / decodeMetricsRequest', () => {
  it('round-trips a request using every kind of metric and every field', () => {
    const data = richMetrics();
    expect(decodeMetricsRequest(encodeMetricsRequest(data))).toEqual(data);
  });

  it('keeps -0 apart from 0 and a zero optional sum apart from none', () => {
    const data = metricsRequest(
      metric('g', { type: 'gauge', dataPoints: [numberPoint({ value: -0 })] }),
      metric('h', { type: 'histogram', aggregationTemporality: 2, dataPoints: [histogramPoint({ sum: 0 }), histogramPoint({ sum: undefined })] }),
    );
    const [g, h] = decodeMetricsRequest(encodeMetricsRequest(data)).resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(g?.data.dataPoints[0]).toMatchObject({ value: -0 });
    expect(g?.data.dataPoints[0]).not.toMatchObject({ value: 0 });
    expect(h?.data.dataPoints.map((p) => 'sum' in p)).toEqual([true, false]);
  });

  it('decodes Metric, Gauge and NumberDataPoint from their metrics.proto field numbers', () => {
    // Written by hand, not by encodeMetricsRequest, so a wrong field number on either side shows.
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('queue.depth');
      w.tag(2, LEN); w.string('items waiting');
      w.tag(3, LEN); w.string('{item}');
      nested(w, 5, (g) => nested(g, 1, (p) => {
        attribute(p, 7, 'queue', 'orders');
        fixed64(p, 2, 1n);
        fixed64(p, 3, 2n);
        double(p, 4, 17.5);
        nested(p, 5, exemplarBody);
        p.tag(8, VARINT); p.uint32(1);
      }));
      attribute(w, 12, 'meta', 'data');
    });
    expect(firstMetric(decodeMetricsRequest(bytes))).toEqual({
      name: 'queue.depth', description: 'items waiting', unit: '{item}', metadata: { meta: 'data' },
      data: { type: 'gauge', dataPoints: [{ attributes: { queue: 'orders' }, startTimeUnixNano: 1n, timeUnixNano: 2n, value: 17.5, exemplars: [DECODED_EXEMPLAR], flags: 1 }] },
    });
  });

  it('decodes Sum (temporality, monotonic) and as_int (sfixed64, field 6)', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('requests');
      nested(w, 7, (s) => {
        nested(s, 1, (p) => { p.tag(6, I64); p.sfixed64(-(2n ** 63n)); });
        s.tag(2, VARINT); s.uint32(1);
        s.tag(3, VARINT); s.bool(true);
      });
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data).toEqual({
      type: 'sum', aggregationTemporality: 1, isMonotonic: true,
      dataPoints: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, value: -(2n ** 63n), exemplars: [], flags: 0 }],
    });
  });

  it('decodes Histogram and HistogramDataPoint from their field numbers', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('duration');
      nested(w, 9, (h) => {
        nested(h, 1, (p) => {
          attribute(p, 9, 'route', '/x');
          fixed64(p, 2, 1n);
          fixed64(p, 3, 2n);
          fixed64(p, 4, 6n);
          double(p, 5, 4.5);
          nested(p, 6, (c) => { c.fixed64(1n); c.fixed64(2n); c.fixed64(3n); });
          nested(p, 7, (b) => { b.double(0.5); b.double(1); });
          nested(p, 8, exemplarBody);
          p.tag(10, VARINT); p.uint32(1);
          double(p, 11, 0.25);
          double(p, 12, 2.5);
        });
        h.tag(2, VARINT); h.uint32(2);
      });
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data).toEqual({
      type: 'histogram', aggregationTemporality: 2,
      dataPoints: [{
        attributes: { route: '/x' }, startTimeUnixNano: 1n, timeUnixNano: 2n, count: 6n, sum: 4.5, bucketCounts: [1n, 2n, 3n], explicitBounds: [0.5, 1],
        exemplars: [DECODED_EXEMPLAR], flags: 1, min: 0.25, max: 2.5,
      }],
    });
  });

  it('decodes ExponentialHistogram and its data point, sint32 scale and offsets included', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('latency');
      nested(w, 10, (h) => {
        nested(h, 1, (p) => {
          attribute(p, 1, 'op', 'get');
          fixed64(p, 2, 1n);
          fixed64(p, 3, 2n);
          fixed64(p, 4, 7n);
          double(p, 5, 9.5);
          p.tag(6, VARINT); p.uint32(5); // zigzag(-3)
          fixed64(p, 7, 1n);
          nested(p, 8, (b) => { b.tag(1, VARINT); b.uint32(3); /* zigzag(-2) */ nested(b, 2, (c) => { c.uint64(1n); c.uint64(300n); }); });
          nested(p, 9, (b) => { b.tag(1, VARINT); b.uint32(8); /* zigzag(4) */ nested(b, 2, (c) => c.uint64(2n)); });
          p.tag(10, VARINT); p.uint32(1);
          nested(p, 11, exemplarBody);
          double(p, 12, -1);
          double(p, 13, 8);
          double(p, 14, 0.001);
        });
        h.tag(2, VARINT); h.uint32(1);
      });
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data).toEqual({
      type: 'exponentialHistogram', aggregationTemporality: 1,
      dataPoints: [{
        attributes: { op: 'get' }, startTimeUnixNano: 1n, timeUnixNano: 2n, count: 7n, sum: 9.5, scale: -3, zeroCount: 1n,
        positive: { offset: -2, bucketCounts: [1n, 300n] }, negative: { offset: 4, bucketCounts: [2n] }, flags: 1, exemplars: [DECODED_EXEMPLAR],
        min: -1, max: 8, zeroThreshold: 0.001,
      }],
    });
  });

  it('decodes Summary and SummaryDataPoint from their field numbers', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('rpc');
      nested(w, 11, (s) => nested(s, 1, (p) => {
        attribute(p, 7, 'job', 'api');
        fixed64(p, 2, 1n);
        fixed64(p, 3, 2n);
        fixed64(p, 4, 3n);
        double(p, 5, 1.5);
        nested(p, 6, (q) => { double(q, 1, 0.5); double(q, 2, 0.75); });
        nested(p, 6, (q) => double(q, 2, 0.1)); // quantile 0 left out, as proto3 does
        p.tag(8, VARINT); p.uint32(1);
      }));
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data).toEqual({
      type: 'summary',
      dataPoints: [{
        attributes: { job: 'api' }, startTimeUnixNano: 1n, timeUnixNano: 2n, count: 3n, sum: 1.5,
        quantileValues: [{ quantile: 0.5, value: 0.75 }, { quantile: 0, value: 0.1 }], flags: 1,
      }],
    });
  });

  it('reads repeated numbers unpacked as well as packed, appending across fields', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('h');
      nested(w, 9, (h) => nested(h, 1, (p) => {
        fixed64(p, 6, 1n);
        nested(p, 6, (c) => c.fixed64(2n));
        fixed64(p, 6, 3n);
        double(p, 7, 0.5);
        nested(p, 7, (b) => b.double(1));
      }));
    });
    const eBytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('e');
      nested(w, 10, (h) => nested(h, 1, (p) => nested(p, 8, (b) => {
        b.tag(2, VARINT); b.uint64(2n ** 64n - 1n);
        nested(b, 2, (c) => { c.uint64(5n); c.uint64(6n); });
        b.tag(2, VARINT); b.uint64(7n);
      })));
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data.dataPoints[0]).toMatchObject({ bucketCounts: [1n, 2n, 3n], explicitBounds: [0.5, 1] });
    expect(firstMetric(decodeMetricsRequest(eBytes))?.data.dataPoints[0]).toMatchObject({ positive: { offset: 0, bucketCounts: [2n ** 64n - 1n, 5n, 6n, 7n] } });
  });

  it('writes repeated numbers packed, as the OTel serializers do', () => {
    const bytes = encodeMetricsRequest(metricsRequest(metric('h', { type: 'histogram', aggregationTemporality: 0, dataPoints: [
      histogramPoint({ attributes: {}, exemplars: [], startTimeUnixNano: 0n, timeUnixNano: 0n, count: 0n, sum: undefined, min: undefined, max: undefined,
        bucketCounts: [1n, 2n], explicitBounds: [0.5] }),
    ] }, { description: '', unit: '' })));
    const point = [0x32, 0x10, ...le64(1), ...le64(2), 0x3a, 0x08, ...new Uint8Array(new Float64Array([0.5]).buffer)];
    expect(Buffer.from(bytes).subarray(bytes.length - point.length)).toEqual(Buffer.from(point));
  });

  it('omits default-valued fields but always writes a oneof that is set', () => {
    expect(encodeMetricsRequest({ resourceMetrics: [] })).toEqual(new Uint8Array(0));
    const bytes = encodeMetricsRequest({
      resourceMetrics: [{
        resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '',
        scopeMetrics: [{
          scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '',
          metrics: [metric('m', { type: 'gauge', dataPoints: [numberPoint({ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], value: 0 })] }, { description: '', unit: '' })],
        }],
      }],
    });
    // request > ResourceMetrics > ScopeMetrics > Metric { name "m", gauge { data_points { as_double 0 } } }.
    expect(bytes).toEqual(new Uint8Array([0x0a, 0x14, 0x12, 0x12, 0x12, 0x10, 0x0a, 0x01, 0x6d, 0x2a, 0x0b, 0x0a, 0x09, 0x21, 0, 0, 0, 0, 0, 0, 0, 0]));
    const empty = metricsRequest(metric('idle', { type: 'summary', dataPoints: [] }));
    expect(decodeMetricsRequest(encodeMetricsRequest(empty))).toEqual(empty);
  });

  it('decodes from a view at an offset into a larger buffer, as Buffers from a pool are', () => {
    expectDecodesFromPooledView(encodeMetricsRequest, decodeMetricsRequest, richMetrics());
  });

  it('returns an independent copy each time, though the writer is shared', () => {
    const a = encodeMetricsRequest(metricsRequest(metric('a', { type: 'gauge', dataPoints: [numberPoint()] })));
    const copy = a.slice();
    encodeMetricsRequest(metricsRequest(metric('b', { type: 'gauge', dataPoints: [numberPoint({ value: 1 })] })));
    expect(a).toEqual(copy);
  });

  it('skips unknown and reserved fields of every wire type', () => {
    const bytes = wrapItem((w) => {
      w.tag(4, LEN); w.string('old int_gauge');
      w.tag(6, VARINT); w.uint32(1);
      w.tag(8, I32); w.fixed32(1);
      w.tag(100, I64); w.fixed64(1n);
      nested(w, 5, (g) => {
        g.tag(9, VARINT); g.uint32(3);
        nested(g, 1, (p) => {
          p.tag(1, LEN); p.string('old labels');
          p.tag(99, I32); p.fixed32(1);
          double(p, 4, 1);
        });
      });
      w.tag(1, LEN); w.string('late name');
    });
    expect(firstMetric(decodeMetricsRequest(bytes))).toMatchObject({ name: 'late name', data: { type: 'gauge', dataPoints: [{ value: 1 }] } });
  });

  it('keeps the last of two different data fields and merges a repeated one, as protobuf does', () => {
    const point = (value: number) => (d: ProtoWriter) => nested(d, 1, (p) => double(p, 4, value));
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('m');
      nested(w, 5, point(1));
      nested(w, 7, point(2));
      nested(w, 7, point(3));
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data).toMatchObject({ type: 'sum', dataPoints: [{ value: 2 }, { value: 3 }] });
  });

  it('reads all-zero exemplar IDs as none', () => {
    const data = metricsRequest(metric('g', { type: 'gauge', dataPoints: [numberPoint({ exemplars: [makeExemplar({ traceId: '0'.repeat(32), spanId: '0'.repeat(16) })] })] }));
    expect(firstMetric(decodeMetricsRequest(encodeMetricsRequest(data)))?.data.dataPoints[0]).toMatchObject({ exemplars: [{ traceId: '', spanId: '' }] });
  });

  it('reads a point without a value flagged NO_RECORDED_VALUE as NaN', () => {
    const bytes = wrapItem((w) => {
      w.tag(1, LEN); w.string('stale');
      nested(w, 5, (g) => nested(g, 1, (p) => { p.tag(8, VARINT); p.uint32(1); }));
    });
    expect(firstMetric(decodeMetricsRequest(bytes))?.data.dataPoints[0]).toMatchObject({ value: NaN, flags: 1 });
  });

  it('decodes 10k data points', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => numberPoint({ value: BigInt(i), attributes: { i: `${i}` } }));
    const decoded = decodeMetricsRequest(encodeMetricsRequest(metricsRequest(metric('many', { type: 'gauge', dataPoints: points }))));
    expect(countDataPoints(decoded)).toBe(10_000);
    expect(firstMetric(decoded)?.data.dataPoints[9_999]).toEqual(points[9_999]);
  });

  it('refuses to encode an exemplar ID that is not hex', () => {
    const data = metricsRequest(metric('g', { type: 'gauge', dataPoints: [numberPoint({ exemplars: [makeExemplar({ spanId: 'zz' })] })] }));
    expectBraidError(() => encodeMetricsRequest(data), 'BRAID_ERR_OTLP_INVALID', 'cannot encode exemplar spanId "zz": not hex');
  });
});

function le64(n: number): number[] {
  return [...new Uint8Array(new BigUint64Array([BigInt(n)]).buffer)];
}

describe('invalid metrics and data points', () => {
  const cases: [string, Metric, string][] = [
    ['bucket counts that do not fit the bounds', metric('h', { type: 'histogram', aggregationTemporality: 2, dataPoints: [histogramPoint(), histogramPoint({ bucketCounts: [1n, 2n, 3n] })] }),
      `${P}[0].histogram.dataPoints[1].bucketCounts: expected 4 counts (explicitBounds + 1) or none, got 3`],
    ['a metric without a name', metric('', { type: 'gauge', dataPoints: [numberPoint()] }), `${P}[0].name: missing; every metric must have a name`],
    ['a 15-byte exemplar trace ID', metric('g', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ exemplars: [makeExemplar(), makeExemplar({ traceId: TRACE.slice(2) })] })] }),
      `${P}[0].sum.dataPoints[0].exemplars[1].traceId: expected 16 bytes or none, got 15`],
    ['a 9-byte exemplar span ID', metric('e', { type: 'exponentialHistogram', aggregationTemporality: 2, dataPoints: [exponentialPoint({ exemplars: [makeExemplar({ spanId: `${SPAN}ff` })] })] }),
      `${P}[0].exponentialHistogram.dataPoints[0].exemplars[0].spanId: expected 8 bytes or none, got 9`],
  ];
  for (const [what, bad, message] of cases) {
    it(`rejects ${what} with its path`, () => {
      expectBraidError(() => decodeMetricsRequest(encodeMetricsRequest(metricsRequest(bad))), 'BRAID_ERR_OTLP_INVALID', message);
    });
  }

  it('rejects a metric with no data field and a number point with no value', () => {
    expectBraidError(() => decodeMetricsRequest(wrapItem((w) => { w.tag(1, LEN); w.string('nothing'); })), 'BRAID_ERR_OTLP_INVALID',
      `${P}[0].data: none of gauge, sum, histogram, exponentialHistogram or summary is set`);
    const noValue = wrapItem((w) => {
      w.tag(1, LEN); w.string('g');
      nested(w, 5, (g) => { nested(g, 1, (p) => double(p, 4, 1)); nested(g, 1, (p) => fixed64(p, 3, 5n)); });
    });
    expectBraidError(() => decodeMetricsRequest(noValue), 'BRAID_ERR_OTLP_INVALID', `${P}[0].gauge.dataPoints[1].value: neither asDouble nor asInt is set`);
  });

  it('reports truncated data with its offset', () => {
    expectTruncationReported(decodeMetricsRequest, encodeMetricsRequest(richMetrics()), 'ExportMetricsServiceRequest');
  });

  it('reports a known field sent with the wrong wire type, and packed values that do not fill whole values', () => {
    const nameAsVarint = wrapItem((w) => { w.tag(1, VARINT); w.uint32(5); });
    expectBraidError(() => decodeMetricsRequest(nameAsVarint), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportMetricsServiceRequest: Metric.name (field 1) at offset 6: expected wire type 2 (length-delimited), got 0 (varint)');
    const timeAsFixed32 = wrapItem((w) => nested(w, 5, (g) => nested(g, 1, (p) => { p.tag(3, I32); p.fixed32(1); })));
    expectBraidError(() => decodeMetricsRequest(timeAsFixed32), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportMetricsServiceRequest: NumberDataPoint.time_unix_nano (field 3) at offset 10: expected wire type 1 (fixed64), got 5 (fixed32)');
    const shortPacked = wrapItem((w) => nested(w, 9, (h) => nested(h, 1, (p) => nested(p, 6, (c) => c.fixed32(1)))));
    expectBraidError(() => decodeMetricsRequest(shortPacked), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportMetricsServiceRequest: unexpected end of data at offset 12: expected 8 bytes of fixed64, 4 remain');
  });
});

describe('decodeMetricsRequestLenient', () => {
  it('drops only the invalid data points and metrics, counts data points and says why', () => {
    const good = [numberPoint({ value: 1 }), numberPoint({ value: 2 })];
    const data: MetricsData = {
      resourceMetrics: [
        metricsRequest(
          metric('ok', { type: 'gauge', dataPoints: [good[0]!, numberPoint({ exemplars: [makeExemplar({ traceId: 'abcd' })] }), good[1]!] }),
          metric('', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint(), numberPoint({ exemplars: [makeExemplar({ spanId: 'ab' })] }), numberPoint()] }),
          metric('h', { type: 'histogram', aggregationTemporality: 2, dataPoints: [histogramPoint({ bucketCounts: [1n] }), histogramPoint()] }),
          metric('', { type: 'summary', dataPoints: [] }),
        ).resourceMetrics[0]!,
        metricsRequest(metric('s', { type: 'summary', dataPoints: [summaryPoint()] })).resourceMetrics[0]!,
      ],
    };
    const bytes = encodeMetricsRequest(data);
    const result = decodeMetricsRequestLenient(bytes);
    expect(result.errors).toEqual([
      `${P}[0].gauge.dataPoints[1].exemplars[0].traceId: expected 16 bytes or none, got 2`,
      `${P}[1].name: missing; every metric must have a name`,
      `${P}[2].histogram.dataPoints[0].bucketCounts: expected 4 counts (explicitBounds + 1) or none, got 1`,
      `${P}[3].name: missing; every metric must have a name`,
    ]);
    // 1 point + the nameless metric's 3 (its invalid one included) + 1 point + 1 for the nameless metric without points.
    expect(result.rejected).toBe(6);
    const kept = result.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(kept.map((m) => m.name)).toEqual(['ok', 'h']);
    expect(kept[0]?.data.dataPoints).toEqual(good);
    expect(kept[1]?.data.dataPoints).toEqual([histogramPoint()]);
    expect(result.data.resourceMetrics[1]).toEqual(data.resourceMetrics[1]);
    expect(() => decodeMetricsRequest(bytes)).toThrow(result.errors[0]);
  });

  it('counts a metric with no data field as one rejected data point', () => {
    const result = decodeMetricsRequestLenient(wrapItem((w) => { w.tag(1, LEN); w.string('nothing'); }));
    expect(result).toMatchObject({ rejected: 1, errors: [`${P}[0].data: none of gauge, sum, histogram, exponentialHistogram or summary is set`] });
    expect(result.data.resourceMetrics[0]?.scopeMetrics[0]?.metrics).toEqual([]);
  });

  it('rejects nothing in a valid request', () => {
    const data = richMetrics();
    expect(decodeMetricsRequestLenient(encodeMetricsRequest(data))).toEqual({ data, rejected: 0, errors: [] });
  });

  it('still throws on wire corruption', () => {
    expectBraidError(() => decodeMetricsRequestLenient(new Uint8Array([0x0a, 0x05])), 'BRAID_ERR_OTLP_DECODE',
      'malformed ExportMetricsServiceRequest: length 5 at offset 1 exceeds the 0 bytes remaining');
  });
});

describe('responses', () => {
  it('encodes full success as an empty message', () => {
    expect(encodeMetricsResponse()).toEqual(new Uint8Array(0));
    expect(metricsResponseJson()).toEqual({});
  });

  it('encodes partial success as ExportMetricsPartialSuccess', () => {
    expectPartialSuccess(encodeMetricsResponse({ rejectedDataPoints: 6, errorMessage: '6 data points rejected: ✗' }), 6n, '6 data points rejected: ✗');
    expect(metricsResponseJson({ rejectedDataPoints: 6, errorMessage: 'why' })).toEqual({ partialSuccess: { rejectedDataPoints: '6', errorMessage: 'why' } });
  });
});
