/**
 * PromQL engine speed over an in-memory SeriesSource (no store: the figures are the engine's):
 *   1. `avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])` as 1 h and 2 h range queries
 *      at a 15 s step over 65 and 10,000 series, and as an instant query (a rule's evaluation);
 *   2. dashboard-like range queries over 1 h of 10,000 series at 15 s:
 *      `sum by (service_name) (rate(x[5m]))` and `histogram_quantile(0.9, sum by (le, service_name)
 *      (rate(x_bucket[5m])))`;
 *   3. for each, the event-loop delay while the query runs (perf_hooks.monitorEventLoopDelay, max and
 *      p99): what /readyz and the ingester sharing the process would wait.
 * Wall time and CPU time (the wall time stretches when other processes hold the cores), median of
 * BENCH_PROMQL_RUNS runs (default 3). Cases whose previous run took over
 * BENCH_PROMQL_MAX_S seconds (default 60) run once. BENCH_PROMQL_ENGINE points at another copy of
 * src/promql/engine.ts to measure it (e.g. the code before a change, unpacked with `git archive`).
 * BENCH_PROMQL_CASES=a,b runs only the named cases. Prints figures; asserts nothing.
 * Run: npx tsx scripts/bench/promql.ts
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { lowerBound } from '../../src/promql/subquery-memo.js';
import type { LabelMatcher, QueryOptions, QueryResult, Series, SeriesSource, StoredSample } from '../../src/promql/types.js';

type Engine = {
  instantQuery(source: SeriesSource, q: string, t: number, o?: QueryOptions): Promise<QueryResult>;
  rangeQuery(source: SeriesSource, q: string, s: number, e: number, step: number, o?: QueryOptions): Promise<QueryResult>;
};

const RUNS = Number(process.env.BENCH_PROMQL_RUNS ?? 3);
const MAX_S = Number(process.env.BENCH_PROMQL_MAX_S ?? 60);
const ONLY = process.env.BENCH_PROMQL_CASES?.split(',');
const SCRAPE_MS = 15_000;
const END = 1_780_000_020_000 - (1_780_000_020_000 % SCRAPE_MS);
const HOUR = 3_600_000;
const SUBQUERY = 'avg_over_time(max_over_time(rate(x[1m])[10m:15s])[30m:15s])';
const LE = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** A deterministic pseudo-random stream (mulberry32), so every run reads the same data. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Counter samples every 15 s over [from, END], with a reset now and then. */
function counter(rnd: () => number, from: number, rate: number): StoredSample[] {
  const out: StoredSample[] = [];
  let v = rnd() * 1000;
  for (let t = from; t <= END; t += SCRAPE_MS) {
    v = rnd() < 0.002 ? 0 : v + rate * 15 * (0.5 + rnd());
    out.push([t, v]);
  }
  return out;
}

/** `n` series of the counter x, on 20 services. */
function counters(n: number, from: number): Series[] {
  const rnd = random(n);
  return Array.from({ length: n }, (_, i) => ({
    labels: { __name__: 'x', service_name: `svc-${i % 20}`, instance: `10.0.${Math.floor(i / 250)}.${i % 250}:9100`, job: 'node' },
    samples: counter(rnd, from, 1 + (i % 7)),
  }));
}

/** `n` bucket series of the histogram x_bucket: n / 10 histograms of 10 cumulative buckets. */
function buckets(n: number, from: number): Series[] {
  const rnd = random(n + 1);
  const out: Series[] = [];
  for (let h = 0; h < n / LE.length; h++) {
    const base = counter(rnd, from, 10);
    LE.forEach((le, b) => {
      const share = (b + 1) / LE.length;
      out.push({
        labels: { __name__: 'x_bucket', le, service_name: `svc-${h % 20}`, instance: `10.0.${Math.floor(h / 250)}.${h % 250}:9100`, job: 'app' },
        samples: base.map(([t, v]) => [t, Math.floor(v * share)] as const),
      });
    });
  }
  return out;
}

/** A SeriesSource over series in memory, with the matching the engine's selectors use. */
function memorySource(series: readonly Series[]): SeriesSource {
  const test = (m: LabelMatcher): ((v: string) => boolean) => {
    const re = new RegExp(`^(?:${m.value})$`);
    switch (m.type) {
      case '=': return (v) => v === m.value;
      case '!=': return (v) => v !== m.value;
      case '=~': return (v) => re.test(v);
      case '!~': return (v) => !re.test(v);
    }
  };
  return {
    select: async (matchers, startMs, endMs) => {
      const tests = matchers.map((m) => [m.name, test(m)] as const);
      return series
        .filter((s) => tests.every(([name, t]) => t(s.labels[name] ?? '')))
        .map((s) => ({ labels: s.labels, samples: s.samples.slice(lowerBound(s.samples, startMs), lowerBound(s.samples, endMs + 1)) }));
    },
  };
}

interface Case {
  name: string;
  series: () => Series[];
  run: (e: Engine, source: SeriesSource) => Promise<QueryResult>;
}

const range = (q: string, hours: number) => (e: Engine, s: SeriesSource) => e.rangeQuery(s, q, END - hours * HOUR, END, SCRAPE_MS);
const sub = (n: number, hours: number): Case => ({
  name: `subquery ${hours}h range, ${n} series`,
  series: () => counters(n, END - hours * HOUR - 41 * 60_000),
  run: range(SUBQUERY, hours),
});

const CASES: Case[] = [
  sub(65, 1),
  sub(65, 2),
  { name: 'subquery instant (a rule), 10000 series', series: () => counters(10_000, END - 41 * 60_000), run: (e, s) => e.instantQuery(s, SUBQUERY, END) },
  sub(10_000, 1),
  sub(10_000, 2),
  { name: 'sum by (service_name) (rate(x[5m])) 1h range, 10000 series', series: () => counters(10_000, END - HOUR - 5 * 60_000), run: range('sum by (service_name) (rate(x[5m]))', 1) },
  {
    name: 'histogram_quantile(0.9, sum by (le, service_name) (rate(x_bucket[5m]))) 1h range, 10000 series',
    series: () => buckets(10_000, END - HOUR - 5 * 60_000),
    run: range('histogram_quantile(0.9, sum by (le, service_name) (rate(x_bucket[5m])))', 1),
  },
];

const fmtS = (ms: number) => (ms / 1000).toFixed(ms < 1000 ? 3 : 2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function points(r: QueryResult): number {
  if (r.resultType === 'matrix') return r.result.reduce((n, s) => n + s.values.length, 0);
  return r.resultType === 'vector' ? r.result.length : 1;
}

async function main(): Promise<void> {
  const path = process.env.BENCH_PROMQL_ENGINE ?? '../../src/promql/engine.js';
  const engine = (await import(path)) as Engine;
  console.log(`PromQL engine (${path}), median of up to ${RUNS} runs; event-loop delay while the query runs`);
  for (const c of CASES) {
    if (ONLY !== undefined && !ONLY.some((o) => c.name.includes(o))) continue;
    const source = memorySource(c.series());
    const times: number[] = [];
    const cpu: number[] = [];
    const delayMax: number[] = [];
    const delayP99: number[] = [];
    let out = 0;
    for (let i = 0; i < RUNS; i++) {
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      // The first tick only sets the baseline: without it a query that never yields records nothing.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await c.run(engine, source);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      cpu.push((used.user + used.system) / 1000);
      // The histogram records a late timer only once the loop runs again.
      await new Promise((resolve) => setTimeout(resolve, 20));
      h.disable();
      times.push(ms);
      delayMax.push(h.max / 1e6);
      delayP99.push(h.percentile(99) / 1e6);
      out = points(r);
      if (ms > MAX_S * 1000) break;
    }
    console.log(
      `  ${c.name.padEnd(96)} ${fmtS(median(times)).padStart(8)} s (CPU ${fmtS(median(cpu))} s; ${times.length} runs, ${out} output points)` +
        `  loop delay max ${fmtS(median(delayMax))} s p99 ${fmtS(median(delayP99))} s`,
    );
  }
}

await main();
