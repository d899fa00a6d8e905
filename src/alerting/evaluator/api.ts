/** The `data` of Prometheus's /api/v1/rules and /api/v1/alerts, from the groups' state. */
import { filterRules, type ApiAlert, type ApiRule, type ApiRuleGroup, type RulesAnswer, type RulesFilters } from '../../model/alerter-api.js';
import type { Labels } from '../../promql/types.js';
import type { Alert } from './alerting-rule.js';
import type { Group } from './group.js';

export type { RulesFilters };

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
function apiAlert(g: Group, a: Alert): ApiAlert {
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
export function alertsData(groups: readonly Group[]): { alerts: ApiAlert[] } {
  const alerts = [];
  for (const g of groups) for (const r of g.rules) if (r.kind === 'alerting') for (const a of r.activeAlerts()) alerts.push(apiAlert(g, a));
  return { alerts };
}

/** /api/v1/rules unfiltered: every group with its rules and their alerts. */
export function allRulesData(groups: readonly Group[]): RulesAnswer {
  const out: ApiRuleGroup[] = [];
  for (const g of groups) {
    const rules: ApiRule[] = [];
    for (const r of g.rules) {
      const common = { health: r.health, ...(r.lastError === undefined ? {} : { lastError: r.lastError }), evaluationTime: r.evaluationMs / 1000, lastEvaluation: iso(r.lastEvaluation) };
      if (r.kind === 'alerting') {
        rules.push({
          state: r.state(), name: r.name, query: r.expr, duration: r.forMs / 1000, keepFiringFor: r.keepFiringForMs / 1000,
          labels: r.labels, annotations: r.annotations, alerts: r.activeAlerts().map((a) => apiAlert(g, a)), ...common, type: 'alerting',
        });
      } else {
        rules.push({ name: r.name, query: r.expr, labels: r.labels, ...common, type: 'recording' });
      }
    }
    out.push({ name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, limit: g.limit, evaluationTime: g.evaluationMs / 1000, lastEvaluation: iso(g.lastEvaluation) });
  }
  return { groups: out };
}

/** /api/v1/rules with Prometheus's filters. */
export function rulesData(groups: readonly Group[], f: RulesFilters): RulesAnswer {
  return filterRules(allRulesData(groups), f);
}
