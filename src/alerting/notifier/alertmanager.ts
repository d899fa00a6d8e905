/**
 * Sends alerts to Alertmanagers as Prometheus's notifier does (notifier/manager.go): one queue
 * (oldest dropped past its capacity), batches of at most 64 alerts, each batch POSTed to every
 * Alertmanager's /api/v2/alerts at once. Braid adds bounded retries per Alertmanager on transient
 * failures; a batch no Alertmanager took is counted as dropped (the rule evaluator re-sends
 * active alerts anyway).
 */
import type { Logger } from '../../telemetry/logger.js';
import type { NotifiableAlert } from '../types.js';
import type { Clock } from './clock.js';
import { postOnce, redact, withRetries, type RetryPolicy } from './http.js';
import type { NotifierMetrics } from './metrics.js';
import { readSecretFile, type AlertmanagerSettings } from './settings.js';

/** Prometheus's maxBatchSize. */
export const MAX_BATCH_SIZE = 64;
/** Prometheus's default notifier queue capacity. */
export const DEFAULT_QUEUE_CAPACITY = 10_000;
const QUEUE_LABEL = 'alertmanager';

/** The receiver label of an Alertmanager in metrics. */
export const alertmanagerReceiver = (url: string): string => `alertmanager:${redact(url).replace(/\/$/, '')}`;

/** The alerts endpoint of an Alertmanager URL (a path prefix is kept). */
export function alertsEndpoint(url: string): string {
  return url.replace(/\/+$/, '') + '/api/v2/alerts';
}

function authHeaders(am: AlertmanagerSettings, at: string): Record<string, string> {
  if (am.basic_auth !== undefined) {
    const password = am.basic_auth.password_file !== undefined ? readSecretFile(am.basic_auth.password_file, `${at}.basic_auth.password_file`) : (am.basic_auth.password ?? '');
    return { Authorization: 'Basic ' + Buffer.from(`${am.basic_auth.username}:${password}`).toString('base64') };
  }
  if (am.bearer_token_file !== undefined) return { Authorization: 'Bearer ' + readSecretFile(am.bearer_token_file, `${at}.bearer_token_file`) };
  return {};
}

/** The Alertmanager side of the notifier. */
export class AlertmanagerSender {
  private queue: NotifiableAlert[] = [];
  private running: Promise<void> = Promise.resolve();
  private active = false;

  constructor(
    private readonly targets: AlertmanagerSettings[],
    private readonly deps: { log: Logger; clock: Clock; retry: RetryPolicy; metrics: NotifierMetrics; signal: AbortSignal; capacity: number },
  ) {
    // Fail fast on unreadable credential files.
    targets.forEach((t, i) => authHeaders(t, `alerting.alertmanagers[${i}]`));
  }

  /** Queues alerts and starts sending when idle. */
  send(alerts: NotifiableAlert[]): void {
    if (this.targets.length === 0 || alerts.length === 0 || this.deps.signal.aborted) return;
    const { capacity, metrics } = this.deps;
    let incoming = alerts;
    if (incoming.length > capacity) {
      metrics.dropped.inc({ receiver: QUEUE_LABEL }, incoming.length - capacity);
      incoming = incoming.slice(incoming.length - capacity);
    }
    const over = this.queue.length + incoming.length - capacity;
    if (over > 0) {
      this.queue = this.queue.slice(over);
      metrics.dropped.inc({ receiver: QUEUE_LABEL }, over);
      this.deps.log.warn({ dropped: over, capacity }, 'Alertmanager notification queue full, dropped the oldest alerts');
    }
    this.queue.push(...incoming);
    metrics.queueLength.set({ receiver: QUEUE_LABEL }, this.queue.length);
    if (!this.active) {
      this.active = true;
      this.running = this.drain().finally(() => {
        this.active = false;
      });
    }
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  async idle(): Promise<void> {
    while (this.active) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.deps.signal.aborted) {
      const batch = this.queue.splice(0, MAX_BATCH_SIZE);
      this.deps.metrics.queueLength.set({ receiver: QUEUE_LABEL }, this.queue.length);
      const body = JSON.stringify(batch.map((a) => ({ labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt, generatorURL: a.generatorURL })));
      const results = await Promise.all(this.targets.map((t, i) => this.sendTo(t, i, body)));
      if (!results.some(Boolean)) this.deps.metrics.dropped.inc({ receiver: QUEUE_LABEL }, batch.length);
    }
  }

  private async sendTo(am: AlertmanagerSettings, index: number, body: string): Promise<boolean> {
    const { metrics, clock, retry, signal } = this.deps;
    const receiver = alertmanagerReceiver(am.url);
    const end = metrics.latency.startTimer({ receiver });
    try {
      const headers = { 'Content-Type': 'application/json', 'User-Agent': 'Braid-Notifier/0.1', ...authHeaders(am, `alerting.alertmanagers[${index}]`) };
      await withRetries(clock, retry, () => postOnce(alertsEndpoint(am.url), body, headers, am.timeout, signal), { signal, onRetry: () => metrics.retries.inc({ receiver }) });
      metrics.notifications.inc({ receiver, outcome: 'sent' });
      return true;
    } catch (e) {
      const code = (e as { code?: string }).code;
      metrics.notifications.inc({ receiver, outcome: code === 'BRAID_ERR_NOTIFY_REJECTED' ? 'rejected' : 'failed' });
      this.deps.log.warn({ err: (e as Error).message, alertmanager: redact(am.url) }, 'sending alerts to Alertmanager failed');
      return false;
    } finally {
      end();
    }
  }
}

