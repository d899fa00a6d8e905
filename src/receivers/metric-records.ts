/**
 * Turns a decoded metrics export into queue records. Metrics belong to no trace, so they go
 * unkeyed (spread over the partitions). A request over the topic's record limit is cut by metric,
 * and a metric with very many data points is first cut into metrics of at most
 * MAX_POINTS_PER_METRIC points, so nothing is refused for size.
 */
import type { Metric, MetricsData, ResourceMetrics, ScopeMetrics } from '../model/metrics.js';
import { encodeMetricsRequest } from '../model/otlp/metrics-proto.js';
import { METRICS_LAYOUT } from '../model/otlp/metrics-common.js';
import type { QueueRecord } from '../queue/queue.js';
import { groupRecords, type RecordEncoding } from './records.js';

const MAX_POINTS_PER_METRIC = 1_000;


const METRIC_RECORDS: RecordEncoding<MetricsData, ResourceMetrics, ScopeMetrics, Metric> = { layout: METRICS_LAYOUT, encode: encodeMetricsRequest, item: 'metric' };

/** A metric cut into metrics of at most `max` data points each (same name, unit and kind). */
function cutPoints(m: Metric, max: number): Metric[] {
  const points: readonly unknown[] = m.data.dataPoints;
  if (points.length <= max) return [m];
  const out: Metric[] = [];
  for (let i = 0; i < points.length; i += max) out.push({ ...m, data: { ...m.data, dataPoints: points.slice(i, i + max) } as Metric['data'] });
  return out;
}

/** Queue records for `data`, each value at most `maxBytes` long. */
export function metricRecords(data: MetricsData, maxBytes: number): QueueRecord[] {
  const cut: MetricsData = {
    resourceMetrics: data.resourceMetrics.map((rm) => ({ ...rm, scopeMetrics: rm.scopeMetrics.map((sm) => ({ ...sm, metrics: sm.metrics.flatMap((m) => cutPoints(m, MAX_POINTS_PER_METRIC)) })) })),
  };
  return groupRecords(new Map([['', cut]]), maxBytes, METRIC_RECORDS, () => null);
}
