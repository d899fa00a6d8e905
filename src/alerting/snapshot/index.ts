/**
 * The alerter's rules and alerts answers shared through the queue's state topic: the alerter
 * publishes a snapshot after its rounds, a query process without the alerter polls it in the
 * background and answers /api/v1/rules and /api/v1/alerts from it (README.md).
 */
import { Gauge, type Registry } from 'prom-client';
import { sleep } from '../../backoff.js';
import {
  ALERTER_SNAPSHOT_KEY, buildSnapshot, decodeSnapshot, encodeSnapshot, filterRules, snapshotFingerprint,
  type AlerterSnapshot, type AlertsAnswer, type RulesAnswer, type RulesFilters,
} from '../../model/alerter-api.js';
import type { Logger } from '../../telemetry/logger.js';

/** The rules and alerts answers, as the query server reads them. */
export interface RulesAnswers {
  rules(filters: RulesFilters): RulesAnswer | Promise<RulesAnswer>;
  alerts(): AlertsAnswer | Promise<AlertsAnswer>;
}

/** A background loop that can be stopped. */
export interface SnapshotLoop {
  stop(): Promise<void>;
}

/** Settings of the publisher. */
export interface SnapshotPublisherSettings {
  /** Least time between two publications: the evaluation interval. */
  intervalMs: number;
  /** An unchanged snapshot is published again after this long (default 1 minute), so readers see it is alive. */
  refreshMs?: number;
  maxAlerts?: number;
}

/** What the publisher reads and writes. */
export interface SnapshotPublisherDeps {
  /** The rule manager's answers (unfiltered rules). */
  answers: { rulesApi(f: RulesFilters): RulesAnswer; alertsApi(): AlertsAnswer };
  /** Queue.saveState. */
  save(key: string, value: Buffer): Promise<void>;
  log: Logger;
  now?: () => number;
}

/** Publishes the snapshot if it changed (evaluation times and values aside) or is older than refreshMs; returns whether it did. */
export function createSnapshotPublisher(settings: SnapshotPublisherSettings, deps: SnapshotPublisherDeps): { publish(): Promise<boolean> } {
  const now = deps.now ?? Date.now;
  const refreshMs = settings.refreshMs ?? 60_000;
  let last: { fingerprint: string; at: number } | undefined;
  return {
    async publish() {
      const t = now();
      const snap = buildSnapshot(deps.answers.rulesApi({}), deps.answers.alertsApi(), t, settings.maxAlerts);
      const fingerprint = snapshotFingerprint(snap);
      if (last !== undefined && last.fingerprint === fingerprint && t - last.at < refreshMs) return false;
      await deps.save(ALERTER_SNAPSHOT_KEY, encodeSnapshot(snap));
      last = { fingerprint, at: t };
      return true;
    },
  };
}

/** Runs the publisher every `intervalMs` until `signal` aborts; a failed publication is logged and retried next round. */
export function startSnapshotPublisher(settings: SnapshotPublisherSettings, deps: SnapshotPublisherDeps, signal: AbortSignal): SnapshotLoop {
  const publisher = createSnapshotPublisher(settings, deps);
  let failing = false;
  const loop = (async () => {
    while (!signal.aborted) {
      await sleep(settings.intervalMs, signal);
      if (signal.aborted) break;
      try {
        await publisher.publish();
        if (failing) deps.log.info('alerter snapshot published again');
        failing = false;
      } catch (err) {
        if (!failing) deps.log.warn({ err: (err as Error).message }, 'cannot publish the alerter snapshot; retrying each round');
        failing = true;
      }
    }
  })();
  return { stop: () => loop };
}

/** Settings of the reader on a query process without the alerter. */
export interface SnapshotReaderSettings {
  /** Poll period: the evaluation interval, at least 15 s (each poll joins a throwaway consumer group). */
  intervalMs: number;
}

/** What the reader reads. */
export interface SnapshotReaderDeps {
  /** Queue.loadStates. */
  load(keys: readonly string[]): Promise<Map<string, Buffer>>;
  /** The answers while no snapshot was read yet: the rule files without state. */
  fallback: RulesAnswers;
  registry: Registry;
  log: Logger;
  now?: () => number;
}

/** The reader: answers from the latest snapshot, polled in the background. */
export interface SnapshotReader extends RulesAnswers, SnapshotLoop {
  /** Reads the state topic once now (also what the background loop does). */
  poll(): Promise<void>;
  /** The snapshot served, if any. */
  current(): AlerterSnapshot | undefined;
}

/** The least poll period of the reader. */
export const MIN_SNAPSHOT_POLL_MS = 15_000;

/** Starts polling the alerter's snapshot (first poll at once) and answers from it. */
export function startSnapshotReader(settings: SnapshotReaderSettings, deps: SnapshotReaderDeps): SnapshotReader {
  const now = deps.now ?? Date.now;
  const abort = new AbortController();
  let snapshot: AlerterSnapshot | undefined;
  let failing = false;
  new Gauge({
    name: 'braid_alerter_snapshot_age_seconds',
    help: 'Age of the alerter snapshot this query process answers /api/v1/rules and /alerts from (NaN: none read yet).',
    registers: [deps.registry],
    collect() {
      this.set(snapshot === undefined ? Number.NaN : Math.max(0, now() - snapshot.publishedAt) / 1000);
    },
  });
  const poll = async () => {
    try {
      const bytes = (await deps.load([ALERTER_SNAPSHOT_KEY])).get(ALERTER_SNAPSHOT_KEY);
      if (bytes !== undefined) {
        const next = decodeSnapshot(bytes);
        if (snapshot === undefined) deps.log.info({ publishedAt: new Date(next.publishedAt).toISOString() }, 'serving rules and alerts from the alerter snapshot');
        if (snapshot === undefined || next.publishedAt >= snapshot.publishedAt) snapshot = next;
      }
      if (failing) deps.log.info('alerter snapshot readable again');
      failing = false;
    } catch (err) {
      if (!failing) deps.log.warn({ err: (err as Error).message }, 'cannot read the alerter snapshot; keeping the last one');
      failing = true;
    }
  };
  const intervalMs = Math.max(MIN_SNAPSHOT_POLL_MS, settings.intervalMs);
  const loop = (async () => {
    while (!abort.signal.aborted) {
      await poll();
      await sleep(intervalMs, abort.signal);
    }
  })();
  return {
    poll,
    current: () => snapshot,
    rules: (f) => (snapshot === undefined ? deps.fallback.rules(f) : filterRules(snapshot.rules, f)),
    alerts: () => (snapshot === undefined ? deps.fallback.alerts() : snapshot.alerts),
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
