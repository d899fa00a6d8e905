/**
 * The bounded memory store of the embedded all-in-one (Jaeger's all-in-one keeps traces in
 * memory the same way). When it holds more than `max_spans`, the traces written longest ago go
 * first.
 */
import { spanDocumentId, type SpanDocument, type Store, type WriteOutcome } from '../store.js';

/** Settings of the memory store (`storage.memory`). */
export interface MemoryStoreSettings {
  max_spans: number;
}

/** Creates the memory store. */
export function createMemoryStore(settings: MemoryStoreSettings): Store {
  /** Trace ID -> (document ID -> span); Map keeps insertion order, which eviction follows. */
  const traces = new Map<string, Map<string, SpanDocument>>();
  let spans = 0;

  function evict(): void {
    for (const [traceId, trace] of traces) {
      if (spans <= settings.max_spans) return;
      spans -= trace.size;
      traces.delete(traceId);
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
    async getTrace(traceId) {
      const trace = traces.get(traceId);
      if (!trace) return [];
      return [...trace.values()].sort((a, b) => a['span.start.us'] - b['span.start.us'] || a['span.id'].localeCompare(b['span.id']));
    },
    async ping() {},
    async close() {},
  };
}
