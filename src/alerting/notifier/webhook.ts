/**
 * A webhook receiver: the v4 payload (or a body template rendered over it), custom headers, an
 * optional HMAC-SHA256 signature of the exact body bytes (`X-Braid-Signature-256: sha256=<hex>`,
 * GitHub's convention), POSTed with retries on transient failures.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BraidError } from '../../errors.js';
import { checkTemplate, renderTemplate, type TemplateFunc } from '../templates/index.js';
import type { Clock } from './clock.js';
import type { Deliver } from './dispatcher.js';
import { postOnce, withRetries, type RetryPolicy } from './http.js';
import type { NotifierMetrics } from './metrics.js';
import { encodeMessage, templateData, type WebhookMessage } from './payload.js';
import { readSecretFile, type WebhookSettings } from './settings.js';

/** The signature header's name. */
export const SIGNATURE_HEADER = 'X-Braid-Signature-256';

/** `sha256=<hex>` of HMAC-SHA256(secret, body). */
export function sign(secret: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/** Functions body templates get beyond renderTemplate's: `env` reads an environment variable (for keys such as PagerDuty's routing key). */
const bodyFunctions: Record<string, TemplateFunc> = {
  env: (name: unknown) => process.env[String(name)] ?? '',
};

/** Loads and checks the body template of a webhook (undefined: the v4 payload). */
export function loadBodyTemplate(w: WebhookSettings, at: string): string | undefined {
  let text = w.body_template;
  if (w.body_template_file !== undefined) {
    try {
      text = readFileSync(w.body_template_file, 'utf8');
    } catch (e) {
      throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}.body_template_file: cannot read ${w.body_template_file}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (text === undefined) return undefined;
  try {
    checkTemplate(text, 'body', Object.keys(bodyFunctions));
  } catch (e) {
    throw new BraidError('BRAID_ERR_NOTIFY_CONFIG', `${at}.body_template${w.body_template_file === undefined ? '' : '_file'}: ${(e as Error).message}`, { cause: e });
  }
  return text;
}

/** Renders the body of one message: the v4 JSON, or the body template over Alertmanager's template data. */
export async function renderBody(msg: WebhookMessage, template: string | undefined): Promise<string> {
  if (template === undefined) return encodeMessage(msg);
  return renderTemplate(template, templateData(msg), bodyFunctions, 'body');
}

/** The deliver function of one webhook. */
export function createWebhookDeliver(
  w: WebhookSettings,
  receiver: string,
  at: string,
  deps: { clock: Clock; retry: RetryPolicy; metrics: NotifierMetrics; signal: AbortSignal },
): Deliver {
  const template = loadBodyTemplate(w, at);
  const secret = w.hmac_secret_file === undefined ? undefined : readSecretFile(w.hmac_secret_file, `${at}.hmac_secret_file`);
  return async (msg) => {
    const body = await renderBody(msg, template);
    const headers: Record<string, string> = { 'User-Agent': 'Braid-Notifier/0.1', ...w.headers, 'Content-Type': 'application/json' };
    if (secret !== undefined) headers[SIGNATURE_HEADER] = sign(secret, body);
    const end = deps.metrics.latency.startTimer({ receiver });
    try {
      await withRetries(deps.clock, { ...deps.retry, maxElapsedMs: Math.min(deps.retry.maxElapsedMs, w.group_interval) }, () => postOnce(w.url, body, headers, w.timeout, deps.signal), {
        signal: deps.signal,
        onRetry: () => deps.metrics.retries.inc({ receiver }),
      });
    } finally {
      end();
    }
  };
}
