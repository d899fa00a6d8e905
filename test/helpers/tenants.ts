/** Tenants for tests: a tokens file, authenticated requests, and OTLP/JSON bodies that mark whose data they are. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A tokens file (`tenant:token` per line) with a fresh random token for each tenant. */
export function tokensFile(tenants: readonly string[]): { path: string; tokens: Record<string, string>; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'braid-tenants-'));
  const tokens = Object.fromEntries(tenants.map((t) => [t, `${t}-${randomBytes(12).toString('hex')}`]));
  const path = join(dir, 'tokens');
  writeFileSync(path, Object.entries(tokens).map(([t, token]) => `${t}:${token}\n`).join(''));
  return { path, tokens, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The Authorization header of a token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** GET (or POST a form) with a token; the status and the parsed JSON body. */
export async function callAs<T = unknown>(token: string, url: string, form?: Record<string, string>): Promise<{ status: number; body: T }> {
  const res = await fetch(url, form === undefined
    ? { headers: bearer(token) }
    : { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  return { status: res.status, body: (await res.json()) as T };
}

/** POSTs an OTLP/JSON body to `url` with a token; throws unless 2xx. */
export async function sendAs(token: string, url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
}

const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const attrs = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));

/** An OTLP/JSON monotonic sum `name` (Prometheus: `<name>_total`) with `labels`, one point per [ms, value], each with an exemplar of `traceId`/`spanId`. */
export function counterBody(service: string, name: string, labels: Record<string, string>, points: Array<[number, number]>, traceId: string, spanId: string) {
  return {
    resourceMetrics: [{
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeMetrics: [{
        metrics: [{
          name,
          sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: points.map(([ms, v]) => ({ timeUnixNano: ns(ms), asDouble: v, attributes: attrs(labels), exemplars: [{ timeUnixNano: ns(ms), asDouble: v, traceId, spanId }] })) },
        }],
      }],
    }],
  };
}

/** An OTLP/JSON log record of `service` in a span of a trace. */
export function logBody(service: string, message: string, ms: number, traceId: string, spanId: string) {
  return {
    resourceLogs: [{
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeLogs: [{ logRecords: [{ timeUnixNano: ns(ms), severityNumber: 9, severityText: 'INFO', body: { stringValue: message }, traceId, spanId }] }],
    }],
  };
}
