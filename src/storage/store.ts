/**
 * The storage port: what the ingester writes and the query APIs read. Two implementations:
 * Elasticsearch (src/storage/elasticsearch) and a bounded memory store (src/storage/memory).
 * Documents are the same in both, with ECS names for the correlation fields.
 */

/** A value of an attribute as stored: JSON types; int64 beyond 2^53 and bytes as strings. */
export type StoredValue = string | number | boolean | null | StoredValue[] | { [key: string]: StoredValue };

/** A span event as stored (Jaeger calls these logs). */
export interface StoredSpanEvent {
  'time.us': number;
  name: string;
  attributes?: Record<string, StoredValue>;
}

/** A span link as stored (Jaeger's FOLLOWS_FROM references). */
export interface StoredSpanLink {
  'trace.id': string;
  'span.id': string;
  attributes?: Record<string, StoredValue>;
}

/** One span document. `_id` is trace ID + span ID, so a replay overwrites instead of duplicating. */
export interface SpanDocument {
  '@timestamp': string;
  'trace.id': string;
  'span.id': string;
  'parent.id'?: string;
  'service.name': string;
  'span.name': string;
  'span.kind': string;
  /** Start in microseconds since the epoch (the Jaeger API's unit). */
  'span.start.us': number;
  'span.duration.us': number;
  'span.status.code': 'unset' | 'ok' | 'error';
  'span.status.message'?: string;
  'event.outcome': 'success' | 'failure' | 'unknown';
  'trace.state'?: string;
  'scope.name'?: string;
  'scope.version'?: string;
  attributes: Record<string, StoredValue>;
  'resource.attributes': Record<string, StoredValue>;
  events?: StoredSpanEvent[];
  links?: StoredSpanLink[];
}

/**
 * One log record, with the ECS correlation fields. `_id` = `log.id`, derived from the record's
 * content and its position in its request, so a replay overwrites instead of duplicating.
 */
export interface LogDocument {
  /** RFC 3339 with nine fractional digits (nanoseconds), so string order is time order. */
  '@timestamp': string;
  'log.id': string;
  'trace.id'?: string;
  'span.id'?: string;
  'service.name': string;
  /** Lowercase severity: trace, debug, info, warn, error, fatal, or the sender's own text. */
  'log.level': string;
  /** OTLP SeverityNumber (0 when unknown). */
  'severity.number': number;
  message: string;
  'event.name'?: string;
  'scope.name'?: string;
  attributes: Record<string, StoredValue>;
  'resource.attributes': Record<string, StoredValue>;
}

/**
 * One metric sample in Prometheus's model, as the store gives it back: a series (name and labels)
 * and a value at a time, with the exemplar that came with it. Samples are stored in groups
 * (SampleGroupDocument); a series has one sample per millisecond, so reading a point twice (a
 * replay, a second scrape of the same point) shows it once.
 */
export interface SampleDocument {
  /** RFC 3339 with milliseconds (Prometheus's resolution). */
  '@timestamp': string;
  /** The Prometheus metric name, with suffixes: http_server_request_duration_seconds_bucket. */
  'metric.name': string;
  /** counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown. */
  'metric.type': string;
  /** Every label but __name__ (job, instance, le, quantile included), sorted by name. */
  labels: Record<string, string>;
  /** The value; null when it is NaN or infinite (then `nonfinite` says which) or a staleness marker. */
  value: number | null;
  'nonfinite'?: 'NaN' | '+Inf' | '-Inf';
  /** A Prometheus staleness marker: the series ended. */
  stale?: true;
  'service.name'?: string;
  exemplar?: StoredExemplar;
}

/** An exemplar as stored: the measurement and the trace it was taken in. */
export interface StoredExemplar {
  'trace.id'?: string;
  'span.id'?: string;
  value: number | null;
  '@timestamp'?: string;
  labels?: Record<string, string>;
}

/** One sample inside a group: its labels, value and exemplar. */
export type GroupedSample = Pick<SampleDocument, 'labels' | 'value' | 'nonfinite' | 'stale' | 'exemplar'>;

/** The most samples one group holds (docs/adr/0006). */
export const MAX_GROUP_SAMPLES = 100;

/**
 * The stored unit of metrics: the samples that one request (a scrape, a remote-write or OTLP
 * request) carried for one metric name of one service at one millisecond, at most
 * MAX_GROUP_SAMPLES of them. One document per sample made Elasticsearch spend its time on
 * per-document work; grouped, it indexes several times more samples per CPU-second (docs/adr/0006).
 * `group.id` is derived from name, service, time and the samples' label sets, so a replay of the
 * same record overwrites the same document.
 */
export interface SampleGroupDocument {
  '@timestamp': string;
  'group.id': string;
  'metric.name': string;
  'metric.type': string;
  'service.name'?: string;
  /** Every value each label has in the group: what a label filter matches before the samples are read. */
  labels: Record<string, string[]>;
  /** The traces the group's exemplars point at. */
  'exemplar.trace.id'?: string[];
  /**
   * The series of the samples (`seriesId`), aggregated by the metadata endpoints instead of reading
   * samples. Absent when one is longer than MAX_SERIES_ID_CHARS: such a group is read as samples.
   */
  'series.id'?: string[];
  /** The label names of the group's series, `__name__` included; absent as `series.id` is. */
  'label.names'?: string[];
  samples: GroupedSample[];
}

/** The longest series identity the store aggregates (Elasticsearch's keyword term limit, 32 KiB of UTF-8). */
export const MAX_SERIES_ID_CHARS = 8_191;

/** A series' identity: its name and labels sorted by name, as a JSON array (name, k1, v1, k2, v2...). */
export function seriesId(name: string, labels: Record<string, string>): string {
  const parts = [name];
  for (const k of Object.keys(labels).sort()) parts.push(k, labels[k]!);
  return JSON.stringify(parts);
}

/** The labels (`__name__` included) of a `seriesId`. */
export function parseSeriesId(id: string): Record<string, string> {
  const parts = JSON.parse(id) as string[];
  const out: Record<string, string> = { __name__: parts[0]! };
  for (let i = 1; i + 1 < parts.length; i += 2) out[parts[i]!] = parts[i + 1]!;
  return out;
}

/**
 * What the metadata endpoints ask the store: series of a time range that pass the group filters
 * (metric name, exact label values: applied first, as term filters) and then `test`, an exact check
 * on each series' labels (`__name__` included) for every other matcher.
 */
export interface SeriesQuery {
  metric?: string;
  labels: Record<string, string>;
  /** Inclusive bounds on `@timestamp` (RFC 3339 with milliseconds). */
  start: string;
  end: string;
  test?: (labels: Record<string, string>) => boolean;
}

/** Whether a series (labels with `__name__`) passes a SeriesQuery's filters and test. */
export function seriesMatches(labels: Record<string, string>, q: SeriesQuery): boolean {
  if (q.metric !== undefined && labels.__name__ !== q.metric) return false;
  for (const [k, v] of Object.entries(q.labels)) if (labels[k] !== v) return false;
  return q.test === undefined || q.test(labels);
}

/** The samples of a group, each a whole SampleDocument. */
export function ungroupSamples(g: SampleGroupDocument): SampleDocument[] {
  return g.samples.map((s) => {
    const doc: SampleDocument = { '@timestamp': g['@timestamp'], 'metric.name': g['metric.name'], 'metric.type': g['metric.type'], labels: s.labels, value: s.value };
    if (s.nonfinite !== undefined) doc.nonfinite = s.nonfinite;
    if (s.stale) doc.stale = true;
    if (g['service.name'] !== undefined) doc['service.name'] = g['service.name'];
    if (s.exemplar !== undefined) doc.exemplar = s.exemplar;
    return doc;
  });
}

/** A key naming a sample's series and time: equal for the same point read twice. */
export function samplePointKey(d: Pick<SampleDocument, '@timestamp' | 'metric.name' | 'labels'>): string {
  let key = `${d['@timestamp']}\u0000${d['metric.name']}`;
  for (const k of Object.keys(d.labels).sort()) key += `\u0000${k}\u0000${d.labels[k]}`;
  return key;
}

/** The order of a trace's exemplars: by time, then metric name. */
export function exemplarOrder(a: SampleDocument, b: SampleDocument): number {
  const at = a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0;
  return at !== 0 ? at : a['metric.name'] < b['metric.name'] ? -1 : a['metric.name'] > b['metric.name'] ? 1 : 0;
}

/** Whether a sample matches a query's metric and label filters (not its time range). */
export function sampleMatches(d: Pick<SampleDocument, 'metric.name' | 'labels'>, q: Pick<SampleQuery, 'metric' | 'labels'>): boolean {
  if (q.metric !== undefined && d['metric.name'] !== q.metric) return false;
  for (const [k, v] of Object.entries(q.labels)) if (d.labels[k] !== v) return false;
  return true;
}

/** The label names of some series, sorted. */
export function labelNamesOf(series: Iterable<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const l of series) for (const k in l) names.add(k);
  return [...names].sort();
}

/** The values label `name` takes in some series, sorted. */
export function labelValuesOf(name: string, series: Iterable<Record<string, string>>): string[] {
  const values = new Set<string>();
  for (const l of series) if (l[name] !== undefined) values.add(l[name]);
  return [...values].sort();
}

/** Sample search: every given filter must match. */
export interface SampleQuery {
  metric?: string;
  /** Exact label values. */
  labels: Record<string, string>;
  /** Inclusive bounds on `@timestamp` (RFC 3339 with milliseconds). */
  start: string;
  end: string;
  limit: number;
}

/** Log search: every given filter must match. */
export interface LogQuery {
  /** Words that must all occur in the message (case-insensitive). */
  text?: string;
  service?: string;
  level?: string;
  traceId?: string;
  /** Exact values of log attributes or resource attributes. */
  attributes: Record<string, string>;
  /** Inclusive bounds on `@timestamp`, in the same nine-digit RFC 3339 form. */
  start: string;
  end: string;
  limit: number;
  /** Opaque position after which the next page starts (from a previous page's `next`). */
  after?: string;
}

/** One page of log search results, newest first. */
export interface LogPage {
  logs: LogDocument[];
  /** Pass as `after` for the next page; absent on the last page. */
  next?: string;
}

/** Whether a log record is an error or worse (OTLP severity ERROR and FATAL, 17-24). */
export const isErrorLog = (doc: Pick<LogDocument, 'severity.number' | 'log.level'>): boolean =>
  doc['severity.number'] >= 17 || ['error', 'fatal', 'critical', 'alert', 'emergency'].includes(doc['log.level']);

/** The deterministic document ID of a span. */
export function spanDocumentId(doc: Pick<SpanDocument, 'trace.id' | 'span.id'>): string {
  return doc['trace.id'] + doc['span.id'];
}

/** A document the store refused, by its position in the write. */
export interface RejectedDocument {
  index: number;
  reason: string;
  /** True when retrying may succeed (429, 5xx); false when the document can never be stored. */
  transient: boolean;
}

/** The result of a write: every document not listed in `rejected` is durably stored. */
export interface WriteOutcome {
  rejected: RejectedDocument[];
}

/**
 * A trace summary, one per trace (`_id` = trace ID), rebuilt by the ingester as the trace's
 * records pass through its partition.
 */
export interface TraceSummaryDocument {
  '@timestamp': string;
  'trace.id': string;
  'root.service.name'?: string;
  'root.span.name'?: string;
  'trace.start.us': number;
  'trace.duration.us': number;
  'span.count': number;
  'error.count': number;
  'service.names': string[];
  /** Log records that carry the trace ID, and how many of them are errors. */
  'log.count'?: number;
  'error.log.count'?: number;
}

/** One call from a span of one service to a child span of another (`_id` = trace + child span). */
export interface ServiceEdgeDocument {
  '@timestamp': string;
  'trace.id': string;
  'span.id': string;
  'parent.service.name': string;
  'child.service.name': string;
  'event.outcome': 'success' | 'failure';
}

/** One (service, operation, span kind) seen by the ingester. */
export interface OperationDocument {
  'service.name': string;
  'span.name': string;
  'span.kind': string;
  /** Last time seen, so the catalog can age out. */
  '@timestamp': string;
}

/** Trace search, Jaeger's semantics: a trace matches when one of its spans matches every filter. */
export interface TraceQuery {
  service?: string;
  operation?: string;
  /** Exact values of span attributes, resource attributes, or the `error` / `span.kind` keys. */
  tags: Record<string, string>;
  minDurationUs?: number;
  maxDurationUs?: number;
  startUs: number;
  endUs: number;
  limit: number;
}

/** A dependency edge aggregated over a time range. */
export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
}

/** Everything the ingester derives from one batch, written together. */
export interface DerivedDocuments {
  summaries: TraceSummaryDocument[];
  edges: ServiceEdgeDocument[];
  operations: OperationDocument[];
}

/** One derived document, tagged with its kind. */
export type DerivedItem = { summary: TraceSummaryDocument } | { edge: ServiceEdgeDocument } | { operation: OperationDocument };

/**
 * Derived documents as one list, in the order `writeDerived` writes them (summaries, edges,
 * operations), so a WriteOutcome's indices point into it.
 */
export function derivedItems(d: DerivedDocuments): DerivedItem[] {
  return [...d.summaries.map((summary) => ({ summary })), ...d.edges.map((edge) => ({ edge })), ...d.operations.map((operation) => ({ operation }))];
}

/** Groups a list from `derivedItems` (or a part of it, order kept) back into DerivedDocuments. */
export function derivedFromItems(items: DerivedItem[]): DerivedDocuments {
  const d: DerivedDocuments = { summaries: [], edges: [], operations: [] };
  for (const item of items) {
    if ('summary' in item) d.summaries.push(item.summary);
    else if ('edge' in item) d.edges.push(item.edge);
    else d.operations.push(item.operation);
  }
  return d;
}

/** The storage port. */
export interface Store {
  readonly kind: 'elasticsearch' | 'memory';
  /** Installs index templates (or nothing, for memory). */
  start(): Promise<void>;
  /**
   * Writes span documents. Rejects as a whole (BRAID_ERR_STORE_UNAVAILABLE) when the store
   * cannot be reached; per-document refusals come back in the outcome.
   */
  writeSpans(docs: SpanDocument[]): Promise<WriteOutcome>;
  /** Writes derived documents (summaries, edges, catalog); idempotent by document ID. */
  writeDerived(docs: DerivedDocuments): Promise<WriteOutcome>;
  /** Writes log documents; refusals as for spans. */
  writeLogs(docs: LogDocument[]): Promise<WriteOutcome>;
  /** Every log record of a trace, oldest first. */
  getTraceLogs(traceId: string): Promise<LogDocument[]>;
  /** Log search, newest first, paged by `after`. */
  searchLogs(q: LogQuery): Promise<LogPage>;
  /** Writes groups of metric samples; refusals as for spans. */
  writeSamples(groups: SampleGroupDocument[]): Promise<WriteOutcome>;
  /** Samples matching `q`, newest first, each point once. */
  searchSamples(q: SampleQuery): Promise<SampleDocument[]>;
  /**
   * The metric names (with their type) of the samples matching `q`'s name and label filters in its
   * time range, by name; from an aggregation, without reading samples. Prometheus's
   * /label/__name__/values and /metadata outside the head.
   */
  sampleMetricNames(q: Omit<SampleQuery, 'limit'>): Promise<Array<{ name: string; type: string }>>;
  /**
   * The series (labels with `__name__`) with samples in `q`'s range that pass its filters, each
   * once; from aggregations, reading only groups stored without `series.id` (older indices).
   * Prometheus's /series, and /labels and /label/<name>/values with selectors, outside the head.
   */
  sampleSeries(q: SeriesQuery): Promise<Array<Record<string, string>>>;
  /** The label names (`__name__` included) of the series `sampleSeries` gives, sorted. */
  sampleLabelNames(q: SeriesQuery): Promise<string[]>;
  /** The values of label `name` over the series `sampleSeries` gives, sorted. */
  sampleLabelValues(name: string, q: SeriesQuery): Promise<string[]>;
  /** Samples whose exemplar points at the trace, oldest first. */
  getTraceExemplars(traceId: string): Promise<SampleDocument[]>;
  /** Every span of a trace, ordered by start time; empty when the trace is unknown. */
  getTrace(traceId: string): Promise<SpanDocument[]>;
  /** Stored summaries of the given traces (absent ones are left out). */
  getSummaries(traceIds: string[]): Promise<TraceSummaryDocument[]>;
  /** IDs of the newest traces matching `q`, newest first: filters first, limit after. */
  findTraceIds(q: TraceQuery): Promise<string[]>;
  /** Every service name seen. */
  services(): Promise<string[]>;
  /** Operations of a service, optionally of one span kind. */
  operations(service: string, spanKind?: string): Promise<Array<{ name: string; spanKind: string }>>;
  /** Service-to-service calls between `startUs` and `endUs`. */
  dependencies(startUs: number, endUs: number): Promise<DependencyLink[]>;
  /** Deletes whole days older than `retentionDays` (before today, UTC); returns what went. */
  sweepRetention(retentionDays: number, nowMs: number): Promise<string[]>;
  /** Rejects when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * The store of `tenant`'s documents: the store itself for DEFAULT_TENANT (indices as before
   * tenancy), else a view that writes and reads only that tenant's indices (Elasticsearch:
   * `<prefix>-t_<tenant>.<kind>...`; memory: a bounded store of its own). The same tenant gets the
   * same view each time. `start` and `close` of a view do nothing: the store's own cover it, and
   * the store's `sweepRetention` covers every tenant's indices, a view's only its own. Throws
   * BRAID_ERR_TENANT_INVALID for an ID that is not a tenant ID.
   */
  forTenant(tenant: string): Store;
}

/** Orders operations by name, then span kind, by code point (the same in every store). */
export function compareOperations(a: { name: string; spanKind: string }, b: { name: string; spanKind: string }): number {
  const k = (x: { name: string; spanKind: string }) => `${x.name}\u0000${x.spanKind}`;
  return k(a) < k(b) ? -1 : k(a) > k(b) ? 1 : 0;
}
