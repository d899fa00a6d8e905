/**
 * One HTTP POST to a notification receiver, classified: 2xx delivered; 5xx, 429, timeouts and
 * connection errors transient (retried with exponential backoff and jitter, bounded); other
 * statuses permanent (Alertmanager does not retry a webhook's 4xx).
 */
import { BraidError } from '../../errors.js';
import { sleep, type Clock } from './clock.js';

/** How retries are spaced and bounded. */
export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
  maxAttempts: number;
  /** Give up when the next wait would end past this much time after the first attempt. */
  maxElapsedMs: number;
}

/** Defaults: 0.5 s, doubling to 30 s, 6 attempts, within 5 minutes. */
export const DEFAULT_RETRY: RetryPolicy = { initialMs: 500, maxMs: 30_000, maxAttempts: 6, maxElapsedMs: 300_000 };

/** The outcome of one POST. */
export interface PostResult {
  status: number;
  body: string;
}

/** POSTs `body`; throws BRAID_ERR_NOTIFY_UNAVAILABLE (transient) or BRAID_ERR_NOTIFY_REJECTED (permanent). */
export async function postOnce(url: string, body: string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal): Promise<PostResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const all = signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', body, headers, signal: all, redirect: 'follow' });
  } catch (e) {
    const why = timeout.aborted ? `timed out after ${timeoutMs} ms` : (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
    throw new BraidError('BRAID_ERR_NOTIFY_UNAVAILABLE', `POST ${redact(url)}: ${why}`, { cause: e });
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return { status: res.status, body: text };
  const msg = `POST ${redact(url)}: HTTP ${res.status}${text === '' ? '' : `: ${text.slice(0, 200).trim()}`}`;
  if (res.status >= 500 || res.status === 429) throw new BraidError('BRAID_ERR_NOTIFY_UNAVAILABLE', msg);
  throw new BraidError('BRAID_ERR_NOTIFY_REJECTED', msg);
}

/** A URL without its user info, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}

/** The wait before attempt `n + 1` (n >= 1): exponential, capped, with full jitter over its upper half. */
export function backoffMs(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** (n - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}

/** Runs `attempt` until it succeeds, fails permanently, or the policy's bounds are reached; returns attempts made. */
export async function withRetries<T>(clock: Clock, policy: RetryPolicy, attempt: () => Promise<T>, opts: { signal?: AbortSignal; onRetry?: (err: BraidError, n: number) => void } = {}): Promise<{ value: T; attempts: number }> {
  const start = clock.now();
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(), attempts: n };
    } catch (e) {
      const transient = e instanceof BraidError && e.transient;
      if (!transient || n >= policy.maxAttempts || opts.signal?.aborted === true) throw e;
      const wait = backoffMs(policy, n);
      if (clock.now() + wait - start > policy.maxElapsedMs) throw e;
      opts.onRetry?.(e, n);
      if (!(await sleep(clock, wait, opts.signal))) throw e;
    }
  }
}
