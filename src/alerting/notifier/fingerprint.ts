/**
 * Alertmanager's identities: a label set's fingerprint (prometheus/common model.LabelSet.Fingerprint:
 * FNV-1a 64 over sorted names and values, each followed by the 0xff separator byte), its String()
 * form, and the group key `<route key>:<group labels>`.
 */
import type { Labels } from '../../promql/types.js';
import { goQuote } from '../templates/parser.js';

// FNV-1a 64 in two 32-bit halves (BigInt arithmetic was ~40x slower). offset64 = 0xcbf29ce484222325;
// prime64 = 2^40 + 0x1b3, so h * prime = (h << 40) + h * 0x1b3 (mod 2^64).
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const encoder = new TextEncoder();

interface Fnv {
  hi: number;
  lo: number;
}

function fnvByte(h: Fnv, b: number): void {
  const lo = (h.lo ^ b) >>> 0;
  const loMul = lo * 0x1b3;
  const newLo = loMul >>> 0;
  const carry = (loMul - newLo) / 4294967296;
  h.hi = (h.hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
  h.lo = newLo;
}

function fnvString(h: Fnv, s: string): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      for (const b of encoder.encode(s.slice(i))) fnvByte(h, b);
      return;
    }
    fnvByte(h, c);
  }
}

/** model.LabelSet.Fingerprint().String(): 16 hex digits. */
export function fingerprint(labels: Labels): string {
  const h: Fnv = { hi: OFFSET_HI, lo: OFFSET_LO };
  for (const name of Object.keys(labels).sort()) {
    fnvString(h, name);
    fnvByte(h, 0xff);
    fnvString(h, labels[name]!);
    fnvByte(h, 0xff);
  }
  return h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');
}

/** model.LabelSet.String(): {a="1", b="2"}, sorted by name, values Go-quoted. */
export function labelSetString(labels: Labels): string {
  return '{' + Object.keys(labels).sort().map((k) => `${k}=${goQuote(labels[k]!)}`).join(', ') + '}';
}

/** The key of the root route (Route.Key() with no matchers). */
export const ROOT_ROUTE_KEY = '{}';

/** The group key Alertmanager puts in the payload: `{}:{alertname="HighErrors"}`. */
export function groupKey(groupLabels: Labels, routeKey = ROOT_ROUTE_KEY): string {
  return `${routeKey}:${labelSetString(groupLabels)}`;
}

/** The group labels of an alert: the `group_by` labels it has, or all of them for `...`. */
export function groupLabelsOf(labels: Labels, groupBy: readonly string[]): Labels {
  const all = groupBy.includes('...');
  const out: Labels = {};
  for (const [k, v] of Object.entries(labels)) if (all || groupBy.includes(k)) out[k] = v;
  return out;
}

/** model.LabelSet.Before: fewer labels first, then by sorted names and values. */
export function labelsBefore(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return ka.length < kb.length;
  for (const ln of [...ka, ...kb].sort()) {
    const x = a[ln];
    const y = b[ln];
    if (x === undefined) return true;
    if (y === undefined) return false;
    if (x !== y) return x < y;
  }
  return false;
}

/** Alertmanager's AlertSlice order: by `job`, then `instance`, then the label sets. */
export function compareAlertLabels(a: Labels, b: Labels): number {
  for (const key of ['job', 'instance']) {
    const x = a[key];
    const y = b[key];
    if (x === undefined && y === undefined) continue;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return labelsBefore(a, b) ? -1 : labelsBefore(b, a) ? 1 : 0;
}
