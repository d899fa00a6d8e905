/**
 * What the ingester derives while a trace's records pass through its partition: the trace
 * summary, service-to-service edges and the operation catalog. Every record of a trace is keyed
 * by its trace ID, so this ingester sees the whole trace and can keep its recent traces in
 * memory (bounded, least recently used first out). A trace evicted or lost in a restart is
 * rebuilt from the store when more of its spans arrive, so replays never double-count.
 */
import { isErrorLog, type LogDocument, type OperationDocument, type ServiceEdgeDocument, type SpanDocument, type TraceSummaryDocument } from '../storage/store.js';

interface SpanInfo {
  service: string;
  name: string;
  parent: string | undefined;
  start: number;
  end: number;
  error: boolean;
}

interface LogInfo {
  /** Microseconds since the epoch. */
  time: number;
  service: string;
  error: boolean;
}

interface TraceState {
  spans: Map<string, SpanInfo>;
  /** Log records that carry the trace ID, by log ID (a replayed record changes nothing). */
  logs: Map<string, LogInfo>;
  /** parent span ID -> child span IDs, for edges whose parent arrives after its child. */
  children: Map<string, string[]>;
}

/** Derived documents of one batch. */
export interface Derived {
  summaries: TraceSummaryDocument[];
  edges: ServiceEdgeDocument[];
  operations: OperationDocument[];
}

/** Bounds of the in-memory trace state. */
export interface TraceTrackerSettings {
  /** Spans and log records held across all tracked traces; past it the least recently touched traces go. */
  maxSpans: number;
  /** Distinct (service, operation, kind) remembered as already written to the catalog. */
  maxOperations: number;
}

const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString();

/** Tracks recent traces and derives summaries, edges and catalog entries from new spans. */
export class TraceTracker {
  private readonly traces = new Map<string, TraceState>();
  private readonly operationsSeen = new Set<string>();
  private spanCount = 0;

  constructor(private readonly settings: TraceTrackerSettings) {}

  /** Forgets everything, e.g. after a failed batch that will be delivered again. */
  clear(): void {
    this.traces.clear();
    this.operationsSeen.clear();
    this.spanCount = 0;
  }

  /** Trace IDs among `traceIds` this tracker holds no state for. */
  unknown(traceIds: Iterable<string>): string[] {
    return [...new Set(traceIds)].filter((id) => !this.traces.has(id));
  }

  /** Seeds a trace's state from spans and logs already stored (after a restart or an eviction). */
  seed(traceId: string, stored: SpanDocument[], storedLogs: LogDocument[] = []): void {
    const state = this.stateOf(traceId);
    for (const doc of stored) this.add(state, doc, traceId, []);
    for (const doc of storedLogs) this.addLog(state, doc);
  }

  /** Adds a batch's log records; returns the summaries of the traces they belong to. */
  observeLogs(docs: LogDocument[]): Derived {
    const touched = new Set<string>();
    for (const doc of docs) {
      const traceId = doc['trace.id'];
      if (traceId === undefined) continue;
      touched.add(traceId);
      this.addLog(this.stateOf(traceId), doc);
    }
    const summaries = [...touched].map((id) => this.summary(id, this.traces.get(id)!));
    this.evict();
    return { summaries, edges: [], operations: [] };
  }

  private addLog(state: TraceState, doc: LogDocument): void {
    const id = doc['log.id'];
    if (state.logs.has(id)) return;
    state.logs.set(id, { time: Math.floor(Date.parse(doc['@timestamp']) * 1000), service: doc['service.name'], error: isErrorLog(doc) });
    this.spanCount++;
  }

  /** Adds a batch's spans; returns what to write besides the spans themselves. */
  observe(docs: SpanDocument[]): Derived {
    const edges: ServiceEdgeDocument[] = [];
    const operations: OperationDocument[] = [];
    const touched = new Set<string>();
    for (const doc of docs) {
      const traceId = doc['trace.id'];
      touched.add(traceId);
      this.add(this.stateOf(traceId), doc, traceId, edges);
      const opKey = `${doc['service.name']}\u0000${doc['span.name']}\u0000${doc['span.kind']}`;
      if (!this.operationsSeen.has(opKey)) {
        if (this.operationsSeen.size >= this.settings.maxOperations) this.operationsSeen.clear();
        this.operationsSeen.add(opKey);
        operations.push({ 'service.name': doc['service.name'], 'span.name': doc['span.name'], 'span.kind': doc['span.kind'], '@timestamp': doc['@timestamp'] });
      }
    }
    const summaries = [...touched].map((id) => this.summary(id, this.traces.get(id)!));
    this.evict();
    return { summaries, edges, operations };
  }

  private stateOf(traceId: string): TraceState {
    let state = this.traces.get(traceId);
    if (state) {
      // Re-insert: Map order is the eviction order, least recently touched first.
      this.traces.delete(traceId);
    } else {
      state = { spans: new Map(), logs: new Map(), children: new Map() };
    }
    this.traces.set(traceId, state);
    return state;
  }

  private add(state: TraceState, doc: SpanDocument, traceId: string, edges: ServiceEdgeDocument[]): void {
    const id = doc['span.id'];
    if (state.spans.has(id)) return; // a replayed span changes nothing
    const info: SpanInfo = {
      service: doc['service.name'],
      name: doc['span.name'],
      parent: doc['parent.id'],
      start: doc['span.start.us'],
      end: doc['span.start.us'] + doc['span.duration.us'],
      error: doc['span.status.code'] === 'error',
    };
    state.spans.set(id, info);
    this.spanCount++;
    if (info.parent !== undefined) {
      const parent = state.spans.get(info.parent);
      if (parent) this.edge(edges, traceId, id, parent, info);
      else state.children.set(info.parent, [...(state.children.get(info.parent) ?? []), id]);
    }
    for (const childId of state.children.get(id) ?? []) {
      const child = state.spans.get(childId);
      if (child) this.edge(edges, traceId, childId, info, child);
    }
    state.children.delete(id);
  }

  private edge(edges: ServiceEdgeDocument[], traceId: string, childId: string, parent: SpanInfo, child: SpanInfo): void {
    if (parent.service === child.service) return;
    edges.push({
      '@timestamp': iso(child.start),
      'trace.id': traceId,
      'span.id': childId,
      'parent.service.name': parent.service,
      'child.service.name': child.service,
      'event.outcome': child.error ? 'failure' : 'success',
    });
  }

  private summary(traceId: string, state: TraceState): TraceSummaryDocument {
    let start = Infinity;
    let end = -Infinity;
    let errors = 0;
    let root: SpanInfo | undefined;
    const services = new Set<string>();
    for (const s of state.spans.values()) {
      start = Math.min(start, s.start);
      end = Math.max(end, s.end);
      if (s.error) errors++;
      services.add(s.service);
      if (s.parent !== undefined && state.spans.has(s.parent)) continue;
      // The root is the span without a parent; failing that (parent not arrived), the earliest orphan.
      const rank = (x: SpanInfo) => (x.parent === undefined ? 0 : 1);
      if (!root || rank(s) < rank(root) || (rank(s) === rank(root) && s.start < root.start)) root = s;
    }
    let errorLogs = 0;
    for (const l of state.logs.values()) {
      if (l.error) errorLogs++;
      services.add(l.service);
      // A trace known only by its logs spans the time of its logs.
      if (state.spans.size === 0) {
        start = Math.min(start, l.time);
        end = Math.max(end, l.time);
      }
    }
    const doc: TraceSummaryDocument = {
      '@timestamp': iso(start),
      'trace.id': traceId,
      'trace.start.us': start,
      'trace.duration.us': end - start,
      'span.count': state.spans.size,
      'error.count': errors,
      'service.names': [...services].sort(),
      'log.count': state.logs.size,
      'error.log.count': errorLogs,
    };
    if (root) {
      doc['root.service.name'] = root.service;
      doc['root.span.name'] = root.name;
    }
    return doc;
  }

  private evict(): void {
    for (const [traceId, state] of this.traces) {
      if (this.spanCount <= this.settings.maxSpans) return;
      this.spanCount -= state.spans.size + state.logs.size;
      this.traces.delete(traceId);
    }
  }
}
