/**
 * Work a query shares across its steps. A subquery's steps are aligned to absolute multiples of its
 * step, so consecutive outer steps read almost the same inner steps: each inner step is evaluated
 * once per query and kept here, and every outer step reads its window out of the kept series
 * (Prometheus gets the same by evaluating the subquery once as a range query, engine.go
 * evalSubquery). Range selectors read each series once per query into typed arrays without its
 * staleness markers, and move a window over them from step to step (RangeWindows).
 */
import type { Labels, Series } from './types.js';
import { dropNameOnce, keyOf } from './label-cache.js';
import type { RangeSeries, Sample } from './values.js';

interface MemoSeries {
  metric: Labels;
  ts: number[];
  vs: number[];
  /** Each point's position in the inner vector of its step, to list series as a step-by-step evaluation does. */
  positions: number[];
}

/** The first index in [0, n) at which `before` turns false (it holds for a prefix only). */
function bisect(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in `points` whose time is >= t. */
export function lowerBound(points: ReadonlyArray<readonly [number, ...unknown[]]>, t: number): number {
  return bisect(points.length, (i) => points[i]![0] < t);
}

/** First index in `points` whose time is > t. */
export function upperBound(points: ReadonlyArray<readonly [number, ...unknown[]]>, t: number): number {
  return bisect(points.length, (i) => points[i]![0] <= t);
}

/** First index in the ascending times `ts` that is >= t. */
const timesLowerBound = (ts: ArrayLike<number>, t: number): number => bisect(ts.length, (i) => ts[i]! < t);

/** First index in the ascending times `ts` that is > t. */
const timesUpperBound = (ts: ArrayLike<number>, t: number): number => bisect(ts.length, (i) => ts[i]! <= t);

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
      if (ms === undefined) this.series.set(k, (ms = { metric: s.metric, ts: [], vs: [], positions: [] }));
      ms.ts.push(t);
      ms.vs.push(s.v);
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
      const i = timesLowerBound(s.ts, first);
      const j = timesUpperBound(s.ts, last);
      if (j <= i) continue;
      const w = { metric: s.metric, ts: s.ts, vs: s.vs, lo: i, hi: j, unnamed: undefined, decreases: undefined, position: s.positions[i]! };
      if (ordered && out.length > 0 && windowOrder(w, out[out.length - 1]!) < 0) ordered = false;
      out.push(w);
    }
    // Series in the order they first appear in the window, as a step-by-step evaluation lists them.
    if (!ordered) out.sort(windowOrder);
    return out.map(({ metric, ts, vs, lo, hi }) => ({ metric, ts, vs, lo, hi, unnamed: undefined, decreases: undefined }));
  }

  private trim(first: number): void {
    for (const [k, s] of this.series) {
      const i = timesLowerBound(s.ts, first);
      if (i === s.ts.length) this.series.delete(k);
      else if (i > 0) {
        s.ts = s.ts.slice(i);
        s.vs = s.vs.slice(i);
        s.positions = s.positions.slice(i);
      }
    }
    this.lo = first;
  }
}

/** Orders windowed series by the step they first appear at, then by their place in that step's vector. */
function windowOrder(a: RangeSeries & { position: number }, b: RangeSeries & { position: number }): number {
  return a.ts[a.lo]! - b.ts[b.lo]! || a.position - b.position;
}

/** First index of the ascending times `ts` that is > t, searched from `from`: forward one by one, backward by bisection. */
export function seek(ts: ArrayLike<number>, from: number, t: number): number {
  if (from > 0 && ts[from - 1]! > t) return timesUpperBound(ts, t);
  let i = from;
  while (i < ts.length && ts[i]! <= t) i++;
  return i;
}

/** A window over one selected series, read from typed arrays. */
interface SelectedSeries extends RangeSeries {
  ts: Float64Array;
  vs: Float64Array;
  decreases: Int32Array;
}

/** The times, values and decrease counts of all a selector's series, one buffer each (one allocation, not three per series). */
interface Columns {
  ts: Float64Array;
  vs: Float64Array;
  decreases: Int32Array;
}

/** A stored series' times and values without staleness markers (which range selectors skip), as views of `cols` from `at`. */
function selected(s: Series, cols: Columns, at: number): SelectedSeries {
  const samples = s.samples;
  const { ts, vs, decreases } = cols;
  let n = at;
  for (let j = 0; j < samples.length; j++) {
    const p = samples[j]!;
    if (p[2] === true) continue;
    ts[n] = p[0];
    vs[n] = p[1];
    decreases[n] = n === at ? 0 : decreases[n - 1]! + (vs[n]! < vs[n - 1]! ? 1 : 0);
    n++;
  }
  return { metric: s.labels, ts: ts.subarray(at, n), vs: vs.subarray(at, n), lo: 0, hi: 0, unnamed: dropNameOnce(s.labels), decreases: decreases.subarray(at, n) };
}

/**
 * A range selector's series for one query, read once into typed arrays without staleness markers,
 * each with its window (start, end] kept as indexes. Steps move forward, so each window moves on
 * from where the last one ended instead of bisecting the series again: one pass per query.
 */
/** Samples laid out between two chances to yield while windows are built. */
const BUILD_PIECE_SAMPLES = 16_384;

/** Columns for every sample of `series`. */
function columns(series: readonly Series[]): Columns {
  let total = 0;
  for (const s of series) total += s.samples.length;
  return { ts: new Float64Array(total), vs: new Float64Array(total), decreases: new Int32Array(total) };
}

export class RangeWindows {
  /** Every series of the selector, in the order windows list them. */
  readonly series: SelectedSeries[];
  /** Whether the label sets are distinct with their names [0] and without [1], each checked on first use. */
  private readonly distinct: [boolean | undefined, boolean | undefined] = [undefined, undefined];

  constructor(series: readonly Series[], built?: SelectedSeries[]) {
    if (built !== undefined) {
      this.series = built;
      return;
    }
    const cols = columns(series);
    let at = 0;
    this.series = series.map((s) => {
      const out = selected(s, cols, at);
      at += s.samples.length;
      return out;
    });
  }

  /** The windows of `series`, built with `pace()` between pieces: a million samples take a few hundred milliseconds to lay out. */
  static async build(series: readonly Series[], pace: () => Promise<void>): Promise<RangeWindows> {
    const cols = columns(series);
    const built: SelectedSeries[] = [];
    let at = 0;
    let since = 0;
    for (const s of series) {
      built.push(selected(s, cols, at));
      at += s.samples.length;
      since += s.samples.length;
      if (since >= BUILD_PIECE_SAMPLES) {
        since = 0;
        await pace();
      }
    }
    return new RangeWindows(series, built);
  }

  /**
   * The series with samples in (start, end]. The objects are this selector's own and move at its next
   * window: read them before evaluating the selector again.
   */
  window(start: number, end: number): RangeSeries[] {
    const out: RangeSeries[] = [];
    for (const s of this.series) {
      s.lo = seek(s.ts, s.lo, start);
      s.hi = seek(s.ts, Math.max(s.lo, s.hi), end);
      if (s.hi > s.lo) out.push(s);
    }
    return out;
  }

  /** Whether no two series share a label set, with their names (`keepName`) or without. */
  labelsDistinct(keepName: boolean): boolean {
    const i = keepName ? 0 : 1;
    let d = this.distinct[i];
    if (d === undefined) {
      const keys = new Set(this.series.map((s) => keyOf(keepName ? s.metric : s.unnamed!)));
      this.distinct[i] = d = keys.size === this.series.length;
    }
    return d;
  }
}
