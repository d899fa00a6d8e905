/** Aggregation operators (promql/engine.go aggregation, aggregationK, aggregationCountValues). */
import type { Aggregate } from './ast.js';
import { evaluate, evalScalar, evalVector, execError, type EvalContext } from './eval.js';
import { isStepInvariant } from './invariant.js';
import { groupOnce } from './label-cache.js';
import { Average, formatFloat, formatG, KahanSum, labelsKey, NAME, quantile, type Sample, type Value } from './values.js';
import { isValidLabelName } from './label-functions.js';
import { goQuote } from './literals.js';
import type { Labels } from './types.js';

/** Labels `without` drops besides those it names (Prometheus 3.16: the name, and type and unit metadata). */
const WITHOUT_ALWAYS = new Set([NAME, '__type__', '__unit__']);

function groupLabels(l: Labels, without: boolean, grouping: readonly string[]): Labels {
  const out: Labels = {};
  if (without) {
    for (const [k, v] of Object.entries(l)) if (!WITHOUT_ALWAYS.has(k) && !grouping.includes(k)) out[k] = v;
  } else {
    for (const k of grouping) if (l[k] !== undefined && l[k] !== '') out[k] = l[k];
  }
  return out;
}

/**
 * The groups of an aggregation's input vector: each sample's group by position, and each group's
 * labels in the order groups first appear. Kept per node for the query: an input listing the same
 * label sets in the same order as at the last step (the usual case) reuses it unchanged.
 */
export interface Grouping {
  inputs: Labels[];
  groupOf: Int32Array;
  metrics: Labels[];
}

function sameInputs(inputs: readonly Labels[], samples: readonly Sample[]): boolean {
  if (inputs.length !== samples.length) return false;
  for (let i = 0; i < inputs.length; i++) if (inputs[i] !== samples[i]!.metric) return false;
  return true;
}

function groupingOf(e: Aggregate, samples: Sample[], ctx: EvalContext): Grouping {
  const kept = ctx.memo.groupings.get(e);
  if (kept !== undefined && sameInputs(kept.inputs, samples)) return kept;
  const make = (l: Labels): Labels => groupLabels(l, e.without, e.grouping);
  const byKey = new Map<string, number>();
  const metrics: Labels[] = [];
  const groupOf = new Int32Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const [metric, k] = groupOnce(samples[i]!.metric, e.without, e.grouping, make);
    let g = byKey.get(k);
    if (g === undefined) {
      byKey.set(k, (g = metrics.length));
      metrics.push(metric);
    }
    groupOf[i] = g;
  }
  const grouping = { inputs: samples.map((s) => s.metric), groupOf, metrics };
  ctx.memo.groupings.set(e, grouping);
  return grouping;
}

/** Each group's samples, groups in the order they first appear. */
function groupBy(e: Aggregate, samples: Sample[], ctx: EvalContext): Sample[][] {
  const { groupOf, metrics } = groupingOf(e, samples, ctx);
  const out = metrics.map((): Sample[] => []);
  for (let i = 0; i < samples.length; i++) out[groupOf[i]!]!.push(samples[i]!);
  return out;
}

/** Evaluates an aggregation at `ts`. */
export function aggregate(e: Aggregate, ts: number, ctx: EvalContext): Value {
  const samples = evalVector(e.expr, ts, ctx);
  // Prometheus evaluates an aggregation of a step-invariant expression once, at the query's start,
  // parameter included (engine.go preprocessExprHelper).
  const paramTs = isStepInvariant(e.expr) ? ctx.startMs : ts;
  if (e.op === 'topk' || e.op === 'bottomk') return { kind: 'vector', samples: topk(e, samples, evalScalar(e.param!, paramTs, ctx), ctx) };
  if (e.op === 'count_values') {
    const p = evaluate(e.param!, paramTs, ctx);
    return { kind: 'vector', samples: countValues(e, samples, p.kind === 'string' ? p.s : '', ts) };
  }
  const q = e.op === 'quantile' ? evalScalar(e.param!, paramTs, ctx) : 0;
  const { groupOf, metrics } = groupingOf(e, samples, ctx);
  const values = reduceGroups(e.op, samples, groupOf, metrics.length, q);
  return { kind: 'vector', samples: metrics.map((metric, g) => ({ metric, v: values[g]!, t: ts })) };
}

/** Each group's value, folding the samples in input order (no per-group arrays for sum, avg, count, group). */
function reduceGroups(op: string, samples: Sample[], groupOf: Int32Array, n: number, q: number): ArrayLike<number> {
  switch (op) {
    case 'sum':
    case 'avg': {
      const acc = Array.from({ length: n }, () => (op === 'sum' ? new KahanSum() : new Average()));
      for (let i = 0; i < samples.length; i++) acc[groupOf[i]!]!.add(samples[i]!.v);
      return acc.map((a) => a.value());
    }
    case 'count':
    case 'group': {
      const out = new Float64Array(n);
      for (let i = 0; i < samples.length; i++) out[groupOf[i]!] = op === 'group' ? 1 : out[groupOf[i]!]! + 1;
      return out;
    }
    default: {
      const vs = Array.from({ length: n }, (): number[] => []);
      for (let i = 0; i < samples.length; i++) vs[groupOf[i]!]!.push(samples[i]!.v);
      return vs.map((v) => reduce(op, v, q));
    }
  }
}

function reduce(op: string, vs: number[], q: number): number {
  switch (op) {
    case 'min': return vs.reduce((m, v) => (m > v || Number.isNaN(m) ? v : m));
    case 'max': return vs.reduce((m, v) => (m < v || Number.isNaN(m) ? v : m));
    case 'stddev': return Math.sqrt(variance(vs));
    case 'stdvar': return variance(vs);
    case 'quantile': return quantile(q, vs);
    default: return execError(`unknown aggregation ${JSON.stringify(op)}`);
  }
}

function variance(vs: number[]): number {
  let count = 0;
  let mean = 0;
  let value = 0;
  for (const v of vs) {
    count++;
    const delta = v - mean;
    mean += delta / count;
    value += delta * (v - mean);
  }
  return value / count;
}

function topk(e: Aggregate, samples: Sample[], kf: number, ctx: EvalContext): Sample[] {
  if (Number.isNaN(kf)) return execError('Parameter value is NaN');
  if (kf <= -(2 ** 63)) return execError(`Scalar value ${formatG(kf)} underflows int64`);
  if (kf >= 2 ** 63) return execError(`Scalar value ${formatG(kf)} overflows int64`);
  const k = Math.min(Math.trunc(kf), samples.length);
  if (k < 1) return [];
  const top = e.op === 'topk';
  // NaN sorts away from the top and from the bottom alike.
  const cmp = (a: Sample, b: Sample): number => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return top ? b.v - a.v : a.v - b.v;
  };
  const out: Sample[] = [];
  for (const g of groupBy(e, samples, ctx)) out.push(...g.sort(cmp).slice(0, k));
  return out;
}

function countValues(e: Aggregate, samples: Sample[], label: string, ts: number): Sample[] {
  if (!isValidLabelName(label)) execError(`invalid label name ${goQuote(label)}`);
  const counts = new Map<string, Sample>();
  for (const s of samples) {
    // The value label is set before grouping: `without` drops it when it names it (or it is __name__).
    const metric = groupLabels({ ...s.metric, [label]: formatFloat(s.v) }, e.without, e.without ? e.grouping : [...e.grouping, label]);
    const k = labelsKey(metric);
    const c = counts.get(k);
    if (c === undefined) counts.set(k, { metric, v: 1, t: ts });
    else c.v++;
  }
  return [...counts.values()];
}
