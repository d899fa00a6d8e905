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
  /** Every span of a trace, ordered by start time; empty when the trace is unknown. */
  getTrace(traceId: string): Promise<SpanDocument[]>;
  /** Rejects when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
