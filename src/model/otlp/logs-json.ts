/**
 * OTLP/JSON codec for ExportLogsServiceRequest, with the same rules as trace-json.ts: lowerCamelCase
 * keys (snake_case accepted), hex trace/span IDs in either case, int64 as decimal strings or numbers,
 * enums as numbers or names, unknown fields ignored. Errors name the JSON path using the keys the
 * sender used.
 */
import { BraidError, isBraidError } from '../../errors.js';
import { HEX_LOWER, HEX_UPPER, HEX_ZERO, hexKind } from '../hex.js';
import type { LogRecord, LogsData, ResourceLogs, ScopeLogs } from '../logs.js';
import {
  anyValueToJson, asArray, asEnum, asObject, asString, asUint32, asUint64, attributesToJson, invalid, isObject, parseAnyValue,
  parseAttributes, parseResource, parseScope, resourceToJson, scopeToJson, show, type JsonObject, type JsonPath,
} from './common-json.js';
import { emptyResource, emptyScope } from './common-proto.js';
import { SPAN_WITHOUT_TRACE, emptyLogRecord, type LenientLogs } from './logs-common.js';
import { keepReason } from '../reasons.js';

/** SeverityNumber names of logs.proto: SEVERITY_NUMBER_UNSPECIFIED = 0, SEVERITY_NUMBER_TRACE = 1 ... SEVERITY_NUMBER_FATAL4 = 24. */
const SEVERITY_NUMBERS: Readonly<Record<string, number>> = Object.fromEntries([
  ['SEVERITY_NUMBER_UNSPECIFIED', 0],
  ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level, i) =>
    [1, 2, 3, 4].map((step) => [`SEVERITY_NUMBER_${level}${step === 1 ? '' : step}`, i * 4 + step])),
]);

interface ParseState {
  errors: string[] | null;
  rejected: number;
}

/** Parses an OTLP/JSON ExportLogsServiceRequest (already JSON.parse'd); throws on the first invalid log record. */
export function parseLogsRequestJson(body: unknown): LogsData {
  return parse(body, { errors: null, rejected: 0 });
}

/** Parses an OTLP/JSON request, dropping invalid log records with their reasons; an invalid part outside a record still throws. */
export function parseLogsRequestJsonLenient(body: unknown): LenientLogs {
  const state: ParseState = { errors: [], rejected: 0 };
  const data = parse(body, state);
  return { data, rejected: state.rejected, errors: state.errors ?? [] };
}

function parse(body: unknown, state: ParseState): LogsData {
  if (!isObject(body)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `request: expected a JSON object, got ${show(body)}`);
  const data: LogsData = { resourceLogs: [] };
  const path: JsonPath = [];
  for (const k in body) {
    const f = body[k];
    if (f === null || f === undefined || (k !== 'resourceLogs' && k !== 'resource_logs')) continue;
    const list = asArray(f, path, k);
    path.push(k);
    for (let i = 0; i < list.length; i++) {
      path.push(i);
      data.resourceLogs.push(parseResourceLogs(list[i], path, state));
      path.pop();
    }
    path.pop();
  }
  return data;
}

function parseResourceLogs(v: unknown, path: JsonPath, state: ParseState): ResourceLogs {
  const o = asObject(v, path);
  const rl: ResourceLogs = { resource: emptyResource(), schemaUrl: '', scopeLogs: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'resource') {
      path.push(k);
      rl.resource = parseResource(f, path);
      path.pop();
    } else if (k === 'scopeLogs' || k === 'scope_logs') {
      const list = asArray(f, path, k);
      path.push(k);
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        rl.scopeLogs.push(parseScopeLogs(list[i], path, state));
        path.pop();
      }
      path.pop();
    } else if (k === 'schemaUrl' || k === 'schema_url') rl.schemaUrl = asString(f, path, k);
  }
  return rl;
}

function parseScopeLogs(v: unknown, path: JsonPath, state: ParseState): ScopeLogs {
  const o = asObject(v, path);
  const sl: ScopeLogs = { scope: emptyScope(), schemaUrl: '', logRecords: [] };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'scope') {
      path.push(k);
      sl.scope = parseScope(f, path);
      path.pop();
    } else if (k === 'logRecords' || k === 'log_records') {
      const list = asArray(f, path, k);
      path.push(k);
      for (let i = 0; i < list.length; i++) {
        path.push(i);
        if (state.errors === null) sl.logRecords.push(parseLogRecord(list[i], path));
        else parseLogRecordLenient(list[i], path, sl.logRecords, state, state.errors);
        path.pop();
      }
      path.pop();
    } else if (k === 'schemaUrl' || k === 'schema_url') sl.schemaUrl = asString(f, path, k);
  }
  return sl;
}

function parseLogRecordLenient(v: unknown, path: JsonPath, out: LogRecord[], state: ParseState, errors: string[]): void {
  const depth = path.length;
  try {
    out.push(parseLogRecord(v, path));
  } catch (err) {
    if (!isBraidError(err, 'BRAID_ERR_OTLP_INVALID')) throw err;
    keepReason(errors, err.message);
    state.rejected++;
    path.length = depth;
  }
}

/** An optional lowercase ID of `chars` hex characters; '' and all-zero IDs mean "no trace". */
function parseOptionalId(v: unknown, chars: number, path: JsonPath, field: string): string {
  if (v === '') return '';
  if (typeof v === 'string') {
    const kind = hexKind(v, chars);
    if (kind === HEX_LOWER) return v;
    if (kind === HEX_UPPER) return v.toLowerCase();
    if (kind === HEX_ZERO) return '';
  }
  throw invalid(path, field, `expected ${chars} hex characters or none, got ${show(v)}`);
}

function parseLogRecord(v: unknown, path: JsonPath): LogRecord {
  const o = asObject(v, path);
  const rec = emptyLogRecord();
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    switch (k) {
      case 'timeUnixNano': case 'time_unix_nano': rec.timeUnixNano = asUint64(f, path, k); break;
      case 'observedTimeUnixNano': case 'observed_time_unix_nano': rec.observedTimeUnixNano = asUint64(f, path, k); break;
      case 'severityNumber': case 'severity_number': rec.severityNumber = asEnum(f, SEVERITY_NUMBERS, 'SeverityNumber', path, k); break;
      case 'severityText': case 'severity_text': rec.severityText = asString(f, path, k); break;
      case 'body':
        path.push(k);
        rec.body = parseAnyValue(f, path);
        path.pop();
        break;
      case 'attributes': rec.attributes = parseAttributes(f, path, k); break;
      case 'droppedAttributesCount': case 'dropped_attributes_count': rec.droppedAttributesCount = asUint32(f, path, k); break;
      case 'flags': rec.flags = asUint32(f, path, k); break;
      case 'traceId': case 'trace_id': rec.traceId = parseOptionalId(f, 32, path, k); break;
      case 'spanId': case 'span_id': rec.spanId = parseOptionalId(f, 16, path, k); break;
      case 'eventName': case 'event_name': rec.eventName = asString(f, path, k); break;
    }
  }
  if (rec.spanId !== '' && rec.traceId === '') throw invalid(path, 'spanId', SPAN_WITHOUT_TRACE);
  return rec;
}

/** OTLP/JSON form of `data`, with int64 as decimal strings and IDs as lowercase hex (left out when absent). */
export function logsRequestToJson(data: LogsData): unknown {
  return {
    resourceLogs: data.resourceLogs.map((rl) => ({
      resource: resourceToJson(rl.resource),
      scopeLogs: rl.scopeLogs.map((sl) => ({ scope: scopeToJson(sl.scope), logRecords: sl.logRecords.map(logRecordToJson), schemaUrl: sl.schemaUrl })),
      schemaUrl: rl.schemaUrl,
    })),
  };
}

function logRecordToJson(r: LogRecord): JsonObject {
  const out: JsonObject = {
    timeUnixNano: r.timeUnixNano.toString(),
    observedTimeUnixNano: r.observedTimeUnixNano.toString(),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
  };
  if (r.body !== null) out.body = anyValueToJson(r.body);
  out.attributes = attributesToJson(r.attributes);
  out.droppedAttributesCount = r.droppedAttributesCount;
  out.flags = r.flags;
  if (r.traceId !== '') out.traceId = r.traceId;
  if (r.spanId !== '') out.spanId = r.spanId;
  if (r.eventName !== '') out.eventName = r.eventName;
  return out;
}
