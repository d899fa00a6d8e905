/** Which expressions Prometheus treats as step invariant (promql/engine.go preprocessExprHelper). */
import type { Expr } from './ast.js';

/** Functions whose answer depends on the evaluation time, so never step invariant (functions.go AtModifierUnsafeFunctions). */
const AT_UNSAFE = new Set(['days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year',
  'predict_linear', 'time', 'timestamp']);

/** Whether `e` has the same value at every step of a query: its selectors and subqueries all carry `@`. */
export function isStepInvariant(e: Expr): boolean {
  switch (e.kind) {
    case 'number': case 'string': return true;
    case 'vector': case 'subquery': return e.at !== undefined;
    case 'matrix': return e.vs.at !== undefined;
    case 'paren': case 'unary': return isStepInvariant(e.expr);
    case 'binary': return isStepInvariant(e.lhs) && isStepInvariant(e.rhs);
    case 'aggregate': return isStepInvariant(e.expr);
    case 'call':
      // timestamp(x @ t) is invariant when its argument is a selector with @.
      if (e.name === 'timestamp') return e.args.every((a) => a.kind === 'vector' && a.at !== undefined);
      return !AT_UNSAFE.has(e.name) && e.args.every(isStepInvariant);
  }
}
