/**
 * The alerter's rules and alerts answers shared through the queue's state topic: the alerter
 * publishes a snapshot of each tenant's after its rounds (the default tenant under
 * `alerter.api.v1`, another under `alerter.api.v1.t_<tenant>`), a query process without the
 * alerter polls them in the background and answers /api/v1/rules and /api/v1/alerts of the
 * caller's tenant from its snapshot (README.md).
 */
import { Gauge, type Registry } from 'prom-client';
import { sleep } from '../../backoff.js';
import {
  ALERTER_SNAPSHOT_KEY, buildSnapshot, decodeSnapshot, encodeSnapshot, filterRules, snapshotFingerprint,
  type AlerterSnapshot, type AlertsAnswer, type RulesAnswer, type RulesFilters,
} from '../../model/alerter-api.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import type { Logger } from '../../telemetry/logger.js';

/** The rules and alerts answers of one tenant. */
export interface RulesAnswers {
  rules(filters: RulesFilters): RulesAnswer | Promise<RulesAnswer>;
  alerts(): AlertsAnswer | Promise<AlertsAnswer>;
}

/** The rules and alerts answers of every tenant, as the query server reads them. */
export interface TenantRulesAnswers {
  rules(filters: RulesFilters, tenant: string): RulesAnswer | Promise<RulesAnswer>;
  alerts(tenant: string): AlertsAnswer | Promise<AlertsAnswer>;
}

/** The state-topic key of a tenant's snapshot: the default tenant's is the key Braid had before tenancy. */
export function snapshotKey(tenant: string): string {
  return tenant === DEFAULT_TENANT ? ALERTER_SNAPSHOT_KEY : `${ALERTER_SNAPSHOT_KEY}.t_${tenant}`;
}

/** The answers of a tenant nobody configured rules for: no groups, no alerts. */
export const NO_RULES: RulesAnswers = { rules: () => ({ groups: [] }), alerts: () => ({ alerts: [] }) };

/** A background loop that can be stopped. */
export interface SnapshotLoop {
  stop(): Promise<void>;
}

/** Settings of the publisher. */
export interface SnapshotPublisherSettings {
  /** Whose snapshot it is (default: the default tenant). */
  tenant?: string;
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
      await deps.save(snapshotKey(settings.tenant ?? DEFAULT_TENANT), encodeSnapshot(snap));
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
  /** The tenants with rules (the default one and those of alerting.tenant_rule_files); default: the default tenant. */
  tenants?: readonly string[];
}

/** What the reader reads. */
export interface SnapshotReaderDeps {
  /** Queue.loadStates. */
  load(keys: readonly string[]): Promise<Map<string, Buffer>>;
  /** The answers of a tenant while no snapshot of it was read yet: its rule files without state (one value: the default tenant's). */
  fallback: RulesAnswers | ((tenant: string) => RulesAnswers);
  registry: Registry;
  log: Logger;
  now?: () => number;
}

/** The reader: answers from the latest snapshot of the asking tenant, polled in the background. */
export interface SnapshotReader extends SnapshotLoop {
  /** /api/v1/rules of `tenant` (default: the default tenant). */
  rules(filters: RulesFilters, tenant?: string): RulesAnswer | Promise<RulesAnswer>;
  /** /api/v1/alerts of `tenant` (default: the default tenant). */
  alerts(tenant?: string): AlertsAnswer | Promise<AlertsAnswer>;
  /** Reads the state topic once now (also what the background loop does). */
  poll(): Promise<void>;
  /** The snapshot served for `tenant` (default: the default tenant), if any. */
  current(tenant?: string): AlerterSnapshot | undefined;
}

/** The least poll period of the reader. */
export const MIN_SNAPSHOT_POLL_MS = 15_000;

/** Starts polling the alerter's snapshots (first poll at once) and answers each tenant from its own. */
export function startSnapshotReader(settings: SnapshotReaderSettings, deps: SnapshotReaderDeps): SnapshotReader {
  const now = deps.now ?? Date.now;
  const abort = new AbortController();
  const tenants = settings.tenants ?? [DEFAULT_TENANT];
  const snapshots = new Map<string, AlerterSnapshot>();
  const fallback = (tenant: string): RulesAnswers => {
    if (typeof deps.fallback === 'function') return deps.fallback(tenant);
    return tenant === DEFAULT_TENANT ? deps.fallback : NO_RULES;
  };
  let failing = false;
  new Gauge({
    name: 'braid_alerter_snapshot_age_seconds',
    help: 'Age of the default tenant\'s alerter snapshot this query process answers /api/v1/rules and /alerts from (NaN: none read yet).',
    registers: [deps.registry],
    collect() {
      const snapshot = snapshots.get(DEFAULT_TENANT);
      this.set(snapshot === undefined ? Number.NaN : Math.max(0, now() - snapshot.publishedAt) / 1000);
    },
  });
  const poll = async () => {
    try {
      const found = await deps.load(tenants.map(snapshotKey));
      for (const tenant of tenants) {
        const bytes = found.get(snapshotKey(tenant));
        if (bytes === undefined) continue;
        const next = decodeSnapshot(bytes);
        const snapshot = snapshots.get(tenant);
        if (snapshot === undefined) deps.log.info({ tenant, publishedAt: new Date(next.publishedAt).toISOString() }, 'serving rules and alerts from the alerter snapshot');
        if (snapshot === undefined || next.publishedAt >= snapshot.publishedAt) snapshots.set(tenant, next);
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
    current: (tenant = DEFAULT_TENANT) => snapshots.get(tenant),
    rules(f, tenant = DEFAULT_TENANT) {
      const snapshot = snapshots.get(tenant);
      return snapshot === undefined ? fallback(tenant).rules(f) : filterRules(snapshot.rules, f);
    },
    alerts(tenant = DEFAULT_TENANT) {
      const snapshot = snapshots.get(tenant);
      return snapshot === undefined ? fallback(tenant).alerts() : snapshot.alerts;
    },
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
