/**
 * Cost of computing PromQL's math as Go does (src/promql/gomath*.ts) beside JavaScript's Math.*:
 * ns per call of each port and of the Math function it replaces, over 10^4 inputs in the range
 * dashboards and rules feed it (rates, ratios, latencies: 10^-6 to 10^6, some negative), and how
 * many of those inputs Math.* answers differently from Go. Median of BENCH_GOMATH_RUNS runs
 * (default 5), in CPU time (the machine may be shared); then the engine's CPU time for a range query
 * calling each over 1,000 series beside one calling Math.abs. Prints figures; asserts nothing.
 * Run: npx tsx scripts/bench/gomath.ts
 */
import { goExp, goLog, goLog10, goLog2, goPow } from '../../src/promql/gomath.js';
import { goAcosh, goAsinh, goAtanh, goCosh, goSinh, goTanh } from '../../src/promql/gomath-hyper.js';
import { goAcos, goAsin, goAtan, goAtan2, goCos, goSin, goTan } from '../../src/promql/gomath-trig.js';
import { rangeQuery, type Series, type SeriesSource } from '../../src/promql/index.js';

const RUNS = Number(process.env.BENCH_GOMATH_RUNS ?? 5);
const N = 10_000;

let seed = 42;
const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const values = Float64Array.from({ length: N }, () => (rnd() < 0.2 ? -1 : 1) * 10 ** (rnd() * 12 - 6));
const unit = Float64Array.from({ length: N }, () => rnd() * 2 - 1);
const small = Float64Array.from({ length: N }, () => rnd() * 40 - 20);

type Pair = [string, (x: number, y: number) => number, (x: number, y: number) => number, Float64Array];
const PAIRS: Pair[] = [
  ['exp', goExp, Math.exp, small],
  ['ln', goLog, Math.log, values],
  ['log2', goLog2, Math.log2, values],
  ['log10', goLog10, Math.log10, values],
  ['sin', goSin, Math.sin, values],
  ['cos', goCos, Math.cos, values],
  ['tan', goTan, Math.tan, values],
  ['asin', goAsin, Math.asin, unit],
  ['acos', goAcos, Math.acos, unit],
  ['atan', goAtan, Math.atan, values],
  ['sinh', goSinh, Math.sinh, small],
  ['cosh', goCosh, Math.cosh, small],
  ['tanh', goTanh, Math.tanh, small],
  ['asinh', goAsinh, Math.asinh, values],
  ['acosh', goAcosh, Math.acosh, values],
  ['atanh', goAtanh, Math.atanh, unit],
  ['atan2', goAtan2, Math.atan2, values],
  ['^', goPow, Math.pow, small],
];

/** CPU ns per call of f over xs: a fresh loop per function, so each call site sees one target. */
function nsPerCall(f: (x: number, y: number) => number, xs: Float64Array): number {
  const loop = new Function('f', 'xs', 'n', 'let s = 0; for (let i = 0; i < n; i++) s += f(xs[i], xs[(i * 7) % n] * 0.1); return s;') as (
    f: (x: number, y: number) => number, xs: Float64Array, n: number) => number;
  for (let i = 0; i < 20; i++) loop(f, xs, N);
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = process.cpuUsage();
    for (let i = 0; i < 20; i++) loop(f, xs, N);
    const used = process.cpuUsage(start);
    times.push(((used.user + used.system) * 1000) / (20 * N));
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/** CPU ms of a 1 h range query at 15 s over 1,000 series (241,000 function calls). */
async function queryMs(q: string): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const start = process.cpuUsage();
    await rangeQuery(SOURCE, q, END - 3_600_000, END, 15_000);
    const used = process.cpuUsage(start);
    if (run > 0) times.push((used.user + used.system) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

const END = 1_780_000_020_000;
const SERIES: Series[] = Array.from({ length: 1000 }, (_, i) => ({
  labels: { __name__: 'x', instance: `i${i}` },
  samples: Array.from({ length: 260 }, (_, k) => [END - 3_900_000 + k * 15_000, 0.001 + rnd() * 10] as const),
}));
const SOURCE: SeriesSource = { select: async () => SERIES };

console.log('function   Go port ns   Math.* ns   inputs Math.* answers differently (CPU time per call)');
for (const [name, port, js, xs] of PAIRS) {
  let differ = 0;
  for (let i = 0; i < N; i++) {
    const [a, b] = [port(xs[i]!, xs[(i * 7) % N]! * 0.1), js(xs[i]!, xs[(i * 7) % N]! * 0.1)];
    if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b))) differ++;
  }
  const pct = ((100 * differ) / N).toFixed(1);
  console.log(`${name.padEnd(8)} ${nsPerCall(port, xs).toFixed(1).padStart(10)} ${nsPerCall(js, xs).toFixed(1).padStart(11)}   ${pct}%`);
}

console.log('\nrange query, 1 h at 15 s over 1,000 series: CPU ms (abs(x) calls Math.abs: the engine\'s own cost)');
const base = await queryMs('abs(x)');
console.log(`abs(x)   ${base.toFixed(1)} ms`);
for (const q of ['exp(x)', 'ln(x)', 'sin(x)', 'tanh(x)', 'x * 0.3', 'x ^ 0.3', 'x atan2 x']) {
  const ms = await queryMs(q);
  console.log(`${q.padEnd(12)} ${ms.toFixed(1)} ms (${(((ms - base) / base) * 100).toFixed(0)}% over abs)`);
}
