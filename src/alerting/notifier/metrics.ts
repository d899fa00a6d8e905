/** The notifier's metrics (braid_notification*, braid_notifier_*). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The notifier's metrics, registered on one registry. */
export interface NotifierMetrics {
  notifications: Counter<'receiver' | 'outcome'>;
  latency: Histogram<'receiver'>;
  queueLength: Gauge<'receiver'>;
  dropped: Counter<'receiver'>;
  retries: Counter<'receiver'>;
}

/** Creates the metrics on `registry` (a private one when none is given). */
export function createNotifierMetrics(registry?: Registry): NotifierMetrics {
  const registers = registry === undefined ? [] : [registry];
  return {
    notifications: new Counter({
      name: 'braid_notifications_total',
      help: 'Notifications (an Alertmanager batch or a webhook group message) by receiver and outcome: sent, failed (gave up), rejected (4xx), skipped (deduplicated).',
      labelNames: ['receiver', 'outcome'],
      registers,
    }),
    latency: new Histogram({
      name: 'braid_notification_latency_seconds',
      help: 'Time to deliver one notification, retries included.',
      labelNames: ['receiver'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    queueLength: new Gauge({ name: 'braid_notifier_queue_length', help: 'Alerts waiting to be sent to an Alertmanager.', labelNames: ['receiver'], registers }),
    dropped: new Counter({
      name: 'braid_notifier_dropped_total',
      help: 'Alerts dropped: the Alertmanager queue was full, or every attempt to deliver them failed.',
      labelNames: ['receiver'],
      registers,
    }),
    retries: new Counter({ name: 'braid_notification_retries_total', help: 'Retried deliveries after a transient failure (5xx, 429, timeout, connection error).', labelNames: ['receiver'], registers }),
  };
}
