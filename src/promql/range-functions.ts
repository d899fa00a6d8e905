/**
 * Functions over range vectors (promql/functions.go): rate and friends, *_over_time, deriv. Each reads
 * its window points[lo..hi) of the series' points in place: no copy, no pair per element.
 */
import type { RangeArg } from './eval.js';
import type { StoredSample } from './types.js';
import { Average, KahanSum, quantile } from './values.js';

type Points = readonly StoredSample[];
/** A function of one series' points[lo..hi) in a window; undefined drops the series at this step. */
export type RangeFn = (points: Points, lo: number, hi: number, w: RangeArg, ts: number, params: number[]) => number | undefined;

function extrapolatedRate(points: Points, lo: number, hi: number, w: RangeArg, isCounter: boolean, isRate: boolean): number | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const first = points[lo]!;
  const last = points[hi - 1]!;
  const firstV = first[1];
  let result = last[1] - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = points[i]![1];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (first[0] - w.startMs) / 1000;
  let durationToEnd = (w.endMs - last[0]) / 1000;
  const sampledInterval = (last[0] - first[0]) / 1000;
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

function instantValue(points: Points, lo: number, hi: number, isRate: boolean): number | undefined {
  if (hi - lo < 2) return undefined;
  const [lt, lv] = points[hi - 1]!;
  const [pt, pv] = points[hi - 2]!;
  let result = isRate && lv < pv ? lv : lv - pv;
  const interval = lt - pt;
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** Least-squares slope and intercept at `interceptMs` (Kahan sums, constant series handled). */
function linearRegression(points: Points, lo: number, hi: number, interceptMs: number): [number, number] {
  const n = hi - lo;
  const sumX = new KahanSum(), sumY = new KahanSum(), sumXY = new KahanSum(), sumX2 = new KahanSum();
  const initY = points[lo]![1];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const [t, v] = points[i]!;
    if (constY && i > lo && v !== initY) constY = false;
    const x = (t - interceptMs) / 1000;
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

function stdvar(points: Points, lo: number, hi: number): number {
  let count = 0;
  const mean = new KahanSum(), aux = new KahanSum();
  for (let i = lo; i < hi; i++) {
    const v = points[i]![1];
    count++;
    const delta = v - mean.value();
    mean.add(delta / count);
    aux.add(delta * (v - mean.value()));
  }
  return aux.value() / count;
}

function values(p: Points, lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i < hi; i++) out.push(p[i]![1]);
  return out;
}

function count(p: Points, lo: number, hi: number, changed: (v: number, prev: number) => boolean): number {
  let n = 0;
  for (let i = lo + 1; i < hi; i++) if (changed(p[i]![1], p[i - 1]![1])) n++;
  return n;
}

/** The value kept by a scan that takes the next value when `replaces(kept, next)` or the kept one is NaN (min/max_over_time). */
function extreme(p: Points, lo: number, hi: number, replaces: (m: number, v: number) => boolean): number {
  let m = p[lo]![1];
  for (let i = lo + 1; i < hi; i++) {
    const v = p[i]![1];
    if (replaces(m, v) || Number.isNaN(m)) m = v;
  }
  return m;
}

/** Range functions by name. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFn> = new Map<string, RangeFn>([
  ['rate', (p, lo, hi, w) => extrapolatedRate(p, lo, hi, w, true, true)],
  ['increase', (p, lo, hi, w) => extrapolatedRate(p, lo, hi, w, true, false)],
  ['delta', (p, lo, hi, w) => extrapolatedRate(p, lo, hi, w, false, false)],
  ['irate', (p, lo, hi) => instantValue(p, lo, hi, true)],
  ['idelta', (p, lo, hi) => instantValue(p, lo, hi, false)],
  ['deriv', (p, lo, hi) => (hi - lo < 2 ? undefined : linearRegression(p, lo, hi, p[lo]![0])[0])],
  ['predict_linear', (p, lo, hi, _w, ts, [d]) => {
    if (hi - lo < 2) return undefined;
    const [slope, intercept] = linearRegression(p, lo, hi, ts);
    return slope * d! + intercept;
  }],
  ['resets', (p, lo, hi) => count(p, lo, hi, (v, prev) => v < prev)],
  ['changes', (p, lo, hi) => count(p, lo, hi, (v, prev) => v !== prev && !(Number.isNaN(v) && Number.isNaN(prev)))],
  ['avg_over_time', (p, lo, hi) => {
    const a = new Average();
    for (let i = lo; i < hi; i++) a.add(p[i]![1]);
    return a.value();
  }],
  ['sum_over_time', (p, lo, hi) => {
    const sum = new KahanSum();
    for (let i = lo; i < hi; i++) sum.add(p[i]![1]);
    return sum.value();
  }],
  ['count_over_time', (_p, lo, hi) => hi - lo],
  ['min_over_time', (p, lo, hi) => extreme(p, lo, hi, (m, v) => m > v)],
  ['max_over_time', (p, lo, hi) => extreme(p, lo, hi, (m, v) => m < v)],
  ['last_over_time', (p, _lo, hi) => p[hi - 1]![1]],
  ['first_over_time', (p, lo) => p[lo]![1]],
  ['present_over_time', () => 1],
  ['stddev_over_time', (p, lo, hi) => Math.sqrt(stdvar(p, lo, hi))],
  ['stdvar_over_time', (p, lo, hi) => stdvar(p, lo, hi)],
  ['quantile_over_time', (p, lo, hi, _w, _ts, [q]) => quantile(q!, values(p, lo, hi))],
  ['mad_over_time', (p, lo, hi) => {
    const vs = values(p, lo, hi);
    // A NaN makes the median, and so the deviation, undefined (Prometheus 3.16 funcMadOverTime).
    if (vs.some((v) => Number.isNaN(v))) return NaN;
    const median = quantile(0.5, vs);
    return quantile(0.5, vs.map((v) => Math.abs(v - median)));
  }],
]);

/** Range functions that keep the metric name. */
export const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
