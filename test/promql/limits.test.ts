import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { createHead } from '../../src/promql/head/index.js';
import { instantQuery, rangeQuery, type Series, type StoredSample } from '../../src/promql/index.js';
import { Deadline, goDuration, selectorReachMs } from '../../src/promql/limits.js';
import { parseExpr } from '../../src/promql/parse.js';
import { memorySource } from './promqltest.js';

const H = 3_600_000;
const D = 24 * H;
const STEP = 15_000;

function counters(n: number, endMs: number): Series[] {
  return Array.from({ length: n }, (_, i) => {
    const samples: StoredSample[] = [];
    for (let t = 0; t <= endMs; t += STEP) samples.push([t, t / STEP + i]);
    return { labels: { __name__: 'x', i: String(i) }, samples };
  });
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<BraidError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BraidError);
    return err as BraidError;
  }
  throw new Error('expected the query to fail');
}

describe('goDuration', () => {
  it("prints as Go's time.Duration does", () => {
    expect([0, 250, 1500, 90_000, 32 * D, 32 * D + 1, 5 * 60_000].map(goDuration)).toEqual(['0s', '250ms', '1.5s', '1m30s', '768h0m0s', '768h0m0.001s', '5m0s']);
  });
});

describe('max_query_length', () => {
  const source = memorySource(counters(2, 2 * H));
  const limits = { maxQueryLengthMs: 2 * H };

  it('refuses a range longer than the limit, in Mimir\'s words, before reading anything', async () => {
    let reads = 0;
    const counted = { select: async (...a: Parameters<typeof source.select>) => { reads++; return source.select(...a); } };
    const err = await rejection(rangeQuery(counted, 'x', 0, 2 * H + 1000, STEP, { limits }));
    expect(err.code).toBe('BRAID_ERR_LIMIT_QUERY');
    expect(err.httpStatus).toBe(422);
    expect(err.message).toBe('the query time range exceeds the limit (query length: 2h0m1s, limit: 2h0m0s); limits.max_query_length');
    expect(reads).toBe(0);
  });

  it('answers a range exactly at the limit', async () => {
    const r = await rangeQuery(source, 'x', 0, 2 * H, 60_000, { limits });
    expect(r.resultType === 'matrix' && r.result.length).toBe(2);
  });

  it('counts a selector\'s range and the subqueries around it for an instant query', async () => {
    const err = await rejection(instantQuery(source, 'max_over_time(rate(x[1h])[90m:1m])', 2 * H, { limits }));
    expect(err.message).toBe('the query time range exceeds the limit (query length: 2h30m0s, limit: 2h0m0s); limits.max_query_length');
    await expect(instantQuery(source, 'rate(x[2h])', 2 * H, { limits })).resolves.toMatchObject({ resultType: 'vector' });
  });

  it('counts the lookback of an instant selector', async () => {
    const err = await rejection(instantQuery(source, 'x', 2 * H, { limits: { maxQueryLengthMs: 60_000 } }));
    expect(err.message).toBe('the query time range exceeds the limit (query length: 5m0s, limit: 1m0s); limits.max_query_length');
  });

  it('is off at 0', async () => {
    await expect(rangeQuery(source, 'x', 0, 2 * H, 60 * 60_000, { limits: { maxQueryLengthMs: 0 } })).resolves.toMatchObject({ resultType: 'matrix' });
  });

  it('reach: the longest selector, subquery ranges added, offsets not counted', () => {
    const reach = (q: string) => selectorReachMs(parseExpr(q).expr, 5 * 60_000);
    expect(reach('x')).toBe(5 * 60_000);
    expect(reach('sum(rate(x[10m] offset 1d)) / on() group_left y')).toBe(10 * 60_000);
    expect(reach('avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])')).toBe(41 * 60_000);
    expect(reach('1 + 2')).toBe(0);
  });
});

describe('query_timeout', () => {
  it('stops a long evaluation at a yield point with BRAID_ERR_QUERY_TIMEOUT', async () => {
    // Selection is instant (everything is in range): the timeout falls in evaluation.
    const all = counters(400, 2 * H);
    const source = { select: async () => all };
    const started = performance.now();
    const err = await rejection(instantQuery(source, 'avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])', 2 * H, { limits: { timeoutMs: 20 } }));
    const ms = performance.now() - started;
    expect(err.code).toBe('BRAID_ERR_QUERY_TIMEOUT');
    expect(err.httpStatus).toBe(503);
    expect(err.message).toBe('query timed out in expression evaluation (limits.query_timeout: 20ms)');
    // Without the timeout this query runs for well over 100 ms (the schedule test's figure).
    expect(ms).toBeLessThan(200);
  });

  it('a deadline passes only after its timeout; 0 never passes', () => {
    let now = 1000;
    const d = new Deadline(50, () => now);
    now = 1050;
    expect(() => d.check()).not.toThrow();
    now = 1051;
    expect(() => d.check('query preparation')).toThrow('query timed out in query preparation (limits.query_timeout: 50ms)');
    const never = new Deadline(0, () => now);
    now = 1e12;
    expect(() => never.check()).not.toThrow();
  });
});

describe('max_samples over the head', () => {
  function filledHead(series: number, samples: number) {
    const head = createHead({ windowMs: 4 * H, maxBytes: 1 << 30, truncateEveryMs: 0, now: () => samples * STEP });
    for (let i = 0; i < series; i++) for (let k = 0; k < samples; k++) head.append({ __name__: 'x', i: String(i) }, k * STEP, k);
    return head;
  }

  it('refuses a selection past max_samples with its message', async () => {
    const head = filledHead(10, 100);
    const err = await rejection(rangeQuery(head, 'x', 0, 99 * STEP, STEP, { maxSamples: 999 }));
    expect(err.code).toBe('BRAID_ERR_PROMQL_EXEC');
    expect(err.message).toBe('query processing would load too many samples into memory in query execution (more than 999; query.max_samples)');
    await expect(rangeQuery(head, 'x', 0, 99 * STEP, STEP, { maxSamples: 1000 })).resolves.toMatchObject({ resultType: 'matrix' });
  });

  it('counts the samples of all selectors together', async () => {
    const head = filledHead(10, 100);
    const err = await rejection(instantQuery(head, 'count_over_time(x[30m]) + count_over_time(x{i!="3"}[30m])', 99 * STEP, { maxSamples: 1000 }));
    expect(err.message).toContain('more than 1000; query.max_samples');
  });

  it('lets timers run while a large selection is read', async () => {
    const head = filledHead(1000, 240);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await instantQuery(head, 'count(last_over_time(x[1h]))', 239 * STEP, {});
    const ms = performance.now() - started;
    clearInterval(timer);
    expect(ms).toBeGreaterThan(30);
    expect(ticks).toBeGreaterThan(2);
  });
});
