/**
 * Splits an OTLP/protobuf ExportTraceServiceRequest by trace ID on the wire, without decoding it:
 * one pass walks and checks every field (trace-wire-check.ts) and records byte ranges, then each
 * trace's spans are copied, with their ResourceSpans and ScopeSpans header bytes (resource, scope,
 * schema URLs, unknown fields), into new requests. The result decodes to exactly what decoding,
 * `splitByTraceId` and re-encoding give; see docs/adr/0004-wire-level-split.md.
 */
import { BraidError } from '../../errors.js';
import { bytesToHex } from '../hex.js';
import type { RecordLimits } from '../limits.js';
import { ProtoReader } from '../protobuf/reader.js';
import { varintSize } from '../protobuf/writer.js';
import { TRACE_SCHEMAS, asDecodeError, rejectedSpanMessage } from './trace-proto.js';
import { spanPath } from './trace-common.js';
import { checkResource, checkScope, checkSpan } from './trace-wire-check.js';
import { keepReason } from '../reasons.js';

const { REQUEST, RESOURCE_SPANS, SCOPE_SPANS } = TRACE_SCHEMAS;
const TAG_RESOURCE_SPANS = 0x0a; // ExportTraceServiceRequest.resource_spans = 1, length-delimited
const TAG_SCOPE_SPANS = 0x12; // ResourceSpans.scope_spans = 2, length-delimited
const TAG_SPANS = 0x12; // ScopeSpans.spans = 2, length-delimited

/** A request split for the queue: records keyed by the 16 trace-ID bytes, valid and rejected span counts, and why spans were rejected. */
export interface WireSplit {
  records: Array<{ key: Buffer; value: Buffer }>;
  spans: number;
  rejected: number;
  errors: string[];
}

/** One trace of a scanned request: its ID bytes and its spans (indices into the layout's span arrays), in request order. */
export interface WireTrace {
  key: Buffer;
  spans: number[];
}

/**
 * Where everything is in a checked request. Header bytes (every field of a ResourceSpans but
 * scope_spans, of a ScopeSpans but spans) are [start, end) pairs in `rsRanges`/`ssRanges`; each
 * ResourceSpans (ScopeSpans) owns the pairs from its `first` to its `last` pair index, exclusive.
 */
export interface TraceRequestLayout {
  buf: Buffer;
  rsRanges: number[];
  rsFirst: number[];
  rsLast: number[];
  rsHeaderBytes: number[];
  ssRanges: number[];
  ssResource: number[];
  ssFirst: number[];
  ssLast: number[];
  ssHeaderBytes: number[];
  /** Each valid span's whole field (tag, length, body) and the ScopeSpans it came from. */
  spanStart: number[];
  spanEnd: number[];
  spanScope: number[];
  traces: WireTrace[];
  rejected: number;
  errors: string[];
}

/**
 * Splits `buf` into per-trace requests of at most `maxBytes` each; throws BRAID_ERR_OTLP_DECODE on
 * wire corruption. With `limits`, spans past them (or whose resource is) are rejected like invalid ones.
 */
export function splitTraceRequestWire(buf: Uint8Array, maxBytes: number, limits?: RecordLimits): WireSplit {
  const layout = scanTraceRequest(buf, limits);
  return { records: assembleRecords(layout, maxBytes), spans: layout.spanStart.length, rejected: layout.rejected, errors: layout.errors };
}

/** Walks and checks a whole request, recording the byte ranges `assembleRecords` copies; throws BRAID_ERR_OTLP_DECODE on wire corruption. */
export function scanTraceRequest(bytes: Uint8Array, limits?: RecordLimits): TraceRequestLayout {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const l: TraceRequestLayout = {
    buf, rsRanges: [], rsFirst: [], rsLast: [], rsHeaderBytes: [], ssRanges: [], ssResource: [], ssFirst: [], ssLast: [], ssHeaderBytes: [],
    spanStart: [], spanEnd: [], spanScope: [], traces: [], rejected: 0, errors: [],
  };
  const r = new ProtoReader(buf);
  const scan: Scan = { l, byId: new Map(), last: undefined, lastStart: -1, limits };
  try {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === TAG_RESOURCE_SPANS) scanResourceSpans(r, scan);
      else r.unknown(tag, REQUEST);
    }
  } catch (err) {
    throw asDecodeError(err);
  }
  return l;
}

interface Scan {
  l: TraceRequestLayout;
  byId: Map<string, WireTrace>;
  // The trace of the previous valid span and where its ID is: consecutive spans often share a trace.
  last: WireTrace | undefined;
  lastStart: number;
  limits: RecordLimits | undefined;
}

/** Appends header bytes [start, end) to `ranges`, merging with the last pair (from pair `first` on) when contiguous. */
function addRange(ranges: number[], first: number, start: number, end: number): void {
  const n = ranges.length;
  if (n > first * 2 && ranges[n - 1] === start) ranges[n - 1] = end;
  else ranges.push(start, end);
}

function scanResourceSpans(r: ProtoReader, scan: Scan): void {
  const l = scan.l;
  const rs = l.rsFirst.length;
  const first = l.rsRanges.length / 2;
  let headerBytes = 0;
  let ssIndex = 0;
  const outer = r.enter();
  const resourceProblem = scan.limits === undefined ? undefined : peekResource(r, scan.limits);
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === TAG_SCOPE_SPANS) {
      scanScopeSpans(r, scan, rs, ssIndex++, resourceProblem);
      continue;
    }
    const start = r.tagPos;
    if (tag === 10) checkResource(r);
    else r.unknown(tag, RESOURCE_SPANS);
    headerBytes += r.pos - start;
    addRange(l.rsRanges, first, start, r.pos);
  }
  r.leave(outer);
  l.rsFirst.push(first);
  l.rsLast.push(l.rsRanges.length / 2);
  l.rsHeaderBytes.push(headerBytes);
}

/**
 * Why the Resource of the ResourceSpans `r` is in breaks the limits, read ahead of its spans (it may
 * come after them on the wire); `r` is left where it was. Corruption is left to the main walk to report.
 */
function peekResource(r: ProtoReader, limits: RecordLimits): string | undefined {
  const start = r.pos;
  let problem: string | undefined;
  try {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 10) problem = checkResource(r, limits) ?? problem;
      else r.skip(tag);
    }
  } catch {
    problem = undefined;
  }
  r.pos = start;
  return problem;
}

function scanScopeSpans(r: ProtoReader, scan: Scan, rs: number, ssIndex: number, resourceProblem: string | undefined): void {
  const l = scan.l;
  const ss = l.ssFirst.length;
  const first = l.ssRanges.length / 2;
  let headerBytes = 0;
  let spanIndex = 0;
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    const start = r.tagPos;
    if (tag === TAG_SPANS) {
      const checked = checkSpan(r, scan.limits);
      if (typeof checked === 'number' && resourceProblem === undefined) addSpan(scan, ss, start, r.pos, checked);
      else {
        keepReason(l.errors, () => (typeof checked === 'string' ? rejectedSpanMessage(rs, ssIndex, spanIndex, checked) : `${spanPath(rs, ssIndex, spanIndex)}: resource.attributes: ${resourceProblem}`));
        l.rejected++;
      }
      spanIndex++;
      continue;
    }
    if (tag === 10) checkScope(r);
    else r.unknown(tag, SCOPE_SPANS);
    headerBytes += r.pos - start;
    addRange(l.ssRanges, first, start, r.pos);
  }
  r.leave(outer);
  l.ssResource.push(rs);
  l.ssFirst.push(first);
  l.ssLast.push(l.ssRanges.length / 2);
  l.ssHeaderBytes.push(headerBytes);
}

/** Records a valid span whose trace-ID bytes start at `t`, and adds it to its trace. */
function addSpan(scan: Scan, ss: number, start: number, end: number, t: number): void {
  const l = scan.l;
  const buf = l.buf;
  const index = l.spanStart.length;
  l.spanStart.push(start);
  l.spanEnd.push(end);
  l.spanScope.push(ss);
  if (scan.last !== undefined && sameId(buf, scan.lastStart, t)) {
    scan.last.spans.push(index);
    return;
  }
  const id = bytesToHex(buf, t, t + 16);
  let trace = scan.byId.get(id);
  if (trace === undefined) {
    trace = { key: Buffer.from(buf.subarray(t, t + 16)), spans: [] };
    scan.byId.set(id, trace);
    l.traces.push(trace);
  }
  trace.spans.push(index);
  scan.last = trace;
  scan.lastStart = t;
}

function sameId(buf: Buffer, a: number, b: number): boolean {
  for (let i = 0; i < 16; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** Bytes of a length-delimited field with a one-byte tag and a body of `n` bytes. */
function fieldSize(n: number): number {
  return 1 + varintSize(n) + n;
}

/** Per trace, in order of first appearance, requests of at most `maxBytes` (cut by span); throws BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE for a span that cannot fit. */
export function assembleRecords(l: TraceRequestLayout, maxBytes: number): Array<{ key: Buffer; value: Buffer }> {
  const out: Array<{ key: Buffer; value: Buffer }> = [];
  const { spanStart, spanEnd, spanScope, ssResource, ssHeaderBytes, rsHeaderBytes } = l;
  for (const trace of l.traces) {
    const spans = trace.spans;
    // Size of the request holding spans[from..j]: closed ResourceSpans, plus the open one around the open ScopeSpans.
    let from = 0, size = 0, closed = 0, rsBody = 0, ssBody = 0, curRs = -1, curSs = -1;
    for (let j = 0; j < spans.length; j++) {
      const i = spans[j]!;
      const ss = spanScope[i]!;
      const rs = ssResource[ss]!;
      const len = spanEnd[i]! - spanStart[i]!;
      let c = closed, rb = rsBody, sb = ssBody;
      if (j === from) {
        c = 0;
        rb = rsHeaderBytes[rs]!;
        sb = ssHeaderBytes[ss]! + len;
      } else if (ss === curSs) sb += len;
      else if (rs === curRs) {
        rb += fieldSize(sb);
        sb = ssHeaderBytes[ss]! + len;
      } else {
        c += fieldSize(rb + fieldSize(sb));
        rb = rsHeaderBytes[rs]!;
        sb = ssHeaderBytes[ss]! + len;
      }
      const next = c + fieldSize(rb + fieldSize(sb));
      if (next > maxBytes) {
        if (j === from) {
          throw new BraidError('BRAID_ERR_QUEUE_MESSAGE_TOO_LARGE', `one span encodes to ${next} bytes, more than the largest record the topic takes (${maxBytes} bytes, from its max.message.bytes)`);
        }
        out.push({ key: trace.key, value: writeRequest(l, spans, from, j, size) });
        from = j--; // this span again, as the first of the next request
        continue;
      }
      closed = c;
      rsBody = rb;
      ssBody = sb;
      size = next;
      curRs = rs;
      curSs = ss;
    }
    out.push({ key: trace.key, value: writeRequest(l, spans, from, spans.length, size) });
  }
  return out;
}

/** Writes the request of spans[from..to), `size` bytes long, back to front so every length is known before it is written. */
function writeRequest(l: TraceRequestLayout, spans: number[], from: number, to: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  const { buf, spanStart, spanEnd, spanScope, ssResource } = l;
  let pos = size;
  let ssEnd = size, rsEnd = size, curSs = -1, curRs = -1;
  for (let j = to - 1; j >= from; j--) {
    const i = spans[j]!;
    const ss = spanScope[i]!;
    if (ss !== curSs) {
      const rs = ssResource[ss]!;
      if (curSs !== -1) {
        pos = closeScope(l, out, pos, ssEnd, curSs);
        if (rs !== curRs) {
          pos = closeResource(l, out, pos, rsEnd, curRs);
          rsEnd = pos;
        }
      }
      ssEnd = pos;
      curSs = ss;
      curRs = rs;
    }
    const start = spanStart[i]!;
    pos -= spanEnd[i]! - start;
    buf.copy(out, pos, start, spanEnd[i]!);
  }
  pos = closeResource(l, out, closeScope(l, out, pos, ssEnd, curSs), rsEnd, curRs);
  if (pos !== 0) throw new BraidError('BRAID_ERR_INTERNAL', `trace request size miscomputed: ${pos} bytes left of ${size}`);
  return out;
}

/** Writes a ScopeSpans' tag, length and header in front of its spans, which end at `end`; returns the new start. */
function closeScope(l: TraceRequestLayout, out: Buffer, pos: number, end: number, ss: number): number {
  pos = copyRanges(l.buf, l.ssRanges, l.ssFirst[ss]!, l.ssLast[ss]!, out, pos - l.ssHeaderBytes[ss]!);
  return writeFieldHead(out, pos, TAG_SCOPE_SPANS, end - pos);
}

/** Writes a ResourceSpans' tag, length and header in front of its ScopeSpans, which end at `end`; returns the new start. */
function closeResource(l: TraceRequestLayout, out: Buffer, pos: number, end: number, rs: number): number {
  pos = copyRanges(l.buf, l.rsRanges, l.rsFirst[rs]!, l.rsLast[rs]!, out, pos - l.rsHeaderBytes[rs]!);
  return writeFieldHead(out, pos, TAG_RESOURCE_SPANS, end - pos);
}

/** Copies the ranges of pairs [first, last) to `out` from `at` on, in order; returns `at`. */
function copyRanges(buf: Buffer, ranges: number[], first: number, last: number, out: Buffer, at: number): number {
  let p = at;
  for (let k = first * 2; k < last * 2; k += 2) p += buf.copy(out, p, ranges[k]!, ranges[k + 1]!);
  return at;
}

/** Writes a one-byte tag and the varint `len` so they end at `pos`; returns where they start. */
function writeFieldHead(out: Buffer, pos: number, tag: number, len: number): number {
  let p = pos - varintSize(len);
  const start = p - 1;
  out[start] = tag;
  while (len >= 0x80) {
    out[p++] = (len & 0x7f) | 0x80;
    len = Math.floor(len / 128);
  }
  out[p] = len;
  return start;
}
