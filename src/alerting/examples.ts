/**
 * Example traces for an alert: trace IDs of requests behind it, newest first, from the exemplars
 * of the series its expression selects (restricted to series whose labels agree with the alert's
 * where both have a label), read from the head or else the store, or from the error spans of the
 * alert's window whose service (`service_name` or `service`) and operation (`span_name`) match the
 * alert's labels.
 */
import type { Expr, Matcher, VectorSelector } from '../promql/ast.js';
import { parseExpr } from '../promql/parse.js';
import type { LabelMatcher, Labels } from '../promql/types.js';
import type { SampleDocument, SampleQuery, TraceQuery } from '../storage/store.js';
import type { ExampleTraceFinder } from './types.js';

/** Exemplars of the series matching any of the matcher sets, as the head gives them. */
export interface ExemplarSeries {
  seriesLabels: Labels;
  exemplars: Array<{ labels: Labels; value: number; timestampMs: number }>;
}

/** What the finder reads. Both are optional; with neither it finds nothing. */
export interface ExampleTraceDeps {
  /** The head (recent samples): `exemplars(matcherSets, startMs, endMs)`. */
  exemplars?: { exemplars(matcherSets: LabelMatcher[][], startMs: number, endMs: number): ExemplarSeries[] | Promise<ExemplarSeries[]> };
  /** The store: exemplars of stored samples when the head has none, and error spans. */
  store?: { searchSamples(q: SampleQuery): Promise<SampleDocument[]>; findTraceIds(q: TraceQuery): Promise<string[]> };
  /** Samples read from the store per selector when looking for exemplars there (default 2,000). */
  storeSampleLimit?: number;
}

const TRACE_LABELS = ['trace_id', 'traceID', 'traceId', 'trace.id'];
const NON_SERIES_LABELS = new Set(['alertname', '__name__', 'alertstate']);

/** A trace ID as 32 lower-case hex digits (16-digit IDs padded, as Jaeger does), or undefined. */
export function normaliseTraceId(id: string | undefined): string | undefined {
  if (id === undefined || !/^[0-9a-fA-F]{16}$|^[0-9a-fA-F]{32}$/.test(id) || /^0+$/.test(id)) return undefined;
  return id.toLowerCase().padStart(32, '0');
}

/** Every vector selector of an expression, in order of appearance. */
export function selectorsOf(expr: Expr): VectorSelector[] {
  switch (expr.kind) {
    case 'vector':
      return [expr];
    case 'matrix':
      return [expr.vs];
    case 'paren':
    case 'unary':
    case 'subquery':
      return selectorsOf(expr.expr);
    case 'call':
      return expr.args.flatMap(selectorsOf);
    case 'aggregate':
      return [...(expr.param === undefined ? [] : selectorsOf(expr.param)), ...selectorsOf(expr.expr)];
    case 'binary':
      return [...selectorsOf(expr.lhs), ...selectorsOf(expr.rhs)];
    default:
      return [];
  }
}

const selectorCache = new Map<string, Matcher[][]>();

/**
 * The matcher sets of an expression's selectors, the most specific (most matchers) first: in an
 * error ratio `rate(calls{status_code="STATUS_CODE_ERROR"}[5m]) / rate(calls[5m])` that is the
 * numerator, whose exemplars are the failing requests.
 */
export function matcherSetsOf(expr: string): Matcher[][] {
  let sets = selectorCache.get(expr);
  if (sets === undefined) {
    let selectors: VectorSelector[];
    try {
      selectors = selectorsOf(parseExpr(expr).expr);
    } catch {
      selectors = [];
    }
    sets = selectors
      .map((s, i) => ({ matchers: s.matchers, i }))
      .sort((a, b) => b.matchers.length - a.matchers.length || a.i - b.i)
      .map((s) => s.matchers);
    if (selectorCache.size >= 1000) selectorCache.delete(selectorCache.keys().next().value!);
    selectorCache.set(expr, sets);
  }
  return sets;
}

/** Whether a series agrees with the alert on every label both have. */
export function agrees(series: Labels, alert: Labels): boolean {
  for (const [k, v] of Object.entries(alert)) {
    if (NON_SERIES_LABELS.has(k)) continue;
    const s = series[k];
    if (s !== undefined && s !== v) return false;
  }
  return true;
}

const traceIdOf = (labels: Labels | undefined): string | undefined => {
  for (const k of TRACE_LABELS) {
    const id = normaliseTraceId(labels?.[k]);
    if (id !== undefined) return id;
  }
  return undefined;
};

/** Adds IDs newest first without repeats until `limit`. */
function collect(out: string[], found: Array<{ id: string; t: number }>, limit: number): void {
  found.sort((a, b) => b.t - a.t);
  for (const f of found) {
    if (out.length >= limit) return;
    if (!out.includes(f.id)) out.push(f.id);
  }
}

async function fromHead(deps: ExampleTraceDeps, sets: Matcher[][], labels: Labels, startMs: number, endMs: number, limit: number): Promise<string[]> {
  const out: string[] = [];
  if (deps.exemplars === undefined) return out;
  for (const set of sets) {
    const found: Array<{ id: string; t: number }> = [];
    for (const s of await deps.exemplars.exemplars([set], startMs, endMs)) {
      if (!agrees(s.seriesLabels, labels)) continue;
      for (const e of s.exemplars) {
        const id = traceIdOf(e.labels);
        if (id !== undefined && e.timestampMs >= startMs && e.timestampMs <= endMs) found.push({ id, t: e.timestampMs });
      }
    }
    collect(out, found, limit);
    if (out.length >= limit) break;
  }
  return out;
}

async function fromStoredSamples(deps: ExampleTraceDeps, sets: Matcher[][], labels: Labels, startMs: number, endMs: number, limit: number): Promise<string[]> {
  const out: string[] = [];
  if (deps.store === undefined) return out;
  for (const set of sets) {
    const name = set.find((m) => m.name === '__name__' && m.type === '=')?.value;
    const exact: Record<string, string> = {};
    for (const m of set) if (m.type === '=' && m.name !== '__name__' && m.value !== '') exact[m.name] = m.value;
    const q: SampleQuery = { labels: exact, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), limit: deps.storeSampleLimit ?? 2000 };
    if (name !== undefined) q.metric = name;
    const found: Array<{ id: string; t: number }> = [];
    for (const doc of await deps.store.searchSamples(q)) {
      const id = normaliseTraceId(doc.exemplar?.['trace.id']) ?? traceIdOf(doc.exemplar?.labels);
      if (id === undefined) continue;
      const series: Labels = { __name__: doc['metric.name'], ...doc.labels };
      if (!set.every((m) => m.matches(series[m.name] ?? '')) || !agrees(series, labels)) continue;
      const t = Date.parse(doc.exemplar?.['@timestamp'] ?? doc['@timestamp']);
      found.push({ id, t });
    }
    collect(out, found, limit);
    if (out.length >= limit) break;
  }
  return out;
}

async function fromErrorSpans(deps: ExampleTraceDeps, labels: Labels, startMs: number, endMs: number, limit: number): Promise<string[]> {
  const service = labels['service_name'] ?? labels['service'];
  if (deps.store === undefined || service === undefined || service === '') return [];
  const q: TraceQuery = { service, tags: { error: 'true' }, startUs: startMs * 1000, endUs: endMs * 1000, limit };
  if (labels['span_name'] !== undefined && labels['span_name'] !== '') q.operation = labels['span_name'];
  const ids = await deps.store.findTraceIds(q);
  return ids.map((id) => normaliseTraceId(id)).filter((id): id is string => id !== undefined).slice(0, limit);
}

/**
 * Creates the finder the rule evaluator calls for each alert (see ExampleTraceFinder). Order: the
 * exemplars of the most specific selectors (head, then store); else error spans of the alert's
 * service and operation; else the exemplars of the other selectors. In a ratio the most specific
 * selector is the condition (the failing calls); the denominator's exemplars are mostly requests
 * that went well, so error spans come before them.
 */
export function createExampleTraceFinder(deps: ExampleTraceDeps): ExampleTraceFinder {
  return async ({ expr, labels, startMs, endMs, limit }) => {
    if (limit <= 0) return [];
    const sets = matcherSetsOf(expr);
    const most = sets[0]?.length ?? 0;
    const primary = sets.filter((m) => m.length === most);
    const rest = sets.filter((m) => m.length !== most);
    const steps = [
      () => fromHead(deps, primary, labels, startMs, endMs, limit),
      () => fromStoredSamples(deps, primary, labels, startMs, endMs, limit),
      () => fromErrorSpans(deps, labels, startMs, endMs, limit),
      () => fromHead(deps, rest, labels, startMs, endMs, limit),
      () => fromStoredSamples(deps, rest, labels, startMs, endMs, limit),
    ];
    for (const step of steps) {
      const ids = await step();
      if (ids.length > 0) return ids;
    }
    return [];
  };
}
