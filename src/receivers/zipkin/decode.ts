/**
 * Zipkin v2 JSON (zipkin-api's ListOfSpans) to Braid's OTLP model, mapped as the OpenTelemetry
 * Collector's zipkinv2 translator maps it: spans grouped by local service into ResourceSpans,
 * kinds mapped, `otel.status_code` / `error` tags read into the status, endpoints into
 * net.host.* / net.peer.* / peer.service attributes, annotations into events, tag values kept as
 * strings. Every span is validated; an invalid one is reported with its index and skipped.
 * Where Braid differs from the collector is listed in src/receivers/zipkin/README.md.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { BraidError, isBraidError } from '../../errors.js';
import { HEX_LOWER, HEX_UPPER, HEX_ZERO, hexKind } from '../../model/hex.js';
import { show } from '../../model/otlp/common-json.js';
import { setAttribute } from '../../model/otlp/common-proto.js';
import { SpanKind, StatusCode, type AnyValue, type Attributes, type ResourceSpans, type ScopeSpans, type Span, type SpanEvent, type TracesData } from '../../model/trace.js';
import { RESOURCE_TAG_KEYS, SCOPE_NAME_TAGS, SCOPE_VERSION_TAGS, START_TIME_ABSENT } from './tag-keys.js';

/** The decoded request: the valid spans, and why the others were rejected. */
export interface ZipkinSpans {
  data: TracesData;
  rejected: number;
  errors: string[];
}

type JsonObject = { [key: string]: unknown };

const KINDS: Record<string, number> = { CLIENT: SpanKind.CLIENT, SERVER: SpanKind.SERVER, PRODUCER: SpanKind.PRODUCER, CONSUMER: SpanKind.CONSUMER };
const STATUS_CODES: Record<string, number> = { UNSET: StatusCode.UNSET, OK: StatusCode.OK, ERROR: StatusCode.ERROR };

/** Parses a Zipkin v2 JSON body (already JSON.parse'd). Throws BRAID_ERR_ZIPKIN_DECODE unless it is an array. */
export function parseZipkinSpans(body: unknown): ZipkinSpans {
  if (!Array.isArray(body)) throw new BraidError('BRAID_ERR_ZIPKIN_DECODE', `request: expected a JSON array of spans, got ${show(body)}`);
  const out = new Grouper();
  const errors: string[] = [];
  for (let i = 0; i < body.length; i++) {
    try {
      out.add(parseSpan(body[i], `[${i}]`));
    } catch (err) {
      if (!isBraidError(err, 'BRAID_ERR_ZIPKIN_INVALID')) throw err;
      errors.push(err.message);
    }
  }
  return { data: out.data, rejected: errors.length, errors };
}

interface ParsedSpan {
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  span: Span;
}

/** Collects spans into one ResourceSpans per distinct resource and one ScopeSpans per scope. */
class Grouper {
  readonly data: TracesData = { resourceSpans: [] };
  private readonly resources = new Map<string, { rs: ResourceSpans; scopes: Map<string, ScopeSpans> }>();

  add(p: ParsedSpan): void {
    const key = JSON.stringify(Object.entries(p.resource).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let group = this.resources.get(key);
    if (!group) {
      group = { rs: { resource: { attributes: p.resource, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [] }, scopes: new Map() };
      this.resources.set(key, group);
      this.data.resourceSpans.push(group.rs);
    }
    const scopeKey = `${p.scopeName}\u0000${p.scopeVersion}`;
    let ss = group.scopes.get(scopeKey);
    if (!ss) {
      ss = { scope: { name: p.scopeName, version: p.scopeVersion, attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans: [] };
      group.scopes.set(scopeKey, ss);
      group.rs.scopeSpans.push(ss);
    }
    ss.spans.push(p.span);
  }
}

const invalid = (path: string, message: string) => new BraidError('BRAID_ERR_ZIPKIN_INVALID', `${path}: ${message}`);
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const absent = (v: unknown): v is null | undefined => v === undefined || v === null;

function parseSpan(v: unknown, at: string): ParsedSpan {
  if (!isObject(v)) throw invalid(at, `expected a span object, got ${show(v)}`);
  const traceId = parseTraceId(v.traceId, `${at}.traceId`);
  const spanId = parseSpanId(v.id, `${at}.id`, false);
  const parentId = parseSpanId(v.parentId, `${at}.parentId`, true);
  const name = optionalString(v.name, `${at}.name`) ?? '';
  const kind = parseKind(v.kind, `${at}.kind`);
  const timestamp = optionalMicros(v.timestamp, `${at}.timestamp`);
  const duration = optionalMicros(v.duration, `${at}.duration`) ?? 0;
  const local = parseEndpoint(v.localEndpoint, `${at}.localEndpoint`);
  const remote = parseEndpoint(v.remoteEndpoint, `${at}.remoteEndpoint`);
  const tags = parseTags(v.tags, `${at}.tags`);
  const events = parseAnnotations(v.annotations, `${at}.annotations`);
  optionalBoolean(v.debug, `${at}.debug`);
  optionalBoolean(v.shared, `${at}.shared`);

  const span: Span = {
    traceId,
    spanId,
    traceState: take(tags, 'w3c.tracestate') ?? '',
    // The collector drops a parent that is the span itself.
    parentSpanId: parentId === spanId ? '' : parentId,
    flags: 0,
    name,
    kind: kind ?? kindFromTag(tags),
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    droppedAttributesCount: 0,
    events,
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: statusFromTags(tags),
  };
  const scopeName = takeFirst(tags, SCOPE_NAME_TAGS) ?? '';
  const scopeVersion = takeFirst(tags, SCOPE_VERSION_TAGS) ?? '';
  const resource: Attributes = {};
  for (const [key, value] of tags) {
    if (RESOURCE_TAG_KEYS.has(key)) setAttribute(resource, key, value);
    else setAttribute(span.attributes, key, value);
  }
  if (local.serviceName) resource['service.name'] = local.serviceName;
  setEndpointAttributes(span.attributes, local, 'net.host');
  if (remote.serviceName) span.attributes['peer.service'] = remote.serviceName;
  setEndpointAttributes(span.attributes, remote, 'net.peer');
  if (timestamp === undefined) span.attributes[START_TIME_ABSENT] = true;
  span.startTimeUnixNano = BigInt(timestamp ?? 0) * 1000n;
  span.endTimeUnixNano = span.startTimeUnixNano + BigInt(duration) * 1000n;
  return { resource, scopeName, scopeVersion, span };
}

/** Removes and returns a tag. */
function take(tags: Map<string, string>, key: string): string | undefined {
  const v = tags.get(key);
  tags.delete(key);
  return v;
}

/** Removes every one of `keys` and returns the value of the first present. */
function takeFirst(tags: Map<string, string>, keys: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const k of keys) found ??= take(tags, k);
  return found;
}

function parseTraceId(v: unknown, path: string): string {
  if (absent(v) || v === '') throw invalid(path, 'expected 16 or 32 hex characters, got none');
  if (typeof v === 'string') {
    const kind = hexKind(v, v.length === 16 ? 16 : 32);
    if (kind === HEX_ZERO) throw invalid(path, 'must not be all zeros');
    // A 64-bit trace ID is the low half of a 128-bit one, as B3 and W3C both read it.
    if (kind === HEX_LOWER || kind === HEX_UPPER) return (v.length === 16 ? `0000000000000000${v}` : v).toLowerCase();
  }
  throw invalid(path, `expected 16 or 32 hex characters, got ${show(v)}`);
}

/** A span ID; an optional one may be absent, empty or all zeros, which all read as none. */
function parseSpanId(v: unknown, path: string, optional: boolean): string {
  if (absent(v) || v === '') {
    if (optional) return '';
    throw invalid(path, 'expected 16 hex characters, got none');
  }
  if (typeof v === 'string') {
    const kind = hexKind(v, 16);
    if (kind === HEX_LOWER) return v;
    if (kind === HEX_UPPER) return v.toLowerCase();
    if (kind === HEX_ZERO) {
      if (optional) return '';
      throw invalid(path, 'must not be all zeros');
    }
  }
  throw invalid(path, `expected 16 hex characters${optional ? ' or none' : ''}, got ${show(v)}`);
}

function parseKind(v: unknown, path: string): number | undefined {
  if (absent(v)) return undefined;
  const kind = typeof v === 'string' ? KINDS[v] : undefined;
  if (kind === undefined) throw invalid(path, `expected CLIENT, SERVER, PRODUCER or CONSUMER, got ${show(v)}`);
  return kind;
}

/** Without a Zipkin kind, a `span.kind` tag of "internal" says INTERNAL (the tag is consumed either way). */
function kindFromTag(tags: Map<string, string>): number {
  return take(tags, 'span.kind') === 'internal' ? SpanKind.INTERNAL : SpanKind.UNSPECIFIED;
}

/**
 * `otel.status_code` (OK, ERROR, UNSET, any case, or STATUS_CODE_*) with `otel.status_description`
 * sets the status; an `error` tag makes it ERROR, its value the message unless it is "true" or
 * empty (Zipkin's convention: the tag's presence is the error, its value a short description).
 */
function statusFromTags(tags: Map<string, string>): { code: number; message: string } {
  const status = { code: StatusCode.UNSET as number, message: '' };
  const codeTag = tags.get('otel.status_code');
  const code = codeTag === undefined ? undefined : STATUS_CODES[codeTag.toUpperCase().replace(/^STATUS_CODE_/, '')];
  if (code !== undefined) {
    status.code = code;
    tags.delete('otel.status_code');
    status.message = take(tags, 'otel.status_description') ?? '';
  }
  const error = take(tags, 'error');
  if (error !== undefined) {
    status.code = StatusCode.ERROR;
    if (!status.message && error !== 'true') status.message = error;
  }
  return status;
}

function optionalString(v: unknown, path: string): string | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'string') throw invalid(path, `expected a string, got ${show(v)}`);
  return v;
}

function optionalBoolean(v: unknown, path: string): void {
  if (!absent(v) && typeof v !== 'boolean') throw invalid(path, `expected true or false, got ${show(v)}`);
}

/** Microseconds: Zipkin's timestamps and durations are non-negative integers; 0 means absent. */
function optionalMicros(v: unknown, path: string): number | undefined {
  if (absent(v) || v === 0) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalid(path, `expected microseconds as a non-negative integer, got ${show(v)}`);
  return v;
}

interface Endpoint {
  serviceName?: string;
  ip?: string;
  port?: number;
}

function parseEndpoint(v: unknown, path: string): Endpoint {
  if (absent(v)) return {};
  if (!isObject(v)) throw invalid(path, `expected an object, got ${show(v)}`);
  const ep: Endpoint = {};
  const serviceName = optionalString(v.serviceName, `${path}.serviceName`);
  if (serviceName) ep.serviceName = serviceName;
  const ipv4 = optionalString(v.ipv4, `${path}.ipv4`);
  if (ipv4 !== undefined && ipv4 !== '') {
    if (!isIPv4(ipv4)) throw invalid(`${path}.ipv4`, `expected an IPv4 address, got ${show(ipv4)}`);
    ep.ip = ipv4;
  }
  const ipv6 = optionalString(v.ipv6, `${path}.ipv6`);
  if (ipv6 !== undefined && ipv6 !== '') {
    if (!isIPv6(ipv6)) throw invalid(`${path}.ipv6`, `expected an IPv6 address, got ${show(ipv6)}`);
    // As in the collector, IPv6 wins when both are given.
    ep.ip = ipv6.toLowerCase();
  }
  const port = v.port;
  if (!absent(port)) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw invalid(`${path}.port`, `expected a port number (0 to 65535), got ${show(port)}`);
    if (port > 0) ep.port = port;
  }
  return ep;
}

function setEndpointAttributes(attrs: Attributes, ep: Endpoint, prefix: 'net.host' | 'net.peer'): void {
  if (ep.ip !== undefined) attrs[`${prefix}.ip`] = ep.ip;
  if (ep.port !== undefined) attrs[`${prefix}.port`] = BigInt(ep.port);
}

/** Tag values are strings; numbers and booleans, which some reporters send, are kept as their text. */
function parseTags(v: unknown, path: string): Map<string, string> {
  const tags = new Map<string, string>();
  if (absent(v)) return tags;
  if (!isObject(v)) throw invalid(path, `expected an object of string values, got ${show(v)}`);
  for (const key of Object.keys(v)) {
    const value = v[key];
    if (typeof value === 'string') tags.set(key, value);
    else if (typeof value === 'number' || typeof value === 'boolean') tags.set(key, String(value));
    else throw invalid(`${path}[${JSON.stringify(key)}]`, `expected a string, got ${show(value)}`);
  }
  return tags;
}

function parseAnnotations(v: unknown, path: string): SpanEvent[] {
  if (absent(v)) return [];
  if (!Array.isArray(v)) throw invalid(path, `expected an array, got ${show(v)}`);
  return v.map((a: unknown, j) => {
    const at = `${path}[${j}]`;
    if (!isObject(a)) throw invalid(at, `expected an object, got ${show(a)}`);
    const timestamp = a.timestamp;
    if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0) {
      throw invalid(`${at}.timestamp`, `expected microseconds as a positive integer, got ${absent(timestamp) ? 'none' : show(timestamp)}`);
    }
    const value = optionalString(a.value, `${at}.value`);
    if (value === undefined) throw invalid(`${at}.value`, 'expected a string, got none');
    return { timeUnixNano: BigInt(timestamp) * 1000n, ...eventFromAnnotation(value) };
  });
}

/**
 * An annotation's value is the event name. The collector's own Zipkin exporter writes events
 * with attributes as `name|{"attr":...}|droppedCount`; a value in exactly that form is unpacked,
 * any other value (pipes included) stays the name.
 */
function eventFromAnnotation(value: string): Pick<SpanEvent, 'name' | 'attributes' | 'droppedAttributesCount'> {
  const plain = { name: value, attributes: {}, droppedAttributesCount: 0 };
  const first = value.indexOf('|');
  const last = value.lastIndexOf('|');
  if (first < 0 || last === first) return plain;
  const dropped = value.slice(last + 1);
  if (!/^\d{1,9}$/.test(dropped)) return plain;
  let json: unknown;
  try {
    json = JSON.parse(value.slice(first + 1, last));
  } catch {
    return plain;
  }
  if (!isObject(json)) return plain;
  const attributes: Attributes = {};
  for (const key of Object.keys(json)) {
    const a = json[key];
    let out: AnyValue | undefined;
    if (typeof a === 'string' || typeof a === 'boolean') out = a;
    else if (typeof a === 'number') out = Number.isSafeInteger(a) ? BigInt(a) : a;
    if (out !== undefined) setAttribute(attributes, key, out);
  }
  return { name: value.slice(0, first), attributes, droppedAttributesCount: Number(dropped) };
}
