/** Aggregation operators (promql/engine.go aggregation, aggregationK, aggregationCountValues). */
import type { Aggregate } from './ast.js';
import { evaluate, evalScalar, evalVector, execError, type EvalContext } from './eval.js';
import { rangeCallSteps } from './functions.js';
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

/** Aggregations read straight from a range function's values by blocks (no parameter, no vector in between). */
const OF_STEP_VALUES = new Set(['sum', 'avg', 'count', 'group', 'min', 'max', 'stddev', 'stdvar']);

/** The group of each series of a range function's values by blocks, made once per query, and scratch space for one step. */
export interface SeriesGroups {
  groupOf: Int32Array;
  metrics: Labels[];
  /** Per group, its place in the output of the step being reduced (-1: not yet). */
  slot: Int32Array;
  vals: Float64Array;
  places: Int32Array;
}

function seriesGroups(e: Aggregate, inputs: readonly Labels[]): SeriesGroups {
  const make = (l: Labels): Labels => groupLabels(l, e.without, e.grouping);
  const byKey = new Map<string, number>();
  const metrics: Labels[] = [];
  const groupOf = new Int32Array(inputs.length);
  inputs.forEach((l, i) => {
    const [metric, k] = groupOnce(l, e.without, e.grouping, make);
    let g = byKey.get(k);
    if (g === undefined) {
      byKey.set(k, (g = metrics.length));
      metrics.push(metric);
    }
    groupOf[i] = g;
  });
  return { groupOf, metrics, slot: new Int32Array(metrics.length), vals: new Float64Array(inputs.length), places: new Int32Array(inputs.length) };
}

/**
 * `sum by (job) (rate(x[5m]))` in a range query: the aggregation reads the call's values by blocks
 * (step-values.ts) with each series' group found once per query, instead of a vector of samples per
 * step. Groups come out in the order of their first series present at the step, as grouping the
 * vector would give. Undefined when the expression does not have that form.
 */
function aggregateStepValues(e: Aggregate, ts: number, ctx: EvalContext): Value | undefined {
  if (!OF_STEP_VALUES.has(e.op)) return undefined;
  let arg = e.expr;
  while (arg.kind === 'paren') arg = arg.expr;
  if (arg.kind !== 'call') return undefined;
  const sv = rangeCallSteps(arg, ctx);
  // Label sets repeated without their names are an error the vector's check reports.
  if (sv === undefined || !sv.distinct()) return undefined;
  const base = sv.stepBase(ts);
  if (base === undefined) return undefined;
  let sg = ctx.memo.seriesGroups.get(e);
  if (sg === undefined) ctx.memo.seriesGroups.set(e, (sg = seriesGroups(e, sv.metrics)));
  const { values, present } = sv;
  const { groupOf, metrics, slot, vals, places } = sg;
  slot.fill(-1);
  const out: Labels[] = [];
  let len = 0;
  for (let i = 0; i < groupOf.length; i++) {
    if (present[base + i] === 0) continue;
    const g = groupOf[i]!;
    let place = slot[g]!;
    if (place < 0) {
      slot[g] = place = out.length;
      out.push(metrics[g]!);
    }
    vals[len] = values[base + i]!;
    places[len++] = place;
  }
  const reduced = reduceGroups(e.op, vals, places, len, out.length, 0);
  return { kind: 'vector', samples: out.map((metric, g) => ({ metric, v: reduced[g]!, t: ts })) };
}

/** Evaluates an aggregation at `ts`. */
export function aggregate(e: Aggregate, ts: number, ctx: EvalContext): Value {
  const fused = aggregateStepValues(e, ts, ctx);
  if (fused !== undefined) return fused;
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
  const values = reduceGroups(e.op, Float64Array.from(samples, (s) => s.v), groupOf, samples.length, metrics.length, q);
  return { kind: 'vector', samples: metrics.map((metric, g) => ({ metric, v: values[g]!, t: ts })) };
}

/** Each group's value, folding vals[0..len) in order into group groupOf[i] of n (no per-group arrays for sum, avg, count, group). */
function reduceGroups(op: string, vals: Float64Array, groupOf: Int32Array, len: number, n: number, q: number): ArrayLike<number> {
  switch (op) {
    case 'sum':
    case 'avg': {
      const acc = Array.from({ length: n }, () => (op === 'sum' ? new KahanSum() : new Average()));
      for (let i = 0; i < len; i++) acc[groupOf[i]!]!.add(vals[i]!);
      return acc.map((a) => a.value());
    }
    case 'count':
    case 'group': {
      const out = new Float64Array(n);
      for (let i = 0; i < len; i++) out[groupOf[i]!] = op === 'group' ? 1 : out[groupOf[i]!]! + 1;
      return out;
    }
    default: {
      const vs = Array.from({ length: n }, (): number[] => []);
      for (let i = 0; i < len; i++) vs[groupOf[i]!]!.push(vals[i]!);
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
