/**
 * OTLP/protobuf codec for ExportMetricsServiceRequest/Response (opentelemetry/proto/metrics/v1 and
 * collector/metrics/v1). Field numbers match metrics.proto (v1.5+) and the OTel JS serializer;
 * repeated numbers are read packed or unpacked and written packed. Wire corruption is
 * BRAID_ERR_OTLP_DECODE; well-formed but invalid metrics are BRAID_ERR_OTLP_INVALID, or in the
 * lenient decoder rejections counted in data points (see metrics-common.ts).
 */
import type {
  Exemplar, ExponentialBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricData, MetricsData, NumberDataPoint,
  SummaryDataPoint,
} from '../metrics.js';
import { WireType, type MessageSchema, type ProtoReader } from '../protobuf/reader.js';
import type { ProtoWriter } from '../protobuf/writer.js';
import {
  VALUE_STRINGS, decodeExport, decodeKeyValue, encodeAttributes, encodeExport, encodeExportResponse, encodeFixed64, encodeOptionalId, encodeString,
  encodeUint32, optionalIdHex, type ItemPosition,
} from './common-proto.js';
import {
  METRICS_LAYOUT, NO_VALUE, Rejections, emptyData, histogramProblem, metricPath, valueOfEmptyPoint, type DataKind, type LenientMetrics,
  type MetricDraft, type MetricsPartialSuccess,
} from './metrics-common.js';

export type { LenientMetrics, MetricsPartialSuccess } from './metrics-common.js';

const { VARINT, I64, LEN } = WireType;

const schema = (name: string, ...fields: ([string, number] | undefined)[]): MessageSchema => ({ name, fields: [undefined, ...fields] });

const EXPORT_SCHEMAS = {
  request: schema('ExportMetricsServiceRequest', ['resource_metrics', LEN]),
  resource: schema('ResourceMetrics', ['resource', LEN], ['scope_metrics', LEN], ['schema_url', LEN]),
  scope: schema('ScopeMetrics', ['scope', LEN], ['metrics', LEN], ['schema_url', LEN]),
};
// Fields 4, 6 and 8 (the old int_gauge, int_sum, int_histogram) are reserved: skipped whatever their wire type.
const METRIC = schema('Metric', ['name', LEN], ['description', LEN], ['unit', LEN], undefined, ['gauge', LEN], undefined, ['sum', LEN], undefined,
  ['histogram', LEN], ['exponential_histogram', LEN], ['summary', LEN], ['metadata', LEN]);
const DATA: Record<DataKind, MessageSchema> = {
  gauge: schema('Gauge', ['data_points', LEN]),
  sum: schema('Sum', ['data_points', LEN], ['aggregation_temporality', VARINT], ['is_monotonic', VARINT]),
  histogram: schema('Histogram', ['data_points', LEN], ['aggregation_temporality', VARINT]),
  exponentialHistogram: schema('ExponentialHistogram', ['data_points', LEN], ['aggregation_temporality', VARINT]),
  summary: schema('Summary', ['data_points', LEN]),
};
// Field 1 of the data points (the old `labels`) is reserved. Repeated numbers may also come unpacked, which is read before these checks.
const NUMBER_POINT = schema('NumberDataPoint', undefined, ['start_time_unix_nano', I64], ['time_unix_nano', I64], ['as_double', I64],
  ['exemplars', LEN], ['as_int', I64], ['attributes', LEN], ['flags', VARINT]);
const HISTOGRAM_POINT = schema('HistogramDataPoint', undefined, ['start_time_unix_nano', I64], ['time_unix_nano', I64], ['count', I64],
  ['sum', I64], ['bucket_counts', LEN], ['explicit_bounds', LEN], ['exemplars', LEN], ['attributes', LEN], ['flags', VARINT], ['min', I64], ['max', I64]);
const EXPONENTIAL_POINT = schema('ExponentialHistogramDataPoint', ['attributes', LEN], ['start_time_unix_nano', I64], ['time_unix_nano', I64],
  ['count', I64], ['sum', I64], ['scale', VARINT], ['zero_count', I64], ['positive', LEN], ['negative', LEN], ['flags', VARINT], ['exemplars', LEN],
  ['min', I64], ['max', I64], ['zero_threshold', I64]);
const BUCKETS = schema('ExponentialHistogramDataPoint.Buckets', ['offset', VARINT], ['bucket_counts', LEN]);
const SUMMARY_POINT = schema('SummaryDataPoint', undefined, ['start_time_unix_nano', I64], ['time_unix_nano', I64], ['count', I64], ['sum', I64],
  ['quantile_values', LEN], ['attributes', LEN], ['flags', VARINT]);
const QUANTILE = schema('SummaryDataPoint.ValueAtQuantile', ['quantile', I64], ['value', I64]);
const EXEMPLAR = schema('Exemplar', undefined, ['time_unix_nano', I64], ['as_double', I64], ['span_id', LEN], ['trace_id', LEN], ['as_int', I64],
  ['filtered_attributes', LEN]);

/** Metric field number of each kind of data (the `data` oneof). */
const DATA_FIELDS: Record<DataKind, number> = { gauge: 5, sum: 7, histogram: 9, exponentialHistogram: 10, summary: 11 };

/** Decodes an ExportMetricsServiceRequest; throws on the first invalid metric or data point. */
export function decodeMetricsRequest(buf: Uint8Array): MetricsData {
  return decodeExport(buf, EXPORT_SCHEMAS, METRICS_LAYOUT, (r, at) => readMetric(r, at, STRICT));
}

// Strict decoding keeps no state in its Rejections: the first rejection throws.
const STRICT = new Rejections(true);

/** Decodes an ExportMetricsServiceRequest, dropping invalid data points and metrics with their reasons; wire corruption still throws. */
export function decodeMetricsRequestLenient(buf: Uint8Array): LenientMetrics {
  const log = new Rejections(false);
  const data = decodeExport(buf, EXPORT_SCHEMAS, METRICS_LAYOUT, (r, at) => readMetric(r, at, log));
  return { data, rejected: log.rejected, errors: log.errors };
}

/** The metric being read: where its data points are, for their error paths, and the rejections held until the metric is complete. */
interface MetricContext {
  log: Rejections;
  path: string;
  kind: DataKind;
  index: number;
  pending: string[];
}

function readMetric(r: ProtoReader, at: ItemPosition, log: Rejections): Metric | undefined {
  const draft: MetricDraft = { name: '', description: '', unit: '', data: undefined, metadata: {} };
  const ctx: MetricContext = { log, path: metricPath(at), kind: 'gauge', index: 0, pending: [] };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: draft.name = r.cachedString(VALUE_STRINGS); break;
      case 18: draft.description = r.string(); break;
      case 26: draft.unit = r.cachedString(VALUE_STRINGS); break;
      case 42: draft.data = readData(r, draft.data, 'gauge', ctx); break;
      case 58: draft.data = readData(r, draft.data, 'sum', ctx); break;
      case 74: draft.data = readData(r, draft.data, 'histogram', ctx); break;
      case 82: draft.data = readData(r, draft.data, 'exponentialHistogram', ctx); break;
      case 90: draft.data = readData(r, draft.data, 'summary', ctx); break;
      case 98: decodeKeyValue(r, draft.metadata); break;
      default: r.unknown(tag, METRIC);
    }
  }
  r.leave(outer);
  return log.finishMetric(ctx.path, draft, ctx.pending);
}

/** Reads one data message of the `data` oneof into `prev` when it is of the same kind (protobuf merges repeats), else into new data that replaces it. */
function readData(r: ProtoReader, prev: MetricData | undefined, kind: DataKind, ctx: MetricContext): MetricData {
  let data = prev;
  if (data?.type !== kind) {
    data = emptyData(kind);
    ctx.kind = kind;
    ctx.index = 0;
    ctx.pending.length = 0;
  }
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) readPoint(r, data, ctx);
    else if (tag === 16 && 'aggregationTemporality' in data) data.aggregationTemporality = r.int32();
    else if (tag === 24 && data.type === 'sum') data.isMonotonic = r.bool();
    else r.unknown(tag, DATA[kind]);
  }
  r.leave(outer);
  return data;
}

function readPoint(r: ProtoReader, data: MetricData, ctx: MetricContext): void {
  let problem: string | undefined;
  switch (data.type) {
    case 'gauge': case 'sum': problem = keep(data.dataPoints, readNumberPoint(r)); break;
    case 'histogram': problem = keep(data.dataPoints, readHistogramPoint(r)); break;
    case 'exponentialHistogram': problem = keep(data.dataPoints, readExponentialPoint(r)); break;
    case 'summary': data.dataPoints.push(readSummaryPoint(r)); break;
  }
  if (problem !== undefined) ctx.log.point(`${ctx.path}.${ctx.kind}.dataPoints[${ctx.index}].${problem}`, ctx.pending);
  ctx.index++;
}

/** Adds a valid point to `points`; returns the problem of an invalid one. */
function keep<P>(points: P[], p: P | string): string | undefined {
  if (typeof p === 'string') return p;
  points.push(p);
  return undefined;
}

function readNumberPoint(r: ProtoReader): NumberDataPoint | string {
  const p: NumberDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, value: 0 };
  let hasValue = false;
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 17: p.startTimeUnixNano = r.fixed64(); break;
      case 25: p.timeUnixNano = r.fixed64(); break;
      case 33: p.value = r.double(); hasValue = true; break;
      case 42: problem = addExemplar(r, p.exemplars, problem); break;
      case 49: p.value = r.sfixed64(); hasValue = true; break;
      case 58: decodeKeyValue(r, p.attributes); break;
      case 64: p.flags = r.uint32(); break;
      default: r.unknown(tag, NUMBER_POINT);
    }
  }
  r.leave(outer);
  if (!hasValue) {
    const v = valueOfEmptyPoint(p.flags);
    if (v === undefined) problem ??= `value: ${NO_VALUE}`;
    else p.value = v;
  }
  return problem ?? p;
}

function readHistogramPoint(r: ProtoReader): HistogramDataPoint | string {
  const p: HistogramDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, count: 0n, bucketCounts: [], explicitBounds: [] };
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 49: case 50: readRepeated(r, tag, p.bucketCounts, r.fixed64); break;
      case 57: case 58: readRepeated(r, tag, p.explicitBounds, r.double); break;
      case 66: problem = addExemplar(r, p.exemplars, problem); break;
      case 74: decodeKeyValue(r, p.attributes); break;
      case 80: p.flags = r.uint32(); break;
      case 89: p.min = r.double(); break;
      case 97: p.max = r.double(); break;
      default: if (!readCountsField(r, tag, p)) r.unknown(tag, HISTOGRAM_POINT);
    }
  }
  r.leave(outer);
  return problem ?? histogramProblem(p) ?? p;
}

function readExponentialPoint(r: ProtoReader): ExponentialHistogramDataPoint | string {
  const p: ExponentialHistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, exemplars: [], flags: 0, count: 0n, scale: 0, zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, zeroThreshold: 0,
  };
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: decodeKeyValue(r, p.attributes); break;
      case 48: p.scale = sint32(r); break;
      case 57: p.zeroCount = r.fixed64(); break;
      case 66: readBuckets(r, p.positive); break;
      case 74: readBuckets(r, p.negative); break;
      case 80: p.flags = r.uint32(); break;
      case 90: problem = addExemplar(r, p.exemplars, problem); break;
      case 97: p.min = r.double(); break;
      case 105: p.max = r.double(); break;
      case 113: p.zeroThreshold = r.double(); break;
      default: if (!readCountsField(r, tag, p)) r.unknown(tag, EXPONENTIAL_POINT);
    }
  }
  r.leave(outer);
  return problem ?? p;
}

/** The fields that histogram, exponential histogram and summary points number alike: start_time 2, time 3, count 4, sum 5. */
interface Counts {
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: bigint;
  sum?: number;
}

/** Reads one of the Counts fields; false when `tag` is none of them. */
function readCountsField(r: ProtoReader, tag: number, p: Counts): boolean {
  switch (tag) {
    case 17: p.startTimeUnixNano = r.fixed64(); return true;
    case 25: p.timeUnixNano = r.fixed64(); return true;
    case 33: p.count = r.fixed64(); return true;
    case 41: p.sum = r.double(); return true;
  }
  return false;
}

function readBuckets(r: ProtoReader, b: ExponentialBuckets): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 8) b.offset = sint32(r);
    else if (tag === 16 || tag === 18) readRepeated(r, tag, b.bucketCounts, r.uint64);
    else r.unknown(tag, BUCKETS);
  }
  r.leave(outer);
}

function readSummaryPoint(r: ProtoReader): SummaryDataPoint {
  const p: SummaryDataPoint = { attributes: {}, startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 0n, sum: 0, quantileValues: [] };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 50) p.quantileValues.push(readQuantile(r));
    else if (tag === 58) decodeKeyValue(r, p.attributes);
    else if (tag === 64) p.flags = r.uint32();
    else if (!readCountsField(r, tag, p)) r.unknown(tag, SUMMARY_POINT);
  }
  r.leave(outer);
  return p;
}

function readQuantile(r: ProtoReader): { quantile: number; value: number } {
  const q = { quantile: 0, value: 0 };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 9) q.quantile = r.double();
    else if (tag === 17) q.value = r.double();
    else r.unknown(tag, QUANTILE);
  }
  r.leave(outer);
  return q;
}

/** Reads an exemplar into `exemplars`; returns the point's first problem, which an invalid exemplar may be. */
function addExemplar(r: ProtoReader, exemplars: Exemplar[], problem: string | undefined): string | undefined {
  const e = readExemplar(r);
  if (typeof e !== 'string') {
    exemplars.push(e);
    return problem;
  }
  return problem ?? `exemplars[${exemplars.length}].${e}`;
}

function readExemplar(r: ProtoReader): Exemplar | string {
  const e: Exemplar = { filteredAttributes: {}, timeUnixNano: 0n, value: 0, traceId: '', spanId: '' };
  // ID fields are kept as offsets until the exemplar is complete, as in the log codec.
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 17: e.timeUnixNano = r.fixed64(); break;
      case 25: e.value = r.double(); break;
      case 34: sStart = r.skipBytes(); sEnd = r.pos; break;
      case 42: tStart = r.skipBytes(); tEnd = r.pos; break;
      case 49: e.value = r.sfixed64(); break;
      case 58: decodeKeyValue(r, e.filteredAttributes); break;
      default: r.unknown(tag, EXEMPLAR);
    }
  }
  r.leave(outer);
  const traceId = optionalIdHex(r.buf, tStart, tEnd, 16);
  if (traceId === undefined) return `traceId: expected 16 bytes or none, got ${tEnd - tStart}`;
  const spanId = optionalIdHex(r.buf, sStart, sEnd, 8);
  if (spanId === undefined) return `spanId: expected 8 bytes or none, got ${sEnd - sStart}`;
  e.traceId = traceId;
  e.spanId = spanId;
  return e;
}

/** Reads the values of a repeated numeric field: packed (one length-delimited field) or not (one value per field). */
function readRepeated<T>(r: ProtoReader, tag: number, out: T[], read: (this: ProtoReader) => T): void {
  if ((tag & 7) !== LEN) {
    out.push(read.call(r));
    return;
  }
  const outer = r.enter();
  while (r.pos < r.limit) out.push(read.call(r));
  r.leave(outer);
}

/** Reads an sint32 (zigzag-encoded varint). */
function sint32(r: ProtoReader): number {
  const n = r.uint32();
  return (n >>> 1) ^ -(n & 1);
}

/** Encodes `data` as an ExportMetricsServiceRequest, omitting default-valued fields as proto3 does (a oneof value is always written). */
export function encodeMetricsRequest(data: MetricsData): Uint8Array {
  return encodeExport(METRICS_LAYOUT, data, writeMetric);
}

function writeMetric(w: ProtoWriter, m: Metric): void {
  encodeString(w, 1, m.name);
  encodeString(w, 2, m.description);
  encodeString(w, 3, m.unit);
  const data = m.data;
  w.tag(DATA_FIELDS[data.type], LEN);
  const d = w.fork();
  switch (data.type) {
    case 'gauge': case 'sum': writePoints(w, data.dataPoints, writeNumberPoint); break;
    case 'histogram': writePoints(w, data.dataPoints, writeHistogramPoint); break;
    case 'exponentialHistogram': writePoints(w, data.dataPoints, writeExponentialPoint); break;
    case 'summary': writePoints(w, data.dataPoints, writeSummaryPoint); break;
  }
  if ('aggregationTemporality' in data && data.aggregationTemporality !== 0) {
    w.tag(2, VARINT);
    w.int32(data.aggregationTemporality);
  }
  if (data.type === 'sum' && data.isMonotonic) {
    w.tag(3, VARINT);
    w.bool(true);
  }
  w.ldelim(d);
  encodeAttributes(w, 12, m.metadata);
}

/** Writes each point as data_points (field 1 of every data message). */
function writePoints<P>(w: ProtoWriter, points: P[], write: (w: ProtoWriter, p: P) => void): void {
  for (const p of points) {
    w.tag(1, LEN);
    const m = w.fork();
    write(w, p);
    w.ldelim(m);
  }
}

function writeNumberPoint(w: ProtoWriter, p: NumberDataPoint): void {
  encodeFixed64(w, 2, p.startTimeUnixNano);
  encodeFixed64(w, 3, p.timeUnixNano);
  writeValue(w, 4, 6, p.value);
  writeExemplars(w, 5, p.exemplars);
  encodeAttributes(w, 7, p.attributes);
  encodeUint32(w, 8, p.flags);
}

/** Writes the Counts fields; a summary's sum, which is not `optional`, is written like the others, zero included. */
function writeCounts(w: ProtoWriter, p: Counts): void {
  encodeFixed64(w, 2, p.startTimeUnixNano);
  encodeFixed64(w, 3, p.timeUnixNano);
  encodeFixed64(w, 4, p.count);
  writeOptionalDouble(w, 5, p.sum);
}

function writeHistogramPoint(w: ProtoWriter, p: HistogramDataPoint): void {
  writeCounts(w, p);
  writePacked(w, 6, p.bucketCounts, w.fixed64);
  writePacked(w, 7, p.explicitBounds, w.double);
  writeExemplars(w, 8, p.exemplars);
  encodeAttributes(w, 9, p.attributes);
  encodeUint32(w, 10, p.flags);
  writeOptionalDouble(w, 11, p.min);
  writeOptionalDouble(w, 12, p.max);
}

function writeExponentialPoint(w: ProtoWriter, p: ExponentialHistogramDataPoint): void {
  encodeAttributes(w, 1, p.attributes);
  writeCounts(w, p);
  writeSint32(w, 6, p.scale);
  encodeFixed64(w, 7, p.zeroCount);
  writeBuckets(w, 8, p.positive);
  writeBuckets(w, 9, p.negative);
  encodeUint32(w, 10, p.flags);
  writeExemplars(w, 11, p.exemplars);
  writeOptionalDouble(w, 12, p.min);
  writeOptionalDouble(w, 13, p.max);
  writeDouble(w, 14, p.zeroThreshold);
}

function writeBuckets(w: ProtoWriter, field: number, b: ExponentialBuckets): void {
  if (b.offset === 0 && b.bucketCounts.length === 0) return;
  w.tag(field, LEN);
  const m = w.fork();
  writeSint32(w, 1, b.offset);
  writePacked(w, 2, b.bucketCounts, w.uint64);
  w.ldelim(m);
}

function writeSummaryPoint(w: ProtoWriter, p: SummaryDataPoint): void {
  writeCounts(w, p);
  for (const q of p.quantileValues) {
    w.tag(6, LEN);
    const m = w.fork();
    writeDouble(w, 1, q.quantile);
    writeDouble(w, 2, q.value);
    w.ldelim(m);
  }
  encodeAttributes(w, 7, p.attributes);
  encodeUint32(w, 8, p.flags);
}

function writeExemplars(w: ProtoWriter, field: number, exemplars: Exemplar[]): void {
  for (const e of exemplars) {
    w.tag(field, LEN);
    const m = w.fork();
    encodeFixed64(w, 2, e.timeUnixNano);
    writeValue(w, 3, 6, e.value);
    encodeOptionalId(w, 4, e.spanId, 'exemplar spanId');
    encodeOptionalId(w, 5, e.traceId, 'exemplar traceId');
    encodeAttributes(w, 7, e.filteredAttributes);
    w.ldelim(m);
  }
}

/** Writes a number-or-int64 oneof: a double as `doubleField`, a bigint as sfixed64 `intField`; always written, as a set oneof is. */
function writeValue(w: ProtoWriter, doubleField: number, intField: number, v: number | bigint): void {
  if (typeof v === 'bigint') {
    w.tag(intField, I64);
    w.sfixed64(v);
  } else {
    w.tag(doubleField, I64);
    w.double(v);
  }
}

/** Writes a double, omitting +0 as proto3 does (-0 differs in its bits, so it is written). */
function writeDouble(w: ProtoWriter, field: number, v: number): void {
  if (Object.is(v, 0)) return;
  w.tag(field, I64);
  w.double(v);
}

/** Writes an `optional double`: present whenever it is defined, zero included. */
function writeOptionalDouble(w: ProtoWriter, field: number, v: number | undefined): void {
  if (v === undefined) return;
  w.tag(field, I64);
  w.double(v);
}

function writeSint32(w: ProtoWriter, field: number, v: number): void {
  if (v === 0) return;
  w.tag(field, VARINT);
  w.uint32(((v << 1) ^ (v >> 31)) >>> 0);
}

function writePacked<T>(w: ProtoWriter, field: number, values: T[], write: (this: ProtoWriter, v: T) => void): void {
  if (values.length === 0) return;
  w.tag(field, LEN);
  const m = w.fork();
  for (const v of values) write.call(w, v);
  w.ldelim(m);
}

/** Encodes an ExportMetricsServiceResponse; without `partial` it is empty (full success). */
export function encodeMetricsResponse(partial?: MetricsPartialSuccess): Uint8Array {
  return encodeExportResponse(partial && { rejected: partial.rejectedDataPoints, errorMessage: partial.errorMessage });
}

/** The OTLP/JSON ExportMetricsServiceResponse: `{}`, or the partial success with int64 as a string. */
export function metricsResponseJson(partial?: MetricsPartialSuccess): { partialSuccess?: { rejectedDataPoints: string; errorMessage: string } } {
  if (partial === undefined) return {};
  return { partialSuccess: { rejectedDataPoints: String(partial.rejectedDataPoints), errorMessage: partial.errorMessage } };
}
