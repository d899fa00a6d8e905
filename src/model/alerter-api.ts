/**
 * Prometheus's /api/v1/rules and /api/v1/alerts answers as plain data, the rules filters, and the
 * alerter's snapshot of both: the alerter publishes it on the queue's state topic, a query process
 * without the alerter serves it (src/alerting/snapshot). Here because alerting and query both read
 * it and meet only through the model.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BraidError } from '../errors.js';

/** The state-topic key of the alerter's snapshot. */
export const ALERTER_SNAPSHOT_KEY = 'alerter.api.v1';
/** At most this many alerts travel in a snapshot (the alerts answer, and all rules' alerts together). */
export const MAX_SNAPSHOT_ALERTS = 10_000;

/** Filters of /api/v1/rules. */
export interface RulesFilters {
  type?: string;
  rule_name?: string[];
  rule_group?: string[];
  file?: string[];
  exclude_alerts?: string;
}

/** One alert as the API shows it. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt: string;
  keepFiringSince?: string;
  value: string;
}

/** One rule as the API shows it (the fields beyond these pass through untouched). */
export interface ApiRule {
  type: 'alerting' | 'recording';
  name: string;
  health: string;
  /** Alerting rules: inactive, pending or firing. */
  state?: string;
  /** Alerting rules: the rule's active alerts; null when excluded. */
  alerts?: ApiAlert[] | null;
  [field: string]: unknown;
}

/** One rule group as the API shows it. */
export interface ApiRuleGroup {
  name: string;
  file: string;
  rules: ApiRule[];
  [field: string]: unknown;
}

/** The `data` of /api/v1/rules; `note` says when the snapshot cut alerts. */
export interface RulesAnswer {
  groups: ApiRuleGroup[];
  note?: string;
}

/** The `data` of /api/v1/alerts; `note` says when the snapshot cut alerts. */
export interface AlertsAnswer {
  alerts: ApiAlert[];
  note?: string;
}

/** /api/v1/rules with Prometheus's filters, over the unfiltered answer. */
export function filterRules(all: RulesAnswer, f: RulesFilters): RulesAnswer {
  const type = (f.type ?? '').toLowerCase();
  if (type !== '' && type !== 'alert' && type !== 'record') throw new BraidError('BRAID_ERR_QUERY_INVALID', `invalid parameter "type": not supported value ${JSON.stringify(f.type)}`);
  const excludeAlerts = (f.exclude_alerts ?? '') === 'true';
  const names = new Set(f.rule_name ?? []);
  const groupNames = new Set(f.rule_group ?? []);
  const files = new Set(f.file ?? []);
  const groups: ApiRuleGroup[] = [];
  for (const g of all.groups) {
    if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
    if (files.size > 0 && !files.has(g.file)) continue;
    const rules: ApiRule[] = [];
    for (const r of g.rules) {
      if (names.size > 0 && !names.has(r.name)) continue;
      if (r.type === 'alerting' ? type === 'record' : type === 'alert') continue;
      rules.push(r.type === 'alerting' && excludeAlerts ? { ...r, alerts: null } : r);
    }
    if (rules.length > 0) groups.push({ ...g, rules });
  }
  return { groups, ...(all.note === undefined ? {} : { note: all.note }) };
}

/** What the alerter publishes: both answers, unfiltered, and when. */
export interface AlerterSnapshot {
  /** Unix milliseconds of publication. */
  publishedAt: number;
  rules: RulesAnswer;
  alerts: AlertsAnswer;
}

/** The snapshot of both answers, with at most `max` alerts in each (cut answers carry a note). */
export function buildSnapshot(rules: RulesAnswer, alerts: AlertsAnswer, publishedAt: number, max = MAX_SNAPSHOT_ALERTS): AlerterSnapshot {
  const cut = (kept: number, total: number) => `alerts cut to ${kept} of ${total} by the alerter snapshot's bound`;
  const total = alerts.alerts.length;
  const outAlerts: AlertsAnswer = total > max ? { alerts: alerts.alerts.slice(0, max), note: cut(max, total) } : { alerts: alerts.alerts };
  let room = max;
  let ruleAlerts = 0;
  const groups = rules.groups.map((g) => ({
    ...g,
    rules: g.rules.map((r) => {
      if (!Array.isArray(r.alerts)) return r;
      ruleAlerts += r.alerts.length;
      const keep = Math.min(room, r.alerts.length);
      room -= keep;
      return keep === r.alerts.length ? r : { ...r, alerts: r.alerts.slice(0, keep) };
    }),
  }));
  const outRules: RulesAnswer = ruleAlerts > max ? { groups, note: cut(max, ruleAlerts) } : { groups };
  return { publishedAt, rules: outRules, alerts: outAlerts };
}

/** Fields that move every round without anything happening: they alone do not make a snapshot new. */
const VOLATILE = new Set(['lastEvaluation', 'evaluationTime', 'value']);

/** A fingerprint of what the snapshot says, ignoring evaluation times and values. */
export function snapshotFingerprint(s: AlerterSnapshot): string {
  return JSON.stringify({ rules: s.rules, alerts: s.alerts }, (k, v: unknown) => (VOLATILE.has(k) ? undefined : v));
}

/** The snapshot as state-topic bytes: gzipped JSON. */
export function encodeSnapshot(s: AlerterSnapshot): Buffer {
  return gzipSync(JSON.stringify(s));
}

const invalid = (what: string, cause?: unknown) =>
  new BraidError('BRAID_ERR_ALERTER_SNAPSHOT_INVALID', `alerter snapshot (${ALERTER_SNAPSHOT_KEY}): ${what}`, cause === undefined ? undefined : { cause });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes state-topic bytes; a record that is not a snapshot is an error naming what is wrong. */
export function decodeSnapshot(bytes: Buffer): AlerterSnapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (cause) {
    throw invalid(`not gzipped JSON: ${(cause as Error).message}`, cause);
  }
  if (!isObject(parsed)) throw invalid('not a JSON object');
  if (typeof parsed.publishedAt !== 'number' || !Number.isFinite(parsed.publishedAt)) throw invalid('"publishedAt" is not a number');
  const { rules, alerts } = parsed;
  if (!isObject(rules) || !Array.isArray(rules.groups)) throw invalid('"rules.groups" is not an array');
  if (!isObject(alerts) || !Array.isArray(alerts.alerts)) throw invalid('"alerts.alerts" is not an array');
  rules.groups.forEach((g: unknown, i) => {
    if (!isObject(g) || typeof g.name !== 'string' || typeof g.file !== 'string' || !Array.isArray(g.rules)) throw invalid(`rules.groups[${i}] lacks name, file or rules`);
    g.rules.forEach((r: unknown, j) => {
      if (!isObject(r) || typeof r.name !== 'string' || typeof r.health !== 'string' || (r.type !== 'alerting' && r.type !== 'recording')) throw invalid(`rules.groups[${i}].rules[${j}] lacks a name, a health or a type of alerting/recording`);
    });
  });
  return parsed as unknown as AlerterSnapshot;
}
