/**
 * The rule manager: loads rule files (a bad file keeps the old rules), runs each group at its
 * interval on slots offset by the group's hash (as Prometheus does), restores `for` state after
 * a restart, and answers the rules and alerts APIs.
 */
import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import type { Labels, SeriesSource } from '../../promql/types.js';
import type { Logger } from '../../telemetry/logger.js';
import { expandRuleFiles, loadRuleFile } from '../rules/load.js';
import type { ExampleTraceFinder, NotifiableAlert, OutputSample } from '../types.js';
import type { AlertsAnswer, RulesAnswer } from '../../model/alerter-api.js';
import { alertsData, rulesData, type RulesFilters } from './api.js';
import { Group, type GroupDeps } from './group.js';
import { createRuleMetrics, type RuleMetrics } from './metrics.js';
import { sourceQueryFunc } from './query.js';

/** Settings of the rule manager. */
export interface RuleManagerSettings {
  /** Rule file globs. */
  ruleFiles: string[];
  evaluationIntervalMs: number;
  externalLabels: Labels;
  externalUrl: string;
  /** Least time between two sends of one firing alert; default 1 minute. */
  resendDelayMs?: number;
  /** How long after an outage `for` state is still restored; default 1 hour. */
  outageToleranceMs?: number;
  /** Least time a restored alert waits before firing; default 10 minutes. */
  forGracePeriodMs?: number;
}

/** What the rule manager reads from and writes to. */
export interface RuleManagerDeps {
  source: SeriesSource;
  append(samples: OutputSample[]): Promise<void>;
  send(alerts: NotifiableAlert[]): void;
  exampleTraces?: ExampleTraceFinder;
  log: Logger;
  registry?: Registry;
  /** Metrics shared by several managers (one per tenant); default: made on `registry` for this manager alone. */
  metrics?: RuleMetrics;
  now?: () => number;
}

/** A running (or idle) rule manager. */
export interface RuleManager {
  load(): Promise<{ ok: boolean; errors: string[] }>;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  evaluateAt(tsMs: number): Promise<void>;
  rulesApi(filters: RulesFilters): RulesAnswer;
  alertsApi(): AlertsAnswer;
  /** Active alerts by state. */
  countAlerts(): Record<'pending' | 'firing', number>;
}

/** Where in its interval a group runs: Prometheus spreads groups by a hash of file and name. */
export function groupOffsetMs(key: string, intervalMs: number): number {
  const h = createHash('sha256').update(key).digest().readUInt32BE(0);
  return h % intervalMs;
}

/** Creates a rule manager; call load() before start(). */
export function createRuleManager(settings: RuleManagerSettings, deps: RuleManagerDeps): RuleManager {
  const now = deps.now ?? Date.now;
  const registry = deps.registry ?? new Registry();
  let groups: Group[] = [];
  let restored = false;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let signal: AbortSignal | undefined;
  const count = () => {
    const c = { pending: 0, firing: 0 };
    for (const g of groups) for (const r of g.rules) if (r.kind === 'alerting') for (const a of r.activeAlerts()) if (a.state !== 'inactive') c[a.state]++;
    return c;
  };
  const groupDeps: GroupDeps = {
    query: sourceQueryFunc(deps.source),
    source: deps.source,
    append: (s) => deps.append(s),
    send: (a) => deps.send(a),
    ...(deps.exampleTraces === undefined ? {} : { exampleTraces: deps.exampleTraces }),
    log: deps.log,
    metrics: deps.metrics ?? createRuleMetrics(registry, count),
    resendDelayMs: settings.resendDelayMs ?? 60_000,
    outageToleranceMs: settings.outageToleranceMs ?? 3_600_000,
    forGracePeriodMs: settings.forGracePeriodMs ?? 600_000,
    externalLabels: settings.externalLabels,
    externalUrl: settings.externalUrl.replace(/\/+$/, ''),
    now,
  };

  const track = (p: Promise<void>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  /** Schedules `g` at its next slot, then every interval (skipping missed slots). */
  const schedule = (g: Group) => {
    if (signal?.aborted) return;
    const offset = groupOffsetMs(g.key, g.intervalMs);
    const t = now();
    const next = Math.floor((t - offset) / g.intervalMs) * g.intervalMs + offset + g.intervalMs;
    timers.set(g.key, setTimeout(() => {
      track(g.round(next).catch((err: unknown) => deps.log.error({ group: g.name, err: (err as Error).message }, 'rule group round failed')).finally(() => {
        if (groups.includes(g)) schedule(g);
      }));
    }, Math.max(0, next - t)));
  };

  const load = async (): Promise<{ ok: boolean; errors: string[] }> => {
    const files = await expandRuleFiles(settings.ruleFiles);
    const parsed = await Promise.all(files.map((f) => loadRuleFile(f)));
    const errors = parsed.flatMap((p) => p.errors);
    if (errors.length > 0) {
      deps.log.error({ errors }, 'loading rule files failed; keeping the previous rules');
      return { ok: false, errors };
    }
    const next: Group[] = [];
    for (const p of parsed) for (const cfg of p.groups) next.push(new Group(p.file, cfg, cfg.intervalMs ?? settings.evaluationIntervalMs, groupDeps, !restored));
    const old = new Map(groups.map((g) => [g.key, g]));
    for (const g of next) {
      const prev = old.get(g.key);
      if (prev === undefined) continue;
      g.copyState(prev);
      old.delete(g.key);
    }
    const gone = [...old.values()].flatMap((g) => g.writtenSeries());
    for (const t of timers.values()) clearTimeout(t);
    timers.clear();
    groups = next;
    if (gone.length > 0) {
      const t = now();
      await deps.append(gone.map((labels) => ({ labels, t, v: NaN, stale: true }))).catch((err: unknown) => deps.log.warn({ err: (err as Error).message }, 'stale markers for removed rule groups failed'));
    }
    if (signal !== undefined && !signal.aborted) for (const g of groups) schedule(g);
    const rules = groups.reduce((n, g) => n + g.rules.length, 0);
    deps.log.info({ files: files.length, groups: groups.length, rules }, 'rules loaded');
    return { ok: true, errors: [] };
  };

  return {
    load,
    async start(s) {
      signal = s;
      restored = true;
      for (const g of groups) schedule(g);
      s.addEventListener('abort', () => {
        for (const t of timers.values()) clearTimeout(t);
        timers.clear();
      }, { once: true });
    },
    async stop() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      signal = AbortSignal.abort();
      await Promise.all([...running]);
    },
    async evaluateAt(ts) {
      restored = true;
      for (const g of groups) await g.round(ts);
    },
    rulesApi: (filters) => rulesData(groups, filters),
    alertsApi: () => alertsData(groups),
    countAlerts: count,
  };
}

/**
 * The rules and alerts API for a process that runs no alerter: the rule files as they are now,
 * re-read on each call, with no state (rules "unknown", no alerts).
 */
export function createRuleFilesProvider(settings: Pick<RuleManagerSettings, 'ruleFiles' | 'evaluationIntervalMs'>, log: Logger): { rules(f: RulesFilters): Promise<RulesAnswer>; alerts(): Promise<AlertsAnswer> } {
  const idle = () =>
    createRuleManager(
      { ...settings, externalLabels: {}, externalUrl: '' },
      { source: { select: async () => [] }, append: async () => {}, send: () => {}, log: log.child({}, { level: 'warn' }) },
    );
  return {
    async rules(f) {
      const m = idle();
      await m.load();
      return m.rulesApi(f);
    },
    alerts: async () => ({ alerts: [] }),
  };
}
