/**
 * Part of the composition root: wires the alerter target. Each tenant with rules (the default
 * tenant: `alerting.rule_files`; another: `alerting.tenant_rule_files[tenant]`) has its own rule
 * manager, which reads only that tenant's head (and store, for older ranges); its output
 * (recording rules, ALERTS, ALERTS_FOR_STATE) goes into that head at once and onto the metrics
 * stream as the tenant's records, so other processes' heads, Elasticsearch and a restarted
 * alerter see it. Alerts of every tenant go to the one notifier, those of another tenant than the
 * default with the label `tenant="<id>"`; the notification log is the default tenant's series.
 */
import { createExampleTraceFinder } from './alerting/examples.js';
import { createRuleManager, createRuleMetrics, tenantRuleFiles, type RuleManager } from './alerting/evaluator/index.js';
import { NO_RULES, startSnapshotPublisher, type SnapshotLoop, type TenantRulesAnswers } from './alerting/snapshot/index.js';
import { createNotifier, entriesFromSamples, NFLOG_METRIC, notificationLogSamples, type Notifier } from './alerting/notifier/index.js';
import type { NotifiableAlert, OutputSample } from './alerting/types.js';
import { sleep } from './backoff.js';
import type { BraidConfig } from './config/schema.js';
import { BraidError } from './errors.js';
import type { Head } from './promql/head/index.js';
import type { TenantHeads } from './promql/head/tenants.js';
import type { SeriesSource } from './promql/types.js';
import type { Queue } from './queue/queue.js';
import { metricRecords } from './receivers/metric-records.js';
import { remoteWriteToOtlp, type TimeSeries } from './receivers/prometheus/remote-write.js';
import type { Store } from './storage/store.js';
import { DEFAULT_TENANT } from './tenancy/tenant.js';
import type { Logger } from './telemetry/logger.js';
import type { Registry } from './telemetry/metrics.js';

/** What the alerter is wired to. */
export interface AlerterDeps {
  config: BraidConfig;
  /** The heads per tenant; the default tenant's also holds the notification log. */
  heads: TenantHeads;
  /** Resolves once the heads hold their window: `for` state and the notification log are restored from them. */
  headReady: Promise<void>;
  /** A tenant's rules' source: its head and store merged (the query target's), or its head alone. */
  sourceFor(tenant: string, head: Head): SeriesSource;
  queue: Queue;
  /** The default tenant's store; another tenant's rules read `store.forTenant(tenant)`. */
  store?: Store;
  registry: Registry;
  log: Logger;
}

/** A running alerter. */
export interface RunningAlerter {
  /** The default tenant's rule manager. */
  manager: RuleManager;
  /** The rule manager of each tenant with rules, the default tenant's first. */
  managers: ReadonlyMap<string, RuleManager>;
  /** /api/v1/rules and /api/v1/alerts of one tenant: its manager's (a tenant without rules has none). */
  answers: TenantRulesAnswers;
  notifier: Notifier;
  /** Re-reads every tenant's rule files; a bad file keeps that tenant's old rules and is reported. */
  reload(): Promise<{ ok: boolean; errors: string[] }>;
  stop(): Promise<void>;
}

/** The alerts of `tenant` as the notifier sends them: another tenant's carry `tenant="<id>"` (over any label of that name the rule set). */
export function tenantAlerts(alerts: NotifiableAlert[], tenant: string): NotifiableAlert[] {
  return tenant === DEFAULT_TENANT ? alerts : alerts.map((a) => ({ ...a, labels: { ...a.labels, tenant } }));
}

/** Output samples as a remote-write request, the form the metrics stream already carries for Prometheus series. */
function outputTimeSeries(samples: OutputSample[]): TimeSeries[] {
  return samples.map((s) => ({
    labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
    samples: [{ value: s.stale ? Number.NaN : s.v, timestampMs: s.t, stale: s.stale === true }],
    exemplars: [],
    histograms: 0,
  }));
}

/** Where `tenant`'s rule output goes: its head at once, and the metrics stream as its records. */
function outputWriter(queue: Queue, head: Head, tenant: string): (samples: OutputSample[]) => Promise<void> {
  return async (samples) => {
    if (samples.length === 0) return;
    for (const s of samples) head.append(s.labels, s.t, s.v, s.stale === true);
    const records = metricRecords(remoteWriteToOtlp({ timeseries: outputTimeSeries(samples), metadata: [] }), queue.maxRecordBytes('metrics'));
    await queue.send('metrics', tenant === DEFAULT_TENANT ? records : records.map((r) => ({ ...r, tenant })));
  };
}

/** Loads every manager's rules; errors name the tenant's config key. */
async function loadAll(managers: ReadonlyMap<string, RuleManager>): Promise<{ ok: boolean; errors: string[] }> {
  const results = await Promise.all([...managers].map(async ([tenant, m]) => {
    const r = await m.load();
    return r.errors.map((e) => (tenant === DEFAULT_TENANT ? e : `alerting.tenant_rule_files.${tenant}: ${e}`));
  }));
  const errors = results.flat();
  return { ok: errors.length === 0, errors };
}

/** Starts rule evaluation and notification once the heads are rebuilt. */
export async function startAlerter(deps: AlerterDeps): Promise<RunningAlerter> {
  const { config, heads, queue } = deps;
  const log = deps.log.child({ component: 'alerter' });
  const a = config.alerting;
  const notifier = createNotifier(
    { alertmanagers: a.alertmanagers, webhooks: a.webhooks, externalURL: a.external_url, externalLabels: a.external_labels },
    { log: deps.log, registry: deps.registry },
  );
  const managers = new Map<string, RuleManager>();
  const metrics = createRuleMetrics(deps.registry, () => {
    const c = { pending: 0, firing: 0 };
    for (const m of managers.values()) {
      const n = m.countAlerts();
      c.pending += n.pending;
      c.firing += n.firing;
    }
    return c;
  });
  for (const [tenant, ruleFiles] of tenantRuleFiles(a)) {
    const head = heads.forRecord(tenant);
    const store = tenant === DEFAULT_TENANT ? deps.store : deps.store?.forTenant(tenant);
    const tenantLog = tenant === DEFAULT_TENANT ? deps.log : deps.log.child({ tenant });
    managers.set(tenant, createRuleManager(
      {
        ruleFiles, evaluationIntervalMs: a.evaluation_interval, externalLabels: a.external_labels, externalUrl: a.external_url,
        forGracePeriodMs: a.for_grace_period, outageToleranceMs: a.for_outage_tolerance, resendDelayMs: a.resend_delay,
      },
      {
        source: deps.sourceFor(tenant, head),
        append: outputWriter(queue, head, tenant),
        send: (alerts) => notifier.send(tenantAlerts(alerts, tenant)),
        exampleTraces: createExampleTraceFinder({ exemplars: head, ...(store ? { store } : {}) }),
        log: tenantLog.child({ component: 'rules' }),
        metrics,
      },
    ));
  }
  const loaded = await loadAll(managers);
  if (!loaded.ok) {
    const named = loaded.errors.map((e) => (e.startsWith('alerting.tenant_rule_files.') ? e : `alerting.rule_files: ${e}`));
    throw new BraidError('BRAID_ERR_RULES_INVALID', named.join('; '));
  }
  const appendLog = outputWriter(queue, heads.defaultHead, DEFAULT_TENANT);

  const abort = new AbortController();
  const snapshots: SnapshotLoop[] = [];
  const started = (async () => {
    await Promise.race([deps.headReady, sleep(10 * 60_000, abort.signal)]).catch(() => undefined);
    if (abort.signal.aborted) return;
    // What was notified before a restart is in the head (the samples below): no second notification.
    const now = Date.now();
    const logged = heads.defaultHead.selectSync([{ type: '=', name: '__name__', value: NFLOG_METRIC }], now - config.head.window, now);
    notifier.nflog.restoreState(entriesFromSamples(logged.flatMap((s) => s.samples.filter((p) => p[2] !== true).map(([t, v]) => ({ labels: s.labels, t, v })))));
    for (const m of managers.values()) await m.start(abort.signal);
    // A query process without the alerter answers /rules and /alerts from these snapshots on the state topic.
    if (queue.kind === 'kafka') {
      for (const [tenant, m] of managers) snapshots.push(startSnapshotPublisher({ intervalMs: a.evaluation_interval, tenant }, { answers: m, save: (k, v) => queue.saveState(k, v), log }, abort.signal));
    }
    log.info({ tenants: [...managers.keys()], rule_files: a.rule_files, alertmanagers: a.alertmanagers.length, webhooks: a.webhooks.length }, 'alerter evaluating');
    // The notification log rides with the rules' output, one round behind at most.
    while (!abort.signal.aborted) {
      await sleep(a.evaluation_interval, abort.signal).catch(() => undefined);
      if (abort.signal.aborted) break;
      await appendLog(notificationLogSamples(notifier.nflog, Date.now())).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cannot write the notification log'));
    }
  })();

  const answersOf = (tenant: string) => {
    const m = managers.get(tenant);
    return m === undefined ? NO_RULES : { rules: m.rulesApi, alerts: m.alertsApi };
  };
  return {
    manager: managers.get(DEFAULT_TENANT)!,
    managers,
    answers: { rules: (f, tenant) => answersOf(tenant).rules(f), alerts: (tenant) => answersOf(tenant).alerts() },
    notifier,
    reload: () => loadAll(managers),
    async stop() {
      abort.abort();
      await Promise.all([...managers.values()].map((m) => m.stop()));
      await started;
      await Promise.all(snapshots.map((s) => s.stop()));
      await appendLog(notificationLogSamples(notifier.nflog, Date.now())).catch(() => undefined);
      await notifier.stop();
    },
  };
}
