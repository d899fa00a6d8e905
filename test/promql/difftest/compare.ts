/** Compares an answer of Braid's engine with Prometheus's answer to the same query. */
import { parseExpr, type QueryResult } from '../../../src/promql/index.js';

/** One side's outcome: the `data` of a success, or the error's type and message. */
export type Outcome = { ok: true; data: QueryResult } | { ok: false; errorType: string; error: string };

/** How two outcomes compare. */
export interface Verdict {
  agree: boolean;
  /** Both failed, with the same errorType and message. */
  sameError?: boolean;
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
    const bm = new Map(br.map((s, i) => [key(s.metric), { s, i }]));
    for (const [i, s] of a.result.entries()) {
      const o = bm.get(key(s.metric));
      if (o === undefined) return `${key(s.metric)} only in Braid's answer`;
      if (o.s.value[0] !== s.value[0] || !sameValue(s.value[1], o.s.value[1])) return `${key(s.metric)}: ${JSON.stringify(s.value)} vs ${JSON.stringify(o.s.value)}`;
      if (ordered && o.i !== i) return `${key(s.metric)} at position ${i} vs ${o.i}`;
    }
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
  return diff === undefined ? { agree: true } : { agree: false, diff };
}
