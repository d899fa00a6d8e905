/**
 * Groups alerts and decides when to notify, as Alertmanager's dispatcher (dispatch/dispatch.go) and
 * notification pipeline (notify/notify.go: dedup, send_resolved, max_alerts) do for one receiver:
 * group_wait before a new group's first notification, group_interval between flushes,
 * repeat_interval before an unchanged group is notified again, resolved alerts forgotten once
 * notified. The notification log decides with Alertmanager's needsUpdate, so a restart that
 * restores the log does not notify twice.
 */
import type { Labels } from '../../promql/types.js';
import type { NotifiableAlert } from '../types.js';
import type { Clock, TimerHandle } from './clock.js';
import { compareAlertLabels, fingerprint, groupKey, groupLabelsOf } from './fingerprint.js';
import { needsUpdate, type NotificationLog } from './nflog.js';
import { buildMessage, ZERO_TIME, type GroupAlert, type WebhookMessage } from './payload.js';
import { parseRfc3339, rfc3339 } from './time.js';

/** Grouping and timing of one receiver. Durations in milliseconds. */
export interface DispatcherOptions {
  receiver: string;
  groupBy: readonly string[];
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  /** 0: no limit. */
  maxAlerts: number;
  externalURL: string;
}

/** What a flush decided: sent, deduplicated (nothing new), or failed (retried at the next flush). */
export type FlushOutcome = 'sent' | 'skipped' | 'failed';

/** Delivers one message; throws when it could not be delivered. */
export type Deliver = (msg: WebhookMessage) => Promise<void>;

interface StoredAlert {
  alert: NotifiableAlert;
  fp: string;
  version: number;
}

interface Group {
  key: string;
  labels: Labels;
  alerts: Map<string, StoredAlert>;
  timer: TimerHandle | undefined;
  hasFlushed: boolean;
  running: Promise<void>;
}

/** The dispatcher of one receiver. */
export class Dispatcher {
  private readonly groups = new Map<string, Group>();
  private version = 0;
  private stopped = false;

  constructor(
    private readonly opts: DispatcherOptions,
    private readonly deps: { clock: Clock; nflog: NotificationLog; deliver: Deliver; onFlush?: (outcome: FlushOutcome, groupKey: string, err?: unknown) => void },
  ) {}

  /** Adds or updates alerts (Prometheus re-sends active alerts every round; that is expected). */
  insert(alerts: NotifiableAlert[]): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    for (const alert of alerts) {
      const labels = groupLabelsOf(alert.labels, this.opts.groupBy);
      const key = groupKey(labels);
      let g = this.groups.get(key);
      if (g === undefined) {
        g = { key, labels, alerts: new Map(), timer: undefined, hasFlushed: false, running: Promise.resolve() };
        this.groups.set(key, g);
        this.schedule(g, this.opts.groupWaitMs);
      }
      const fp = fingerprint(alert.labels);
      g.alerts.set(fp, { alert, fp, version: ++this.version });
      // An alert that began more than group_wait ago is not held back (dispatch.go insert).
      const startsAt = parseRfc3339(alert.startsAt);
      if (!g.hasFlushed && Number.isFinite(startsAt) && startsAt + this.opts.groupWaitMs < now) this.schedule(g, 0);
    }
  }

  /** The groups and their alert counts (for tests and debugging). */
  snapshot(): Array<{ groupKey: string; alerts: number }> {
    return [...this.groups.values()].map((g) => ({ groupKey: g.key, alerts: g.alerts.size }));
  }

  /** Resolves when no flush is running. */
  async idle(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.running));
  }

  /** Stops all timers and waits for running flushes. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const g of this.groups.values()) if (g.timer !== undefined) this.deps.clock.clearTimeout(g.timer);
    await this.idle();
  }

  private schedule(g: Group, ms: number): void {
    if (g.timer !== undefined) this.deps.clock.clearTimeout(g.timer);
    g.timer = this.deps.clock.setTimeout(() => this.onTimer(g), ms);
  }

  private onTimer(g: Group): void {
    if (this.stopped) return;
    g.hasFlushed = true;
    this.schedule(g, this.opts.groupIntervalMs);
    g.running = g.running.then(() => this.flush(g));
  }

  private async flush(g: Group): Promise<void> {
    const now = this.deps.clock.now();
    const snapshot = [...g.alerts.values()];
    const alerts: GroupAlert[] = [];
    const resolvedVersions: StoredAlert[] = [];
    for (const s of snapshot) {
      const endsAt = parseRfc3339(s.alert.endsAt);
      const resolved = Number.isFinite(endsAt) && endsAt <= now;
      if (resolved) resolvedVersions.push(s);
      alerts.push({
        labels: s.alert.labels,
        annotations: s.alert.annotations,
        startsAt: normalise(s.alert.startsAt),
        endsAt: resolved ? rfc3339(endsAt) : ZERO_TIME,
        generatorURL: s.alert.generatorURL,
        fingerprint: s.fp,
        status: resolved ? 'resolved' : 'firing',
      });
    }
    alerts.sort((a, b) => compareAlertLabels(a.labels, b.labels));
    const ok = await this.notify(g, alerts, now);
    if (ok) {
      for (const s of resolvedVersions) if (g.alerts.get(s.fp)?.version === s.version) g.alerts.delete(s.fp);
    }
    if (g.alerts.size === 0 && this.groups.get(g.key) === g) {
      if (g.timer !== undefined) this.deps.clock.clearTimeout(g.timer);
      this.groups.delete(g.key);
    }
  }

  private async notify(g: Group, alerts: GroupAlert[], now: number): Promise<boolean> {
    const firing = new Set(alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint));
    const resolved = new Set(alerts.filter((a) => a.status === 'resolved').map((a) => a.fingerprint));
    const { nflog, deliver } = this.deps;
    const entry = nflog.query(this.opts.receiver, g.key);
    if (!needsUpdate(entry, firing, resolved, this.opts.sendResolved, this.opts.repeatIntervalMs, now)) {
      this.deps.onFlush?.('skipped', g.key);
      return true;
    }
    const sent = this.opts.sendResolved ? alerts : alerts.filter((a) => a.status === 'firing');
    if (sent.length > 0) {
      const max = this.opts.maxAlerts;
      const cut = max > 0 && sent.length > max ? sent.slice(0, max) : sent;
      const msg = buildMessage({ receiver: this.opts.receiver, groupKey: g.key, groupLabels: g.labels, alerts: cut, truncated: sent.length - cut.length, externalURL: this.opts.externalURL });
      try {
        await deliver(msg);
      } catch (e) {
        this.deps.onFlush?.('failed', g.key, e);
        return false;
      }
      this.deps.onFlush?.('sent', g.key);
    } else {
      this.deps.onFlush?.('skipped', g.key);
    }
    nflog.log({ receiver: this.opts.receiver, groupKey: g.key, timestampMs: this.deps.clock.now(), firing: [...firing], resolved: [...resolved] });
    return true;
  }
}

function normalise(t: string): string {
  const ms = parseRfc3339(t);
  return Number.isFinite(ms) ? rfc3339(ms) : t;
}
