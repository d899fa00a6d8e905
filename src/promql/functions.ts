/** Function calls (promql/functions.go): instant-vector functions here, range functions in range-functions.ts. */
import type { Expr } from './ast.js';
import { checkedVector, evalRange, evalScalar, evalVector, evaluate, execError, type EvalContext } from './eval.js';
import { civilTime, type CivilTime } from './calendar.js';
import { goExp, goLog, goLog10, goLog2, goMax, goMin } from './gomath.js';
import { goAcosh, goAsinh, goAtanh, goCosh, goSinh, goTanh } from './gomath-hyper.js';
import { goAcos, goAsin, goAtan, goCos, goSin, goTan } from './gomath-trig.js';
import { histogramFraction, histogramQuantile } from './histogram.js';
import { dropNameOnce } from './label-cache.js';
import { labelJoin, labelReplace } from './label-functions.js';
import { KEEP_NAME, RANGE_FUNCTIONS, type RangeFn } from './range-functions.js';
import { StepValues } from './step-values.js';
import { NATIVE_HISTOGRAM } from './signatures.js';
import type { Labels } from './types.js';
import { dropName, NAME, type Sample, type Value } from './values.js';

type Call = Extract<Expr, { kind: 'call' }>;

// Go's 180 / math.Pi and math.Pi / 180 (exact constant arithmetic, rounded once).
const RAD_TO_DEG = 57.29577951308232;
const DEG_TO_RAD = 0.017453292519943295;

/** The one-argument math functions, computed as Go computes them (gomath*.ts), so results match Prometheus's bits. */
export const MATH_FUNCTIONS: Readonly<Record<string, (v: number) => number>> = {
  abs: Math.abs, ceil: Math.ceil, floor: Math.floor, exp: goExp, ln: goLog, log2: goLog2, log10: goLog10,
  sqrt: Math.sqrt, sgn: (v) => (Number.isNaN(v) ? v : Math.sign(v)), acos: goAcos, acosh: goAcosh, asin: goAsin,
  asinh: goAsinh, atan: goAtan, atanh: goAtanh, cos: goCos, cosh: goCosh, sin: goSin, sinh: goSinh,
  tan: goTan, tanh: goTanh, deg: (v) => v * RAD_TO_DEG, rad: (v) => v * DEG_TO_RAD,
};

const DATE: Record<string, (c: CivilTime) => number> = {
  day_of_month: (c) => c.day,
  day_of_week: (c) => c.weekday,
  day_of_year: (c) => c.yearDay,
  days_in_month: (c) => c.daysInMonth,
  hour: (c) => c.hour,
  minute: (c) => c.minute,
  month: (c) => c.month,
  year: (c) => c.year,
};

const map = (vec: Sample[], ts: number, f: (v: number) => number): Value =>
  checkedVector(vec.map((s) => ({ metric: dropNameOnce(s.metric), v: f(s.v), t: ts })));

/** Evaluates a function call at `ts`. */
export function callFunction(e: Call, ts: number, ctx: EvalContext): Value {
  if (e.name === 'absent_over_time') {
    const w = evalRange(e.args[0]!, ts, ctx);
    return { kind: 'vector', samples: w.series.length > 0 ? [] : [{ metric: absentLabels(e.args[0]!), v: 1, t: ts }] };
  }
  if (RANGE_FUNCTIONS.has(e.name)) return callRange(e, ts, ctx);
  const arg = (i: number): Sample[] => evalVector(e.args[i]!, ts, ctx);
  const num = (i: number): number => evalScalar(e.args[i]!, ts, ctx);
  const str = (i: number): string => {
    const v = evaluate(e.args[i]!, ts, ctx);
    return v.kind === 'string' ? v.s : execError('expected string');
  };
  if (NATIVE_HISTOGRAM.includes(e.name)) {
    arg(0);
    return { kind: 'vector', samples: [] };
  }
  const fn = MATH_FUNCTIONS[e.name];
  if (fn !== undefined) return map(arg(0), ts, fn);
  const date = DATE[e.name];
  if (date !== undefined) {
    const input = e.args.length === 0 ? [{ metric: {}, v: ts / 1000, t: ts }] : arg(0);
    return map(input, ts, (v) => date(civilTime(v)));
  }
  switch (e.name) {
    case 'time': return { kind: 'scalar', v: ts / 1000 };
    case 'pi': return { kind: 'scalar', v: Math.PI };
    case 'vector': return { kind: 'vector', samples: [{ metric: {}, v: num(0), t: ts }] };
    case 'scalar': {
      const v = arg(0);
      return { kind: 'scalar', v: v.length === 1 ? v[0]!.v : NaN };
    }
    case 'timestamp': return checkedVector(arg(0).map((s) => ({ metric: dropName(s.metric), v: s.t / 1000, t: ts })));
    case 'clamp': {
      const [lo, hi] = [num(1), num(2)];
      return hi < lo ? { kind: 'vector', samples: [] } : map(arg(0), ts, (v) => goMax(lo, goMin(hi, v)));
    }
    case 'clamp_min': {
      const lo = num(1);
      return map(arg(0), ts, (v) => goMax(lo, goMin(Infinity, v)));
    }
    case 'clamp_max': {
      const hi = num(1);
      return map(arg(0), ts, (v) => goMax(-Infinity, goMin(hi, v)));
    }
    case 'round': {
      const inverse = 1 / (e.args.length > 1 ? num(1) : 1);
      return map(arg(0), ts, (v) => Math.floor(v * inverse + 0.5) / inverse);
    }
    case 'sort': return { kind: 'vector', samples: sortByValue(arg(0), false) };
    case 'sort_desc': return { kind: 'vector', samples: sortByValue(arg(0), true) };
    case 'absent': {
      const v = arg(0);
      return { kind: 'vector', samples: v.length > 0 ? [] : [{ metric: absentLabels(e.args[0]!), v: 1, t: ts }] };
    }
    case 'histogram_quantile': return checkedVector(histogramQuantile(num(0), arg(1), ts));
    case 'histogram_fraction': return checkedVector(histogramFraction(num(0), num(1), arg(2), ts));
    case 'label_replace': return checkedVector(labelReplace(arg(0), str(1), str(2), str(3), str(4)));
    case 'label_join': return checkedVector(labelJoin(arg(0), str(1), str(2), e.args.slice(3).map((_, i) => str(i + 3))));
    default: return execError(`function ${JSON.stringify(e.name)} is not supported by Braid`);
  }
}

function callRange(e: Call, ts: number, ctx: EvalContext): Value {
  const fn = RANGE_FUNCTIONS.get(e.name)!;
  const keepName = KEEP_NAME.has(e.name);
  const steps = ctx.stepMs > 0 && e.args.length === 1 ? callStepValues(e, fn, keepName, ctx) : undefined;
  const samples = steps?.samplesAt(ts);
  if (samples !== undefined) return steps!.distinct() ? { kind: 'vector', samples } : checkedVector(samples);
  const matrixIndex = e.name === 'quantile_over_time' ? 1 : 0;
  const params = e.args.filter((_, i) => i !== matrixIndex).map((a) => evalScalar(a, ts, ctx));
  const w = evalRange(e.args[matrixIndex]!, ts, ctx);
  const out: Sample[] = [];
  for (const s of w.series) {
    const v = fn(s, s.lo, s.hi, w, ts, params);
    if (v !== undefined) out.push({ metric: keepName ? s.metric : (s.unnamed ?? dropNameOnce(s.metric)), v, t: ts });
  }
  // A selector whose label sets are distinct (checked once per query) needs no check at each step.
  const distinct = w.selector !== undefined && w.selector.labelsDistinct(keepName);
  return distinct ? { kind: 'vector', samples: out } : checkedVector(out);
}

/** The call's values by blocks of steps when it is a range function of a range selector in a range query (step-values.ts). */
export function rangeCallSteps(e: Call, ctx: EvalContext): StepValues | undefined {
  const fn = RANGE_FUNCTIONS.get(e.name);
  return fn !== undefined && ctx.stepMs > 0 && e.args.length === 1 ? callStepValues(e, fn, KEEP_NAME.has(e.name), ctx) : undefined;
}

/** The call's values at all steps when its one argument is a range selector (step-values.ts). */
function callStepValues(e: Call, fn: RangeFn, keepName: boolean, ctx: EvalContext): StepValues | undefined {
  let arg = e.args[0]!;
  while (arg.kind === 'paren') arg = arg.expr;
  if (arg.kind !== 'matrix') return undefined;
  let steps = ctx.memo.stepValues.get(e);
  if (steps === undefined) ctx.memo.stepValues.set(e, (steps = new StepValues(fn, arg, ctx, keepName)));
  return steps;
}

function sortByValue(v: Sample[], desc: boolean): Sample[] {
  return [...v].sort((a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return desc ? b.v - a.v : a.v - b.v;
  });
}

/** The labels absent() gives its 1: the equality matchers of a selector argument, as Prometheus does. */
function absentLabels(arg: Expr): Labels {
  let e = arg;
  while (e.kind === 'paren') e = e.expr;
  const vs = e.kind === 'vector' ? e : e.kind === 'matrix' ? e.vs : undefined;
  if (vs === undefined) return {};
  const out: Labels = {};
  // As Prometheus's createLabelsForAbsentFunction: the first equality matcher of a name sets it (an
  // empty value sets nothing), any other matcher of that name removes it.
  const set = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === NAME || m.name === '__type__' || m.name === '__unit__') continue;
    if (m.type === '=' && !set.has(m.name)) {
      set.add(m.name);
      if (m.value !== '') out[m.name] = m.value;
      else delete out[m.name];
    } else {
      delete out[m.name];
    }
  }
  return out;
}
