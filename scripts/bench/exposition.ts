/**
 * Parse throughput of the Prometheus scrape parser (parseExposition) over a body of 1,000 series,
 * the size of a typical target, in both formats a target answers in: text 0.0.4 as client_golang
 * and node_exporter write it (HELP and TYPE on every family, counters, gauges, histograms with 12
 * buckets, a summary) and the same series as OpenMetrics 1.0 (`_total` counters, `# UNIT`,
 * exemplars on one bucket in four, `# EOF`). Braid's budget: 1,000 targets of 1,000 series every
 * 15 s is ~67k samples/s; the parser should take a small part of one core for that.
 * Prints samples/s, median of 5 runs of 1 s. Run: npx tsx scripts/bench/exposition.ts
 */
import { parseExposition } from '../../src/receivers/prometheus/exposition.js';
import { measure as measureRate } from './measure.js';

const SERIES = 1000;
const RUNS = 5;
const RUN_MS = 1000;
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'];
const CODES = ['200', '201', '400', '404', '500'];
const HANDLERS = ['/api/v1/orders', '/api/v1/customers', '/api/v1/payments', '/healthz'];

/** Builds the body in one format; `om` switches names, timestamps and exemplars to OpenMetrics. */
function body(om: boolean): string {
  const out: string[] = [];
  let series = 0;
  const add = (line: string): void => {
    out.push(line);
    series++;
  };
  // Counters: 4 families of 80 series (method x code x handler), HELP and TYPE each.
  for (let f = 0; f < 4 && series < SERIES; f++) {
    const family = `app_http_requests_${f}`;
    out.push(`# HELP ${om ? family : `${family}_total`} Total HTTP requests by method, code and handler.`);
    out.push(`# TYPE ${om ? family : `${family}_total`} counter`);
    for (const method of METHODS) for (const code of CODES) for (const handler of HANDLERS) {
      add(`${family}_total{method="${method}",code="${code}",handler="${handler}"} ${1000 + series * 7}`);
    }
  }
  // Histograms: 14 series per label set (12 buckets, sum, count).
  for (let h = 0; series + 14 <= SERIES - 120; h++) {
    const family = `app_http_request_${Math.floor(h / 16)}_duration_seconds`;
    if (h % 16 === 0) {
      out.push(`# HELP ${family} Request latency in seconds.`);
      out.push(`# TYPE ${family} histogram`);
      if (om) out.push(`# UNIT ${family} seconds`);
    }
    const labels = `method="${METHODS[h % 4]}",handler="${HANDLERS[(h >> 2) % 4]}"`;
    BUCKETS.forEach((le, i) => {
      const exemplar = om && i % 4 === 1 ? ` # {trace_id="${(0x4bf92f3577b34da6n + BigInt(h)).toString(16)}a3ce929d0e0e4736"} 0.0${i + 1} 1700000000.${100 + i}` : '';
      add(`${family}_bucket{${labels},le="${le}"} ${h * 100 + i * 7}${exemplar}`);
    });
    add(`${family}_sum{${labels}} ${(h * 12.345).toFixed(3)}`);
    add(`${family}_count{${labels}} ${h * 100 + 77}`);
  }
  // A summary (Go runtime style), then gauges up to SERIES.
  out.push('# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.');
  out.push('# TYPE go_gc_duration_seconds summary');
  for (const quantile of ['0', '0.25', '0.5', '0.75', '1']) add(`go_gc_duration_seconds{quantile="${quantile}"} 4.${series}e-05`);
  add('go_gc_duration_seconds_sum 0.012345');
  add('go_gc_duration_seconds_count 123');
  for (let g = 0; series < SERIES; g++) {
    if (g % 20 === 0) {
      out.push(`# HELP app_queue_depth_${g / 20} Items waiting in the queue.`);
      out.push(`# TYPE app_queue_depth_${g / 20} gauge`);
    }
    add(`app_queue_depth_${Math.floor(g / 20)}{queue="q${g % 20}",priority="${g % 3}"} ${g % 7 === 0 ? 'NaN' : (g * 1.5).toString()}`);
  }
  if (om) out.push('# EOF');
  return out.join('\n') + '\n';
}

/** Fails unless every series parsed, with its exemplars in OpenMetrics. */
function selfCheck(name: string, text: string, contentType: string): void {
  const { families, errors } = parseExposition(text, contentType);
  const samples = families.reduce((n, f) => n + f.samples.length, 0);
  const exemplars = families.reduce((n, f) => n + f.samples.filter((s) => s.exemplar).length, 0);
  if (errors.length > 0 || samples !== SERIES || (contentType.includes('openmetrics') && exemplars === 0)) {
    throw new Error(`${name}: parse self-check failed: ${samples} samples, ${exemplars} exemplars, ${errors.join('; ')}`);
  }
}

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
const text = body(false);
const om = body(true);
selfCheck('text', text, TEXT);
selfCheck('OpenMetrics', om, OM);

const measure = (fn: () => unknown): number => measureRate(fn, SERIES, { runs: RUNS, runMs: RUN_MS, warmup: 200 });
const fmt = (n: number): string => `${Math.round(n).toLocaleString('en-US').padStart(12)} samples/s`;
const mb = (rate: number, bytes: number): string => `${((rate / SERIES) * bytes / 1e6).toFixed(0).padStart(5)} MB/s`;
console.log(`body: ${SERIES} series; text ${text.length} bytes, OpenMetrics ${om.length} bytes; median of ${RUNS} runs of ${RUN_MS} ms (node ${process.version})`);
const textRate = measure(() => parseExposition(text, TEXT));
console.log(`parseExposition text 0.0.4         ${fmt(textRate)} ${mb(textRate, text.length)}`);
const omRate = measure(() => parseExposition(om, OM));
console.log(`parseExposition OpenMetrics 1.0    ${fmt(omRate)} ${mb(omRate, om.length)}`);
