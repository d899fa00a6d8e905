/**
 * What the four dashboards share: uid, tags, refresh, time range, links to each other, the
 * template variables, and the final pass that numbers panels and targets.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PROMETHEUS } from './datasources.js';

/** The tag every Braid dashboard carries; the links between them select by it. */
export const TAG = 'braid';

/** The four dashboards: uid (also the JSON file name) and title. */
export const DASHBOARDS = {
  serviceOverview: { uid: 'braid-service-overview', title: 'Braid / Service overview' },
  tracesLogs: { uid: 'braid-traces-logs', title: 'Braid / Traces and logs' },
  pipelineHealth: { uid: 'braid-pipeline-health', title: 'Braid / Pipeline health' },
  alerts: { uid: 'braid-alerts', title: 'Braid / Alerts' },
} as const;

/** Grafana's own annotations (what Grafana adds to every dashboard it saves). */
const builtInAnnotations = new dashboard.AnnotationQueryBuilder().name('Annotations & Alerts').builtIn(1).type('dashboard')
  .datasource({ type: 'grafana', uid: '-- Grafana --' }).enable(true).hide(true).iconColor('rgba(0, 211, 255, 1)');

/** Braid's firing alerts as annotations on every graph: when an alert fired next to what it watched. */
class FiringAlertsAnnotation extends dashboard.AnnotationQueryBuilder {
  constructor() {
    super();
    this.name('Firing alerts').datasource(PROMETHEUS).enable(true).hide(false).iconColor('red').expr('ALERTS{alertstate="firing"}');
    Object.assign(this.internal, { step: '60s', titleFormat: '{{alertname}}', tagKeys: 'severity,service_name', useValueForTime: false });
  }
}

/** A dashboard with Braid's common settings: tag, refresh 30 s, the last hour, links to the others, alerts as annotations. */
export function newDashboard(d: { uid: string; title: string }, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(d.title)
    .annotation(builtInAnnotations).annotation(new FiringAlertsAnnotation())
    .uid(d.uid).description(description).tags([TAG])
    .refresh('30s').time({ from: 'now-1h', to: 'now' }).timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(new dashboard.DashboardLinkBuilder('Braid dashboards').type(dashboard.DashboardLinkType.Dashboards).tags([TAG])
      .asDropdown(true).includeVars(true).keepTime(true).tooltip('The other Braid dashboards'));
}

/** The matcher that restricts the span-derived series to the `service` variable. */
export const SERVICE = 'service_name=~"$service"';

/**
 * `service`: the services that have span-derived series. `multi` (with All) where the panels use a
 * regex matcher; single-valued where a Jaeger search needs exactly one service.
 */
export function serviceVariable(multi: boolean): dashboard.QueryVariableBuilder {
  const v = promVariable('service', 'Service', 'label_values(traces_span_metrics_calls_total, service_name)');
  return multi ? v.multi(true).includeAll(true).allValue('.*') : v.multi(false).includeAll(false);
}

/** `operation`: the span names of the selected services. */
export function operationVariable(): dashboard.QueryVariableBuilder {
  return promVariable('operation', 'Operation', `label_values(traces_span_metrics_calls_total{${SERVICE}}, span_name)`)
    .multi(true).includeAll(true).allValue('.*');
}

/** `job`: the scrape jobs (Braid's own is `braid`). */
export function jobVariable(): dashboard.QueryVariableBuilder {
  return promVariable('job', 'Job', 'label_values(up, job)').multi(true).includeAll(true).allValue('.*');
}

function promVariable(name: string, label: string, query: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name).label(label).datasource(PROMETHEUS).query(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged).sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Panel shape the final pass reads. */
interface BuiltPanel {
  id?: number;
  type: string;
  targets?: { refId?: string }[];
}

/** Builds the dashboard and numbers its panels (1, 2, ...) and each panel's targets (A, B, ...). */
export function finish(b: dashboard.DashboardBuilder): dashboard.Dashboard {
  const built = b.build();
  let id = 0;
  for (const panel of (built.panels ?? []) as BuiltPanel[]) {
    panel.id = ++id;
    (panel.targets ?? []).forEach((t, i) => { t.refId = String.fromCharCode(65 + i); });
  }
  return built;
}
