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
  const sorted = [...input].sort((a, b) => a.upper - b.upper);
  if (sorted.length === 0 || sorted[sorted.length - 1]!.upper !== Infinity) return NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets[buckets.length - 1];
    if (last !== undefined && last.upper === b.upper) last.count += b.count;
    else buckets.push({ ...b });
  }
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

/** histogram_quantile(q, v) over classic buckets; series without a valid `le` are ignored. */
export function histogramQuantile(q: number, vec: Sample[], ts: number): Sample[] {
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
  return [...groups.values()].map((g) => ({ metric: g.metric, v: bucketQuantile(q, g.buckets), t: ts }));
}
