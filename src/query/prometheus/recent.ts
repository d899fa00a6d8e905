/**
 * Reading the head and the store together. The head holds every sample from `coversFromMs()` on;
 * a read whose range starts there or later reads only the head, one that ends before it only the
 * store, and one across it the store before that instant and the head from it, so no point is
 * read twice. The same split serves selectors (the engine's source) and the metadata endpoints
 * (series, labels, label values, metadata, exemplars). Outside the head, series, label names and
 * values, metric names and metadata come from store aggregations (docs/adr/0012); only exemplars
 * read the samples of their range.
 */
import type { Head, HeadExemplar } from '../../promql/head/index.js';
import type { LabelMatcher, Labels, Series, SeriesSource } from '../../promql/types.js';
import { formatFloat } from '../../model/text/floats.js';
import type { SeriesQuery, Store } from '../../storage/store.js';
import { compileMatchers, selectSamples, seriesLabels, storeSeriesSource } from './source.js';

/** The head as the query API reads it. */
export type RecentSamples = Pick<Head, 'select' | 'series' | 'labelNames' | 'labelValues' | 'metadata' | 'exemplars' | 'coversFromMs'>;

/** Exemplars of one series as the API writes them. */
export interface ExemplarEntry {
  seriesLabels: Labels;
  exemplars: Array<{ labels: Labels; value: string; timestamp: number }>;
}

/** What the metadata endpoints read. */
export interface MetaReader {
  series(groups: LabelMatcher[][], startMs: number, endMs: number): Promise<Labels[]>;
  labelNames(groups: LabelMatcher[][], startMs: number, endMs: number): Promise<string[]>;
  labelValues(name: string, groups: LabelMatcher[][], startMs: number, endMs: number): Promise<string[]>;
  /** Metric name -> type. */
  metadata(metric: string | undefined, startMs: number, endMs: number): Promise<Map<string, string>>;
  exemplars(groups: LabelMatcher[][], startMs: number, endMs: number): Promise<ExemplarEntry[]>;
}

const keyOf = (l: Labels) => JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));

/** Splits [startMs, endMs] at `c`: the store's part before it, the head's from it on. */
function split(startMs: number, endMs: number, c: number): { store?: [number, number]; head?: [number, number] } {
  return {
    ...(startMs < c ? { store: [startMs, Math.min(endMs, c - 1)] as [number, number] } : {}),
    ...(endMs >= c ? { head: [Math.max(startMs, c), endMs] as [number, number] } : {}),
  };
}

/** The engine's source: the head where it covers the range, the store before. */
export function recentSeriesSource(store: Store, maxSamples: number, head: RecentSamples | undefined): SeriesSource {
  const older = storeSeriesSource(store, maxSamples);
  if (head === undefined) return older;
  return {
    async select(matchers, startMs, endMs, hints) {
      const parts = split(startMs, endMs, head.coversFromMs());
      const [a, b] = await Promise.all([
        parts.store ? older.select(matchers, ...parts.store) : [],
        parts.head ? head.select(matchers, ...parts.head, hints) : [],
      ]);
      if (a.length === 0) return b;
      if (b.length === 0) return a;
      const byKey = new Map<string, Series>();
      for (const s of a) byKey.set(keyOf(s.labels), s);
      for (const s of b) {
        const k = keyOf(s.labels);
        const prev = byKey.get(k);
        byKey.set(k, prev === undefined ? s : { labels: s.labels, samples: [...prev.samples, ...s.samples] });
      }
      return [...byKey.values()];
    },
  };
}

/**
 * A selector as the store's series query: a metric name and non-empty label values matched
 * exactly are its filters; when anything else is asked, every matcher is tested on each series.
 */
export function seriesQuery(matchers: readonly LabelMatcher[], startMs: number, endMs: number): SeriesQuery {
  const exact = matchers.filter((m) => m.type === '=' && m.value !== '');
  const metric = exact.find((m) => m.name === '__name__')?.value;
  const q: SeriesQuery = {
    ...(metric !== undefined ? { metric } : {}),
    labels: Object.fromEntries(exact.filter((m) => m.name !== '__name__').map((m) => [m.name, m.value])),
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
  };
  if (exact.length < matchers.length) {
    const tests = compileMatchers(matchers);
    q.test = (labels) => tests.every((t) => t(labels));
  }
  return q;
}

/**
 * The metadata endpoints over the store: series, label names and values from its aggregations,
 * one query per selector (series matching any of them; none: every series); exemplars from samples.
 */
export function storeMetaReader(store: Store, maxSamples: number): MetaReader {
  const each = async <T>(groups: LabelMatcher[][], startMs: number, endMs: number, ask: (q: SeriesQuery) => Promise<T[]>) =>
    (await Promise.all((groups.length === 0 ? [[]] : groups).map((ms) => ask(seriesQuery(ms, startMs, endMs))))).flat();
  return {
    async series(groups, startMs, endMs) {
      const out = new Map<string, Labels>();
      for (const labels of await each(groups, startMs, endMs, (q) => store.sampleSeries(q))) out.set(keyOf(labels), labels);
      return [...out.values()];
    },
    async labelNames(groups, startMs, endMs) {
      return [...new Set(await each(groups, startMs, endMs, (q) => store.sampleLabelNames(q)))].sort();
    },
    async labelValues(name, groups, startMs, endMs) {
      const byAggregation = name === '__name__' ? await metricNames(store, groups, startMs, endMs) : undefined;
      if (byAggregation !== undefined) return [...new Set(byAggregation.map((m) => m.name))].sort();
      return [...new Set(await each(groups, startMs, endMs, (q) => store.sampleLabelValues(name, q)))].sort();
    },
    async metadata(metric, startMs, endMs) {
      const matchers: LabelMatcher[] = metric ? [{ type: '=', name: '__name__', value: metric }] : [];
      const names = (await metricNames(store, [matchers], startMs, endMs)) ?? [];
      return new Map(names.map((m) => [m.name, m.type]));
    },
    async exemplars(groups, startMs, endMs) {
      const out = new Map<string, ExemplarEntry>();
      for (const matchers of groups) {
        for (const d of await selectSamples(store, matchers, startMs, endMs, maxSamples)) {
          const e = d.exemplar;
          if (e === undefined) continue;
          const el: Labels = { ...(e.labels ?? {}) };
          if (e['trace.id']) el.trace_id = e['trace.id'];
          if (e['span.id']) el.span_id = e['span.id'];
          entry(out, seriesLabels(d)).exemplars.push({ labels: el, value: formatFloat(e.value ?? Number.NaN), timestamp: Date.parse(e['@timestamp'] ?? d['@timestamp']) / 1000 });
        }
      }
      return [...out.values()];
    },
  };
}

/**
 * Metric names and types from the store's aggregation, when every selector is equality matchers
 * only (the store filters those exactly); undefined when a selector needs a regex or a negation.
 */
async function metricNames(store: Store, groups: LabelMatcher[][], startMs: number, endMs: number): Promise<Array<{ name: string; type: string }> | undefined> {
  const sets = groups.length === 0 ? [[]] : groups;
  if (!sets.every((ms) => ms.every((m) => m.type === '=' && m.value !== ''))) return undefined;
  const out: Array<{ name: string; type: string }> = [];
  for (const ms of sets) {
    const metric = ms.find((m) => m.name === '__name__')?.value;
    const labels = Object.fromEntries(ms.filter((m) => m.name !== '__name__').map((m) => [m.name, m.value]));
    out.push(...(await store.sampleMetricNames({ ...(metric !== undefined ? { metric } : {}), labels, start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() })));
  }
  return out;
}

function entry(out: Map<string, ExemplarEntry>, labels: Labels): ExemplarEntry {
  const key = keyOf(labels);
  let e = out.get(key);
  if (e === undefined) out.set(key, (e = { seriesLabels: labels, exemplars: [] }));
  return e;
}

const apiExemplar = (e: HeadExemplar) => ({ labels: e.labels, value: formatFloat(e.value), timestamp: e.timestampMs / 1000 });

/** The metadata endpoints over the head where it covers the range and the store before it. */
export function recentMetaReader(older: MetaReader, head: RecentSamples | undefined): MetaReader {
  if (head === undefined) return older;
  /** Runs the head's and the store's parts of a range and merges their answers. */
  async function both<T>(startMs: number, endMs: number, fromHead: (s: number, e: number) => T[], fromStore: (s: number, e: number) => Promise<T[]>, key: (x: T) => string): Promise<T[]> {
    const parts = split(startMs, endMs, head!.coversFromMs());
    const a = parts.head ? fromHead(...parts.head) : [];
    const b = parts.store ? await fromStore(...parts.store) : [];
    if (b.length === 0) return a;
    const out = new Map<string, T>();
    for (const x of [...b, ...a]) out.set(key(x), x);
    return [...out.values()];
  }
  const sorted = (xs: string[]) => xs.sort();
  return {
    series: (groups, s, e) => both(s, e, (hs, he) => head.series(groups, hs, he), (ss, se) => older.series(groups, ss, se), keyOf),
    labelNames: async (groups, s, e) => sorted(await both(s, e, (hs, he) => head.labelNames(groups, hs, he), (ss, se) => older.labelNames(groups, ss, se), String)),
    labelValues: async (name, groups, s, e) => sorted(await both(s, e, (hs, he) => head.labelValues(name, groups, hs, he), (ss, se) => older.labelValues(name, groups, ss, se), String)),
    async metadata(metric, s, e) {
      const pairs = await both(s, e, (hs, he) => [...head.metadata(metric, hs, he)], async (ss, se) => [...(await older.metadata(metric, ss, se))], ([n]) => n);
      return new Map(pairs);
    },
    async exemplars(groups, s, e) {
      const parts = split(s, e, head.coversFromMs());
      const out = new Map<string, ExemplarEntry>();
      if (parts.store) for (const x of await older.exemplars(groups, ...parts.store)) entry(out, x.seriesLabels).exemplars.push(...x.exemplars);
      if (parts.head) for (const x of head.exemplars(groups, ...parts.head)) entry(out, x.seriesLabels).exemplars.push(...x.exemplars.map(apiExemplar));
      for (const x of out.values()) x.exemplars.sort((a, b) => a.timestamp - b.timestamp);
      return [...out.values()];
    },
  };
}
