/**
 * The head: recent samples in memory, so that rules every 15 s and dashboards over the last hours
 * do not search Elasticsearch. Series hold Gorilla chunks (chunk.ts) of up to 120 samples; an
 * inverted index (postings.ts) resolves selectors; each series keeps its newest exemplars in a
 * small ring. Chunks wholly older than now - window are dropped on a timer; past `maxBytes` or
 * `maxSeries` new series are refused and counted while existing ones keep appending.
 */
import { BraidError } from '../../errors.js';
import type { Registry } from 'prom-client';
import type { LabelMatcher, Labels, SelectHints, Series, SeriesSource, StoredSample } from '../types.js';
import { tooManySamples } from '../limits.js';
import { ChunkAppender, SAMPLES_PER_CHUNK, decodeChunk, type ClosedChunk } from './chunk.js';
import { createHeadMetrics, type HeadMetrics, type RefusalReason } from './metrics.js';
import { Postings, compileMatchers } from './postings.js';

/** Settings of the head (`head` in the config, durations in milliseconds). */
export interface HeadSettings {
  /** How far back the head keeps samples (default 2 h). */
  windowMs: number;
  /** Bytes past which new series are refused (default 512 MiB). */
  maxBytes: number;
  /** Series past which new series are refused (limits.max_series_per_tenant; default: no limit). */
  maxSeries?: number;
  /** Exemplars kept per series, the newest (default 10). */
  exemplarsPerSeries?: number;
  /** How often old chunks are dropped (default 1 min; 0: only when `truncate` is called). */
  truncateEveryMs?: number;
  now?: () => number;
}

/** An exemplar as the head keeps it. */
export interface HeadExemplar {
  /** trace_id, span_id and any other exemplar labels. */
  labels: Labels;
  value: number;
  timestampMs: number;
}

/** What became of an appended sample: appended, a replayed duplicate (ignored), or refused. */
export type AppendOutcome = 'appended' | 'duplicate' | RefusalReason;

/** Figures of the head. */
export interface HeadStats {
  series: number;
  chunks: number;
  samples: number;
  exemplars: number;
  /** Accounted bytes: chunks, labels, index entries. */
  bytes: number;
  coversFromMs: number;
}

/** The head: the engine's series source plus appends, metadata lookups and exemplars. */
export interface Head extends SeriesSource {
  /** Appends one sample; `stale` marks a staleness marker. Never throws for data. */
  append(labels: Labels, t: number, v: number, stale?: boolean): AppendOutcome;
  /** Keeps an exemplar of an existing series; false when the series is unknown or it is older than the newest kept. */
  appendExemplar(labels: Labels, exemplar: HeadExemplar): boolean;
  /** Synchronous `select`. */
  selectSync(matchers: LabelMatcher[], startMs: number, endMs: number): Series[];
  /** Label names of the series with samples in range that match any set (every series when none). */
  labelNames(matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
  /** Values of label `name`, as `labelNames` selects series. */
  labelValues(name: string, matcherSets: LabelMatcher[][], startMs: number, endMs: number): string[];
  /** Label sets of the series with samples in range matching any set. */
  series(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Labels[];
  /** Exemplars in range of the series matching any set, oldest first per series. */
  exemplars(matcherSets: LabelMatcher[][], startMs: number, endMs: number): Array<{ seriesLabels: Labels; exemplars: HeadExemplar[] }>;
  /** Records the metric type a series name came with (counter, gauge, histogram...). */
  noteType(name: string, type: string): void;
  /** Types of the metric names that have series in range (all when `name` is undefined). */
  metadata(name: string | undefined, startMs: number, endMs: number): Map<string, string>;
  /** The earliest time from which the head holds every sample: max(start of feeding, now - window); +Infinity before the feed caught up. */
  coversFromMs(): number;
  /** Called by the feed once it holds everything from `ms` on. */
  markCoveredFrom(ms: number): void;
  /** Drops chunks (and series) wholly older than now - window. */
  truncate(nowMs?: number): void;
  stats(): HeadStats;
  /** Stops the truncation timer. */
  close(): void;
}

interface MemSeries {
  id: number;
  key: string;
  labels: Labels;
  chunks: ClosedChunk[];
  open: ChunkAppender | undefined;
  lastT: number;
  lastV: number;
  lastStale: boolean;
  exemplars: HeadExemplar[] | undefined;
  bytes: number;
}

/** Bytes accounted per series besides its chunks (object, maps, index entries), and per chunk object. */
const SERIES_BYTES = 240;
const LABEL_BYTES = 48;
const CHUNK_BYTES = 64;
const EXEMPLAR_BYTES = 120;

/** Series read between two chances to yield (a series of 2 h at 15 s decodes in 100-300 us under load). */
const SELECT_BATCH = 8;

/** The series key: sorted names and values. */
export function seriesKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const n of names) key += `${n}\u0000${labels[n]}\u0001`;
  return key;
}

const fail = (msg: string): never => {
  throw new BraidError('BRAID_ERR_PROMQL_PARSE', msg);
};

/** Creates a head; with `truncateEveryMs` > 0 it truncates on a timer until `close`. */
export function createHead(settings: HeadSettings, registry?: Registry): Head {
  const now = settings.now ?? Date.now;
  const perSeries = settings.exemplarsPerSeries ?? 10;
  const metrics: HeadMetrics = createHeadMetrics(registry);
  const byKey = new Map<string, MemSeries>();
  const byId = new Map<number, MemSeries>();
  const postings = new Postings();
  let nextId = 1;
  let bytes = 0;
  let exemplarCount = 0;
  let coveredFrom = Infinity;
  const types = new Map<string, string>();

  const addBytes = (s: MemSeries, n: number) => {
    s.bytes += n;
    bytes += n;
  };

  const maxSeries = settings.maxSeries ?? Infinity;

  function create(labels: Labels, key: string): MemSeries | undefined {
    if (bytes >= settings.maxBytes) {
      metrics.seriesRefused.inc({ reason: 'max_bytes' });
      return undefined;
    }
    if (byKey.size >= maxSeries) {
      metrics.seriesRefused.inc({ reason: 'max_series' });
      return undefined;
    }
    const sorted: Labels = {};
    for (const n of Object.keys(labels).sort()) if (labels[n] !== '') sorted[n] = labels[n]!;
    const s: MemSeries = { id: nextId++, key, labels: sorted, chunks: [], open: undefined, lastT: -Infinity, lastV: 0, lastStale: false, exemplars: undefined, bytes: 0 };
    addBytes(s, SERIES_BYTES + 2 * key.length + LABEL_BYTES * Object.keys(sorted).length);
    byKey.set(key, s);
    byId.set(s.id, s);
    postings.add(s.id, sorted);
    metrics.series.set(byKey.size);
    return s;
  }

  function drop(s: MemSeries): void {
    byKey.delete(s.key);
    byId.delete(s.id);
    postings.remove(s.id, s.labels);
    bytes -= s.bytes;
    exemplarCount -= s.exemplars?.length ?? 0;
  }

  function refuse(reason: RefusalReason): AppendOutcome {
    metrics.refused.inc({ reason });
    return reason;
  }

  function append(labels: Labels, t: number, v: number, stale = false): AppendOutcome {
    const key = seriesKey(labels);
    let s = byKey.get(key);
    if (s !== undefined && t <= s.lastT) {
      if (t < s.lastT) return refuse('out_of_order');
      const same = stale ? s.lastStale : !s.lastStale && Object.is(s.lastV, v);
      return same ? 'duplicate' : refuse('duplicate_timestamp');
    }
    if (t < now() - settings.windowMs) return refuse('too_old');
    if (s === undefined) {
      s = create(labels, key);
      if (s === undefined) return refuse('series_limit');
    }
    let c = s.open;
    if (c === undefined) {
      c = s.open = new ChunkAppender();
      addBytes(s, CHUNK_BYTES + c.bytes);
    }
    const before = c.bytes;
    c.append(t, v, stale);
    if (c.bytes !== before) addBytes(s, c.bytes - before);
    if (c.count >= SAMPLES_PER_CHUNK) {
      const closed = c.close();
      s.chunks.push(closed);
      addBytes(s, closed.data.length - c.bytes);
      s.open = undefined;
    }
    s.lastT = t;
    s.lastV = v;
    s.lastStale = stale;
    metrics.appended.inc();
    metrics.bytes.set(bytes);
    return 'appended';
  }

  function appendExemplar(labels: Labels, e: HeadExemplar): boolean {
    const s = byKey.get(seriesKey(labels));
    if (s === undefined) return false;
    const ring = (s.exemplars ??= []);
    const last = ring.at(-1);
    if (last !== undefined) {
      if (e.timestampMs < last.timestampMs) return false;
      if (e.timestampMs === last.timestampMs && Object.is(e.value, last.value) && seriesKey(e.labels) === seriesKey(last.labels)) return false;
    }
    ring.push({ labels: { ...e.labels }, value: e.value, timestampMs: e.timestampMs });
    if (ring.length > perSeries) ring.shift();
    else {
      exemplarCount++;
      addBytes(s, EXEMPLAR_BYTES);
    }
    metrics.exemplarsAppended.inc();
    metrics.exemplars.set(exemplarCount);
    return true;
  }

  /** Series matching the matchers with a sample in range. */
  function matching(matchers: readonly LabelMatcher[], startMs: number, endMs: number): MemSeries[] {
    const ids = postings.resolve(compileMatchers(matchers, fail), byId.keys());
    const out: MemSeries[] = [];
    for (const id of ids) {
      const s = byId.get(id)!;
      if (inRange(s, startMs, endMs)) out.push(s);
    }
    return out;
  }

  function matchingAny(matcherSets: LabelMatcher[][], startMs: number, endMs: number): MemSeries[] {
    if (matcherSets.length === 0) return matching([], startMs, endMs);
    if (matcherSets.length === 1) return matching(matcherSets[0]!, startMs, endMs);
    const seen = new Map<number, MemSeries>();
    for (const set of matcherSets) for (const s of matching(set, startMs, endMs)) seen.set(s.id, s);
    return [...seen.values()];
  }

  /** Whether a series of any of the id sets has a sample in range. */
  function anyInRange(sets: ReadonlyMap<string, ReadonlySet<number>>, startMs: number, endMs: number): boolean {
    for (const ids of sets.values()) for (const id of ids) if (inRange(byId.get(id)!, startMs, endMs)) return true;
    return false;
  }

  function selectSync(matchers: LabelMatcher[], startMs: number, endMs: number): Series[] {
    const out: Series[] = [];
    for (const s of matching(matchers, startMs, endMs)) readSeries(s, startMs, endMs, out);
    return out;
  }

  /** `selectSync` in pieces: `hints.pace` between every SELECT_BATCH series, and at most `hints.maxSamples` samples. */
  async function selectPaced(matchers: LabelMatcher[], startMs: number, endMs: number, hints: SelectHints): Promise<Series[]> {
    const out: Series[] = [];
    const max = hints.maxSamples ?? Infinity;
    let loaded = 0;
    let n = 0;
    for (const s of matching(matchers, startMs, endMs)) {
      loaded += readSeries(s, startMs, endMs, out);
      if (loaded > max) throw tooManySamples(max);
      if (++n % SELECT_BATCH === 0) await hints.pace?.();
    }
    return out;
  }

  /** Appends the series' samples in range to `out` (when it has any); returns how many. */
  function readSeries(s: MemSeries, startMs: number, endMs: number, out: Series[]): number {
    const samples: StoredSample[] = [];
    for (const c of s.chunks) decodeChunk(c, startMs, endMs, samples);
    if (s.open !== undefined) decodeChunk(s.open.snapshot(), startMs, endMs, samples);
    if (samples.length > 0) out.push({ labels: { ...s.labels }, samples });
    return samples.length;
  }

  function truncate(nowMs = now()): void {
    const cutoff = nowMs - settings.windowMs;
    for (const s of byId.values()) {
      if (s.lastT < cutoff) {
        drop(s);
        continue;
      }
      let n = 0;
      while (n < s.chunks.length && s.chunks[n]!.maxT < cutoff) n++;
      if (n > 0) {
        for (const c of s.chunks.slice(0, n)) addBytes(s, -(c.data.length + CHUNK_BYTES));
        s.chunks.splice(0, n);
      }
      if (s.exemplars !== undefined) {
        const before = s.exemplars.length;
        s.exemplars = s.exemplars.filter((e) => e.timestampMs >= cutoff);
        exemplarCount -= before - s.exemplars.length;
        addBytes(s, -(before - s.exemplars.length) * EXEMPLAR_BYTES);
      }
    }
    metrics.series.set(byKey.size);
    metrics.bytes.set(bytes);
    metrics.exemplars.set(exemplarCount);
  }

  const every = settings.truncateEveryMs ?? 60_000;
  const timer = every > 0 ? setInterval(() => truncate(), every) : undefined;
  timer?.unref();

  return {
    async select(matchers, startMs, endMs, hints) {
      return hints === undefined ? selectSync(matchers, startMs, endMs) : selectPaced(matchers, startMs, endMs, hints);
    },
    selectSync,
    append,
    appendExemplar,
    labelNames(matcherSets, startMs, endMs) {
      const names = new Set<string>();
      if (matcherSets.length === 0) {
        // From the index: a name is in when one of its series is in range.
        for (const n of postings.names()) if (anyInRange(postings.values(n), startMs, endMs)) names.add(n);
      } else for (const s of matchingAny(matcherSets, startMs, endMs)) for (const n in s.labels) names.add(n);
      return [...names].sort();
    },
    labelValues(name, matcherSets, startMs, endMs) {
      const values = new Set<string>();
      if (matcherSets.length === 0) {
        for (const [v, ids] of postings.values(name)) if (anyInRange(new Map([[v, ids]]), startMs, endMs)) values.add(v);
      } else for (const s of matchingAny(matcherSets, startMs, endMs)) if (s.labels[name] !== undefined) values.add(s.labels[name]);
      return [...values].sort();
    },
    series(matcherSets, startMs, endMs) {
      return matchingAny(matcherSets, startMs, endMs).map((s) => ({ ...s.labels }));
    },
    exemplars(matcherSets, startMs, endMs) {
      const out: Array<{ seriesLabels: Labels; exemplars: HeadExemplar[] }> = [];
      for (const s of matchingAny(matcherSets, -Infinity, Infinity)) {
        const ex = (s.exemplars ?? []).filter((e) => e.timestampMs >= startMs && e.timestampMs <= endMs);
        if (ex.length > 0) out.push({ seriesLabels: { ...s.labels }, exemplars: ex.map((e) => ({ ...e, labels: { ...e.labels } })) });
      }
      return out;
    },
    noteType(name, type) {
      if (types.get(name) !== type) types.set(name, type);
    },
    metadata(name, startMs, endMs) {
      const out = new Map<string, string>();
      const names = name === undefined ? [...postings.values('__name__').keys()] : [name];
      for (const n of names) {
        const ids = postings.values('__name__').get(n);
        if (ids !== undefined && anyInRange(new Map([[n, ids]]), startMs, endMs)) out.set(n, types.get(n) ?? 'unknown');
      }
      return out;
    },
    coversFromMs: () => Math.max(coveredFrom, now() - settings.windowMs),
    markCoveredFrom(ms) {
      coveredFrom = ms;
    },
    truncate,
    stats() {
      let chunks = 0;
      let samples = 0;
      for (const s of byId.values()) {
        chunks += s.chunks.length + (s.open ? 1 : 0);
        for (const c of s.chunks) samples += c.count;
        samples += s.open?.count ?? 0;
      }
      return { series: byKey.size, chunks, samples, exemplars: exemplarCount, bytes, coversFromMs: Math.max(coveredFrom, now() - settings.windowMs) };
    },
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

function inRange(s: MemSeries, startMs: number, endMs: number): boolean {
  return s.lastT >= startMs && minT(s) <= endMs;
}

function minT(s: MemSeries): number {
  return s.chunks.length > 0 ? s.chunks[0]!.minT : (s.open?.minT ?? Infinity);
}
