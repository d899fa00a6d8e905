/**
 * `npm run bench -- --heavy-query`: does one heavy PromQL query stall ingest? Braid all-in-one
 * (embedded queue, memory store) in a child process, its head filled by remote write with
 * BENCH_HEAVY_SERIES series (5,000) over BENCH_HEAVY_MINUTES (60) at 15 s (timestamps from 6 minutes
 * after Braid's start, so that with the 5 m range the query reads only the head, which with the
 * in-process queue covers from Braid's start); then a steady open-loop
 * OTLP/HTTP load of BENCH_HEAVY_RATE requests/s (100) of 100 spans for BENCH_HEAVY_SECONDS (15),
 * once alone and once while a worker thread runs the heaviest allowed query in a loop: a
 * query_range of `rate()` over the whole window of as many series as keep it just under
 * query.prometheus.max_samples (1,000,000), its whole matrix answered as JSON. Prints per-request
 * latency p50/p99/max of each phase, Braid's CPU per span (/proc) and the queries run;
 * BENCH_HEAVY_ROUNDS (1) repeats both phases. Figures: docs/adr/0019-query-isolation.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { compress } from 'snappyjs';
import { ProtoWriter } from '../../src/model/protobuf/writer.js';
import { cpuSeconds, httpSender, metric, metrics, peakRss, sleep, startBraid, stopBraid, waitFor, type Braid } from './processes.js';
import { SPANS_PER_REQUEST, benchRequest } from './requests.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SERIES = env('BENCH_HEAVY_SERIES', 5_000);
const MINUTES = env('BENCH_HEAVY_MINUTES', 60);
const RATE = env('BENCH_HEAVY_RATE', 100);
const SECONDS = env('BENCH_HEAVY_SECONDS', 15);
const ROUNDS = env('BENCH_HEAVY_ROUNDS', 1);
const MAX_SAMPLES = 1_000_000;
const STEP = 15_000;
const PER_BUCKET = 100;

/** A remote write body: `series` [from, to) with the samples at `times`. */
function writeBody(from: number, to: number, times: number[]): Buffer {
  const w = new ProtoWriter();
  for (let i = from; i < to; i++) {
    w.tag(1, 2);
    const ts = w.fork();
    const labels: Array<[string, string]> = [['__name__', 'bench_requests_total'], ['job', 'bench'], ['instance', `host-${i}`], ['bucket', String(Math.floor(i / PER_BUCKET))]];
    for (const [n, v] of labels) {
      w.tag(1, 2);
      const l = w.fork();
      w.tag(1, 2);
      w.string(n);
      w.tag(2, 2);
      w.string(v);
      w.ldelim(l);
    }
    for (const t of times) {
      w.tag(2, 2);
      const s = w.fork();
      w.tag(1, 1);
      w.double((t / STEP) * (1 + (i % 5)));
      w.tag(2, 0);
      w.int64(BigInt(t));
      w.ldelim(s);
    }
    w.ldelim(ts);
  }
  return Buffer.from(compress(w.finish()));
}

/** Fills the head: time slices of 10 minutes, all series in each, oldest first (the head refuses out-of-order samples). */
async function fill(b: Braid, startMs: number, endMs: number): Promise<number> {
  let samples = 0;
  for (let t0 = startMs; t0 <= endMs; t0 += 40 * STEP) {
    const times: number[] = [];
    for (let t = t0; t < Math.min(t0 + 40 * STEP, endMs + 1); t += STEP) times.push(t);
    for (let i = 0; i < SERIES; i += 500) {
      const res = await fetch(`${b.http}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: writeBody(i, Math.min(i + 500, SERIES), times) });
      if (res.status !== 204) throw new Error(`remote write: HTTP ${res.status}: ${await res.text()}`);
      samples += (Math.min(i + 500, SERIES) - i) * times.length;
    }
  }
  return samples;
}

const QUERY_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
let stop = false, n = 0, ms = 0, bytes = 0, failures = 0, lastError = '';
parentPort.on('message', () => { stop = true; });
(async () => {
  while (!stop) {
    const t = performance.now();
    const res = await fetch(workerData.url);
    const body = await res.arrayBuffer();
    if (res.status === 200) { n++; ms += performance.now() - t; bytes += body.byteLength; } else { failures++; lastError = Buffer.from(body).toString().slice(0, 300); }
  }
  parentPort.postMessage({ n, ms, bytes, failures, lastError });
})();
`;

interface Phase {
  /** Braid's event-loop delay over the phase (prom-client's monitorEventLoopDelay). */
  lagMaxMs: number;
  lagP99Ms: number;
  p50: number;
  p99: number;
  max: number;
  sent: number;
  failed: number;
  cpuUsPerSpan: number;
  queries?: { n: number; meanMs: number; mb: number; failures: number; lastError: string };
}

const LAG = ['nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_p99_seconds'];
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** An open-loop load: a request every 1000/RATE ms for SECONDS, each timed from its scheduled start (no coordinated omission). */
async function phase(b: Braid, bodies: Buffer[], queryUrl?: string): Promise<Phase> {
  const send = httpSender(b);
  const worker = queryUrl === undefined ? undefined : new Worker(QUERY_LOOP, { eval: true, workerData: { url: queryUrl } });
  if (worker) await sleep(1000); // the first query is under way
  const pid = b.child.pid!;
  await metrics(b, LAG); // a scrape resets Braid's event-loop delay histogram
  const cpu0 = cpuSeconds(pid);
  const latencies: number[] = [];
  let failed = 0;
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(send(bodies[i % bodies.length]!).then(() => void latencies.push(performance.now() - due), () => void failed++));
  }
  await Promise.all(pending);
  const cpu = cpuSeconds(pid) - cpu0;
  const [lagMax, lagP99] = await metrics(b, LAG);
  let queries: Phase['queries'];
  if (worker) {
    const done = new Promise<{ n: number; ms: number; bytes: number; failures: number; lastError: string }>((r) => worker.once('message', r));
    worker.postMessage('stop');
    const q = await done;
    await worker.terminate();
    queries = { n: q.n, meanMs: q.n > 0 ? q.ms / q.n : NaN, mb: q.n > 0 ? q.bytes / q.n / 1e6 : 0, failures: q.failures, lastError: q.lastError };
  }
  latencies.sort((x, y) => x - y);
  return { lagMaxMs: lagMax! * 1000, lagP99Ms: lagP99! * 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? NaN, sent: total, failed, cpuUsPerSpan: (cpu * 1e6) / (total * SPANS_PER_REQUEST), ...(queries ? { queries } : {}) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'braid-heavy-query-'));
  const b = await startBraid(dir, 'heavy-query', ['storage: { memory: { max_samples: 200000 } }'], { BRAID_KAFKA_BROKERS: '', BRAID_ELASTICSEARCH_URL: '' });
  try {
    // The in-process queue's head covers from Braid's start on (older ranges are read from the
    // store): the samples are written from a minute after it, so the query reads only the head.
    const startMs = Math.ceil((Date.now() + 6 * 60_000) / STEP) * STEP;
    const endMs = startMs + MINUTES * 60_000 - STEP;
    const fillStart = performance.now();
    const samples = await fill(b, startMs, endMs);
    await waitFor(async () => (await metric(b, 'braid_head_samples_appended_total')) >= samples, 600_000, 'the head to hold every sample');
    console.log(`head: ${SERIES.toLocaleString('en')} series x ${MINUTES} min at 15 s = ${samples.toLocaleString('en')} samples, filled in ${((performance.now() - fillStart) / 1000).toFixed(0)} s; Braid RSS peak ${peakRss(b.child.pid!).toFixed(0)} MB`);

    // The heaviest allowed query: rate() over the whole window of as many series as fit max_samples.
    const perSeries = Math.ceil((endMs - startMs + 5 * 60_000) / STEP);
    const buckets = Math.min(Math.ceil(SERIES / PER_BUCKET), Math.max(1, Math.floor((0.95 * MAX_SAMPLES) / perSeries / PER_BUCKET)));
    const selector = `bench_requests_total{bucket=~"${Array.from({ length: buckets }, (_, i) => i).join('|')}"}`;
    const q = new URLSearchParams({ query: `rate(${selector}[5m])`, start: String(startMs / 1000), end: String(endMs / 1000), step: '15' });
    const queryUrl = `${b.query}/prometheus/api/v1/query_range?${q}`;
    console.log(`query: rate(bench_requests_total{bucket=~<${buckets} buckets>}[5m]) over ${MINUTES} min at a 15 s step: ${Math.min(SERIES, buckets * PER_BUCKET).toLocaleString('en')} series, about ${(Math.min(SERIES, buckets * PER_BUCKET) * perSeries).toLocaleString('en')} samples read (max_samples ${MAX_SAMPLES.toLocaleString('en')})`);

    const bodies = Array.from({ length: 50 }, () => benchRequest());
    console.log(`load: OTLP/HTTP protobuf, ${RATE} requests/s of ${SPANS_PER_REQUEST} spans, ${SECONDS} s per phase, latency from each request's scheduled start`);
    await phase(b, bodies); // warm-up, not counted: JIT, and the ingester's backlog from the fill
    console.log('| round | phase | p50 ms | p99 ms | max ms | failed | Braid event-loop delay p99 / max ms | Braid CPU us/span | queries (mean ms, MB each) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, url] of [['ingest alone', undefined], ['with the heavy query', queryUrl]] as const) {
        const r = await phase(b, bodies, url);
        const qs = r.queries ? `${r.queries.n} (${r.queries.meanMs.toFixed(0)} ms, ${r.queries.mb.toFixed(1)} MB)${r.queries.failures ? `, ${r.queries.failures} failed: ${r.queries.lastError}` : ''}` : '-';
        console.log(`| ${round} | ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} | ${r.failed} | ${r.lagP99Ms.toFixed(1)} / ${r.lagMaxMs.toFixed(1)} | ${r.cpuUsPerSpan.toFixed(1)} | ${qs} |`);
      }
    }
    console.log(`Braid peak RSS ${peakRss(b.child.pid!).toFixed(0)} MB`);
  } finally {
    await stopBraid(b);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
