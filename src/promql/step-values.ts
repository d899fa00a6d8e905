/**
 * A range function of a range selector (`rate(x[5m])`) in a range query, computed series by series
 * for a block of steps at a time: each series' samples are read in one pass while they are in the CPU
 * cache, instead of every series being visited again at each step (Prometheus also evaluates such a
 * call series by series, engine.go rangeEval). A block holds at most 64 steps and 32,768 values, so
 * that it takes a few milliseconds and evaluation still yields between steps (schedule.ts).
 * Functions with parameters are left to step-by-step evaluation.
 */
import type { Expr } from './ast.js';
import { atTime, rangeWindows, type EvalContext, type RangeArg } from './eval.js';
import { dropNameOnce } from './label-cache.js';
import type { RangeFn } from './range-functions.js';
import { seek, type RangeWindows } from './subquery-memo.js';
import type { Labels } from './types.js';
import type { Sample } from './values.js';

type Matrix = Extract<Expr, { kind: 'matrix' }>;

/** Steps computed together at most. */
const MAX_BLOCK_STEPS = 64;
/** Values (series x steps) per block at most: a block is computed without yielding, so it is kept to a few milliseconds. */
const BLOCK_VALUES = 32_768;

/** One call's values over a block of the query's steps: `values[(k - from) * n + i]` for the i-th series at step k. */
export class StepValues {
  private readonly windows: RangeWindows;
  private readonly n: number;
  private readonly steps: number;
  /** Steps per block. */
  private readonly block: number;
  private from = -1;
  /** The block's values, and whether each is defined (a series absent at a step is not). */
  readonly values: Float64Array;
  readonly present: Uint8Array;
  /** Each series' window at the last step computed, to move on from. */
  private readonly los: Int32Array;
  private readonly his: Int32Array;

  /** The label set each series answers with, in one array read in order at each step. */
  readonly metrics: Labels[];

  constructor(
    private readonly fn: RangeFn,
    private readonly m: Matrix,
    private readonly ctx: EvalContext,
    private readonly keepName: boolean,
  ) {
    this.windows = rangeWindows(m, ctx);
    this.metrics = this.windows.series.map((s) => (keepName ? s.metric : (s.unnamed ?? dropNameOnce(s.metric))));
    this.n = this.windows.series.length;
    this.steps = Math.floor((ctx.endMs - ctx.startMs) / ctx.stepMs) + 1;
    this.block = Math.max(1, Math.min(MAX_BLOCK_STEPS, Math.floor(BLOCK_VALUES / Math.max(1, this.n))));
    this.values = new Float64Array(this.block * this.n);
    this.present = new Uint8Array(this.block * this.n);
    this.los = new Int32Array(this.n);
    this.his = new Int32Array(this.n);
  }

  /** Whether no two series share the label set they answer with. */
  distinct(): boolean {
    return this.windows.labelsDistinct(this.keepName);
  }

  /**
   * Where step `ts`'s values start in `values` and `present` (one per series), its block computed if
   * need be; undefined when `ts` is not a step of the range query.
   */
  stepBase(ts: number): number | undefined {
    const k = (ts - this.ctx.startMs) / this.ctx.stepMs;
    if (!Number.isInteger(k) || k < 0 || k >= this.steps) return undefined;
    if (this.from < 0 || k < this.from || k >= this.from + this.block) this.compute(k);
    return (k - this.from) * this.n;
  }

  /** The call's vector at `ts`, or undefined when `ts` is not a step of the range query. */
  samplesAt(ts: number): Sample[] | undefined {
    const base = this.stepBase(ts);
    if (base === undefined) return undefined;
    const { n, values, present, metrics } = this;
    const out: Sample[] = [];
    for (let i = 0; i < n; i++) if (present[base + i] !== 0) out.push({ metric: metrics[i]!, v: values[base + i]!, t: ts });
    return out;
  }

  /** Computes the block of steps from `k` on, series by series. */
  private compute(k: number): void {
    const { n, fn, m, ctx, values, present, los, his } = this;
    const series = this.windows.series;
    const count = Math.min(this.block, this.steps - k);
    present.fill(0);
    const w: RangeArg = { series: [], startMs: 0, endMs: 0, rangeMs: m.rangeMs };
    for (let i = 0; i < n; i++) {
      const s = series[i]!;
      let lo = los[i]!;
      let hi = his[i]!;
      for (let j = 0; j < count; j++) {
        const ts = ctx.startMs + (k + j) * ctx.stepMs;
        w.endMs = atTime(m.vs.at, ts, ctx) - m.vs.offsetMs;
        w.startMs = w.endMs - m.rangeMs;
        lo = seek(s.ts, lo, w.startMs);
        hi = seek(s.ts, Math.max(lo, hi), w.endMs);
        if (hi <= lo) continue;
        const v = fn(s, lo, hi, w, ts, []);
        if (v === undefined) continue;
        values[j * n + i] = v;
        present[j * n + i] = 1;
      }
      los[i] = lo;
      his[i] = hi;
    }
    this.from = k;
  }
}
