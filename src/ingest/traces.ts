/**
 * What the ingester derives while a trace's records pass through its partition: the trace
 * summary, service-to-service edges and the operation catalog. Every record of a trace is keyed
 * by its trace ID, so this ingester sees the whole trace and can keep its recent traces in
 * memory (bounded, least recently used first out). A trace evicted or lost in a restart is
 * rebuilt from the store when more of its spans arrive, so replays never double-count.
 */
import { isErrorLog, type LogDocument, type OperationDocument, type ServiceEdgeDocument, type SpanDocument, type TraceSummaryDocument } from '../storage/store.js';

/** A span whose parent has not arrived yet (an orphan): what its edge and the root need. */
interface Waiting {
  id: string;
  service: string;
  name: string;
  start: number;
  error: boolean;
}

/**
 * What the tracker keeps of a trace: aggregates, not spans (143 bytes per span instead of
 * 275; docs/adr/0016). Each span ID maps to its service's index in `services` times 2 plus its
 * error bit: enough to skip a replayed span and to name the parent's service of an edge.
 */
interface TraceState {
  spans: Map<string, number>;
  /** Services of the trace's spans and logs, in arrival order. */
  services: string[];
  start: number;
  end: number;
  errors: number;
  /** The earliest span without a parent. */
  root: { service: string; name: string; start: number } | undefined;
  /** parent span ID -> its children that arrived first (the trace's orphans). */
  waiting: Map<string, Waiting[]> | undefined;
  /** Log records that carry the trace ID, by log ID (a replayed record changes nothing). */
  logs: Set<string> | undefined;
  errorLogs: number;
  /** Microseconds since the epoch of the first and last log record. */
  logStart: number;
  logEnd: number;
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

/** The index of `service` in the trace's services, added when new (a trace has a handful). */
function serviceIndex(state: TraceState, service: string): number {
  const i = state.services.indexOf(service);
  return i >= 0 ? i : state.services.push(service) - 1;
}

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

  /**
   * The spans of `docs` to store under a cap of `maxSpansPerTrace` spans per trace (Tempo's
   * max_spans_per_trace): a span the trace already holds (a replay) is kept, a new one only while
   * the trace holds fewer than the cap, counting the new spans before it in `docs`. Traces must be
   * seeded first; the tracker is not changed (observe the kept spans after).
   */
  capSpans(docs: SpanDocument[], maxSpansPerTrace: number): { kept: SpanDocument[]; discarded: number } {
    const added = new Map<string, Set<string>>();
    const kept: SpanDocument[] = [];
    let discarded = 0;
    for (const doc of docs) {
      const traceId = doc['trace.id'];
      const id = doc['span.id'];
      const held = this.traces.get(traceId)?.spans;
      let fresh = added.get(traceId);
      if (held?.has(id) || fresh?.has(id)) {
        kept.push(doc);
        continue;
      }
      if ((held?.size ?? 0) + (fresh?.size ?? 0) >= maxSpansPerTrace) {
        discarded++;
        continue;
      }
      if (fresh === undefined) added.set(traceId, (fresh = new Set()));
      fresh.add(id);
      kept.push(doc);
    }
    return { kept, discarded };
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
    state.logs ??= new Set();
    if (state.logs.has(id)) return;
    state.logs.add(id);
    const time = Math.floor(Date.parse(doc['@timestamp']) * 1000);
    state.logStart = Math.min(state.logStart, time);
    state.logEnd = Math.max(state.logEnd, time);
    if (isErrorLog(doc)) state.errorLogs++;
    serviceIndex(state, doc['service.name']);
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
      state = { spans: new Map(), services: [], start: Infinity, end: -Infinity, errors: 0, root: undefined, waiting: undefined, logs: undefined, errorLogs: 0, logStart: Infinity, logEnd: -Infinity };
    }
    this.traces.set(traceId, state);
    return state;
  }

  private add(state: TraceState, doc: SpanDocument, traceId: string, edges: ServiceEdgeDocument[]): void {
    const id = doc['span.id'];
    if (state.spans.has(id)) return; // a replayed span changes nothing
    const service = doc['service.name'];
    const start = doc['span.start.us'];
    const error = doc['span.status.code'] === 'error';
    state.spans.set(id, serviceIndex(state, service) * 2 + (error ? 1 : 0));
    this.spanCount++;
    state.start = Math.min(state.start, start);
    state.end = Math.max(state.end, start + doc['span.duration.us']);
    if (error) state.errors++;
    const parentId = doc['parent.id'];
    if (parentId === undefined) {
      if (!state.root || start < state.root.start) state.root = { service, name: doc['span.name'], start };
    } else {
      const parent = state.spans.get(parentId);
      if (parent !== undefined) this.edge(edges, traceId, id, state.services[parent >> 1] as string, service, start, error);
      else {
        state.waiting ??= new Map();
        const orphan: Waiting = { id, service, name: doc['span.name'], start, error };
        const siblings = state.waiting.get(parentId);
        if (siblings) siblings.push(orphan);
        else state.waiting.set(parentId, [orphan]);
      }
    }
    const children = state.waiting?.get(id);
    if (children) {
      for (const c of children) this.edge(edges, traceId, c.id, service, c.service, c.start, c.error);
      state.waiting!.delete(id);
    }
  }

  private edge(edges: ServiceEdgeDocument[], traceId: string, childId: string, parentService: string, childService: string, childStart: number, childError: boolean): void {
    if (parentService === childService) return;
    edges.push({
      '@timestamp': iso(childStart),
      'trace.id': traceId,
      'span.id': childId,
      'parent.service.name': parentService,
      'child.service.name': childService,
      'event.outcome': childError ? 'failure' : 'success',
    });
  }

  private summary(traceId: string, state: TraceState): TraceSummaryDocument {
    // A trace known only by its logs spans the time of its logs.
    const [start, end] = state.spans.size > 0 ? [state.start, state.end] : [state.logStart, state.logEnd];
    const doc: TraceSummaryDocument = {
      '@timestamp': iso(start),
      'trace.id': traceId,
      'trace.start.us': start,
      'trace.duration.us': end - start,
      'span.count': state.spans.size,
      'error.count': state.errors,
      'service.names': [...state.services].sort(),
      'log.count': state.logs?.size ?? 0,
      'error.log.count': state.errorLogs,
    };
    // The root is the span without a parent; failing that (parent not arrived), the earliest orphan.
    let root: { service: string; name: string; start: number } | undefined = state.root;
    if (!root && state.waiting) {
      for (const children of state.waiting.values()) for (const c of children) if (!root || c.start < root.start) root = c;
    }
    if (root) {
      doc['root.service.name'] = root.service;
      doc['root.span.name'] = root.name;
    }
    return doc;
  }

  private evict(): void {
    for (const [traceId, state] of this.traces) {
      if (this.spanCount <= this.settings.maxSpans) return;
      this.spanCount -= state.spans.size + (state.logs?.size ?? 0);
      this.traces.delete(traceId);
    }
  }
}
