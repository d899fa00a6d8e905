/**
 * Work a query shares across its steps. A subquery's steps are aligned to absolute multiples of its
 * step, so consecutive outer steps read almost the same inner steps: each inner step is evaluated
 * once per query and kept here, and every outer step reads its window out of the kept series
 * (Prometheus gets the same by evaluating the subquery once as a range query, engine.go
 * evalSubquery). Range selectors read a copy of each series without its staleness markers, made once.
 */
import type { Labels, Series, StoredSample } from './types.js';
import { dropNameOnce, keyOf } from './label-cache.js';
import type { RangeSeries, Sample } from './values.js';

type Point = [number, number];

interface MemoSeries {
  metric: Labels;
  points: Point[];
  /** Each point's position in the inner vector of its step, to list series as a step-by-step evaluation does. */
  positions: number[];
}

/** First index in `points` whose time is >= t. */
export function lowerBound(points: ReadonlyArray<readonly [number, ...unknown[]]>, t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]![0] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in `points` whose time is > t. */
export function upperBound(points: ReadonlyArray<readonly [number, ...unknown[]]>, t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]![0] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The inner results of one subquery node at its aligned steps: a contiguous run [lo, hi] of steps
 * evaluated, as one series per label set. Windows move forward in a range query, so steps more than
 * three of the widest windows behind are dropped to bound memory; a window outside the run starts a
 * new one.
 */
export class SubqueryMemo {
  private lo = 0;
  private hi = -1;
  /** The widest window asked for: every window asked for later starts no earlier than this before the latest. */
  private widest = 0;
  private readonly series = new Map<string, MemoSeries>();

  constructor(
    private readonly stepMs: number,
    private readonly evalAt: (t: number) => readonly Sample[],
  ) {}

  /** The aligned steps in [first, last] still to evaluate for that window, after making room. */
  pending(first: number, last: number): [number, number] {
    this.widest = Math.max(this.widest, last - first);
    const empty = this.hi < this.lo;
    if (empty || first < this.lo || first > this.hi + this.stepMs) {
      this.series.clear();
      this.lo = first;
      this.hi = first - this.stepMs;
    } else if (first - this.lo > 3 * this.widest + this.stepMs) {
      // Keep one widest window before this one: the warm-up of the next outer step asks for it.
      this.trim(first - this.widest);
    }
    return [this.hi + this.stepMs, last];
  }

  /** Evaluates the inner expression at the next step and keeps the result. */
  evalNext(): void {
    const t = this.hi + this.stepMs;
    const samples = this.evalAt(t);
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      const k = keyOf(s.metric);
      let ms = this.series.get(k);
      if (ms === undefined) this.series.set(k, (ms = { metric: s.metric, points: [], positions: [] }));
      ms.points.push([t, s.v]);
      ms.positions.push(i);
    }
    this.hi = t;
  }

  /** The series of the window [first, last] of aligned steps, evaluating the steps not kept yet. */
  window(first: number, last: number): RangeSeries[] {
    const [from, to] = this.pending(first, last);
    for (let t = from; t <= to; t += this.stepMs) this.evalNext();
    const out: Array<RangeSeries & { position: number }> = [];
    let ordered = true;
    for (const s of this.series.values()) {
      const i = lowerBound(s.points, first);
      const j = upperBound(s.points, last);
      if (j <= i) continue;
      const w = { metric: s.metric, points: s.points, lo: i, hi: j, position: s.positions[i]! };
      if (ordered && out.length > 0 && windowOrder(w, out[out.length - 1]!) < 0) ordered = false;
      out.push(w);
    }
    // Series in the order they first appear in the window, as a step-by-step evaluation lists them.
    if (!ordered) out.sort(windowOrder);
    return out.map(({ metric, points, lo, hi }) => ({ metric, points, lo, hi }));
  }

  private trim(first: number): void {
    for (const [k, s] of this.series) {
      const i = lowerBound(s.points, first);
      if (i === s.points.length) this.series.delete(k);
      else if (i > 0) {
        s.points = s.points.slice(i);
        s.positions = s.positions.slice(i);
      }
    }
    this.lo = first;
  }
}

/** Orders windowed series by the step they first appear at, then by their place in that step's vector. */
function windowOrder(a: RangeSeries & { position: number }, b: RangeSeries & { position: number }): number {
  return a.points[a.lo]![0] - b.points[b.lo]![0] || a.position - b.position;
}

/** A selector's series without staleness markers, which range selectors skip: made once per query. */
export function withoutStaleMarkers(series: readonly Series[]): Series[] {
  return series.map((s) => (s.samples.some((p) => p[2] === true) ? { labels: s.labels, samples: s.samples.filter((p) => p[2] !== true) } : s));
}

/** First index of `points` whose time is > t, searched from `from`: forward one by one, backward by bisection. */
function seek(points: readonly StoredSample[], from: number, t: number): number {
  if (from > 0 && points[from - 1]![0] > t) return upperBound(points, t);
  let i = from;
  while (i < points.length && points[i]![0] <= t) i++;
  return i;
}

/**
 * A range selector's series for one query, without staleness markers, each with its window (start,
 * end] kept as indexes into its samples. Steps move forward, so each window moves on from where the
 * last one ended instead of bisecting the series again: one pass over the samples per query.
 */
export class RangeWindows {
  private readonly series: RangeSeries[];
  /** Whether the label sets stay distinct with and without their names, checked on first use. */
  private distinct: { named: boolean; unnamed: boolean } | undefined;

  constructor(series: readonly Series[]) {
    this.series = withoutStaleMarkers(series).map((s) => ({ metric: s.labels, points: s.samples, lo: 0, hi: 0 }));
  }

  /**
   * The series with samples in (start, end]. The objects are this selector's own and move at its next
   * window: read them before evaluating the selector again.
   */
  window(start: number, end: number): RangeSeries[] {
    const out: RangeSeries[] = [];
    for (const s of this.series) {
      s.lo = seek(s.points, s.lo, start);
      s.hi = seek(s.points, Math.max(s.lo, s.hi), end);
      if (s.hi > s.lo) out.push(s);
    }
    return out;
  }

  /** Whether no two series share a label set, with their names (`named`) or without. */
  labelsDistinct(): { named: boolean; unnamed: boolean } {
    if (this.distinct === undefined) {
      const named = new Set(this.series.map((s) => keyOf(s.metric)));
      const unnamed = new Set(this.series.map((s) => keyOf(dropNameOnce(s.metric))));
      this.distinct = { named: named.size === this.series.length, unnamed: unnamed.size === this.series.length };
    }
    return this.distinct;
  }
}
