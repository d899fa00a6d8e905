/**
 * NDJSON structured logs (one JSON object per line, as pino, bunyan, zap, logrus, structlog, ECS
 * loggers, Filebeat and Vector write them) to Braid's OTLP logs model. Each line stands alone: a
 * bad line is reported with its 1-based number and skipped, the lines around it are kept.
 *
 * Mapping (a recognised field that is used is removed from the attributes; of several candidates
 * only the first present one is used, and null counts as absent):
 * - time: `@timestamp`, `timestamp`, `time`, `ts`. RFC 3339 strings, or epoch numbers / numeric
 *   strings whose unit (s, ms, µs, ns) the integer part tells: below 1e11 seconds, below 1e14
 *   milliseconds, below 1e17 microseconds, else nanoseconds (details in time.ts). A time before
 *   1970 or past uint64 nanoseconds (2554) is a line error. Absent: 0.
 * - severity: `level`, `severity`, `log.level` (or `log: {level}`). Text is kept as severityText
 *   and mapped case-insensitively as the OTel data model's Appendix B maps syslog, zap, log4j and
 *   java.util.logging (so `crit`/`critical` is ERROR2, as syslog's Critical, and `emerg` FATAL). Integers 0-7 are syslog
 *   severities, 10 and above pino/bunyan levels (10 trace ... 60 fatal, custom levels by range);
 *   pino never emits 0-7, so the two cannot be confused. A numeric level's severityText is its
 *   name in that scheme (30 -> "info"; an unnamed custom level keeps its digits). Unknown levels
 *   keep their text with number 0 (UNSPECIFIED).
 * - body: `message`, `msg`, with its JSON type, or else a string `event` (structlog's message key;
 *   ECS's `event` is an object and stays an attribute). Without one, the whole line (trimmed) is
 *   the body, as the collector's filelog receiver keeps the raw line when json_parser fills the
 *   attributes.
 * - trace context: `trace_id`, `traceId`, `trace.id` (or `trace: {id}`); `span_id`, `spanId`,
 *   `span.id` (or `span: {id}`); W3C `traceparent`, whose flags become the record's flags and whose
 *   IDs apply where no explicit ID field is present. Any hex case; '' or all zeros is no ID.
 * - resource: `service.name`, or `service` as a string or `{name}`; without one `unknown_service`,
 *   the OTel SDK default. One ResourceLogs per service, one ScopeLogs named `braid.ndjson`.
 * - every other field is an attribute with its JSON type: integers in int64 range are bigint,
 *   other numbers number, objects kvlists. JSON.parse cannot tell 1 from 1.0 and rounds integers
 *   past 2^53 (epoch nanoseconds, 64-bit IDs), hence the exact parser in json.ts.
 *
 * This file recognises the fields and groups the records; json.ts parses a line, time.ts reads
 * timestamps.
 */
import { HEX_UPPER, HEX_ZERO, NOT_HEX, hexKind, isHex } from '../../model/hex.js';
import { Severity, type LogRecord, type LogsData, type ScopeLogs } from '../../model/logs.js';
import { show } from '../../model/otlp/common-json.js';
import type { AnyValue, KvList } from '../../model/trace.js';
import { attributesProblem, type RecordLimits } from '../../model/limits.js';
import { BadLine, LineParser } from './json.js';
import { MAX_TIME_NS, epochToNs, timeStringToNs } from './time.js';

/** Why one line was rejected; `line` is 1-based, `reason` carries no "line N:" prefix. */
export interface NdjsonLineError {
  line: number;
  reason: string;
}

/** The parsed body: the accepted records, how many there are, and the rejected lines. */
export interface NdjsonResult {
  data: LogsData;
  accepted: number;
  errors: NdjsonLineError[];
}

/** The instrumentation scope name given to every NDJSON record. */
export const NDJSON_SCOPE_NAME = 'braid.ndjson';
/** The service of records that name none, as the OTel SDK defaults it. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** Parses an NDJSON body into log records; `receivedAtNs` becomes every record's observed time; a line past `limits` is a bad line. */
export function parseNdjsonLogs(text: string, receivedAtNs: bigint, limits?: RecordLimits): NdjsonResult {
  const data: LogsData = { resourceLogs: [] };
  const byService = new Map<string, ScopeLogs>();
  const errors: NdjsonLineError[] = [];
  const parser = new LineParser(text, TIME_KEYS);
  let accepted = 0;
  // A byte order mark some Windows tools write first.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    try {
      const fields = parser.parseLine(start, end);
      if (fields !== undefined) {
        const { service, record } = toRecord(fields, parser.rawNumbers, receivedAtNs, () => text.slice(start, end).trim());
        const problem = limits === undefined ? undefined : attributesProblem(record.attributes, limits);
        if (problem !== undefined) throw new BadLine(`attributes: ${problem}`);
        scopeFor(data, byService, service).logRecords.push(record);
        accepted++;
      }
    } catch (err) {
      if (!(err instanceof BadLine)) throw err;
      errors.push({ line, reason: err.message });
    }
    start = end + 1;
  }
  return { data, accepted, errors };
}

function scopeFor(data: LogsData, byService: Map<string, ScopeLogs>, service: string): ScopeLogs {
  let sl = byService.get(service);
  if (!sl) {
    sl = { scope: { name: NDJSON_SCOPE_NAME, version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: [] };
    data.resourceLogs.push({ resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [sl] });
    byService.set(service, sl);
  }
  return sl;
}

// ---- Field mapping ----

/** A field found in a line: its name for error messages, and its value. */
interface Found {
  name: string;
  value: AnyValue;
}

// Candidates in order; a two-part path is a nested object (ECS `{"log": {"level": ...}}`).
// `timereported` and `priority` are what rsyslog's omelasticsearch sends with its default template.
const TIME_KEYS: readonly string[] = ['@timestamp', 'timestamp', 'time', 'ts', 'timereported'];
const TIME_FIELDS = TIME_KEYS.map((k) => [k]);
const LEVEL_FIELDS = [['level'], ['severity'], ['log.level'], ['log', 'level'], ['priority']] as const;
const MESSAGE_FIELDS = [['message'], ['msg']] as const;
const EVENT_FIELD = [['event']] as const;
const TRACE_ID_FIELDS = [['trace_id'], ['traceId'], ['trace.id'], ['trace', 'id']] as const;
const SPAN_ID_FIELDS = [['span_id'], ['spanId'], ['span.id'], ['span', 'id']] as const;
const TRACEPARENT_FIELD = [['traceparent']] as const;
const SERVICE_FIELDS = [['service.name'], ['service', 'name']] as const;
const SERVICE_FIELD = [['service']] as const;

function toRecord(fields: KvList, rawTimes: Map<string, string> | undefined, receivedAtNs: bigint, line: () => string): { service: string; record: LogRecord } {
  const time = take(fields, TIME_FIELDS);
  const level = take(fields, LEVEL_FIELDS);
  const message = take(fields, MESSAGE_FIELDS) ?? (typeof fields.event === 'string' ? take(fields, EVENT_FIELD) : undefined);
  const traceId = take(fields, TRACE_ID_FIELDS);
  const spanId = take(fields, SPAN_ID_FIELDS);
  const traceparent = take(fields, TRACEPARENT_FIELD);
  const service = takeService(fields);

  const context = traceparent ? parseTraceparent(traceparent) : { traceId: '', spanId: '', flags: 0 };
  const severity = level ? parseLevel(level) : { text: '', number: Severity.UNSPECIFIED };
  const record: LogRecord = {
    timeUnixNano: time ? parseTime(time, rawTimes?.get(time.name)) : 0n,
    observedTimeUnixNano: receivedAtNs,
    severityNumber: severity.number,
    severityText: severity.text,
    body: message ? message.value : line(),
    attributes: fields,
    droppedAttributesCount: 0,
    flags: context.flags,
    traceId: traceId ? parseId(traceId, 32) : context.traceId,
    spanId: spanId ? parseId(spanId, 16) : context.spanId,
    eventName: '',
  };
  return { service, record };
}

/** Removes the first of `paths` present in `fields` and returns it; a nested object left empty goes too. */
function take(fields: KvList, paths: readonly (readonly string[])[]): Found | undefined {
  for (const path of paths) {
    const [key, inner] = path as [string, string?];
    const v = fields[key];
    if (v === undefined || v === null) continue;
    if (inner === undefined) {
      delete fields[key];
      return { name: key, value: v };
    }
    if (!isKvList(v)) continue;
    const w = v[inner];
    if (w === undefined || w === null) continue;
    delete v[inner];
    if (isEmpty(v)) delete fields[key];
    return { name: `${key}.${inner}`, value: w };
  }
  return undefined;
}

function takeService(fields: KvList): string {
  const found = take(fields, SERVICE_FIELDS) ?? (typeof fields.service === 'string' ? take(fields, SERVICE_FIELD) : undefined);
  if (!found) return UNKNOWN_SERVICE;
  if (typeof found.value !== 'string') throw new BadLine(`${found.name}: expected a string, got ${show(found.value)}`);
  return found.value === '' ? UNKNOWN_SERVICE : found.value;
}

function isKvList(v: AnyValue): v is KvList {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function isEmpty(o: KvList): boolean {
  for (const _ in o) return false;
  return true;
}

/** A trace (32) or span (16) ID as lowercase hex; '' when empty or all zeros. */
function parseId(found: Found, chars: number): string {
  const v = found.value;
  if (v === '') return '';
  const kind = typeof v === 'string' ? hexKind(v, chars) : NOT_HEX;
  if (kind === HEX_ZERO) return '';
  if (kind === NOT_HEX) {
    const got = typeof v === 'string' && v.length !== chars ? `${v.length} characters: ${show(v)}` : show(v);
    throw new BadLine(`${found.name}: expected ${chars} hex characters, got ${got}`);
  }
  return kind === HEX_UPPER ? (v as string).toLowerCase() : (v as string);
}

/** W3C traceparent `vv-<32 hex>-<16 hex>-<2 hex>`; a later version may append `-...`. */
function parseTraceparent(found: Found): { traceId: string; spanId: string; flags: number } {
  const v = found.value;
  const s = typeof v === 'string' ? v.toLowerCase() : '';
  const version = s.slice(0, 2);
  const framed = s.length >= 55 && isHex(version, 2) && version !== 'ff' && s[2] === '-' && s[35] === '-' && s[52] === '-' && isHex(s.slice(53, 55), 2);
  // Version 00 is exactly 55 characters; a later version may append '-' and more fields.
  const ok = framed && (s.length === 55 || (version !== '00' && s[55] === '-'));
  const traceKind = ok ? hexKind(s.slice(3, 35), 32) : NOT_HEX;
  const spanKind = ok ? hexKind(s.slice(36, 52), 16) : NOT_HEX;
  if (traceKind === NOT_HEX || spanKind === NOT_HEX) throw new BadLine(`${found.name}: expected 00-<32 hex>-<16 hex>-<2 hex>, got ${show(v)}`);
  // W3C: a traceparent with an all-zero ID is invalid and ignored whole.
  if (traceKind === HEX_ZERO || spanKind === HEX_ZERO) return { traceId: '', spanId: '', flags: 0 };
  return { traceId: s.slice(3, 35), spanId: s.slice(36, 52), flags: parseInt(s.slice(53, 55), 16) };
}

// ---- Severity ----

/** Level names, lowercase, to SeverityNumber (OTel logs data model, Appendix B). */
const LEVEL_NAMES = new Map<string, number>([
  ['finest', 1], ['trace', 1], ['silly', 1],
  ['finer', 5], ['debug', 5], ['verbose', 5], ['fine', 6], ['config', 7],
  ['info', 9], ['information', 9], ['informational', 9], ['notice', 10],
  ['warn', 13], ['warning', 13],
  ['error', 17], ['err', 17], ['severe', 17], ['crit', 18], ['critical', 18], ['dpanic', 18], ['alert', 19], ['panic', 19],
  ['fatal', 21], ['emerg', 21], ['emergency', 21],
]);
// The data model's own short names, TRACE2 ... FATAL4.
for (const [name, base] of Object.entries(Severity)) for (let k = 2; k <= 4 && base > 0; k++) LEVEL_NAMES.set(`${name.toLowerCase()}${k}`, base + k - 1);

/** Syslog severities 0-7 (RFC 5424): names and SeverityNumbers. */
const SYSLOG = [['emerg', 21], ['alert', 19], ['crit', 18], ['err', 17], ['warning', 13], ['notice', 10], ['info', 9], ['debug', 5]] as const;
/** pino/bunyan levels 10, 20, ... 60. */
const PINO = [['trace', 1], ['debug', 5], ['info', 9], ['warn', 13], ['error', 17], ['fatal', 21]] as const;

function parseLevel(found: Found): { text: string; number: number } {
  const v = found.value;
  if (typeof v === 'string') return { text: v, number: LEVEL_NAMES.get(v.toLowerCase()) ?? Severity.UNSPECIFIED };
  if (typeof v === 'bigint') {
    if (v >= 0n && v <= 7n) {
      const [text, number] = SYSLOG[Number(v)]!;
      return { text, number };
    }
    if (v >= 10n) {
      // Custom pino levels between the standard ones take the severity of the one below.
      const [name, number] = PINO[Math.min(Number(v / 10n), 6) - 1]!;
      return { text: v % 10n === 0n && v <= 60n ? name : String(v), number };
    }
    return { text: String(v), number: Severity.UNSPECIFIED };
  }
  if (typeof v === 'number') return { text: String(v), number: Severity.UNSPECIFIED };
  throw new BadLine(`${found.name}: expected a level name or number, got ${show(v)}`);
}

// ---- Time ----

/** A timestamp field in Unix nanoseconds (formats and units: time.ts); `raw` is the exact text of a non-integer JSON number. */
function parseTime(found: Found, raw: string | undefined): bigint {
  const v = found.value;
  let ns: bigint | undefined;
  if (typeof v === 'bigint') ns = epochToNs(v.toString());
  else if (typeof v === 'number') ns = epochToNs(raw ?? String(v));
  else if (typeof v === 'string') ns = timeStringToNs(v);
  else throw new BadLine(`${found.name}: expected an RFC 3339 string or an epoch number, got ${show(v)}`);
  if (ns === undefined) throw new BadLine(`${found.name}: not an RFC 3339 timestamp or epoch number: ${show(v)}`);
  if (ns < 0n || ns > MAX_TIME_NS) throw new BadLine(`${found.name}: ${raw ?? show(v)} is out of range (1970 to 2554)`);
  return ns;
}
