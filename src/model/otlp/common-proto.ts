/**
 * Protobuf codecs for the messages of opentelemetry/proto/common/v1 and resource/v1, shared by the
 * trace, log and metric codecs, and the request/response framing every signal numbers alike.
 * Field numbers follow common.proto/resource.proto.
 */
import { BraidError } from '../../errors.js';
import { bytesToHex, isZeroBytes } from '../hex.js';
import type { AnyValue, Attributes, InstrumentationScope, KvList, Resource } from '../trace.js';
import { ProtoReader, ProtobufError, type MessageSchema } from '../protobuf/reader.js';
import { StringCache } from '../protobuf/string-cache.js';
import { ProtoWriter } from '../protobuf/writer.js';
import type { ExportLayout, ResourceGroup, ScopeGroup } from './split.js';

const VARINT = 0;
const I64 = 1;
const LEN = 2;

const ANY_VALUE: MessageSchema = {
  name: 'AnyValue',
  fields: [undefined, ['string_value', LEN], ['bool_value', VARINT], ['int_value', VARINT], ['double_value', I64], ['array_value', LEN], ['kvlist_value', LEN], ['bytes_value', LEN]],
};
const KEY_VALUE: MessageSchema = { name: 'KeyValue', fields: [undefined, ['key', LEN], ['value', LEN]] };
const ARRAY_VALUE: MessageSchema = { name: 'ArrayValue', fields: [undefined, ['values', LEN]] };
const KV_LIST: MessageSchema = { name: 'KeyValueList', fields: [undefined, ['values', LEN]] };
const RESOURCE: MessageSchema = { name: 'Resource', fields: [undefined, ['attributes', LEN], ['dropped_attributes_count', VARINT]] };
const SCOPE: MessageSchema = {
  name: 'InstrumentationScope',
  fields: [undefined, ['name', LEN], ['version', LEN], ['attributes', LEN], ['dropped_attributes_count', VARINT]],
};

/** Schemas of common.proto/resource.proto, shared with the wire-level checks (trace-wire-check.ts). */
export const COMMON_SCHEMAS = { ANY_VALUE, KEY_VALUE, ARRAY_VALUE, KV_LIST, RESOURCE, SCOPE } as const;

// Shared by every decode: the same few hundred attribute keys recur across all requests, and so
// do short values (methods, hosts, span names). Separate caches so unique values cannot evict keys.
const KEYS = new StringCache(4096, 64);
/** Cache for short string values that tend to repeat across spans; also used for span and event names. */
export const VALUE_STRINGS = new StringCache(4096, 32);

// Protobuf's own default recursion limit; deeper AnyValues would only serve to exhaust the stack.
const MAX_DEPTH = 100;

/** Sets an attribute, keeping `__proto__` an ordinary key instead of the object's prototype. */
export function setAttribute(attrs: KvList, key: string, value: AnyValue): void {
  if (key === '__proto__') Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

/** Decodes one length-delimited KeyValue into `attrs`. */
export function decodeKeyValue(r: ProtoReader, attrs: KvList, depth = 0): void {
  const outer = r.enter();
  let key = '';
  let value: AnyValue = null;
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) key = r.cachedString(KEYS);
    else if (tag === 18) value = decodeAnyValue(r, depth + 1);
    else r.unknown(tag, KEY_VALUE);
  }
  r.leave(outer);
  setAttribute(attrs, key, value);
}

/** Decodes one length-delimited AnyValue; an empty one is null. */
export function decodeAnyValue(r: ProtoReader, depth = 0): AnyValue {
  if (depth > MAX_DEPTH) throw new ProtobufError(`AnyValue nested deeper than ${MAX_DEPTH} levels at offset ${r.pos}`, r.pos);
  const outer = r.enter();
  let value: AnyValue = null;
  while (r.pos < r.limit) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        value = r.cachedString(VALUE_STRINGS);
        break;
      case 16:
        value = r.bool();
        break;
      case 24:
        value = r.int64();
        break;
      case 33:
        value = r.double();
        break;
      case 42:
        value = decodeValues(r, depth);
        break;
      case 50: {
        const kv: KvList = {};
        const o = r.enter();
        while (r.pos < r.limit) {
          const t = r.tag();
          if (t === 10) decodeKeyValue(r, kv, depth);
          else r.unknown(t, KV_LIST);
        }
        r.leave(o);
        value = kv;
        break;
      }
      case 58:
        // Copied so the value does not pin the request buffer; not `.slice()`, which on a Buffer is a view.
        value = new Uint8Array(r.bytes());
        break;
      default:
        r.unknown(tag, ANY_VALUE);
    }
  }
  r.leave(outer);
  return value;
}

function decodeValues(r: ProtoReader, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) values.push(decodeAnyValue(r, depth + 1));
    else r.unknown(tag, ARRAY_VALUE);
  }
  r.leave(outer);
  return values;
}

/** Decodes a length-delimited Resource. */
export function decodeResource(r: ProtoReader): Resource {
  const res: Resource = { attributes: {}, droppedAttributesCount: 0 };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) decodeKeyValue(r, res.attributes);
    else if (tag === 16) res.droppedAttributesCount = r.uint32();
    else r.unknown(tag, RESOURCE);
  }
  r.leave(outer);
  return res;
}

/** Decodes a length-delimited InstrumentationScope. */
export function decodeScope(r: ProtoReader): InstrumentationScope {
  const scope: InstrumentationScope = { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 10) scope.name = r.string();
    else if (tag === 18) scope.version = r.string();
    else if (tag === 26) decodeKeyValue(r, scope.attributes);
    else if (tag === 32) scope.droppedAttributesCount = r.uint32();
    else r.unknown(tag, SCOPE);
  }
  r.leave(outer);
  return scope;
}

/** An empty Resource, for a ResourceSpans without one. */
export function emptyResource(): Resource {
  return { attributes: {}, droppedAttributesCount: 0 };
}

/** An empty InstrumentationScope, for a ScopeSpans without one. */
export function emptyScope(): InstrumentationScope {
  return { name: '', version: '', attributes: {}, droppedAttributesCount: 0 };
}

/** Writes `attrs` as repeated KeyValue field `field`. */
export function encodeAttributes(w: ProtoWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    w.tag(field, LEN);
    const kv = w.fork();
    encodeKeyValueBody(w, key, attrs[key] as AnyValue);
    w.ldelim(kv);
  }
}

function encodeKeyValueBody(w: ProtoWriter, key: string, value: AnyValue): void {
  if (key !== '') {
    w.tag(1, LEN);
    w.string(key);
  }
  // A null value is an unset `value` field, which decodes back to null.
  if (value !== null) {
    w.tag(2, LEN);
    const v = w.fork();
    encodeAnyValueBody(w, value);
    w.ldelim(v);
  }
}

/** Writes the fields of an AnyValue (the caller writes its tag and length). */
export function encodeAnyValueBody(w: ProtoWriter, value: AnyValue): void {
  switch (typeof value) {
    case 'string':
      w.tag(1, LEN);
      w.string(value);
      return;
    case 'boolean':
      w.tag(2, VARINT);
      w.bool(value);
      return;
    case 'bigint':
      w.tag(3, VARINT);
      w.int64(value);
      return;
    case 'number':
      w.tag(4, I64);
      w.double(value);
      return;
  }
  if (value === null) return;
  if (value instanceof Uint8Array) {
    w.tag(7, LEN);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    w.tag(5, LEN);
    const arr = w.fork();
    for (const item of value) {
      // Every element is written, a null one as an empty AnyValue, so positions survive.
      w.tag(1, LEN);
      const el = w.fork();
      encodeAnyValueBody(w, item);
      w.ldelim(el);
    }
    w.ldelim(arr);
  } else {
    w.tag(6, LEN);
    const list = w.fork();
    encodeAttributes(w, 1, value);
    w.ldelim(list);
  }
}

/** Writes string field `field`, omitting it when empty as proto3 does. */
export function encodeString(w: ProtoWriter, field: number, s: string): void {
  if (s === '') return;
  w.tag(field, LEN);
  w.string(s);
}

/** Writes uint32 field `field`, omitting it when zero as proto3 does. */
export function encodeUint32(w: ProtoWriter, field: number, n: number): void {
  if (n === 0) return;
  w.tag(field, VARINT);
  w.uint32(n);
}

/** Writes `res` as field `field`, omitting it when it is empty. */
export function encodeResource(w: ProtoWriter, field: number, res: Resource): void {
  if (res.droppedAttributesCount === 0 && isEmpty(res.attributes)) return;
  w.tag(field, LEN);
  const m = w.fork();
  encodeAttributes(w, 1, res.attributes);
  if (res.droppedAttributesCount !== 0) {
    w.tag(2, VARINT);
    w.uint32(res.droppedAttributesCount);
  }
  w.ldelim(m);
}

/** Writes `scope` as field `field`, omitting it when it is empty. */
export function encodeScope(w: ProtoWriter, field: number, scope: InstrumentationScope): void {
  if (scope.name === '' && scope.version === '' && scope.droppedAttributesCount === 0 && isEmpty(scope.attributes)) return;
  w.tag(field, LEN);
  const m = w.fork();
  if (scope.name !== '') {
    w.tag(1, LEN);
    w.string(scope.name);
  }
  if (scope.version !== '') {
    w.tag(2, LEN);
    w.string(scope.version);
  }
  encodeAttributes(w, 3, scope.attributes);
  if (scope.droppedAttributesCount !== 0) {
    w.tag(4, VARINT);
    w.uint32(scope.droppedAttributesCount);
  }
  w.ldelim(m);
}

function isEmpty(attrs: Attributes): boolean {
  for (const _ in attrs) return false;
  return true;
}

/** The schemas of an export's outer messages (request, resource group, scope group), for wire-type errors. */
export interface ExportSchemas {
  readonly request: MessageSchema;
  readonly resource: MessageSchema;
  readonly scope: MessageSchema;
}

/** Where an item stands in its request: the indexes of its resource group, its scope group and itself. */
export interface ItemPosition {
  resource: number;
  scope: number;
  item: number;
}

/**
 * Decodes an Export*ServiceRequest of any signal. Every signal numbers the outer levels alike:
 * request.1 = resource groups; group.1 = resource or scope, group.2 = scope groups or items,
 * group.3 = schema_url. `readItem` reads one length-delimited item and returns undefined to drop it.
 * Wire corruption is BRAID_ERR_OTLP_DECODE, naming the request.
 */
export function decodeExport<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  buf: Uint8Array, schemas: ExportSchemas, layout: ExportLayout<D, R, S, I>, readItem: (r: ProtoReader, at: ItemPosition) => I | undefined,
): D {
  const r = new ProtoReader(buf);
  const resources: R[] = [];
  const at: ItemPosition = { resource: 0, scope: 0, item: 0 };
  try {
    while (r.pos < r.limit) {
      const tag = r.tag();
      if (tag !== 10) {
        r.unknown(tag, schemas.request);
        continue;
      }
      at.scope = 0;
      const res = decodeGroup(r, schemas.resource, decodeResource, emptyResource, (scopes: S[]) => {
        at.item = 0;
        const scope = decodeGroup(r, schemas.scope, decodeScope, emptyScope, (items: I[]) => {
          const item = readItem(r, at);
          if (item !== undefined) items.push(item);
          at.item++;
        });
        scopes.push(layout.makeScope(scope.head, scope.schemaUrl, scope.children));
        at.scope++;
      });
      resources.push(layout.makeResource(res.head, res.schemaUrl, res.children));
      at.resource++;
    }
  } catch (err) {
    if (err instanceof ProtobufError) throw new BraidError('BRAID_ERR_OTLP_DECODE', `malformed ${schemas.request.name}: ${err.message}`, { cause: err });
    throw err;
  }
  return layout.makeExport(resources);
}

/** Reads a resource or scope group: its head (field 1), children (field 2, each read by `readChild`) and schema_url (field 3). */
function decodeGroup<H, C>(
  r: ProtoReader, schema: MessageSchema, readHead: (r: ProtoReader) => H, emptyHead: () => H, readChild: (children: C[]) => void,
): { head: H; schemaUrl: string; children: C[] } {
  let head: H | undefined;
  let schemaUrl = '';
  const children: C[] = [];
  const outer = r.enter();
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 18) readChild(children);
    else if (tag === 10) head = readHead(r);
    else if (tag === 26) schemaUrl = r.string();
    else r.unknown(tag, schema);
  }
  r.leave(outer);
  return { head: head ?? emptyHead(), schemaUrl, children };
}

// One writer reused by every encode: encoding is synchronous, and reuse avoids regrowing a buffer per request.
let sharedWriter = new ProtoWriter(64 * 1024);
const MAX_KEPT_CAPACITY = 4 * 1024 * 1024;

/**
 * Encodes an Export*ServiceRequest of any signal, in the layout decodeExport reads, omitting empty
 * resources, scopes and schema URLs as proto3 does. `writeItem` writes the body of one item.
 */
export function encodeExport<D, R extends ResourceGroup, S extends ScopeGroup, I>(
  layout: ExportLayout<D, R, S, I>, data: D, writeItem: (w: ProtoWriter, item: I) => void,
): Uint8Array {
  const w = sharedWriter;
  w.reset();
  for (const rg of layout.resources(data)) {
    w.tag(1, LEN);
    const m = w.fork();
    encodeResource(w, 1, rg.resource);
    for (const sg of layout.scopes(rg)) {
      w.tag(2, LEN);
      const s = w.fork();
      encodeScope(w, 1, sg.scope);
      for (const item of layout.items(sg)) {
        w.tag(2, LEN);
        const i = w.fork();
        writeItem(w, item);
        w.ldelim(i);
      }
      encodeString(w, 3, sg.schemaUrl);
      w.ldelim(s);
    }
    encodeString(w, 3, rg.schemaUrl);
    w.ldelim(m);
  }
  const out = w.finish();
  if (w.capacity > MAX_KEPT_CAPACITY) sharedWriter = new ProtoWriter(64 * 1024);
  return out;
}

/**
 * Encodes an Export*ServiceResponse of any signal: empty for full success, else partial_success
 * (field 1) holding the rejected count (field 1, int64) and error_message (field 2).
 */
export function encodeExportResponse(partial?: { rejected: number; errorMessage: string }): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const w = new ProtoWriter(64 + partial.errorMessage.length * 3);
  w.tag(1, LEN);
  const m = w.fork();
  if (partial.rejected !== 0) {
    w.tag(1, VARINT);
    w.int64(BigInt(partial.rejected));
  }
  encodeString(w, 2, partial.errorMessage);
  w.ldelim(m);
  return w.finish();
}

/** Writes fixed64 field `field`, omitting it when zero as proto3 does. */
export function encodeFixed64(w: ProtoWriter, field: number, n: bigint): void {
  if (n === 0n) return;
  w.tag(field, I64);
  w.fixed64(n);
}

/** Writes an optional ID (lowercase hex, '' when absent) as bytes field `field`; throws BRAID_ERR_OTLP_INVALID when it is not hex. */
export function encodeOptionalId(w: ProtoWriter, field: number, hex: string, what: string): void {
  if (hex === '') return;
  w.tag(field, LEN);
  if (!w.hexBytes(hex)) throw new BraidError('BRAID_ERR_OTLP_INVALID', `cannot encode ${what} ${JSON.stringify(hex)}: not hex`);
}

/**
 * An optional ID field held at `buf[start..end)`, as lowercase hex: '' when absent or all zero
 * (OTLP's "invalid" ID, read as none), undefined when it is not `size` bytes long.
 */
export function optionalIdHex(buf: Uint8Array, start: number, end: number, size: number): string | undefined {
  if (end === start) return '';
  if (end - start !== size) return undefined;
  return isZeroBytes(buf, start, end) ? '' : bytesToHex(buf, start, end);
}
