/** Compares an answer of Braid's engine with Prometheus's answer to the same query. */
import { parseExpr, type QueryResult } from '../../../src/promql/index.js';

/** One side's outcome: the `data` of a success, or the error's type and message. */
export type Outcome = { ok: true; data: QueryResult } | { ok: false; errorType: string; error: string };

/** How two outcomes compare. */
export interface Verdict {
  agree: boolean;
  /** Both failed, with the same errorType and message. */
  sameError?: boolean;
  /** They agree once float label values (count_values) are rounded to 12 digits. */
  lastBitLabels?: boolean;
  /** They agree in values, but topk/bottomk picked other series among tied ones. */
  tiesPicked?: boolean;
  /** The first difference found, when they disagree. */
  diff?: string;
}

/** Values agree when written alike, or when both are finite and within 1e-9 of each other relatively. */
export function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  const x = Number(a);
  const y = Number(b);
  if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
}

const key = (m: Record<string, string>): string => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** A number written as a label value (by count_values), to 12 significant digits. */
const roundLabel = (v: string): string => (/^-?\d+(\.\d+)?$/.test(v) && v.replace(/^[-0.]+|\./g, '').length > 12 ? Number(v).toPrecision(12) : v);

/** The answer with float label values rounded: Go's math and V8's may differ in the last bit of x ^ y and friends. */
function roundLabels(r: QueryResult): QueryResult {
  const round = (m: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, roundLabel(v)]));
  if (r.resultType === 'vector') return { ...r, result: r.result.map((s) => ({ ...s, metric: round(s.metric) })) };
  if (r.resultType === 'matrix') return { ...r, result: r.result.map((s) => ({ ...s, metric: round(s.metric) })) };
  return r;
}

/** Whether the query's answer has a defined order: an instant query whose outermost call is sort or sort_desc. */
export function isOrdered(query: string): boolean {
  try {
    let e = parseExpr(query).expr;
    while (e.kind === 'paren') e = e.expr;
    return e.kind === 'call' && (e.name === 'sort' || e.name === 'sort_desc');
  } catch {
    return false;
  }
}

function compareData(a: QueryResult, b: QueryResult, ordered: boolean): string | undefined {
  if (a.resultType !== b.resultType) return `resultType ${a.resultType} vs ${b.resultType}`;
  if (a.resultType === 'scalar' || a.resultType === 'string') {
    const [ta, va] = a.result;
    const [tb, vb] = (b as typeof a).result;
    if (ta !== tb) return `time ${ta} vs ${tb}`;
    return a.resultType === 'string' ? (va === vb ? undefined : `${va} vs ${vb}`) : sameValue(va, vb) ? undefined : `${va} vs ${vb}`;
  }
  if (a.resultType === 'vector') {
    const br = (b as typeof a).result;
    if (a.result.length !== br.length) return `${a.result.length} vs ${br.length} samples`;
    const bm = new Map(br.map((s) => [key(s.metric), s]));
    for (const s of a.result) {
      const o = bm.get(key(s.metric));
      if (o === undefined) return `${key(s.metric)} only in Braid's answer`;
      if (o.value[0] !== s.value[0] || !sameValue(s.value[1], o.value[1])) return `${key(s.metric)}: ${JSON.stringify(s.value)} vs ${JSON.stringify(o.value)}`;
    }
    // Ties may come in any order (Go's sort is not stable): the values must be in the same order.
    if (ordered && a.result.some((s, i) => s.value[1] !== br[i]!.value[1])) return `order ${a.result.map((s) => s.value[1]).join(',')} vs ${br.map((s) => s.value[1]).join(',')}`;
    return undefined;
  }
  const br = (b as typeof a).result;
  if (a.result.length !== br.length) return `${a.result.length} vs ${br.length} series`;
  const bm = new Map(br.map((s) => [key(s.metric), s.values]));
  for (const s of a.result) {
    const o = bm.get(key(s.metric));
    if (o === undefined) return `${key(s.metric)} only in Braid's answer`;
    if (o.length !== s.values.length) return `${key(s.metric)}: ${s.values.length} vs ${o.length} points`;
    for (let i = 0; i < o.length; i++) {
      if (o[i]![0] !== s.values[i]![0] || !sameValue(s.values[i]![1], o[i]![1])) return `${key(s.metric)}: ${JSON.stringify(s.values[i])} vs ${JSON.stringify(o[i])}`;
    }
  }
  return undefined;
}

/** The values of an answer, per time, sorted: equal when two answers differ only in which tied series they picked. */
function valuesByTime(r: QueryResult): string {
  const byT = new Map<number, string[]>();
  const add = (t: number, v: string): void => void (byT.get(t) ?? byT.set(t, []).get(t)!).push(v);
  if (r.resultType === 'vector') for (const s of r.result) add(s.value[0], s.value[1]);
  else if (r.resultType === 'matrix') for (const s of r.result) for (const [t, v] of s.values) add(t, v);
  return JSON.stringify([...byT].sort(([x], [y]) => x - y).map(([t, vs]) => [t, vs.sort()]));
}

/** topk and bottomk pick any of the series tied at the cut (Prometheus's heap order, Go's map order). */
const picksAmongTies = (query: string): boolean => /\b(topk|bottomk)\b/.test(query);

/** Compares Braid's outcome (`a`) with Prometheus's (`b`). */
export function compareOutcomes(query: string, a: Outcome, b: Outcome, instant: boolean): Verdict {
  if (!a.ok || !b.ok) {
    if (a.ok !== b.ok) {
      const err = a.ok ? b : a;
      return { agree: false, diff: `${a.ok ? 'only Prometheus' : 'only Braid'} failed: ${!err.ok ? `${err.errorType}: ${err.error}` : ''}` };
    }
    const [ea, eb] = [a as Extract<Outcome, { ok: false }>, b as Extract<Outcome, { ok: false }>];
    return { agree: true, sameError: ea.errorType === eb.errorType && ea.error === eb.error, diff: `${ea.errorType}: ${ea.error} | ${eb.errorType}: ${eb.error}` };
  }
  const diff = compareData(a.data, b.data, instant && isOrdered(query));
  if (diff === undefined) return { agree: true };
  if (compareData(roundLabels(a.data), roundLabels(b.data), instant && isOrdered(query)) === undefined) return { agree: true, lastBitLabels: true };
  if (picksAmongTies(query) && a.data.resultType === b.data.resultType && valuesByTime(a.data) === valuesByTime(b.data)) return { agree: true, tiesPicked: true };
  return { agree: false, diff };
}
