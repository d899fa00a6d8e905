import { describe, expect, it } from 'vitest';
import { instantQuery, rangeQuery, type QueryResult, type Series, type StoredSample } from '../../src/promql/index.js';
import { memorySource } from './promqltest.js';

const STEP = 15_000;
const END = 7_200_000;

/** Counters with resets, a gap, a staleness marker and a series that starts late. */
function data(n: number): Series[] {
  return Array.from({ length: n }, (_, i) => {
    const samples: StoredSample[] = [];
    let v = 0;
    for (let t = i % 3 === 0 ? 1_800_000 : 0; t <= END; t += STEP) {
      if (i % 5 === 1 && t > 3_000_000 && t < 3_600_000) continue;
      v = (t / STEP) % (50 + i) === 0 ? 0 : v + 1 + ((i * t) % 7);
      samples.push(i % 7 === 2 && t === 4_500_000 ? [t, NaN, true] : [t, v]);
    }
    return { labels: { __name__: 'x', g: `g${i % 3}`, i: String(i) }, samples };
  });
}

/** The range result rebuilt from one instant query per step, each with nothing kept from another step. */
async function stepByStep(q: string, source: ReturnType<typeof memorySource>, start: number, end: number, step: number): Promise<Map<string, Array<[number, string]>>> {
  const out = new Map<string, Array<[number, string]>>();
  for (let t = start; t <= end; t += step) {
    const r = await instantQuery(source, q, t);
    const samples = r.resultType === 'vector' ? r.result : r.resultType === 'scalar' ? [{ metric: {}, value: r.result }] : [];
    for (const s of samples) {
      const k = JSON.stringify(s.metric);
      out.set(k, [...(out.get(k) ?? []), s.value as [number, string]]);
    }
  }
  return out;
}

const byMetric = (r: QueryResult) => new Map(r.resultType === 'matrix' ? r.result.map((s) => [JSON.stringify(s.metric), s.values]) : []);

describe('work kept across steps', () => {
  const source = memorySource(data(8));
  const queries = [
    'avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])',
    'max_over_time(x[5m:1m] offset 2m) - min_over_time(x[5m:1m])',
    'sum by (g) (rate(x[2m]))',
    'max_over_time(x[1m:15s])',
    'quantile_over_time(0.5, (x * 2)[20m:45s] @ 3600)',
    'count_over_time(sum by (g) (x)[7m:])',
  ];
  for (const q of queries) {
    for (const step of [STEP, 600_000]) {
      it(`answers ${q} at a ${step / 1000} s step as one instant query per step does`, async () => {
        const start = 3_300_000;
        const end = 4_200_000;
        expect(byMetric(await rangeQuery(source, q, start, end, step))).toEqual(await stepByStep(q, source, start, end, step));
      });
    }
  }
});

describe('sharing the event loop', () => {
  it('lets timers run while a long query evaluates', async () => {
    const source = memorySource(data(400));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await instantQuery(source, 'avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])', END);
    const ms = performance.now() - started;
    clearInterval(timer);
    // A query that never yields lets the timer run only while the source is read, a tick or two.
    expect(ms).toBeGreaterThan(50);
    expect(ticks).toBeGreaterThan(5);
  });
});
