/**
 * Prometheus remote write 1.0: the snappy-compressed prometheus.WriteRequest decoded through one
 * validated path, and its flat series translated to OTLP metrics. Field numbers follow
 * prometheus/prometheus prompb/remote.proto and prompb/types.proto. Every failure is
 * BRAID_ERR_REMOTE_WRITE_DECODE (400, which senders do not retry) naming what is wrong, except a
 * body that would decompress past the limit (BRAID_ERR_HTTP_BODY_TOO_LARGE, 413).
 */
import { uncompress } from 'snappyjs';
import { BraidError } from '../../errors.js';
import { labelsProblem, type RecordLimits } from '../../model/limits.js';
import { DataPointFlags, type Exemplar as OtlpExemplar, type Metric, type MetricsData, type NumberDataPoint, type ResourceMetrics } from '../../model/metrics.js';
import { ProtoReader, ProtobufError, type MessageSchema } from '../../model/protobuf/reader.js';
import type { Attributes } from '../../model/trace.js';
import { isHex, isZeroHex } from '../../model/hex.js';

/** Prometheus metric types, as MetricMetadata.MetricType numbers them (0-7). */
export const PROMETHEUS_TYPES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'] as const;

/** A Prometheus metric type, lowercase, as OTLP's `prometheus.type` metadata carries it. */
export type PrometheusType = (typeof PROMETHEUS_TYPES)[number];

/** prometheus.Label. */
export interface Label {
  name: string;
  value: string;
}

/** prometheus.Sample; `stale` marks the staleness marker NaN (0x7ff0000000000002). */
export interface Sample {
  value: number;
  timestampMs: number;
  stale: boolean;
}

/** prometheus.Exemplar. */
export interface Exemplar {
  labels: Label[];
  value: number;
  timestampMs: number;
}

/** prometheus.TimeSeries. Native histograms are counted, not decoded: Braid stores classic series. */
export interface TimeSeries {
  labels: Label[];
  samples: Sample[];
  exemplars: Exemplar[];
  histograms: number;
}

/** prometheus.MetricMetadata. */
export interface MetricMetadata {
  type: PrometheusType;
  metricFamilyName: string;
  help: string;
  unit: string;
}

/** prometheus.WriteRequest, validated. */
export interface WriteRequest {
  timeseries: TimeSeries[];
  metadata: MetricMetadata[];
}

/** How `decodeRemoteWrite` bounds and checks a body. */
export interface RemoteWriteDecodeSettings {
  /** Largest decompressed body accepted (default 20 MiB, the OTel Collector's HTTP limit). */
  maxDecodedBytes?: number;
  /**
   * `legacy` (remote write 1.0): label names match [a-zA-Z_][a-zA-Z0-9_]* and metric names
   * [a-zA-Z_:][a-zA-Z0-9_:]*. `utf8` (Prometheus 3's default scheme): any non-empty name.
   */
  names?: 'legacy' | 'utf8';
  /** The tenant's label limits: a series past one refuses the request with BRAID_ERR_LIMIT_RECORD (400), as an invalid series does. */
  limits?: RecordLimits | undefined;
}

const DEFAULT_MAX_DECODED_BYTES = 20 * 1024 * 1024;
const LEGACY_LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LEGACY_METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
// The largest millisecond timestamp whose nanoseconds fit OTLP's fixed64 times (year 2554).
const MAX_TIMESTAMP_MS = 18_446_744_073_709;
const STALE_NAN_HI = 0x7ff00000;
const STALE_NAN_LO = 0x00000002;

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const WRITE_REQUEST: MessageSchema = { name: 'WriteRequest', fields: [undefined, ['timeseries', LEN], undefined, ['metadata', LEN]] };
const TIME_SERIES: MessageSchema = { name: 'TimeSeries', fields: [undefined, ['labels', LEN], ['samples', LEN], ['exemplars', LEN], ['histograms', LEN]] };
const LABEL: MessageSchema = { name: 'Label', fields: [undefined, ['name', LEN], ['value', LEN]] };
const SAMPLE: MessageSchema = { name: 'Sample', fields: [undefined, ['value', I64], ['timestamp', VARINT]] };
const EXEMPLAR: MessageSchema = { name: 'Exemplar', fields: [undefined, ['labels', LEN], ['value', I64], ['timestamp', VARINT]] };
const METADATA: MessageSchema = {
  name: 'MetricMetadata',
  fields: [undefined, ['type', VARINT], ['metric_family_name', LEN], undefined, ['help', LEN], ['unit', LEN]],
};

const decodeError = (message: string, cause?: unknown): BraidError =>
  new BraidError('BRAID_ERR_REMOTE_WRITE_DECODE', message, cause === undefined ? {} : { cause });

/** Decompresses and decodes a remote write body, and validates every series; throws a BraidError naming the fault. */
export function decodeRemoteWrite(body: Buffer, settings: RemoteWriteDecodeSettings = {}): WriteRequest {
  const maxBytes = settings.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const reason = checkSnappyBlock(body, maxBytes);
  if (reason !== undefined) throw decodeError(`body is not snappy-compressed: ${reason}`);
  let req: WriteRequest;
  try {
    req = decodeWriteRequest(uncompress(body, maxBytes));
  } catch (err) {
    if (err instanceof ProtobufError) throw decodeError(`malformed WriteRequest: ${err.message}`, err);
    throw decodeError(`body is not snappy-compressed: ${(err as Error).message}`, err);
  }
  validate(req, settings.names ?? 'legacy', settings.limits);
  return req;
}

/**
 * Walks a snappy block (a varint length, then literal and copy elements) and returns why it is not
 * one, or undefined. snappyjs checks neither that the output fills the declared length nor that it
 * stops there, so without this walk a body that is not snappy can decode to zero-padded garbage.
 */
function checkSnappyBlock(buf: Uint8Array, maxBytes: number): string | undefined {
  if (buf.length === 0) return 'empty body';
  let pos = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) return 'length header longer than 5 bytes';
    if (pos >= buf.length) return 'truncated length header';
    const b = buf[pos++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared > 0xffffffff) return `declared length ${declared} exceeds 2^32 - 1`;
  if (declared > maxBytes) {
    throw new BraidError('BRAID_ERR_HTTP_BODY_TOO_LARGE', `remote write body decompresses to ${declared} bytes, more than the limit of ${maxBytes}`);
  }
  let out = 0;
  while (pos < buf.length) {
    const at = pos;
    const tag = buf[pos++]!;
    let len: number;
    let offset = 0;
    if ((tag & 3) === 0) {
      len = (tag >>> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (pos + n > buf.length) return `truncated literal length at byte ${at}`;
        len = 1;
        for (let i = 0; i < n; i++) len += buf[pos + i]! * 2 ** (8 * i);
        pos += n;
      }
      if (pos + len > buf.length) return `literal of ${len} bytes at byte ${at} runs past the end`;
      pos += len;
    } else {
      const n = [0, 1, 2, 4][tag & 3]!;
      if (pos + n > buf.length) return `truncated copy at byte ${at}`;
      len = (tag & 3) === 1 ? ((tag >>> 2) & 7) + 4 : (tag >>> 2) + 1;
      offset = (tag & 3) === 1 ? ((tag >>> 5) << 8) | buf[pos]! : 0;
      if ((tag & 3) !== 1) for (let i = 0; i < n; i++) offset += buf[pos + i]! * 2 ** (8 * i);
      pos += n;
      if (offset === 0 || offset > out) return `copy at byte ${at} refers to offset ${offset} before the start of the output`;
    }
    out += len;
    if (out > declared) return `data exceeds the declared length of ${declared} bytes`;
  }
  return out === declared ? undefined : `data ends after ${out} of the declared ${declared} bytes`;
}

function decodeWriteRequest(buf: Uint8Array): WriteRequest {
  const r = new ProtoReader(buf);
  const req: WriteRequest = { timeseries: [], metadata: [] };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) req.timeseries.push(decodeTimeSeries(r));
    else if (tag === 26) req.metadata.push(decodeMetadata(r));
    else r.unknown(tag, WRITE_REQUEST);
  }
  return req;
}

function decodeTimeSeries(r: ProtoReader): TimeSeries {
  const outer = r.enter();
  const ts: TimeSeries = { labels: [], samples: [], exemplars: [], histograms: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) ts.labels.push(decodeLabel(r));
    else if (tag === 18) ts.samples.push(decodeSample(r));
    else if (tag === 26) ts.exemplars.push(decodeExemplar(r));
    else if (tag === 34) {
      r.skipBytes();
      ts.histograms++;
    } else r.unknown(tag, TIME_SERIES);
  }
  r.leave(outer);
  return ts;
}

function decodeLabel(r: ProtoReader): Label {
  const outer = r.enter();
  const label: Label = { name: '', value: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) label.name = r.string();
    else if (tag === 18) label.value = r.string();
    else r.unknown(tag, LABEL);
  }
  r.leave(outer);
  return label;
}

function decodeSample(r: ProtoReader): Sample {
  const outer = r.enter();
  const sample: Sample = { value: 0, timestampMs: 0, stale: false };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 9) {
      // Read the bits before the double: a NaN payload may not survive a JS number.
      const at = r.pos;
      sample.value = r.double();
      sample.stale = Number.isNaN(sample.value) && isStaleNaN(r.buf, at);
    } else if (tag === 16) sample.timestampMs = timestamp(r);
    else r.unknown(tag, SAMPLE);
  }
  r.leave(outer);
  return sample;
}

function decodeExemplar(r: ProtoReader): Exemplar {
  const outer = r.enter();
  const ex: Exemplar = { labels: [], value: 0, timestampMs: 0 };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) ex.labels.push(decodeLabel(r));
    else if (tag === 17) ex.value = r.double();
    else if (tag === 24) ex.timestampMs = timestamp(r);
    else r.unknown(tag, EXEMPLAR);
  }
  r.leave(outer);
  return ex;
}

function decodeMetadata(r: ProtoReader): MetricMetadata {
  const outer = r.enter();
  const md: MetricMetadata = { type: 'unknown', metricFamilyName: '', help: '', unit: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 8) md.type = PROMETHEUS_TYPES[r.uint32()] ?? 'unknown';
    else if (tag === 18) md.metricFamilyName = r.string();
    else if (tag === 34) md.help = r.string();
    else if (tag === 42) md.unit = r.string();
    else r.unknown(tag, METADATA);
  }
  r.leave(outer);
  return md;
}

function isStaleNaN(buf: Uint8Array, at: number): boolean {
  const view = new DataView(buf.buffer, buf.byteOffset + at, 8);
  return view.getUint32(4, true) === STALE_NAN_HI && view.getUint32(0, true) === STALE_NAN_LO;
}

function timestamp(r: ProtoReader): number {
  const at = r.pos;
  const ms = r.int64();
  if (ms < 0n || ms > BigInt(MAX_TIMESTAMP_MS)) {
    throw new ProtobufError(`timestamp ${ms} ms at offset ${at} is outside 1970 to 2554 (OTLP times are unsigned nanoseconds)`, at);
  }
  return Number(ms);
}

function validate(req: WriteRequest, names: 'legacy' | 'utf8', limits: RecordLimits | undefined): void {
  const labelOk = names === 'legacy' ? (n: string) => LEGACY_LABEL_NAME.test(n) : (n: string) => n.length > 0;
  const metricOk = names === 'legacy' ? (n: string) => LEGACY_METRIC_NAME.test(n) : (n: string) => n.length > 0;
  req.timeseries.forEach((ts, i) => {
    const where = `timeseries[${i}]`;
    const fault = labelsFault(ts.labels, labelOk);
    if (fault !== undefined) throw decodeError(`${where}: ${fault}`);
    const name = ts.labels.find((l) => l.name === '__name__')?.value;
    if (name === undefined || name === '') throw decodeError(`${where}: missing __name__ label (labels: ${JSON.stringify(labelObject(ts.labels))})`);
    if (!metricOk(name)) throw decodeError(`${where}: invalid metric name ${JSON.stringify(name)}`);
    const problem = limits === undefined ? undefined : labelsProblem(ts.labels.map((l) => [l.name, l.value] as const), limits);
    // The metric name as Mimir names the series; a name past the value limit only by its start.
    if (problem !== undefined) throw new BraidError('BRAID_ERR_LIMIT_RECORD', `${where} (${name.length > 128 ? `${name.slice(0, 128)}...` : name}): ${problem}`);
    ts.exemplars.forEach((ex, j) => {
      const exFault = labelsFault(ex.labels, labelOk);
      if (exFault !== undefined) throw decodeError(`${where} (${name}).exemplars[${j}]: ${exFault}`);
    });
  });
}

function labelsFault(labels: Label[], nameOk: (n: string) => boolean): string | undefined {
  const seen = new Set<string>();
  for (const l of labels) {
    if (!nameOk(l.name)) return `invalid label name ${JSON.stringify(l.name)}`;
    if (seen.has(l.name)) return `duplicate label name ${JSON.stringify(l.name)}`;
    seen.add(l.name);
  }
  return undefined;
}

function labelObject(labels: Label[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => [l.name, l.value]));
}

/** How `remoteWriteToOtlp` finds metric types. */
export interface RemoteWriteToOtlpSettings {
  /**
   * Metadata from earlier requests, by metric family name: Prometheus sends metadata in requests
   * of its own, so a receiver that keeps it can type the samples that come later.
   */
  metadata?: ReadonlyMap<string, MetricMetadata>;
}

/** The instrumentation scope of translated remote write metrics (the translator, as the OTel spec asks). */
export const REMOTE_WRITE_SCOPE_NAME = 'braid/receivers/prometheus/remote-write';

// Suffixes by which a series name extends its family's name (counters, histograms, summaries, info).
const FAMILY_SUFFIXES = ['_total', '_bucket', '_sum', '_count', '_created', '_info', '_gsum', '_gcount'];

/** One series of the request, with the samples and exemplars of every entry that repeats its labels. */
interface MergedSeries {
  name: string;
  job: string;
  instance: string;
  attributes: Attributes;
  samples: Sample[];
  exemplars: Exemplar[];
}

/**
 * Translates a validated request to OTLP. Remote write carries flat series (a histogram arrives as
 * its `_bucket`, `_sum` and `_count` series), so every series becomes gauge points named by
 * `__name__`, and the Prometheus type goes to `metadata['prometheus.type']` ('unknown' when no
 * metadata names it). `job` and `instance` become the resource (service.name,
 * service.instance.id), as the OTel Collector's Prometheus receiver does. An exemplar goes to the
 * sample of its series with its timestamp, else to the series' last sample in the request; a
 * series without samples in the request has nothing to carry its exemplars, and they are dropped.
 */
export function remoteWriteToOtlp(req: WriteRequest, settings: RemoteWriteToOtlpSettings = {}): MetricsData {
  const metadata = new Map(settings.metadata);
  for (const md of req.metadata) metadata.set(md.metricFamilyName, md);
  const resources = new Map<string, ResourceMetrics>();
  const metrics = new Map<string, Metric>();
  for (const series of mergeSeries(req.timeseries)) {
    if (series.samples.length === 0) continue;
    const resourceKey = `${series.job}\u0000${series.instance}`;
    let rm = resources.get(resourceKey);
    if (rm === undefined) {
      rm = newResourceMetrics(series.job, series.instance);
      resources.set(resourceKey, rm);
    }
    const metricKey = `${resourceKey}\u0000${series.name}`;
    let metric = metrics.get(metricKey);
    if (metric === undefined) {
      metric = newMetric(series.name, familyMetadata(series.name, metadata));
      metrics.set(metricKey, metric);
      rm.scopeMetrics[0]!.metrics.push(metric);
    }
    if (metric.data.type === 'gauge') metric.data.dataPoints.push(...dataPoints(series));
  }
  return { resourceMetrics: [...resources.values()] };
}

function mergeSeries(timeseries: TimeSeries[]): MergedSeries[] {
  const byKey = new Map<string, MergedSeries>();
  for (const ts of timeseries) {
    const labels = ts.labels.filter((l) => l.value !== '').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const key = labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0000');
    let series = byKey.get(key);
    if (series === undefined) {
      series = { name: '', job: '', instance: '', attributes: {}, samples: [], exemplars: [] };
      const attrs: Array<[string, string]> = [];
      for (const l of labels) {
        if (l.name === '__name__') series.name = l.value;
        else if (l.name === 'job') series.job = l.value;
        else if (l.name === 'instance') series.instance = l.value;
        else attrs.push([l.name, l.value]);
      }
      // fromEntries defines own properties, so a label named __proto__ stays a label.
      series.attributes = Object.fromEntries(attrs);
      byKey.set(key, series);
    }
    series.samples.push(...ts.samples);
    series.exemplars.push(...ts.exemplars);
  }
  return [...byKey.values()];
}

function newResourceMetrics(job: string, instance: string): ResourceMetrics {
  const attributes: Attributes = {};
  if (job !== '') attributes['service.name'] = job;
  if (instance !== '') attributes['service.instance.id'] = instance;
  return {
    resource: { attributes, droppedAttributesCount: 0 },
    schemaUrl: '',
    scopeMetrics: [{ scope: { name: REMOTE_WRITE_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [] }],
  };
}

function newMetric(name: string, md: MetricMetadata | undefined): Metric {
  return {
    name,
    description: md?.help ?? '',
    unit: md?.unit ?? '',
    data: { type: 'gauge', dataPoints: [] },
    metadata: { 'prometheus.type': md?.type ?? 'unknown' },
  };
}

/** The metadata of the family a series belongs to: its own name, or its name less a type suffix. */
function familyMetadata(name: string, metadata: ReadonlyMap<string, MetricMetadata>): MetricMetadata | undefined {
  const own = metadata.get(name);
  if (own !== undefined) return own;
  for (const suffix of FAMILY_SUFFIXES) {
    if (name.endsWith(suffix)) {
      const md = metadata.get(name.slice(0, -suffix.length));
      if (md !== undefined) return md;
    }
  }
  return undefined;
}

function dataPoints(series: MergedSeries): NumberDataPoint[] {
  const points = series.samples.map(
    (s): NumberDataPoint => ({
      attributes: series.attributes,
      startTimeUnixNano: 0n,
      timeUnixNano: BigInt(s.timestampMs) * 1_000_000n,
      exemplars: [],
      flags: s.stale ? DataPointFlags.NO_RECORDED_VALUE : 0,
      value: s.value,
    }),
  );
  for (const ex of series.exemplars) {
    const at = series.samples.findIndex((s) => s.timestampMs === ex.timestampMs);
    points[at >= 0 ? at : latestSample(series.samples)]!.exemplars.push(otlpExemplar(ex));
  }
  return points;
}

function latestSample(samples: Sample[]): number {
  let best = 0;
  for (let i = 1; i < samples.length; i++) if (samples[i]!.timestampMs >= samples[best]!.timestampMs) best = i;
  return best;
}

/** trace_id and span_id labels become the exemplar's IDs when they are valid (non-zero hex of the right length); other labels its attributes. */
function otlpExemplar(ex: Exemplar): OtlpExemplar {
  const out: OtlpExemplar = { filteredAttributes: {}, timeUnixNano: BigInt(ex.timestampMs) * 1_000_000n, value: ex.value, traceId: '', spanId: '' };
  const attrs: Array<[string, string]> = [];
  for (const l of ex.labels) {
    if (l.name === 'trace_id' && isHex(l.value, 32) && !isZeroHex(l.value)) out.traceId = l.value.toLowerCase();
    else if (l.name === 'span_id' && isHex(l.value, 16) && !isZeroHex(l.value)) out.spanId = l.value.toLowerCase();
    else if (l.value !== '') attrs.push([l.name, l.value]);
  }
  out.filteredAttributes = Object.fromEntries(attrs);
  return out;
}
