/**
 * Reader of Prometheus's promqltest script language (promql/promqltest/test.go): `load`, `clear`,
 * `eval instant at`, `eval range from ... to ... step`, `eval_fail`/`eval_warn`/`eval_info`/`eval_ordered`,
 * `expect ...` lines and expected samples, into cases that each carry the series loaded before them.
 */
import type { LabelMatcher, Labels, Series, SeriesSource, StoredSample } from '../../src/promql/index.js';
import { parseDurationMs, unquote } from '../../src/promql/literals.js';
import { makeMatcher } from '../../src/promql/parse.js';

/** An expected series: labels and one value per step (undefined: no sample). */
export interface ExpectedSeries {
  labels: Labels;
  values: Array<number | undefined>;
}

/** One eval command. */
export interface EvalCase {
  file: string;
  line: number;
  expr: string;
  /** Instant: start === end, step 0. */
  startMs: number;
  endMs: number;
  stepMs: number;
  range: boolean;
  fail: boolean;
  failMsg: string | undefined;
  failRegex: string | undefined;
  ordered: boolean;
  expectAnnotations: boolean;
  expectString: string | undefined;
  scalar: number | undefined;
  series: ExpectedSeries[];
  /** The raw expectation lines (to recognise native histogram cases). */
  raw: string[];
  series_loaded: readonly Series[];
  nativeHistogramsLoaded: boolean;
  /** Metric names of series loaded with native histogram samples (Braid does not store those). */
  nativeHistogramNames: ReadonlySet<string>;
}

const NUM = String.raw`(?:[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|nan))`;
const EXPAND = new RegExp(`^(${NUM})(?:([-+])(${NUM}))?x(\\d+)$`, 'i');

/** Parses a number as promqltest does (Inf, NaN, +Inf, exponents). */
export function parseNum(s: string): number {
  const t = s.toLowerCase();
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  const v = Number(t);
  if (t === '' || Number.isNaN(v)) throw new Error(`bad number ${JSON.stringify(s)}`);
  return v;
}

/** Expands a value sequence (`1+2x3 _ stale 5 _x2`) into values; null is a gap, 'stale' a marker. */
export function expandValues(tokens: string[]): Array<number | null | 'stale'> {
  const out: Array<number | null | 'stale'> = [];
  for (const tok of tokens) {
    if (tok === '_') out.push(null);
    else if (/^_x\d+$/.test(tok)) for (let i = 0; i < Number(tok.slice(2)); i++) out.push(null);
    else if (tok === 'stale') out.push('stale');
    else {
      const m = EXPAND.exec(tok);
      if (m === null) {
        out.push(parseNum(tok));
        continue;
      }
      let k = parseNum(m[1]!);
      const inc = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * parseNum(m[3]!);
      for (let j = 0; j <= Number(m[4]); j++) {
        out.push(k);
        k += inc;
      }
    }
  }
  return out;
}

/** Splits `metric{a="b"} rest` into labels and the rest of the line. */
export function parseSeriesDesc(line: string): { labels: Labels; rest: string } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(\{(?:[^}"']|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')*\})?\s*(.*)$/.exec(line.trim());
  if (m === null || (m[1] === undefined && m[2] === undefined)) throw new Error(`bad series description ${JSON.stringify(line)}`);
  const labels: Labels = {};
  if (m[1] !== undefined) labels.__name__ = m[1];
  if (m[2] !== undefined) {
    const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,?/gy;
    const body = m[2].slice(1, -1);
    let lm: RegExpExecArray | null;
    while ((lm = re.exec(body)) !== null) {
      const q = lm[2]!;
      labels[lm[1]!] = q.startsWith("'") ? q.slice(1, -1) : (JSON.parse(q) as string);
      if (re.lastIndex >= body.length) break;
    }
  }
  return { labels, rest: m[3] ?? '' };
}

const dur = (s: string): number => {
  const d = parseDurationMs(s);
  if (d === undefined) throw new Error(`bad duration ${s}`);
  return d;
};

/** Parses a test file into eval cases. */
export function parseTestFile(file: string, text: string): EvalCase[] {
  const lines = text.split('\n');
  const cases: EvalCase[] = [];
  let loaded: Series[] = [];
  let native = false;
  let nativeNames = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'clear') {
      loaded = [];
      native = false;
      nativeNames = new Set();
      continue;
    }
    const load = /^load(_with_nhcb)?\s+(\S+)$/.exec(line);
    if (load !== null) {
      const step = dur(load[2]!);
      const added: Series[] = [];
      for (; i + 1 < lines.length && lines[i + 1]!.trim() !== '' && !lines[i + 1]!.trim().startsWith('#') && /^\s/.test(lines[i + 1]!); i++) {
        if (lines[i + 1]!.includes('{{')) {
          native = true;
          const name = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(lines[i + 1]!)?.[1];
          if (name !== undefined) nativeNames = new Set([...nativeNames, name]);
          continue;
        }
        const { labels, rest } = parseSeriesDesc(lines[i + 1]!);
        // load_with_nhcb also loads each classic histogram as a native one under its base name.
        const base = load[1] === undefined ? undefined : /^(.*)_(bucket|count|sum)$/.exec(labels.__name__ ?? '')?.[1];
        if (base !== undefined) nativeNames = new Set([...nativeNames, base]);
        const samples: StoredSample[] = [];
        expandValues(rest.split(/\s+/).filter((t) => t !== '')).forEach((v, j) => {
          if (v === null) return;
          samples.push(v === 'stale' ? [j * step, NaN, true] : [j * step, v]);
        });
        added.push({ labels, samples });
      }
      loaded = mergeSeries(loaded, added);
      continue;
    }
    const ev = /^(eval(?:_fail|_warn|_info|_ordered)?)\s+(?:instant\s+at\s+(\S+)|range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.*)$/.exec(line);
    if (ev === null) throw new Error(`${file}:${i + 1}: unknown command ${JSON.stringify(line)}`);
    const c: EvalCase = {
      file, line: i + 1, expr: ev[6]!, range: ev[2] === undefined,
      startMs: dur(ev[2] ?? ev[3]!), endMs: dur(ev[2] ?? ev[4]!), stepMs: ev[5] === undefined ? 0 : dur(ev[5]),
      fail: ev[1] === 'eval_fail', failMsg: undefined, failRegex: undefined, ordered: ev[1] === 'eval_ordered',
      expectAnnotations: ev[1] === 'eval_warn' || ev[1] === 'eval_info', expectString: undefined, scalar: undefined,
      series: [], raw: [], series_loaded: loaded, nativeHistogramsLoaded: native, nativeHistogramNames: nativeNames,
    };
    for (; i + 1 < lines.length && lines[i + 1]!.trim() !== ''; i++) {
      const raw = lines[i + 1]!;
      const exp = raw.trim();
      if (exp.startsWith('#')) continue;
      if (!/^\s/.test(raw)) break;
      c.raw.push(exp);
      readExpectation(c, raw.replace(/^\s+/, ''));
    }
    cases.push(c);
  }
  return cases;
}

function readExpectation(c: EvalCase, exp: string): void {
  if (exp.includes('{{')) return; // a native histogram: such cases are skipped by rule
  if (exp.startsWith('expect ')) {
    const what = exp.slice(7);
    if (what.startsWith('fail')) {
      c.fail = true;
      const msg = /^fail\s+msg:\s?(.*)$/.exec(what);
      const re = /^fail\s+regex:\s?(.*)$/.exec(what);
      if (msg !== null) c.failMsg = msg[1];
      if (re !== null) c.failRegex = re[1];
    } else if (what === 'ordered') c.ordered = true;
    // `expect string "Foo"`: the value is a PromQL string literal.
    else if (what.startsWith('string')) c.expectString = unquote(what.slice(7).trim());
    else if (/^(warn|info)\b/.test(what)) c.expectAnnotations = true;
    return;
  }
  if (/^[-+]?(\d|\.\d|inf|nan)/i.test(exp) && !exp.includes('{')) {
    c.scalar = parseNum(exp.split(/\s+/)[0]!);
    if (c.range) c.series.push({ labels: {}, values: expandValues(exp.split(/\s+/)).map((v) => (typeof v === 'number' ? v : undefined)) });
    return;
  }
  const { labels, rest } = parseSeriesDesc(exp);
  const values = expandValues(rest.split(/\s+/).filter((t) => t !== '')).map((v) => (typeof v === 'number' ? v : undefined));
  c.series.push({ labels, values });
}

function mergeSeries(existing: Series[], added: Series[]): Series[] {
  const out = new Map(existing.map((s) => [JSON.stringify(Object.entries(s.labels).sort()), s]));
  for (const s of added) {
    const k = JSON.stringify(Object.entries(s.labels).sort());
    const prev = out.get(k);
    out.set(k, prev === undefined ? s : { labels: s.labels, samples: [...prev.samples, ...s.samples].sort((a, b) => a[0] - b[0]) });
  }
  return [...out.values()];
}

/** An in-memory SeriesSource over loaded series. */
export function memorySource(series: readonly Series[]): SeriesSource {
  return {
    select: async (matchers: LabelMatcher[], startMs: number, endMs: number) => {
      const compiled = matchers.map((m) => makeMatcher(m.type, m.name, m.value, (msg) => { throw new Error(msg); }));
      return series
        .filter((s) => compiled.every((m) => m.matches(s.labels[m.name] ?? '')))
        .map((s) => ({ labels: s.labels, samples: s.samples.filter(([t]) => t >= startMs && t <= endMs) }));
    },
  };
}
