/**
 * OTLP/JSON codec for ExportMetricsServiceRequest, with the rules of the other OTLP/JSON codecs:
 * lowerCamelCase keys (snake_case accepted), hex exemplar IDs in either case, int64 as decimal
 * strings or numbers, enums as numbers or names, doubles as numbers or "NaN"/"Infinity"/"-Infinity",
 * unknown fields ignored. Errors name the JSON path using the keys the sender used; what is
 * rejected, and how it is counted, is shared with the protobuf codec (metrics-common.ts).
 */
import { BraidError, isBraidError } from '../../errors.js';
import { isHex, isZeroHex } from '../hex.js';
import type {
  Exemplar, ExponentialBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, MetricsData, NumberDataPoint,
  SummaryDataPoint,
} from '../metrics.js';
import type { Attributes } from '../trace.js';
import {
  asArray, asDouble, asEnum, asInt32, asInt64, asObject, asString, asUint32, asUint64, attributesToJson, doubleToJson, exportToJson,
  formatPath, invalid, isObject, parseAttributes, parseExport, parseList, show, type ExportKeys, type JsonObject, type JsonPath,
} from './common-json.js';
import {
  METRICS_LAYOUT, NO_VALUE, Rejections, TEMPORALITIES, emptyData, histogramProblem, valueOfEmptyPoint, type DataKind, type LenientMetrics,
  type MetricDraft,
} from './metrics-common.js';

const KEYS: ExportKeys = { resources: ['resourceMetrics', 'resource_metrics'], scopes: ['scopeMetrics', 'scope_metrics'], items: ['metrics', 'metrics'] };

/** The keys of the Metric `data` oneof, in both spellings. */
const DATA_KEYS = new Map<string, DataKind>([
  ['gauge', 'gauge'], ['sum', 'sum'], ['histogram', 'histogram'], ['exponentialHistogram', 'exponentialHistogram'],
  ['exponential_histogram', 'exponentialHistogram'], ['summary', 'summary'],
]);

/** Parses an OTLP/JSON ExportMetricsServiceRequest (already JSON.parse'd); throws on the first invalid metric or data point. */
export function parseMetricsRequestJson(body: unknown): MetricsData {
  const log = new Rejections(true);
  return parseExport(body, KEYS, METRICS_LAYOUT, (v, path, out) => parseMetricItem(v, path, out, log));
}

/** Parses an OTLP/JSON request, dropping invalid data points and metrics with their reasons; an invalid part outside a metric still throws. */
export function parseMetricsRequestJsonLenient(body: unknown): LenientMetrics {
  const log = new Rejections(false);
  const data = parseExport(body, KEYS, METRICS_LAYOUT, (v, path, out) => parseMetricItem(v, path, out, log));
  return { data, rejected: log.rejected, errors: log.errors };
}

/**
 * Parses a metric into `out`. Leniently, an invalid data point is dropped by itself; any other
 * invalid part drops the metric, counted as the data points it holds (one when none).
 */
function parseMetricItem(v: unknown, path: JsonPath, out: Metric[], log: Rejections): void {
  const depth = path.length;
  const pending: string[] = [];
  let draft: MetricDraft;
  try {
    draft = parseMetric(v, path, log, pending);
  } catch (err) {
    if (log.strict || !isBraidError(err, 'BRAID_ERR_OTLP_INVALID')) throw err;
    path.length = depth;
    log.add(err.message, Math.max(1, countPoints(v)));
    return;
  }
  const metric = log.finishMetric(formatPath(path), draft, pending);
  if (metric !== undefined) out.push(metric);
}

/** How many data points a metric's JSON holds, whatever else is wrong with it. */
function countPoints(v: unknown): number {
  if (!isObject(v)) return 0;
  let n = 0;
  for (const k in v) {
    const data = DATA_KEYS.has(k) ? v[k] : undefined;
    if (!isObject(data)) continue;
    const points = data.dataPoints ?? data.data_points;
    if (Array.isArray(points)) n += points.length;
  }
  return n;
}

function parseMetric(v: unknown, path: JsonPath, log: Rejections, pending: string[]): MetricDraft {
  const o = asObject(v, path);
  const draft: MetricDraft = { name: '', description: '', unit: '', data: undefined, metadata: {} };
  let dataKey: string | undefined;
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    const kind = DATA_KEYS.get(k);
    if (kind !== undefined) {
      // A oneof set twice is an error in proto3 JSON (the protobuf encoding keeps the last instead).
      if (dataKey !== undefined) throw invalid(path, k, `only one of gauge, sum, histogram, exponentialHistogram or summary may be set, and ${dataKey} is`);
      dataKey = k;
      draft.data = parseData(f, path, k, kind, log, pending);
    } else if (k === 'name') draft.name = asString(f, path, k);
    else if (k === 'description') draft.description = asString(f, path, k);
    else if (k === 'unit') draft.unit = asString(f, path, k);
    else if (k === 'metadata') draft.metadata = parseAttributes(f, path, k);
  }
  return draft;
}

function parseData(v: unknown, path: JsonPath, field: string, kind: DataKind, log: Rejections, pending: string[]): MetricData {
  const o = asObject(v, path, field);
  const data = emptyData(kind);
  path.push(field);
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'dataPoints' || k === 'data_points') {
      const list = asArray(f, path, k);
      path.push(k);
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        parsePointInto(data, list[i], path, log, pending);
        path.pop();
      }
      path.pop();
    } else if ((k === 'aggregationTemporality' || k === 'aggregation_temporality') && 'aggregationTemporality' in data) {
      data.aggregationTemporality = asEnum(f, TEMPORALITIES, 'AggregationTemporality', path, k);
    } else if ((k === 'isMonotonic' || k === 'is_monotonic') && data.type === 'sum') {
      if (typeof f !== 'boolean') throw invalid(path, k, `expected a boolean, got ${show(f)}`);
      data.isMonotonic = f;
    }
  }
  path.pop();
  return data;
}

/** Parses a data point into `data`; an invalid one is rejected by itself (held in `pending` until its metric is complete). */
function parsePointInto(data: MetricData, v: unknown, path: JsonPath, log: Rejections, pending: string[]): void {
  const depth = path.length;
  try {
    switch (data.type) {
      case 'gauge': case 'sum': data.dataPoints.push(parseNumberPoint(v, path)); break;
      case 'histogram': data.dataPoints.push(parseHistogramPoint(v, path)); break;
      case 'exponentialHistogram': data.dataPoints.push(parseExponentialPoint(v, path)); break;
      case 'summary': data.dataPoints.push(parseSummaryPoint(v, path)); break;
    }
  } catch (err) {
    if (log.strict || !isBraidError(err, 'BRAID_ERR_OTLP_INVALID')) throw err;
    path.length = depth;
    log.point(err.message, pending);
  }
}

/** The fields every data point has (exemplars all but summary points). */
interface CommonFields {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
  exemplars?: Exemplar[];
}

/** Reads field `k` when every data point has it; false when it is not such a field. */
function commonField(p: CommonFields, k: string, f: unknown, path: JsonPath): boolean {
  switch (k) {
    case 'attributes': p.attributes = parseAttributes(f, path, k); return true;
    case 'startTimeUnixNano': case 'start_time_unix_nano': p.startTimeUnixNano = asUint64(f, path, k); return true;
    case 'timeUnixNano': case 'time_unix_nano': p.timeUnixNano = asUint64(f, path, k); return true;
    case 'flags': p.flags = asUint32(f, path, k); return true;
    case 'exemplars':
      if (p.exemplars === undefined) return false;
      p.exemplars = parseList(f, path, k, parseExemplar);
      return true;
  }
  return false;
}

/** Reads the count, sum, min or max of a histogram point of either kind; false when `k` is none of them. */
function statsField(p: { count: bigint; sum?: number; min?: number; max?: number }, k: string, f: unknown, path: JsonPath): boolean {
  switch (k) {
    case 'count': p.count = asUint64(f, path, k); return true;
    case 'sum': p.sum = asDouble(f, path, k); return true;
    case 'min': p.min = asDouble(f, path, k); return true;
    case 'max': p.max = asDouble(f, path, k); return true;
  }
  return false;
}

function parseNumberPoint(v: unknown, path: JsonPath): NumberDataPoint {
  const o = asObject(v, path);
  const p: NumberDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, value: 0 };
  let hasValue = false;
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined || commonField(p, k, f, path)) continue;
    if (k === 'asDouble' || k === 'as_double') p.value = asDouble(f, path, k);
    else if (k === 'asInt' || k === 'as_int') p.value = asInt64(f, path, k);
    else continue;
    hasValue = true;
  }
  if (!hasValue) {
    const empty = valueOfEmptyPoint(p.flags);
    if (empty === undefined) throw invalid(path, 'value', NO_VALUE);
    p.value = empty;
  }
  return p;
}

function parseHistogramPoint(v: unknown, path: JsonPath): HistogramDataPoint {
  const o = asObject(v, path);
  const p: HistogramDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, count: 0n, bucketCounts: [], explicitBounds: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined || commonField(p, k, f, path) || statsField(p, k, f, path)) continue;
    if (k === 'bucketCounts' || k === 'bucket_counts') p.bucketCounts = numbers(f, path, k, asUint64);
    else if (k === 'explicitBounds' || k === 'explicit_bounds') p.explicitBounds = numbers(f, path, k, asDouble);
  }
  const problem = histogramProblem(p);
  if (problem !== undefined) throw new BraidError('BRAID_ERR_OTLP_INVALID', formatPath(path, problem));
  return p;
}

function parseExponentialPoint(v: unknown, path: JsonPath): ExponentialHistogramDataPoint {
  const o = asObject(v, path);
  const p: ExponentialHistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, count: 0n, scale: 0, zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, zeroThreshold: 0,
  };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined || commonField(p, k, f, path) || statsField(p, k, f, path)) continue;
    switch (k) {
      case 'scale': p.scale = asInt32(f, path, k); break;
      case 'zeroCount': case 'zero_count': p.zeroCount = asUint64(f, path, k); break;
      case 'positive': p.positive = parseBuckets(f, path, k); break;
      case 'negative': p.negative = parseBuckets(f, path, k); break;
      case 'zeroThreshold': case 'zero_threshold': p.zeroThreshold = asDouble(f, path, k); break;
    }
  }
  return p;
}

function parseBuckets(v: unknown, path: JsonPath, field: string): ExponentialBuckets {
  const o = asObject(v, path, field);
  const b: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  path.push(field);
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'offset') b.offset = asInt32(f, path, k);
    else if (k === 'bucketCounts' || k === 'bucket_counts') b.bucketCounts = numbers(f, path, k, asUint64);
  }
  path.pop();
  return b;
}

function parseSummaryPoint(v: unknown, path: JsonPath): SummaryDataPoint {
  const o = asObject(v, path);
  const p: SummaryDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 0n, sum: 0, quantileValues: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined || commonField(p, k, f, path)) continue;
    if (k === 'count') p.count = asUint64(f, path, k);
    else if (k === 'sum') p.sum = asDouble(f, path, k);
    else if (k === 'quantileValues' || k === 'quantile_values') p.quantileValues = parseList(f, path, k, parseQuantile);
  }
  return p;
}

function parseQuantile(v: unknown, path: JsonPath): { quantile: number; value: number } {
  const o = asObject(v, path);
  const q = { quantile: 0, value: 0 };
  if (o.quantile !== null && o.quantile !== undefined) q.quantile = asDouble(o.quantile, path, 'quantile');
  if (o.value !== null && o.value !== undefined) q.value = asDouble(o.value, path, 'value');
  return q;
}

function parseExemplar(v: unknown, path: JsonPath): Exemplar {
  const o = asObject(v, path);
  const e: Exemplar = { filteredAttributes: {}, timeUnixNano: 0n, value: 0, traceId: '', spanId: '' };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    switch (k) {
      case 'filteredAttributes': case 'filtered_attributes': e.filteredAttributes = parseAttributes(f, path, k); break;
      case 'timeUnixNano': case 'time_unix_nano': e.timeUnixNano = asUint64(f, path, k); break;
      case 'asDouble': case 'as_double': e.value = asDouble(f, path, k); break;
      case 'asInt': case 'as_int': e.value = asInt64(f, path, k); break;
      case 'traceId': case 'trace_id': e.traceId = parseOptionalId(f, 32, path, k); break;
      case 'spanId': case 'span_id': e.spanId = parseOptionalId(f, 16, path, k); break;
    }
  }
  return e;
}

/** An optional ID of `chars` hex characters (either case) as lowercase; '' when absent or all zero, as in the protobuf codec. */
function parseOptionalId(v: unknown, chars: number, path: JsonPath, field: string): string {
  if (v === '') return '';
  if (typeof v === 'string' && isHex(v, chars)) return isZeroHex(v) ? '' : v.toLowerCase();
  throw invalid(path, field, `expected ${chars} hex characters or none, got ${show(v)}`);
}

/** An array of numbers at `path.field`, each read by `read`; errors name the element as `field[i]`. */
function numbers<T>(v: unknown, path: JsonPath, field: string, read: (v: unknown, path: JsonPath, field: string) => T): T[] {
  return asArray(v, path, field).map((x, i) => read(x, path, `${field}[${i}]`));
}

/** OTLP/JSON form of `data`: int64 as decimal strings, non-finite doubles as strings, exemplar IDs as lowercase hex (left out when absent). */
export function metricsRequestToJson(data: MetricsData): unknown {
  return exportToJson(METRICS_LAYOUT, KEYS, data, metricToJson);
}

function metricToJson(m: Metric): JsonObject {
  const d = m.data;
  const data: JsonObject = {};
  switch (d.type) {
    case 'gauge': case 'sum': data.dataPoints = d.dataPoints.map(numberPointToJson); break;
    case 'histogram': data.dataPoints = d.dataPoints.map(histogramPointToJson); break;
    case 'exponentialHistogram': data.dataPoints = d.dataPoints.map(exponentialPointToJson); break;
    case 'summary': data.dataPoints = d.dataPoints.map(summaryPointToJson); break;
  }
  if ('aggregationTemporality' in d) data.aggregationTemporality = d.aggregationTemporality;
  if (d.type === 'sum') data.isMonotonic = d.isMonotonic;
  return { name: m.name, description: m.description, unit: m.unit, [d.type]: data, metadata: attributesToJson(m.metadata) };
}

function commonToJson(p: CommonFields): JsonObject {
  const out: JsonObject = {
    attributes: attributesToJson(p.attributes), startTimeUnixNano: p.startTimeUnixNano.toString(), timeUnixNano: p.timeUnixNano.toString(), flags: p.flags,
  };
  if (p.exemplars !== undefined) out.exemplars = p.exemplars.map(exemplarToJson);
  return out;
}

/** Adds `asInt` (a bigint, as a string) or `asDouble` to `out`. */
function withValue(out: JsonObject, v: number | bigint): JsonObject {
  if (typeof v === 'bigint') out.asInt = v.toString();
  else out.asDouble = doubleToJson(v);
  return out;
}

/** Adds the optional doubles that are set. */
function withOptional(out: JsonObject, fields: { sum?: number | undefined; min?: number | undefined; max?: number | undefined }): JsonObject {
  if (fields.sum !== undefined) out.sum = doubleToJson(fields.sum);
  if (fields.min !== undefined) out.min = doubleToJson(fields.min);
  if (fields.max !== undefined) out.max = doubleToJson(fields.max);
  return out;
}

function numberPointToJson(p: NumberDataPoint): JsonObject {
  return withValue(commonToJson(p), p.value);
}

function histogramPointToJson(p: HistogramDataPoint): JsonObject {
  const out = commonToJson(p);
  out.count = p.count.toString();
  out.bucketCounts = p.bucketCounts.map(String);
  out.explicitBounds = p.explicitBounds.map(doubleToJson);
  return withOptional(out, p);
}

function exponentialPointToJson(p: ExponentialHistogramDataPoint): JsonObject {
  const out = commonToJson(p);
  out.count = p.count.toString();
  out.scale = p.scale;
  out.zeroCount = p.zeroCount.toString();
  out.positive = { offset: p.positive.offset, bucketCounts: p.positive.bucketCounts.map(String) };
  out.negative = { offset: p.negative.offset, bucketCounts: p.negative.bucketCounts.map(String) };
  out.zeroThreshold = doubleToJson(p.zeroThreshold);
  return withOptional(out, p);
}

function summaryPointToJson(p: SummaryDataPoint): JsonObject {
  const out = commonToJson(p);
  out.count = p.count.toString();
  out.sum = doubleToJson(p.sum);
  out.quantileValues = p.quantileValues.map((q) => ({ quantile: doubleToJson(q.quantile), value: doubleToJson(q.value) }));
  return out;
}

function exemplarToJson(e: Exemplar): JsonObject {
  const out = withValue({ filteredAttributes: attributesToJson(e.filteredAttributes), timeUnixNano: e.timeUnixNano.toString() }, e.value);
  if (e.traceId !== '') out.traceId = e.traceId;
  if (e.spanId !== '') out.spanId = e.spanId;
  return out;
}
