/**
 * Types and rules shared by the OTLP/protobuf and OTLP/JSON metric codecs, so both accept the same
 * metrics, report invalid ones with the same paths and count rejections alike.
 *
 * OTLP counts partial success of metrics in data points. An invalid data point is dropped on its
 * own. An invalid metric (no name, or none of the data fields) is dropped whole and counts as its
 * data points, or as one when it has none, so the sender always learns of it; its message replaces
 * those of its points.
 */
import { BraidError } from '../../errors.js';
import { DataPointFlags, type HistogramDataPoint, type Metric, type MetricData, type MetricsData, type ResourceMetrics, type ScopeMetrics } from '../metrics.js';
import type { Attributes } from '../trace.js';
import type { ItemPosition } from './common-proto.js';
import type { ExportLayout } from './split.js';
import { keepReason } from '../reasons.js';

/** A request decoded leniently: the valid metrics and data points, how many data points were dropped, and why. */
export interface LenientMetrics {
  data: MetricsData;
  rejected: number;
  errors: string[];
}

/** OTLP ExportMetricsPartialSuccess, as told to the sender. */
export interface MetricsPartialSuccess {
  rejectedDataPoints: number;
  errorMessage: string;
}

/** The layout of a metric export, for the shared request codecs. */
export const METRICS_LAYOUT: ExportLayout<MetricsData, ResourceMetrics, ScopeMetrics, Metric> = {
  resources: (data) => data.resourceMetrics,
  scopes: (rm) => rm.scopeMetrics,
  items: (sm) => sm.metrics,
  makeExport: (resourceMetrics) => ({ resourceMetrics }),
  makeResource: (resource, schemaUrl, scopeMetrics) => ({ resource, schemaUrl, scopeMetrics }),
  makeScope: (scope, schemaUrl, metrics) => ({ scope, schemaUrl, metrics }),
};

/** A kind of metric data, named as in OTLP/JSON and in error paths. */
export type DataKind = MetricData['type'];

/** The metric data of `kind` of a Metric, narrowed. */
export type DataOf<K extends DataKind> = Extract<MetricData, { type: K }>;

/** AggregationTemporality names of metrics.proto, for OTLP/JSON. */
export const TEMPORALITIES: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0, AGGREGATION_TEMPORALITY_DELTA: 1, AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/** Metric data of `kind` without points, its other fields at their defaults. */
export function emptyData<K extends DataKind>(kind: K): DataOf<K> {
  const data: MetricData = kind === 'sum' ? { type: kind, dataPoints: [], aggregationTemporality: 0, isMonotonic: false }
    : kind === 'histogram' || kind === 'exponentialHistogram' ? { type: kind, dataPoints: [], aggregationTemporality: 0 }
      : { type: kind as 'gauge' | 'summary', dataPoints: [] };
  return data as DataOf<K>;
}

/** The request path of a metric, as used in error messages. */
export function metricPath(at: ItemPosition): string {
  return `resourceMetrics[${at.resource}].scopeMetrics[${at.scope}].metrics[${at.item}]`;
}

/** The problem (after `value: `) of a number data point with neither asDouble nor asInt, which metrics.proto calls invalid. */
export const NO_VALUE = 'neither asDouble nor asInt is set';

/**
 * The value of a number data point that arrived without one: NaN when it is flagged
 * NO_RECORDED_VALUE (a staleness marker carries no value), else undefined, as the point is invalid.
 */
export function valueOfEmptyPoint(flags: number): number | undefined {
  return (flags & DataPointFlags.NO_RECORDED_VALUE) !== 0 ? NaN : undefined;
}

/** Why a histogram data point is invalid (relative to the point's path), or undefined. */
export function histogramProblem(p: HistogramDataPoint): string | undefined {
  const n = p.bucketCounts.length;
  if (n !== 0 && n !== p.explicitBounds.length + 1) {
    return `bucketCounts: expected ${p.explicitBounds.length + 1} counts (explicitBounds + 1) or none, got ${n}`;
  }
  return undefined;
}

/** A metric as read, before the checks on the metric as a whole; `data` is undefined when no data field was set. */
export interface MetricDraft {
  name: string;
  description: string;
  unit: string;
  data: MetricData | undefined;
  metadata: Attributes;
}

/** The rejections of one request: strict mode throws the first, lenient mode keeps the messages and counts the data points dropped. */
export class Rejections {
  readonly errors: string[] = [];
  rejected = 0;
  readonly strict: boolean;

  constructor(strict: boolean) {
    this.strict = strict;
  }

  /** Rejects `points` data points for `message` (a path, then the problem). */
  add(message: string, points: number): void {
    if (this.strict) throw new BraidError('BRAID_ERR_OTLP_INVALID', message);
    keepReason(this.errors, message);
    this.rejected += points;
  }

  /** Rejects one data point of a metric still being read; lenient mode holds its message in `pending` until the metric is known valid. */
  point(message: string, pending: string[]): void {
    if (this.strict) throw new BraidError('BRAID_ERR_OTLP_INVALID', message);
    pending.push(message);
  }

  /**
   * Completes a metric read from `path`: the Metric, or undefined when it is invalid as a whole
   * (rejected with its points). `pending` holds the messages of the points already dropped from it.
   */
  finishMetric(path: string, draft: MetricDraft, pending: string[]): Metric | undefined {
    const { data } = draft;
    const problem = draft.name === '' ? 'name: missing; every metric must have a name'
      : data === undefined ? 'data: none of gauge, sum, histogram, exponentialHistogram or summary is set' : undefined;
    if (problem !== undefined || data === undefined) {
      this.add(`${path}.${problem}`, Math.max(1, (data?.dataPoints.length ?? 0) + pending.length));
      return undefined;
    }
    for (const message of pending) this.add(message, 1);
    return { name: draft.name, description: draft.description, unit: draft.unit, data, metadata: draft.metadata };
  }
}
