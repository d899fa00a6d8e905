/**
 * Span- and log-derived series that stay exact through replays, rebalances and restarts
 * (docs/adr/0007-derived-series.md). Counters are kept per source partition; before the ingester
 * commits a batch, the partition's counters and the offset after the last counted record are saved
 * to the compacted state topic. A partition that arrives (start, rebalance) is restored from there,
 * and its records below the saved offset are not counted again. Samples are emitted on a timer,
 * aligned to a grid of `flushIntervalMs`, only from counters already saved.
 */
import { encodeMetricsRequest } from '../../model/otlp/metrics-proto.js';
import type { LogsData } from '../../model/logs.js';
import type { TracesData } from '../../model/trace.js';
import type { Queue, RecordKind, StreamPartition } from '../../queue/queue.js';
import type { Logger } from '../../telemetry/logger.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import type { IngestMetrics } from '../metrics.js';
import { compressCounters, countLogs, countSpans, countersJson, decodeCounters, emptyCounters, type DerivationSettings, type PartitionCounters, type Series } from './counters.js';
import { appendPoints, noPoints, toRequests } from './points.js';

/** Settings of the derived series (`ingest` config block). */
export interface DerivedSettings extends DerivationSettings {
  /** Series one ingester process keeps at most; past it new series are not counted. */
  maxSeries: number;
  flushIntervalMs: number;
}

/** A consumed record as the derivation sees it: its offset and, when it decoded, its data. */
export interface DerivedRecord<T> {
  offset: string;
  data?: T;
  /** The record's tenant; absent: the default tenant. */
  tenant?: string;
}

interface Entry {
  key: string;
  partition: number;
  counters: PartitionCounters;
  /** Saves started and not yet acknowledged: while any runs, the counters are ahead of what is durable. */
  pending: number;
  saving: Promise<void>;
}

const MAX_POINTS_PER_RECORD = 2_000;
const DERIVED_KEY = Buffer.from('braid-derived-series');

/** The state-topic key of a source partition. */
export const stateKey = (kind: RecordKind, partition: number): string => `${kind}.v1/${partition}`;

/** Derived series of the partitions this ingester owns. */
export class DerivedSeries {
  private readonly entries = new Map<string, Entry>();
  private readonly restoring = new Map<string, Promise<void>>();
  private owned: Set<string> | undefined;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private emitting: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Between the start of a rebalance and the new assignment: partitions may move, nothing is emitted. */
  private rebalancing = false;
  private readonly budget = { take: () => (this.total < this.settings.maxSeries ? (this.total++, true) : false) };

  constructor(
    private readonly settings: DerivedSettings,
    private readonly deps: { queue: Queue; metrics: IngestMetrics; log: Logger },
  ) {}

  /** Whether records of this stream are counted. */
  derives(kind: RecordKind): boolean {
    return kind === 'spans' ? this.settings.spans.enabled : kind === 'logs' ? this.settings.logs.enabled : false;
  }

  /** The consumer's new assignment: forget partitions that left (another ingester counts them now), restore those that came. */
  onAssignment(owned: StreamPartition[]): void {
    this.rebalancing = false;
    const keys = owned.filter((o) => this.derives(o.kind)).map((o) => stateKey(o.kind, o.partition));
    this.owned = new Set(keys);
    for (const [key, e] of this.entries) if (!this.owned.has(key)) this.forget(key, e);
    const missing = keys.filter((k) => !this.entries.has(k) && !this.restoring.has(k));
    if (missing.length > 0) void this.restore(missing).catch(() => undefined);
  }

  /**
   * A rebalance started: until the new assignment, emit nothing, so that a partition's old owner
   * sends no sample after its new owner's first one.
   */
  onRebalance(): void {
    this.rebalancing = true;
  }

  /**
   * Counts the records of one batch not counted yet (offset at or past the saved one) and saves
   * the partition's counters; resolves once they are durable. A failed save forgets the
   * partition, so the redelivered batch starts from what was saved.
   */
  async count(kind: 'spans', partition: number, records: Array<DerivedRecord<TracesData>>): Promise<void>;
  async count(kind: 'logs', partition: number, records: Array<DerivedRecord<LogsData>>): Promise<void>;
  async count(kind: 'spans' | 'logs', partition: number, records: Array<DerivedRecord<TracesData | LogsData>>): Promise<void> {
    if (!this.derives(kind) || records.length === 0) return;
    const key = stateKey(kind, partition);
    const e = await this.entry(key, partition);
    const c = e.counters;
    const now = Date.now();
    let counted = 0;
    let dropped = 0;
    let replayed = 0;
    for (const r of records) {
      const offset = BigInt(r.offset);
      if (offset < c.next) {
        replayed++;
        continue;
      }
      if (r.data !== undefined) {
        const o = kind === 'spans' ? countSpans(c, r.data as TracesData, this.settings.spans, now, this.budget, r.tenant) : countLogs(c, r.data as LogsData, now, this.budget, r.tenant);
        counted += o.counted;
        dropped += o.dropped;
      }
      c.next = offset + 1n;
    }
    const { metrics } = this.deps;
    metrics.derivedSeries.set(this.total);
    if (replayed > 0) metrics.derivedReplayed.inc({ kind }, replayed);
    if (dropped > 0) metrics.derivedDropped.inc({ kind }, dropped);
    if (replayed === records.length) return;
    try {
      await this.save(e);
    } catch (err) {
      if (this.entries.get(key) === e) this.forget(key, e);
      throw err;
    }
    metrics.derivedCounted.inc({ kind }, counted);
  }

  /** Starts emitting every `flushIntervalMs`, on multiples of it (so all ingesters emit at the same instants). */
  start(): void {
    const schedule = () => {
      if (this.stopped) return;
      const interval = this.settings.flushIntervalMs;
      const at = Math.floor(Date.now() / interval) * interval + interval;
      this.timer = setTimeout(() => {
        this.emitting = this.emit(at).finally(schedule);
      }, at - Date.now());
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the timer and waits for an emission in flight; the counters are already saved. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.emitting;
    await Promise.all([...this.entries.values()].map((e) => e.saving));
  }

  /** Sends the saved counters of every owned partition as samples at `atMs`, each tenant's series as records of that tenant. */
  async emit(atMs: number): Promise<void> {
    if (this.rebalancing) return;
    const byTenant = new Map<string, ReturnType<typeof noPoints>>();
    const pointsOf = (tenant: string) => {
      let p = byTenant.get(tenant);
      if (p === undefined) byTenant.set(tenant, (p = noPoints()));
      return p;
    };
    const unshown: Array<[Entry, Series[]]> = [];
    for (const e of this.entries.values()) {
      if (e.pending > 0) continue; // not durable yet: the next emission shows it
      appendPoints(pointsOf, e.counters, e.partition, atMs);
      const fresh: Series[] = [];
      for (const s of [...e.counters.spans.values(), ...e.counters.logs.values()]) {
        s.exemplars = undefined;
        if (!s.zeroSent) fresh.push(s);
      }
      if (fresh.length > 0) unshown.push([e, fresh]);
    }
    let n = 0;
    for (const p of byTenant.values()) n += p.calls.length + p.duration.length + p.logs.length;
    if (n === 0) return;
    const { queue, metrics, log } = this.deps;
    try {
      // One send per tenant: its records carry the tenant, so its series land in its head.
      await Promise.all([...byTenant].map(([tenant, points]) => queue.send('metrics', this.records(points).map((r) => (tenant === DEFAULT_TENANT ? r : { ...r, tenant })))));
    } catch (err) {
      metrics.derivedEmitFailures.inc();
      log.warn({ err: (err as Error).message }, 'derived series not emitted; the next emission carries the same totals');
      return;
    }
    metrics.derivedPoints.inc(n);
    // Their zero points are out: saving that keeps a restart from sending a zero after a value.
    await Promise.all(
      unshown.map(([e, fresh]) => {
        for (const s of fresh) {
          s.zeroSent = true;
          s.saved = undefined;
        }
        return this.save(e).catch((err: Error) => log.warn({ err: err.message, key: e.key }, 'derived state not saved after emission; saved with the next batch'));
      }),
    );
  }

  /** Encoded export requests, each within the metrics topic's record limit. */
  /** One key for every emission: its records land on one partition, in order, as the heads need. */
  private records(points: ReturnType<typeof noPoints>): Array<{ key: Buffer; value: Buffer }> {
    const limit = this.deps.queue.maxRecordBytes('metrics');
    for (let max = MAX_POINTS_PER_RECORD; ; max = Math.max(1, max >> 1)) {
      const values = toRequests(points, max).map((r) => Buffer.from(encodeMetricsRequest(r)));
      if (max === 1 || values.every((v) => v.length <= limit)) return values.map((value) => ({ key: DERIVED_KEY, value }));
    }
  }

  /** Saves a snapshot of `e`'s counters after the saves before it (the state topic keeps the last). */
  private save(e: Entry): Promise<void> {
    const json = countersJson(e.counters);
    e.pending++;
    const { queue, metrics } = this.deps;
    let bytes = 0;
    const run = e.saving
      .catch(() => undefined)
      .then(() => compressCounters(json))
      .then((value) => {
        bytes = value.length;
        return queue.saveState(e.key, value);
      });
    e.saving = run.then(
      () => {
        e.pending--;
        metrics.derivedStateSaves.inc();
        metrics.derivedStateBytes.set(bytes);
      },
      (err: unknown) => {
        e.pending--;
        throw err;
      },
    );
    return e.saving;
  }

  private async entry(key: string, partition: number): Promise<Entry> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const e = this.entries.get(key);
      if (e !== undefined) return e;
      await (this.restoring.get(key) ?? this.restore([key]));
    }
    const e = this.entries.get(key);
    if (e === undefined) throw new Error(`derived state of ${key} (partition ${partition}) not restored`);
    return e;
  }

  /** Reads the saved counters of `keys`; a key never saved starts empty. */
  private restore(keys: string[]): Promise<void> {
    const { queue, metrics, log } = this.deps;
    const bounds = this.settings.spans.bounds;
    const run = queue.loadStates(keys).then((found) => {
      for (const key of keys) {
        if (this.entries.has(key) || (this.owned !== undefined && !this.owned.has(key))) continue;
        const partition = Number(key.slice(key.indexOf('/') + 1));
        const buf = found.get(key);
        let counters = emptyCounters(bounds);
        if (buf !== undefined) {
          try {
            const d = decodeCounters(buf, bounds);
            counters = d.counters;
            if (d.boundsChanged) log.warn({ key }, 'histogram buckets changed: span series of this partition start again from zero');
          } catch (err) {
            // A partition must not stall on its state: its counters begin again (a reset PromQL sees).
            log.error({ key, err: (err as Error).message }, 'derived state unreadable: the partition counts again from zero');
          }
        }
        this.total += counters.spans.size + counters.logs.size;
        this.entries.set(key, { key, partition, counters, pending: 0, saving: Promise.resolve() });
        metrics.derivedRestores.inc({ found: buf === undefined ? 'no' : 'yes' });
      }
      metrics.derivedSeries.set(this.total);
      log.info({ partitions: keys, series: this.total }, 'derived series restored');
    });
    for (const k of keys) this.restoring.set(k, run);
    void run.finally(() => {
      for (const k of keys) if (this.restoring.get(k) === run) this.restoring.delete(k);
    }).catch(() => undefined);
    return run;
  }

  private forget(key: string, e: Entry): void {
    this.entries.delete(key);
    this.total -= e.counters.spans.size + e.counters.logs.size;
    this.deps.metrics.derivedSeries.set(this.total);
  }
}
