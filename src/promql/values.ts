/** Values the evaluator passes between nodes, and label-set helpers. */
import { formatFloat } from '../model/text/floats.js';
import { goQuote } from './literals.js';
import type { Labels } from './types.js';

/** One element of an instant vector; `t` is the sample's own time for raw selector output. */
export interface Sample {
  metric: Labels;
  v: number;
  t: number;
}

/**
 * One series of a range vector: its points' times (ms) and values, of which the window is the
 * indexes lo to hi - 1, read in place rather than copied. Staleness markers are never among them.
 */
export interface RangeSeries {
  metric: Labels;
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  lo: number;
  hi: number;
  /** The metric without its name, when the series keeps it for the query (range selectors). */
  unnamed: Labels | undefined;
  /**
   * When known (range selectors): decreases[i] counts the indexes j in 1..i where vs[j] < vs[j - 1],
   * so a window without a counter reset is seen at once.
   */
  decreases: Int32Array | undefined;
}

/** The value of an expression at one evaluation time. */
export type Value =
  | { kind: 'scalar'; v: number }
  | { kind: 'string'; s: string }
  | { kind: 'vector'; samples: Sample[] }
  | { kind: 'matrix'; series: RangeSeries[] };

/** The label name of the metric name. */
export const NAME = '__name__';

/** A stable identity of a label set. */
export function labelsKey(l: Labels): string {
  return Object.keys(l).sort().map((k) => `${k}\xff${l[k]}`).join('\xfe');
}

/** The identity of the values of `names` (or of all but `names` and `__name__` when `!on`). */
export function signature(l: Labels, on: boolean, names: readonly string[]): string {
  if (on) return names.map((n) => `${n}\xff${l[n] ?? ''}`).join('\xfe');
  const out: Labels = {};
  for (const [k, v] of Object.entries(l)) if (k !== NAME && !names.includes(k)) out[k] = v;
  return labelsKey(out);
}

/** A copy without the metric name. */
export function dropName(l: Labels): Labels {
  if (!(NAME in l)) return l;
  const { [NAME]: _, ...rest } = l;
  return rest;
}

/** Prometheus's text form of a label set (labels.Labels.String): `{__name__="x", a="b"}`, sorted by name. */
export function formatLabels(l: Labels): string {
  const parts = Object.keys(l).sort().map((k) => `${/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) ? k : goQuote(k)}=${goQuote(l[k]!)}`);
  return `{${parts.join(', ')}}`;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), with Prometheus's +Inf/-Inf/NaN: count_values labels, scalar answers. */
export { formatFloat };

/** A float as Go's %v (strconv 'g', shortest) writes it: `1e+19`, `0.5`, `+Inf`, in messages. */
export function formatG(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatFloat(v);
  const [mant, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e >= -4 && e < 6) return formatFloat(v);
  return `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/**
 * A sample value as Prometheus's HTTP API writes it (util/jsonutil MarshalFloat): Go's 'f' format,
 * but 'e' (`1e-07`, `1.5e+21`) when the magnitude is below 1e-6 or at least 1e21.
 */
export function formatValue(v: number): string {
  const abs = Math.abs(v);
  if (abs === 0 || !Number.isFinite(v) || (abs >= 1e-6 && abs < 1e21)) return formatFloat(v);
  const [mant, exp] = v.toExponential().split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[-+]/, '');
  return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

/** A Neumaier-compensated sum (Prometheus kahanSumInc), kept in place: no pair allocated per element. */
export class KahanSum {
  sum = 0;
  c = 0;

  /** Adds `inc` as kahanSumInc(inc, sum, c) does. */
  add(inc: number): void {
    const sum = this.sum;
    const t = sum + inc;
    if (!Number.isFinite(t) && !Number.isNaN(t)) {
      this.sum = t;
      this.c = 0;
      return;
    }
    if (Math.abs(sum) >= Math.abs(inc)) this.c += sum - t + inc;
    else this.c += inc - t + sum;
    this.sum = t;
  }

  /** The compensated total. */
  value(): number {
    return this.sum + this.c;
  }
}

/** Orders floats as Prometheus's vectorByValueHeap does for quantile: NaN first, then ascending. */
export function byValueNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a - b;
}

/** Prometheus's quantile of a set of floats (promql/quantile.go quantile): closest ranks, interpolated. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...values].sort(byValueNaNFirst);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  // An exact rank is the sample itself: -Inf * 1 + x * 0 would be NaN.
  if (weight === 0) return sorted[lower]!;
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/** Incremental mean as Prometheus's avg and avg_over_time compute it (Kahan sum, then mean on overflow). */
export class Average {
  private count = 0;
  private readonly acc = new KahanSum();
  private mean = 0;
  private incremental = false;

  /** Adds one value. */
  add(v: number): void {
    const acc = this.acc;
    const count = ++this.count;
    if (count === 1) {
      acc.sum = v;
      this.mean = v;
      return;
    }
    if (!this.incremental) {
      const sum = acc.sum;
      const c = acc.c;
      acc.add(v);
      if (Number.isFinite(acc.sum) || Number.isNaN(acc.sum)) return;
      // The sum overflowed: restart from the mean of the values before this one.
      this.incremental = true;
      this.mean = sum / (count - 1);
      acc.c = c / (count - 1);
    }
    const mean = this.mean;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      if (!Number.isFinite(v) && !Number.isNaN(v) && mean > 0 === v > 0) return;
      if (Number.isFinite(v)) return;
    }
    const current = mean + acc.c;
    acc.sum = mean;
    acc.add(v / count - current / count);
    this.mean = acc.sum;
  }

  /** The mean of the values added. */
  value(): number {
    return this.incremental ? this.mean + this.acc.c : (this.acc.sum + this.acc.c) / this.count;
  }
}
