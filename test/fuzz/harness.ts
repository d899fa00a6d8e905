/**
 * What every fuzz property of test/fuzz checks about one call of a decoder, and the counts each
 * file reports: how many inputs were tried, how many decoded and how many were refused, in what
 * time. `FUZZ_RUNS` scales every property: a property written `runs(base)` runs base x FUZZ_RUNS
 * / 1000 times; the default, 500, keeps the whole fuzz suite within about a minute.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, inject } from 'vitest';
import { BraidError } from '../../src/errors.js';

declare module 'vitest' {
  export interface ProvidedContext {
    fuzzReportDir: string;
  }
}

/** The scale of every property's run count: FUZZ_RUNS, 500 by default (1000 = each property's base count). */
export const FUZZ_RUNS = positiveInt(process.env.FUZZ_RUNS) ?? 500;
/**
 * Most CPU time one decoder call may take on inputs of the default sizes. CPU time of this process
 * (process.cpuUsage), not wall-clock time, so that other processes on the shared machine do not count.
 */
export const CALL_BOUND_MS = 200;

/** CPU milliseconds this process has used (user + system). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function positiveInt(v: string | undefined): number | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Runs of a property whose default is `base` at the default scale; at least 1. */
export function runs(base: number): number {
  return Math.max(1, Math.round((base * FUZZ_RUNS) / 1000));
}

/** A vitest timeout for `n` runs of about `msPerRun` each on a quiet machine, with room (10x) for a loaded one. */
export function timeoutFor(n: number, msPerRun: number): number {
  return Math.max(60_000, Math.ceil(n * msPerRun * 10));
}

/** fast-check parameters: the run count, and the seed printed with any failure so it can be replayed. */
export function params(n: number): fc.Parameters<unknown> {
  // FUZZ_SEED=<the seed a failure printed> replays that run.
  const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
  return { numRuns: n, ...(seed === undefined || !Number.isInteger(seed) ? {} : { seed }) };
}

/** How one call ended: decoded, or refused with a 4xx BraidError. */
export type Outcome = 'decoded' | 'refused';

/** Counts of one decoder (or endpoint) across the properties of a file. */
export class FuzzCounter {
  inputs = 0;
  decoded = 0;
  refused = 0;
  slowestMs = 0;
  private readonly started = performance.now();
  private busyMs = 0;

  constructor(readonly name: string) {}

  /** Records one call that took `ms`. */
  count(outcome: Outcome, ms: number): void {
    this.inputs++;
    this.busyMs += ms;
    if (ms > this.slowestMs) this.slowestMs = ms;
    if (outcome === 'decoded') this.decoded++;
    else this.refused++;
  }

  /** The summary line of this decoder. */
  line(): string {
    const s = (performance.now() - this.started) / 1000;
    return `fuzz ${this.name}: ${this.inputs} inputs (${this.decoded} decoded, ${this.refused} refused) in ${s.toFixed(1)} s, ` +
      `time in calls ${(this.busyMs / 1000).toFixed(2)} s, slowest call ${this.slowestMs.toFixed(1)} ms`;
  }
}

const counters: FuzzCounter[] = [];

/** A counter for `name`, printed (and written to the run's report) after the file's tests. */
export function counter(name: string): FuzzCounter {
  const c = new FuzzCounter(name);
  if (counters.length === 0) afterAll(report);
  counters.push(c);
  return c;
}

function report(): void {
  let dir: string | undefined;
  try {
    dir = inject('fuzzReportDir');
  } catch {
    dir = undefined;
  }
  for (const c of counters) {
    if (c.inputs === 0) continue;
    console.log(c.line());
    if (dir) appendFileSync(join(dir, 'counts.jsonl'), `${JSON.stringify({ name: c.name, inputs: c.inputs, decoded: c.decoded, refused: c.refused, slowestMs: c.slowestMs })}\n`);
  }
}

/** Fails unless `err` is a BraidError of a 4xx status (or one of `codes`) with a message. */
export function expectRefusal(err: unknown, what: string, codes?: readonly string[]): void {
  if (!(err instanceof BraidError)) {
    const e = err as Error;
    throw new Error(`${what}: threw ${e?.constructor?.name ?? typeof err} instead of a BraidError: ${e?.message ?? String(err)}`, { cause: err });
  }
  if (codes !== undefined ? !codes.includes(err.code) : err.httpStatus < 400 || err.httpStatus >= 500) {
    throw new Error(`${what}: ${err.code} (HTTP ${err.httpStatus}) is not a refusal of bad input: ${err.message}`, { cause: err });
  }
  if (err.message.trim().length < 5) throw new Error(`${what}: ${err.code} without a reason: ${JSON.stringify(err.message)}`);
}

/**
 * Calls `fn` once: it must return, or throw a 4xx BraidError with a reason (`codes`: exactly these
 * codes), within CALL_BOUND_MS. A slow call is timed again before it fails the property, so a
 * pause of the shared machine does not, and a decoder that is slow on the input does.
 */
export function decodeOnce<T>(c: FuzzCounter, what: string, fn: () => T, codes?: readonly string[]): { outcome: Outcome; value?: T } {
  const once = (): { outcome: Outcome; value?: T; ms: number } => {
    const t0 = cpuMs();
    try {
      const value = fn();
      return { outcome: 'decoded', value, ms: cpuMs() - t0 };
    } catch (err) {
      const ms = cpuMs() - t0;
      expectRefusal(err, what, codes);
      return { outcome: 'refused', ms };
    }
  };
  let r = once();
  if (r.ms > CALL_BOUND_MS) {
    r = once();
    if (r.ms > CALL_BOUND_MS) throw new Error(`${what}: one call took ${r.ms.toFixed(0)} ms, twice (bound ${CALL_BOUND_MS} ms)`);
  }
  c.count(r.outcome, r.ms);
  return r;
}

/** The async form of `decodeOnce`, for the PromQL engine and the endpoints (CPU time of this process: client and server in-process). */
export async function decodeOnceAsync<T>(c: FuzzCounter, what: string, fn: () => Promise<T>, boundMs = CALL_BOUND_MS, codes?: readonly string[]): Promise<{ outcome: Outcome; value?: T }> {
  const once = async (): Promise<{ outcome: Outcome; value?: T; ms: number }> => {
    const t0 = cpuMs();
    try {
      const value = await fn();
      return { outcome: 'decoded', value, ms: cpuMs() - t0 };
    } catch (err) {
      const ms = cpuMs() - t0;
      expectRefusal(err, what, codes);
      return { outcome: 'refused', ms };
    }
  };
  let r = await once();
  if (r.ms > boundMs) {
    r = await once();
    if (r.ms > boundMs) throw new Error(`${what}: one call took ${r.ms.toFixed(0)} ms, twice (bound ${boundMs} ms)`);
  }
  c.count(r.outcome, r.ms);
  return r;
}

let gcFn: (() => void) | undefined;

/** V8's gc(), made callable without --expose-gc. */
export function gc(): void {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/**
 * Calls `fn` on each hostile input and returns how much the process's peak RSS and its retained
 * heap grew (MiB): a decoder that allocates by what an input claims (a length prefix, a declared
 * size) rather than by what it holds raises the peak; one that keeps what it read raises the heap.
 */
export function memoryGrowth(inputs: readonly unknown[], fn: (input: unknown) => void): { peakRssMiB: number; heapMiB: number } {
  // Warm up first, so the growth measured is the inputs', not the first call's code and caches.
  for (const input of inputs.slice(0, 2)) fn(input);
  gc();
  const rss0 = process.resourceUsage().maxRSS;
  const heap0 = process.memoryUsage().heapUsed;
  for (const input of inputs) fn(input);
  gc();
  return {
    peakRssMiB: (process.resourceUsage().maxRSS - rss0) / 1024,
    heapMiB: (process.memoryUsage().heapUsed - heap0) / (1024 * 1024),
  };
}

/** Runs `fn`, swallowing the 4xx BraidError it may throw (anything else fails). */
export function refuseQuietly(fn: () => unknown, what: string): void {
  try {
    fn();
  } catch (err) {
    expectRefusal(err, what);
  }
}
