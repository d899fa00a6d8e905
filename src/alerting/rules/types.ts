/** Rule groups as a rule file declares them (Prometheus's pkg/rulefmt), durations in milliseconds. */
import type { Labels } from '../../promql/types.js';

/** An alerting rule (`alert`) or a recording rule (`record`) of a rule file. */
export interface RuleConfig {
  alert?: string;
  record?: string;
  expr: string;
  /** `for`: how long the condition must hold before the alert fires. */
  forMs: number;
  keepFiringForMs: number;
  labels: Labels;
  annotations: Labels;
}

/** One group of a rule file: evaluated together, in order, at its interval. */
export interface RuleGroupConfig {
  name: string;
  /** The group's own `interval`; undefined means the global evaluation interval. */
  intervalMs?: number;
  queryOffsetMs?: number;
  /** Most alerts or series a rule may produce; 0 = no limit. */
  limit: number;
  labels: Labels;
  rules: RuleConfig[];
}

/** A parsed rule file: its groups, or the errors that make it invalid (Prometheus's messages). */
export interface RuleFile {
  file: string;
  groups: RuleGroupConfig[];
  errors: string[];
}
