/**
 * One chaos run: its own Kafka and Elasticsearch, Braid as four processes, then each fault while
 * load runs, and after each the count through Elasticsearch of what was acknowledged.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { braidProcess, type BraidProcess, type PipelineSettings } from './braid.js';
import { countDocs, idCounts, tally, type Tally } from './count.js';
import { chaosRules, FAULTS, type Fault, type FaultContext, type FaultOutcome, waitFor } from './faults.js';
import { CHAOS_DIR, startChaosInfra } from './infra.js';
import { POISON, readTopic } from './kafka.js';
import { emptyLoad, runLoad, type LoadResult } from './load.js';
import { startWebhookReceiver } from './webhook.js';

/** Options of a run. */
export interface ChaosOptions {
  /** Shorter outages and less load (the form inside npm test). */
  short: boolean;
  /** Only these faults (by name); absent: all, or those of the short form. */
  only?: string[];
  log?: (line: string) => void;
}

/** One row of the table. */
export interface ChaosRow {
  fault: string;
  description: string;
  sent: number;
  acknowledged: number;
  stored: number;
  duplicates: number;
  lost: number;
  unacknowledgedStored: number;
  /** Retried requests by cause. */
  retries: Record<string, number>;
  recoverySeconds: number | undefined;
  notes: string[];
  failures: string[];
}

/** The outcome of a run. */
export interface ChaosReport {
  rows: ChaosRow[];
  /** True when no row lost or duplicated anything and every check held. */
  ok: boolean;
  dir: string;
}

/** What to stop should the run be interrupted (SIGINT, SIGTERM): index.ts calls stopRunning. */
const running = new Set<() => Promise<void>>();

/** Stops every process and server of runs under way. */
export async function stopRunning(): Promise<void> {
  await Promise.allSettled([...running].map((stop) => stop()));
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

function add(a: Tally, b: Tally): Tally {
  return { stored: a.stored + b.stored, duplicates: a.duplicates + b.duplicates, lost: a.lost + b.lost, unacknowledgedStored: a.unacknowledgedStored + b.unacknowledgedStored };
}

/** Counts what the load sent and what Elasticsearch holds of it. */
async function countLoad(esUrl: string, prefix: string, service: string, load: LoadResult): Promise<Tally> {
  const spans = tally(load.spansAcked, load.spansSent, await idCounts(esUrl, prefix, 'spans', service));
  const logs = tally(load.logsAcked, load.logsSent, await idCounts(esUrl, prefix, 'logs', service));
  return add(spans, logs);
}

/** Waits until the load has finished and every acknowledged record is stored; the moment it was. */
async function caughtUp(esUrl: string, prefix: string, service: string, load: LoadResult, loading: Promise<unknown>, timeoutMs: number): Promise<number | undefined> {
  let done = false;
  void loading.then(() => (done = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const at = Date.now();
    if (done) {
      const [spans, logs] = await Promise.all([countDocs(esUrl, prefix, 'spans', service), countDocs(esUrl, prefix, 'logs', service)]).catch(() => [0, 0]);
      if ((spans ?? 0) >= load.spansAcked.size && (logs ?? 0) >= load.logsAcked.size) {
        const t = await countLoad(esUrl, prefix, service, load).catch(() => undefined);
        if (t && t.lost === 0) return at;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}

async function runFault(fault: Fault, ctx: FaultContext, o: ChaosOptions): Promise<ChaosRow> {
  const load = emptyLoad();
  const stopSending = new AbortController();
  const { collector } = ctx.procs;
  let loading: Promise<LoadResult> | undefined;
  // The fault starts the load when its moment comes (the disk fault: once the block is on).
  ctx.startLoad = () => {
    loading ??= runLoad({ otlpHttp: collector.otlpHttp, service: ctx.service, requestsPerSender: o.short ? 400 : 4_000, senders: 2, tracesPerRequest: o.short ? 5 : 10, pauseMs: 200, stop: stopSending.signal }, load);
  };
  const row: ChaosRow = { fault: fault.name, description: fault.describe(o.short), sent: 0, acknowledged: 0, stored: 0, duplicates: 0, lost: 0, unacknowledgedStored: 0, retries: {}, recoverySeconds: undefined, notes: [], failures: [] };
  const retriesBefore = await ingesterRetries(ctx.procs.ingester);
  let outcome: FaultOutcome | undefined;
  try {
    outcome = await fault.inject(ctx);
  } catch (err) {
    row.failures.push(`fault: ${(err as Error).message}`);
  }
  ctx.startLoad();
  stopSending.abort();
  const liftedAt = outcome?.liftedAt ?? Date.now();
  const caught = await caughtUp(ctx.infra.es.url, ctx.prefix, ctx.service, load, loading ?? Promise.resolve(), o.short ? 120_000 : 300_000);
  await loading;
  if (caught === undefined) row.failures.push('the pipeline did not catch up in time');
  else row.recoverySeconds = Math.max(0, caught - liftedAt) / 1000;
  // Let a late replay show a duplicate before the final count.
  await new Promise((r) => setTimeout(r, 3_000));
  const t = await countLoad(ctx.infra.es.url, ctx.prefix, ctx.service, load);
  const retriesAfter = await ingesterRetries(ctx.procs.ingester);
  // A restarted ingester counts from zero.
  const delta = (k: 'writes' | 'batches') => (retriesAfter[k] >= retriesBefore[k] ? retriesAfter[k] - retriesBefore[k] : retriesAfter[k]);
  await outcome?.after?.().catch((err: unknown) => row.failures.push(`after: ${(err as Error).message}`));
  Object.assign(row, {
    sent: load.spansSent.size + load.logsSent.size,
    acknowledged: load.spansAcked.size + load.logsAcked.size,
    ...t,
    retries: Object.fromEntries(load.retries),
    notes: [...(outcome?.notes ?? []), `ingester: ${delta('writes')} writes of refused documents retried, ${delta('batches')} batches redelivered (braid_ingest_write_retries_total, braid_queue_batch_retries_total)`, ...load.failed.slice(0, 3).map((f) => `not acknowledged: ${f}`)],
    failures: [...row.failures, ...(outcome?.failures ?? [])],
  });
  return row;
}

/** The ingester's retries so far (its /metrics): bulk writes of refused documents, and batches handed back to Kafka. */
async function ingesterRetries(ingester: BraidProcess): Promise<{ writes: number; batches: number }> {
  try {
    const text = await (await fetch(`${ingester.admin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
    return { writes: sum('braid_ingest_write_retries_total'), batches: sum('braid_queue_batch_retries_total') };
  } catch {
    return { writes: 0, batches: 0 };
  }
}

/** One request of each kind through the whole pipeline, so the first fault does not start on a cold one. */
async function warmUp(collector: BraidProcess, esUrl: string, prefix: string): Promise<void> {
  const service = 'chaos-warm-up';
  const load = await runLoad({ otlpHttp: collector.otlpHttp, service, requestsPerSender: 1, senders: 1, tracesPerRequest: 10, pauseMs: 0 });
  if (load.spansAcked.size === 0 || load.logsAcked.size === 0) throw new Error(`the collector refused the warm-up request: ${load.failed.join('; ')}`);
  await waitFor('the warm-up request in Elasticsearch', 120_000, async () => {
    const [spans, logs] = await Promise.all([countDocs(esUrl, prefix, 'spans', service), countDocs(esUrl, prefix, 'logs', service)]);
    return spans >= load.spansAcked.size && logs >= load.logsAcked.size ? true : undefined;
  });
}

/** Checks that the dead-letter topic holds the poison record and nothing else. */
async function deadLetterCheck(brokers: string, prefix: string, poisoned: boolean): Promise<string[]> {
  const letters = await readTopic(brokers, `${prefix}.deadletter.v1`);
  const want = poisoned ? 1 : 0;
  const failures: string[] = [];
  if (letters.length !== want) failures.push(`dead-letter topic holds ${letters.length} records, want ${want}: ${letters.map((l) => l.headers['braid.dlq.reason'] ?? '?').join('; ').slice(0, 300)}`);
  if (poisoned && letters[0] && !letters[0].value?.equals(POISON)) failures.push('the dead letter is not the poison record');
  if (poisoned && letters[0] && letters[0].headers['braid.dlq.stage'] !== 'decode') failures.push(`the poison record's braid.dlq.stage is ${letters[0].headers['braid.dlq.stage']}, want decode`);
  return failures;
}

/** Runs the faults and returns the table's rows; stops everything it started. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((line: string) => process.stderr.write(`[chaos] ${line}\n`));
  const faults = o.only ? FAULTS.filter((f) => o.only?.includes(slug(f.name))) : FAULTS.filter((f) => !o.short || f.inShortForm);
  const infra = await startChaosInfra(log);
  const dir = mkdtempSync(join(CHAOS_DIR, 'run-'));
  const webhook = await startWebhookReceiver();
  const procs: BraidProcess[] = [];
  const stopAll = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await webhook.stop();
    await infra.stop();
  };
  running.add(stopAll);
  try {
    const ruleFile = join(dir, 'chaos-rules.yaml');
    writeFileSync(ruleFile, chaosRules('20s'));
    const prefix = 'chaos';
    const settings: PipelineSettings = { dir, brokers: infra.kafka.brokers, esUrl: infra.es.url, prefix, ruleFile, webhookUrl: webhook.url };
    const [collector, ingester, query, alerter] = await Promise.all((['collector', 'ingester', 'query', 'alerter'] as const).map((t) => braidProcess(t, settings)));
    if (!collector || !ingester || !query || !alerter) throw new Error('unreachable');
    procs.push(collector, ingester, query, alerter);
    log(`starting Braid: collector, ingester, query, alerter (configs and logs in ${dir})`);
    await collector.start();
    await Promise.all([ingester.start(), query.start(), alerter.start()]);
    await warmUp(collector, infra.es.url, prefix);
    log('pipeline warm: a first request is stored');
    const rows: ChaosRow[] = [];
    for (const fault of faults) {
      log(`fault: ${fault.name}: ${fault.describe(o.short)}`);
      const ctx: FaultContext = { infra, procs: { collector, ingester, query, alerter }, prefix, webhook, service: `chaos-${slug(fault.name)}`, short: o.short, log, startLoad: () => undefined };
      const row = await runFault(fault, ctx, o);
      log(`  sent ${row.sent}, acknowledged ${row.acknowledged}, stored ${row.stored}, duplicates ${row.duplicates}, lost ${row.lost}, recovery ${row.recoverySeconds ?? '-'} s${row.failures.length ? `; FAILED: ${row.failures.join('; ')}` : ''}`);
      rows.push(row);
    }
    const dlq = await deadLetterCheck(infra.kafka.brokers, prefix, faults.some((f) => f.name === 'poison record'));
    const poisonRow = rows.find((r) => r.fault === 'poison record') ?? rows[rows.length - 1];
    if (poisonRow) {
      poisonRow.failures.push(...dlq);
      const poisoned = poisonRow.fault === 'poison record';
      if (dlq.length === 0) poisonRow.notes.push(poisoned ? 'dead-letter topic: the poison record only' : 'dead-letter topic: empty');
    }
    else if (dlq.length > 0) throw new Error(dlq.join('; '));
    const ok = rows.every((r) => r.lost === 0 && r.duplicates === 0 && r.failures.length === 0);
    return { rows, ok, dir };
  } finally {
    running.delete(stopAll);
    await stopAll();
  }
}

export { waitFor };
