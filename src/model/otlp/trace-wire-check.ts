/**
 * Structural checks of OTLP trace messages on the wire, for the splitter in trace-wire.ts. Each
 * check walks a message field by field exactly as the full decoder (trace-proto.ts,
 * common-proto.ts) does, skipping values instead of building them, so whatever would make the
 * ingester's decode fail is found here first, with the same error message and offset. With record
 * limits the same walk counts attribute fields and measures keys and strings (model/limits.ts):
 * a length is decoded only for a string whose bytes are already past the limit.
 */
import { keyTooLong, tooManyAttributes, valueTooLong, type RecordLimits } from '../limits.js';
import { ProtobufError, type MessageSchema, type ProtoReader } from '../protobuf/reader.js';
import { COMMON_SCHEMAS } from './common-proto.js';
import { TRACE_SCHEMAS, linkProblem, spanProblem } from './trace-proto.js';

const { ANY_VALUE, KEY_VALUE, ARRAY_VALUE, KV_LIST, RESOURCE, SCOPE } = COMMON_SCHEMAS;
const { SPAN, EVENT, LINK, STATUS } = TRACE_SCHEMAS;

// As in common-proto.ts: protobuf's default recursion limit.
const MAX_DEPTH = 100;

/**
 * Walks one length-delimited Span; returns where its 16 trace-ID bytes start when it is valid, else
 * why it is invalid (as decodeTraceRequestLenient words it, or `attributes: ...` for a limit, relative
 * to the span's path). Throws ProtobufError on wire corruption.
 */
export function checkSpan(r: ProtoReader, lim?: RecordLimits): number | string {
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0, pStart = 0, pEnd = 0;
  let validLinks = 0, attributes = 0, events = 0;
  let firstLinkProblem: string | undefined;
  let limitProblem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: tStart = r.skipBytes(); tEnd = r.pos; break;
      case 18: sStart = r.skipBytes(); sEnd = r.pos; break;
      case 34: pStart = r.skipBytes(); pEnd = r.pos; break;
      case 74: {
        attributes++;
        const p = checkAttribute(r, lim);
        if (p !== undefined) limitProblem ??= `attributes: ${p}`;
        break;
      }
      case 90: {
        const p = checkEvent(r, lim);
        if (p !== undefined) limitProblem ??= `events[${events}].attributes: ${p}`;
        events++;
        break;
      }
      case 106: {
        const problem = checkLink(r, validLinks, lim);
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
  const problem = spanProblem(r.buf, tStart, tEnd, sStart, sEnd, pStart, pEnd, firstLinkProblem);
  if (problem !== undefined) return problem;
  if (lim !== undefined && attributes > lim.maxAttributes) return `attributes: ${tooManyAttributes(attributes, lim)}`;
  return limitProblem ?? tStart;
}

/** Walks one length-delimited Resource; returns why its attributes break the limits, if they do. */
export function checkResource(r: ProtoReader, lim?: RecordLimits): string | undefined {
  let attributes = 0;
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) {
      attributes++;
      problem ??= checkAttribute(r, lim);
    } else r.unknown(tag, RESOURCE);
  }
  r.leave(outer);
  return lim !== undefined && attributes > lim.maxAttributes ? tooManyAttributes(attributes, lim) : problem;
}

/** Walks one length-delimited InstrumentationScope. */
export function checkScope(r: ProtoReader): void {
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 26) checkKeyValue(r, 0, Infinity);
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

/** Walks an Event; returns why its attributes break the limits, if they do. */
function checkEvent(r: ProtoReader, lim: RecordLimits | undefined): string | undefined {
  let attributes = 0;
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 26) {
      attributes++;
      problem ??= checkAttribute(r, lim);
    } else r.unknown(tag, EVENT);
  }
  r.leave(outer);
  return lim !== undefined && attributes > lim.maxAttributes ? tooManyAttributes(attributes, lim) : problem;
}

/** Walks a Link; returns why it is invalid (an ID, or its attributes past the limits), relative to the span. */
function checkLink(r: ProtoReader, validLinksBefore: number, lim: RecordLimits | undefined): string | undefined {
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0;
  let attributes = 0;
  let problem: string | undefined;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) { tStart = r.skipBytes(); tEnd = r.pos; }
    else if (tag === 18) { sStart = r.skipBytes(); sEnd = r.pos; }
    else if (tag === 34) {
      attributes++;
      problem ??= checkAttribute(r, lim);
    } else r.unknown(tag, LINK);
  }
  r.leave(outer);
  const invalid = linkProblem(r.buf, validLinksBefore, tStart, tEnd, sStart, sEnd);
  if (invalid !== undefined || lim === undefined) return invalid;
  if (attributes > lim.maxAttributes) problem = tooManyAttributes(attributes, lim);
  return problem === undefined ? undefined : `links[${validLinksBefore}].attributes: ${problem}`;
}

/** The string in buf[start, end), as the decoder reads it. */
function text(r: ProtoReader, start: number, end: number): string {
  return Buffer.from(r.buf.buffer, r.buf.byteOffset + start, end - start).toString('utf8');
}

/** The UTF-16 length of the string in buf[start, end): what the decoder's string would measure. */
function chars(r: ProtoReader, start: number, end: number): number {
  return text(r, start, end).length;
}

/**
 * Walks a top-level attribute (a KeyValue of a span, event, link or resource); returns why it
 * breaks the limits, if it does. Without limits it is `checkKeyValue`. A string's UTF-8 bytes are
 * never fewer than its UTF-16 units, so one within the limit in bytes is within it in characters.
 */
function checkAttribute(r: ProtoReader, lim: RecordLimits | undefined): string | undefined {
  if (lim === undefined) {
    checkKeyValue(r, 0, Infinity);
    return undefined;
  }
  const max = lim.maxAttributeValueLength;
  let kStart = 0, kEnd = 0, over = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) { kStart = r.skipBytes(); kEnd = r.pos; }
    else if (tag === 18) {
      const n = checkAnyValue(r, 1, max);
      if (over === 0) over = n;
    }
    else r.unknown(tag, KEY_VALUE);
  }
  r.leave(outer);
  if (kEnd - kStart > max) {
    const n = chars(r, kStart, kEnd);
    if (n > max) return keyTooLong(n, lim);
  }
  // A key too long to be named (model/limits.ts) is not decoded.
  if (over > 0) return valueTooLong(kEnd - kStart > 512 ? undefined : text(r, kStart, kEnd), over, lim);
  return undefined;
}

/** Walks a KeyValue inside a value; returns the length of its first key or string longer than `max` characters, or 0. */
function checkKeyValue(r: ProtoReader, depth: number, max: number): number {
  let over = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) {
      const s = r.skipBytes();
      if (r.pos - s > max && over === 0) {
        const n = chars(r, s, r.pos);
        if (n > max) over = n;
      }
    } else if (tag === 18) { const n = checkAnyValue(r, depth + 1, max); if (over === 0) over = n; }
    else r.unknown(tag, KEY_VALUE);
  }
  r.leave(outer);
  return over;
}

/** Walks an AnyValue; returns the length of its first string (or key inside it) longer than `max` characters, or 0. */
function checkAnyValue(r: ProtoReader, depth: number, max: number): number {
  if (depth > MAX_DEPTH) throw new ProtobufError(`AnyValue nested deeper than ${MAX_DEPTH} levels at offset ${r.pos}`, r.pos);
  let over = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10: {
        const s = r.skipBytes();
        if (r.pos - s > max && over === 0) {
          const n = chars(r, s, r.pos);
          if (n > max) over = n;
        }
        break;
      }
      case 58: r.skipBytes(); break;
      case 16: case 24: r.skip(tag); break;
      // Read, not skipped: a truncated double is reported as "double", as the decoder reports it.
      case 33: r.double(); break;
      case 42: {
        const o = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === 10) { const n = checkAnyValue(r, depth + 1, max); if (over === 0) over = n; }
          else r.unknown(t, ARRAY_VALUE);
        }
        r.leave(o);
        break;
      }
      case 50: {
        const o = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === 10) { const n = checkKeyValue(r, depth, max); if (over === 0) over = n; }
          else r.unknown(t, KV_LIST);
        }
        r.leave(o);
        break;
      }
      default: r.unknown(tag, ANY_VALUE);
    }
  }
  r.leave(outer);
  return over;
}
