/**
 * The notifier's settings: `alerting.alertmanagers[]` and `alerting.webhooks[]` of the config,
 * durations already in milliseconds (the config schema parses Prometheus duration strings).
 */
import { readFileSync } from 'node:fs';
import { BraidError } from '../../errors.js';
import type { Labels } from '../../promql/types.js';

/** One Alertmanager: POST <url>/api/v2/alerts. */
export interface AlertmanagerSettings {
  url: string;
  timeout: number;
  basic_auth?: { username: string; password?: string | undefined; password_file?: string | undefined } | undefined;
  bearer_token_file?: string | undefined;
}

/** One webhook receiver: Alertmanager's v4 payload (or a body template) with Alertmanager's grouping. */
export interface WebhookSettings {
  url: string;
  /** The receiver name in payloads, metrics and the notification log; default `webhook-<index>`. */
  name?: string | undefined;
  group_by: string[];
  group_wait: number;
  group_interval: number;
  repeat_interval: number;
  send_resolved: boolean;
  hmac_secret_file?: string | undefined;
  body_template_file?: string | undefined;
  /** An inline body template (instead of body_template_file). */
  body_template?: string | undefined;
  headers: Record<string, string>;
  timeout: number;
  max_alerts: number;
}

/** Everything createNotifier needs. */
export interface NotifierSettings {
  alertmanagers: AlertmanagerSettings[];
  webhooks: WebhookSettings[];
  /** `externalURL` of webhook payloads: where users reach Braid (alerting.external_url). */
  externalURL?: string;
  /** Added to every alert that lacks the label, as Prometheus's notifier does. */
  externalLabels?: Labels;
  /** Alerts waiting for the Alertmanagers (Prometheus's default: 10,000); past it the oldest are dropped. */
  queueCapacity?: number;
}

/** Webhook defaults, as Alertmanager's route defaults. */
export const WEBHOOK_DEFAULTS = {
  group_by: ['alertname'],
  group_wait: 30_000,
  group_interval: 300_000,
  repeat_interval: 4 * 3600_000,
  send_resolved: true,
  headers: {},
  timeout: 10_000,
  max_alerts: 0,
} as const;

/** Reads a secret file (trailing newline dropped); BRAID_ERR_NOTIFY_CONFIG naming the key when it cannot. */
export function readSecretFile(path: string, key: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${key}: cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${key}: ${path} is empty`);
  return secret;
}

/** Cross-field checks the schema cannot do; throws BRAID_ERR_NOTIFY_CONFIG naming the key. */
export function validateSettings(s: NotifierSettings): void {
  const names = new Set<string>();
  s.webhooks.forEach((w, i) => {
    const at = `alerting.webhooks[${i}]`;
    const name = w.name ?? `webhook-${i}`;
    if (names.has(name)) throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}.name: ${JSON.stringify(name)} is used by another webhook`);
    names.add(name);
    if (w.body_template !== undefined && w.body_template_file !== undefined) {
      throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}: set body_template or body_template_file, not both`);
    }
    if (w.group_interval <= 0 || w.repeat_interval <= 0) throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}: group_interval and repeat_interval must be positive`);
    if (w.group_by.includes('...') && w.group_by.length > 1) throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}.group_by: '...' groups by all labels and cannot be combined with others`);
    for (const h of Object.keys(w.headers)) {
      if (/^(content-type|content-length|x-braid-signature-256)$/i.test(h)) throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}.headers.${h}: set by Braid, cannot be overridden`);
    }
  });
  s.alertmanagers.forEach((a, i) => {
    if (a.basic_auth !== undefined && a.bearer_token_file !== undefined) {
      throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `alerting.alertmanagers[${i}]: set basic_auth or bearer_token_file, not both`);
    }
  });
}
