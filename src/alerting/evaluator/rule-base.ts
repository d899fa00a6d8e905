/** What recording and alerting rules share: name, query, labels, health and the last evaluation. */
import type { Labels } from '../../promql/types.js';

/** A rule's health as Prometheus's rules API reports it. */
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** The common part of a rule. */
export abstract class RuleBase {
  health: RuleHealth = 'unknown';
  lastError: string | undefined;
  /** Wall-clock ms of the last evaluation's start; undefined before the first. */
  lastEvaluation: number | undefined;
  evaluationMs = 0;

  constructor(readonly name: string, readonly expr: string, readonly labels: Labels) {}

  /** Prometheus matches rules across reloads by name and labels. */
  identity(): string {
    return `${this.name}${JSON.stringify(Object.entries(this.labels).sort())}`;
  }
}
