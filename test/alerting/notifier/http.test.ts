// Retry timing against a fake clock: which attempts happen when, and when it gives up.
import { describe, expect, it } from 'vitest';
import { withRetries, type RetryPolicy } from '../../../src/alerting/notifier/http.js';
import { checkNotifierSettings, WEBHOOK_DEFAULTS } from '../../../src/alerting/notifier/index.js';
import { BraidError } from '../../../src/errors.js';
import { FakeClock } from './fake-clock.js';

const POLICY: RetryPolicy = { initialMs: 1000, maxMs: 4000, maxAttempts: 5, maxElapsedMs: 60_000 };

function attempts(clock: FakeClock, failures: BraidError[]) {
  const at: number[] = [];
  const run = () => {
    at.push(clock.now());
    const e = failures.shift();
    return e === undefined ? Promise.resolve('ok') : Promise.reject(e);
  };
  return { at, run };
}

const unavailable = () => new BraidError('BRAID_ERR_NOTIFY_UNAVAILABLE', 'HTTP 503');

describe('withRetries', () => {
  it('retries transient failures with growing, jittered waits until one succeeds', async () => {
    const clock = new FakeClock(0);
    const { at, run } = attempts(clock, [unavailable(), unavailable(), unavailable()]);
    const done = withRetries(clock, POLICY, run);
    await clock.advance(60_000);
    expect(await done).toEqual({ value: 'ok', attempts: 4 });
    const waits = at.slice(1).map((t, i) => t - at[i]!);
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(waits[0]).toBeLessThanOrEqual(1000);
    expect(waits[1]).toBeGreaterThanOrEqual(1000);
    expect(waits[1]).toBeLessThanOrEqual(2000);
    expect(waits[2]).toBeGreaterThanOrEqual(2000);
    expect(waits[2]).toBeLessThanOrEqual(4000);
  });

  it('does not retry a permanent failure', async () => {
    const clock = new FakeClock(0);
    const { at, run } = attempts(clock, [new BraidError('BRAID_ERR_NOTIFY_REJECTED', 'HTTP 400')]);
    await expect(withRetries(clock, POLICY, run)).rejects.toThrow('HTTP 400');
    expect(at).toEqual([0]);
  });

  it('gives up after maxAttempts, and before a wait would pass maxElapsedMs', async () => {
    const clock = new FakeClock(0);
    const many = attempts(clock, Array.from({ length: 10 }, unavailable));
    const p1 = withRetries(clock, POLICY, many.run).catch((e: Error) => e.message);
    await clock.advance(120_000);
    expect(await p1).toBe('HTTP 503');
    expect(many.at).toHaveLength(5);
    const short = attempts(clock, Array.from({ length: 10 }, unavailable));
    const p2 = withRetries(clock, { ...POLICY, maxElapsedMs: 1200 }, short.run).catch((e: Error) => e.message);
    await clock.advance(120_000);
    expect(await p2).toBe('HTTP 503');
    expect(short.at.length).toBeLessThanOrEqual(2);
  });
});

describe('checkNotifierSettings', () => {
  it('names the key of an unreadable secret file', () => {
    const w = { ...WEBHOOK_DEFAULTS, group_by: ['alertname'], headers: {}, url: 'http://x', hmac_secret_file: '/nonexistent/hook.secret' };
    expect(() => checkNotifierSettings({ alertmanagers: [], webhooks: [w] })).toThrow(/^alerting\.webhooks\[0\]\.hmac_secret_file: cannot read \/nonexistent\/hook\.secret: ENOENT/);
  });
});
