/**
 * Query limits (limits.max_query_length, limits.query_timeout), worded as Mimir and Prometheus word
 * them so Grafana shows the familiar text: a range too long is refused before anything is read, a
 * query past its timeout stops at the next point where evaluation yields (schedule.ts).
 */
import { BraidError } from '../errors.js';
import type { Expr } from './ast.js';

/** The limits one query runs under (milliseconds; 0 or absent: no limit). */
export interface QueryLimits {
  /** Longest range end - start, and longest reach of one selector (range or lookback, through subqueries). */
  maxQueryLengthMs?: number;
  /** How long the query may run, from the call of instantQuery/rangeQuery. */
  timeoutMs?: number;
}

/** Formats milliseconds as Go's time.Duration prints (`768h0m0s`, `1m30s`, `1.5s`, `250ms`), as Mimir's messages show them. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}

/** Throws BRAID_ERR_LIMIT_QUERY when `lengthMs` is past the limit; Mimir's wording. */
export function checkQueryLength(lengthMs: number, limits: QueryLimits | undefined): void {
  const max = limits?.maxQueryLengthMs ?? 0;
  if (max > 0 && lengthMs > max) {
    throw new BraidError('BRAID_ERR_LIMIT_QUERY', `the query time range exceeds the limit (query length: ${goDuration(lengthMs)}, limit: ${goDuration(max)}); limits.max_query_length`);
  }
}

/**
 * How far back from an evaluation time the expression reads: the largest, over its selectors, of
 * lookback (instant selectors) or range (range selectors), plus the ranges of the subqueries
 * around them. `offset` and `@` move the window without widening it and are not counted.
 */
export function selectorReachMs(e: Expr, lookbackMs: number): number {
  switch (e.kind) {
    case 'vector': return lookbackMs;
    case 'matrix': return e.rangeMs;
    case 'subquery': return e.rangeMs + selectorReachMs(e.expr, lookbackMs);
    case 'paren': case 'unary': return selectorReachMs(e.expr, lookbackMs);
    case 'call': return Math.max(0, ...e.args.map((a) => selectorReachMs(a, lookbackMs)));
    case 'aggregate': return Math.max(selectorReachMs(e.expr, lookbackMs), e.param === undefined ? 0 : selectorReachMs(e.param, lookbackMs));
    case 'binary': return Math.max(selectorReachMs(e.lhs, lookbackMs), selectorReachMs(e.rhs, lookbackMs));
    default: return 0;
  }
}

/** The error of a query that would load more than query.prometheus.max_samples (the store's reads word it alike). */
export function tooManySamples(maxSamples: number): BraidError {
  return new BraidError('BRAID_ERR_PROMQL_EXEC', `query processing would load too many samples into memory in query execution (more than ${maxSamples}; query.max_samples)`);
}

/** A deadline; `check` throws BRAID_ERR_QUERY_TIMEOUT once it has passed (Prometheus's "query timed out in expression evaluation"). */
export class Deadline {
  private readonly at: number;

  constructor(private readonly timeoutMs: number, private readonly now: () => number = () => performance.now()) {
    this.at = timeoutMs > 0 ? now() + timeoutMs : Infinity;
  }

  /** Throws when the query has run past its timeout. */
  check(stage = 'expression evaluation'): void {
    if (this.now() > this.at) {
      throw new BraidError('BRAID_ERR_QUERY_TIMEOUT', `query timed out in ${stage} (limits.query_timeout: ${goDuration(this.timeoutMs)})`);
    }
  }
}
