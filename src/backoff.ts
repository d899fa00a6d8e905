/** Exponential backoff with jitter (half fixed, half random), bounded, shared by every retry loop in Braid. */

/** Settings of one retry loop. */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

/** The delay before attempt `attempt` (0-based): between half and all of min(max, initial * 2^attempt). */
export function backoffDelay(attempt: number, s: BackoffSettings, random: () => number = Math.random): number {
  const cap = Math.min(s.maxMs, s.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap * (0.5 + random() / 2));
}

/** Sleeps `ms`, resolving early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
