/**
 * Structural checks of OTLP trace messages on the wire, for the splitter in trace-wire.ts. Each
 * check walks a message field by field exactly as the full decoder (trace-proto.ts,
 * common-proto.ts) does, skipping values instead of building them, so whatever would make the
 * ingester's decode fail is found here first, with the same error message and offset.
 */
import { ProtobufError, type MessageSchema, type ProtoReader } from '../protobuf/reader.js';
import { COMMON_SCHEMAS } from './common-proto.js';
import { TRACE_SCHEMAS, linkProblem, spanProblem } from './trace-proto.js';

const { ANY_VALUE, KEY_VALUE, ARRAY_VALUE, KV_LIST, RESOURCE, SCOPE } = COMMON_SCHEMAS;
const { SPAN, EVENT, LINK, STATUS } = TRACE_SCHEMAS;

// As in common-proto.ts: protobuf's default recursion limit.
const MAX_DEPTH = 100;

/**
 * Walks one length-delimited Span; returns where its 16 trace-ID bytes start when it is valid, else
 * why it is invalid (as decodeTraceRequestLenient words it). Throws ProtobufError on wire corruption.
 */
export function checkSpan(r: ProtoReader): number | string {
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0, pStart = 0, pEnd = 0;
  let validLinks = 0;
  let firstLinkProblem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: tStart = r.skipBytes(); tEnd = r.pos; break;
      case 18: sStart = r.skipBytes(); sEnd = r.pos; break;
      case 34: pStart = r.skipBytes(); pEnd = r.pos; break;
      case 74: checkKeyValue(r, 0); break;
      case 90: checkEvent(r); break;
      case 106: {
        const problem = checkLink(r, validLinks);
        if (problem === undefined) validLinks++;
        else firstLinkProblem ??= problem;
        break;
      }
      case 122: checkFlat(r, STATUS); break;
      // Known fields with the right wire type skipped without a schema lookup: trace_state, name,
      // kind, times, dropped counts, flags. Anything else has its wire type checked by `unknown`.
      case 26: case 42: r.skipBytes(); break;
      case 48: case 57: case 65: case 80: case 96: case 112: case 133: r.skip(tag); break;
      default: r.unknown(tag, SPAN);
    }
  }
  r.leave(outer);
  return spanProblem(r.buf, tStart, tEnd, sStart, sEnd, pStart, pEnd, firstLinkProblem) ?? tStart;
}

/** Walks one length-delimited Resource. */
export function checkResource(r: ProtoReader): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) checkKeyValue(r, 0);
    else r.unknown(tag, RESOURCE);
  }
  r.leave(outer);
}

/** Walks one length-delimited InstrumentationScope. */
export function checkScope(r: ProtoReader): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 26) checkKeyValue(r, 0);
    else r.unknown(tag, SCOPE);
  }
  r.leave(outer);
}

/** Walks a message without nested messages: every field's wire type is checked and its value skipped. */
function checkFlat(r: ProtoReader, schema: MessageSchema): void {
  const outer = r.enter();
  while (r.pos < r.limit) r.unknown(r.tag(), schema);
  r.leave(outer);
}

function checkEvent(r: ProtoReader): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 26) checkKeyValue(r, 0);
    else r.unknown(tag, EVENT);
  }
  r.leave(outer);
}

function checkLink(r: ProtoReader, validLinksBefore: number): string | undefined {
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) { tStart = r.skipBytes(); tEnd = r.pos; }
    else if (tag === 18) { sStart = r.skipBytes(); sEnd = r.pos; }
    else if (tag === 34) checkKeyValue(r, 0);
    else r.unknown(tag, LINK);
  }
  r.leave(outer);
  return linkProblem(r.buf, validLinksBefore, tStart, tEnd, sStart, sEnd);
}

function checkKeyValue(r: ProtoReader, depth: number): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) r.skipBytes();
    else if (tag === 18) checkAnyValue(r, depth + 1);
    else r.unknown(tag, KEY_VALUE);
  }
  r.leave(outer);
}

function checkAnyValue(r: ProtoReader, depth: number): void {
  if (depth > MAX_DEPTH) throw new ProtobufError(`AnyValue nested deeper than ${MAX_DEPTH} levels at offset ${r.pos}`, r.pos);
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: case 58: r.skipBytes(); break;
      case 16: case 24: r.skip(tag); break;
      // Read, not skipped: a truncated double is reported as "double", as the decoder reports it.
      case 33: r.double(); break;
      case 42: {
        const o = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === 10) checkAnyValue(r, depth + 1);
          else r.unknown(t, ARRAY_VALUE);
        }
        r.leave(o);
        break;
      }
      case 50: {
        const o = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === 10) checkKeyValue(r, depth);
          else r.unknown(t, KV_LIST);
        }
        r.leave(o);
        break;
      }
      default: r.unknown(tag, ANY_VALUE);
    }
  }
  r.leave(outer);
}
