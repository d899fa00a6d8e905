/**
 * OTLP metrics as Prometheus samples, translated the way the OTel Collector's Prometheus exporters
 * do (collector-contrib pkg/translator/prometheus and prometheusremotewrite; OTel spec
 * compatibility/prometheus_and_openmetrics.md): normalised names with unit and `_total` suffixes,
 * sanitised label names, `job`/`instance` from the resource, `otel_scope_name`/`otel_scope_version`
 * labels, histograms and summaries as their classic series. Metrics that came from Prometheus
 * (metadata `prometheus.type`) keep their names and labels. Model code: the ingester stores these
 * samples, the head (src/promql/head) keeps them in memory.
 */
import {
  DataPointFlags, Temporality, type Exemplar, type ExponentialHistogramDataPoint, type HistogramDataPoint, type Metric, type MetricsData,
  type NumberDataPoint, type SummaryDataPoint,
} from './metrics.js';
import type { AnyValue, Attributes, InstrumentationScope } from './trace.js';
import { formatFloat } from './text/floats.js';

/** An exemplar of a sample: the measurement and the trace it was taken in (the stored shape). */
export interface PrometheusExemplar {
  'trace.id'?: string;
  'span.id'?: string;
  value: number | null;
  /** RFC 3339 with milliseconds. */
  '@timestamp'?: string;
  labels?: Record<string, string>;
}

/** One sample: labels (without `__name__`, sorted by name), value or what it is instead. */
export interface PrometheusSample {
  labels: Record<string, string>;
  /** Null when NaN or infinite (then `nonfinite` says which) or a staleness marker. */
  value: number | null;
  nonfinite?: 'NaN' | '+Inf' | '-Inf';
  stale?: true;
  /** Set after `add` for histogram buckets: keep the object, not a copy. */
  exemplar?: PrometheusExemplar;
}

/** Receives the samples of a translation, in request order. */
export interface SampleSink {
  add(name: string, type: string, service: string | undefined, ms: number, sample: PrometheusSample): void;
}

/** The value of a sample as a float, and whether it is a staleness marker. */
export function sampleValue(s: PrometheusSample): number {
  if (s.value !== null) return s.value;
  return s.nonfinite === '+Inf' ? Infinity : s.nonfinite === '-Inf' ? -Infinity : Number.NaN;
}

/**
 * Translates a request to samples. Sums, histograms and exponential histograms that are not
 * cumulative are dropped (the OTel spec's MUST for a stateless exporter), and counted.
 */
export function translateMetrics(data: MetricsData, sink: SampleSink): { droppedPoints: number } {
  const out = { droppedPoints: 0 };
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
        const ctx: Context = { out: sink, metric, service, target, scope: sm.scope, promType: promType(metric) };
        if (!translateMetric(ctx)) out.droppedPoints += metric.data.dataPoints.length;
      }
    }
  }
  return { droppedPoints: out.droppedPoints };
}

interface Context {
  out: SampleSink;
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
  const docs: Array<[number, PrometheusSample]> = [];
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
function bucketOf(value: number, docs: Array<[number, PrometheusSample]>): number {
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
): PrometheusSample {
  const ms = Number(p.timeUnixNano / 1_000_000n);
  const s: PrometheusSample = { labels, value: null };
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
  return JSON.stringify(plainValue(v));
}

/** A value as JSON can hold it, as the stored attributes hold it: int64 beyond 2^53 and bytes as strings. */
function plainValue(v: AnyValue): unknown {
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plainValue);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainValue(x as AnyValue)]));
  return v;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The newest exemplar (the last of equals), or undefined. */
function newest(exemplars: Exemplar[]): Exemplar | undefined {
  let best: Exemplar | undefined;
  for (const e of exemplars) if (best === undefined || e.timeUnixNano >= best.timeUnixNano) best = e;
  return best;
}

function storedExemplar(e: Exemplar): PrometheusExemplar {
  const value = Number(e.value);
  const out: PrometheusExemplar = { value: Number.isFinite(value) ? value : null };
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
