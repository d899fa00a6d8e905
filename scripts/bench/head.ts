/**
 * The head of recent samples (src/promql/head), beside a real Prometheus 3.16 on the same samples:
 *   1. bytes per sample at BENCH_HEAD_SERIES series (default 10^4) x one sample per 15 s over
 *      BENCH_HEAD_HOURS (default 2): the head's own account and the measured V8 heap growth;
 *   2. append throughput (samples/s, one core);
 *   3. metadata lookups on the same head (label names, values, series), in milliseconds;
 *   4. query_range over the last hour of two dashboard-like queries, from the head through Braid's
 *      engine and from Prometheus 3.16 (remote-written the very same samples, queried over HTTP),
 *      median of 5 runs after a warm-up, at steps of 15 s and 60 s.
 * The series: 2,000 request counters, 5,000 histogram buckets (10 bounds) with 1,000 _sum and
 * _count series, 2,000 gauges; 10 jobs x 50 instances. Bounded: one pass over the samples.
 * Prints figures; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compress } from 'snappyjs';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import { rangeQuery } from '../../src/promql/engine.js';
import { createHead } from '../../src/promql/head/index.js';
import type { Labels } from '../../src/promql/types.js';
import { buildPrometheus } from '../infra/prometheus.js';

const SERIES = Number(process.env.BENCH_HEAD_SERIES ?? 10_000);
const HOURS = Number(process.env.BENCH_HEAD_HOURS ?? 2);
const STEP_MS = 15_000;
const H = 3_600_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Deterministic noise in [0, 1). */
let seed = 12345;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};

interface BenchSeries {
  labels: Labels;
  next: (v: number) => number;
  v: number;
}

/** The series set: counters, histogram buckets with sum and count, gauges, in the proportions above. */
export function seriesSet(total: number): BenchSeries[] {
  const out: BenchSeries[] = [];
  const instances = Math.max(1, Math.round(total / 200));
  const les = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  for (let j = 0; j < 10; j++) {
    for (let i = 0; i < instances; i++) {
      const base = { job: `job-${j}`, instance: `10.0.${j}.${i}:9100` };
      for (const code of ['200', '404', '500', '503']) out.push({ labels: { __name__: 'http_requests_total', ...base, code }, v: 0, next: (v) => v + Math.floor(rnd() * (code === '200' ? 300 : 10)) });
      // Cumulative buckets: each bound gets at least what the one below got.
      les.forEach((le, k) => out.push({ labels: { __name__: 'http_request_duration_seconds_bucket', ...base, le }, v: 0, next: (v) => v + Math.floor(rnd() * 20) + k * 20 }));
      out.push({ labels: { __name__: 'http_request_duration_seconds_sum', ...base }, v: 0, next: (v) => v + rnd() * 40 });
      out.push({ labels: { __name__: 'http_request_duration_seconds_count', ...base }, v: 0, next: (v) => v + 200 + Math.floor(rnd() * 20) });
      for (const area of ['heap', 'stack', 'mmap', 'other']) out.push({ labels: { __name__: 'process_memory_bytes', ...base, area }, v: 1e8 * (1 + rnd()), next: (v) => Math.max(0, v + (rnd() - 0.5) * 1e6) });
    }
  }
  return out;
}

/** A remote-write 1.0 body of one sample per series at `t`. */
function writeRequest(series: BenchSeries[], t: number): Buffer {
  const w = new ProtoWriter(1 << 20);
  for (const s of series) {
    w.tag(1, 2);
    const ts = w.fork();
    for (const name of Object.keys(s.labels).sort()) {
      w.tag(1, 2);
      const l = w.fork();
      w.tag(1, 2);
      w.string(name);
      w.tag(2, 2);
      w.string(s.labels[name]!);
      w.ldelim(l);
    }
    w.tag(2, 2);
    const at = w.fork();
    w.tag(1, 1);
    w.double(s.v);
    w.tag(2, 0);
    w.int64(BigInt(t));
    w.ldelim(at);
    w.ldelim(ts);
  }
  return Buffer.from(compress(w.finish()));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** CPU milliseconds a process has used (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Median wall milliseconds of `fn` over `runs` runs after a warm-up, and the median CPU
 * milliseconds `cpu` counts meanwhile: on a shared machine the CPU figure is the steadier one.
 */
async function median(runs: number, fn: () => Promise<unknown>, cpu: () => number = () => process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000): Promise<{ wall: number; cpu: number }> {
  await fn();
  const wall: number[] = [];
  const used: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = cpu();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    used.push(cpu() - c);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  return { wall: mid(wall), cpu: mid(used) };
}

async function main(): Promise<void> {
  const series = seriesSet(SERIES);
  const steps = Math.floor((HOURS * H) / STEP_MS);
  const end = Math.floor(Date.now() / STEP_MS) * STEP_MS - STEP_MS;
  const start = end - (steps - 1) * STEP_MS;
  console.log(`head: ${fmt(series.length)} series x ${fmt(steps)} samples (15 s over ${HOURS} h) = ${fmt(series.length * steps)} samples`);

  let prometheus: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'braid-bench-head-'));
  let promUrl = '';
  let promVersion = '';
  try {
    const bins = await buildPrometheus().catch((err: Error) => {
      console.log(`  (Prometheus not available: ${err.message}; Braid figures only)`);
      return undefined;
    });
    if (bins !== undefined) {
      promVersion = bins.version;
      writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
      promUrl = `http://127.0.0.1:${await freePort()}`;
      process.once('SIGINT', () => prometheus?.kill('SIGTERM'));
      process.once('SIGTERM', () => prometheus?.kill('SIGTERM'));
      prometheus = spawn(bins.prometheus, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${promUrl.slice(7)}`, '--web.enable-remote-write-receiver', '--log.level=warn'], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 200));
    }

    const now = { t: end };
    const heapBefore = heapUsed();
    const head = createHead({ windowMs: HOURS * H + 10 * 60_000, maxBytes: 8 * 1024 ** 3, truncateEveryMs: 0, now: () => now.t });
    let appendMs = 0;
    let promWriteMs = 0;
    for (let k = 0; k < steps; k++) {
      const t = start + k * STEP_MS;
      for (const s of series) s.v = s.next(s.v);
      const t0 = performance.now();
      for (const s of series) head.append(s.labels, t, s.v);
      appendMs += performance.now() - t0;
      if (promUrl !== '') {
        const body = writeRequest(series, t);
        const t1 = performance.now();
        const res = await fetch(`${promUrl}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, body });
        if (res.status >= 300) throw new Error(`Prometheus remote write: ${res.status} ${await res.text()}`);
        promWriteMs += performance.now() - t1;
      }
    }
    const stats = head.stats();
    const heapAfter = heapUsed();
    console.log(`  bytes per sample: ${fmt(stats.bytes / stats.samples, 2)} accounted (braid_head_bytes ${fmt(stats.bytes / 1024 ** 2, 1)} MiB), ${fmt((heapAfter - heapBefore) / stats.samples, 2)} measured (V8 heap growth ${fmt((heapAfter - heapBefore) / 1024 ** 2, 1)} MiB); goal <= 4`);
    console.log(`  append: ${fmt(stats.samples / (appendMs / 1000))} samples/s (one core, labels hashed per sample)${promUrl ? `; Prometheus ${promVersion} took the same samples by remote write in ${fmt(promWriteMs / 1000, 1)} s` : ''}`);

    const lookups: Array<[string, () => unknown]> = [
      ['label names, all series', () => head.labelNames([], end - H, end)],
      ['label __name__ values, all series', () => head.labelValues('__name__', [], end - H, end)],
      ['label instance values of one job', () => head.labelValues('instance', [[{ type: '=', name: 'job', value: 'job-3' }]], end - H, end)],
      ['series {__name__=~"http_.*", code="500"}', () => head.series([[{ type: '=~', name: '__name__', value: 'http_.*' }, { type: '=', name: 'code', value: '500' }]], end - H, end)],
    ];
    for (const [what, fn] of lookups) console.log(`  ${what}: ${fmt((await median(5, async () => fn())).wall, 2)} ms`);

    const queries = ['sum by (job) (rate(http_requests_total[5m]))', 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))'];
    for (const stepS of [15, 60]) {
      for (const q of queries) {
        const ours = await median(5, () => rangeQuery(head, q, end - H, end, stepS * 1000));
        let theirs = { wall: Number.NaN, cpu: Number.NaN };
        if (promUrl !== '') {
          const params = new URLSearchParams({ query: q, start: String((end - H) / 1000), end: String(end / 1000), step: String(stepS) });
          const pid = prometheus!.pid!;
          theirs = await median(5, async () => {
            const r = await fetch(`${promUrl}/api/v1/query_range?${params}`);
            if (!r.ok) throw new Error(`Prometheus query: ${r.status} ${await r.text()}`);
            await r.json();
          }, () => processCpuMs(pid));
        }
        const vs = promUrl ? `; Prometheus ${promVersion} (HTTP) ${fmt(theirs.wall, 1)} ms, ${fmt(theirs.cpu)} ms CPU; ratio ${fmt(ours.wall / theirs.wall, 1)}x wall, ${fmt(ours.cpu / Math.max(theirs.cpu, 10), 1)}x CPU (goal <= 2x)` : '';
        console.log(`  query_range 1 h step ${stepS} s  ${q}: braid head ${fmt(ours.wall, 1)} ms, ${fmt(ours.cpu)} ms CPU${vs}`);
      }
    }
    head.close();
  } finally {
    prometheus?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run when started as a script; rules.ts imports seriesSet from here.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
