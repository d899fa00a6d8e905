/** The query function rules run: an instant query over the SeriesSource, as a vector of label sets and values. */
import { BraidError } from '../../errors.js';
import { instantQuery } from '../../promql/engine.js';
import type { Labels, SeriesSource } from '../../promql/types.js';

/** One sample of a rule's result. */
export interface VectorSample {
  labels: Labels;
  value: number;
}

/** Evaluates `expr` at `tsMs`; a vector, or a scalar as a one-sample vector (Prometheus's EngineQueryFunc). */
export type QueryFunc = (expr: string, tsMs: number) => Promise<VectorSample[]>;

/** Reads a value as the Prometheus API writes it ("+Inf", "NaN", "1.5"). */
export function parseApiValue(s: string): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** The query function over `source`. */
export function sourceQueryFunc(source: SeriesSource, lookbackDeltaMs?: number, subqueryStepMs?: number): QueryFunc {
  const opts = { ...(lookbackDeltaMs === undefined ? {} : { lookbackDeltaMs }), ...(subqueryStepMs === undefined ? {} : { subqueryStepMs }) };
  return async (expr, tsMs) => {
    const r = await instantQuery(source, expr, tsMs, opts);
    if (r.resultType === 'vector') return r.result.map((s) => ({ labels: s.metric, value: parseApiValue(s.value[1]) }));
    if (r.resultType === 'scalar') return [{ labels: {}, value: parseApiValue(r.result[1]) }];
    throw new BraidError('BRAID_ERR_RULES_EVAL', 'rule result is not a vector or scalar');
  };
}
