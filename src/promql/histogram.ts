/** histogram_quantile over classic `le` buckets (promql/quantile.go BucketQuantile). */
import { parseGoFloat } from './literals.js';
import type { Labels } from './types.js';
import { dropName, labelsKey, type Sample } from './values.js';

interface Bucket {
  upper: number;
  count: number;
}

/** An `le` bound as Go's strconv.ParseFloat reads it; undefined (the bucket ignored) when invalid or NaN. */
function parseLe(s: string): number | undefined {
  const v = parseGoFloat(s);
  return v === undefined || Number.isNaN(v) ? undefined : v;
}

function almostEqual(a: number, b: number, epsilon: number): boolean {
  if (a === b) return true;
  const diff = Math.abs(a - b);
  const norm = Math.min(Math.abs(a) + Math.abs(b), Number.MAX_VALUE);
  if (a === 0 || b === 0 || norm < 2.2250738585072014e-308) return diff < epsilon * 2.2250738585072014e-308;
  return diff / norm < epsilon;
}

/** The q-quantile of one series' buckets, or NaN. */
export function bucketQuantile(q: number, input: Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (input.length === 0) return NaN;
  const buckets = coalesced(input);
  if (buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
  let prev = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const cur = buckets[i]!.count;
    if (cur === prev) continue;
    if (almostEqual(prev, cur, 1e-12) || cur < prev) {
      buckets[i]!.count = prev;
      continue;
    }
    prev = cur;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((x, i) => i < buckets.length - 1 && x.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upper;
  if (b === 0 && buckets[0]!.upper <= 0) return buckets[0]!.upper;
  let start = 0;
  const end = buckets[b]!.upper;
  let count = buckets[b]!.count;
  if (b > 0) {
    start = buckets[b - 1]!.upper;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

/** Classic histograms of a vector: its series with a valid `le`, grouped by their other labels (name dropped). */
function classicHistograms(vec: Sample[]): Array<{ metric: Labels; buckets: Bucket[] }> {
  const groups = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const s of vec) {
    const le = s.metric.le === undefined ? undefined : parseLe(s.metric.le);
    if (le === undefined) continue;
    const { le: _, ...rest } = dropName(s.metric);
    const k = labelsKey(rest);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { metric: rest, buckets: [] }));
    g.buckets.push({ upper: le, count: s.v });
  }
  return [...groups.values()];
}

/** histogram_quantile(q, v) over classic buckets; series without a valid `le` are ignored. */
export function histogramQuantile(q: number, vec: Sample[], ts: number): Sample[] {
  return classicHistograms(vec).map((g) => ({ metric: g.metric, v: bucketQuantile(q, g.buckets), t: ts }));
}

/** Sorted by bound, equal bounds merged (promql/quantile.go coalesceBuckets). */
function coalesced(input: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const b of [...input].sort((x, y) => x.upper - y.upper)) {
    const last = out[out.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else out.push({ ...b });
  }
  return out;
}

/** The fraction of observations between lower and upper (promql/quantile.go BucketFraction). */
export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  if (input.length === 0) return NaN;
  const buckets = coalesced(input);
  if (buckets[buckets.length - 1]!.upper !== Infinity) return NaN;
  const count = buckets[buckets.length - 1]!.count;
  if (count === 0 || Number.isNaN(lower) || Number.isNaN(upper)) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = buckets[0]!.upper <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]!;
    if (i > 0) lowerBound = buckets[i - 1]!.upper;
    const upperBound = b.upper;
    // No interpolation inside a bucket of infinite width: it contributes nothing.
    const interpolate = (v: number): number => (lowerBound === -Infinity ? b.count : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) [lowerRank, lowerSet] = [rank, true];
    if (!upperSet && lowerBound >= upper) [upperRank, upperSet] = [rank, true];
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) [lowerRank, lowerSet] = [interpolate(lower), true];
    if (!upperSet && lowerBound < upper && upperBound > upper) [upperRank, upperSet] = [interpolate(upper), true];
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** histogram_fraction(lower, upper, v) over classic buckets. */
export function histogramFraction(lower: number, upper: number, vec: Sample[], ts: number): Sample[] {
  return classicHistograms(vec).map((g) => ({ metric: g.metric, v: bucketFraction(lower, upper, g.buckets), t: ts }));
}
