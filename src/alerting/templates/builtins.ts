/** Go text/template's predefined functions (text/template/funcs.go). */
import type { TemplateFunc } from './exec.js';
import { goTypeName, sprint, sprintf, sprintln } from './fmt.js';
import { isStringMap, isTrue } from './values.js';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'nil' | 'other';

function kind(v: unknown): Kind {
  if (v === undefined || v === null) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = kind(a);
  for (const b of rest) {
    const k2 = kind(b);
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
      continue;
    }
    if (k1 === 'other') {
      if (a === b) return true;
      throw new Error(`non-comparable type ${goTypeName(a)}`);
    }
    if (a === b || (k1 === 'nil' && k2 === 'nil')) return true;
  }
  return false;
}
eq.variadic = true;

function lt(a: unknown, b: unknown): boolean {
  const k1 = kind(a);
  const k2 = kind(b);
  if (k1 === 'other' || k1 === 'nil' || k1 === 'bool' || k2 === 'other' || k2 === 'nil' || k2 === 'bool') {
    if (k1 === k2 || k1 === 'other' || k2 === 'other' || k1 === 'bool') throw new Error('invalid type for comparison');
  }
  if (k1 !== k2) throw new Error(`incompatible types for comparison: ${goTypeName(a)} and ${goTypeName(b)}`);
  return (a as number | bigint | string) < (b as number | bigint | string);
}

const le = (a: unknown, b: unknown): boolean => lt(a, b) || eq(a, b);

/** Go's len: bytes of a string, items of a slice or map. */
function len(v: unknown): bigint {
  if (typeof v === 'string') return BigInt(Buffer.byteLength(v, 'utf8'));
  if (Array.isArray(v)) return BigInt(v.length);
  if (v instanceof Map) return BigInt(v.size);
  if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) return BigInt(Object.keys(v).length);
  if (v === undefined || v === null) throw new Error('len of nil pointer');
  throw new Error(`len of type ${goTypeName(v)}`);
}

function indexOne(item: unknown, key: unknown): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  if (Array.isArray(item) || typeof item === 'string') {
    if (typeof key !== 'bigint') throw new Error(key === undefined || key === null ? 'cannot index slice/array with nil' : `cannot index slice/array with type ${goTypeName(key)}`);
    const n = typeof item === 'string' ? Buffer.from(item, 'utf8') : item;
    if (key < 0n || key >= BigInt(n.length)) throw new Error(`index out of range: ${key}`);
    return typeof n === 'object' && n instanceof Buffer ? BigInt(n[Number(key)]!) : (n as unknown[])[Number(key)];
  }
  if (item instanceof Map) return item.has(key) ? item.get(key) : undefined;
  if (typeof item === 'object' && Object.getPrototypeOf(item) === Object.prototype) {
    if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`);
    if (Object.prototype.hasOwnProperty.call(item, key)) return (item as Record<string, unknown>)[key];
    return isStringMap(item) ? '' : undefined;
  }
  throw new Error(`can't index item of type ${goTypeName(item)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  return keys.reduce((acc, k) => indexOne(acc, k), item);
}
index.variadic = true;

function slice(item: unknown, ...idx: unknown[]): unknown {
  if (typeof item !== 'string' && !Array.isArray(item)) throw new Error(`can't slice item of type ${goTypeName(item)}`);
  if (idx.length > 2) throw new Error('too many slice indexes: ' + idx.length);
  const n = typeof item === 'string' ? Buffer.byteLength(item) : item.length;
  const [i, j] = [idx[0] ?? 0n, idx[1] ?? BigInt(n)].map((x) => {
    if (typeof x !== 'bigint') throw new Error(`cannot index slice/array with type ${goTypeName(x)}`);
    return Number(x);
  }) as [number, number];
  if (i > j) throw new Error(`invalid slice index: ${i} > ${j}`);
  if (i < 0 || j > n) throw new Error(`index out of range: ${i < 0 ? i : j}`);
  return typeof item === 'string' ? Buffer.from(item, 'utf8').subarray(i, j).toString('utf8') : item.slice(i, j);
}
slice.variadic = true;

/** The string of a builtin's arguments: the one string as is, else fmt.Sprint. */
const evalArgs = (args: unknown[]): string => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

/** Go's template.HTMLEscapeString. */
export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

/** Go's template.JSEscapeString. */
export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const simple: Record<string, string> = { '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D' };
    if (simple[ch] !== undefined) out += simple[ch];
    else if (c < 0x20) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else if (c >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch)) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

const variadic = <F extends (...a: never[]) => unknown>(f: F): F & { variadic: true } => Object.assign(f, { variadic: true as const });

async function and(...thunks: Array<() => Promise<unknown>>): Promise<unknown> {
  let v: unknown;
  for (const t of thunks) {
    v = await t();
    if (!isTrue(v)) return v;
  }
  return v;
}
and.variadic = true;
and.lazy = true;
Object.defineProperty(and, 'length', { value: 1 });

async function or(...thunks: Array<() => Promise<unknown>>): Promise<unknown> {
  let v: unknown;
  for (const t of thunks) {
    v = await t();
    if (isTrue(v)) return v;
  }
  return v;
}
or.variadic = true;
or.lazy = true;
Object.defineProperty(or, 'length', { value: 1 });

/** The builtins, by name. */
export const builtins: Record<string, TemplateFunc> = {
  and,
  or,
  not: (v: unknown) => !isTrue(v),
  len,
  index,
  slice,
  print: variadic((...a: unknown[]) => sprint(a)),
  printf: Object.assign((format: unknown, ...a: unknown[]) => {
    if (typeof format !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(format)}`);
    return sprintf(format, a);
  }, { variadic: true as const }),
  println: variadic((...a: unknown[]) => sprintln(a)),
  html: variadic((...a: unknown[]) => htmlEscape(evalArgs(a))),
  js: variadic((...a: unknown[]) => jsEscape(evalArgs(a))),
  urlquery: variadic((...a: unknown[]) => queryEscape(evalArgs(a))),
  call: Object.assign(async (fn: unknown, ...a: unknown[]) => {
    if (typeof fn !== 'function') throw new Error(`non-function of type ${goTypeName(fn)}`);
    return (fn as (...x: unknown[]) => unknown)(...a);
  }, { variadic: true as const }),
  eq,
  ne: (a: unknown, b: unknown) => !eq(a, b),
  lt,
  le,
  gt: (a: unknown, b: unknown) => !le(a, b),
  ge: (a: unknown, b: unknown) => !lt(a, b),
};
