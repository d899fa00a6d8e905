/**
 * Per-record limits against abuse (limits.max_attributes_per_record, max_attribute_value_length,
 * max_label_names_per_series, max_label_name_length, max_label_value_length). A record past one is
 * rejected whole, never truncated: the sender learns which record, which limit and the length it
 * sent, never the value (it may be a secret or a megabyte). Spans on the protobuf path are checked
 * during the wire split's walk (trace-wire-check.ts); decoded requests (OTLP/JSON, logs, metrics,
 * Zipkin, NDJSON) by the functions here, after the decoder and before the queue.
 */
import type { LogsData } from './logs.js';
import type { MetricsData } from './metrics.js';
import type { AnyValue, Attributes, Span, TracesData } from './trace.js';
import { keepReason } from './reasons.js';

/** The limits a decoder checks records against (lengths in UTF-16 code units, as JavaScript counts characters). */
export interface RecordLimits {
  /** Attributes of one span, span event, span link, log record or resource. */
  maxAttributes: number;
  /** Characters of one attribute key or string value, at any depth. */
  maxAttributeValueLength: number;
  /** Labels of one series, `__name__` included. */
  maxLabelNames: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
}

/** The config's limit names, as `limitsFor` resolves them for a tenant. */
export interface RecordLimitsConfig {
  max_attributes_per_record: number;
  max_attribute_value_length: number;
  max_label_names_per_series: number;
  max_label_name_length: number;
  max_label_value_length: number;
}

/** The record limits of a tenant's resolved `limits`. */
export function recordLimits(l: RecordLimitsConfig): RecordLimits {
  return {
    maxAttributes: l.max_attributes_per_record,
    maxAttributeValueLength: l.max_attribute_value_length,
    maxLabelNames: l.max_label_names_per_series,
    maxLabelNameLength: l.max_label_name_length,
    maxLabelValueLength: l.max_label_value_length,
  };
}

/** Keys up to this long are named in messages; longer ones only by their length. */
const NAMED_KEY_CHARS = 128;

/** The problem of an attribute count past the limit. */
export function tooManyAttributes(n: number, limits: RecordLimits): string {
  return `${n} attributes, more than max_attributes_per_record (${limits.maxAttributes})`;
}

/** The problem of a top-level attribute key past the limit. */
export function keyTooLong(len: number, limits: RecordLimits): string {
  return `an attribute key of ${len} characters, more than max_attribute_value_length (${limits.maxAttributeValueLength})`;
}

/** The problem of an attribute holding a string (its value, or a string or key inside it) past the limit; a long or undefined key is not named. */
export function valueTooLong(key: string | undefined, len: number, limits: RecordLimits): string {
  const name = key !== undefined && key.length <= NAMED_KEY_CHARS ? `attribute ${JSON.stringify(key)}` : 'an attribute';
  return `${name} holds a string of ${len} characters, more than max_attribute_value_length (${limits.maxAttributeValueLength})`;
}

/** Why `attrs` breaks the limits (count, then each key and string at any depth), or undefined. */
export function attributesProblem(attrs: Attributes, limits: RecordLimits): string | undefined {
  const keys = Object.keys(attrs);
  if (keys.length > limits.maxAttributes) return tooManyAttributes(keys.length, limits);
  const max = limits.maxAttributeValueLength;
  for (const k of keys) {
    if (k.length > max) return keyTooLong(k.length, limits);
    const len = firstOver(attrs[k]!, max);
    if (len > 0) return valueTooLong(k, len, limits);
  }
  return undefined;
}

/** The length of the first string in `v` (values and keys, at any depth) longer than `max`; 0 when none. */
function firstOver(v: AnyValue, max: number): number {
  if (typeof v === 'string') return v.length > max ? v.length : 0;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return 0;
  if (Array.isArray(v)) {
    for (const x of v) {
      const n = firstOver(x, max);
      if (n > 0) return n;
    }
    return 0;
  }
  for (const k of Object.keys(v)) {
    if (k.length > max) return k.length;
    const n = firstOver(v[k]!, max);
    if (n > 0) return n;
  }
  return 0;
}

/** A request decoded leniently (trace, log or metric): what is kept, how many were rejected, and why. */
interface Lenient<D> {
  data: D;
  rejected: number;
  errors: string[];
}

/** Removes the spans past `limits` (their own, an event's, a link's or their resource's attributes), counting each and saying why. */
export function limitTraces<L extends Lenient<TracesData>>(req: L, limits: RecordLimits | undefined): L {
  if (limits === undefined) return req;
  req.data.resourceSpans.forEach((rs, i) => {
    const resource = attributesProblem(rs.resource.attributes, limits);
    rs.scopeSpans.forEach((ss, j) => {
      ss.spans = ss.spans.filter((span, k) => {
        const problem = resource === undefined ? spanProblem(span, limits) : `: resource.attributes: ${resource}`;
        if (problem === undefined) return true;
        keepReason(req.errors, () => `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]${problem}`);
        req.rejected++;
        return false;
      });
    });
  });
  return req;
}

/** Why a span breaks the limits, relative to its path (`.attributes: ...`, `.events[1].attributes: ...`), or undefined. */
function spanProblem(span: Span, limits: RecordLimits): string | undefined {
  const own = attributesProblem(span.attributes, limits);
  if (own !== undefined) return `.attributes: ${own}`;
  for (let e = 0; e < span.events.length; e++) {
    const p = attributesProblem(span.events[e]!.attributes, limits);
    if (p !== undefined) return `.events[${e}].attributes: ${p}`;
  }
  for (let l = 0; l < span.links.length; l++) {
    const p = attributesProblem(span.links[l]!.attributes, limits);
    if (p !== undefined) return `.links[${l}].attributes: ${p}`;
  }
  return undefined;
}

/** Removes the log records past `limits` (their own or their resource's attributes), counting each and saying why. */
export function limitLogs<L extends Lenient<LogsData>>(req: L, limits: RecordLimits | undefined): L {
  if (limits === undefined) return req;
  req.data.resourceLogs.forEach((rl, i) => {
    const resource = attributesProblem(rl.resource.attributes, limits);
    rl.scopeLogs.forEach((sl, j) => {
      sl.logRecords = sl.logRecords.filter((rec, k) => {
        const own = resource === undefined ? attributesProblem(rec.attributes, limits) : undefined;
        if (resource === undefined && own === undefined) return true;
        const why = resource === undefined ? `.attributes: ${own}` : `: resource.attributes: ${resource}`;
        keepReason(req.errors, () => `resourceLogs[${i}].scopeLogs[${j}].logRecords[${k}]${why}`);
        req.rejected++;
        return false;
      });
    });
  });
  return req;
}

/** Why a series with these labels (name -> value, `__name__` included) breaks the label limits, or undefined. */
export function labelsProblem(labels: ReadonlyArray<readonly [string, string]>, limits: RecordLimits): string | undefined {
  if (labels.length > limits.maxLabelNames) return `${labels.length} labels, more than max_label_names_per_series (${limits.maxLabelNames})`;
  for (const [name, value] of labels) {
    if (name.length > limits.maxLabelNameLength) return `a label name of ${name.length} characters, more than max_label_name_length (${limits.maxLabelNameLength})`;
    if (value.length > limits.maxLabelValueLength) {
      const which = name.length <= NAMED_KEY_CHARS ? `label ${JSON.stringify(name)}` : 'a label';
      return `${which} with a value of ${value.length} characters, more than max_label_value_length (${limits.maxLabelValueLength})`;
    }
  }
  return undefined;
}

/** The labels an OTLP data point's series gets: `__name__`, job and instance from the resource, the point's attributes (string form). */
function pointLabels(metric: string, target: ReadonlyArray<readonly [string, string]>, attrs: Attributes): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [['__name__', metric], ...target];
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    out.push([k, typeof v === 'string' ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x)) ?? '']);
  }
  return out;
}

/** The job and instance labels a resource gives its series (prometheus-samples.ts), for counting. */
function targetLabels(res: Attributes): Array<readonly [string, string]> {
  const out: Array<readonly [string, string]> = [];
  const str = (v: AnyValue | undefined) => (typeof v === 'string' ? v : String(v));
  if (res['service.name'] !== undefined) out.push(['job', str(res['service.name'])]);
  if (res['service.instance.id'] !== undefined) out.push(['instance', str(res['service.instance.id'])]);
  return out;
}

/**
 * Removes the data points whose series break the label limits, counting each as OTLP counts
 * metrics (in data points) and naming the metric. A metric left without points is removed.
 */
export function limitMetrics<L extends Lenient<MetricsData>>(req: L, limits: RecordLimits | undefined): L {
  if (limits === undefined) return req;
  req.data.resourceMetrics.forEach((rm, i) => {
    const target = targetLabels(rm.resource.attributes);
    rm.scopeMetrics.forEach((sm, j) => {
      sm.metrics = sm.metrics.filter((m, k) => {
        const points = m.data.dataPoints as Array<{ attributes: Attributes }>;
        const kept = points.filter((p, n) => {
          const problem = labelsProblem(pointLabels(m.name, target, p.attributes), limits);
          if (problem === undefined) return true;
          keepReason(req.errors, () => `resourceMetrics[${i}].scopeMetrics[${j}].metrics[${k}] (${m.name}).dataPoints[${n}]: ${problem}`);
          req.rejected++;
          return false;
        });
        if (kept.length === points.length) return true;
        (m.data as { dataPoints: unknown[] }).dataPoints = kept;
        return kept.length > 0;
      });
    });
  });
  return req;
}
