/** Alertmanager's template functions (template/template.go DefaultFuncs) for notification bodies. */
import type { TemplateFunc } from './exec.js';
import { goTypeName } from './fmt.js';
import { GoDuration, GoTime } from './values.js';

function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
  return v;
}

/** Go's json.Marshal: ints as numbers, <, > and & escaped, maps with sorted keys. */
export function toJson(v: unknown): string {
  const norm = (x: unknown): unknown => {
    if (typeof x === 'bigint') return Number(x);
    if (typeof x === 'number' && !Number.isFinite(x)) throw new Error(`json: unsupported value: ${x}`);
    if (x instanceof GoTime) return x.Format('2006-01-02T15:04:05.999999999Z07:00');
    if (x instanceof GoDuration) return Number(x.ns);
    if (Array.isArray(x)) return x.map(norm);
    if (x instanceof Map) return norm(Object.fromEntries(x));
    if (typeof x === 'object' && x !== null) {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, norm((x as Record<string, unknown>)[k])]));
    }
    return x === undefined ? null : x;
  };
  return JSON.stringify(norm(v)).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

function toTime(v: unknown): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) throw new Error(`parsing time ${JSON.stringify(v)}: not RFC 3339`);
    const frac = /\.(\d+)/.exec(v)?.[1] ?? '';
    return new GoTime(BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9)));
  }
  throw new Error(`wrong type for value; expected time.Time; got ${goTypeName(v)}`);
}

/** The functions, by name. */
export const extraFunctions: Record<string, TemplateFunc> = {
  trimSpace: (s: unknown) => str(s).trim(),
  join: (sep: unknown, items: unknown) => {
    if (!Array.isArray(items)) throw new Error(`wrong type for value; expected []string; got ${goTypeName(items)}`);
    return items.map(str).join(str(sep));
  },
  stringSlice: Object.assign((...s: unknown[]) => s.map(str), { variadic: true as const }),
  safeUrl: (s: unknown) => str(s),
  urlUnescape: (s: unknown) => decodeURIComponent(str(s).replace(/\+/g, ' ')),
  toJson,
  /** date "2006-01-02" .StartsAt: a time (or an RFC 3339 string) in a Go layout, UTC. */
  date: (layout: unknown, t: unknown) => toTime(t).Format(str(layout)),
  since: (t: unknown) => new GoDuration(BigInt(Date.now()) * 1_000_000n - toTime(t).ns),
};
