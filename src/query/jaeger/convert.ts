/**
 * Stored span documents to the Jaeger query API's trace shape (jaeger/model/json), as the Jaeger
 * UI and Grafana's Jaeger data source read it.
 */
import type { SpanDocument, StoredValue } from '../../storage/store.js';

/** A Jaeger key/value tag. */
export interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}

/** A Jaeger span reference. */
export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

/** A Jaeger span. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: JaegerReference[];
  flags: number;
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: Array<{ timestamp: number; fields: JaegerTag[] }>;
  processID: string;
  warnings: string[] | null;
}

/** A Jaeger trace. */
export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
  warnings: string[] | null;
}

/** One attribute as a Jaeger tag: JSON numbers that are integers become int64, others float64. */
export function toTag(key: string, value: StoredValue): JaegerTag {
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'number') return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  if (typeof value === 'string') return { key, type: 'string', value };
  return { key, type: 'string', value: JSON.stringify(value) };
}

function toTags(attrs: Record<string, StoredValue> | undefined): JaegerTag[] {
  const out: JaegerTag[] = [];
  if (attrs) for (const key of Object.keys(attrs)) out.push(toTag(key, attrs[key] as StoredValue));
  return out;
}

/** Converts the spans of one trace; processes are deduplicated by service and resource. */
export function toJaegerTrace(traceId: string, docs: SpanDocument[]): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  const processIds = new Map<string, string>();
  const spans = docs.map((doc) => {
    const { 'service.name': _svc, ...resourceRest } = doc['resource.attributes'];
    const procKey = `${doc['service.name']}\u0000${JSON.stringify(resourceRest)}`;
    let pid = processIds.get(procKey);
    if (!pid) {
      pid = `p${processIds.size + 1}`;
      processIds.set(procKey, pid);
      processes[pid] = { serviceName: doc['service.name'], tags: toTags(resourceRest) };
    }
    return toJaegerSpan(doc, pid);
  });
  return { traceID: traceId, spans, processes, warnings: null };
}

function toJaegerSpan(doc: SpanDocument, processID: string): JaegerSpan {
  const references: JaegerReference[] = [];
  if (doc['parent.id']) references.push({ refType: 'CHILD_OF', traceID: doc['trace.id'], spanID: doc['parent.id'] });
  for (const l of doc.links ?? []) references.push({ refType: 'FOLLOWS_FROM', traceID: l['trace.id'], spanID: l['span.id'] });
  const tags = toTags(doc.attributes);
  if (doc['span.kind'] !== 'unspecified' && doc['span.kind'] !== 'internal') tags.push({ key: 'span.kind', type: 'string', value: doc['span.kind'] });
  if (doc['span.status.code'] !== 'unset') tags.push({ key: 'otel.status_code', type: 'string', value: doc['span.status.code'].toUpperCase() });
  if (doc['span.status.message']) tags.push({ key: 'otel.status_description', type: 'string', value: doc['span.status.message'] });
  if (doc['span.status.code'] === 'error') tags.push({ key: 'error', type: 'bool', value: true });
  if (doc['scope.name']) tags.push({ key: 'otel.scope.name', type: 'string', value: doc['scope.name'] });
  if (doc['scope.version']) tags.push({ key: 'otel.scope.version', type: 'string', value: doc['scope.version'] });
  return {
    traceID: doc['trace.id'],
    spanID: doc['span.id'],
    operationName: doc['span.name'],
    references,
    flags: 1,
    startTime: doc['span.start.us'],
    duration: doc['span.duration.us'],
    tags,
    logs: (doc.events ?? []).map((e) => ({
      timestamp: e['time.us'],
      fields: [{ key: 'event', type: 'string' as const, value: e.name }, ...toTags(e.attributes)],
    })),
    processID,
    warnings: null,
  };
}
