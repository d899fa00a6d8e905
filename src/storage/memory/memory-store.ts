/**
 * The bounded memory store of the embedded all-in-one (Jaeger's all-in-one keeps traces in
 * memory the same way). When it holds more than `max_spans`, the traces written longest ago go
 * first, with their summaries and edges.
 */
import type {
  DependencyLink,
  LogDocument,
  LogQuery,
  SampleDocument,
  SampleQuery,
  OperationDocument,
  ServiceEdgeDocument,
  SpanDocument,
  Store,
  StoredValue,
  TraceQuery,
  TraceSummaryDocument,
  WriteOutcome,
} from '../store.js';
import {
  compareOperations, exemplarOrder, labelNamesOf, labelValuesOf, sampleMatches, samplePointKey, seriesId, seriesMatches, spanDocumentId, ungroupSamples, type SeriesQuery,
} from '../store.js';
import { DEFAULT_TENANT, checkTenantId } from '../../tenancy/tenant.js';

/** Samples a scan reads between two turns of the event loop (about 2-5 ms). */
const SCAN_SLICE = 20_000;

/** Settings of the memory store (`storage.memory`). */
export interface MemoryStoreSettings {
  max_spans: number;
  /** Log records kept; past it the oldest written go first. */
  max_logs: number;
  /** Metric samples kept; past it the oldest written go first. */
  max_samples: number;
}

const asString = (v: StoredValue | undefined): string | undefined =>
  v === undefined ? undefined : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);

/** Whether one span matches every filter of a trace query (Jaeger's per-span semantics). */
export function spanMatches(doc: SpanDocument, q: TraceQuery): boolean {
  if (q.service !== undefined && doc['service.name'] !== q.service) return false;
  if (q.operation !== undefined && doc['span.name'] !== q.operation) return false;
  const start = doc['span.start.us'];
  if (start < q.startUs || start > q.endUs) return false;
  const d = doc['span.duration.us'];
  if (q.minDurationUs !== undefined && d < q.minDurationUs) return false;
  if (q.maxDurationUs !== undefined && d > q.maxDurationUs) return false;
  for (const [key, want] of Object.entries(q.tags)) {
    if (key === 'error' && (doc['span.status.code'] === 'error') === (want === 'true')) continue;
    if (key === 'span.kind' && doc['span.kind'] === want) continue;
    if (asString(doc.attributes[key]) === want || asString(doc['resource.attributes'][key]) === want) continue;
    return false;
  }
  return true;
}

/** The lowercase words of a text, split as Elasticsearch's standard analyzer roughly does. */
export const logWords = (text: string): string[] => text.toLowerCase().split(/[^\p{L}\p{N}_']+/u).filter(Boolean);

/** Whether one log record matches every filter of a log query. */
export function logMatches(doc: LogDocument, q: LogQuery, words: string[]): boolean {
  if (doc['@timestamp'] < q.start || doc['@timestamp'] > q.end) return false;
  if (q.service !== undefined && doc['service.name'] !== q.service) return false;
  if (q.level !== undefined && doc['log.level'] !== q.level.toLowerCase()) return false;
  if (q.traceId !== undefined && doc['trace.id'] !== q.traceId) return false;
  for (const [key, want] of Object.entries(q.attributes)) {
    if (asString(doc.attributes[key]) !== want && asString(doc['resource.attributes'][key]) !== want) return false;
  }
  if (words.length > 0) {
    const tokens = new Set(logWords(doc.message));
    for (const w of words) if (!tokens.has(w)) return false;
  }
  return true;
}

/** The opaque cursor of a log page: the sort values of its last record. */
export const encodeLogCursor = (values: unknown[]): string => Buffer.from(JSON.stringify(values)).toString('base64url');
/** Reads a cursor from encodeLogCursor; undefined when it is not one. */
export function decodeLogCursor(cursor: string): unknown[] | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

const newestFirst = (a: LogDocument, b: LogDocument) =>
  a['@timestamp'] < b['@timestamp'] ? 1 : a['@timestamp'] > b['@timestamp'] ? -1 : a['log.id'] < b['log.id'] ? 1 : a['log.id'] > b['log.id'] ? -1 : 0;

/**
 * Creates the memory store: the default tenant's, whose `forTenant` gives each other tenant a
 * bounded store of its own (each with the whole of `settings`' bounds).
 */
export function createMemoryStore(settings: MemoryStoreSettings): Store {
  const views = new Map<string, Store>();
  const forTenant = (tenant: string): Store => {
    if (tenant === DEFAULT_TENANT) return root;
    let view = views.get(tenant);
    if (view === undefined) views.set(checkTenantId(tenant, 'store'), (view = { ...createBoundedStore(settings), forTenant }));
    return view;
  };
  const root: Store = { ...createBoundedStore(settings), forTenant };
  return root;
}

/** One tenant's bounded store. */
function createBoundedStore(settings: MemoryStoreSettings): Omit<Store, 'forTenant'> {
  /** Trace ID -> (document ID -> span); Map keeps insertion order, which eviction follows. */
  const traces = new Map<string, Map<string, SpanDocument>>();
  const summaries = new Map<string, TraceSummaryDocument>();
  const edges = new Map<string, ServiceEdgeDocument>();
  const operations = new Map<string, OperationDocument>();
  let spans = 0;
  /** Log ID -> record, in write order (eviction order); trace ID -> its log IDs. */
  const logs = new Map<string, LogDocument>();
  const logsOfTrace = new Map<string, Set<string>>();
  /** Sample point key -> sample, in write order; trace ID -> IDs of the samples whose exemplar points at it. */
  const samples = new Map<string, SampleDocument>();
  const exemplarsOfTrace = new Map<string, Set<string>>();

  /** The series of the samples in `q`'s range that pass it, by identity. */
  function seriesOf(q: SeriesQuery): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const doc of samples.values()) {
      if (doc['@timestamp'] < q.start || doc['@timestamp'] > q.end) continue;
      const labels = { __name__: doc['metric.name'], ...doc.labels };
      if (seriesMatches(labels, q)) out.set(seriesId(doc['metric.name'], doc.labels), labels);
    }
    return out;
  }

  function evict(): void {
    for (const [traceId, trace] of traces) {
      if (spans <= settings.max_spans) return;
      spans -= trace.size;
      traces.delete(traceId);
      summaries.delete(traceId);
      for (const id of trace.keys()) edges.delete(id);
    }
  }

  return {
    kind: 'memory',
    async start() {},
    async writeSpans(docs): Promise<WriteOutcome> {
      for (const doc of docs) {
        const traceId = doc['trace.id'];
        let trace = traces.get(traceId);
        if (!trace) {
          trace = new Map();
          traces.set(traceId, trace);
        }
        const id = spanDocumentId(doc);
        if (!trace.has(id)) spans++;
        trace.set(id, doc);
      }
      evict();
      return { rejected: [] };
    },
    async writeDerived(docs): Promise<WriteOutcome> {
      for (const s of docs.summaries) summaries.set(s['trace.id'], s);
      for (const e of docs.edges) edges.set(e['trace.id'] + e['span.id'], e);
      for (const o of docs.operations) operations.set(`${o['service.name']}\u0000${o['span.name']}\u0000${o['span.kind']}`, o);
      return { rejected: [] };
    },
    async writeLogs(docs): Promise<WriteOutcome> {
      for (const doc of docs) {
        const id = doc['log.id'];
        logs.delete(id);
        logs.set(id, doc);
        const traceId = doc['trace.id'];
        if (traceId !== undefined) {
          let set = logsOfTrace.get(traceId);
          if (!set) logsOfTrace.set(traceId, (set = new Set()));
          set.add(id);
        }
      }
      for (const [id, doc] of logs) {
        if (logs.size <= settings.max_logs) break;
        logs.delete(id);
        if (doc['trace.id'] !== undefined) logsOfTrace.get(doc['trace.id'])?.delete(id);
      }
      return { rejected: [] };
    },
    async writeSamples(groups): Promise<WriteOutcome> {
      for (const doc of groups.flatMap(ungroupSamples)) {
        const id = samplePointKey(doc);
        samples.delete(id);
        samples.set(id, doc);
        const traceId = doc.exemplar?.['trace.id'];
        if (traceId !== undefined) {
          let set = exemplarsOfTrace.get(traceId);
          if (!set) exemplarsOfTrace.set(traceId, (set = new Set()));
          set.add(id);
        }
      }
      for (const [id, doc] of samples) {
        if (samples.size <= settings.max_samples) break;
        samples.delete(id);
        const traceId = doc.exemplar?.['trace.id'];
        if (traceId !== undefined) exemplarsOfTrace.get(traceId)?.delete(id);
      }
      return { rejected: [] };
    },
    async searchSamples(q: SampleQuery) {
      const found: SampleDocument[] = [];
      let seen = 0;
      for (const doc of samples.values()) {
        // A scan of millions of samples yields now and then, so it does not hold ingest (ADR 0019).
        if (++seen % SCAN_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (doc['@timestamp'] < q.start || doc['@timestamp'] > q.end || !sampleMatches(doc, q)) continue;
        found.push(doc);
      }
      return found.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? 1 : a['@timestamp'] > b['@timestamp'] ? -1 : 0)).slice(0, q.limit);
    },
    async sampleMetricNames(q) {
      const types = new Map<string, string>();
      let seen = 0;
      for (const doc of samples.values()) {
        if (++seen % SCAN_SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        if (doc['@timestamp'] < q.start || doc['@timestamp'] > q.end || !sampleMatches(doc, q)) continue;
        if (!types.has(doc['metric.name'])) types.set(doc['metric.name'], doc['metric.type']);
      }
      return [...types].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, type]) => ({ name, type }));
    },
    sampleSeries: async (q) => [...seriesOf(q).values()],
    sampleLabelNames: async (q) => labelNamesOf(seriesOf(q).values()),
    sampleLabelValues: async (name, q) => labelValuesOf(name, seriesOf(q).values()),
    async getTraceExemplars(traceId) {
      const out = [...(exemplarsOfTrace.get(traceId) ?? [])].flatMap((id) => samples.get(id) ?? []);
      return out.sort(exemplarOrder);
    },
    async getTraceLogs(traceId) {
      const out = [...(logsOfTrace.get(traceId) ?? [])].flatMap((id) => logs.get(id) ?? []);
      return out.sort((a, b) => -newestFirst(a, b));
    },
    async searchLogs(q) {
      const words = logWords(q.text ?? '');
      const after = q.after === undefined ? undefined : decodeLogCursor(q.after);
      const found: LogDocument[] = [];
      for (const doc of logs.values()) {
        if (!logMatches(doc, q, words)) continue;
        if (after && newestFirst(doc, { '@timestamp': String(after[0]), 'log.id': String(after[1]) } as LogDocument) <= 0) continue;
        found.push(doc);
      }
      found.sort(newestFirst);
      const page = found.slice(0, q.limit);
      const last = page[page.length - 1];
      return found.length > q.limit && last ? { logs: page, next: encodeLogCursor([last['@timestamp'], last['log.id']]) } : { logs: page };
    },
    async getTrace(traceId) {
      const trace = traces.get(traceId);
      if (!trace) return [];
      return [...trace.values()].sort((a, b) => a['span.start.us'] - b['span.start.us'] || a['span.id'].localeCompare(b['span.id']));
    },
    async getSummaries(traceIds) {
      return traceIds.flatMap((id) => summaries.get(id) ?? []);
    },
    async findTraceIds(q) {
      const found: Array<[string, number]> = [];
      for (const [traceId, trace] of traces) {
        let latest = -1;
        for (const doc of trace.values()) if (spanMatches(doc, q)) latest = Math.max(latest, doc['span.start.us']);
        if (latest >= 0) found.push([traceId, latest]);
      }
      return found.sort((a, b) => b[1] - a[1]).slice(0, q.limit).map(([id]) => id);
    },
    async services() {
      return [...new Set([...operations.values()].map((o) => o['service.name']))].sort();
    },
    async operations(service, spanKind) {
      const out = [...operations.values()]
        .filter((o) => o['service.name'] === service && (spanKind === undefined || o['span.kind'] === spanKind))
        .map((o) => ({ name: o['span.name'], spanKind: o['span.kind'] }));
      return out.sort(compareOperations);
    },
    async dependencies(startUs, endUs) {
      const links = new Map<string, DependencyLink>();
      for (const e of edges.values()) {
        const t = Date.parse(e['@timestamp']) * 1000;
        if (t < startUs || t > endUs) continue;
        const key = `${e['parent.service.name']}\u0000${e['child.service.name']}`;
        const link = links.get(key) ?? { parent: e['parent.service.name'], child: e['child.service.name'], callCount: 0, errorCount: 0 };
        link.callCount++;
        if (e['event.outcome'] === 'failure') link.errorCount++;
        links.set(key, link);
      }
      return [...links.values()];
    },
    // Bounded by max_spans instead: the oldest traces go first.
    async sweepRetention() {
      return [];
    },
    async ping() {},
    async close() {},
  };
}
