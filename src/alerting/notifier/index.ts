/**
 * The notifier: alerts from the rule evaluator to Alertmanagers (POST /api/v2/alerts, Prometheus's
 * notifier) and straight to webhooks (Alertmanager's grouping, dedup and v4 payload).
 */
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/logger.js';
import type { NotifiableAlert } from '../types.js';
import { AlertmanagerSender, DEFAULT_QUEUE_CAPACITY } from './alertmanager.js';
import { realClock, type Clock } from './clock.js';
import { Dispatcher } from './dispatcher.js';
import { DEFAULT_RETRY, type RetryPolicy } from './http.js';
import { createNotifierMetrics } from './metrics.js';
import { createMemoryNotificationLog, type NotificationLog } from './nflog.js';
import { readSecretFile, validateSettings, type NotifierSettings } from './settings.js';
import { createWebhookDeliver, loadBodyTemplate } from './webhook.js';

export type { AlertmanagerSettings, NotifierSettings, WebhookSettings } from './settings.js';
export { WEBHOOK_DEFAULTS } from './settings.js';
export type { NotificationLog, NotificationLogEntry } from './nflog.js';
export { createMemoryNotificationLog, entriesFromSamples, notificationLogSamples, NFLOG_METRIC } from './nflog.js';
export type { Clock } from './clock.js';
export type { RetryPolicy } from './http.js';
export { fingerprint, groupKey } from './fingerprint.js';
export { SIGNATURE_HEADER, sign } from './webhook.js';
export type { WebhookMessage } from './payload.js';

/** What the notifier needs besides its settings. */
export interface NotifierDeps {
  log: Logger;
  registry?: Registry;
  /** The time (ms); with real timers. Use `clock` to control timers too. */
  now?: () => number;
  clock?: Clock;
  /** Where sent notifications are logged; default: in memory (a restart forgets it). */
  nflog?: NotificationLog;
  retry?: RetryPolicy;
}

/** The running notifier. */
export interface Notifier {
  /** Hands alerts over (non-blocking): to every Alertmanager's queue and every webhook's dispatcher. */
  send(alerts: NotifiableAlert[]): void;
  /** Resolves when nothing is queued or being sent (tests). */
  idle(): Promise<void>;
  /** Stops timers and in-flight retries, and waits for them. */
  stop(): Promise<void>;
  /** The notification log in use. */
  readonly nflog: NotificationLog;
}

/**
 * Checks what createNotifier would refuse, without starting anything (for `braid config check`):
 * cross-field rules, readable non-empty secret files, body templates that parse. Throws
 * BRAID_ERR_NOTIFY_CONFIG naming the key.
 */
export function checkNotifierSettings(settings: NotifierSettings): void {
  validateSettings(settings);
  settings.webhooks.forEach((w, i) => {
    const at = `alerting.webhooks[${i}]`;
    loadBodyTemplate(w, at);
    if (w.hmac_secret_file !== undefined) readSecretFile(w.hmac_secret_file, `${at}.hmac_secret_file`);
  });
  settings.alertmanagers.forEach((a, i) => {
    const at = `alerting.alertmanagers[${i}]`;
    if (a.basic_auth?.password_file !== undefined) readSecretFile(a.basic_auth.password_file, `${at}.basic_auth.password_file`);
    if (a.bearer_token_file !== undefined) readSecretFile(a.bearer_token_file, `${at}.bearer_token_file`);
  });
}

/** Creates the notifier; throws BRAID_ERR_NOTIFY_CONFIG on bad settings or unreadable files (fail fast). */
export function createNotifier(settings: NotifierSettings, deps: NotifierDeps): Notifier {
  validateSettings(settings);
  const clock: Clock = deps.clock ?? (deps.now === undefined ? realClock : { ...realClock, now: deps.now });
  const nflog = deps.nflog ?? createMemoryNotificationLog({ now: () => clock.now() });
  const metrics = createNotifierMetrics(deps.registry);
  const retry = deps.retry ?? DEFAULT_RETRY;
  const abort = new AbortController();
  const log = deps.log.child({ component: 'notifier' });
  const sender = new AlertmanagerSender(settings.alertmanagers, {
    log,
    clock,
    retry,
    metrics,
    signal: abort.signal,
    capacity: settings.queueCapacity ?? DEFAULT_QUEUE_CAPACITY,
  });
  const dispatchers = settings.webhooks.map((w, i) => {
    const receiver = w.name ?? `webhook-${i}`;
    const at = `alerting.webhooks[${i}]`;
    const deliver = createWebhookDeliver(w, receiver, at, { clock, retry, metrics, signal: abort.signal });
    return new Dispatcher(
      {
        receiver,
        groupBy: w.group_by,
        groupWaitMs: w.group_wait,
        groupIntervalMs: w.group_interval,
        repeatIntervalMs: w.repeat_interval,
        sendResolved: w.send_resolved,
        maxAlerts: w.max_alerts,
        externalURL: settings.externalURL ?? '',
      },
      {
        clock,
        nflog,
        deliver,
        onFlush: (outcome, groupKey, err) => {
          metrics.notifications.inc({ receiver, outcome: outcome === 'failed' && (err as { code?: string }).code === 'BRAID_ERR_NOTIFY_REJECTED' ? 'rejected' : outcome });
          if (outcome === 'failed') log.warn({ receiver, groupKey, err: (err as Error).message }, 'webhook notification failed; retried at the next group_interval');
        },
      },
    );
  });
  log.info({ alertmanagers: settings.alertmanagers.length, webhooks: dispatchers.length }, 'notifier started');
  const externalLabels = settings.externalLabels ?? {};
  const addExternal = (a: NotifiableAlert): NotifiableAlert => {
    const labels = { ...a.labels };
    for (const [k, v] of Object.entries(externalLabels)) if (labels[k] === undefined || labels[k] === '') labels[k] = v;
    return { ...a, labels };
  };
  return {
    nflog,
    send(alerts) {
      if (abort.signal.aborted) return;
      const withLabels = alerts.map(addExternal);
      sender.send(withLabels);
      for (const d of dispatchers) d.insert(withLabels);
    },
    async idle() {
      await Promise.all([sender.idle(), ...dispatchers.map((d) => d.idle())]);
    },
    async stop() {
      abort.abort();
      await Promise.all([sender.idle(), ...dispatchers.map((d) => d.stop())]);
      log.info('notifier stopped');
    },
  };
}
