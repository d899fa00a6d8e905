/**
 * Pure decisions of the cluster primary: how many workers, what each worker's config differs in,
 * when a dead worker comes back, and how the workers' metrics and readiness merge into one answer.
 */
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { backoffDelay } from '../backoff.js';
import type { Readiness } from '../admin/server.js';
import type { BraidConfig } from '../config/schema.js';

/** Worker processes for `cluster.workers`: 0 means one process with no primary (also for 1 and for auto on one core). */
export function resolveWorkers(workers: number | 'auto', cores: number = availableParallelism()): number {
  const n = workers === 'auto' ? cores : workers;
  return n >= 2 ? n : 0;
}

/**
 * The config of worker `slot` (1-based) of `count`: the same as the primary's, except that the
 * scrape targets of this collector's shard are split further among the workers, so each target
 * is still scraped exactly once (index + shardCount * (slot - 1) modulo shardCount * count).
 */
export function workerConfig(config: BraidConfig, slot: number, count: number): BraidConfig {
  const p = config.receivers.prometheus;
  const shard = { index: p.shard.index + p.shard.count * (slot - 1), count: p.shard.count * count };
  return { ...config, receivers: { ...config.receivers, prometheus: { ...p, shard } } };
}

/** A worker that lived this long before dying starts again without backoff history. */
export const STABLE_UPTIME_MS = 60_000;

/** The next restart attempt (0-based) of a slot whose worker lived `uptimeMs`, and the delay before it. */
export function nextRestart(previousAttempt: number, uptimeMs: number, random: () => number = Math.random): { attempt: number; delayMs: number } {
  const attempt = uptimeMs >= STABLE_UPTIME_MS ? 0 : previousAttempt + 1;
  return { attempt, delayMs: backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 }, random) };
}

type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit';

/**
 * Gauges that every worker reads from shared state (Kafka, the metrics stream): summing them
 * would count the same thing once per worker. Everything else follows prom-client's choice
 * (counters, histograms and most gauges summed; process start time omitted; version first).
 */
export const SHARED_STATE_GAUGES: Readonly<Record<string, Aggregator>> = {
  braid_queue_consumer_lag_records: 'max',
  braid_alerter_snapshot_age_seconds: 'max',
  // Each query worker holds its own copy of the same window: series and exemplars are the same set.
  braid_head_series: 'max',
  braid_head_exemplars: 'max',
};

/** The workers' (and the primary's) metrics merged into one registry, as prom-client's AggregatorRegistry merges them. */
export function mergeMetrics(perProcess: MetricObjectWithValues<MetricValue<string>>[][]): Registry {
  const adjusted = perProcess.map((metrics) => metrics.map((m) => (SHARED_STATE_GAUGES[m.name] ? { ...m, aggregator: SHARED_STATE_GAUGES[m.name] } : m)));
  return AggregatorRegistry.aggregate(adjusted as Parameters<typeof AggregatorRegistry.aggregate>[0]);
}

/** What the primary knows of one slot when asked for readiness. */
export interface SlotState {
  slot: number;
  pid?: number;
  /** down: no process (restart pending); starting: forked, not yet started; running: asked, see readiness. */
  phase: 'down' | 'starting' | 'running';
  readiness?: Readiness;
}

/** Ready when every slot's worker runs and is ready itself; the body lists each worker. */
export function mergeReadiness(slots: SlotState[], stopping: boolean): Readiness {
  const workers: Record<string, unknown> = {};
  let ready = !stopping && slots.length > 0;
  for (const s of slots) {
    const ok = s.phase === 'running' && s.readiness?.ready === true;
    ready &&= ok;
    workers[String(s.slot)] = { ...(s.pid !== undefined ? { pid: s.pid } : {}), ...(s.phase === 'running' && s.readiness ? s.readiness.body : { status: s.phase }) };
  }
  return { ready, body: { status: stopping ? 'stopping' : ready ? 'ready' : 'not ready', workers } };
}
