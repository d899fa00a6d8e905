/**
 * Turns a decoded metrics export into queue records. Metrics belong to no trace; they are keyed by
 * a bucket of their resource (job and instance, for Prometheus series), so every sample of one
 * series lands on one partition, in order: the heads that read the metrics topic refuse a
 * series' samples that arrive out of order, as Prometheus's head does. 64 buckets spread a request
 * over the partitions without a record per target. A request over the topic's record limit is cut
 * by metric, and a metric with very many data points is first cut into metrics of at most
 * MAX_POINTS_PER_METRIC points, so nothing is refused for size.
 */
import { createHash } from 'node:crypto';
import type { Metric, MetricsData, ResourceMetrics, ScopeMetrics } from '../model/metrics.js';
import { encodeMetricsRequest } from '../model/otlp/metrics-proto.js';
import { METRICS_LAYOUT } from '../model/otlp/metrics-common.js';
import type { QueueRecord } from '../queue/queue.js';
import { groupRecords, type RecordEncoding } from './records.js';

const MAX_POINTS_PER_METRIC = 1_000;
const RESOURCE_BUCKETS = 64;


const METRIC_RECORDS: RecordEncoding<MetricsData, ResourceMetrics, ScopeMetrics, Metric> = { layout: METRICS_LAYOUT, encode: encodeMetricsRequest, item: 'metric' };

/** A metric cut into metrics of at most `max` data points each (same name, unit and kind). */
function cutPoints(m: Metric, max: number): Metric[] {
  const points: readonly unknown[] = m.data.dataPoints;
  if (points.length <= max) return [m];
  const out: Metric[] = [];
  for (let i = 0; i < points.length; i += max) out.push({ ...m, data: { ...m.data, dataPoints: points.slice(i, i + max) } as Metric['data'] });
  return out;
}

/** The bucket of a resource: a hash of its attributes, sorted by name. */
function resourceBucket(rm: ResourceMetrics): string {
  const attrs = rm.resource.attributes;
  const text = JSON.stringify(Object.keys(attrs).sort().map((k) => [k, attrs[k]]), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  return `metrics-${createHash('sha1').update(text).digest().readUInt32BE(0) % RESOURCE_BUCKETS}`;
}

/** Queue records for `data`, each value at most `maxBytes` long, keyed by resource bucket. */
export function metricRecords(data: MetricsData, maxBytes: number): QueueRecord[] {
  const buckets = new Map<string, MetricsData>();
  for (const rm of data.resourceMetrics) {
    const cut: ResourceMetrics = { ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.flatMap((m) => cutPoints(m, MAX_POINTS_PER_METRIC)) })) };
    const key = resourceBucket(rm);
    const bucket = buckets.get(key);
    if (bucket === undefined) buckets.set(key, { resourceMetrics: [cut] });
    else bucket.resourceMetrics.push(cut);
  }
  return groupRecords(buckets, maxBytes, METRIC_RECORDS, (key) => Buffer.from(key));
}
