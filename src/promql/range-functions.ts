/**
 * Functions over range vectors (promql/functions.go): rate and friends, *_over_time, deriv. Each reads
 * its window, indexes lo to hi - 1 of the series' times and values, in place: no copy, no pair per
 * element.
 */
import type { RangeArg } from './eval.js';
import { Average, KahanSum, quantile, type RangeSeries } from './values.js';

/** A function of one series' window; undefined drops the series at this step. */
export type RangeFn = (s: RangeSeries, lo: number, hi: number, w: RangeArg, ts: number, params: number[]) => number | undefined;

function extrapolatedRate({ ts, vs, decreases }: RangeSeries, lo: number, hi: number, w: RangeArg, isCounter: boolean, isRate: boolean): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const firstT = ts[lo]!;
  const lastT = ts[hi - 1]!;
  const firstV = vs[lo]!;
  let result = vs[hi - 1]! - firstV;
  // A window without a decrease adds nothing for resets: the scan is skipped (same result, same bits).
  if (isCounter && (decreases === undefined || decreases[hi - 1] !== decreases[lo])) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - w.startMs) / 1000;
  let durationToEnd = (w.endMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageBetween = sampledInterval / (n - 1);
  const threshold = averageBetween * 1.1;
  if (durationToStart >= threshold) durationToStart = averageBetween / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // A counter cannot go below zero: extrapolate no further back than where it would reach zero.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= w.rangeMs / 1000;
  return result * factor;
}

function instantValue({ ts, vs }: RangeSeries, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const lv = vs[hi - 1]!;
  const pv = vs[hi - 2]!;
  let result = isRate && lv < pv ? lv : lv - pv;
  const interval = ts[hi - 1]! - ts[hi - 2]!;
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** Least-squares slope and intercept at `interceptMs` (Kahan sums, constant series handled). */
function linearRegression({ ts, vs }: RangeSeries, lo: number, hi: number, interceptMs: number): [number, number] {
  const n = hi - lo;
  const sumX = new KahanSum(), sumY = new KahanSum(), sumXY = new KahanSum(), sumX2 = new KahanSum();
  const initY = vs[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const v = vs[i]!;
    if (constY && i > lo && v !== initY) constY = false;
    const x = (ts[i]! - interceptMs) / 1000;
    sumX.add(x);
    sumY.add(v);
    sumXY.add(x * v);
    sumX2.add(x * x);
  }
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  const sx = sumX.value(), sy = sumY.value(), sxy = sumXY.value(), sx2 = sumX2.value();
  const covXY = sxy - (sx * sy) / n;
  const varX = sx2 - (sx * sx) / n;
  const slope = covXY / varX;
  return [slope, sy / n - (slope * sx) / n];
}

function stdvar({ vs }: RangeSeries, lo: number, hi: number): number {
  let count = 0;
  const mean = new KahanSum(), aux = new KahanSum();
  for (let i = lo; i < hi; i++) {
    const v = vs[i]!;
    count++;
    const delta = v - mean.value();
    mean.add(delta / count);
    aux.add(delta * (v - mean.value()));
  }
  return aux.value() / count;
}

function values({ vs }: RangeSeries, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i < hi; i++) out.push(vs[i]!);
  return out;
}

function count({ vs }: RangeSeries, lo: number, hi: number, changed: (v: number, prev: number) => boolean): number {
  let n = 0;
  for (let i = lo + 1; i < hi; i++) if (changed(vs[i]!, vs[i - 1]!)) n++;
  return n;
}

/** The value kept by a scan that takes the next value when `replaces(kept, next)` or the kept one is NaN (min/max_over_time). */
function extreme({ vs }: RangeSeries, lo: number, hi: number, replaces: (m: number, v: number) => boolean): number {
  let m = vs[lo]!;
  for (let i = lo + 1; i < hi; i++) {
    const v = vs[i]!;
    if (replaces(m, v) || Number.isNaN(m)) m = v;
  }
  return m;
}

/** Range functions by name. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFn> = new Map<string, RangeFn>([
  ['rate', (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, true, true)],
  ['increase', (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, true, false)],
  ['delta', (s, lo, hi, w) => extrapolatedRate(s, lo, hi, w, false, false)],
  ['irate', (s, lo, hi) => instantValue(s, lo, hi, true)],
  ['idelta', (s, lo, hi) => instantValue(s, lo, hi, false)],
  ['deriv', (s, lo, hi) => (hi - lo < 2 ? undefined : linearRegression(s, lo, hi, s.ts[lo]!)[0])],
  ['predict_linear', (s, lo, hi, _w, ts, [d]) => {
    if (hi - lo < 2) return undefined;
    const [slope, intercept] = linearRegression(s, lo, hi, ts);
    return slope * d! + intercept;
  }],
  ['resets', (s, lo, hi) => (s.decreases !== undefined ? s.decreases[hi - 1]! - s.decreases[lo]! : count(s, lo, hi, (v, prev) => v < prev))],
  ['changes', (s, lo, hi) => count(s, lo, hi, (v, prev) => v !== prev && !(Number.isNaN(v) && Number.isNaN(prev)))],
  ['avg_over_time', ({ vs }, lo, hi) => {
    const a = new Average();
    for (let i = lo; i < hi; i++) a.add(vs[i]!);
    return a.value();
  }],
  ['sum_over_time', ({ vs }, lo, hi) => {
    const sum = new KahanSum();
    for (let i = lo; i < hi; i++) sum.add(vs[i]!);
    return sum.value();
  }],
  ['count_over_time', (_s, lo, hi) => hi - lo],
  ['min_over_time', (s, lo, hi) => extreme(s, lo, hi, (m, v) => m > v)],
  ['max_over_time', (s, lo, hi) => extreme(s, lo, hi, (m, v) => m < v)],
  ['last_over_time', ({ vs }, _lo, hi) => vs[hi - 1]!],
  ['first_over_time', ({ vs }, lo) => vs[lo]!],
  ['present_over_time', () => 1],
  ['stddev_over_time', (s, lo, hi) => Math.sqrt(stdvar(s, lo, hi))],
  ['stdvar_over_time', (s, lo, hi) => stdvar(s, lo, hi)],
  ['quantile_over_time', (s, lo, hi, _w, _ts, [q]) => quantile(q!, values(s, lo, hi))],
  ['mad_over_time', (s, lo, hi) => {
    const vs = values(s, lo, hi);
    // A NaN makes the median, and so the deviation, undefined (Prometheus 3.16 funcMadOverTime).
    if (vs.some((v) => Number.isNaN(v))) return NaN;
    const median = quantile(0.5, vs);
    return quantile(0.5, vs.map((v) => Math.abs(v - median)));
  }],
]);

/** Range functions that keep the metric name. */
export const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
