/**
 * Braid's in-memory form of OTLP trace data (opentelemetry/proto/trace/v1/trace.proto).
 * IDs are lowercase hex strings; 64-bit integers are bigint; attribute values keep OTLP's types
 * (bigint for intValue, number for doubleValue) so the int/double distinction survives to the
 * Jaeger API's int64/float64 tags.
 */

/** An OTLP AnyValue. A plain object is a kvlistValue, a Uint8Array a bytesValue, null an empty value. */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | KvList | null;

/** An OTLP KeyValueList, as a plain object keyed by attribute key. */
export interface KvList {
  [key: string]: AnyValue;
}

/** OTLP attributes; a repeated key keeps its last value. */
export type Attributes = KvList;

/** OTLP Resource. */
export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP InstrumentationScope. */
export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP Span.Event. */
export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP Span.Link. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

/** OTLP Status.StatusCode. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** OTLP Span.SpanKind. */
export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** OTLP Span. */
export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  /** Empty string for a root span. */
  parentSpanId: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: number; message: string };
}

/** OTLP ScopeSpans. */
export interface ScopeSpans {
  scope: InstrumentationScope;
  schemaUrl: string;
  spans: Span[];
}

/** OTLP ResourceSpans. */
export interface ResourceSpans {
  resource: Resource;
  schemaUrl: string;
  scopeSpans: ScopeSpans[];
}

/** The body of an OTLP ExportTraceServiceRequest. */
export interface TracesData {
  resourceSpans: ResourceSpans[];
}

/** Counts the spans in a request. */
export function countSpans(data: TracesData): number {
  let n = 0;
  for (const rs of data.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}
