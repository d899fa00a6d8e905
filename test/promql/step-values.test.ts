import { describe, expect, it } from 'vitest';
import { instantQuery, rangeQuery, type Series } from '../../src/promql/index.js';
import type { StoredSample } from '../../src/promql/types.js';
import { memorySource } from './promqltest.js';

/** Counters with resets, a gap, a staleness marker and NaN, one sample per 15 s over 2 h (seeded). */
function counters(): Series[] {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
  return ['a', 'b', 'c'].map((job, j) => {
    const samples: StoredSample[] = [];
    let v = 0;
    for (let t = 0; t <= 7_200_000; t += 15_000) {
      if (j === 1 && t > 1_800_000 && t < 2_400_000) continue;
      v = rnd() < 0.05 ? rnd() * 10 : v + rnd() * 100;
      if (j === 2 && t === 3_000_000) samples.push([t, NaN, true]);
      else samples.push([t, j === 0 && t === 900_000 ? NaN : v]);
    }
    return { labels: { __name__: 'x', job }, samples };
  });
}

const source = memorySource(counters());

describe('range functions over all steps at once', () => {
  // A range query evaluates these series by series, a block of steps at a time (step-values.ts), and
  // aggregates them without a vector in between (aggregations.ts); an instant query at each step takes
  // the step-by-step path: both must agree at every step.
  const queries = [
    'rate(x[5m])', 'increase(x[2m])', 'delta(x[5m])', 'irate(x[1m])', 'resets(x[10m])', 'changes(x[3m])',
    'avg_over_time(x[5m])', 'last_over_time(x[30s])', 'deriv(x[5m])', 'rate(x[5m] offset 7m)', 'rate(x[5m] @ 3600)',
    'sum by (job) (rate(x[5m]))', 'count(rate(x[1m]))', 'avg without (job) (delta(x[5m]))', 'max(irate(x[1m]))',
    'stddev by (job) (rate(x[5m]))', 'group by (job) (changes(x[3m]))', 'sum(rate(x[1m])) by (job) / 2', 'min((resets(x[10m])))',
  ];
  for (const q of queries) {
    it(q, async () => {
      const start = 600_000;
      const step = 45_000;
      const end = start + 150 * step;
      const range = await rangeQuery(source, q, start, end, step);
      const expected = new Map<string, Array<[number, string]>>();
      for (let t = start; t <= end; t += step) {
        const r = await instantQuery(source, q, t);
        if (r.resultType !== 'vector') throw new Error(r.resultType);
        for (const s of r.result) {
          const k = JSON.stringify(s.metric);
          expected.set(k, [...(expected.get(k) ?? []), s.value]);
        }
      }
      if (range.resultType !== 'matrix') throw new Error(range.resultType);
      expect(new Map(range.result.map((s) => [JSON.stringify(s.metric), s.values]))).toEqual(expected);
      expect(range.result.length).toBeGreaterThan(0);
    });
  }
});
