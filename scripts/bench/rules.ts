/**
 * Rule evaluation (src/alerting/evaluator) over the head: 100 rules (10 groups of 10, the kinds a
 * Prometheus user writes: rate sums, error ratios, histogram quantiles, gauges over time, a
 * subquery) over BENCH_RULES_SERIES series (default 10^4, the head bench's set) with one hour of
 * 15 s samples, evaluated round after round at 15 s steps as the alerter does. Prints the time of
 * one round (every group once): median and max of BENCH_RULES_ROUNDS rounds (default 10), and the
 * event-loop delay meanwhile. Bounded: a fixed number of rounds. Asserts nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRuleManager } from '../../src/alerting/evaluator/index.js';
import { createHead } from '../../src/promql/head/index.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { seriesSet } from './head.js';

const SERIES = Number(process.env.BENCH_RULES_SERIES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_RULES_ROUNDS ?? 10);
const STEP_MS = 15_000;
const H = 3_600_000;

/** The ten rules of job `j`'s group. */
function groupOf(j: number): string {
  const job = `job="job-${j}"`;
  const rules = [
    `- record: job:http_requests:rate5m\n    expr: sum by (job, code) (rate(http_requests_total{${job}}[5m]))`,
    `- record: job:http_errors:ratio5m\n    expr: sum by (job) (rate(http_requests_total{${job}, code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total{${job}}[5m]))`,
    `- record: instance:http_latency:p99\n    expr: histogram_quantile(0.99, sum by (instance, le) (rate(http_request_duration_seconds_bucket{${job}}[5m])))`,
    `- record: job:http_latency:avg\n    expr: sum by (job) (rate(http_request_duration_seconds_sum{${job}}[5m])) / sum by (job) (rate(http_request_duration_seconds_count{${job}}[5m]))`,
    `- alert: ErrorRatioHigh\n    expr: job:http_errors:ratio5m{${job}} > 0.01\n    for: 5m\n    labels: {severity: critical}\n    annotations: {summary: '{{ $labels.job }}: {{ $value | humanizePercentage }} errors'}`,
    `- alert: LatencyHigh\n    expr: instance:http_latency:p99{${job}} > 0.2\n    for: 10m\n    annotations: {summary: '{{ $labels.instance }} p99 {{ $value | humanizeDuration }}'}`,
    `- alert: MemoryGrowing\n    expr: avg_over_time(process_memory_bytes{${job}, area="heap"}[30m]) > 1.5e8\n    for: 15m`,
    `- alert: MemorySpiky\n    expr: max_over_time(deriv(process_memory_bytes{${job}}[5m])[30m:1m]) > 1e5`,
    `- alert: NoRequests\n    expr: absent(http_requests_total{${job}, code="200"})`,
    `- alert: InstanceErrors\n    expr: sum by (instance) (increase(http_requests_total{${job}, code="500"}[10m])) > 40\n    keep_firing_for: 5m`,
  ];
  return `- name: job-${j}\n  rules:\n${rules.map((r) => `  ${r}`).join('\n')}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'braid-bench-rules-'));
  try {
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, `groups:\n${Array.from({ length: 10 }, (_, j) => groupOf(j)).join('\n')}\n`);
    const head = createHead({ windowMs: 3 * H, maxBytes: 2 ** 31 });
    const series = seriesSet(SERIES);
    const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    for (let t = end - H; t <= end; t += STEP_MS) {
      for (const s of series) {
        s.v = s.next(s.v);
        head.append(s.labels, t, s.v);
      }
    }
    head.markCoveredFrom(end - H);
    let appended = 0;
    let alerts = 0;
    const manager = createRuleManager(
      { ruleFiles: [file], evaluationIntervalMs: STEP_MS, externalLabels: {}, externalUrl: 'http://127.0.0.1:16686' },
      {
        source: head,
        append: async (out) => {
          appended += out.length;
          for (const o of out) head.append(o.labels, o.t, o.v, o.stale === true);
        },
        send: (a) => void (alerts += a.length),
        log: createLogger('warn'),
      },
    );
    const loaded = await manager.load();
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const times: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const ts = end - (ROUNDS - r) * STEP_MS;
      const t0 = performance.now();
      await manager.evaluateAt(ts);
      times.push(performance.now() - t0);
    }
    loop.disable();
    times.sort((a, b) => a - b);
    const med = times[Math.floor(times.length / 2)]!;
    console.log(`rules: 100 rules (10 groups) over ${series.length.toLocaleString('en-US')} series, 1 h of 15 s samples in the head`);
    console.log(`  one round (every group once): median ${med.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms over ${ROUNDS} rounds (interval 15 s: ${((med / STEP_MS) * 100).toFixed(1)}% of it)`);
    console.log(`  output samples per round ${Math.round(appended / ROUNDS)}, alerts sent ${alerts}; event-loop delay during rounds: p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms`);
    head.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
