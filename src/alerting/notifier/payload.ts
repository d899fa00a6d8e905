/**
 * Alertmanager's webhook payload, version 4 (notify/webhook Message over template.Data), and the
 * same data in the shape Alertmanager's templates see (`.Status`, `.Alerts.Firing`,
 * `.CommonLabels.SortedPairs` ...) for body templates.
 */
import type { Labels } from '../../promql/types.js';
import { GoTime, stringMap } from '../templates/index.js';

/** Go's zero time.Time as JSON: a firing alert's endsAt. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert of a group at flush time. */
export interface GroupAlert {
  labels: Labels;
  annotations: Labels;
  startsAt: string;
  /** RFC 3339; ZERO_TIME while firing. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
}

/** The v4 webhook message (JSON field order as Alertmanager writes it). */
export interface WebhookMessage {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: GroupAlert[];
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Labels;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** Go's regexp.QuoteMeta, which Alertmanager applies to the receiver name. */
const quoteMeta = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');

function common(maps: Labels[]): Labels {
  if (maps.length === 0) return {};
  const out: Labels = { ...maps[0] };
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k];
  return out;
}

const sortKeys = (l: Labels): Labels => Object.fromEntries(Object.keys(l).sort().map((k) => [k, l[k]!]));

/** Builds the message for one notification: `alerts` sorted and already cut to max_alerts. */
export function buildMessage(opts: { receiver: string; groupKey: string; groupLabels: Labels; alerts: GroupAlert[]; truncated: number; externalURL: string }): WebhookMessage {
  const { alerts } = opts;
  return {
    receiver: quoteMeta(opts.receiver),
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: alerts.map((a) => ({ status: a.status, labels: sortKeys(a.labels), annotations: sortKeys(a.annotations), startsAt: a.startsAt, endsAt: a.endsAt, generatorURL: a.generatorURL, fingerprint: a.fingerprint })),
    groupLabels: sortKeys(opts.groupLabels),
    commonLabels: sortKeys(common(alerts.map((a) => a.labels))),
    commonAnnotations: sortKeys(common(alerts.map((a) => a.annotations))),
    externalURL: opts.externalURL,
    version: '4',
    groupKey: opts.groupKey,
    truncatedAlerts: opts.truncated,
  };
}

/** The body as Go's json.Encoder writes it: HTML characters escaped, a trailing newline. */
export function encodeMessage(msg: WebhookMessage): string {
  return JSON.stringify(msg).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n';
}

function rfc3339ToTime(s: string): GoTime {
  if (s === ZERO_TIME) return new GoTime(-62135596800n * 1_000_000_000n);
  const ms = Date.parse(s);
  const frac = /\.(\d+)/.exec(s)?.[1] ?? '';
  return new GoTime(BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9)));
}

/** Alertmanager's template.KV: a string map with SortedPairs, Names, Values and Remove. */
function kv(l: Labels): Labels {
  const m = stringMap({ ...sortKeys(l) });
  const pairs = (): Array<{ Name: string; Value: string }> => Object.keys(m).sort().map((k) => ({ Name: k, Value: m[k]! }));
  const methods = {
    SortedPairs: pairs,
    Names: () => Object.keys(m).sort(),
    Values: () => pairs().map((p) => p.Value),
    Remove: (keys: unknown) => kv(Object.fromEntries(Object.entries(m).filter(([k]) => !(Array.isArray(keys) && keys.includes(k))))),
  };
  for (const [name, fn] of Object.entries(methods)) Object.defineProperty(m, name, { value: fn, enumerable: false });
  return m;
}

/** Alertmanager's template.Alerts: a slice with Firing and Resolved. */
function alertList<T extends { Status: string }>(list: T[]): T[] {
  const out = [...list];
  Object.defineProperty(out, 'Firing', { value: () => alertList(list.filter((a) => a.Status === 'firing')), enumerable: false });
  Object.defineProperty(out, 'Resolved', { value: () => alertList(list.filter((a) => a.Status === 'resolved')), enumerable: false });
  return out;
}

/** The message as Alertmanager's templates see it (template.Data), plus Version, GroupKey, TruncatedAlerts. */
export function templateData(msg: WebhookMessage): Record<string, unknown> {
  return {
    Receiver: msg.receiver,
    Status: msg.status,
    Alerts: alertList(
      msg.alerts.map((a) => ({
        Status: a.status,
        Labels: kv(a.labels),
        Annotations: kv(a.annotations),
        StartsAt: rfc3339ToTime(a.startsAt),
        EndsAt: rfc3339ToTime(a.endsAt),
        GeneratorURL: a.generatorURL,
        Fingerprint: a.fingerprint,
      })),
    ),
    GroupLabels: kv(msg.groupLabels),
    CommonLabels: kv(msg.commonLabels),
    CommonAnnotations: kv(msg.commonAnnotations),
    ExternalURL: msg.externalURL,
    Version: msg.version,
    GroupKey: msg.groupKey,
    TruncatedAlerts: BigInt(msg.truncatedAlerts),
  };
}
