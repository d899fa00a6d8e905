/**
 * The alerts view's model: active alerts in the order an on-call reads them (firing before pending,
 * then by name), the annotations to show (the example-trace ones become links instead), and the
 * rules as a flat list. Pure: no DOM, unit tests import it.
 */
import type { AlertView, RuleGroup, RuleView } from '../api.js';

/** Annotations the evaluator adds for example traces (src/alerting/evaluator/group.ts): shown as links, not text. */
export const EXAMPLE_ANNOTATIONS = ['example_trace_ids', 'example_trace_url'] as const;

const STATE_ORDER: Record<string, number> = { firing: 0, pending: 1 };

/** Firing before pending, then by alertname, then the longest active first. */
export function sortAlerts(alerts: AlertView[]): AlertView[] {
  return [...alerts].sort(
    (a, b) =>
      (STATE_ORDER[a.state] ?? 2) - (STATE_ORDER[b.state] ?? 2) ||
      (a.labels.alertname ?? '').localeCompare(b.labels.alertname ?? '') ||
      a.activeAt.localeCompare(b.activeAt) ||
      JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)),
  );
}

/** The annotations shown as text: all but the example-trace ones. */
export function textAnnotations(a: AlertView): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.annotations)) if (!(EXAMPLE_ANNOTATIONS as readonly string[]).includes(k)) out[k] = v;
  return out;
}

/** The labels shown beside the name (alertname is the title). */
export function otherLabels(a: AlertView): Array<[string, string]> {
  return Object.entries(a.labels)
    .filter(([k]) => k !== 'alertname')
    .sort(([x], [y]) => (x < y ? -1 : 1));
}

/** How many alerts are in each state. */
export function countStates(alerts: AlertView[]): { firing: number; pending: number } {
  let firing = 0;
  let pending = 0;
  for (const a of alerts) {
    if (a.state === 'firing') firing++;
    else if (a.state === 'pending') pending++;
  }
  return { firing, pending };
}

/** A rule with the group and file it belongs to. */
export interface RuleRow extends RuleView {
  group: string;
  file: string;
}

/** The rules of all groups, in file and group order; alerting rules that fire or wait first within a group. */
export function ruleRows(groups: RuleGroup[]): RuleRow[] {
  const rank = (r: RuleView) => (r.type !== 'alerting' ? 3 : r.state === 'firing' ? 0 : r.state === 'pending' ? 1 : 2);
  return groups.flatMap((g) => g.rules.map((r, i) => ({ r: { ...r, group: g.name, file: g.file }, i })).sort((x, y) => rank(x.r) - rank(y.r) || x.i - y.i).map((x) => x.r));
}

/** An alert's value as Prometheus writes it ("1.5e+00"), shown as a plain number. */
export function formatAlertValue(v: string): string {
  const n = Number(v);
  if (v === '' || Number.isNaN(n)) return v;
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n !== 0 && (Math.abs(n) >= 1e6 || Math.abs(n) < 1e-3)) return n.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(n.toPrecision(4)));
}

/** How long ago an RFC 3339 time was, at `nowMs`: "45s", "12m", "3h 5m", "2d 4h". */
export function formatSince(iso: string, nowMs: number): string {
  const ms = nowMs - Date.parse(iso);
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.floor(ms / 1_000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A rule's `for` in seconds as a Go-style duration: "30s", "5m", "1h", "1h30m"; "–" for none. */
export function formatFor(seconds: number | undefined): string {
  if (!seconds || !Number.isFinite(seconds) || seconds <= 0) return '–';
  const h = Math.floor(seconds / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  const s = Number((seconds % 60).toFixed(3));
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
