/**
 * The PromQL engine's series source over the store: a selector's equality matchers go to the store
 * as filters (metric name and exact labels), the rest are applied to what comes back, and samples
 * are gathered into series. A selection that would read more than `maxSamples` samples fails with
 * Prometheus's message instead of loading without bound.
 */
import { BraidError } from '../../errors.js';
import { makeMatcher } from '../../promql/parse.js';
import type { Labels, LabelMatcher, Series, SeriesSource, StoredSample } from '../../promql/types.js';
import type { SampleDocument, Store } from '../../storage/store.js';

/** A matcher that can test a value (the engine passes compiled ones; others are compiled here). */
type Testable = LabelMatcher & { matches?: (value: string) => boolean };

/** The series labels of a stored sample: its labels plus `__name__`. */
export function seriesLabels(d: Pick<SampleDocument, 'metric.name' | 'labels'>): Labels {
  return { __name__: d['metric.name'], ...d.labels };
}

/** Compiles matchers; an invalid regex is a bad request. */
export function compileMatchers(matchers: readonly LabelMatcher[]): Array<(labels: Labels) => boolean> {
  return matchers.map((m: Testable) => {
    const test =
      m.matches ??
      makeMatcher(m.type, m.name, m.value, (msg) => {
        throw new BraidError('BRAID_ERR_PROMQL_PARSE', msg);
      }).matches;
    return (labels: Labels) => test(labels[m.name] ?? '');
  });
}

/** The samples of `[startMs, endMs]` whose series match every matcher, newest first. */
export async function selectSamples(store: Store, matchers: readonly LabelMatcher[], startMs: number, endMs: number, maxSamples: number): Promise<SampleDocument[]> {
  const exact = matchers.filter((m) => m.type === '=' && m.value !== '');
  const metric = exact.find((m) => m.name === '__name__')?.value;
  const labels = Object.fromEntries(exact.filter((m) => m.name !== '__name__').map((m) => [m.name, m.value]));
  const found = await store.searchSamples({
    ...(metric !== undefined ? { metric } : {}),
    labels,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    limit: maxSamples + 1,
  });
  if (found.length > maxSamples) {
    throw new BraidError('BRAID_ERR_PROMQL_EXEC', `query processing would load too many samples into memory in query execution (more than ${maxSamples}; query.max_samples)`);
  }
  const tests = compileMatchers(matchers);
  return found.filter((d) => {
    const l = seriesLabels(d);
    return tests.every((t) => t(l));
  });
}

/** The engine's source over `store`. */
export function storeSeriesSource(store: Store, maxSamples: number): SeriesSource {
  return {
    async select(matchers, startMs, endMs) {
      const bySeries = new Map<string, { labels: Labels; samples: StoredSample[] }>();
      for (const d of await selectSamples(store, matchers, startMs, endMs, maxSamples)) {
        const labels = seriesLabels(d);
        const key = JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
        let s = bySeries.get(key);
        if (s === undefined) bySeries.set(key, (s = { labels, samples: [] }));
        const value = d.value ?? (d.nonfinite === '+Inf' ? Infinity : d.nonfinite === '-Inf' ? -Infinity : Number.NaN);
        s.samples.push(d.stale ? [Date.parse(d['@timestamp']), Number.NaN, true] : [Date.parse(d['@timestamp']), value]);
      }
      const out: Series[] = [];
      for (const s of bySeries.values()) out.push({ labels: s.labels, samples: s.samples.sort((a, b) => a[0] - b[0]) });
      return out;
    },
  };
}
