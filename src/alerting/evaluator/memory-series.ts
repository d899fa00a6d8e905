/**
 * A small in-memory series store: what `braid rules test` loads input series into and rule outputs
 * are appended to, and what tests run the manager over. Appends as a TSDB head does: a sample not
 * after the series' last one is dropped (out of order or duplicate).
 */
import { makeMatcher } from '../../promql/parse.js';
import type { LabelMatcher, Labels, Series, SeriesSource, StoredSample } from '../../promql/types.js';
import { labelsKey } from '../../promql/values.js';
import type { OutputSample } from '../types.js';

/** A series store with `append` and a SeriesSource over it. */
export interface MemorySeries extends SeriesSource {
  append(samples: readonly OutputSample[]): Promise<void>;
  /** Every series, samples in time order. */
  all(): Series[];
}

/** Creates an empty store. */
export function createMemorySeries(): MemorySeries {
  const series = new Map<string, { labels: Labels; samples: StoredSample[] }>();
  const add = (s: OutputSample) => {
    const k = labelsKey(s.labels);
    let e = series.get(k);
    if (e === undefined) series.set(k, (e = { labels: { ...s.labels }, samples: [] }));
    const last = e.samples.at(-1);
    if (last !== undefined && last[0] >= s.t) return;
    e.samples.push(s.stale ? [s.t, NaN, true] : [s.t, s.v]);
  };
  return {
    append: async (samples) => {
      for (const s of samples) add(s);
    },
    all: () => [...series.values()],
    select: async (matchers: LabelMatcher[], startMs: number, endMs: number) => {
      const compiled = matchers.map((m) => makeMatcher(m.type, m.name, m.value, (msg) => { throw new Error(msg); }));
      const out: Series[] = [];
      for (const e of series.values()) {
        if (!compiled.every((m) => m.matches(e.labels[m.name] ?? ''))) continue;
        const samples = e.samples.filter(([t]) => t >= startMs && t <= endMs);
        if (samples.length > 0) out.push({ labels: e.labels, samples });
      }
      return out;
    },
  };
}
