/** Binary operators with Prometheus's vector matching (promql/engine.go VectorBinop and friends). */
import { goPow } from './gomath.js';
import { goAtan2 } from './gomath-trig.js';
import { COMPARISON_OPS, type Binary, type VectorMatching } from './ast.js';
import { checkedVector, evaluate, execError, type EvalContext } from './eval.js';
import { dropName, formatLabels, labelsKey, NAME, signature, type Sample, type Value } from './values.js';
import type { Labels } from './types.js';

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^', 'atan2']);

/** Applies `op` to two floats: the value and whether a comparison keeps it. */
export function elemBinop(op: string, l: number, r: number): [number, boolean] {
  switch (op) {
    case '+': return [l + r, true];
    case '-': return [l - r, true];
    case '*': return [l * r, true];
    case '/': return [l / r, true];
    case '%': return [l % r, true];
    case '^': return [goPow(l, r), true];
    case 'atan2': return [goAtan2(l, r), true];
    case '==': return [l, l === r];
    case '!=': return [l, l !== r];
    case '>': return [l, l > r];
    case '<': return [l, l < r];
    case '>=': return [l, l >= r];
    case '<=': return [l, l <= r];
    default: return execError(`operator ${JSON.stringify(op)} not allowed for operations between scalars and vectors`);
  }
}

/** Evaluates a binary expression at `ts`. */
export function binary(e: Binary, ts: number, ctx: EvalContext): Value {
  const lhs = evaluate(e.lhs, ts, ctx);
  const rhs = evaluate(e.rhs, ts, ctx);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const [v, keep] = elemBinop(e.op, lhs.v, rhs.v);
    return { kind: 'scalar', v: e.returnBool ? (keep ? 1 : 0) : v };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const m = e.matching!;
    switch (e.op) {
      case 'and': return { kind: 'vector', samples: setAnd(lhs.samples, rhs.samples, m, true) };
      case 'unless': return { kind: 'vector', samples: setAnd(lhs.samples, rhs.samples, m, false) };
      case 'or': return { kind: 'vector', samples: setOr(lhs.samples, rhs.samples, m) };
      default: return checkedVector(vectorBinop(e, lhs.samples, rhs.samples, m, ts));
    }
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return checkedVector(scalarBinop(e, lhs.samples, rhs.v, false, ts));
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return checkedVector(scalarBinop(e, rhs.samples, lhs.v, true, ts));
  return execError('binary expression must contain only scalar and instant vector types');
}

function setAnd(lhs: Sample[], rhs: Sample[], m: VectorMatching, keepMatches: boolean): Sample[] {
  const right = new Set(rhs.map((s) => signature(s.metric, m.on, m.labels)));
  return lhs.filter((s) => right.has(signature(s.metric, m.on, m.labels)) === keepMatches);
}

function setOr(lhs: Sample[], rhs: Sample[], m: VectorMatching): Sample[] {
  const left = new Set(lhs.map((s) => signature(s.metric, m.on, m.labels)));
  return [...lhs, ...rhs.filter((s) => !left.has(signature(s.metric, m.on, m.labels)))];
}

function scalarBinop(e: Binary, vec: Sample[], scalar: number, swap: boolean, ts: number): Sample[] {
  const out: Sample[] = [];
  const cmp = COMPARISON_OPS.has(e.op);
  for (const s of vec) {
    const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
    let [v, keep] = elemBinop(e.op, l, r);
    if (cmp && swap) v = r;
    if (e.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const metric = ARITHMETIC.has(e.op) || e.returnBool ? dropName(s.metric) : s.metric;
    out.push({ metric, v, t: ts });
  }
  return out;
}

function matchedLabels(l: Labels, m: VectorMatching): string {
  const out: Labels = {};
  for (const [k, v] of Object.entries(l)) if (m.on ? m.labels.includes(k) : !m.labels.includes(k) && k !== NAME) out[k] = v;
  return formatLabels(out);
}

function vectorBinop(e: Binary, lhsIn: Sample[], rhsIn: Sample[], m: VectorMatching, ts: number): Sample[] {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const swapped = m.card === 'one-to-many';
  const [lhs, rhs] = swapped ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const right = new Map<string, Sample>();
  for (const rs of rhs) {
    const sig = signature(rs.metric, m.on, m.labels);
    const dup = right.get(sig);
    if (dup !== undefined) {
      const [a, b] = [formatLabels(rs.metric), formatLabels(dup.metric)].sort();
      execError(`found duplicate series for the match group ${matchedLabels(rs.metric, m)} on the ${swapped ? 'left' : 'right'} hand-side of the operation: [${a}, ${b}];many-to-many matching not allowed: matching labels must be unique on one side`);
    }
    right.set(sig, rs);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of lhs) {
    const sig = signature(ls.metric, m.on, m.labels);
    const rs = right.get(sig);
    if (rs === undefined) continue;
    const [fl, fr] = swapped ? [rs.v, ls.v] : [ls.v, rs.v];
    const [raw, keep] = elemBinop(e.op, fl, fr);
    const v = e.returnBool ? (keep ? 1 : 0) : raw;
    let metric = resultMetric(ls.metric, rs.metric, e.op, m);
    if (e.returnBool) metric = dropName(metric);
    // Matches are checked before a comparison filters (Prometheus 3 VectorBinop).
    const seen = matched.get(sig);
    if (m.card === 'one-to-one') {
      if (seen !== undefined) execError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(sig, null);
    } else {
      const key = labelsKey(metric);
      const set = seen ?? new Set<string>();
      if (set.has(key)) execError('multiple matches for labels: grouping labels must ensure unique matches');
      set.add(key);
      matched.set(sig, set);
    }
    if (!e.returnBool && !keep) continue;
    out.push({ metric, v, t: ts });
  }
  return out;
}

function resultMetric(lhs: Labels, rhs: Labels, op: string, m: VectorMatching): Labels {
  let out: Labels = ARITHMETIC.has(op) ? dropName(lhs) : { ...lhs };
  if (m.card === 'one-to-one') {
    const kept: Labels = {};
    for (const [k, v] of Object.entries(out)) if (m.on === m.labels.includes(k)) kept[k] = v;
    out = kept;
  } else {
    out = { ...out };
  }
  for (const name of m.include) {
    const v = rhs[name];
    if (v !== undefined && v !== '') out[name] = v;
    else delete out[name];
  }
  return out;
}
