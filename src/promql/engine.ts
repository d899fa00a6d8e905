/**
 * The engine's entry points: parse, load the series every selector needs in one `select` each,
 * evaluate at each step, and shape the result as the Prometheus HTTP API does. Work shared by the
 * steps is kept for the query's lifetime (subquery-memo.ts, label-cache.ts) and evaluation yields to
 * the event loop every few milliseconds (schedule.ts).
 */
import { BraidError } from '../errors.js';
import type { Expr, VectorSelector } from './ast.js';
import { evaluate, newQueryMemo, type EvalContext } from './eval.js';
import { keyOf } from './label-cache.js';
import { Deadline, checkQueryLength, selectorReachMs, tooManySamples } from './limits.js';
import { parseExpr, type ParsedExpr } from './parse.js';
import { Pacer, warmRanges, warmSubqueries } from './schedule.js';
import type { ApiPoint, Labels, QueryOptions, QueryResult, Series, SeriesSource } from './types.js';
import { formatFloat, formatValue } from './values.js';

const DEFAULT_LOOKBACK_MS = 5 * 60_000;
const DEFAULT_SUBQUERY_STEP_MS = 60_000;

type Windows = Map<VectorSelector, [number, number]>;

function widen(w: Windows, vs: VectorSelector, start: number, end: number): void {
  const cur = w.get(vs);
  w.set(vs, cur === undefined ? [start, end] : [Math.min(cur[0], start), Math.max(cur[1], end)]);
}

/** Finds the time window each selector reads when `e` is evaluated over [start, end]. */
function collectWindows(e: Expr, start: number, end: number, q: { startMs: number; endMs: number; lookbackMs: number }, w: Windows): void {
  const at = (a: VectorSelector['at']): [number, number] | undefined =>
    a === undefined ? undefined : a === 'start' ? [q.startMs, q.startMs] : a === 'end' ? [q.endMs, q.endMs] : [a, a];
  switch (e.kind) {
    case 'vector': {
      const [s, en] = at(e.at) ?? [start, end];
      widen(w, e, s - e.offsetMs - q.lookbackMs, en - e.offsetMs);
      return;
    }
    case 'matrix': {
      const [s, en] = at(e.vs.at) ?? [start, end];
      widen(w, e.vs, s - e.vs.offsetMs - e.rangeMs, en - e.vs.offsetMs);
      return;
    }
    case 'subquery': {
      const [s, en] = at(e.at) ?? [start, end];
      collectWindows(e.expr, s - e.offsetMs - e.rangeMs, en - e.offsetMs, q, w);
      return;
    }
    case 'paren': case 'unary': collectWindows(e.expr, start, end, q, w); return;
    case 'call': for (const a of e.args) collectWindows(a, start, end, q, w); return;
    case 'aggregate':
      if (e.param !== undefined) collectWindows(e.param, start, end, q, w);
      collectWindows(e.expr, start, end, q, w);
      return;
    case 'binary':
      collectWindows(e.lhs, start, end, q, w);
      collectWindows(e.rhs, start, end, q, w);
      return;
    default:
  }
}

/** Checks the query's limits, then loads what every selector reads, pacing the reads and bounding the samples loaded. */
async function prepare(source: SeriesSource, parsed: ParsedExpr, startMs: number, endMs: number, stepMs: number, opts: QueryOptions, pacer: Pacer, deadline: Deadline): Promise<EvalContext> {
  const lookbackMs = opts.lookbackDeltaMs ?? DEFAULT_LOOKBACK_MS;
  checkQueryLength(endMs - startMs, opts.limits);
  checkQueryLength(selectorReachMs(parsed.expr, lookbackMs), opts.limits);
  const windows: Windows = new Map();
  collectWindows(parsed.expr, startMs, endMs, { startMs, endMs, lookbackMs }, windows);
  const data = new Map<VectorSelector, readonly Series[]>();
  const hints = { ...(opts.maxSamples !== undefined ? { maxSamples: opts.maxSamples } : {}), pace: pacer.fn };
  await Promise.all([...windows].map(async ([vs, [s, e]]) => {
    const matchers = vs.matchers.map(({ type, name, value }) => ({ type, name, value }));
    data.set(vs, await source.select(matchers, s, e, hints));
  }));
  // A store read is one await: its time counts, though nothing could stop it midway.
  deadline.check('query preparation');
  if (opts.maxSamples !== undefined) checkLoaded(data, opts.maxSamples);
  return { data, lookbackMs, subqueryStepMs: opts.subqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS, startMs, endMs, stepMs, memo: newQueryMemo() };
}

/** The samples of all selectors together within query.prometheus.max_samples (each source bounds its own read). */
function checkLoaded(data: ReadonlyMap<VectorSelector, readonly Series[]>, maxSamples: number): void {
  let n = 0;
  for (const series of data.values()) for (const s of series) n += s.samples.length;
  if (n > maxSamples) throw tooManySamples(maxSamples);
}

/** The pacer and deadline of one query, from its options. */
function schedule(opts: QueryOptions): { pacer: Pacer; deadline: Deadline } {
  const deadline = new Deadline(opts.limits?.timeoutMs ?? 0);
  return { pacer: new Pacer(deadline), deadline };
}

const point = (t: number, v: number): ApiPoint => [t / 1000, formatValue(v)];

/** Evaluates `query` at `timeMs`: the `data` of Prometheus's /api/v1/query. */
export async function instantQuery(source: SeriesSource, query: string, timeMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
  const parsed = parseExpr(query);
  const { pacer, deadline } = schedule(opts);
  const ctx = await prepare(source, parsed, timeMs, timeMs, 0, opts, pacer, deadline);
  await warmRanges(parsed.expr, ctx, pacer);
  await warmSubqueries(parsed.expr, timeMs, timeMs, 0, ctx, pacer);
  // Loading and the queries before this one may have used the slice up (a rule group runs many).
  await pacer.pace();
  const v = evaluate(parsed.expr, timeMs, ctx);
  switch (v.kind) {
    case 'scalar': return { resultType: 'scalar', result: [timeMs / 1000, formatFloat(v.v)] }; // Scalar.MarshalJSON: always 'f'
    case 'string': return { resultType: 'string', result: [timeMs / 1000, v.s] };
    case 'vector': return { resultType: 'vector', result: v.samples.map((s) => ({ metric: s.metric, value: point(timeMs, s.v) })) };
    case 'matrix': return { resultType: 'matrix', result: v.series.map((s) => ({ metric: s.metric, values: Array.from({ length: s.hi - s.lo }, (_, i) => point(s.ts[s.lo + i]!, s.vs[s.lo + i]!)) })) };
  }
}

/** Compares label sets as Prometheus's labels.Compare does (sorted names, then values). */
export function compareLabels(a: Labels, b: Labels): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    const va = a[ka[i]!]!;
    const vb = b[kb[i]!]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}

/**
 * Evaluates `query` at each step of [startMs, endMs]: the `data` of Prometheus's /api/v1/query_range.
 * Bad parameters and a query that is not a scalar or instant vector are bad data (400), as
 * Prometheus's NewRangeQuery rejects them before evaluation.
 */
export async function rangeQuery(source: SeriesSource, query: string, startMs: number, endMs: number, stepMs: number, opts: QueryOptions = {}): Promise<QueryResult> {
  if (!(stepMs > 0)) throw new BraidError('BRAID_ERR_PROMQL_PARSE', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
  if (endMs < startMs) throw new BraidError('BRAID_ERR_PROMQL_PARSE', 'end timestamp must not be before start time');
  const parsed = parseExpr(query);
  if (parsed.type !== 'scalar' && parsed.type !== 'vector') {
    const name = parsed.type === 'matrix' ? 'range vector' : parsed.type;
    throw new BraidError('BRAID_ERR_PROMQL_PARSE', `invalid expression type "${name}" for range query, must be Scalar or instant Vector`);
  }
  const { pacer, deadline } = schedule(opts);
  const ctx = await prepare(source, parsed, startMs, endMs, stepMs, opts, pacer, deadline);
  await warmRanges(parsed.expr, ctx, pacer);
  const series = new Map<string, { metric: Labels; values: ApiPoint[] }>();
  for (let t = startMs; t <= endMs; t += stepMs) {
    // Step by step, so that subquery results kept are only those of the windows still ahead.
    await warmSubqueries(parsed.expr, t, t, stepMs, ctx, pacer);
    const v = evaluate(parsed.expr, t, ctx);
    const samples = v.kind === 'scalar' ? [{ metric: {}, v: v.v }] : v.kind === 'vector' ? v.samples : [];
    for (const s of samples) {
      const k = keyOf(s.metric);
      let out = series.get(k);
      if (out === undefined) series.set(k, (out = { metric: s.metric, values: [] }));
      out.values.push(point(t, s.v));
    }
    await pacer.pace();
  }
  return { resultType: 'matrix', result: [...series.values()].sort((a, b) => compareLabels(a.metric, b.metric)) };
}
