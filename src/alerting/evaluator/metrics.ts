/** The rule manager's metrics, named as Prometheus names its own (prometheus_rule_*), with the braid_ prefix. */
import { Counter, Gauge, Registry, Summary } from 'prom-client';

/** Metrics of rule evaluation. */
export interface RuleMetrics {
  evaluations: Counter<'rule_group'>;
  failures: Counter<'rule_group'>;
  duration: Summary;
  lastDuration: Gauge<'rule_group'>;
  lastEvaluation: Gauge<'rule_group'>;
  alerts: Gauge<'state'>;
}

/** Builds the metrics on `registry`; `countAlerts` is read at scrape time. */
export function createRuleMetrics(registry: Registry, countAlerts: () => Record<'pending' | 'firing', number>): RuleMetrics {
  const registers = [registry];
  return {
    evaluations: new Counter({ name: 'braid_rule_evaluations_total', help: 'Rule evaluations, by rule group (file;name).', labelNames: ['rule_group'], registers }),
    failures: new Counter({ name: 'braid_rule_evaluation_failures_total', help: 'Rule evaluations that failed, by rule group (file;name).', labelNames: ['rule_group'], registers }),
    duration: new Summary({ name: 'braid_rule_evaluation_duration_seconds', help: 'Duration of one rule evaluation.', percentiles: [0.5, 0.9, 0.99], registers }),
    lastDuration: new Gauge({ name: 'braid_rule_group_last_duration_seconds', help: 'Duration of the last evaluation round of the group.', labelNames: ['rule_group'], registers }),
    lastEvaluation: new Gauge({ name: 'braid_rule_group_last_evaluation_timestamp_seconds', help: 'Timestamp of the last evaluation round of the group.', labelNames: ['rule_group'], registers }),
    alerts: new Gauge({
      name: 'braid_rule_alerts',
      help: 'Active alerts by state (pending, firing).',
      labelNames: ['state'],
      registers,
      collect() {
        const c = countAlerts();
        this.set({ state: 'pending' }, c.pending);
        this.set({ state: 'firing' }, c.firing);
      },
    }),
  };
}
