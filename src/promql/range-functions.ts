/** Functions over range vectors (promql/functions.go): rate and friends, *_over_time, deriv. */
import type { RangeArg } from './eval.js';
import { average, kahanSumInc, quantile } from './values.js';

type Points = Array<[number, number]>;
/** A function of one series' points in a window; undefined drops the series at this step. */
export type RangeFn = (points: Points, w: RangeArg, ts: number, params: number[]) => number | undefined;

function extrapolatedRate(points: Points, w: RangeArg, isCounter: boolean, isRate: boolean): number | undefined {
  if (points.length < 2) return undefined;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  let result = last[1] - first[1];
  if (isCounter) {
    let prev = first[1];
    for (let i = 1; i < points.length; i++) {
      const cur = points[i]![1];
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (first[0] - w.startMs) / 1000;
  let durationToEnd = (w.endMs - last[0]) / 1000;
  const sampledInterval = (last[0] - first[0]) / 1000;
  const averageBetween = sampledInterval / (points.length - 1);
  const threshold = averageBetween * 1.1;
  if (durationToStart >= threshold) durationToStart = averageBetween / 2;
  if (isCounter && result > 0 && first[1] >= 0) {
    // A counter cannot go below zero: extrapolate no further back than where it would reach zero.
    const durationToZero = sampledInterval * (first[1] / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= w.rangeMs / 1000;
  return result * factor;
}

function instantValue(points: Points, isRate: boolean): number | undefined {
  if (points.length < 2) return undefined;
  const [lt, lv] = points[points.length - 1]!;
  const [pt, pv] = points[points.length - 2]!;
  let result = isRate && lv < pv ? lv : lv - pv;
  const interval = lt - pt;
  if (interval === 0) return undefined;
  if (isRate) result /= interval / 1000;
  return result;
}

/** Least-squares slope and intercept at `interceptMs` (Kahan sums, constant series handled). */
function linearRegression(points: Points, interceptMs: number): [number, number] {
  let n = 0;
  let sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = points[0]![1];
  let constY = true;
  points.forEach(([t, v], i) => {
    if (constY && i > 0 && v !== initY) constY = false;
    n++;
    const x = (t - interceptMs) / 1000;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(v, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * v, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  });
  if (constY) return Number.isFinite(initY) || Number.isNaN(initY) ? [0, initY] : [NaN, NaN];
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function stdvar(points: Points): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (const [, v] of points) {
    count++;
    const delta = v - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (v - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

const values = (p: Points): number[] => p.map((x) => x[1]);

/** Range functions by name. */
export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFn> = new Map<string, RangeFn>([
  ['rate', (p, w) => extrapolatedRate(p, w, true, true)],
  ['increase', (p, w) => extrapolatedRate(p, w, true, false)],
  ['delta', (p, w) => extrapolatedRate(p, w, false, false)],
  ['irate', (p) => instantValue(p, true)],
  ['idelta', (p) => instantValue(p, false)],
  ['deriv', (p) => (p.length < 2 ? undefined : linearRegression(p, p[0]![0])[0])],
  ['predict_linear', (p, _w, ts, [d]) => {
    if (p.length < 2) return undefined;
    const [slope, intercept] = linearRegression(p, ts);
    return slope * d! + intercept;
  }],
  ['resets', (p) => p.reduce((n, [, v], i) => (i > 0 && v < p[i - 1]![1] ? n + 1 : n), 0)],
  ['changes', (p) => p.reduce((n, [, v], i) => {
    if (i === 0) return n;
    const prev = p[i - 1]![1];
    return v !== prev && !(Number.isNaN(v) && Number.isNaN(prev)) ? n + 1 : n;
  }, 0)],
  ['avg_over_time', (p) => average(values(p))],
  ['sum_over_time', (p) => {
    let sum = 0, c = 0;
    for (const [, v] of p) [sum, c] = kahanSumInc(v, sum, c);
    return sum + c;
  }],
  ['count_over_time', (p) => p.length],
  ['min_over_time', (p) => values(p).reduce((m, v) => (m > v || Number.isNaN(m) ? v : m))],
  ['max_over_time', (p) => values(p).reduce((m, v) => (m < v || Number.isNaN(m) ? v : m))],
  ['last_over_time', (p) => p[p.length - 1]![1]],
  ['first_over_time', (p) => p[0]![1]],
  ['present_over_time', () => 1],
  ['stddev_over_time', (p) => Math.sqrt(stdvar(p))],
  ['stdvar_over_time', (p) => stdvar(p)],
  ['quantile_over_time', (p, _w, _ts, [q]) => quantile(q!, values(p))],
  ['mad_over_time', (p) => {
    const vs = values(p);
    // A NaN makes the median, and so the deviation, undefined (Prometheus 3.16 funcMadOverTime).
    if (vs.some((v) => Number.isNaN(v))) return NaN;
    const median = quantile(0.5, vs);
    return quantile(0.5, vs.map((v) => Math.abs(v - median)));
  }],
]);

/** Range functions that keep the metric name. */
export const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
