import { describe, expect, it } from 'vitest';
import { metricsRequestToJson, parseMetricsRequestJson, parseMetricsRequestJsonLenient } from '../../src/model/otlp/metrics-json.js';
import { decodeMetricsRequest, encodeMetricsRequest } from '../../src/model/otlp/metrics-proto.js';
import { expectBraidError } from './helpers.js';
import { SPAN, TRACE, richMetrics } from './metrics-helpers.js';

/** A request whose only ScopeMetrics holds `metrics`. */
function body(...metrics: unknown[]): unknown {
  return { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 's' } }] }, scopeMetrics: [{ scope: { name: 'sc' }, metrics }] }] };
}

const P = 'resourceMetrics[0].scopeMetrics[0].metrics';
const EXEMPLAR = { filteredAttributes: [{ key: 'route', value: { stringValue: '/a' } }], timeUnixNano: '9', asInt: '-5', traceId: TRACE, spanId: SPAN };
const DECODED_EXEMPLAR = { filteredAttributes: { route: '/a' }, timeUnixNano: 9n, value: -5n, traceId: TRACE, spanId: SPAN };

function firstData(json: unknown) {
  return parseMetricsRequestJson(json).resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.data;
}

describe('parseMetricsRequestJson', () => {
  it('round-trips through metricsRequestToJson and JSON text, agreeing with the protobuf codec', () => {
    const data = richMetrics();
    const text = JSON.stringify(metricsRequestToJson(data));
    expect(parseMetricsRequestJson(JSON.parse(text))).toEqual(data);
    expect(parseMetricsRequestJson(JSON.parse(text))).toEqual(decodeMetricsRequest(encodeMetricsRequest(data)));
  });

  it('writes int64 as strings, non-finite doubles as strings, and leaves unset optional fields and absent IDs out', () => {
    const json = metricsRequestToJson(richMetrics()) as { resourceMetrics: { scopeMetrics: { metrics: Record<string, { dataPoints: Record<string, unknown>[] }>[] }[] }[] };
    const [gauge, , , histogram] = json.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    const point = gauge?.gauge?.dataPoints[1] as { asInt: string; exemplars: Record<string, unknown>[] };
    expect(point).toMatchObject({ asInt: '-9223372036854775808', exemplars: [{ asInt: '9223372036854775807', traceId: TRACE, spanId: SPAN }, {}] });
    expect(Object.keys(point.exemplars[1]!).sort()).toEqual(['asDouble', 'filteredAttributes', 'timeUnixNano', 'traceId']);
    expect(gauge?.gauge?.dataPoints[2]).toMatchObject({ asDouble: 'NaN', flags: 1 });
    expect(gauge?.gauge?.dataPoints[3]).toMatchObject({ asDouble: 'Infinity', startTimeUnixNano: '0', timeUnixNano: '18446744073709551615' });
    expect(histogram?.histogram).toMatchObject({ aggregationTemporality: 2 });
    expect(histogram?.histogram?.dataPoints[1]).toMatchObject({ sum: 0, min: 0, max: 0, bucketCounts: ['18446744073709551615', '0'], explicitBounds: ['-Infinity'] });
    expect(Object.keys(histogram?.histogram?.dataPoints[2] ?? {}).sort()).toEqual(
      ['attributes', 'bucketCounts', 'count', 'exemplars', 'explicitBounds', 'flags', 'startTimeUnixNano', 'timeUnixNano']);
  });

  it('reads every field of every metric kind by its OTLP/JSON name', () => {
    const common = { attributes: [{ key: 'k', value: { intValue: '1' } }], startTimeUnixNano: '1', timeUnixNano: '2', flags: 1 };
    const data = parseMetricsRequestJson(body(
      { name: 'g', description: 'd', unit: 'u', metadata: [{ key: 'm', value: { boolValue: true } }], gauge: { dataPoints: [{ ...common, asDouble: 1.5, exemplars: [EXEMPLAR] }] } },
      { name: 's', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ ...common, asInt: '7' }] } },
      { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{
        ...common, count: '6', sum: 4.5, bucketCounts: ['1', '2', '3'], explicitBounds: [0.5, 1], exemplars: [EXEMPLAR], min: 0.25, max: 2.5,
      }] } },
      { name: 'e', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [{
        ...common, count: '7', sum: 9.5, scale: -3, zeroCount: '1', positive: { offset: -2, bucketCounts: ['1', '300'] }, negative: { offset: 4, bucketCounts: ['2'] },
        exemplars: [EXEMPLAR], min: -1, max: 8, zeroThreshold: 0.001,
      }] } },
      { name: 'q', summary: { dataPoints: [{ ...common, count: '3', sum: 1.5, quantileValues: [{ quantile: 0.5, value: 0.75 }, { value: 0.1 }] }] } },
    ));
    const base = { attributes: { k: 1n }, startTimeUnixNano: 1n, timeUnixNano: 2n, flags: 1 };
    expect(data.resourceMetrics[0]?.scopeMetrics[0]?.metrics).toEqual([
      { name: 'g', description: 'd', unit: 'u', metadata: { m: true }, data: { type: 'gauge', dataPoints: [{ ...base, value: 1.5, exemplars: [DECODED_EXEMPLAR] }] } },
      { name: 's', description: '', unit: '', metadata: {}, data: { type: 'sum', aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ ...base, value: 7n, exemplars: [] }] } },
      { name: 'h', description: '', unit: '', metadata: {}, data: { type: 'histogram', aggregationTemporality: 2, dataPoints: [{
        ...base, count: 6n, sum: 4.5, bucketCounts: [1n, 2n, 3n], explicitBounds: [0.5, 1], exemplars: [DECODED_EXEMPLAR], min: 0.25, max: 2.5,
      }] } },
      { name: 'e', description: '', unit: '', metadata: {}, data: { type: 'exponentialHistogram', aggregationTemporality: 1, dataPoints: [{
        ...base, count: 7n, sum: 9.5, scale: -3, zeroCount: 1n, positive: { offset: -2, bucketCounts: [1n, 300n] }, negative: { offset: 4, bucketCounts: [2n] },
        exemplars: [DECODED_EXEMPLAR], min: -1, max: 8, zeroThreshold: 0.001,
      }] } },
      { name: 'q', description: '', unit: '', metadata: {}, data: { type: 'summary', dataPoints: [{
        ...base, count: 3n, sum: 1.5, quantileValues: [{ quantile: 0.5, value: 0.75 }, { quantile: 0, value: 0.1 }],
      }] } },
    ]);
  });

  it('accepts snake_case keys, uppercase hex, enum names, numbers for int64, special doubles as strings, and ignores unknown fields', () => {
    const data = parseMetricsRequestJson({
      resource_metrics: [{
        resource: { attributes: [], dropped_attributes_count: 2 }, schema_url: 'https://schema', extra: true,
        scope_metrics: [{
          scope: { name: 'lib' }, schema_url: 'https://scope-schema',
          metrics: [
            { name: 'e', exponential_histogram: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', data_points: [{
              start_time_unix_nano: 1544712660000000000, time_unix_nano: '18446744073709551615', count: 3, sum: 'NaN', scale: '2', zero_count: 1,
              zero_threshold: '1e-9', positive: { offset: '-1', bucket_counts: [1, '1'] }, min: '-Infinity', max: 'Infinity',
              exemplars: [{ trace_id: TRACE.toUpperCase(), span_id: SPAN.toUpperCase(), as_double: '0.5', time_unix_nano: 5, filtered_attributes: [] }],
              unknownPointField: { x: 1 },
            }] } },
            { name: 's', sum: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA', is_monotonic: false, data_points: [{ as_int: -3, flags: '0' }] } },
            { name: 'q', summary: { data_points: [{ quantile_values: [{ quantile: '1', value: 'Infinity' }], sum: '2.5' }] } },
            { name: 'h', histogram: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_UNSPECIFIED', data_points: [{ bucket_counts: [], explicit_bounds: [] }] } },
          ],
        }],
      }],
    });
    const rm = data.resourceMetrics[0]!;
    expect([rm.schemaUrl, rm.resource.droppedAttributesCount, rm.scopeMetrics[0]?.schemaUrl]).toEqual(['https://schema', 2, 'https://scope-schema']);
    const [e, s, q, h] = rm.scopeMetrics[0]!.metrics;
    expect(e?.data).toEqual({ type: 'exponentialHistogram', aggregationTemporality: 2, dataPoints: [{
      attributes: {}, startTimeUnixNano: 1_544_712_660_000_000_000n, timeUnixNano: 2n ** 64n - 1n, flags: 0, count: 3n, sum: NaN, scale: 2, zeroCount: 1n,
      zeroThreshold: 1e-9, positive: { offset: -1, bucketCounts: [1n, 1n] }, negative: { offset: 0, bucketCounts: [] }, min: -Infinity, max: Infinity,
      exemplars: [{ traceId: TRACE, spanId: SPAN, value: 0.5, timeUnixNano: 5n, filteredAttributes: {} }],
    }] });
    expect(s?.data).toMatchObject({ aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ value: -3n }] });
    expect(q?.data.dataPoints[0]).toMatchObject({ sum: 2.5, quantileValues: [{ quantile: 1, value: Infinity }] });
    expect(h?.data).toMatchObject({ aggregationTemporality: 0, dataPoints: [{ bucketCounts: [], explicitBounds: [] }] });
  });

  it('reads a point without a value flagged NO_RECORDED_VALUE as NaN, and all-zero exemplar IDs as none', () => {
    const data = firstData(body({ name: 'g', gauge: { dataPoints: [{ flags: 1, exemplars: [{ traceId: '0'.repeat(32), spanId: '', asDouble: 1 }] }] } }));
    expect(data?.dataPoints[0]).toMatchObject({ value: NaN, flags: 1, exemplars: [{ traceId: '', spanId: '' }] });
  });
});

describe('invalid requests', () => {
  const cases: [string, unknown, string][] = [
    ['bucket counts that do not fit the bounds', { name: 'h', histogram: { dataPoints: [{ bucketCounts: ['1', '2'], explicitBounds: [1, 2] }] } },
      `${P}[0].histogram.dataPoints[0].bucketCounts: expected 3 counts (explicitBounds + 1) or none, got 2`],
    ['a metric without a name', { gauge: { dataPoints: [{ asDouble: 1 }] } }, `${P}[0].name: missing; every metric must have a name`],
    ['a metric without data', { name: 'n', unit: 's' }, `${P}[0].data: none of gauge, sum, histogram, exponentialHistogram or summary is set`],
    ['two data fields', { name: 'n', gauge: { dataPoints: [] }, summary: { dataPoints: [] } },
      `${P}[0].summary: only one of gauge, sum, histogram, exponentialHistogram or summary may be set, and gauge is`],
    ['a short exemplar trace ID', { name: 'n', sum: { data_points: [{ asInt: '1', exemplars: [{ traceId: 'abcd' }] }] } },
      `${P}[0].sum.data_points[0].exemplars[0].traceId: expected 32 hex characters or none, got "abcd"`],
    ['a non-hex exemplar span ID', { name: 'n', gauge: { dataPoints: [{ asInt: '1', exemplars: [{ span_id: 'zzzzzzzzzzzzzzzz' }] }] } },
      `${P}[0].gauge.dataPoints[0].exemplars[0].span_id: expected 16 hex characters or none, got "zzzzzzzzzzzzzzzz"`],
    ['a number point without a value', { name: 'n', gauge: { dataPoints: [{ timeUnixNano: '1' }] } }, `${P}[0].gauge.dataPoints[0].value: neither asDouble nor asInt is set`],
    ['a bucket count that is not a uint64', { name: 'n', histogram: { dataPoints: [{ bucketCounts: ['1', '-2'], explicitBounds: [1] }] } },
      `${P}[0].histogram.dataPoints[0].bucketCounts[1]: expected a uint64 as a decimal string or integer, got "-2"`],
    ['an unknown temporality name', { name: 'n', sum: { aggregationTemporality: 'CUMULATIVE' } },
      `${P}[0].sum.aggregationTemporality: expected a AggregationTemporality number or name, got "CUMULATIVE"`],
    ['a scale out of int32 range', { name: 'n', exponentialHistogram: { dataPoints: [{ scale: 2 ** 31 }] } },
      `${P}[0].exponentialHistogram.dataPoints[0].scale: expected an int32, got 2147483648`],
  ];
  for (const [what, metricJson, message] of cases) {
    it(`rejects ${what} with its path`, () => {
      expectBraidError(() => parseMetricsRequestJson(body(metricJson)), 'BRAID_ERR_OTLP_INVALID', message);
    });
  }

  it('rejects a request that is not an object, or whose parts outside metrics are malformed', () => {
    expectBraidError(() => parseMetricsRequestJson([]), 'BRAID_ERR_OTLP_INVALID', 'request: expected a JSON object, got an array');
    expectBraidError(() => parseMetricsRequestJsonLenient({ resourceMetrics: [{ scopeMetrics: {} }] }), 'BRAID_ERR_OTLP_INVALID',
      'resourceMetrics[0].scopeMetrics: expected an array, got an object');
  });
});

describe('parseMetricsRequestJsonLenient', () => {
  it('drops only the invalid data points and metrics, counts data points and says why', () => {
    const good = { asDouble: 1 };
    const result = parseMetricsRequestJsonLenient(body(
      { name: 'ok', gauge: { dataPoints: [good, { asDouble: 'x' }, good] } },
      { sum: { dataPoints: [good, good, { exemplars: [{ traceId: 'ab' }] }] } },
      { name: 'bad-temporality', histogram: { aggregationTemporality: 'NOPE', data_points: [{}, {}] } },
      { name: 'nothing' },
      { name: 'h', histogram: { dataPoints: [{ bucketCounts: ['1'], explicitBounds: [1] }, { count: '2' }] } },
    ));
    expect(result.errors).toEqual([
      `${P}[0].gauge.dataPoints[1].asDouble: expected a number or "NaN", "Infinity", "-Infinity", got "x"`,
      `${P}[1].name: missing; every metric must have a name`,
      `${P}[2].histogram.aggregationTemporality: expected a AggregationTemporality number or name, got "NOPE"`,
      `${P}[3].data: none of gauge, sum, histogram, exponentialHistogram or summary is set`,
      `${P}[4].histogram.dataPoints[0].bucketCounts: expected 2 counts (explicitBounds + 1) or none, got 1`,
    ]);
    // 1 + the nameless metric's 3 + the 2 of the metric with a bad field + 1 for the metric without data + 1.
    expect(result.rejected).toBe(8);
    const kept = result.data.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
    expect(kept.map((m) => [m.name, m.data.dataPoints.length])).toEqual([['ok', 2], ['h', 1]]);
    expect(kept[1]?.data.dataPoints[0]).toMatchObject({ count: 2n });
  });

  it('rejects nothing in a valid request', () => {
    const data = richMetrics();
    expect(parseMetricsRequestJsonLenient(JSON.parse(JSON.stringify(metricsRequestToJson(data))))).toEqual({ data, rejected: 0, errors: [] });
  });
});
