/** How promtool prints label sets, floats and durations in its messages (Go's formatting). */
import { formatExp } from '../alerting/evaluator/api.js';
import { compareLabels } from '../promql/engine.js';
import type { Labels } from '../promql/types.js';

const LEGACY_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Go's labels.Labels.String(): `{__name__="up", job="a"}`, names sorted. */
export function labelsString(l: Labels): string {
  const names = Object.keys(l).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${names.map((n) => `${LEGACY_NAME.test(n) ? n : JSON.stringify(n)}=${JSON.stringify(l[n])}`).join(', ')}}`;
}

/** Prometheus's labels.Compare. */
export const compareLabelSets = compareLabels;

/** Same names and values. */
export function equalLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

/** Go's strconv.FormatFloat(v, 'E', -1, 64). */
export function formatExpE(v: number): string {
  return formatExp(v).replace('e', 'E');
}

/** Go's time.Duration.String() of a millisecond count: `0s`, `1m30s`, `1h0m0s`, `250ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out: string;
  if (rest < 1000) out = `${rest}ms`;
  else {
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = `${rest / 1000}s`;
    out = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  }
  return neg ? `-${out}` : out;
}
