/**
 * OTLP/protobuf codec for ExportLogsServiceRequest/Response (opentelemetry/proto/logs/v1 and
 * collector/logs/v1). Field numbers match logs.proto and the OTel JS serializer. Wire corruption is
 * BRAID_ERR_OTLP_DECODE; well-formed data with bad IDs is BRAID_ERR_OTLP_INVALID, or in the lenient
 * decoder a per-record rejection so receivers can answer with partial success.
 */
import { BraidError } from '../../errors.js';
import { bytesToHex, isZeroBytes } from '../hex.js';
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from '../logs.js';
import { ProtoReader, ProtobufError, type MessageSchema } from '../protobuf/reader.js';
import { ProtoWriter } from '../protobuf/writer.js';
import {
  VALUE_STRINGS, decodeAnyValue, decodeKeyValue, decodeResource, decodeScope, emptyResource, emptyScope, encodeAnyValueBody,
  encodeAttributes, encodeResource, encodeScope, encodeString, encodeUint32,
} from './common-proto.js';
import { SPAN_WITHOUT_TRACE, emptyLogRecord, logRecordPath, type LenientLogs, type LogsPartialSuccess } from './logs-common.js';
import { keepReason } from '../reasons.js';

export type { LenientLogs, LogsPartialSuccess } from './logs-common.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

const REQUEST: MessageSchema = { name: 'ExportLogsServiceRequest', fields: [undefined, ['resource_logs', LEN]] };
const RESOURCE_LOGS: MessageSchema = { name: 'ResourceLogs', fields: [undefined, ['resource', LEN], ['scope_logs', LEN], ['schema_url', LEN]] };
const SCOPE_LOGS: MessageSchema = { name: 'ScopeLogs', fields: [undefined, ['scope', LEN], ['log_records', LEN], ['schema_url', LEN]] };
// Field 4 (the old `name`) is reserved in logs.proto, so it is skipped whatever its wire type.
const LOG_RECORD: MessageSchema = {
  name: 'LogRecord',
  fields: [
    undefined, ['time_unix_nano', I64], ['severity_number', VARINT], ['severity_text', LEN], undefined, ['body', LEN], ['attributes', LEN],
    ['dropped_attributes_count', VARINT], ['flags', I32], ['trace_id', LEN], ['span_id', LEN], ['observed_time_unix_nano', I64], ['event_name', LEN],
  ],
};

/** Decodes an ExportLogsServiceRequest; throws on the first invalid log record. */
export function decodeLogsRequest(buf: Uint8Array): LogsData {
  return decode(buf, null).data;
}

/** Decodes an ExportLogsServiceRequest, dropping invalid log records with their reasons; wire corruption still throws. */
export function decodeLogsRequestLenient(buf: Uint8Array): LenientLogs {
  const errors: string[] = [];
  const { data, rejected } = decode(buf, errors);
  return { data, rejected, errors };
}

interface DecodeState {
  errors: string[] | null;
  rejected: number;
}

function decode(buf: Uint8Array, errors: string[] | null): { data: LogsData; rejected: number } {
  const r = new ProtoReader(buf);
  const data: LogsData = { resourceLogs: [] };
  const state: DecodeState = { errors, rejected: 0 };
  try {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag === 10) data.resourceLogs.push(decodeResourceLogs(r, data.resourceLogs.length, state));
      else r.unknown(tag, REQUEST);
    }
  } catch (err) {
    if (err instanceof ProtobufError) throw new BraidError('BRAID_ERR_OTLP_DECODE', `malformed ExportLogsServiceRequest: ${err.message}`, { cause: err });
    throw err;
  }
  return { data, rejected: state.rejected };
}

function decodeResourceLogs(r: ProtoReader, rlIndex: number, state: DecodeState): ResourceLogs {
  const rl: ResourceLogs = { resource: emptyResource(), schemaUrl: '', scopeLogs: [] };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) rl.scopeLogs.push(decodeScopeLogs(r, rlIndex, rl.scopeLogs.length, state));
    else if (tag === 10) rl.resource = decodeResource(r);
    else if (tag === 26) rl.schemaUrl = r.string();
    else r.unknown(tag, RESOURCE_LOGS);
  }
  r.leave(outer);
  return rl;
}

function decodeScopeLogs(r: ProtoReader, rlIndex: number, slIndex: number, state: DecodeState): ScopeLogs {
  const sl: ScopeLogs = { scope: emptyScope(), schemaUrl: '', logRecords: [] };
  const outer = r.enter();
  let recordIndex = 0;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) {
      const rec = decodeLogRecord(r);
      if (typeof rec !== 'string') sl.logRecords.push(rec);
      else {
        const message = `${logRecordPath(rlIndex, slIndex, recordIndex)}.${rec}`;
        if (state.errors === null) throw new BraidError('BRAID_ERR_OTLP_INVALID', message);
        keepReason(state.errors, message);
        state.rejected++;
      }
      recordIndex++;
    } else if (tag === 10) sl.scope = decodeScope(r);
    else if (tag === 26) sl.schemaUrl = r.string();
    else r.unknown(tag, SCOPE_LOGS);
  }
  r.leave(outer);
  return sl;
}

/** Decodes a LogRecord, or returns why it is invalid (relative to the record's path). */
function decodeLogRecord(r: ProtoReader): LogRecord | string {
  const buf = r.buf;
  // ID fields are kept as offsets until the record is complete, so validating them allocates nothing.
  let tStart = 0, tEnd = 0, sStart = 0, sEnd = 0;
  const rec = emptyLogRecord();
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 9: rec.timeUnixNano = r.fixed64(); break;
      case 16: rec.severityNumber = r.int32(); break;
      case 26: rec.severityText = r.cachedString(VALUE_STRINGS); break;
      case 42: rec.body = decodeAnyValue(r); break;
      case 50: decodeKeyValue(r, rec.attributes); break;
      case 56: rec.droppedAttributesCount = r.uint32(); break;
      case 69: rec.flags = r.fixed32(); break;
      case 74: tStart = r.skipBytes(); tEnd = r.pos; break;
      case 82: sStart = r.skipBytes(); sEnd = r.pos; break;
      case 89: rec.observedTimeUnixNano = r.fixed64(); break;
      case 98: rec.eventName = r.cachedString(VALUE_STRINGS); break;
      default: r.unknown(tag, LOG_RECORD);
    }
  }
  r.leave(outer);
  if (tEnd - tStart !== 0 && tEnd - tStart !== 16) return `traceId: expected 16 bytes or none, got ${tEnd - tStart}`;
  if (sEnd - sStart !== 0 && sEnd - sStart !== 8) return `spanId: expected 8 bytes or none, got ${sEnd - sStart}`;
  // All-zero IDs mean "no trace" (logs.proto); some SDKs send them instead of leaving the field out.
  if (tEnd !== tStart && !isZeroBytes(buf, tStart, tEnd)) rec.traceId = bytesToHex(buf, tStart, tEnd);
  if (sEnd !== sStart && !isZeroBytes(buf, sStart, sEnd)) rec.spanId = bytesToHex(buf, sStart, sEnd);
  if (rec.spanId !== '' && rec.traceId === '') return `spanId: ${SPAN_WITHOUT_TRACE}`;
  return rec;
}

// One writer reused by every encode: encoding is synchronous, and reuse avoids regrowing a buffer per request.
let shared = new ProtoWriter(64 * 1024);
const MAX_KEPT_CAPACITY = 4 * 1024 * 1024;

/** Encodes `data` as an ExportLogsServiceRequest, omitting default-valued fields as proto3 does. */
export function encodeLogsRequest(data: LogsData): Uint8Array {
  const w = shared;
  w.reset();
  for (const rl of data.resourceLogs) {
    w.tag(1, LEN);
    const m = w.fork();
    encodeResource(w, 1, rl.resource);
    for (const sl of rl.scopeLogs) {
      w.tag(2, LEN);
      const s = w.fork();
      encodeScope(w, 1, sl.scope);
      for (const rec of sl.logRecords) encodeLogRecord(w, rec);
      encodeString(w, 3, sl.schemaUrl);
      w.ldelim(s);
    }
    encodeString(w, 3, rl.schemaUrl);
    w.ldelim(m);
  }
  const out = w.finish();
  if (w.capacity > MAX_KEPT_CAPACITY) shared = new ProtoWriter(64 * 1024);
  return out;
}

function encodeId(w: ProtoWriter, field: number, hex: string, what: string): void {
  if (hex === '') return;
  w.tag(field, LEN);
  if (!w.hexBytes(hex)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `cannot encode ${what} ${JSON.stringify(hex)}: not hex`);
}

function encodeFixed64(w: ProtoWriter, field: number, n: bigint): void {
  if (n === 0n) return;
  w.tag(field, I64);
  w.fixed64(n);
}

function encodeLogRecord(w: ProtoWriter, rec: LogRecord): void {
  w.tag(2, LEN);
  const m = w.fork();
  encodeFixed64(w, 1, rec.timeUnixNano);
  if (rec.severityNumber !== 0) {
    w.tag(2, VARINT);
    w.int32(rec.severityNumber);
  }
  encodeString(w, 3, rec.severityText);
  if (rec.body !== null) {
    w.tag(5, LEN);
    const b = w.fork();
    encodeAnyValueBody(w, rec.body);
    w.ldelim(b);
  }
  encodeAttributes(w, 6, rec.attributes);
  encodeUint32(w, 7, rec.droppedAttributesCount);
  if (rec.flags !== 0) {
    w.tag(8, I32);
    w.fixed32(rec.flags);
  }
  encodeId(w, 9, rec.traceId, 'traceId');
  encodeId(w, 10, rec.spanId, 'spanId');
  encodeFixed64(w, 11, rec.observedTimeUnixNano);
  encodeString(w, 12, rec.eventName);
  w.ldelim(m);
}

/** Encodes an ExportLogsServiceResponse; without `partial` it is empty (full success). */
export function encodeLogsResponse(partial?: LogsPartialSuccess): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const w = new ProtoWriter(64 + partial.errorMessage.length * 3);
  w.tag(1, LEN);
  const m = w.fork();
  if (partial.rejectedLogRecords !== 0) {
    w.tag(1, VARINT);
    w.int64(BigInt(partial.rejectedLogRecords));
  }
  encodeString(w, 2, partial.errorMessage);
  w.ldelim(m);
  return w.finish();
}

/** The OTLP/JSON ExportLogsServiceResponse: `{}`, or the partial success with int64 as a string. */
export function logsResponseJson(partial?: LogsPartialSuccess): { partialSuccess?: { rejectedLogRecords: string; errorMessage: string } } {
  if (partial === undefined) return {};
  return { partialSuccess: { rejectedLogRecords: String(partial.rejectedLogRecords), errorMessage: partial.errorMessage } };
}
