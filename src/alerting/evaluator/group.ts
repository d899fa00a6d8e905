/**
 * A rule group (Prometheus's rules/group.go): rules evaluated in order at one timestamp, outputs
 * written before the next rule runs, stale markers for series a rule stopped producing, alerts sent
 * with Prometheus's resend semantics, and the `for` state restored from ALERTS_FOR_STATE.
 */
import type { Labels, SeriesSource } from '../../promql/types.js';
import { labelsKey } from '../../promql/values.js';
import type { Logger } from '../../telemetry/logger.js';
import type { RuleGroupConfig } from '../rules/types.js';
import type { ExampleTraceFinder, NotifiableAlert, OutputSample } from '../types.js';
import { AlertingRule, needsSending, type Alert, type AlertContext } from './alerting-rule.js';
import type { RuleMetrics } from './metrics.js';
import type { QueryFunc } from './query.js';
import { RecordingRule } from './recording-rule.js';

/** What a group needs from the manager. */
export interface GroupDeps extends AlertContext {
  query: QueryFunc;
  source: SeriesSource;
  append(samples: OutputSample[]): Promise<void>;
  send(alerts: NotifiableAlert[]): void;
  exampleTraces?: ExampleTraceFinder;
  log: Logger;
  metrics: RuleMetrics;
  resendDelayMs: number;
  outageToleranceMs: number;
  forGracePeriodMs: number;
  /** Wall clock, for durations and lastEvaluation. */
  now(): number;
}

/** Rules of a group. */
export type Rule = AlertingRule | RecordingRule;

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Go's url.QueryEscape: everything but letters, digits and `-_.~` escaped, spaces as `+`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/** Where an example trace is viewed: Braid's trace API, or the UI path `external_url` already names. */
export function traceUrl(externalUrl: string, id: string): string {
  const base = externalUrl.replace(/\/+$/, '');
  return /\/(trace|traces)$/.test(base) ? `${base}/${id}` : `${base}/api/traces/${id}`;
}

/** One group of rules with its state. */
export class Group {
  readonly key: string;
  readonly rules: Rule[];
  readonly limit: number;
  readonly queryOffsetMs: number;
  /** Series each rule wrote in its last evaluation, by label key (for stale markers). */
  seriesInPreviousEval: Array<Map<string, Labels>>;
  staleSeries: Labels[] = [];
  shouldRestore: boolean;
  rounds = 0;
  lastEvaluation: number | undefined;
  evaluationMs = 0;

  constructor(readonly file: string, readonly cfg: RuleGroupConfig, readonly intervalMs: number, private readonly deps: GroupDeps, restore: boolean) {
    this.key = `${file};${cfg.name}`;
    this.limit = cfg.limit;
    this.queryOffsetMs = cfg.queryOffsetMs ?? 0;
    this.shouldRestore = restore;
    this.rules = cfg.rules.map((r) => (r.alert !== undefined ? new AlertingRule(r, cfg.labels, deps, !restore) : new RecordingRule(r, cfg.labels)));
    this.seriesInPreviousEval = this.rules.map(() => new Map());
  }

  get name(): string {
    return this.cfg.name;
  }

  /** One evaluation round at `ts`, then the `for` restore after the second round when due (Prometheus's run loop). */
  async round(ts: number): Promise<void> {
    await this.evaluate(ts);
    this.rounds++;
    if (this.shouldRestore && this.rounds >= 2) await this.restoreForState(ts);
  }

  /** Evaluates every rule in order at `ts`. */
  async evaluate(ts: number): Promise<void> {
    const start = this.deps.now();
    const m = this.deps.metrics;
    for (const [i, rule] of this.rules.entries()) {
      const ruleStart = this.deps.now();
      m.evaluations.inc({ rule_group: this.key });
      try {
        let samples: OutputSample[];
        if (rule.kind === 'alerting') {
          const r = await rule.evaluate(ts, this.queryOffsetMs, this.deps.query, this.limit);
          samples = r.samples;
          await this.findTraces(rule, r.added, ts);
          await this.sendAlerts(rule, ts);
        } else {
          samples = await rule.evaluate(ts, this.queryOffsetMs, this.deps.query, this.limit);
        }
        const returned = new Map<string, Labels>();
        for (const s of samples) returned.set(labelsKey(s.labels), s.labels);
        const t = ts - this.queryOffsetMs;
        for (const [k, labels] of this.seriesInPreviousEval[i]!) if (!returned.has(k)) samples.push({ labels, t, v: NaN, stale: true });
        await this.deps.append(samples);
        this.seriesInPreviousEval[i] = returned;
        rule.health = 'ok';
        rule.lastError = undefined;
      } catch (err) {
        rule.health = 'err';
        rule.lastError = (err as Error).message;
        m.failures.inc({ rule_group: this.key });
        this.deps.log.warn({ group: this.name, rule: rule.name, err: rule.lastError }, 'evaluating rule failed');
      } finally {
        rule.lastEvaluation = ruleStart;
        rule.evaluationMs = this.deps.now() - ruleStart;
        m.duration.observe(rule.evaluationMs / 1000);
      }
    }
    await this.cleanupStaleSeries(ts);
    this.lastEvaluation = start;
    this.evaluationMs = this.deps.now() - start;
    m.lastDuration.set({ rule_group: this.key }, this.evaluationMs / 1000);
    m.lastEvaluation.set({ rule_group: this.key }, ts / 1000);
  }

  private async cleanupStaleSeries(ts: number): Promise<void> {
    if (this.staleSeries.length === 0) return;
    const t = ts - this.queryOffsetMs;
    try {
      await this.deps.append(this.staleSeries.map((labels) => ({ labels, t, v: NaN, stale: true })));
      this.staleSeries = [];
    } catch (err) {
      this.deps.log.warn({ group: this.name, err: (err as Error).message }, 'stale sample appending for previous configuration failed');
    }
  }

  /** Example trace IDs for alerts that just became active. */
  private async findTraces(rule: AlertingRule, alerts: Alert[], ts: number): Promise<void> {
    for (const a of alerts) await this.traceAlert(rule, a, ts);
  }

  private async traceAlert(rule: AlertingRule, a: Alert, ts: number): Promise<void> {
    const finder = this.deps.exampleTraces;
    if (finder === undefined || a.state === 'inactive') return;
    try {
      const ids = await finder({ expr: rule.expr, labels: a.labels, startMs: Math.min(a.activeAt, ts) - 5 * 60_000, endMs: ts, limit: 5 });
      if (ids.length > 0) a.traceIds = ids.slice(0, 5);
    } catch (err) {
      this.deps.log.warn({ alert: rule.name, err: (err as Error).message }, 'finding example traces failed');
    }
  }

  /** Annotations with the example traces added. */
  annotationsOf(a: Alert): Labels {
    if (a.traceIds === undefined || a.traceIds.length === 0) return a.annotations;
    return { ...a.annotations, example_trace_ids: a.traceIds.join(','), example_trace_url: traceUrl(this.deps.externalUrl, a.traceIds[0]!) };
  }

  /** Prometheus's sendAlerts: alerts due for (re)sending, endsAt = resolvedAt or now + 4 x max(interval, resend delay). */
  private async sendAlerts(rule: AlertingRule, ts: number): Promise<void> {
    const out: NotifiableAlert[] = [];
    for (const a of rule.active.values()) {
      if (!needsSending(a, ts, this.deps.resendDelayMs)) continue;
      if (a.resolvedAt === undefined) await this.traceAlert(rule, a, ts);
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(this.intervalMs, this.deps.resendDelayMs);
      out.push({
        labels: { ...a.labels },
        annotations: this.annotationsOf(a),
        startsAt: iso(a.firedAt ?? 0),
        endsAt: iso(a.resolvedAt ?? a.validUntil),
        generatorURL: `${this.deps.externalUrl}/graph?g0.expr=${queryEscape(rule.expr)}&g0.tab=1`,
      });
    }
    if (out.length > 0) this.deps.send(out);
  }

  /** Prometheus's RestoreForState: activeAt from the last ALERTS_FOR_STATE sample, shifted by the downtime. */
  async restoreForState(ts: number): Promise<void> {
    this.shouldRestore = false;
    for (const rule of this.rules) {
      if (rule.kind !== 'alerting') continue;
      if (rule.forMs < this.deps.forGracePeriodMs) {
        rule.restored = true;
        continue;
      }
      try {
        const matchers = Object.entries(rule.forStateMatchers()).map(([name, value]) => ({ type: '=' as const, name, value }));
        const series = await this.deps.source.select(matchers, ts - this.deps.outageToleranceMs, ts);
        const byLabels = new Map<string, (typeof series)[number]>();
        for (const s of series) {
          const { __name__: _, ...rest } = s.labels;
          byLabels.set(labelsKey(rest), s);
        }
        for (const a of rule.active.values()) {
          const last = byLabels.get(labelsKey(a.labels))?.samples.at(-1);
          if (last === undefined || last[2] === true) continue;
          const downAt = Math.floor(last[0] / 1000) * 1000;
          let activeAt = Math.floor(last[1]) * 1000;
          const remaining = rule.forMs - (downAt - activeAt);
          if (remaining <= 0) {
            // Firing when the process stopped: the next evaluation fires it again.
          } else if (remaining < this.deps.forGracePeriodMs) {
            activeAt = ts + this.deps.forGracePeriodMs - rule.forMs;
          } else {
            activeAt += ts - downAt;
          }
          a.activeAt = activeAt;
          this.deps.log.debug({ alert: rule.name, labels: a.labels, activeAt: iso(activeAt) }, "'for' state restored");
        }
      } catch (err) {
        this.deps.log.error({ alert: rule.name, err: (err as Error).message }, "failed to restore 'for' state");
      }
      rule.restored = true;
    }
  }

  /** Takes over the alerts and written series of `from` (Prometheus's CopyState on reload). */
  copyState(from: Group): void {
    this.lastEvaluation = from.lastEvaluation;
    this.evaluationMs = from.evaluationMs;
    this.rounds = from.rounds;
    this.shouldRestore = from.shouldRestore;
    const byIdentity = new Map<string, number[]>();
    from.rules.forEach((r, i) => byIdentity.set(r.identity(), [...(byIdentity.get(r.identity()) ?? []), i]));
    this.rules.forEach((r, i) => {
      const idx = byIdentity.get(r.identity());
      if (idx === undefined || idx.length === 0) return;
      const fi = idx.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const old = from.rules[fi]!;
      if (r.kind === 'alerting' && old.kind === 'alerting') {
        for (const [k, a] of old.active) r.active.set(k, a);
        r.restored = old.restored;
      }
      r.health = old.health;
      r.lastError = old.lastError;
      r.lastEvaluation = old.lastEvaluation;
      r.evaluationMs = old.evaluationMs;
    });
    this.staleSeries = [...from.staleSeries];
    for (const idx of byIdentity.values()) for (const fi of idx) this.staleSeries.push(...from.seriesInPreviousEval[fi]!.values());
  }

  /** Every series this group wrote last, for stale markers when the group goes away. */
  writtenSeries(): Labels[] {
    return [...this.staleSeries, ...this.seriesInPreviousEval.flatMap((m) => [...m.values()])];
  }
}
