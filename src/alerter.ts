/**
 * Part of the composition root: wires the alerter target. Rules read the head (and the store for
 * older ranges), their output (recording rules, ALERTS, ALERTS_FOR_STATE, the notification log)
 * goes into the head at once and onto the metrics stream like any remote-written series, so other
 * processes' heads, Elasticsearch and a restarted alerter see it; alerts go to the notifier.
 */
import { createExampleTraceFinder } from './alerting/examples.js';
import { createRuleManager, type RuleManager } from './alerting/evaluator/index.js';
import { startSnapshotPublisher, type SnapshotLoop } from './alerting/snapshot/index.js';
import { createNotifier, entriesFromSamples, NFLOG_METRIC, notificationLogSamples, type Notifier } from './alerting/notifier/index.js';
import type { OutputSample } from './alerting/types.js';
import { sleep } from './backoff.js';
import type { BraidConfig } from './config/schema.js';
import { BraidError } from './errors.js';
import type { Head } from './promql/head/index.js';
import type { SeriesSource } from './promql/types.js';
import type { Queue } from './queue/queue.js';
import { metricRecords } from './receivers/metric-records.js';
import { remoteWriteToOtlp, type TimeSeries } from './receivers/prometheus/remote-write.js';
import type { Store } from './storage/store.js';
import type { Logger } from './telemetry/logger.js';
import type { Registry } from './telemetry/metrics.js';

/** What the alerter is wired to. */
export interface AlerterDeps {
  config: BraidConfig;
  head: Head;
  /** Resolves once the head holds its window: `for` state and the notification log are restored from it. */
  headReady: Promise<void>;
  /** The rules' source: head and store merged (the query target's), or the head alone. */
  source: SeriesSource;
  queue: Queue;
  store?: Store;
  registry: Registry;
  log: Logger;
}

/** A running alerter. */
export interface RunningAlerter {
  manager: RuleManager;
  notifier: Notifier;
  /** Re-reads the rule files; a bad file keeps the old rules and is reported. */
  reload(): Promise<{ ok: boolean; errors: string[] }>;
  stop(): Promise<void>;
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

/** Starts rule evaluation and notification once the head is rebuilt. */
export async function startAlerter(deps: AlerterDeps): Promise<RunningAlerter> {
  const { config, head, queue } = deps;
  const log = deps.log.child({ component: 'alerter' });
  const a = config.alerting;
  const notifier = createNotifier(
    { alertmanagers: a.alertmanagers, webhooks: a.webhooks, externalURL: a.external_url, externalLabels: a.external_labels },
    { log: deps.log, registry: deps.registry },
  );
  const append = async (samples: OutputSample[]): Promise<void> => {
    if (samples.length === 0) return;
    for (const s of samples) head.append(s.labels, s.t, s.v, s.stale === true);
    const data = remoteWriteToOtlp({ timeseries: outputTimeSeries(samples), metadata: [] });
    await queue.send('metrics', metricRecords(data, queue.maxRecordBytes('metrics')));
  };
  const manager = createRuleManager(
    {
      ruleFiles: a.rule_files, evaluationIntervalMs: a.evaluation_interval, externalLabels: a.external_labels, externalUrl: a.external_url,
      forGracePeriodMs: a.for_grace_period, outageToleranceMs: a.for_outage_tolerance, resendDelayMs: a.resend_delay,
    },
    {
      source: deps.source,
      append,
      send: (alerts) => notifier.send(alerts),
      exampleTraces: createExampleTraceFinder({ exemplars: head, ...(deps.store ? { store: deps.store } : {}) }),
      log: deps.log.child({ component: 'rules' }),
      registry: deps.registry,
    },
  );
  const loaded = await manager.load();
  if (!loaded.ok) throw new BraidError('BRAID_ERR_RULES_INVALID', `alerting.rule_files: ${loaded.errors.join('; ')}`);

  const abort = new AbortController();
  let snapshots: SnapshotLoop | undefined;
  const started = (async () => {
    await Promise.race([deps.headReady, sleep(10 * 60_000, abort.signal)]).catch(() => undefined);
    if (abort.signal.aborted) return;
    // What was notified before a restart is in the head (the samples below): no second notification.
    const now = Date.now();
    const logged = head.selectSync([{ type: '=', name: '__name__', value: NFLOG_METRIC }], now - config.head.window, now);
    notifier.nflog.restoreState(entriesFromSamples(logged.flatMap((s) => s.samples.filter((p) => p[2] !== true).map(([t, v]) => ({ labels: s.labels, t, v })))));
    await manager.start(abort.signal);
    // A query process without the alerter answers /rules and /alerts from this snapshot on the state topic.
    if (queue.kind === 'kafka') snapshots = startSnapshotPublisher({ intervalMs: a.evaluation_interval }, { answers: manager, save: (k, v) => queue.saveState(k, v), log }, abort.signal);
    log.info({ rule_files: a.rule_files, alertmanagers: a.alertmanagers.length, webhooks: a.webhooks.length }, 'alerter evaluating');
    // The notification log rides with the rules' output, one round behind at most.
    while (!abort.signal.aborted) {
      await sleep(a.evaluation_interval, abort.signal).catch(() => undefined);
      if (abort.signal.aborted) break;
      await append(notificationLogSamples(notifier.nflog, Date.now())).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'cannot write the notification log'));
    }
  })();

  return {
    manager,
    notifier,
    reload: () => manager.load(),
    async stop() {
      abort.abort();
      await manager.stop();
      await started;
      await snapshots?.stop();
      await append(notificationLogSamples(notifier.nflog, Date.now())).catch(() => undefined);
      await notifier.stop();
    },
  };
}
