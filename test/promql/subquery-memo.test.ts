import { describe, expect, it } from 'vitest';
import { RangeWindows, SubqueryMemo } from '../../src/promql/subquery-memo.js';
import type { Labels } from '../../src/promql/types.js';
import type { RangeSeries, Sample } from '../../src/promql/values.js';

/** The windows' series as label sets and the points they read. */
const read = (series: RangeSeries[]): Array<{ metric: Labels; points: Array<[number, number]> }> =>
  series.map((s) => ({ metric: s.metric, points: Array.from({ length: s.hi - s.lo }, (_, i): [number, number] => [s.ts[s.lo + i]!, s.vs[s.lo + i]!]) }));

const a: Labels = { job: 'a' };
const b: Labels = { job: 'b' };

/** A memo over an inner expression whose value at t is t / 1000, `b` present only from 60 s on; records each evaluation. */
function memo(): { m: SubqueryMemo; calls: number[] } {
  const calls: number[] = [];
  const m = new SubqueryMemo(15_000, (t) => {
    calls.push(t);
    const out: Sample[] = [{ metric: a, v: t / 1000, t }];
    if (t >= 60_000) out.unshift({ metric: b, v: -t / 1000, t });
    return out;
  });
  return { m, calls };
}

describe('SubqueryMemo', () => {
  it('evaluates each aligned step once across overlapping windows', () => {
    const { m, calls } = memo();
    expect(read(m.window(0, 45_000))).toEqual([{ metric: a, points: [[0, 0], [15_000, 15], [30_000, 30], [45_000, 45]] }]);
    expect(read(m.window(15_000, 60_000))).toEqual([
      { metric: a, points: [[15_000, 15], [30_000, 30], [45_000, 45], [60_000, 60]] },
      { metric: b, points: [[60_000, -60]] },
    ]);
    expect(calls).toEqual([0, 15_000, 30_000, 45_000, 60_000]);
  });

  it('lists series in the order they first appear in the window, as step-by-step evaluation does', () => {
    const { m } = memo();
    m.window(0, 90_000);
    // b precedes a in the inner vector from 60 s on: a window starting there lists b first.
    expect(m.window(60_000, 90_000).map((s) => s.metric)).toEqual([b, a]);
    expect(m.window(30_000, 90_000).map((s) => s.metric)).toEqual([a, b]);
  });

  it('starts a new run for a window before the kept steps or after a gap', () => {
    const { m, calls } = memo();
    m.window(60_000, 75_000);
    m.window(30_000, 45_000);
    m.window(300_000, 300_000);
    expect(calls).toEqual([60_000, 75_000, 30_000, 45_000, 300_000]);
    expect(read(m.window(300_000, 300_000))).toEqual([{ metric: b, points: [[300_000, -300] ] }, { metric: a, points: [[300_000, 300]] }]);
  });

  it('drops steps far behind a window moving forward and still answers each window whole', () => {
    const { m, calls } = memo();
    for (let t = 0; t <= 600_000; t += 15_000) {
      const w = read(m.window(Math.max(0, t - 30_000), t));
      expect(w.find((s) => s.metric === a)!.points.map(([pt]) => pt)).toEqual([t - 30_000, t - 15_000, t].filter((x) => x >= 0));
    }
    expect(calls.length).toBe(41);
  });

  it('keeps what the next wide window needs while narrow windows are read in between', () => {
    const { m, calls } = memo();
    for (let t = 600_000; t <= 1_800_000; t += 15_000) {
      m.window(t - 285_000, t);
      m.window(t, t);
    }
    expect(calls.length).toBe(new Set(calls).size);
  });
});

describe('range selector points', () => {
  it('reads the left-open window (start, end] without staleness markers', () => {
    const w = new RangeWindows([{ labels: a, samples: [[0, 1], [10, 2], [20, NaN, true], [30, 4], [40, 5]] }]);
    expect(read(w.window(0, 30))).toEqual([{ metric: a, points: [[10, 2], [30, 4]] }]);
    expect(read(w.window(40, 100))).toEqual([]);
  });

  it('moves each window forward and back to the same points a fresh search finds', () => {
    const samples = Array.from({ length: 50 }, (_, i) => [i * 10, i] as const);
    const w = new RangeWindows([{ labels: a, samples }]);
    for (const [start, end] of [[-5, 5], [5, 95], [100, 300], [15, 45], [0, 0], [480, 1000], [200, 205], [-100, -50]] as const) {
      const expected = samples.filter(([t]) => t > start && t <= end).map(([t, v]) => [t, v]);
      expect(read(w.window(start, end)).flatMap((s) => s.points)).toEqual(expected);
    }
  });

  it('counts the decreases up to each point, staleness markers left out, NaN never a decrease', () => {
    const w = new RangeWindows([{ labels: a, samples: [[0, 5], [10, 3], [20, NaN, true], [30, 1], [40, NaN], [50, 0], [60, 4], [70, 2]] }]);
    const [s] = w.window(-1, 100);
    expect([...s!.decreases!]).toEqual([0, 1, 2, 2, 2, 2, 3]);
  });

  it('tells whether label sets stay distinct without their names', () => {
    const named = (n: string): Labels => ({ __name__: n, job: 'a' });
    const twoNames = new RangeWindows([{ labels: named('x'), samples: [] }, { labels: named('y'), samples: [] }]);
    expect([twoNames.labelsDistinct(true), twoNames.labelsDistinct(false)]).toEqual([true, false]);
    const twoJobs = new RangeWindows([{ labels: named('x'), samples: [] }, { labels: b, samples: [] }]);
    expect([twoJobs.labelsDistinct(true), twoJobs.labelsDistinct(false)]).toEqual([true, true]);
  });
});
