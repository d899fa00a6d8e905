/**
 * OTLP/protobuf codec for ExportTraceServiceRequest/Response (opentelemetry/proto/trace/v1 and
 * collector/trace/v1). Field numbers match trace.proto and the OTel JS serializer. Wire corruption
 * is BRAID_ERR_OTLP_DECODE; well-formed data with bad IDs is BRAID_ERR_OTLP_INVALID, or in the
 * lenient decoder a per-span rejection so receivers can answer with partial success.
 */
import { BraidError } from '../../errors.js';
import { bytesToHex, isZeroBytes } from '../hex.js';
import { ProtoReader, ProtobufError, type MessageSchema } from '../protobuf/reader.js';
import { ProtoWriter } from '../protobuf/writer.js';
import type { ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink, TracesData } from '../trace.js';
import {
  VALUE_STRINGS, decodeKeyValue, decodeResource, decodeScope, emptyResource, emptyScope, encodeAttributes, encodeResource, encodeScope,
  encodeString, encodeUint32,
} from './common-proto.js';
import { spanPath, type LenientTraces, type PartialSuccess } from './trace-common.js';
import { keepReason } from '../reasons.js';

export type { LenientTraces, PartialSuccess } from './trace-common.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const REQUEST: MessageSchema = { name: 'ExportTraceServiceRequest', fields: [undefined, ['resource_spans', LEN]] };
const RESOURCE_SPANS: MessageSchema = { name: 'ResourceSpans', fields: [undefined, ['resource', LEN], ['scope_spans', LEN], ['schema_url', LEN]] };
const SCOPE_SPANS: MessageSchema = { name: 'ScopeSpans', fields: [undefined, ['scope', LEN], ['spans', LEN], ['schema_url', LEN]] };
const SPAN: MessageSchema = {
  name: 'Span',
  fields: [
    undefined, ['trace_id', LEN], ['span_id', LEN], ['trace_state', LEN], ['parent_span_id', LEN], ['name', LEN], ['kind', VARINT],
    ['start_time_unix_nano', I64], ['end_time_unix_nano', I64], ['attributes', LEN], ['dropped_attributes_count', VARINT], ['events', LEN],
    ['dropped_events_count', VARINT], ['links', LEN], ['dropped_links_count', VARINT], ['status', LEN], ['flags', I32],
  ],
};
const EVENT: MessageSchema = { name: 'Span.Event', fields: [undefined, ['time_unix_nano', I64], ['name', LEN], ['attributes', LEN], ['dropped_attributes_count', VARINT]] };
const LINK: MessageSchema = {
  name: 'Span.Link',
  fields: [undefined, ['trace_id', LEN], ['span_id', LEN], ['trace_state', LEN], ['attributes', LEN], ['dropped_attributes_count', VARINT], ['flags', I32]],
};
const STATUS: MessageSchema = { name: 'Status', fields: [undefined, undefined, ['message', LEN], ['code', VARINT]] };

/** Field names and wire types of the trace messages, shared with the wire-level splitter so errors read alike. */
export const TRACE_SCHEMAS = { REQUEST, RESOURCE_SPANS, SCOPE_SPANS, SPAN, EVENT, LINK, STATUS } as const;

/** Decodes an ExportTraceServiceRequest; throws on the first invalid span. */
export function decodeTraceRequest(buf: Uint8Array): TracesData {
  return decode(buf, null).data;
}

/** Decodes an ExportTraceServiceRequest, dropping invalid spans with their reasons; wire corruption still throws. */
export function decodeTraceRequestLenient(buf: Uint8Array): LenientTraces {
  const errors: string[] = [];
  const { data, rejected } = decode(buf, errors);
  return { data, rejected, errors };
}

function decode(buf: Uint8Array, errors: string[] | null): { data: TracesData; rejected: number } {
  const r = new ProtoReader(buf);
  const data: TracesData = { resourceSpans: [] };
  const state = { errors, rejected: 0 };
  try {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 10) data.resourceSpans.push(decodeResourceSpans(r, data.resourceSpans.length, state));
      else r.unknown(tag, REQUEST);
    }
  } catch (err) {
    throw asDecodeError(err);
  }
  return { data, rejected: state.rejected };
}

/** Wire corruption (ProtobufError) as the BRAID_ERR_OTLP_DECODE error receivers answer with; other errors unchanged. */
export function asDecodeError(err: unknown): unknown {
  if (err instanceof ProtobufError) return new BraidError('BRAID_ERR_OTLP_DECODE', `malformed ExportTraceServiceRequest: ${err.message}`, { cause: err });
  return err;
}

/** The message reporting an invalid span: its request path, then the problem (relative to the span). */
export function rejectedSpanMessage(rsIndex: number, ssIndex: number, spanIndex: number, problem: string): string {
  return `${spanPath(rsIndex, ssIndex, spanIndex)}.${problem}`;
}

interface DecodeState {
  errors: string[] | null;
  rejected: number;
}

function decodeResourceSpans(r: ProtoReader, rsIndex: number, state: DecodeState): ResourceSpans {
  const rs: ResourceSpans = { resource: emptyResource(), schemaUrl: '', scopeSpans: [] };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) rs.scopeSpans.push(decodeScopeSpans(r, rsIndex, rs.scopeSpans.length, state));
    else if (tag === 10) rs.resource = decodeResource(r);
    else if (tag === 26) rs.schemaUrl = r.string();
    else r.unknown(tag, RESOURCE_SPANS);
  }
  r.leave(outer);
  return rs;
}

function decodeScopeSpans(r: ProtoReader, rsIndex: number, ssIndex: number, state: DecodeState): ScopeSpans {
  const ss: ScopeSpans = { scope: emptyScope(), schemaUrl: '', spans: [] };
  const outer = r.enter();
  let spanIndex = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) {
      const span = decodeSpan(r);
      if (typeof span !== 'string') ss.spans.push(span);
      else {
        const message = rejectedSpanMessage(rsIndex, ssIndex, spanIndex, span);
        if (state.errors === null) throw new BraidError('BRAID_ERR_OTLP_INVALID', message);
        keepReason(state.errors, message);
        state.rejected++;
      }
      spanIndex++;
    } else if (tag === 10) ss.scope = decodeScope(r);
    else if (tag === 26) ss.schemaUrl = r.string();
    else r.unknown(tag, SCOPE_SPANS);
  }
  r.leave(outer);
  return ss;
}

/** Checks an ID field's bytes; the problem, or undefined when valid. */
function idProblem(buf: Uint8Array, start: number, end: number, size: number): string | undefined {
  if (end - start !== size) return `expected ${size} bytes, got ${end - start}`;
  if (isZeroBytes(buf, start, end)) return 'must not be all zeros';
  return undefined;
}

/** Why a span with these ID byte ranges (and first link problem) is invalid, or undefined when it is valid. */
export function spanProblem(buf: Uint8Array, tStart: number, tEnd: number, sStart: number, sEnd: number, pStart: number, pEnd: number, linkProblem: string | undefined): string | undefined {
  const tp = idProblem(buf, tStart, tEnd, 16);
  if (tp !== undefined) return `traceId: ${tp}`;
  const sp = idProblem(buf, sStart, sEnd, 8);
  if (sp !== undefined) return `spanId: ${sp}`;
  if (pEnd - pStart !== 0 && pEnd - pStart !== 8) return `parentSpanId: expected 8 bytes or none, got ${pEnd - pStart}`;
  return linkProblem;
}

/** Why a link with these ID byte ranges is invalid, relative to the span: `links[i].traceId: ...`; undefined when valid. */
export function linkProblem(buf: Uint8Array, validLinksBefore: number, tStart: number, tEnd: number, sStart: number, sEnd: number): string | undefined {
  const tp = idProblem(buf, tStart, tEnd, 16);
  if (tp !== undefined) return `links[${validLinksBefore}].traceId: ${tp}`;
  const sp = idProblem(buf, sStart, sEnd, 8);
  if (sp !== undefined) return `links[${validLinksBefore}].spanId: ${sp}`;
  return undefined;
}

/** Decodes a Span, or returns why it is invalid (relative to the span's path). */
function decodeSpan(r: ProtoReader): Span | string {
  const buf = r.buf;
  // ID fields are kept as offsets until the span is complete, so validating them allocates nothing.
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0, pStart = 0, pEnd = 0;
  let firstLinkProblem: string | undefined;
  const span: Span = {
    traceId: '', spanId: '', traceState: '', parentSpanId: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes: {}, droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: tStart = r.skipBytes(); tEnd = r.pos; break;
      case 18: sStart = r.skipBytes(); sEnd = r.pos; break;
      case 26: span.traceState = r.string(); break;
      case 34: pStart = r.skipBytes(); pEnd = r.pos; break;
      case 42: span.name = r.cachedString(VALUE_STRINGS); break;
      case 48: span.kind = r.int32(); break;
      case 57: span.startTimeUnixNano = r.fixed64(); break;
      case 65: span.endTimeUnixNano = r.fixed64(); break;
      case 74: decodeKeyValue(r, span.attributes); break;
      case 80: span.droppedAttributesCount = r.uint32(); break;
      case 90: span.events.push(decodeEvent(r)); break;
      case 96: span.droppedEventsCount = r.uint32(); break;
      case 106: {
        const link = decodeLink(r, span.links.length);
        if (typeof link !== 'string') span.links.push(link);
        else firstLinkProblem ??= link;
        break;
      }
      case 112: span.droppedLinksCount = r.uint32(); break;
      case 122: decodeStatus(r, span.status); break;
      case 133: span.flags = r.fixed32(); break;
      default: r.unknown(tag, SPAN);
    }
  }
  r.leave(outer);
  const problem = spanProblem(buf, tStart, tEnd, sStart, sEnd, pStart, pEnd, firstLinkProblem);
  if (problem !== undefined) return problem;
  span.traceId = bytesToHex(buf, tStart, tEnd);
  span.spanId = bytesToHex(buf, sStart, sEnd);
  // Some SDKs send eight zero bytes for "no parent"; both spellings mean a root span.
  if (pEnd !== pStart && !isZeroBytes(buf, pStart, pEnd)) span.parentSpanId = bytesToHex(buf, pStart, pEnd);
  return span;
}

function decodeEvent(r: ProtoReader): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: 0n, name: '', attributes: {}, droppedAttributesCount: 0 };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 9) ev.timeUnixNano = r.fixed64();
    else if (tag === 18) ev.name = r.cachedString(VALUE_STRINGS);
    else if (tag === 26) decodeKeyValue(r, ev.attributes);
    else if (tag === 32) ev.droppedAttributesCount = r.uint32();
    else r.unknown(tag, EVENT);
  }
  r.leave(outer);
  return ev;
}

function decodeLink(r: ProtoReader, validLinksBefore: number): SpanLink | string {
  const buf = r.buf;
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0;
  const link: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) { tStart = r.skipBytes(); tEnd = r.pos; }
    else if (tag === 18) { sStart = r.skipBytes(); sEnd = r.pos; }
    else if (tag === 26) link.traceState = r.string();
    else if (tag === 34) decodeKeyValue(r, link.attributes);
    else if (tag === 40) link.droppedAttributesCount = r.uint32();
    else if (tag === 53) link.flags = r.fixed32();
    else r.unknown(tag, LINK);
  }
  r.leave(outer);
  const problem = linkProblem(buf, validLinksBefore, tStart, tEnd, sStart, sEnd);
  if (problem !== undefined) return problem;
  link.traceId = bytesToHex(buf, tStart, tEnd);
  link.spanId = bytesToHex(buf, sStart, sEnd);
  return link;
}

function decodeStatus(r: ProtoReader, status: { code: number; message: string }): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) status.message = r.string();
    else if (tag === 24) status.code = r.int32();
    else r.unknown(tag, STATUS);
  }
  r.leave(outer);
}

// One writer reused by every encode: encoding is synchronous, and reuse avoids regrowing a buffer per request.
let shared = new ProtoWriter(64 * 1024);
const MAX_KEPT_CAPACITY = 4 * 1024 * 1024;

/** Encodes `data` as an ExportTraceServiceRequest, omitting default-valued fields as proto3 does. */
export function encodeTraceRequest(data: TracesData): Uint8Array {
  const w = shared;
  w.reset();
  for (const rs of data.resourceSpans) {
    w.tag(1, LEN);
    const m = w.fork();
    encodeResource(w, 1, rs.resource);
    for (const ss of rs.scopeSpans) {
      w.tag(2, LEN);
      const s = w.fork();
      encodeScope(w, 1, ss.scope);
      for (const span of ss.spans) encodeSpan(w, span);
      encodeString(w, 3, ss.schemaUrl);
      w.ldelim(s);
    }
    encodeString(w, 3, rs.schemaUrl);
    w.ldelim(m);
  }
  const out = w.finish();
  if (w.capacity > MAX_KEPT_CAPACITY) shared = new ProtoWriter(64 * 1024);
  return out;
}

function writeId(w: ProtoWriter, field: number, hex: string, what: string): void {
  w.tag(field, LEN);
  if (!w.hexBytes(hex)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `cannot encode ${what} ${JSON.stringify(hex)}: not hex`);
}

function encodeSpan(w: ProtoWriter, span: Span): void {
  w.tag(2, LEN);
  const m = w.fork();
  writeId(w, 1, span.traceId, 'traceId');
  writeId(w, 2, span.spanId, 'spanId');
  encodeString(w, 3, span.traceState);
  if (span.parentSpanId !== '') writeId(w, 4, span.parentSpanId, 'parentSpanId');
  encodeString(w, 5, span.name);
  if (span.kind !== 0) {
    w.tag(6, VARINT);
    w.int32(span.kind);
  }
  if (span.startTimeUnixNano !== 0n) {
    w.tag(7, I64);
    w.fixed64(span.startTimeUnixNano);
  }
  if (span.endTimeUnixNano !== 0n) {
    w.tag(8, I64);
    w.fixed64(span.endTimeUnixNano);
  }
  encodeAttributes(w, 9, span.attributes);
  encodeUint32(w, 10, span.droppedAttributesCount);
  for (const ev of span.events) {
    w.tag(11, LEN);
    const e = w.fork();
    if (ev.timeUnixNano !== 0n) {
      w.tag(1, I64);
      w.fixed64(ev.timeUnixNano);
    }
    encodeString(w, 2, ev.name);
    encodeAttributes(w, 3, ev.attributes);
    encodeUint32(w, 4, ev.droppedAttributesCount);
    w.ldelim(e);
  }
  encodeUint32(w, 12, span.droppedEventsCount);
  for (const link of span.links) {
    w.tag(13, LEN);
    const l = w.fork();
    writeId(w, 1, link.traceId, 'link traceId');
    writeId(w, 2, link.spanId, 'link spanId');
    encodeString(w, 3, link.traceState);
    encodeAttributes(w, 4, link.attributes);
    encodeUint32(w, 5, link.droppedAttributesCount);
    if (link.flags !== 0) {
      w.tag(6, I32);
      w.fixed32(link.flags);
    }
    w.ldelim(l);
  }
  encodeUint32(w, 14, span.droppedLinksCount);
  if (span.status.code !== 0 || span.status.message !== '') {
    w.tag(15, LEN);
    const s = w.fork();
    encodeString(w, 2, span.status.message);
    if (span.status.code !== 0) {
      w.tag(3, VARINT);
      w.int32(span.status.code);
    }
    w.ldelim(s);
  }
  if (span.flags !== 0) {
    w.tag(16, I32);
    w.fixed32(span.flags);
  }
  w.ldelim(m);
}

/** Encodes an ExportTraceServiceResponse; without `partial` it is empty (full success). */
export function encodeTraceResponse(partial?: PartialSuccess): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const w = new ProtoWriter(64 + partial.errorMessage.length * 3);
  w.tag(1, LEN);
  const m = w.fork();
  if (partial.rejectedSpans !== 0) {
    w.tag(1, VARINT);
    w.int64(BigInt(partial.rejectedSpans));
  }
  encodeString(w, 2, partial.errorMessage);
  w.ldelim(m);
  return w.finish();
}

/** The OTLP/JSON ExportTraceServiceResponse: `{}`, or the partial success with int64 as a string. */
export function traceResponseJson(partial?: PartialSuccess): { partialSuccess?: { rejectedSpans: string; errorMessage: string } } {
  if (partial === undefined) return {};
  return { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } };
}
