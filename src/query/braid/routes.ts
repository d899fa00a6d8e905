/**
 * Braid's native query API (/braid/v1): the correlated record. A trace comes back as a tree of
 * spans, each with the log records that carry its span ID; logs with only the trace ID (or a span
 * ID the trace does not have) hang off the trace itself. Log search filters, then pages newest
 * first with an opaque cursor. Samples: filters, newest first. Every route reads the caller's
 * tenant's store (`store.forTenant(request.tenant)`).
 */
import type { FastifyInstance } from 'fastify';
import { BraidError } from '../../errors.js';
import { nanosToIso } from '../../model/text/time.js';
import type { LogDocument, LogQuery, SampleDocument, SpanDocument, Store, StoredValue, TraceSummaryDocument } from '../../storage/store.js';
import { allParams, integerParam, oneParam, parseGoDuration, type QueryValue } from '../jaeger/params.js';
import { normaliseTraceId } from '../jaeger/routes.js';
// request.tenant's type (the fastify augmentation), also for the web page's typecheck, which reads these files' types.
import type {} from '../../tenancy/tenant.js';

/** A log record as the native API shows it. */
export interface LogView {
  timestamp: string;
  level: string;
  severityNumber: number;
  message: string;
  service: string;
  traceId?: string;
  spanId?: string;
  eventName?: string;
  attributes: Record<string, StoredValue>;
}

/** A span of the tree, with its logs and children. */
export interface SpanNode {
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  kind: string;
  /** Microseconds since the epoch. */
  startTimeUs: number;
  durationUs: number;
  status: { code: string; message?: string };
  attributes: Record<string, StoredValue>;
  events: Array<{ timeUs: number; name: string; attributes?: Record<string, StoredValue> }>;
  logs: LogView[];
  children: SpanNode[];
}

/** A metric sample whose exemplar points at the trace: the jump from a metric spike to its traces, backwards. */
export interface ExemplarView {
  metric: string;
  type: string;
  labels: Record<string, string>;
  /** The sample's value and time. */
  value: number | null;
  timestamp: string;
  exemplar: { spanId?: string; value: number | null; timestamp?: string; labels?: Record<string, string> };
}

export function exemplarView(d: SampleDocument): ExemplarView {
  const e = d.exemplar ?? { value: null };
  const exemplar: ExemplarView['exemplar'] = { value: e.value };
  if (e['span.id']) exemplar.spanId = e['span.id'];
  if (e['@timestamp']) exemplar.timestamp = e['@timestamp'];
  if (e.labels) exemplar.labels = e.labels;
  return { metric: d['metric.name'], type: d['metric.type'], labels: d.labels, value: d.value, timestamp: d['@timestamp'], exemplar };
}

/** The answer of GET /braid/v1/traces/{traceId}. */
export interface TraceView {
  traceId: string;
  summary: TraceSummaryDocument | null;
  spans: SpanNode[];
  /** Logs of the trace not attached to one of its spans. */
  logs: LogView[];
  /** Metric samples whose exemplars point at the trace. */
  exemplars: ExemplarView[];
}

export function logView(d: LogDocument): LogView {
  const v: LogView = { timestamp: d['@timestamp'], level: d['log.level'], severityNumber: d['severity.number'], message: d.message, service: d['service.name'], attributes: d.attributes };
  if (d['trace.id']) v.traceId = d['trace.id'];
  if (d['span.id']) v.spanId = d['span.id'];
  if (d['event.name']) v.eventName = d['event.name'];
  return v;
}

/** Builds the span tree (children by start time) and attaches each log to its span. */
export function traceView(traceId: string, spans: SpanDocument[], logs: LogDocument[], summary: TraceSummaryDocument | null, exemplars: SampleDocument[] = []): TraceView {
  const nodes = new Map<string, SpanNode>();
  for (const s of spans) {
    const node: SpanNode = {
      spanId: s['span.id'], service: s['service.name'], name: s['span.name'], kind: s['span.kind'], startTimeUs: s['span.start.us'], durationUs: s['span.duration.us'],
      status: { code: s['span.status.code'], ...(s['span.status.message'] ? { message: s['span.status.message'] } : {}) },
      attributes: s.attributes,
      events: (s.events ?? []).map((e) => ({ timeUs: e['time.us'], name: e.name, ...(e.attributes ? { attributes: e.attributes } : {}) })),
      logs: [], children: [],
    };
    if (s['parent.id']) node.parentSpanId = s['parent.id'];
    nodes.set(node.spanId, node);
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentSpanId === undefined ? undefined : nodes.get(node.parentSpanId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.startTimeUs - b.startTimeUs || (a.spanId < b.spanId ? -1 : 1);
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  const unattached: LogView[] = [];
  for (const l of logs) {
    const node = l['span.id'] === undefined ? undefined : nodes.get(l['span.id']);
    (node ? node.logs : unattached).push(logView(l));
  }
  return { traceId, summary, spans: roots, logs: unattached, exemplars: distinctExemplars(exemplars.map(exemplarView)) };
}

/**
 * One entry per exemplar: a scraped histogram repeats its latest exemplar with every scrape's
 * samples until a newer one replaces it, and Prometheus keeps an exemplar once per series, value
 * and time. The first sample carrying it is kept (the store returns them oldest first).
 */
export function distinctExemplars(views: ExemplarView[]): ExemplarView[] {
  const seen = new Set<string>();
  return views.filter((v) => {
    const labels = Object.entries(v.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const key = JSON.stringify([v.metric, labels, v.exemplar.spanId ?? '', v.exemplar.value, v.exemplar.timestamp ?? '']);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const MAX_DATE_MS = 8_640_000_000_000_000n;

/** A start that a lookback put before 1970 starts at 1970 (nothing is stored earlier; a lookback of 10^11 hours was a 500). */
const notBeforeEpoch = (ns: bigint): bigint => (ns < 0n ? 0n : ns);

/** A time bound: RFC 3339, or epoch milliseconds. */
function timeParam(v: QueryValue, name: string): bigint | undefined {
  const s = oneParam(v);
  if (s === undefined || s === '') return undefined;
  if (/^\d+$/.test(s)) {
    // Past Date's range (year 275760) a time cannot be written back as RFC 3339: refused, not a 500.
    if (BigInt(s) > MAX_DATE_MS) throw new BraidError('BRAID_ERR_QUERY_INVALID', `param '${name}': epoch milliseconds ${s} are past the largest time, ${MAX_DATE_MS}`);
    return BigInt(s) * 1_000_000n;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(ms)) throw new BraidError('BRAID_ERR_QUERY_INVALID', `unable to parse param '${name}': "${s}" is neither RFC 3339 (2026-11-23T17:00:00Z) nor epoch milliseconds`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** Repeated `key:value` parameters. */
function keyValues(v: QueryValue, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of allParams(v)) {
    const i = a.indexOf(':');
    if (i <= 0) throw new BraidError('BRAID_ERR_QUERY_INVALID', `malformed '${name}' parameter "${a}": expected key:value`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

/** Parses GET /braid/v1/logs parameters. */
export function parseLogQuery(q: Record<string, QueryValue>, nowMs: number): LogQuery {
  const end = timeParam(q.end, 'end') ?? BigInt(nowMs) * 1_000_000n;
  const lookback = oneParam(q.lookback);
  const start = timeParam(q.start, 'start') ?? notBeforeEpoch(end - BigInt(parseGoDuration(lookback || '1h', 'lookback')) * 1_000n);
  const limit = integerParam(q.limit, 'limit') ?? 100;
  if (limit <= 0 || limit > 1_000) throw new BraidError('BRAID_ERR_QUERY_INVALID', `'limit' must be between 1 and 1000, got ${limit}`);
  const attributes = keyValues(q.attribute, 'attribute');
  const query: LogQuery = { attributes, start: nanosToIso(start), end: nanosToIso(end), limit };
  const text = oneParam(q.q);
  const service = oneParam(q.service);
  const level = oneParam(q.level);
  const traceId = oneParam(q.traceId);
  const cursor = oneParam(q.cursor);
  if (text) query.text = text;
  if (service) query.service = service;
  if (level) query.level = level.toLowerCase();
  if (traceId) query.traceId = normaliseTraceId(traceId);
  if (cursor) query.after = cursor;
  return query;
}

/** Registers the /braid/v1 routes. */
export function registerBraidRoutes(app: FastifyInstance, root: Store, now: () => number = Date.now): void {
  app.get<{ Params: { traceId: string } }>('/braid/v1/traces/:traceId', async (req, reply) => {
    const traceId = normaliseTraceId(req.params.traceId);
    const store = root.forTenant(req.tenant);
    const [spans, logs, summaries, exemplars] = await Promise.all([store.getTrace(traceId), store.getTraceLogs(traceId), store.getSummaries([traceId]), store.getTraceExemplars(traceId)]);
    if (spans.length === 0 && logs.length === 0 && exemplars.length === 0) throw new BraidError('BRAID_ERR_QUERY_NOT_FOUND', `trace ${traceId} not found`);
    return reply.send(traceView(traceId, spans, logs, summaries[0] ?? null, exemplars));
  });

  app.get<{ Querystring: Record<string, QueryValue> }>('/braid/v1/samples', async (req) => {
    const q = req.query;
    const endMs = timeParam(q.end, 'end') ?? BigInt(now()) * 1_000_000n;
    const startMs = timeParam(q.start, 'start') ?? notBeforeEpoch(endMs - BigInt(parseGoDuration(oneParam(q.lookback) || '1h', 'lookback')) * 1_000n);
    const limit = integerParam(q.limit, 'limit') ?? 100;
    if (limit <= 0 || limit > 10_000) throw new BraidError('BRAID_ERR_QUERY_INVALID', `'limit' must be between 1 and 10000, got ${limit}`);
    const labels = keyValues(q.label, 'label');
    const metric = oneParam(q.metric);
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
    const samples = await root.forTenant(req.tenant).searchSamples({ labels, start: iso(startMs), end: iso(endMs), limit, ...(metric ? { metric } : {}) });
    return {
      samples: samples.map((d) => ({
        metric: d['metric.name'], type: d['metric.type'], labels: d.labels, value: d.value ?? d['nonfinite'] ?? null, timestamp: d['@timestamp'],
        ...(d.stale ? { stale: true } : {}), ...(d.exemplar ? { exemplar: d.exemplar } : {}),
      })),
    };
  });

  app.get<{ Querystring: Record<string, QueryValue> }>('/braid/v1/logs', async (req) => {
    const page = await root.forTenant(req.tenant).searchLogs(parseLogQuery(req.query, now()));
    return { logs: page.logs.map(logView), ...(page.next ? { next: page.next } : {}) };
  });
}
