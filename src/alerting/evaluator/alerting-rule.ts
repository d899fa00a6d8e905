/**
 * An alerting rule and its alerts, as Prometheus's rules/alerting.go keeps them: inactive -> pending
 * -> firing after `for`, keep_firing_for, pending alerts dropped when they vanish, resolved alerts
 * kept 15 minutes for sending, ALERTS and ALERTS_FOR_STATE written only once the state is restored.
 */
import { BraidError } from '../../errors.js';
import type { Labels } from '../../promql/types.js';
import { labelsKey } from '../../promql/values.js';
import { expandTemplate } from '../rules/template.js';
import type { RuleConfig } from '../rules/types.js';
import type { AlertState, OutputSample } from '../types.js';
import type { QueryFunc } from './query.js';
import { RuleBase } from './rule-base.js';

/** How long a resolved alert is kept and re-sent (Prometheus's resolvedRetention). */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** One alert of a rule. Times are Unix ms; undefined is Go's zero time. */
export interface Alert {
  state: AlertState;
  labels: Labels;
  annotations: Labels;
  value: number;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  validUntil?: number;
  keepFiringSince?: number;
  /** Example trace IDs, found when the alert became active and on each send. */
  traceIds?: string[];
}

/** What an alerting rule's templates see besides the sample. */
export interface AlertContext {
  externalLabels: Labels;
  externalUrl: string;
}

/** Prometheus's Alert.needsSending. */
export function needsSending(a: Alert, ts: number, resendDelayMs: number): boolean {
  if (a.state === 'pending') return false;
  if (a.resolvedAt !== undefined && (a.lastSentAt === undefined || a.resolvedAt > a.lastSentAt)) return true;
  return a.lastSentAt === undefined || a.lastSentAt + resendDelayMs < ts;
}

/** An alerting rule with its active alerts, keyed by their label set. */
export class AlertingRule extends RuleBase {
  readonly kind = 'alerting' as const;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly annotations: Labels;
  active = new Map<string, Alert>();
  restored: boolean;

  constructor(cfg: RuleConfig, groupLabels: Labels, private readonly ctx: AlertContext, restored: boolean) {
    super(cfg.alert!, cfg.expr, { ...groupLabels, ...cfg.labels });
    this.forMs = cfg.forMs;
    this.keepFiringForMs = cfg.keepFiringForMs;
    this.annotations = cfg.annotations;
    this.restored = restored;
  }

  private async expand(text: string, labels: Labels, value: number, query: QueryFunc, ts: number): Promise<string> {
    try {
      return await expandTemplate(text, { labels, externalLabels: this.ctx.externalLabels, externalURL: this.ctx.externalUrl, value }, {
        name: `__alert_${this.name}`,
        query: (q) => query(q, ts),
        timeMs: ts,
      });
    } catch (err) {
      return `<error expanding template: ${(err as Error).message}>`;
    }
  }

  /** Builds the alerts of one result: labels (minus __name__, plus rule labels and alertname) and annotations expanded. */
  private async resultAlerts(ts: number, queryOffsetMs: number, query: QueryFunc): Promise<Map<string, Alert>> {
    const res = await query(this.expr, ts - queryOffsetMs);
    const alerts = new Map<string, Alert>();
    for (const s of res) {
      const labels: Labels = { ...s.labels };
      delete labels.__name__;
      for (const [k, v] of Object.entries(this.labels)) {
        const x = await this.expand(v, s.labels, s.value, query, ts);
        // Prometheus's labels.Builder: setting an empty value removes the label.
        if (x === '') delete labels[k];
        else labels[k] = x;
      }
      labels.alertname = this.name;
      const annotations: Labels = {};
      for (const [k, v] of Object.entries(this.annotations)) annotations[k] = await this.expand(v, s.labels, s.value, query, ts);
      const key = labelsKey(labels);
      if (alerts.has(key)) throw new BraidError('BRAID_ERR_RULES_EVAL', 'vector contains metrics with the same labelset after applying alert labels');
      alerts.set(key, { labels, annotations, activeAt: ts, state: 'pending', value: s.value });
    }
    return alerts;
  }

  /** One evaluation at `ts`: updates the alerts and returns ALERTS / ALERTS_FOR_STATE samples (none until restored). */
  async evaluate(ts: number, queryOffsetMs: number, query: QueryFunc, limit: number): Promise<{ samples: OutputSample[]; added: Alert[] }> {
    const result = await this.resultAlerts(ts, queryOffsetMs, query);
    const added: Alert[] = [];
    for (const [k, a] of result) {
      const cur = this.active.get(k);
      if (cur !== undefined && cur.state !== 'inactive') {
        cur.value = a.value;
        cur.annotations = a.annotations;
        continue;
      }
      this.active.set(k, a);
      added.push(a);
    }
    const samples: OutputSample[] = [];
    let activeCount = 0;
    const t = ts - queryOffsetMs;
    for (const [k, a] of this.active) {
      if (!result.has(k)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringForMs > 0) {
          a.keepFiringSince ??= ts;
          keepFiring = ts - a.keepFiringSince < this.keepFiringForMs;
        }
        if (a.state === 'pending' || (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(k);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = undefined;
      }
      activeCount++;
      if (a.state === 'pending' && ts - a.activeAt >= this.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (a.state === 'firing' && ts - a.activeAt < this.forMs) {
        a.state = 'pending';
        a.firedAt = a.lastSentAt = a.keepFiringSince = undefined;
      }
      if (this.restored) samples.push(...this.stateSamples(a, t));
    }
    if (limit > 0 && activeCount > limit) {
      this.active = new Map();
      throw new BraidError('BRAID_ERR_RULES_EVAL', `exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return { samples, added };
  }

  /** ALERTS{...} = 1 and ALERTS_FOR_STATE{...} = activeAt in seconds. */
  private stateSamples(a: Alert, t: number): OutputSample[] {
    const base: Labels = { ...a.labels, alertname: this.name };
    for (const [k, v] of Object.entries(this.labels)) if (v !== '' && !(k in base)) base[k] = v;
    return [
      { labels: { ...base, __name__: 'ALERTS', alertstate: a.state }, t, v: 1 },
      { labels: { ...base, __name__: 'ALERTS_FOR_STATE' }, t, v: Math.floor(a.activeAt / 1000) },
    ];
  }

  /** The matchers Prometheus's QueryForStateSeries uses: rule labels without templates, alertname, the metric name. */
  forStateMatchers(): Labels {
    const out: Labels = {};
    for (const [k, v] of Object.entries(this.labels)) if (!v.includes('{{')) out[k] = v;
    return { ...out, __name__: 'ALERTS_FOR_STATE', alertname: this.name };
  }

  /** Alerts that are not resolved. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.resolvedAt === undefined);
  }

  /** The highest state of the rule's alerts ("unknown" before the first evaluation). */
  state(): AlertState | 'unknown' {
    if (this.lastEvaluation === undefined) return 'unknown';
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) if (a.state === 'firing' || (a.state === 'pending' && s === 'inactive')) s = a.state;
    return s;
  }
}
