/**
 * Builds stored documents from decoded OTLP. The ECS correlation fields are top-level dotted
 * keys; OTel attributes stay under `attributes` and `resource.attributes` with their JSON types.
 */
import type { AnyValue, Attributes, Span, TracesData } from '../model/trace.js';
import type { SpanDocument, StoredValue } from '../storage/store.js';

const KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const STATUS_NAMES = ['unset', 'ok', 'error'] as const;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Converts an OTLP value to its stored JSON form. */
export function toStoredValue(v: AnyValue): StoredValue {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') {
    return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
  }
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(toStoredValue);
  return toStoredAttributes(v);
}

/** Converts OTLP attributes to their stored form. */
export function toStoredAttributes(attrs: Attributes): Record<string, StoredValue> {
  const out: Record<string, StoredValue> = {};
  for (const key in attrs) out[key] = toStoredValue(attrs[key] as AnyValue);
  return out;
}

const nsToUs = (ns: bigint): number => Number(ns / 1000n);

/** The span documents of an export request, one per span. */
export function spanDocuments(data: TracesData): SpanDocument[] {
  const out: SpanDocument[] = [];
  for (const rs of data.resourceSpans) {
    const resource = toStoredAttributes(rs.resource.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) out.push(spanDocument(span, service, resource, ss.scope.name, ss.scope.version));
    }
  }
  return out;
}

function spanDocument(span: Span, service: string, resource: Record<string, StoredValue>, scopeName: string, scopeVersion: string): SpanDocument {
  const startUs = nsToUs(span.startTimeUnixNano);
  const endUs = nsToUs(span.endTimeUnixNano);
  const status = STATUS_NAMES[span.status.code] ?? 'unset';
  const doc: SpanDocument = {
    '@timestamp': new Date(Math.floor(startUs / 1000)).toISOString(),
    'trace.id': span.traceId,
    'span.id': span.spanId,
    'service.name': service,
    'span.name': span.name,
    'span.kind': KIND_NAMES[span.kind] ?? 'unspecified',
    'span.start.us': startUs,
    'span.duration.us': Math.max(0, endUs - startUs),
    'span.status.code': status,
    'event.outcome': status === 'error' ? 'failure' : status === 'ok' ? 'success' : 'unknown',
    attributes: toStoredAttributes(span.attributes),
    'resource.attributes': resource,
  };
  if (span.parentSpanId) doc['parent.id'] = span.parentSpanId;
  if (span.status.message) doc['span.status.message'] = span.status.message;
  if (span.traceState) doc['trace.state'] = span.traceState;
  if (scopeName) doc['scope.name'] = scopeName;
  if (scopeVersion) doc['scope.version'] = scopeVersion;
  if (span.events.length > 0) {
    doc.events = span.events.map((e) => ({ 'time.us': nsToUs(e.timeUnixNano), name: e.name, attributes: toStoredAttributes(e.attributes) }));
  }
  if (span.links.length > 0) {
    doc.links = span.links.map((l) => ({ 'trace.id': l.traceId, 'span.id': l.spanId, attributes: toStoredAttributes(l.attributes) }));
  }
  return doc;
}
