/**
 * NDJSON structured logs (one JSON object per line, as pino, bunyan, zap, logrus, structlog, ECS
 * loggers, Filebeat and Vector write them) to Braid's OTLP logs model. Each line stands alone: a
 * bad line is reported with its 1-based number and skipped, the lines around it are kept.
 *
 * Mapping (a recognised field that is used is removed from the attributes; of several candidates
 * only the first present one is used, and null counts as absent):
 * - time: `@timestamp`, `timestamp`, `time`, `ts`. RFC 3339 strings (`T`, `t` or a space between
 *   date and time, up to 9 fraction digits kept exactly, further ones truncated, `Z` or `+hh:mm`,
 *   `+hhmm`, `+hh`; no offset means UTC), or epoch numbers / numeric strings, with the unit told
 *   by the integer part: below 1e11 seconds, below 1e14 milliseconds, below 1e17 microseconds,
 *   else nanoseconds, so each unit reads right for dates from 1973-03-03 on (a millisecond
 *   value before that reads as seconds). Fractions of any unit are kept to the nanosecond. A time
 *   before 1970 or past uint64 nanoseconds (2554) is a line error. Absent: 0.
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
 *   past 2^53 (epoch nanoseconds, 64-bit IDs), hence the parser below.
 */
import { HEX_UPPER, HEX_ZERO, NOT_HEX, hexKind, isHex } from '../../model/hex.js';
import { Severity, type LogRecord, type LogsData, type ScopeLogs } from '../../model/logs.js';
import { show } from '../../model/otlp/common-json.js';
import { setAttribute } from '../../model/otlp/common-proto.js';
import type { AnyValue, KvList } from '../../model/trace.js';

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

/** Parses an NDJSON body into log records; `receivedAtNs` becomes every record's observed time. */
export function parseNdjsonLogs(text: string, receivedAtNs: bigint): NdjsonResult {
  const data: LogsData = { resourceLogs: [] };
  const byService = new Map<string, ScopeLogs>();
  const errors: NdjsonLineError[] = [];
  const parser = new LineParser(text);
  let accepted = 0;
  // A byte order mark some Windows tools write first.
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    try {
      const fields = parser.parseLine(start, end);
      if (fields !== undefined) {
        const { service, record } = toRecord(fields, parser.rawTimes, receivedAtNs, () => text.slice(start, end).trim());
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

/** A line's rejection; its message is the reason reported. */
class BadLine extends Error {}

// ---- Field mapping ----

/** A field found in a line: its name for error messages, and its value. */
interface Found {
  name: string;
  value: AnyValue;
}

// Candidates in order; a two-part path is a nested object (ECS `{"log": {"level": ...}}`).
const TIME_KEYS: readonly string[] = ['@timestamp', 'timestamp', 'time', 'ts'];
const TIME_FIELDS = TIME_KEYS.map((k) => [k]);
const LEVEL_FIELDS = [['level'], ['severity'], ['log.level'], ['log', 'level']] as const;
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

const MAX_UINT64 = 0xffff_ffff_ffff_ffffn;
const NS_PER_UNIT = [1_000_000_000n, 1_000_000n, 1_000n, 1n] as const;

/** A timestamp field in Unix nanoseconds; `raw` is the exact text of a non-integer JSON number. */
function parseTime(found: Found, raw: string | undefined): bigint {
  const v = found.value;
  let ns: bigint | undefined;
  if (typeof v === 'bigint') ns = epochToNs(v.toString());
  else if (typeof v === 'number') ns = epochToNs(raw ?? String(v));
  else if (typeof v === 'string') ns = isDigit(v.charCodeAt(0)) && v.charCodeAt(4) === 45 ? rfc3339ToNs(v) : epochToNs(v);
  else throw new BadLine(`${found.name}: expected an RFC 3339 string or an epoch number, got ${show(v)}`);
  if (ns === undefined) throw new BadLine(`${found.name}: not an RFC 3339 timestamp or epoch number: ${show(v)}`);
  if (ns < 0n || ns > MAX_UINT64) throw new BadLine(`${found.name}: ${raw ?? show(v)} is out of range (1970 to 2554)`);
  return ns;
}

/** A decimal number (sign, fraction and exponent allowed) as epoch time in the unit its magnitude implies. */
function epochToNs(s: string): bigint | undefined {
  const n = s.length;
  let i = s.charCodeAt(0) === 45 ? 1 : 0;
  const intStart = i;
  while (i < n && isDigit(s.charCodeAt(i))) i++;
  let digits = s.slice(intStart, i);
  let point = digits.length;
  if (point === 0) return undefined;
  if (s.charCodeAt(i) === 46) {
    const fracStart = ++i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    if (i === fracStart) return undefined;
    digits += s.slice(fracStart, i);
  }
  if (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) {
    const negativeExp = s.charCodeAt(++i) === 45;
    if (negativeExp || s.charCodeAt(i) === 43) i++;
    const expStart = i;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    const exp = Number(s.slice(expStart, i));
    if (i === expStart || exp > 40) return undefined;
    point += negativeExp ? -exp : exp;
  }
  if (i !== n) return undefined;
  if (point < 0) [digits, point] = ['0'.repeat(-point) + digits, 0];
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let lead = 0;
  while (lead < point - 1 && digits.charCodeAt(lead) === 48) lead++;
  const whole = digits.slice(lead, point);
  // Integer-part digits: up to 11 seconds, 14 milliseconds, 17 microseconds, more nanoseconds.
  const unit = whole.length <= 11 ? 0 : whole.length <= 14 ? 1 : whole.length <= 17 ? 2 : 3;
  const fractionDigits = 9 - 3 * unit;
  const fraction = fractionDigits === 0 ? 0n : BigInt(digits.slice(point, point + fractionDigits).padEnd(fractionDigits, '0'));
  const ns = BigInt(whole) * NS_PER_UNIT[unit]! + fraction;
  return intStart === 1 ? -ns : ns;
}

/** RFC 3339 (`2023-11-14T22:13:20.123456789Z`, `+01:00`, `+0100`, `+01`, or no offset for UTC) in Unix nanoseconds. */
function rfc3339ToNs(s: string): bigint | undefined {
  const n = s.length;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const t = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || !(t === 84 || t === 116 || t === 32) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) return undefined;
  let i = 19;
  let fraction = 0;
  if (s.charCodeAt(i) === 46 || s.charCodeAt(i) === 44) {
    const start = ++i;
    for (; i < n && isDigit(s.charCodeAt(i)); i++) if (i - start < 9) fraction = fraction * 10 + s.charCodeAt(i) - 48;
    if (i === start) return undefined;
    for (let k = i - start; k < 9; k++) fraction *= 10;
  }
  let offset = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) i++;
  else if (z === 43 || z === 45) {
    const oh = digitsAt(s, i + 1, 2);
    let om = 0;
    i += 3;
    if (i < n) {
      if (s.charCodeAt(i) === 58) i++;
      om = digitsAt(s, i, 2);
      i += 2;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offset = (z === 45 ? -1 : 1) * (oh * 3600 + om * 60);
  }
  if (i !== n) return undefined;
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction);
}

/** The decimal value of `count` digits at `at`, or -1. */
function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

// ---- JSON ----

const MAX_DEPTH = 64;

/**
 * A strict JSON parser (RFC 8259, as JSON.parse accepts it) for one line of a larger text,
 * producing AnyValues directly: integer tokens as bigint, so no value is rounded.
 */
class LineParser {
  /** The exact text of top-level non-integer numbers under a timestamp key, for nanosecond precision. */
  rawTimes: Map<string, string> | undefined;
  private readonly s: string;
  private i = 0;
  private end = 0;
  private lineStart = 0;

  constructor(text: string) {
    this.s = text;
  }

  /** The object on `text[start..end)`, or undefined for a blank line. */
  parseLine(start: number, end: number): KvList | undefined {
    this.i = this.lineStart = start;
    this.end = end;
    this.rawTimes = undefined;
    this.skipSpace();
    if (this.i === end) return undefined;
    const top = this.peek() === 123;
    const v = top ? this.object(1, true) : this.value(0);
    this.skipSpace();
    if (this.i !== end) throw this.unexpected('end of line after the JSON value');
    if (!top) throw new BadLine(`expected a JSON object, got ${typeName(v)}`);
    return v as KvList;
  }

  private value(depth: number): AnyValue {
    const c = this.peek();
    if (c === 34) return this.string();
    if (c === 123) return this.object(depth + 1, false);
    if (c === 91) return this.array(depth + 1);
    if (c === 45 || isDigit(c)) return this.number();
    if (c === 116) return this.literal('true', true);
    if (c === 102) return this.literal('false', false);
    if (c === 110) return this.literal('null', null);
    throw this.unexpected('a JSON value');
  }

  private object(depth: number, top: boolean): KvList {
    if (depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const out: KvList = {};
    this.i++;
    this.skipSpace();
    if (this.peek() === 125) {
      this.i++;
      return out;
    }
    for (;;) {
      if (this.peek() !== 34) throw this.unexpected('a string key');
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== 58) throw this.unexpected("':'");
      this.i++;
      this.skipSpace();
      const start = this.i;
      const v = this.value(depth);
      if (top && typeof v === 'number' && TIME_KEYS.includes(key)) (this.rawTimes ??= new Map()).set(key, this.s.slice(start, this.i));
      setAttribute(out, key, v);
      this.skipSpace();
      const c = this.peek();
      if (c === 125) {
        this.i++;
        return out;
      }
      if (c !== 44) throw this.unexpected("',' or '}'");
      this.i++;
      this.skipSpace();
    }
  }

  private array(depth: number): AnyValue[] {
    if (depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    const out: AnyValue[] = [];
    this.i++;
    this.skipSpace();
    if (this.peek() === 93) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth));
      this.skipSpace();
      const c = this.peek();
      if (c === 93) {
        this.i++;
        return out;
      }
      if (c !== 44) throw this.unexpected("',' or ']'");
      this.i++;
      this.skipSpace();
    }
  }

  private string(): string {
    const { s, end } = this;
    const open = this.i;
    let out = '';
    let from = open + 1;
    for (let i = from; i < end; ) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return out + s.slice(from, i);
      }
      if (c < 32) {
        this.i = i;
        throw this.fail('control character in a string (it must be escaped)');
      }
      if (c !== 92) {
        i++;
        continue;
      }
      out += s.slice(from, i);
      const e = s.charCodeAt(i + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined && i + 1 < end) {
        out += simple;
        i += 2;
      } else if (e === 117 && i + 5 < end && isHex(s.slice(i + 2, i + 6), 4)) {
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 6;
      } else {
        this.i = i;
        throw this.fail('invalid escape in a string');
      }
      from = i;
    }
    this.i = open;
    throw this.fail('unterminated string');
  }

  private number(): bigint | number {
    const { s, end } = this;
    const start = this.i;
    let i = s.charCodeAt(start) === 45 ? start + 1 : start;
    const intStart = i;
    if (s.charCodeAt(i) === 48 && i < end) i++;
    else i = this.digits(i);
    const intEnd = i;
    let integer = true;
    if (s.charCodeAt(i) === 46 && i < end) {
      integer = false;
      i = this.digits(i + 1);
    }
    const e = s.charCodeAt(i);
    if ((e === 101 || e === 69) && i < end) {
      integer = false;
      const sign = s.charCodeAt(i + 1);
      i = this.digits(sign === 43 || sign === 45 ? i + 2 : i + 1);
    }
    this.i = i;
    const text = s.slice(start, i);
    if (!integer) return Number(text);
    // 18 digits always fit int64; past that, check the range and fall back to a double.
    if (intEnd - intStart <= 18) return BigInt(text);
    const big = BigInt(text);
    return big >= -(2n ** 63n) && big < 2n ** 63n ? big : Number(text);
  }

  /** Skips one or more digits from `i`, returning the index after them. */
  private digits(i: number): number {
    const start = i;
    while (i < this.end && isDigit(this.s.charCodeAt(i))) i++;
    if (i === start) {
      this.i = i;
      throw this.unexpected('a digit');
    }
    return i;
  }

  private literal<T extends AnyValue>(word: string, value: T): T {
    if (this.i + word.length > this.end || !this.s.startsWith(word, this.i)) throw this.unexpected('a JSON value');
    this.i += word.length;
    return value;
  }

  private skipSpace(): void {
    const { s, end } = this;
    let i = this.i;
    // No '\n' can occur: it ends the line.
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) break;
      i++;
    }
    this.i = i;
  }

  private peek(): number {
    return this.i < this.end ? this.s.charCodeAt(this.i) : -1;
  }

  private unexpected(expected: string): BadLine {
    const found = this.i < this.end ? JSON.stringify(this.s[this.i]) : 'the end of the line';
    return this.fail(`expected ${expected}, found ${found}`);
  }

  private fail(message: string): BadLine {
    return new BadLine(`not valid JSON: ${message} at column ${this.i - this.lineStart + 1}`);
  }
}

const ESCAPES: (string | undefined)[] = [];
for (const [c, v] of [['"', '"'], ['\\', '\\'], ['/', '/'], ['b', '\b'], ['f', '\f'], ['n', '\n'], ['r', '\r'], ['t', '\t']] as const) ESCAPES[c.charCodeAt(0)] = v;

function typeName(v: AnyValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint' || typeof v === 'number') return 'a number';
  return typeof v === 'string' ? 'a string' : typeof v === 'boolean' ? 'a boolean' : 'an object';
}
