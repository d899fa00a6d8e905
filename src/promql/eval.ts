/**
 * The evaluator: the value of an expression at one evaluation time, over series loaded beforehand
 * (engine.ts). Selectors follow Prometheus 3 (promql/engine.go): the lookback window and range
 * windows are left-open, a staleness marker ends a series, `offset` and `@` move the reference time,
 * and subquery steps are aligned to multiples of the step.
 */
import { BraidError } from '../errors.js';
import type { Aggregate, AtModifier, Expr, Subquery, VectorSelector } from './ast.js';
import { aggregate, type Grouping, type SeriesGroups } from './aggregations.js';
import { binary } from './binary.js';
import { callFunction } from './functions.js';
import { keyOf } from './label-cache.js';
import { RangeWindows, SubqueryMemo, upperBound } from './subquery-memo.js';
import type { StepValues } from './step-values.js';
import type { Series } from './types.js';
import { dropName, type RangeSeries, type Sample, type Value } from './values.js';

/** What evaluation needs besides the expression and the time. */
export interface EvalContext {
  data: ReadonlyMap<VectorSelector, readonly Series[]>;
  lookbackMs: number;
  subqueryStepMs: number;
  /** The query's start and end, for `@ start()` and `@ end()`. */
  startMs: number;
  endMs: number;
  /** The range query's step; 0 for an instant query. */
  stepMs: number;
  /** Work kept across the steps of one query (subquery-memo.ts). */
  memo: QueryMemo;
}

/** Work kept across the steps of one query: subquery results, range selectors' windows, aggregation groups. */
export interface QueryMemo {
  subqueries: Map<Subquery, SubqueryMemo>;
  ranges: Map<VectorSelector, RangeWindows>;
  /** Aggregation nodes' groups of their last input (aggregations.ts). */
  groupings: Map<Aggregate, Grouping>;
  /** Aggregations of range functions by blocks: each series' group (aggregations.ts). */
  seriesGroups: Map<Aggregate, SeriesGroups>;
  /** Range function calls over range selectors, computed a block of steps at a time (step-values.ts). */
  stepValues: Map<Expr, StepValues>;
}

/** An empty memo for a new query. */
export function newQueryMemo(): QueryMemo {
  return { subqueries: new Map(), ranges: new Map(), groupings: new Map(), seriesGroups: new Map(), stepValues: new Map() };
}

/** A range vector with the window it was selected over. */
export interface RangeArg {
  series: RangeSeries[];
  /** The window (start, end] in ms. */
  startMs: number;
  endMs: number;
  rangeMs: number;
  /** A range selector's windows, which know whether its label sets are distinct; undefined for subqueries. */
  selector?: RangeWindows;
}

/** Throws an execution error. */
export function execError(msg: string): never {
  throw new BraidError('BRAID_ERR_PROMQL_EXEC', msg);
}

/** The time `@` names. */
export function atTime(at: AtModifier | undefined, ts: number, ctx: EvalContext): number {
  if (at === undefined) return ts;
  return at === 'start' ? ctx.startMs : at === 'end' ? ctx.endMs : at;
}

/** Evaluates `e` at `ts` (ms). */
export function evaluate(e: Expr, ts: number, ctx: EvalContext): Value {
  switch (e.kind) {
    case 'number': return { kind: 'scalar', v: e.value };
    case 'string': return { kind: 'string', s: e.value };
    case 'paren': return evaluate(e.expr, ts, ctx);
    case 'unary': {
      const v = evaluate(e.expr, ts, ctx);
      if (e.op === '+') return v;
      if (v.kind === 'scalar') return { kind: 'scalar', v: -v.v };
      if (v.kind !== 'vector') return execError('unary minus on a non-vector');
      return checkedVector(v.samples.map((s) => ({ metric: dropName(s.metric), v: -s.v, t: ts })));
    }
    case 'vector': return { kind: 'vector', samples: selectInstant(e, ts, ctx) };
    case 'matrix':
    case 'subquery': return { kind: 'matrix', series: evalRange(e, ts, ctx).series };
    case 'call': return callFunction(e, ts, ctx);
    case 'aggregate': return aggregate(e, ts, ctx);
    case 'binary': return binary(e, ts, ctx);
  }
}

/** Evaluates an expression that must yield an instant vector. */
export function evalVector(e: Expr, ts: number, ctx: EvalContext): Sample[] {
  const v = evaluate(e, ts, ctx);
  if (v.kind !== 'vector') return execError(`expected instant vector, got ${v.kind}`);
  return v.samples;
}

/** Evaluates an expression that must yield a scalar. */
export function evalScalar(e: Expr, ts: number, ctx: EvalContext): number {
  const v = evaluate(e, ts, ctx);
  if (v.kind !== 'scalar') return execError(`expected scalar, got ${v.kind}`);
  return v.v;
}

/** Fails like Prometheus when a vector holds one label set twice. */
export function checkedVector(samples: Sample[]): Value {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = keyOf(s.metric);
    if (seen.has(k)) execError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
  return { kind: 'vector', samples };
}

function selectInstant(vs: VectorSelector, ts: number, ctx: EvalContext): Sample[] {
  const ref = atTime(vs.at, ts, ctx) - vs.offsetMs;
  const out: Sample[] = [];
  for (const series of ctx.data.get(vs) ?? []) {
    const i = upperBound(series.samples, ref) - 1;
    if (i < 0) continue;
    const s = series.samples[i]!;
    if (s[0] <= ref - ctx.lookbackMs || s[2] === true) continue;
    out.push({ metric: series.labels, v: s[1], t: s[0] });
  }
  return out;
}

/** Evaluates a range selector or subquery at `ts`. */
export function evalRange(e: Expr, ts: number, ctx: EvalContext): RangeArg {
  if (e.kind === 'paren') return evalRange(e.expr, ts, ctx);
  if (e.kind === 'subquery') return evalSubquery(e, ts, ctx);
  if (e.kind !== 'matrix') return execError(`expected range vector, got ${e.kind}`);
  const ref = atTime(e.vs.at, ts, ctx) - e.vs.offsetMs;
  const start = ref - e.rangeMs;
  const windows = rangeWindows(e, ctx);
  return { series: windows.window(start, ref), startMs: start, endMs: ref, rangeMs: e.rangeMs, selector: windows };
}

/** The windows of a range selector's series, made on first use in the query. */
export function rangeWindows(e: Extract<Expr, { kind: 'matrix' }>, ctx: EvalContext): RangeWindows {
  let windows = ctx.memo.ranges.get(e.vs);
  if (windows === undefined) ctx.memo.ranges.set(e.vs, (windows = new RangeWindows(ctx.data.get(e.vs) ?? [])));
  return windows;
}

/** The aligned steps of a subquery's window at `ts`: [first, last], empty when first > last. */
export function subqueryWindow(e: Subquery, ts: number, ctx: EvalContext): { first: number; last: number; start: number; ref: number; step: number } {
  const ref = atTime(e.at, ts, ctx) - e.offsetMs;
  const step = e.stepMs ?? ctx.subqueryStepMs;
  const start = ref - e.rangeMs;
  // Go's integer division truncates toward zero; the first step lies strictly after `start`.
  let first = step * Math.trunc(start / step);
  if (first <= start) first += step;
  return { first, last: first + Math.floor((ref - first) / step) * step, start, ref, step };
}

/** The memo of a subquery node's inner results, made on first use. */
export function subqueryMemo(e: Subquery, step: number, ctx: EvalContext): SubqueryMemo {
  let memo = ctx.memo.subqueries.get(e);
  if (memo === undefined) ctx.memo.subqueries.set(e, (memo = new SubqueryMemo(step, (t) => evalVector(e.expr, t, ctx))));
  return memo;
}

function evalSubquery(e: Subquery, ts: number, ctx: EvalContext): RangeArg {
  const { first, last, start, ref, step } = subqueryWindow(e, ts, ctx);
  const series = first > ref ? [] : subqueryMemo(e, step, ctx).window(first, last);
  return { series, startMs: start, endMs: ref, rangeMs: e.rangeMs };
}
