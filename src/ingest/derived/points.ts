/**
 * Derived counters as OTLP metrics: cumulative monotonic sums and cumulative histograms, named so
 * that the OTLP-to-Prometheus translation gives spanmetrics' names (traces.span.metrics.calls ->
 * traces_span_metrics_calls_total, traces.span.metrics.duration in s ->
 * traces_span_metrics_duration_seconds_*, braid.log.records -> braid_log_records_total).
 * The resource and scope are left empty, so no job, instance or otel_scope_* labels are added.
 */
import { Temporality, type Exemplar, type HistogramDataPoint, type Metric, type MetricsData, type NumberDataPoint } from '../../model/metrics.js';
import type { Attributes } from '../../model/trace.js';
import type { PartitionCounters, Series } from './counters.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';

/** The label that keeps each source partition's counters apart. */
export const PARTITION_LABEL = 'braid.partition';

/** The points of one emission, by metric. */
export interface DerivedPoints {
  calls: NumberDataPoint[];
  duration: HistogramDataPoint[];
  logs: NumberDataPoint[];
}

/** Empty point lists. */
export const noPoints = (): DerivedPoints => ({ calls: [], duration: [], logs: [] });

const ms = (t: number) => BigInt(t) * 1_000_000n;

function attributes(s: Series, partition: number): Attributes {
  const a: Attributes = {};
  for (let i = 0; i < s.labels.length; i += 2) a[s.labels[i] as string] = s.labels[i + 1] as string;
  a[PARTITION_LABEL] = String(partition);
  return a;
}

/**
 * Appends the points of `c` at `atMs` to the points of each series' tenant (`out`: one list for
 * all, or a list per tenant). A series not yet shown gets a zero point at its creation time first
 * (before `atMs`), so `increase()` over a range that holds its birth counts all of it rather than
 * extrapolating from its first value.
 */
export function appendPoints(into: DerivedPoints | ((tenant: string) => DerivedPoints), c: PartitionCounters, partition: number, atMs: number): void {
  const pointsOf = typeof into === 'function' ? (s: Series) => into(s.tenant ?? DEFAULT_TENANT) : () => into;
  for (const s of c.spans.values()) {
    const out = pointsOf(s);
    const attrs = attributes(s, partition);
    const start = ms(s.createdMs);
    if (!s.zeroSent) {
      const zeroAt = ms(Math.min(s.createdMs, atMs - 1));
      out.calls.push(numberPoint(attrs, zeroAt, zeroAt, 0));
      out.duration.push({ attributes: attrs, startTimeUnixNano: zeroAt, timeUnixNano: zeroAt, exemplars: [], flags: 0, count: 0n, sum: 0, bucketCounts: s.buckets.map(() => 0n), explicitBounds: c.bounds });
    }
    out.calls.push(numberPoint(attrs, start, ms(atMs), s.count));
    out.duration.push({
      attributes: attrs, startTimeUnixNano: start, timeUnixNano: ms(atMs), exemplars: exemplars(s), flags: 0,
      count: BigInt(s.count), sum: s.sum, bucketCounts: s.buckets.map((b) => BigInt(b)), explicitBounds: c.bounds,
    });
  }
  for (const s of c.logs.values()) {
    const out = pointsOf(s);
    const attrs = attributes(s, partition);
    if (!s.zeroSent) {
      const zeroAt = ms(Math.min(s.createdMs, atMs - 1));
      out.logs.push(numberPoint(attrs, zeroAt, zeroAt, 0));
    }
    out.logs.push(numberPoint(attrs, ms(s.createdMs), ms(atMs), s.count));
  }
}

function numberPoint(attributes: Attributes, start: bigint, time: bigint, value: number): NumberDataPoint {
  return { attributes, startTimeUnixNano: start, timeUnixNano: time, exemplars: [], flags: 0, value };
}

function exemplars(s: Series): Exemplar[] {
  const out: Exemplar[] = [];
  for (const e of s.exemplars ?? []) {
    if (e !== undefined) out.push({ filteredAttributes: {}, timeUnixNano: e.timeUnixNano, value: e.seconds, traceId: e.traceId, spanId: e.spanId });
  }
  return out;
}

const sum = (name: string, unit: string, description: string, dataPoints: NumberDataPoint[]): Metric => ({
  name, unit, description, metadata: {}, data: { type: 'sum', aggregationTemporality: Temporality.CUMULATIVE, isMonotonic: true, dataPoints },
});

/** The points as export requests of at most `maxPoints` data points each. */
export function toRequests(points: DerivedPoints, maxPoints: number): MetricsData[] {
  const metrics: Metric[] = [];
  const cut = <P>(all: P[], make: (p: P[]) => Metric) => {
    for (let i = 0; i < all.length; i += maxPoints) metrics.push(make(all.slice(i, i + maxPoints)));
  };
  cut(points.calls, (p) => sum('traces.span.metrics.calls', '1', 'Spans counted by service, name, kind and status.', p));
  cut(points.duration, (p) => ({
    name: 'traces.span.metrics.duration', unit: 's', description: 'Span durations by service, name, kind and status.', metadata: {},
    data: { type: 'histogram', aggregationTemporality: Temporality.CUMULATIVE, dataPoints: p },
  }));
  cut(points.logs, (p) => sum('braid.log.records', '1', 'Log records counted by service and severity text.', p));
  const scope = { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  return metrics.map((m) => ({ resourceMetrics: [{ resource: { attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics: [m] }] }] }));
}
