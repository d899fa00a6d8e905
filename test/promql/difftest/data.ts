/**
 * The differential check's data, from a seed: gauges with NaN, ±Inf, -0, tiny and huge values;
 * counters with resets, gaps, late starts and staleness markers; a classic histogram; an info-style
 * series to join on. The same samples go to Prometheus (remote write) and to Braid's engine (memory).
 */
import type { Series, StoredSample } from '../../../src/promql/index.js';
import type { SeriesSpec } from '../../helpers/remote-write.js';

/** mulberry32: a small seeded PRNG, so a seed names one dataset and one list of expressions. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first sample's time: fixed, so that a seed gives the same answers on every run (date functions included). */
export const T0 = 1_700_000_000_000;
/** About 15 s between samples, jittered by up to ±2 s (ms precision). */
const STEP = 15_000;
/** Samples per series (30 minutes). */
export const POINTS = 120;
/** The data's last time. */
export const T_LAST = T0 + (POINTS - 1) * STEP;

/** One series in both forms. */
export interface DiffSeries {
  labels: Record<string, string>;
  /** [time ms, value or 'stale'] sorted by time. */
  samples: Array<[number, number | 'stale']>;
}

const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1e-7, -2.5e-9, 1.5e21, -3e22, 0.1, 1e308];

function times(rnd: () => number, from = 0, to = POINTS): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(T0 + i * STEP + Math.round((rnd() - 0.5) * 4000));
  return out;
}

function gauges(rnd: () => number): DiffSeries[] {
  const out: DiffSeries[] = [];
  for (const job of ['api', 'db']) {
    for (const instance of ['a', 'b', 'c']) {
      let v = Math.round(rnd() * 100) - 20;
      const samples: DiffSeries['samples'] = times(rnd).map((t) => {
        const r = rnd();
        v += Math.round((rnd() - 0.5) * 10 * 100) / 100;
        // About one sample in twelve is an edge value.
        return [t, r < 0.08 ? SPECIAL[Math.floor(rnd() * SPECIAL.length)]! : v];
      });
      out.push({ labels: { __name__: 'dg_gauge', job, instance }, samples });
    }
  }
  // Small integers repeat, for count_values, changes and equality comparisons.
  out.push({ labels: { __name__: 'dg_small', job: 'api', instance: 'a' }, samples: times(rnd).map((t) => [t, Math.floor(rnd() * 4)]) });
  out.push({ labels: { __name__: 'dg_small', job: 'db', instance: 'b' }, samples: times(rnd).map((t) => [t, Math.floor(rnd() * 4) - 2]) });
  return out;
}

function counters(rnd: () => number): DiffSeries[] {
  const out: DiffSeries[] = [];
  let n = 0;
  for (const job of ['api', 'db']) {
    for (const instance of ['a', 'b']) {
      for (const code of ['200', '500']) {
        const shape = n++ % 4;
        // 0: plain; 1: a reset; 2: starts late and has a gap longer than the lookback; 3: ends with a staleness marker.
        const ts = shape === 2 ? times(rnd, 20, POINTS).filter((_, i) => i < 30 || i > 55) : times(rnd, 0, shape === 3 ? 70 : POINTS);
        let v = 0;
        const samples: DiffSeries['samples'] = ts.map((t, i) => {
          v = shape === 1 && i === 50 ? Math.floor(rnd() * 5) : v + Math.floor(rnd() * (code === '200' ? 40 : 4));
          return [t, v];
        });
        if (shape === 3) samples.push([T0 + 70 * STEP + 1_000, 'stale']);
        out.push({ labels: { __name__: 'dg_requests_total', job, instance, code }, samples });
      }
    }
  }
  // A series with a staleness marker in the middle, then samples again.
  const mid = times(rnd).map((t, i): [number, number | 'stale'] => [t, i === 60 ? 'stale' : i * 3]);
  out.push({ labels: { __name__: 'dg_requests_total', job: 'batch', instance: 'a', code: '200' }, samples: mid });
  return out;
}

function histogram(rnd: () => number): DiffSeries[] {
  const out: DiffSeries[] = [];
  const bounds = ['0.1', '0.5', '1', '5', '+Inf'];
  for (const job of ['api', 'db']) {
    const ts = times(rnd);
    const counts = bounds.map(() => 0);
    const rows = ts.map(() => {
      for (let b = 0; b < bounds.length; b++) counts[b] = counts[b]! + Math.floor(rnd() * 6);
      return counts.map((_, b) => counts.slice(0, b + 1).reduce((x, y) => x + y, 0));
    });
    bounds.forEach((le, b) => out.push({ labels: { __name__: 'dg_latency_seconds_bucket', job, le }, samples: ts.map((t, i) => [t, rows[i]![b]!]) }));
    out.push({ labels: { __name__: 'dg_latency_seconds_count', job }, samples: ts.map((t, i) => [t, rows[i]![bounds.length - 1]!]) });
    out.push({ labels: { __name__: 'dg_latency_seconds_sum', job }, samples: ts.map((t, i) => [t, rows[i]![bounds.length - 1]! * 0.37]) });
  }
  return out;
}

function infos(rnd: () => number): DiffSeries[] {
  return ['a', 'b', 'c'].map((instance, i) => ({
    labels: { __name__: 'dg_build_info', job: 'api', instance, version: `1.${i}`, 'ünï.code': instance === 'c' ? 'x y' : 'z', path: ['/a"b\\c', '/plain', 'ü\n€'][i]! },
    samples: times(rnd).map((t): [number, number] => [t, 1]),
  }));
}

/** The dataset of a seed. */
export function dataset(seed: number): DiffSeries[] {
  const rnd = prng(seed);
  return [...gauges(rnd), ...counters(rnd), ...histogram(rnd), ...infos(rnd)];
}

/** The dataset as remote-write series. */
export function toRemoteWrite(data: DiffSeries[]): SeriesSpec[] {
  return data.map((s) => ({
    labels: Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    samples: s.samples.map(([t, v]): [number | 'stale', number] => [v, t]),
  }));
}

/** The dataset as the engine's series. */
export function toSeries(data: DiffSeries[]): Series[] {
  return data.map((s) => ({
    labels: s.labels,
    samples: s.samples.map(([t, v]): StoredSample => (v === 'stale' ? [t, NaN, true] : [t, v])),
  }));
}
