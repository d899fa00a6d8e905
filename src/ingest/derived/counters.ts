/**
 * The counters of one source partition: RED series derived from spans (as the OTel Collector's
 * spanmetrics connector derives them) and record counts derived from logs. Counting is a pure
 * function of the partition's records in offset order, so two ingesters that count the same
 * records from the same saved state reach the same values (docs/adr/0007-derived-series.md).
 */
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { LogsData } from '../../model/logs.js';
import type { AnyValue, Attributes, TracesData } from '../../model/trace.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';

/** An extra span-metrics dimension: a span attribute, else a resource attribute, else `default`. */
export interface DimensionSettings {
  name: string;
  default?: string;
}

/** What is derived, and how (`ingest` config block). */
export interface DerivationSettings {
  spans: { enabled: boolean; dimensions: DimensionSettings[]; bounds: number[]; exemplars: boolean };
  logs: { enabled: boolean };
}

/** The newest span seen in a histogram bucket since the last emission. */
export interface BucketExemplar {
  traceId: string;
  spanId: string;
  seconds: number;
  timeUnixNano: bigint;
}

/** One derived series: its labels as OTLP attributes (key, value, key, value...) and its totals. */
export interface Series {
  labels: string[];
  count: number;
  /** Span series: sum of durations in seconds, and per-bucket (not cumulative) counts, +Inf last. */
  sum: number;
  buckets: number[];
  /** When the series was first counted (ms); its zero sample is emitted at that time. */
  createdMs: number;
  /** Whether the zero sample was emitted (saved, so a restart does not emit it again after values). */
  zeroSent: boolean;
  /** Not saved: exemplars are a hint, not a count. */
  exemplars?: Array<BucketExemplar | undefined>;
  /** The saved form while unchanged: a save re-encodes only the series that changed. */
  saved?: string;
  /** Whose records it counts; absent: the default tenant's. */
  tenant?: string;
}

/** The counters of one source partition, and the offset after the last counted record. */
export interface PartitionCounters {
  next: bigint;
  /** Histogram bounds of the span series (seconds). */
  bounds: number[];
  spans: Map<string, Series>;
  logs: Map<string, Series>;
}

/** Hands out room for new series under a process-wide bound. */
export interface SeriesBudget {
  /** True when one more series fits (and takes it). */
  take(): boolean;
}

/** Empty counters that count from offset `next` on. */
export function emptyCounters(bounds: number[], next = 0n): PartitionCounters {
  return { next, bounds: [...bounds], spans: new Map(), logs: new Map() };
}

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

/** An attribute value as a label value (strings as they are, others as their text). */
function text(v: AnyValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/** The bucket index of `seconds`: the first bound at least as large (spanmetrics' placement), else +Inf. */
export function bucketIndex(bounds: readonly number[], seconds: number): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((bounds[mid] as number) < seconds) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What one count call did. */
export interface CountOutcome {
  counted: number;
  /** Records not counted because their new series did not fit the budget. */
  dropped: number;
}

/** The key of a series in its map: its labels, after its tenant for another tenant than the default. */
const seriesKey = (labels: string[], tenant: string | undefined): string => (tenant === undefined || tenant === DEFAULT_TENANT ? labels.join('\u0000') : `${tenant}\u0001${labels.join('\u0000')}`);

/** Finds or creates the series of `labels` of `tenant`; undefined when the budget is spent. */
function seriesOf(map: Map<string, Series>, labels: string[], buckets: number, nowMs: number, budget: SeriesBudget, tenant: string | undefined): Series | undefined {
  const key = seriesKey(labels, tenant);
  let s = map.get(key);
  if (s === undefined) {
    if (!budget.take()) return undefined;
    s = { labels, count: 0, sum: 0, buckets: new Array<number>(buckets).fill(0), createdMs: nowMs, zeroSent: false };
    if (tenant !== undefined && tenant !== DEFAULT_TENANT) s.tenant = tenant;
    map.set(key, s);
  }
  return s;
}

/** The span-metrics labels of a span: service, name, kind, status, then the configured dimensions. */
function spanLabels(service: string, name: string, kind: number, status: number, attrs: Attributes, resource: Attributes, dims: DimensionSettings[]): string[] {
  const labels = ['service.name', service, 'span.name', name, 'span.kind', KIND_NAMES[kind] ?? `SPAN_KIND_${kind}`, 'status.code', STATUS_NAMES[status] ?? `STATUS_CODE_${status}`];
  for (const d of dims) {
    const v = text(attrs[d.name]) ?? text(resource[d.name]) ?? d.default;
    if (v !== undefined) labels.push(d.name, v);
  }
  return labels;
}

/** Counts the spans of one record of `tenant` into `c` (the caller decides the record is not yet counted). */
export function countSpans(c: PartitionCounters, data: TracesData, settings: DerivationSettings['spans'], nowMs: number, budget: SeriesBudget, tenant?: string): CountOutcome {
  const out = { counted: 0, dropped: 0 };
  for (const rs of data.resourceSpans) {
    const res = rs.resource.attributes;
    const service = text(res['service.name']) ?? '';
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const s = seriesOf(c.spans, spanLabels(service, span.name, span.kind, span.status.code, span.attributes, res, settings.dimensions), c.bounds.length + 1, nowMs, budget, tenant);
        if (s === undefined) {
          out.dropped++;
          continue;
        }
        const ns = span.endTimeUnixNano - span.startTimeUnixNano;
        const seconds = ns > 0n ? Number(ns) / 1e9 : 0;
        const i = bucketIndex(c.bounds, seconds);
        s.count++;
        s.saved = undefined;
        s.sum += seconds;
        s.buckets[i] = (s.buckets[i] as number) + 1;
        if (settings.exemplars && span.traceId !== '') {
          (s.exemplars ??= [])[i] = { traceId: span.traceId, spanId: span.spanId, seconds, timeUnixNano: span.endTimeUnixNano };
        }
        out.counted++;
      }
    }
  }
  return out;
}

/** Counts the log records of one record of `tenant` into `c` by service and severity text. */
export function countLogs(c: PartitionCounters, data: LogsData, nowMs: number, budget: SeriesBudget, tenant?: string): CountOutcome {
  const out = { counted: 0, dropped: 0 };
  for (const rl of data.resourceLogs) {
    const service = text(rl.resource.attributes['service.name']) ?? '';
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const s = seriesOf(c.logs, ['service.name', service, 'severity_text', r.severityText], 0, nowMs, budget, tenant);
        if (s === undefined) out.dropped++;
        else {
          s.count++;
          s.saved = undefined;
          out.counted++;
        }
      }
    }
  }
  return out;
}

/** Saved form of a series: labels, count, sum, buckets, created, zero sent, and its tenant unless the default (states saved before tenancy have none). */
type SavedSeries = [string[], number, number, number[], number, 0 | 1] | [string[], number, number, number[], number, 0 | 1, string];
interface SavedCounters {
  v: 1;
  next: string;
  bounds: number[];
  spans: SavedSeries[];
  logs: SavedSeries[];
}

/** A series' saved JSON, cached until it changes (counting and the zero flag clear `saved`). */
const save = (s: Series): string => (s.saved ??= JSON.stringify([s.labels, s.count, s.sum, s.buckets, s.createdMs, s.zeroSent ? 1 : 0, ...(s.tenant === undefined ? [] : [s.tenant])]));
const list = (m: Map<string, Series>): string => {
  const parts: string[] = [];
  for (const s of m.values()) parts.push(save(s));
  return `[${parts.join(',')}]`;
};
const load = (map: Map<string, Series>, rows: SavedSeries[]) => {
  for (const [labels, count, sum, buckets, createdMs, zero, tenant] of rows) {
    map.set(seriesKey(labels, tenant), { labels, count, sum, buckets, createdMs, zeroSent: zero === 1, ...(tenant === undefined ? {} : { tenant }) });
  }
};

/** The saved form of `c`: gzipped JSON (label sets repeat, so it packs about tenfold). */
export function encodeCounters(c: PartitionCounters): Buffer {
  return gzipSync(countersJson(c), { level: 1 });
}

/** `c` as the JSON of its saved form: taken at once, so the snapshot is of this moment. */
export function countersJson(c: PartitionCounters): string {
  return `{"v":1,"next":"${c.next}","bounds":${JSON.stringify(c.bounds)},"spans":${list(c.spans)},"logs":${list(c.logs)}}`;
}

const gzipAsync = promisify(gzip);

/** The saved form of a countersJson snapshot, compressed on libuv's thread pool (gzipSync of a large state held the event loop ~50 ms). */
export function compressCounters(json: string): Promise<Buffer> {
  return gzipAsync(json, { level: 1 });
}

/**
 * Counters from their saved form. Span series saved with other histogram bounds than `bounds`
 * are left out: they start again from zero (a true counter reset, which PromQL accounts for).
 */
export function decodeCounters(buf: Buffer, bounds: number[]): { counters: PartitionCounters; boundsChanged: boolean } {
  const saved = JSON.parse(gunzipSync(buf).toString()) as SavedCounters;
  if (saved.v !== 1) throw new Error(`unknown derived-state version ${String(saved.v)}`);
  const boundsChanged = saved.bounds.length !== bounds.length || saved.bounds.some((b, i) => b !== bounds[i]);
  const c = emptyCounters(bounds, BigInt(saved.next));
  if (!boundsChanged) load(c.spans, saved.spans);
  load(c.logs, saved.logs);
  return { counters: c, boundsChanged };
}
