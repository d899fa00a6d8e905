/**
 * OTLP/JSON readers and writers for scalar fields, the common/v1 and resource/v1 messages and the
 * request framing every signal shares, used by the trace, log and metric codecs. Follows the OTLP/JSON rules:
 * int64 as decimal strings (numbers accepted), bytes as base64, null meaning "not set".
 */
import { BraidError } from '../../errors.js';
import type { AnyValue, Attributes, InstrumentationScope, KvList, Resource } from '../trace.js';
import { emptyResource, emptyScope, setAttribute } from './common-proto.js';
import type { ExportLayout, ResourceGroup, ScopeGroup } from './split.js';

/** The path to the value being parsed, as keys and indexes; only formatted when reporting an error. */
export type JsonPath = (string | number)[];

/** A JSON object. */
export type JsonObject = { [key: string]: unknown };

/** Formats a path as `a[0].b`. */
export function formatPath(path: JsonPath, field?: string): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  if (field !== undefined) s = s === '' ? field : `${s}.${field}`;
  return s;
}

/** An OTLP_INVALID error naming `path` (plus `field`, when given). */
export function invalid(path: JsonPath, field: string | undefined, message: string): BraidError {
  return new BraidError('BRAID_ERR_OTLP_INVALID', `${formatPath(path, field)}: ${message}`);
}

/** Describes a JSON value for an error message. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** True for a JSON object (not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `v` as an object, or throws naming the path. */
export function asObject(v: unknown, path: JsonPath, field?: string): JsonObject {
  if (!isObject(v)) throw invalid(path, field, `expected an object, got ${show(v)}`);
  return v;
}

/** `v` as an array, or throws naming the path. */
export function asArray(v: unknown, path: JsonPath, field: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(path, field, `expected an array, got ${show(v)}`);
  return v;
}

/** `v` as a string, or throws naming the path. */
export function asString(v: unknown, path: JsonPath, field: string): string {
  if (typeof v !== 'string') throw invalid(path, field, `expected a string, got ${show(v)}`);
  return v;
}

const UINT_RE = /^[0-9]+$/;
const INT_RE = /^-?[0-9]+$/;
const UINT64_MAX = 0xffffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;
const INT64_MAX = 0x7fffffffffffffffn;

/** A uint32 from a number or decimal string. */
export function asUint32(v: unknown, path: JsonPath, field: string): number {
  const n = typeof v === 'string' && UINT_RE.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff) return n;
  throw invalid(path, field, `expected a uint32, got ${show(v)}`);
}

/** A uint64 from a decimal string or an integral number. */
export function asUint64(v: unknown, path: JsonPath, field: string): bigint {
  let n: bigint | undefined;
  if (typeof v === 'string' && UINT_RE.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  if (n !== undefined && n >= 0n && n <= UINT64_MAX) return n;
  throw invalid(path, field, `expected a uint64 as a decimal string or integer, got ${show(v)}`);
}

/** An int64 from a decimal string or an integral number. */
export function asInt64(v: unknown, path: JsonPath, field: string): bigint {
  let n: bigint | undefined;
  if (typeof v === 'string' && INT_RE.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  if (n !== undefined && n >= INT64_MIN && n <= INT64_MAX) return n;
  throw invalid(path, field, `expected an int64 as a decimal string or integer, got ${show(v)}`);
}

/** An int32 from a number or decimal string. */
export function asInt32(v: unknown, path: JsonPath, field: string): number {
  const n = typeof v === 'string' && INT_RE.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff) return n;
  throw invalid(path, field, `expected an int32, got ${show(v)}`);
}

/** A double from a number, a numeric string, or "NaN"/"Infinity"/"-Infinity". */
export function asDouble(v: unknown, path: JsonPath, field: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    const n = v.trim() === '' ? NaN : Number(v);
    if (Number.isFinite(n)) return n;
  }
  throw invalid(path, field, `expected a number or "NaN", "Infinity", "-Infinity", got ${show(v)}`);
}

/** An enum from its number or its name in `names`. */
export function asEnum(v: unknown, names: Readonly<Record<string, number>>, what: string, path: JsonPath, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return v;
  if (typeof v === 'string' && Object.hasOwn(names, v)) return names[v] as number;
  throw invalid(path, field, `expected a ${what} number or name, got ${show(v)}`);
}

// Standard and URL-safe alphabets, padding optional, as the protobuf JSON mapping allows.
const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Bytes from base64. */
export function asBytes(v: unknown, path: JsonPath, field: string): Uint8Array {
  if (typeof v !== 'string' || !BASE64_RE.test(v) || v.replace(/=+$/, '').length % 4 === 1) {
    throw invalid(path, field, `expected base64, got ${show(v)}`);
  }
  return new Uint8Array(Buffer.from(v, 'base64'));
}

const MAX_PATH = 256;

/** Parses an OTLP/JSON AnyValue; `{}` is null. */
export function parseAnyValue(v: unknown, path: JsonPath): AnyValue {
  // Each level of nesting adds at least two path entries, so this bounds recursion well below the stack limit.
  if (path.length > MAX_PATH) throw invalid(path, undefined, 'AnyValue nested too deeply');
  const o = asObject(v, path);
  let value: AnyValue = null;
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    switch (k) {
      case 'stringValue': case 'string_value': value = asString(f, path, k); break;
      case 'boolValue': case 'bool_value':
        if (typeof f !== 'boolean') throw invalid(path, k, `expected a boolean, got ${show(f)}`);
        value = f;
        break;
      case 'intValue': case 'int_value': value = asInt64(f, path, k); break;
      case 'doubleValue': case 'double_value': value = asDouble(f, path, k); break;
      case 'bytesValue': case 'bytes_value': value = asBytes(f, path, k); break;
      case 'arrayValue': case 'array_value': {
        const values = listValues(f, path, k);
        const arr: AnyValue[] = new Array<AnyValue>(values.length);
        path.push(k, 'values');
        for (let i = 0; i < values.length; i++) {
          path.push(i);
          arr[i] = parseAnyValue(values[i], path);
          path.pop();
        }
        path.length -= 2;
        value = arr;
        break;
      }
      case 'kvlistValue': case 'kvlist_value': {
        const kv: KvList = {};
        parseKeyValues(listValues(f, path, k), kv, path, k, 'values');
        value = kv;
        break;
      }
    }
  }
  return value;
}

function listValues(v: unknown, path: JsonPath, field: string): unknown[] {
  const values = asObject(v, path, field).values;
  if (values === undefined || values === null) return [];
  return asArray(values, path, `${field}.values`);
}

/** Parses a list of OTLP/JSON KeyValues found at `path.field` (`.field2`) into `out`. */
export function parseKeyValues(list: unknown[], out: KvList, path: JsonPath, field: string, field2?: string): void {
  const depth = path.length;
  path.push(field);
  if (field2 !== undefined) path.push(field2);
  for (let i = 0; i < list.length; i++) {
    path.push(i);
    const kv = asObject(list[i], path);
    const rawKey = kv.key;
    const key = rawKey === undefined || rawKey === null ? '' : asString(rawKey, path, 'key');
    const raw = kv.value;
    let value: AnyValue = null;
    if (raw !== undefined && raw !== null) {
      path.push('value');
      value = parseAnyValue(raw, path);
      path.pop();
    }
    setAttribute(out, key, value);
    path.pop();
  }
  path.length = depth;
}

/** Parses an `attributes` array value into a fresh Attributes object. */
export function parseAttributes(v: unknown, path: JsonPath, field: string): Attributes {
  const attrs: Attributes = {};
  parseKeyValues(asArray(v, path, field), attrs, path, field);
  return attrs;
}

/** Parses an OTLP/JSON Resource. */
export function parseResource(v: unknown, path: JsonPath): Resource {
  const o = asObject(v, path);
  const res: Resource = { attributes: {}, droppedAttributesCount: 0 };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'attributes') res.attributes = parseAttributes(f, path, k);
    else if (k === 'droppedAttributesCount' || k === 'dropped_attributes_count') res.droppedAttributesCount = asUint32(f, path, k);
  }
  return res;
}

/** Parses an OTLP/JSON InstrumentationScope. */
export function parseScope(v: unknown, path: JsonPath): InstrumentationScope {
  const o = asObject(v, path);
  const scope: InstrumentationScope = { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === 'name') scope.name = asString(f, path, k);
    else if (k === 'version') scope.version = asString(f, path, k);
    else if (k === 'attributes') scope.attributes = parseAttributes(f, path, k);
    else if (k === 'droppedAttributesCount' || k === 'dropped_attributes_count') scope.droppedAttributesCount = asUint32(f, path, k);
  }
  return scope;
}

/** OTLP/JSON form of an AnyValue. */
export function anyValueToJson(v: AnyValue): JsonObject {
  switch (typeof v) {
    case 'string': return { stringValue: v };
    case 'boolean': return { boolValue: v };
    case 'bigint': return { intValue: v.toString() };
    case 'number': return { doubleValue: Number.isFinite(v) ? v : String(v) };
  }
  if (v === null) return {};
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValueToJson) } };
  return { kvlistValue: { values: attributesToJson(v) } };
}

/** OTLP/JSON form of attributes: a KeyValue array. */
export function attributesToJson(attrs: Attributes): JsonObject[] {
  const out: JsonObject[] = [];
  for (const key in attrs) out.push({ key, value: anyValueToJson(attrs[key] as AnyValue) });
  return out;
}

/** OTLP/JSON form of a Resource. */
export function resourceToJson(res: Resource): JsonObject {
  return { attributes: attributesToJson(res.attributes), droppedAttributesCount: res.droppedAttributesCount };
}

/** OTLP/JSON form of an InstrumentationScope. */
export function scopeToJson(scope: InstrumentationScope): JsonObject {
  return { name: scope.name, version: scope.version, attributes: attributesToJson(scope.attributes), droppedAttributesCount: scope.droppedAttributesCount };
}

/** OTLP/JSON form of a double: a number, or "NaN", "Infinity", "-Infinity" as proto3 JSON writes those. */
export function doubleToJson(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** Parses the array at `path.field`, each element through `parseItem` at its own path. */
export function parseList<T>(v: unknown, path: JsonPath, field: string, parseItem: (item: unknown, path: JsonPath) => T): T[] {
  const list = asArray(v, path, field);
  const out: T[] = new Array<T>(list.length);
  path.push(field);
  for (let i = 0; i < list.length; i++) {
    path.push(i);
    out[i] = parseItem(list[i], path);
    path.pop();
  }
  path.pop();
  return out;
}

/** The OTLP/JSON keys of an export's levels: resource groups, scope groups, items; each as [lowerCamelCase, snake_case]. */
export interface ExportKeys {
  readonly resources: readonly [string, string];
  readonly scopes: readonly [string, string];
  readonly items: readonly [string, string];
}

/**
 * Parses an OTLP/JSON Export*ServiceRequest of any signal (already JSON.parse'd). `parseItem`
 * parses the item at `path` and appends it to `out`, or leaves it out to drop it.
 */
export function parseExport<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  body: unknown, keys: ExportKeys, layout: ExportLayout<D, R, S, I>, parseItem: (v: unknown, path: JsonPath, out: I[]) => void,
): D {
  if (!isObject(body)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `request: expected a JSON object, got ${show(body)}`);
  const path: JsonPath = [];
  const resources: R[] = [];
  for (const k in body) {
    const f = body[k];
    if (f === null || f === undefined || (k !== keys.resources[0] && k !== keys.resources[1])) continue;
    for (const rv of eachIn(f, path, k)) {
      const rg = parseGroup(rv, path, 'resource', parseResource, emptyResource, keys.scopes, (sv, scopes: S[]) => {
        const sg = parseGroup(sv, path, 'scope', parseScope, emptyScope, keys.items, (iv, items: I[]) => parseItem(iv, path, items));
        scopes.push(layout.makeScope(sg.head, sg.schemaUrl, sg.children));
      });
      resources.push(layout.makeResource(rg.head, rg.schemaUrl, rg.children));
    }
  }
  return layout.makeExport(resources);
}

/** Yields each element of the array at `path.field`, with `path` pointing at it while the caller handles it. */
function* eachIn(v: unknown, path: JsonPath, field: string): Generator<unknown> {
  const list = asArray(v, path, field);
  path.push(field);
  for (let i = 0; i < list.length; i++) {
    path.push(i);
    yield list[i];
    path.pop();
  }
  path.pop();
}

/** Parses a resource or scope group: its head (`headKey`), its children (under `childKeys`, each through `parseChild`) and schemaUrl. */
function parseGroup<H, C>(
  v: unknown, path: JsonPath, headKey: string, parseHead: (v: unknown, path: JsonPath) => H, emptyHead: () => H,
  childKeys: readonly [string, string], parseChild: (v: unknown, children: C[]) => void,
): { head: H; schemaUrl: string; children: C[] } {
  const o = asObject(v, path);
  let head = emptyHead();
  let schemaUrl = '';
  const children: C[] = [];
  for (const k in o) {
    const f = o[k];
    if (f === null || f === undefined) continue;
    if (k === headKey) {
      path.push(k);
      head = parseHead(f, path);
      path.pop();
    } else if (k === childKeys[0] || k === childKeys[1]) {
      for (const cv of eachIn(f, path, k)) parseChild(cv, children);
    } else if (k === 'schemaUrl' || k === 'schema_url') schemaUrl = asString(f, path, k);
  }
  return { head, schemaUrl, children };
}

/** OTLP/JSON form of an export of any signal, each item through `itemToJson`. */
export function exportToJson<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  layout: ExportLayout<D, R, S, I>, keys: ExportKeys, data: D, itemToJson: (item: I) => JsonObject,
): JsonObject {
  return {
    [keys.resources[0]]: layout.resources(data).map((rg) => ({
      resource: resourceToJson(rg.resource),
      [keys.scopes[0]]: layout.scopes(rg).map((sg) => ({ scope: scopeToJson(sg.scope), [keys.items[0]]: layout.items(sg).map(itemToJson), schemaUrl: sg.schemaUrl })),
      schemaUrl: rg.schemaUrl,
    })),
  };
}
