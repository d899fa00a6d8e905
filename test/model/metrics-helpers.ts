/** Builders shared by the metric model tests. */
import type {
  Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, MetricsData, NumberDataPoint, SummaryDataPoint,
} from '../../src/model/metrics.js';
import { richAttributes } from './helpers.js';

/** The trace and span of the exemplars built here. */
export const TRACE = '0af7651916cd43dd8448eb211c80319c';
export const SPAN = 'b7ad6b7169203331';

const START = 1_700_000_000_000_000_000n;
const TIME = 1_700_000_060_000_000_000n;

/** An exemplar with every field set unless overridden. */
export function makeExemplar(overrides: Partial<Exemplar> = {}): Exemplar {
  return { filteredAttributes: { 'http.route': '/orders/{id}' }, timeUnixNano: TIME - 5n, value: 0.25, traceId: TRACE, spanId: SPAN, ...overrides };
}

/** A gauge/sum point with every field set unless overridden. */
export function numberPoint(overrides: Partial<NumberDataPoint> = {}): NumberDataPoint {
  return { attributes: { 'http.method': 'GET' }, startTimeUnixNano: START, timeUnixNano: TIME, exemplars: [makeExemplar()], flags: 0, value: 42.5, ...overrides };
}

/** An explicit-bucket histogram point with every field set unless overridden. */
export function histogramPoint(overrides: Partial<HistogramDataPoint> = {}): HistogramDataPoint {
  return {
    attributes: { 'http.status_code': 200n }, startTimeUnixNano: START, timeUnixNano: TIME, exemplars: [makeExemplar({ value: 7n })], flags: 0,
    count: 10n, sum: 12.75, bucketCounts: [1n, 2n, 3n, 4n], explicitBounds: [0.005, 0.5, 10], min: 0.001, max: 11.5, ...overrides,
  };
}

/** An exponential histogram point with every field set unless overridden. */
export function exponentialPoint(overrides: Partial<ExponentialHistogramDataPoint> = {}): ExponentialHistogramDataPoint {
  return {
    attributes: { region: 'eu' }, startTimeUnixNano: START, timeUnixNano: TIME, exemplars: [makeExemplar({ traceId: '', spanId: '' })], flags: 0,
    count: 9n, sum: -3.5, scale: -3, zeroCount: 2n, positive: { offset: -2, bucketCounts: [1n, 0n, 3n] }, negative: { offset: 5, bucketCounts: [2n, 1n] },
    min: -8, max: 40, zeroThreshold: 1e-9, ...overrides,
  };
}

/** A summary point with every field set unless overridden. */
export function summaryPoint(overrides: Partial<SummaryDataPoint> = {}): SummaryDataPoint {
  return {
    attributes: { job: 'api' }, startTimeUnixNano: START, timeUnixNano: TIME, flags: 0, count: 100n, sum: 512.5,
    quantileValues: [{ quantile: 0, value: 0.1 }, { quantile: 0.5, value: 3 }, { quantile: 1, value: 99.5 }], ...overrides,
  };
}

/** A metric named `name` holding `data`, with description and unit. */
export function metric(name: string, data: MetricData, overrides: Partial<Metric> = {}): Metric {
  return { name, description: `${name} described`, unit: 's', data, metadata: {}, ...overrides };
}

/** A request with one resource and one scope holding `metrics`. */
export function metricsRequest(...metrics: Metric[]): MetricsData {
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': 's' }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: 'sc', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
    }],
  };
}

/**
 * Every kind of metric and every field: int64 and uint64 extremes, NaN and infinities, optional
 * doubles set to zero and left out, exemplars with and without trace context, empty data, and
 * resources and scopes with every field set and none.
 */
export function richMetrics(): MetricsData {
  const full: Metric[] = [
    metric('queue.depth', { type: 'gauge', dataPoints: [
      numberPoint({ attributes: richAttributes() }),
      numberPoint({ value: -(2n ** 63n), exemplars: [makeExemplar({ value: 2n ** 63n - 1n }), makeExemplar({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '' })] }),
      numberPoint({ value: NaN, flags: 1, exemplars: [], attributes: {} }),
      numberPoint({ value: Infinity, startTimeUnixNano: 0n, timeUnixNano: 2n ** 64n - 1n }),
      numberPoint({ value: 0, exemplars: [makeExemplar({ value: -Infinity, filteredAttributes: {}, timeUnixNano: 0n })] }),
      numberPoint({ value: 0n }),
    ] }, { metadata: { 'prometheus.type': 'gauge', source: 1n } }),
    metric('http.requests', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ value: 1234n }), numberPoint({ value: 2n ** 62n })] }),
    metric('jobs.active', { type: 'sum', aggregationTemporality: 1, isMonotonic: false, dataPoints: [numberPoint({ value: -3.25 })] }),
    metric('http.duration', { type: 'histogram', aggregationTemporality: 2, dataPoints: [
      histogramPoint(),
      histogramPoint({ sum: 0, min: 0, max: 0, bucketCounts: [2n ** 64n - 1n, 0n], explicitBounds: [-Infinity] }),
      histogramPoint({ sum: undefined, min: undefined, max: undefined, bucketCounts: [], explicitBounds: [], exemplars: [], count: 3n }),
    ] }),
    metric('rpc.latency', { type: 'exponentialHistogram', aggregationTemporality: 1, dataPoints: [
      exponentialPoint(),
      exponentialPoint({ scale: 20, sum: undefined, min: undefined, max: undefined, zeroThreshold: 0, zeroCount: 0n, count: 0n,
        positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, exemplars: [] }),
      exponentialPoint({ scale: -10, positive: { offset: -2_147_483_648, bucketCounts: [2n ** 64n - 1n] }, negative: { offset: 2_147_483_647, bucketCounts: [] } }),
    ] }),
    metric('rpc.summary', { type: 'summary', dataPoints: [summaryPoint(), summaryPoint({ sum: 0, quantileValues: [], count: 0n, flags: 1 })] }),
    metric('idle', { type: 'gauge', dataPoints: [] }, { description: 'ünïcödé — ✓', unit: '' }),
  ];
  return {
    resourceMetrics: [
      {
        resource: { attributes: { 'service.name': 'checkout', 'host.name': 'node-7' }, droppedAttributesCount: 4 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeMetrics: [
          { scope: { name: '@braid/test', version: '1.0.0', attributes: { 'scope.attr': 'v' }, droppedAttributesCount: 5 }, schemaUrl: 'https://opentelemetry.io/schemas/1.25.0', metrics: full },
          { scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric('plain', { type: 'gauge', dataPoints: [numberPoint()] })] },
        ],
      },
      { resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [] },
    ],
  };
}
