/**
 * OTLP/JSON codec for ExportTraceServiceRequest, per the OTLP spec's JSON encoding: lowerCamelCase
 * keys (snake_case accepted, as the protobuf JSON mapping allows), hex trace/span IDs, int64 as
 * decimal strings or numbers, enums as numbers or names, unknown fields ignored. Errors name the
 * JSON path using the keys the sender used.
 */
import { BraidError, isBraidError } from '../../errors.js';
import { HEX_LOWER, HEX_UPPER, HEX_ZERO, hexKind } from '../hex.js';
import type { ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, TracesData } from '../trace.js';
import {
  asArray, asEnum, asObject, parseList, asString, asUint32, asUint64, attributesToJson, invalid, isObject, parseAttributes,
  parseResource, parseScope, resourceToJson, scopeToJson, show, type JsonObject, type JsonPath,
} from './common-json.js';
import { emptyResource, emptyScope } from './common-proto.js';
import type { LenientTraces } from './trace-common.js';
import { keepReason } from '../reasons.js';

const SPAN_KINDS: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0, SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3, SPAN_KIND_PRODUCER: 4, SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Readonly<Record<string, number>> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

interface ParseState {
  errors: string[] | null;
  rejected: number;
}

/** Parses an OTLP/JSON ExportTraceServiceRequest (already JSON.parse'd); throws on the first invalid span. */
export function parseTraceRequestJson(body: unknown): TracesData {
  return parse(body, { errors: null, rejected: 0 });
}

/** Parses an OTLP/JSON request, dropping invalid spans with their reasons; an invalid non-span part still throws. */
export function parseTraceRequestJsonLenient(body: unknown): LenientTraces {
  const state: ParseState = { errors: [], rejected: 0 };
  const data = parse(body, state);
  return { data, rejected: state.rejected, errors: state.errors ?? [] };
}

function parse(body: unknown, state: ParseState): TracesData {
  if (!isObject(body)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `request: expected a JSON object, got ${show(body)}`);
  const data: TracesData = { resourceSpans: [] };
  const path: JsonPath = [];
  for (const k in body) {
    const f = body[k];
    if (f === null || f === undefined || (k !== 'resourceSpans' && k !== 'resource_spans')) continue;
    const list = asArray(f, path, k);
    path.push(k);
    for (let i = 0; i < list.length; i++) {
      path.push(i);
      data.resourceSpans.push(parseResourceSpans(list[i], path, state));
      path.pop();
    }
    path.pop();
  }
  return data;
}

function parseResourceSpans(v: unknown, path: JsonPath, state: ParseState): ResourceSpans {
  const o = asObject(v, path);
  const rs: ResourceSpans = { resource: emptyResource(), schemaUrl: '', scopeSpans: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'resource') {
      path.push(k);
      rs.resource = parseResource(f, path);
      path.pop();
    } else if (k === 'scopeSpans' || k === 'scope_spans') {
      const list = asArray(f, path, k);
      path.push(k);
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        rs.scopeSpans.push(parseScopeSpans(list[i], path, state));
        path.pop();
      }
      path.pop();
    } else if (k === 'schemaUrl' || k === 'schema_url') rs.schemaUrl = asString(f, path, k);
  }
  return rs;
}

function parseScopeSpans(v: unknown, path: JsonPath, state: ParseState): ScopeSpans {
  const o = asObject(v, path);
  const ss: ScopeSpans = { scope: emptyScope(), schemaUrl: '', spans: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'scope') {
      path.push(k);
      ss.scope = parseScope(f, path);
      path.pop();
    } else if (k === 'spans') {
      const list = asArray(f, path, k);
      path.push(k);
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        if (state.errors === null) ss.spans.push(parseSpan(list[i], path));
        else parseSpanLenient(list[i], path, ss.spans, state, state.errors);
        path.pop();
      }
      path.pop();
    } else if (k === 'schemaUrl' || k === 'schema_url') ss.schemaUrl = asString(f, path, k);
  }
  return ss;
}

function parseSpanLenient(v: unknown, path: JsonPath, out: Span[], state: ParseState, errors: string[]): void {
  const depth = path.length;
  try {
    out.push(parseSpan(v, path));
  } catch (err) {
    if (!isBraidError(err, 'BRAID_ERR_OTLP_INVALID')) throw err;
    keepReason(errors, err.message);
    state.rejected++;
    path.length = depth;
  }
}

/** A lowercase ID of `chars` hex characters; `optional` IDs may be empty, and all-zero ones read as empty. */
function parseId(v: unknown, chars: number, optional: boolean, path: JsonPath, field: string): string {
  if (typeof v === 'string') {
    if (optional && v === '') return '';
    const kind = hexKind(v, chars);
    if (kind === HEX_LOWER) return v;
    if (kind === HEX_UPPER) return v.toLowerCase();
    if (kind === HEX_ZERO) {
      if (optional) return '';
      throw invalid(path, field, 'must not be all zeros');
    }
  }
  throw invalid(path, field, `expected ${chars} hex characters${optional ? ' or none' : ''}, got ${show(v)}`);
}

function requireId(id: string, chars: number, path: JsonPath, field: string): void {
  if (id === '') throw invalid(path, field, `expected ${chars} hex characters, got none`);
}

function parseSpan(v: unknown, path: JsonPath): Span {
  const o = asObject(v, path);
  const span: Span = {
    traceId: '', spanId: '', traceState: '', parentSpanId: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: {}, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    switch (k) {
      case 'traceId': case 'trace_id': span.traceId = parseId(f, 32, false, path, k); break;
      case 'spanId': case 'span_id': span.spanId = parseId(f, 16, false, path, k); break;
      case 'parentSpanId': case 'parent_span_id': span.parentSpanId = parseId(f, 16, true, path, k); break;
      case 'traceState': case 'trace_state': span.traceState = asString(f, path, k); break;
      case 'name': span.name = asString(f, path, k); break;
      case 'kind': span.kind = asEnum(f, SPAN_KINDS, 'SpanKind', path, k); break;
      case 'startTimeUnixNano': case 'start_time_unix_nano': span.startTimeUnixNano = asUint64(f, path, k); break;
      case 'endTimeUnixNano': case 'end_time_unix_nano': span.endTimeUnixNano = asUint64(f, path, k); break;
      case 'attributes': span.attributes = parseAttributes(f, path, k); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': span.droppedAttributesCount = asUint32(f, path, k); break;
      case 'events': span.events = parseList(f, path, k, parseEvent); break;
      case 'droppedEventsCount': case 'dropped_events_count': span.droppedEventsCount = asUint32(f, path, k); break;
      case 'links': span.links = parseList(f, path, k, parseLink); break;
      case 'droppedLinksCount': case 'dropped_links_count': span.droppedLinksCount = asUint32(f, path, k); break;
      case 'status': parseStatus(f, path, k, span.status); break;
      case 'flags': span.flags = asUint32(f, path, k); break;
    }
  }
  requireId(span.traceId, 32, path, 'traceId');
  requireId(span.spanId, 16, path, 'spanId');
  return span;
}

function parseEvent(v: unknown, path: JsonPath): SpanEvent {
  const o = asObject(v, path);
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'timeUnixNano' || k === 'time_unix_nano') ev.timeUnixNano = asUint64(f, path, k);
    else if (k === 'name') ev.name = asString(f, path, k);
    else if (k === 'attributes') ev.attributes = parseAttributes(f, path, k);
    else if (k === 'droppedAttributesCount' || k === 'dropped_attributes_count') ev.droppedAttributesCount = asUint32(f, path, k);
  }
  return ev;
}

function parseLink(v: unknown, path: JsonPath): SpanLink {
  const o = asObject(v, path);
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    switch (k) {
      case 'traceId': case 'trace_id': link.traceId = parseId(f, 32, false, path, k); break;
      case 'spanId': case 'span_id': link.spanId = parseId(f, 16, false, path, k); break;
      case 'traceState': case 'trace_state': link.traceState = asString(f, path, k); break;
      case 'attributes': link.attributes = parseAttributes(f, path, k); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': link.droppedAttributesCount = asUint32(f, path, k); break;
      case 'flags': link.flags = asUint32(f, path, k); break;
    }
  }
  requireId(link.traceId, 32, path, 'traceId');
  requireId(link.spanId, 16, path, 'spanId');
  return link;
}

function parseStatus(v: unknown, path: JsonPath, field: string, status: { code: number; message: string }): void {
  const o = asObject(v, path, field);
  path.push(field);
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'code') status.code = asEnum(f, STATUS_CODES, 'StatusCode', path, k);
    else if (k === 'message') status.message = asString(f, path, k);
  }
  path.pop();
}

/** OTLP/JSON form of `data`, with int64 as decimal strings and IDs as lowercase hex. */
export function traceRequestToJson(data: TracesData): unknown {
  return {
    resourceSpans: data.resourceSpans.map((rs) => ({
      resource: resourceToJson(rs.resource),
      scopeSpans: rs.scopeSpans.map((ss) => ({ scope: scopeToJson(ss.scope), spans: ss.spans.map(spanToJson), schemaUrl: ss.schemaUrl })),
      schemaUrl: rs.schemaUrl,
    })),
  };
}

function spanToJson(s: Span): JsonObject {
  const out: JsonObject = { traceId: s.traceId, spanId: s.spanId };
  if (s.parentSpanId !== '') out.parentSpanId = s.parentSpanId;
  if (s.traceState !== '') out.traceState = s.traceState;
  out.flags = s.flags;
  out.name = s.name;
  out.kind = s.kind;
  out.startTimeUnixNano = s.startTimeUnixNano.toString();
  out.endTimeUnixNano = s.endTimeUnixNano.toString();
  out.attributes = attributesToJson(s.attributes);
  out.droppedAttributesCount = s.droppedAttributesCount;
  out.events = s.events.map((e) => ({
    timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: attributesToJson(e.attributes), droppedAttributesCount: e.droppedAttributesCount,
  }));
  out.droppedEventsCount = s.droppedEventsCount;
  out.links = s.links.map((l) => ({
    traceId: l.traceId, spanId: l.spanId, traceState: l.traceState, attributes: attributesToJson(l.attributes),
    droppedAttributesCount: l.droppedAttributesCount, flags: l.flags,
  }));
  out.droppedLinksCount = s.droppedLinksCount;
  out.status = { code: s.status.code, message: s.status.message };
  return out;
}
