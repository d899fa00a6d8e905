/**
 * The notification log (Alertmanager's nflog): per receiver and group key, when the last
 * notification went out and which alerts (fingerprints) it reported firing and resolved. The
 * dispatcher's dedup step reads it, so a restart that restores it does not notify twice.
 */
import type { OutputSample } from '../types.js';

/** One logged notification. Times in Unix milliseconds. */
export interface NotificationLogEntry {
  receiver: string;
  groupKey: string;
  timestampMs: number;
  /** Fingerprints of the alerts reported firing, sorted. */
  firing: string[];
  /** Fingerprints of the alerts reported resolved, sorted. */
  resolved: string[];
}

/** The port: the memory form below, or any store the composition root provides. */
export interface NotificationLog {
  query(receiver: string, groupKey: string): NotificationLogEntry | undefined;
  log(entry: NotificationLogEntry): void;
  /** Every live entry (for persistence). */
  exportState(): NotificationLogEntry[];
  /** Replaces the state with these entries (newest per receiver and group key wins). */
  restoreState(entries: NotificationLogEntry[]): void;
}

const key = (receiver: string, groupKey: string): string => `${receiver}\u0000${groupKey}`;

/** Alertmanager's default retention (--data.retention=120h). */
export const DEFAULT_NFLOG_RETENTION_MS = 120 * 3600_000;

/** A notification log in memory; entries older than `retentionMs` are forgotten. */
export function createMemoryNotificationLog(opts: { retentionMs?: number; now?: () => number } = {}): NotificationLog {
  const retention = opts.retentionMs ?? DEFAULT_NFLOG_RETENTION_MS;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, NotificationLogEntry>();
  const gc = (): void => {
    const cutoff = now() - retention;
    for (const [k, e] of entries) if (e.timestampMs < cutoff) entries.delete(k);
  };
  return {
    query: (receiver, groupKey) => {
      gc();
      return entries.get(key(receiver, groupKey));
    },
    log: (e) => {
      entries.set(key(e.receiver, e.groupKey), { ...e, firing: [...e.firing].sort(), resolved: [...e.resolved].sort() });
    },
    exportState: () => {
      gc();
      return [...entries.values()].map((e) => ({ ...e, firing: [...e.firing], resolved: [...e.resolved] }));
    },
    restoreState: (list) => {
      entries.clear();
      for (const e of list) {
        const k = key(e.receiver, e.groupKey);
        const old = entries.get(k);
        if (old === undefined || old.timestampMs <= e.timestampMs) entries.set(k, { ...e, firing: [...e.firing].sort(), resolved: [...e.resolved].sort() });
      }
      gc();
    },
  };
}

/** The series name of the samples form. */
export const NFLOG_METRIC = 'braid_notification_last_sent_timestamp_seconds';

/**
 * The samples form of the log, to write with the alerter's other output each round (as
 * ALERTS_FOR_STATE is): one series per receiver and group, value the last send time in seconds,
 * labels `receiver`, `group_key`, `firing` and `resolved` (comma lists of fingerprints).
 */
export function notificationLogSamples(log: NotificationLog, nowMs: number): OutputSample[] {
  return log.exportState().map((e) => ({
    labels: { __name__: NFLOG_METRIC, receiver: e.receiver, group_key: e.groupKey, firing: e.firing.join(','), resolved: e.resolved.join(',') },
    t: nowMs,
    v: e.timestampMs / 1000,
  }));
}

/** Rebuilds entries from samples of NFLOG_METRIC (the newest sample per receiver and group key wins). */
export function entriesFromSamples(samples: Array<{ labels: Record<string, string>; t: number; v: number }>): NotificationLogEntry[] {
  const newest = new Map<string, { t: number; e: NotificationLogEntry }>();
  for (const s of samples) {
    const l = s.labels;
    if (l['__name__'] !== undefined && l['__name__'] !== NFLOG_METRIC) continue;
    if (l['receiver'] === undefined || l['group_key'] === undefined || !Number.isFinite(s.v)) continue;
    const split = (x: string | undefined): string[] => (x === undefined || x === '' ? [] : x.split(','));
    const e: NotificationLogEntry = { receiver: l['receiver'], groupKey: l['group_key'], timestampMs: Math.round(s.v * 1000), firing: split(l['firing']), resolved: split(l['resolved']) };
    const k = key(e.receiver, e.groupKey);
    const old = newest.get(k);
    if (old === undefined || old.t <= s.t) newest.set(k, { t: s.t, e });
  }
  return [...newest.values()].map((x) => x.e);
}

/** Alertmanager's DedupStage.needsUpdate: does this group's state call for a notification now? */
export function needsUpdate(entry: NotificationLogEntry | undefined, firing: Set<string>, resolved: Set<string>, sendResolved: boolean, repeatIntervalMs: number, nowMs: number): boolean {
  if (entry === undefined) return firing.size > 0;
  const logged = new Set(entry.firing);
  for (const f of firing) if (!logged.has(f)) return true;
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved) {
    const loggedResolved = new Set(entry.resolved);
    for (const r of resolved) if (!loggedResolved.has(r)) return true;
  }
  return entry.timestampMs < nowMs - repeatIntervalMs;
}
