/** The `data` of Prometheus's /api/v1/rules and /api/v1/alerts, from the groups' state. */
import { BraidError } from '../../errors.js';
import type { Labels } from '../../promql/types.js';
import type { Alert } from './alerting-rule.js';
import type { Group } from './group.js';

/** Filters of /api/v1/rules. */
export interface RulesFilters {
  type?: string;
  rule_name?: string[];
  rule_group?: string[];
  file?: string[];
  exclude_alerts?: string;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const iso = (ms: number | undefined) => (ms === undefined ? ZERO_TIME : new Date(ms).toISOString());

/** Go's strconv.FormatFloat(v, 'e', -1, 64). */
export function formatExp(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** One alert as the API shows it. */
function apiAlert(g: Group, a: Alert) {
  return {
    labels: a.labels as Labels,
    annotations: g.annotationsOf(a),
    state: a.state,
    activeAt: iso(a.activeAt),
    ...(a.keepFiringSince === undefined ? {} : { keepFiringSince: iso(a.keepFiringSince) }),
    value: formatExp(a.value),
  };
}

/** /api/v1/alerts: every active (not resolved) alert. */
export function alertsData(groups: readonly Group[]): { alerts: ReturnType<typeof apiAlert>[] } {
  const alerts = [];
  for (const g of groups) for (const r of g.rules) if (r.kind === 'alerting') for (const a of r.activeAlerts()) alerts.push(apiAlert(g, a));
  return { alerts };
}

/** /api/v1/rules with Prometheus's filters. */
export function rulesData(groups: readonly Group[], f: RulesFilters): { groups: unknown[] } {
  const type = (f.type ?? '').toLowerCase();
  if (type !== '' && type !== 'alert' && type !== 'record') throw new BraidError('BRAID_ERR_QUERY_INVALID', `invalid parameter "type": not supported value ${JSON.stringify(f.type)}`);
  const excludeAlerts = (f.exclude_alerts ?? '') === 'true';
  const names = new Set(f.rule_name ?? []);
  const groupNames = new Set(f.rule_group ?? []);
  const files = new Set(f.file ?? []);
  const out = [];
  for (const g of groups) {
    if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
    if (files.size > 0 && !files.has(g.file)) continue;
    const rules = [];
    for (const r of g.rules) {
      if (names.size > 0 && !names.has(r.name)) continue;
      const common = { health: r.health, ...(r.lastError === undefined ? {} : { lastError: r.lastError }), evaluationTime: r.evaluationMs / 1000, lastEvaluation: iso(r.lastEvaluation) };
      if (r.kind === 'alerting') {
        if (type === 'record') continue;
        rules.push({
          state: r.state(), name: r.name, query: r.expr, duration: r.forMs / 1000, keepFiringFor: r.keepFiringForMs / 1000,
          labels: r.labels, annotations: r.annotations, alerts: excludeAlerts ? null : r.activeAlerts().map((a) => apiAlert(g, a)), ...common, type: 'alerting',
        });
      } else {
        if (type === 'alert') continue;
        rules.push({ name: r.name, query: r.expr, labels: r.labels, ...common, type: 'recording' });
      }
    }
    if (rules.length === 0) continue;
    out.push({ name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, limit: g.limit, evaluationTime: g.evaluationMs / 1000, lastEvaluation: iso(g.lastEvaluation) });
  }
  return { groups: out };
}
