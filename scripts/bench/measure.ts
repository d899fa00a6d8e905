/** The timing loop the micro-benchmarks share. */

/**
 * Median items/s of `fn` (which handles `itemsPerCall` items per call) over `runs` runs of about
 * `runMs` each, after `warmup` calls.
 */
export function measure(fn: () => unknown, itemsPerCall: number, opts: { runs: number; runMs: number; warmup?: number }): number {
  for (let i = 0; i < (opts.warmup ?? 200); i++) fn();
  const rates: number[] = [];
  for (let run = 0; run < opts.runs; run++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsedNs = 0n;
    while (elapsedNs < BigInt(opts.runMs) * 1_000_000n) {
      for (let i = 0; i < 20; i++) fn();
      calls += 20;
      elapsedNs = process.hrtime.bigint() - start;
    }
    rates.push((calls * itemsPerCall) / (Number(elapsedNs) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(opts.runs / 2)] as number;
}
