/**
 * Evaluation that shares the event loop: a query yields every few milliseconds of work, so a slow
 * query does not hold up /readyz, the receivers or the ingester in the same process. Subqueries are
 * evaluated ahead of the steps that read them, innermost first, one inner step at a time, so a rule
 * with a large subquery yields as well as a long range query does.
 */
import type { Expr, Subquery } from './ast.js';
import { subqueryMemo, subqueryWindow, type EvalContext } from './eval.js';
import { RangeWindows } from './subquery-memo.js';
import type { Deadline } from './limits.js';

/** How long evaluation runs before it lets the event loop turn. */
const SLICE_MS = 5;

/**
 * When evaluation last let the event loop turn. Shared by all queries: many short queries in a row
 * (a rule group's instant queries, each under a slice) still yield once their work adds up to one.
 */
let sliceStart = performance.now();

/** Tells evaluation when it has run for a slice and lets the event loop turn; the query's timeout is checked at the same points. */
export class Pacer {
  constructor(private readonly deadline?: Deadline) {}

  /** Yields to the event loop when the current slice is used up; throws BRAID_ERR_QUERY_TIMEOUT past the deadline. */
  async pace(): Promise<void> {
    if (performance.now() - sliceStart < SLICE_MS) return;
    this.deadline?.check();
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }

  /** `pace` as a function, for sources and serialisers that take one. */
  readonly fn = (): Promise<void> => this.pace();
}

interface Need {
  node: Subquery;
  first: number;
  last: number;
  step: number;
}

/**
 * The inner steps each subquery will read when `e` is evaluated at `from`, `from + stepMs`, ...,
 * `to`, innermost first. A subquery whose windows do not touch from one outer step to the next
 * (outer step longer than its range) is left to be evaluated step by step: its windows would not
 * share inner steps, and evaluating the gaps would be wasted.
 */
function plan(e: Expr, from: number, to: number, stepMs: number, ctx: EvalContext, out: Need[]): void {
  switch (e.kind) {
    case 'subquery': {
      if (e.at === undefined && to > from && stepMs > e.rangeMs) return;
      const a = subqueryWindow(e, from, ctx);
      const b = subqueryWindow(e, to, ctx);
      if (b.last < a.first) return;
      plan(e.expr, a.first, b.last, a.step, ctx, out);
      out.push({ node: e, first: a.first, last: b.last, step: a.step });
      return;
    }
    case 'paren': case 'unary': plan(e.expr, from, to, stepMs, ctx, out); return;
    case 'call': for (const a of e.args) plan(a, from, to, stepMs, ctx, out); return;
    case 'aggregate':
      if (e.param !== undefined) plan(e.param, from, to, stepMs, ctx, out);
      plan(e.expr, from, to, stepMs, ctx, out);
      return;
    case 'binary':
      plan(e.lhs, from, to, stepMs, ctx, out);
      plan(e.rhs, from, to, stepMs, ctx, out);
      return;
    default:
  }
}

/** Lays out every range selector's samples for its windows ahead of evaluation, yielding as it goes (the evaluator would do it in one piece at first use). */
export async function warmRanges(e: Expr, ctx: EvalContext, pacer: Pacer): Promise<void> {
  switch (e.kind) {
    case 'matrix':
      if (!ctx.memo.ranges.has(e.vs)) ctx.memo.ranges.set(e.vs, await RangeWindows.build(ctx.data.get(e.vs) ?? [], pacer.fn));
      return;
    case 'subquery': case 'paren': case 'unary': await warmRanges(e.expr, ctx, pacer); return;
    case 'call': for (const a of e.args) await warmRanges(a, ctx, pacer); return;
    case 'aggregate':
      if (e.param !== undefined) await warmRanges(e.param, ctx, pacer);
      await warmRanges(e.expr, ctx, pacer);
      return;
    case 'binary':
      await warmRanges(e.lhs, ctx, pacer);
      await warmRanges(e.rhs, ctx, pacer);
      return;
    default:
  }
}

/** Evaluates ahead, yielding as it goes, every inner step of the subqueries in `e` that evaluating it at the given steps reads. */
export async function warmSubqueries(e: Expr, from: number, to: number, stepMs: number, ctx: EvalContext, pacer: Pacer): Promise<void> {
  const needs: Need[] = [];
  plan(e, from, to, stepMs, ctx, needs);
  for (const n of needs) {
    const memo = subqueryMemo(n.node, n.step, ctx);
    const [next, last] = memo.pending(n.first, n.last);
    for (let t = next; t <= last; t += n.step) {
      memo.evalNext();
      await pacer.pace();
    }
  }
}
