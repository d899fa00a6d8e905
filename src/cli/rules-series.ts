/**
 * promtool's input_series notation (Prometheus's series description grammar): `1 2 3`, `_` (no
 * sample), `_xN` (N missing samples), `stale`, `axN` (a repeated N+1 times), `a+bxN` / `a-bxN`
 * (N+1 values from a by b), and the label set of a series or expected sample (`up{job="a"}`).
 */
import { parseExpr } from '../promql/parse.js';
import type { Labels } from '../promql/types.js';

/** One value of a series description: a number, a staleness marker, or a missing sample (null). */
export type SeriesValue = number | 'stale' | null;

// No hex: `0x5` is 0 repeated, as Prometheus's series lexer reads it.
const UNSIGNED = String.raw`(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[Ii]nf|NaN|nan)`;
const NUM = `[+-]?${UNSIGNED}`;
const EXPAND = new RegExp(`^(${NUM})(?:([+-])(${UNSIGNED}))?x(\\d+)$`);
const SINGLE = new RegExp(`^${NUM}$`);

function num(text: string): number {
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  if (/^inf$/i.test(body)) return sign * Infinity;
  if (/^nan$/i.test(body)) return NaN;
  return sign * Number(body);
}

/** Expands a series description's values; throws naming the token it cannot read. */
export function parseSeriesValues(text: string): SeriesValue[] {
  const out: SeriesValue[] = [];
  for (const tok of text.trim().split(/\s+/)) {
    if (tok === '') continue;
    if (tok === '_') out.push(null);
    else if (tok === 'stale') out.push('stale');
    else if (/^_x\d+$/.test(tok)) for (let i = 0; i < Number(tok.slice(2)); i++) out.push(null);
    else if (SINGLE.test(tok)) out.push(num(tok));
    else {
      const m = EXPAND.exec(tok);
      if (m === null) throw new Error(`parse error: unexpected ${JSON.stringify(tok)} in series values`);
      let v = num(m[1]!);
      const step = m[3] === undefined ? 0 : num(m[3]) * (m[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(m[4]); i++) {
        out.push(v);
        v += step;
      }
    }
  }
  return out;
}

/** The label set of `metric{a="b"}` or `{__name__="m", a="b"}`; `{}` or an empty string is the empty set. */
export function parseSeriesLabels(text: string): Labels {
  const t = text.trim();
  if (t === '' || t === '{}') return {};
  const e = parseExpr(t).expr;
  if (e.kind !== 'vector') throw new Error(`parse error: ${JSON.stringify(t)} is not a series`);
  const out: Labels = {};
  if (e.name !== undefined) out.__name__ = e.name;
  for (const m of e.matchers) {
    if (m.type !== '=') throw new Error(`parse error: unexpected ${m.type} in series labels`);
    out[m.name] = m.value;
  }
  return out;
}
