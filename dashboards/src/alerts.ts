/**
 * Alerts: what fires and what is pending, from the ALERTS series the alerter writes, the rules
 * themselves through the data source's rules API (alert list panel), and how rule evaluation goes.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { DASHBOARDS, finish, jobVariable, newDashboard } from './common.js';
import { PROMETHEUS } from './datasources.js';
import { AlertListPanelBuilder, prom, promTable, row, series, single, thresholds } from './panels.js';

const JOB = 'job=~"$job"';

/** The Alerts dashboard. */
export function alerts(): Dashboard {
  const b = newDashboard(DASHBOARDS.alerts, 'Alerts of Braid\'s rules (alerts/*.yaml): firing and pending from the ALERTS series, the rules from the rules API, and rule evaluation.')
    .withVariable(jobVariable())
    .withRow(row('Now'))
    .withPanel(single({ title: 'Firing', description: 'Alerts firing now (ALERTS{alertstate="firing"}).', w: 6, h: 4 }, 'short',
      [prom('count(ALERTS{alertstate="firing"}) or vector(0)', 'firing')], thresholds(1)))
    .withPanel(single({ title: 'Pending', description: 'Alerts whose condition holds but not yet for the rule\'s `for` duration (ALERTS{alertstate="pending"}).', w: 6, h: 4 }, 'short',
      [prom('count(ALERTS{alertstate="pending"}) or vector(0)', 'pending')], thresholds(undefined, 1)))
    .withPanel(single({ title: 'Rule evaluations', description: 'Rule evaluations per second, all groups.', w: 6, h: 4 }, 'ops',
      [prom(`sum(rate(braid_rule_evaluations_total{${JOB}}[$__rate_interval]))`, 'evaluations/s')]))
    .withPanel(single({ title: 'Rule evaluation failures', description: 'Failed rule evaluations over the time range (a query error, a template error, a limit exceeded).', w: 6, h: 4 }, 'short',
      [prom(`sum(increase(braid_rule_evaluation_failures_total{${JOB}}[$__range])) or vector(0)`, 'failures')], thresholds(1)))
    .withPanel(series({ title: 'Alerts by name and state', description: 'Active alert instances over time by alert name and state (ALERTS).', w: 12, h: 9 }, 'short',
      [prom('sum by (alertname, alertstate) (ALERTS)', '{{alertname}} ({{alertstate}})')]).decimals(0))
    .withPanel(new AlertListPanelBuilder({ title: 'Alert rules', description: 'Firing, pending and failing rules of the Braid Prometheus data source, read from its rules API (/prometheus/api/v1/rules), most important first.', w: 12, h: 9 }))
    .withPanel(activeAlerts())
    .withRow(row('Rule evaluation'))
    .withPanel(series({ title: 'Rule evaluation duration', description: 'Duration of one rule evaluation: quantiles 0.5, 0.9 and 0.99 over the alerter\'s recent evaluations (braid_rule_evaluation_duration_seconds, a summary).', w: 12, h: 8 }, 's',
      [prom(`max by (quantile) (braid_rule_evaluation_duration_seconds{${JOB}})`, 'quantile {{quantile}}')]))
    .withPanel(series({ title: 'Rule group round duration', description: 'Duration of each rule group\'s last evaluation round; a round longer than the group\'s interval falls behind.', w: 12, h: 8 }, 's',
      [prom(`max by (rule_group) (braid_rule_group_last_duration_seconds{${JOB}})`, '{{rule_group}}')]));
  return finish(b);
}

/** One row per active alert instance with its labels. */
function activeAlerts(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Active alerts').description('Every pending or firing alert instance now, with its labels (ALERTS at the end of the time range).')
    .span(24).height(8).unit('short').datasource(PROMETHEUS)
    .withTarget(promTable('ALERTS'))
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true }, indexByName: { alertname: 0, alertstate: 1, severity: 2 } } });
}
