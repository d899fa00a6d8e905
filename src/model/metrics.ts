/**
 * Braid's in-memory form of OTLP metric data (opentelemetry/proto/metrics/v1/metrics.proto), in
 * the conventions of trace.ts: IDs lowercase hex ('' when absent), 64-bit integers bigint,
 * attribute values with OTLP's types. Every metric Braid takes in (OTLP, Prometheus scrapes,
 * remote write) travels the queue in this form, encoded as an ExportMetricsServiceRequest.
 */
import type { Attributes, InstrumentationScope, Resource } from './trace.js';

/** OTLP AggregationTemporality. */
export const Temporality = { UNSPECIFIED: 0, DELTA: 1, CUMULATIVE: 2 } as const;

/** OTLP DataPointFlags: FLAG_NO_RECORDED_VALUE marks a Prometheus staleness marker. */
export const DataPointFlags = { NO_RECORDED_VALUE: 1 } as const;

/** OTLP Exemplar: a sample of a measurement, with the trace it was taken in. */
export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  /** asDouble or asInt (as bigint). */
  value: number | bigint;
  /** 16 bytes as 32 lowercase hex characters, or ''. */
  traceId: string;
  spanId: string;
}

/** The fields every data point has. */
interface PointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  exemplars: Exemplar[];
  flags: number;
}

/** A point of a gauge or sum. */
export interface NumberDataPoint extends PointBase {
  /** asDouble or asInt (as bigint). */
  value: number | bigint;
}

/** A point of an explicit-bucket histogram. */
export interface HistogramDataPoint extends PointBase {
  count: bigint;
  /** Absent when the sum is not defined (e.g. negative measurements). */
  sum?: number;
  /** explicitBounds.length + 1 counts. */
  bucketCounts: bigint[];
  explicitBounds: number[];
  min?: number;
  max?: number;
}

/** Buckets of one sign of an exponential histogram. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: bigint[];
}

/** A point of an exponential histogram. */
export interface ExponentialHistogramDataPoint extends PointBase {
  count: bigint;
  sum?: number;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  min?: number;
  max?: number;
  zeroThreshold: number;
}

/** A point of a summary. */
export interface SummaryDataPoint extends Omit<PointBase, 'exemplars'> {
  count: bigint;
  sum: number;
  quantileValues: Array<{ quantile: number; value: number }>;
}

/** The data of a metric: exactly one kind. */
export type MetricData =
  | { type: 'gauge'; dataPoints: NumberDataPoint[] }
  | { type: 'sum'; dataPoints: NumberDataPoint[]; aggregationTemporality: number; isMonotonic: boolean }
  | { type: 'histogram'; dataPoints: HistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'exponentialHistogram'; dataPoints: ExponentialHistogramDataPoint[]; aggregationTemporality: number }
  | { type: 'summary'; dataPoints: SummaryDataPoint[] };

/** OTLP Metric. */
export interface Metric {
  name: string;
  description: string;
  unit: string;
  data: MetricData;
  metadata: Attributes;
}

/** OTLP ScopeMetrics. */
export interface ScopeMetrics {
  scope: InstrumentationScope;
  schemaUrl: string;
  metrics: Metric[];
}

/** OTLP ResourceMetrics. */
export interface ResourceMetrics {
  resource: Resource;
  schemaUrl: string;
  scopeMetrics: ScopeMetrics[];
}

/** The body of an OTLP ExportMetricsServiceRequest. */
export interface MetricsData {
  resourceMetrics: ResourceMetrics[];
}

/** Counts the data points in a request (OTLP's unit for partial success of metrics). */
export function countDataPoints(data: MetricsData): number {
  let n = 0;
  for (const rm of data.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.data.dataPoints.length;
  return n;
}
