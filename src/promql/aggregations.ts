/** Aggregation operators (promql/engine.go aggregation, aggregationK, aggregationCountValues). */
import type { Aggregate } from './ast.js';
import { evaluate, evalScalar, evalVector, execError, type EvalContext } from './eval.js';
import { isStepInvariant } from './invariant.js';
import { groupOnce } from './label-cache.js';
import { average, formatFloat, formatG, kahanSumInc, labelsKey, NAME, quantile, type Sample, type Value } from './values.js';
import { isValidLabelName } from './label-functions.js';
import { goQuote } from './literals.js';
import type { Labels } from './types.js';

interface Group {
  metric: Labels;
  samples: Sample[];
}

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

function groupBy(samples: Sample[], without: boolean, grouping: readonly string[]): Group[] {
  const groups = new Map<string, Group>();
  const make = (l: Labels): Labels => groupLabels(l, without, grouping);
  for (const s of samples) {
    const [metric, k] = groupOnce(s.metric, without, grouping, make);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { metric, samples: [] }));
    g.samples.push(s);
  }
  return [...groups.values()];
}

/** Evaluates an aggregation at `ts`. */
export function aggregate(e: Aggregate, ts: number, ctx: EvalContext): Value {
  const samples = evalVector(e.expr, ts, ctx);
  // Prometheus evaluates an aggregation of a step-invariant expression once, at the query's start,
  // parameter included (engine.go preprocessExprHelper).
  const paramTs = isStepInvariant(e.expr) ? ctx.startMs : ts;
  if (e.op === 'topk' || e.op === 'bottomk') return { kind: 'vector', samples: topk(e, samples, evalScalar(e.param!, paramTs, ctx)) };
  if (e.op === 'count_values') {
    const p = evaluate(e.param!, paramTs, ctx);
    return { kind: 'vector', samples: countValues(e, samples, p.kind === 'string' ? p.s : '', ts) };
  }
  const q = e.op === 'quantile' ? evalScalar(e.param!, paramTs, ctx) : 0;
  return {
    kind: 'vector',
    samples: groupBy(samples, e.without, e.grouping).map((g) => ({ metric: g.metric, v: reduce(e.op, g.samples.map((s) => s.v), q), t: ts })),
  };
}

function reduce(op: string, vs: number[], q: number): number {
  switch (op) {
    case 'sum': {
      let sum = 0;
      let c = 0;
      for (const v of vs) [sum, c] = kahanSumInc(v, sum, c);
      return sum + c;
    }
    case 'avg': return average(vs);
    case 'count': return vs.length;
    case 'group': return 1;
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

function topk(e: Aggregate, samples: Sample[], kf: number): Sample[] {
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
  for (const g of groupBy(samples, e.without, e.grouping)) out.push(...[...g.samples].sort(cmp).slice(0, k));
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
