import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { mergeMetrics, mergeReadiness, nextRestart, resolveWorkers, STABLE_UPTIME_MS, workerConfig } from '../../src/cluster/plan.js';
import { loadConfig } from '../../src/config/load.js';
import { inShard } from '../../src/receivers/prometheus/scrape/manager.js';

describe('resolveWorkers', () => {
  it('gives 0 (one process, no primary) for 0, 1 and auto on one core; N otherwise', () => {
    expect([resolveWorkers(0, 8), resolveWorkers(1, 8), resolveWorkers('auto', 1)]).toEqual([0, 0, 0]);
    expect([resolveWorkers(3, 1), resolveWorkers('auto', 2), resolveWorkers('auto', 16)]).toEqual([3, 2, 16]);
  });
});

describe('workerConfig', () => {
  it('splits the collector shard among the workers so that each target is scraped exactly once', async () => {
    const base = await loadConfig(undefined, { BRAID_KAFKA_BROKERS: 'k:9092', BRAID_TARGET: 'collector', BRAID_SCRAPE_SHARD_INDEX: '1', BRAID_SCRAPE_SHARD_COUNT: '3' });
    const workers = [1, 2, 3, 4].map((slot) => workerConfig(base, slot, 4).receivers.prometheus.shard);
    expect(workers).toEqual([{ index: 1, count: 12 }, { index: 4, count: 12 }, { index: 7, count: 12 }, { index: 10, count: 12 }]);
    for (let i = 0; i < 2_000; i++) {
      const target = { key: `http://host-${i}:9100/metrics` };
      const scrapers = workers.filter((shard) => inShard(target, shard)).length;
      // The collector's own shard keeps exactly its targets; one of its workers scrapes each.
      expect(scrapers).toBe(inShard(target, base.receivers.prometheus.shard) ? 1 : 0);
    }
    expect(workerConfig(base, 2, 4).receivers.otlp).toEqual(base.receivers.otlp);
  });
});

describe('nextRestart', () => {
  it('backs off exponentially while a worker keeps dying young, and starts over after a stable run', () => {
    const noJitter = () => 1;
    const delays: number[] = [];
    let attempt = -1;
    for (let i = 0; i < 8; i++) {
      const r = nextRestart(attempt, 1_000, noJitter);
      attempt = r.attempt;
      delays.push(r.delayMs);
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(nextRestart(attempt, STABLE_UPTIME_MS, noJitter)).toEqual({ attempt: 0, delayMs: 500 });
  });
});

function workerRegistry(accepted: number, lag: number, rss: number, latencies: number[]): Registry {
  const r = new Registry();
  new Counter({ name: 'braid_receiver_accepted_spans_total', help: 'h', labelNames: ['transport'], registers: [r] }).inc({ transport: 'grpc' }, accepted);
  new Gauge({ name: 'braid_queue_consumer_lag_records', help: 'h', labelNames: ['topic', 'partition'], registers: [r] }).set({ topic: 'spans', partition: '0' }, lag);
  new Gauge({ name: 'process_resident_memory_bytes', help: 'h', registers: [r] }).set(rss);
  const h = new Histogram({ name: 'braid_x_seconds', help: 'h', buckets: [0.1, 1], registers: [r] });
  for (const v of latencies) h.observe(v);
  return r;
}

describe('mergeMetrics', () => {
  it('sums counters, histograms and per-process gauges, and takes the max of gauges read from shared state', async () => {
    const a = workerRegistry(120, 40, 1_000, [0.05, 0.5]);
    const b = workerRegistry(80, 35, 3_000, [2]);
    const text = await mergeMetrics([await a.getMetricsAsJSON(), await b.getMetricsAsJSON()]).metrics();
    expect(text).toContain('braid_receiver_accepted_spans_total{transport="grpc"} 200');
    expect(text).toContain('braid_queue_consumer_lag_records{topic="spans",partition="0"} 40');
    expect(text).toContain('process_resident_memory_bytes 4000');
    expect(text).toContain('braid_x_seconds_bucket{le="0.1"} 1');
    expect(text).toContain('braid_x_seconds_bucket{le="+Inf"} 3');
    expect(text).toContain('braid_x_seconds_count 3');
  });
});

describe('mergeReadiness', () => {
  const ready = { ready: true, body: { status: 'ready', checks: { 'queue (kafka)': 'ok' } } };
  it('is ready only when every worker runs and is ready, and lists each', () => {
    const both = mergeReadiness([{ slot: 1, pid: 10, phase: 'running', readiness: ready }, { slot: 2, pid: 11, phase: 'running', readiness: ready }], false);
    expect(both).toEqual({ ready: true, body: { status: 'ready', workers: { 1: { pid: 10, ...ready.body }, 2: { pid: 11, ...ready.body } } } });
    const oneDown = mergeReadiness([{ slot: 1, pid: 10, phase: 'running', readiness: ready }, { slot: 2, phase: 'down' }], false);
    expect(oneDown.ready).toBe(false);
    expect(oneDown.body).toEqual({ status: 'not ready', workers: { 1: { pid: 10, ...ready.body }, 2: { status: 'down' } } });
    const notReady = { ready: false, body: { status: 'not ready', checks: { 'queue (kafka)': 'unavailable: x' } } };
    expect(mergeReadiness([{ slot: 1, pid: 10, phase: 'running', readiness: notReady }], false).ready).toBe(false);
    expect(mergeReadiness([{ slot: 1, pid: 10, phase: 'running', readiness: ready }], true)).toMatchObject({ ready: false, body: { status: 'stopping' } });
  });
});
