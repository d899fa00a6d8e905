/**
 * Alertmanager's identities: a label set's fingerprint (prometheus/common model.LabelSet.Fingerprint:
 * FNV-1a 64 over sorted names and values, each followed by the 0xff separator byte), its String()
 * form, and the group key `<route key>:<group labels>`.
 */
import type { Labels } from '../../promql/types.js';
import { goQuote } from '../templates/parser.js';

const OFFSET = 14695981039346656037n;
const PRIME = 1099511628211n;
const MASK = 0xffffffffffffffffn;
const encoder = new TextEncoder();

function fnvAdd(h: bigint, bytes: Uint8Array): bigint {
  let x = h;
  for (const b of bytes) x = ((x ^ BigInt(b)) * PRIME) & MASK;
  return x;
}

/** model.LabelSet.Fingerprint().String(): 16 hex digits. */
export function fingerprint(labels: Labels): string {
  let h = OFFSET;
  const sep = new Uint8Array([0xff]);
  for (const name of Object.keys(labels).sort()) {
    h = fnvAdd(h, encoder.encode(name));
    h = fnvAdd(h, sep);
    h = fnvAdd(h, encoder.encode(labels[name]!));
    h = fnvAdd(h, sep);
  }
  return h.toString(16).padStart(16, '0');
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
