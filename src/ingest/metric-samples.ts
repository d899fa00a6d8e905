/**
 * Builds stored metric samples (Prometheus's model) from OTLP metrics, translating the way the OTel
 * Collector's Prometheus exporters do (collector-contrib pkg/translator/prometheus and
 * prometheusremotewrite; OTel spec compatibility/prometheus_and_openmetrics.md): normalised names
 * with unit and `_total` suffixes, sanitised label names, `job`/`instance` from the resource,
 * `otel_scope_name`/`otel_scope_version` labels, histograms and summaries as their classic series.
 * Metrics that came from Prometheus (metadata `prometheus.type`) keep their names and labels.
 */
import { createHash } from 'node:crypto';
import {
  DataPointFlags, Temporality, type Exemplar, type ExponentialHistogramDataPoint, type HistogramDataPoint, type Metric, type MetricsData,
  type NumberDataPoint, type SummaryDataPoint,
} from '../model/metrics.js';
import type { AnyValue, Attributes, InstrumentationScope } from '../model/trace.js';
import { formatFloat } from '../model/text/floats.js';
import { MAX_GROUP_SAMPLES, ungroupSamples, type GroupedSample, type SampleDocument, type SampleGroupDocument, type StoredExemplar } from '../storage/store.js';
import { toStoredValue } from './documents.js';

/** Sample groups of a request, and how many data points were left out (delta temporality: Prometheus has none). */
export interface SampleTranslation {
  groups: SampleGroupDocument[];
  droppedPoints: number;
}

/** The sample groups of an export request: what the ingester stores. */
export function metricSampleGroups(data: MetricsData): SampleGroupDocument[] {
  return translateMetrics(data).groups;
}

/** The samples of an export request, one by one. */
export function metricSamples(data: MetricsData): SampleDocument[] {
  return translateMetrics(data).groups.flatMap(ungroupSamples);
}

/**
 * Translates a request to samples. Sums, histograms and exponential histograms that are not
 * cumulative are dropped (the OTel spec's MUST for a stateless exporter), and counted.
 */
export function translateMetrics(data: MetricsData): SampleTranslation {
  const out = { groups: new Groups(), droppedPoints: 0 };
  for (const rm of data.resourceMetrics) {
    const res = rm.resource.attributes;
    const service = res['service.name'] === undefined ? undefined : labelValue(res['service.name']);
    const target: Array<[string, string]> = [];
    if (service !== undefined) {
      const ns = res['service.namespace'] === undefined ? '' : labelValue(res['service.namespace']);
      target.push(['job', ns === '' ? service : `${ns}/${service}`]);
    }
    if (res['service.instance.id'] !== undefined) target.push(['instance', labelValue(res['service.instance.id'])]);
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const ctx: Context = { out: out.groups, metric, service, target, scope: sm.scope, promType: promType(metric) };
        if (!translateMetric(ctx)) out.droppedPoints += metric.data.dataPoints.length;
      }
    }
  }
  return { groups: out.groups.finish(), droppedPoints: out.droppedPoints };
}

/** A group being filled, with the label values it has seen. */
interface OpenGroup {
  doc: SampleGroupDocument;
  labels: Map<string, Set<string>>;
}

/**
 * Collects samples into groups by metric name, type, service and millisecond, in the order the
 * request gives them; a full group (MAX_GROUP_SAMPLES) is closed and the next sample opens another.
 */
class Groups {
  private readonly open = new Map<string, OpenGroup>();
  private readonly all: OpenGroup[] = [];

  add(name: string, type: string, service: string | undefined, ms: number, sample: GroupedSample): void {
    const key = `${name}\u0000${type}\u0000${service ?? ''}\u0000${ms}`;
    let g = this.open.get(key);
    if (g === undefined || g.doc.samples.length >= MAX_GROUP_SAMPLES) {
      const doc: SampleGroupDocument = { '@timestamp': new Date(ms).toISOString(), 'group.id': '', 'metric.name': name, 'metric.type': type, labels: {}, samples: [] };
      if (service !== undefined) doc['service.name'] = service;
      g = { doc, labels: new Map() };
      this.open.set(key, g);
      this.all.push(g);
    }
    g.doc.samples.push(sample);
    for (const k in sample.labels) {
      let values = g.labels.get(k);
      if (values === undefined) g.labels.set(k, (values = new Set()));
      values.add(sample.labels[k]!);
    }
  }

  /** The groups, each with its label values, exemplar traces (exemplars are set after `add`) and ID. */
  finish(): SampleGroupDocument[] {
    return this.all.map((g) => {
      for (const [k, values] of g.labels) g.doc.labels[k] = [...values];
      const traces = new Set<string>();
      for (const s of g.doc.samples) if (s.exemplar?.['trace.id'] !== undefined) traces.add(s.exemplar['trace.id']);
      if (traces.size > 0) g.doc['exemplar.trace.id'] = [...traces];
      g.doc['group.id'] = groupId(g.doc);
      return g.doc;
    });
  }
}

/**
 * The group's document ID: a hash of name, type, service, time and every sample's series, so the
 * same record read again gives the same IDs, and two requests with different series at the same
 * millisecond do not overwrite each other.
 */
export function groupId(g: Pick<SampleGroupDocument, '@timestamp' | 'metric.name' | 'metric.type' | 'service.name' | 'samples'>): string {
  const h = createHash('sha1').update(`${g['metric.name']}\u0000${g['metric.type']}\u0000${g['service.name'] ?? ''}\u0000${g['@timestamp']}`);
  for (const s of g.samples) {
    let series = '\u0001';
    for (const k in s.labels) series += `${k}\u0000${s.labels[k]}\u0000`;
    h.update(series);
  }
  return h.digest('base64url');
}

interface Context {
  out: Groups;
  metric: Metric;
  service: string | undefined;
  /** job and instance, from the resource. */
  target: Array<[string, string]>;
  scope: InstrumentationScope;
  /** The Prometheus type the metric came with; undefined for a metric born in OTLP. */
  promType: string | undefined;
}

const PROM_TYPES = new Set(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown']);

function promType(metric: Metric): string | undefined {
  const t = metric.metadata['prometheus.type'];
  if (typeof t !== 'string') return undefined;
  return PROM_TYPES.has(t.toLowerCase()) ? t.toLowerCase() : 'unknown';
}

/** Appends the samples of one metric; false when its temporality has no Prometheus form. */
function translateMetric(ctx: Context): boolean {
  const { metric } = ctx;
  const name = ctx.promType === undefined ? prometheusMetricName(metric) : metric.name;
  const d = metric.data;
  switch (d.type) {
    case 'gauge':
      for (const p of d.dataPoints) numberSample(ctx, name, ctx.promType ?? 'gauge', p, ctx.promType !== undefined);
      return true;
    case 'sum': {
      if (d.aggregationTemporality !== Temporality.CUMULATIVE) return false;
      const type = ctx.promType ?? (d.isMonotonic ? 'counter' : 'gauge');
      for (const p of d.dataPoints) numberSample(ctx, name, type, p, d.isMonotonic || ctx.promType !== undefined);
      return true;
    }
    case 'histogram':
      if (d.aggregationTemporality !== Temporality.CUMULATIVE) return false;
      for (const p of d.dataPoints) histogramSamples(ctx, name, p);
      return true;
    case 'exponentialHistogram':
      if (d.aggregationTemporality !== Temporality.CUMULATIVE) return false;
      for (const p of d.dataPoints) exponentialSamples(ctx, name, p);
      return true;
    case 'summary':
      for (const p of d.dataPoints) summarySamples(ctx, name, p);
      return true;
  }
}

/** A gauge or sum point: one sample. OTLP gauges and non-monotonic sums lose their exemplars (spec: MUST). */
function numberSample(ctx: Context, name: string, type: string, p: NumberDataPoint, keepExemplar: boolean): void {
  const doc = sample(ctx, name, type, p, Object.fromEntries(pointLabels(ctx, p.attributes)), Number(p.value));
  const ex = keepExemplar ? newest(p.exemplars) : undefined;
  if (ex !== undefined) doc.exemplar = storedExemplar(ex);
}

/** `_bucket{le}` cumulative counts ending with `le="+Inf"` = count, then `_sum` (when set) and `_count`. */
function histogramSamples(ctx: Context, name: string, p: HistogramDataPoint): void {
  const buckets: Array<[number, bigint]> = [];
  const n = Math.min(p.explicitBounds.length, p.bucketCounts.length);
  for (let i = 0; i < n; i++) buckets.push([p.explicitBounds[i]!, p.bucketCounts[i]!]);
  bucketSamples(ctx, name, p, buckets, p.count, p.sum);
}

/**
 * An exponential histogram as classic series (the spec allows this where native histograms are not
 * stored). Bucket index i covers (base^i, base^(i+1)] with base = 2^(2^-scale), so `le` is its
 * upper bound base^(i+1); negative buckets come first (upper bound -base^i), then the zero bucket
 * (le = zero threshold), then the positive ones. Only the buckets the point carries become series,
 * so the set of `le` values follows the point's offsets.
 */
function exponentialSamples(ctx: Context, name: string, p: ExponentialHistogramDataPoint): void {
  const buckets: Array<[number, bigint]> = [];
  const neg = p.negative;
  for (let k = neg.bucketCounts.length - 1; k >= 0; k--) buckets.push([-expUpperBound(neg.offset + k - 1, p.scale), neg.bucketCounts[k]!]);
  buckets.push([p.zeroThreshold, p.zeroCount]);
  p.positive.bucketCounts.forEach((c, k) => buckets.push([expUpperBound(p.positive.offset + k, p.scale), c]));
  bucketSamples(ctx, name, p, buckets, p.count, p.sum);
}

/** The upper bound of exponential bucket `index`, exact at powers of two (no pow rounding there). */
export function expUpperBound(index: number, scale: number): number {
  const i = index + 1;
  if (scale <= 0) return 2 ** (i * 2 ** -scale);
  const perOctave = 2 ** scale;
  const octave = Math.floor(i / perOctave);
  return 2 ** ((i - octave * perOctave) / perOctave) * 2 ** octave;
}

function bucketSamples(
  ctx: Context, name: string, p: HistogramDataPoint | ExponentialHistogramDataPoint, buckets: Array<[number, bigint]>, count: bigint, sum: number | undefined,
): void {
  const type = ctx.promType ?? 'histogram';
  const labels = pointLabels(ctx, p.attributes);
  const docs: Array<[number, GroupedSample]> = [];
  let cumulative = 0n;
  let last = -Infinity;
  for (const [bound, c] of buckets) {
    cumulative += c;
    // A bound that does not rise (or overflows) adds its count to the next bucket that does.
    if (!(bound > last) || bound === Infinity) continue;
    last = bound;
    docs.push([bound, sample(ctx, `${name}_bucket`, type, p, withLabel(labels, 'le', formatFloat(bound)), Number(cumulative))]);
  }
  docs.push([Infinity, sample(ctx, `${name}_bucket`, type, p, withLabel(labels, 'le', '+Inf'), Number(count))]);
  const inBucket = new Map<number, Exemplar[]>();
  for (const e of p.exemplars) {
    const bound = bucketOf(Number(e.value), docs);
    inBucket.set(bound, [...(inBucket.get(bound) ?? []), e]);
  }
  for (const [bound, doc] of docs) {
    const ex = newest(inBucket.get(bound) ?? []);
    if (ex !== undefined) doc.exemplar = storedExemplar(ex);
  }
  if (sum !== undefined) sample(ctx, `${name}_sum`, type, p, Object.fromEntries(labels), sum);
  sample(ctx, `${name}_count`, type, p, Object.fromEntries(labels), Number(count));
}

/** The bound of the first bucket whose `le` is at least `value` (the collector's placement). */
function bucketOf(value: number, docs: Array<[number, GroupedSample]>): number {
  for (const [bound] of docs) if (value <= bound) return bound;
  return Infinity;
}

/** `{quantile}` values, then `_sum` and `_count`. */
function summarySamples(ctx: Context, name: string, p: SummaryDataPoint): void {
  const type = ctx.promType ?? 'summary';
  const labels = pointLabels(ctx, p.attributes);
  for (const q of p.quantileValues) sample(ctx, name, type, p, withLabel(labels, 'quantile', formatFloat(q.quantile)), q.value);
  sample(ctx, `${name}_sum`, type, p, Object.fromEntries(labels), p.sum);
  sample(ctx, `${name}_count`, type, p, Object.fromEntries(labels), Number(p.count));
}

/** Builds, adds to its group and returns one sample; labels are sorted by name. */
function sample(
  ctx: Context, name: string, type: string, p: { timeUnixNano: bigint; flags: number }, labels: Record<string, string>, value: number,
): GroupedSample {
  const ms = Number(p.timeUnixNano / 1_000_000n);
  const s: GroupedSample = { labels, value: null };
  if ((p.flags & DataPointFlags.NO_RECORDED_VALUE) !== 0) s.stale = true;
  else if (Number.isFinite(value)) s.value = value;
  else s.nonfinite = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  ctx.out.add(name, type, ctx.service, ms, s);
  return s;
}

/**
 * The labels of a point, sorted by name: its attributes (names sanitised and colliding values
 * joined by `;` in the order of the original keys, unless the metric came from Prometheus), then
 * job and instance and the scope labels (OTLP metrics only), each overriding what came before.
 * Empty values are left out: Prometheus treats them as absent.
 */
function pointLabels(ctx: Context, attributes: Attributes): Array<[string, string]> {
  const labels = new Map<string, string>();
  const keys = Object.keys(attributes);
  if (ctx.promType === undefined) keys.sort();
  for (const key of keys) {
    const name = ctx.promType === undefined ? prometheusLabelName(key) : key;
    if (name === '') continue;
    const value = labelValue(attributes[key] as AnyValue);
    const prev = labels.get(name);
    labels.set(name, prev === undefined ? value : `${prev};${value}`);
  }
  for (const [k, v] of ctx.target) labels.set(k, v);
  if (ctx.promType === undefined) {
    if (ctx.scope.name !== '') labels.set('otel_scope_name', ctx.scope.name);
    if (ctx.scope.version !== '') labels.set('otel_scope_version', ctx.scope.version);
  }
  return [...labels].filter(([, v]) => v !== '').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Sorted labels plus (or overriding) `name`, as an object; fromEntries keeps a label named __proto__ a label. */
function withLabel(labels: Array<[string, string]>, name: string, value: string): Record<string, string> {
  const i = labels.findIndex(([k]) => k >= name);
  const entries = [...labels];
  if (i < 0) entries.push([name, value]);
  else entries.splice(i, labels[i]![0] === name ? 1 : 0, [name, value]);
  return Object.fromEntries(entries);
}

/** An attribute value as a label value, as pdata's AsString gives it (arrays and maps as JSON, bytes as base64). */
function labelValue(v: AnyValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(toStoredValue(v));
}

/** The newest exemplar (the last of equals), or undefined. */
function newest(exemplars: Exemplar[]): Exemplar | undefined {
  let best: Exemplar | undefined;
  for (const e of exemplars) if (best === undefined || e.timeUnixNano >= best.timeUnixNano) best = e;
  return best;
}

function storedExemplar(e: Exemplar): StoredExemplar {
  const value = Number(e.value);
  const out: StoredExemplar = { value: Number.isFinite(value) ? value : null };
  if (e.traceId !== '') out['trace.id'] = e.traceId;
  if (e.spanId !== '') out['span.id'] = e.spanId;
  if (e.timeUnixNano > 0n) out['@timestamp'] = new Date(Number(e.timeUnixNano / 1_000_000n)).toISOString();
  const labels = Object.entries(e.filteredAttributes).map(([k, v]): [string, string] => [k, labelValue(v)]);
  if (labels.length > 0) out.labels = Object.fromEntries(labels);
  return out;
}

// UCUM units to Prometheus words (collector-contrib pkg/translator/prometheus normalize_name.go).
const UNITS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', TiBy: 'tibibytes',
  KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  B: 'bytes', KB: 'kilobytes', MB: 'megabytes', GB: 'gigabytes', TB: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams',
  Cel: 'celsius', Hz: 'hertz', '1': '', '%': 'percent', $: 'dollars',
};
const PER_UNITS: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

const tokens = (s: string): string[] => s.split(/[^a-zA-Z0-9]+/).filter((t) => t !== '');
const unitWord = (unit: string, table: Record<string, string>): string => tokens(Object.hasOwn(table, unit) ? table[unit]! : unit).join('_');

/**
 * The Prometheus name of an OTLP metric, as the collector's normaliser builds it: name tokens
 * (runs of ASCII letters and digits; the collector also keeps non-ASCII letters, which Prometheus
 * names cannot hold), the unit's word unless the name has it (ms -> milliseconds, {packets} -> none),
 * `per_<unit>` for `a/b`, `total` last for monotonic sums, `ratio` last for gauges of unit "1",
 * joined by `_` and prefixed with `_` when it would start with a digit.
 */
export function prometheusMetricName(metric: Pick<Metric, 'name' | 'unit' | 'data'>): string {
  let parts = tokens(metric.name);
  const slash = metric.unit.indexOf('/');
  const main = (slash < 0 ? metric.unit : metric.unit.slice(0, slash)).trim();
  const per = slash < 0 ? '' : metric.unit.slice(slash + 1).trim();
  if (main !== '' && !/[{}]/.test(main)) {
    const word = unitWord(main, UNITS);
    if (word !== '' && !parts.includes(word)) parts.push(word);
  }
  if (per !== '' && !/[{}]/.test(per)) {
    const word = unitWord(per, PER_UNITS);
    if (word !== '' && !parts.includes(word)) parts.push('per', word);
  }
  if (metric.data.type === 'sum' && metric.data.isMonotonic) parts = [...parts.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.data.type === 'gauge') parts = [...parts.filter((t) => t !== 'ratio'), 'ratio'];
  const name = parts.join('_');
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/**
 * An attribute key as a label name, as the collector's NormalizeLabel makes it: each character
 * that is not an ASCII letter or digit becomes `_`; a leading digit gets `key_` and a single
 * leading `_` gets `key` (`__` names are kept).
 */
export function prometheusLabelName(key: string): string {
  let name = '';
  for (const ch of key) name += /[a-zA-Z0-9]/.test(ch) ? ch : '_';
  if (/^[0-9]/.test(name)) return `key_${name}`;
  if (name.startsWith('_') && !name.startsWith('__')) return `key${name}`;
  return name;
}
