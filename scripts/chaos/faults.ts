/**
 * The faults, each injected while load runs: what it does, and when it is lifted. A fault
 * resolves with the moment it was lifted (recovery is measured from there) and notes for the table.
 */
import type { BraidProcess } from './braid.js';
import { countDocs, es } from './count.js';
import type { ChaosInfra } from './infra.js';
import { producePoison, readTopic } from './kafka.js';
import type { WebhookReceiver } from './webhook.js';
import { sendWithRetry, emptyLoad } from './load.js';

/** What a fault may touch. */
export interface FaultContext {
  infra: ChaosInfra;
  procs: Record<'collector' | 'ingester' | 'query' | 'alerter', BraidProcess>;
  prefix: string;
  webhook: WebhookReceiver;
  /** The fault's service name (its load's records). */
  service: string;
  /** Durations scaled for the short form. */
  short: boolean;
  log: (line: string) => void;
  /** Starts the fault's load (once; later calls do nothing). */
  startLoad: () => void;
}

/** What a fault reports. */
export interface FaultOutcome {
  /** Date.now() when the fault was lifted. */
  liftedAt: number;
  notes: string[];
  /** Checks of its own that failed (the alert not firing once, say). */
  failures: string[];
  /** Runs after the load's records are counted (the alerter fault's notification count). */
  after?: () => Promise<void>;
}

/** One fault. */
export interface Fault {
  name: string;
  /** Run by the short form (npm test) too. */
  inShortForm: boolean;
  describe(short: boolean): string;
  inject(ctx: FaultContext): Promise<FaultOutcome>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 250 ms until it returns a value, or throws naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

const ingesterKill: Fault = {
  name: 'ingester kill -9',
  // The longest fault (restart, then the dead member's 30 s session): test/integration/crash-replay.test.ts
  // covers a SIGKILL between write and commit in npm test.
  inShortForm: false,
  describe: () => 'SIGKILL the ingester once some of the load is indexed, restart it 2 s later',
  async inject(ctx) {
    ctx.startLoad();
    await waitFor('the first indexed spans', 60_000, async () => ((await countDocs(ctx.infra.es.url, ctx.prefix, 'spans', ctx.service)) > 0 ? true : undefined));
    await ctx.procs.ingester.kill();
    const killedAt = Date.now();
    await sleep(2_000);
    const liftedAt = Date.now();
    await ctx.procs.ingester.start();
    return { liftedAt, notes: [`restarted, ready ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`], failures: [] };
  },
};

const esPause: Fault = {
  name: 'elasticsearch stopped',
  inShortForm: true,
  describe: (short) => `SIGSTOP every Elasticsearch process for ${short ? 10 : 60} s, then SIGCONT`,
  async inject(ctx) {
    ctx.startLoad();
    await sleep(2_000);
    ctx.infra.es.pause();
    await sleep(ctx.short ? 10_000 : 60_000);
    ctx.infra.es.resume();
    return { liftedAt: Date.now(), notes: [], failures: [] };
  },
};

const kafkaStop: Fault = {
  name: 'kafka stopped',
  inShortForm: true,
  describe: (short) => `stop the broker for ${short ? 10 : 30} s, start it again`,
  async inject(ctx) {
    ctx.startLoad();
    await sleep(2_000);
    await ctx.infra.kafka.stop();
    const stoppedAt = Date.now();
    await sleep(ctx.short ? 10_000 : 30_000);
    const liftedAt = Date.now();
    await ctx.infra.kafka.start();
    return { liftedAt, notes: [`down ${((liftedAt - stoppedAt) / 1000).toFixed(0)} s, healthy ${((Date.now() - liftedAt) / 1000).toFixed(1)} s after the start`], failures: [] };
  },
};

/** Our indices that carry the flood-stage block now. */
async function blockedIndices(url: string, prefix: string): Promise<string[]> {
  const r = (await es(url, `/${prefix}-*/_settings/index.blocks.read_only_allow_delete?flat_settings=true`)) as Record<string, { settings: Record<string, string> }>;
  return Object.entries(r).filter(([, v]) => v.settings['index.blocks.read_only_allow_delete'] === 'true').map(([k]) => k);
}

/** Sets all three disk watermarks to `need` (free space) with the threshold on, or back to the node's settings (null). */
async function diskWatermarks(url: string, need: string | null): Promise<void> {
  await es(url, '/_cluster/settings', {
    persistent: {
      'cluster.routing.allocation.disk.threshold_enabled': need === null ? null : true,
      'cluster.routing.allocation.disk.watermark.low': need,
      'cluster.routing.allocation.disk.watermark.high': need,
      'cluster.routing.allocation.disk.watermark.flood_stage': need,
    },
  }, 'PUT');
}

const esWatermark: Fault = {
  name: 'elasticsearch disk full',
  inShortForm: true,
  describe: (short) => `disk watermarks above the free space: indices read_only_allow_delete for ${short ? 5 : 30} s, then lifted`,
  async inject(ctx) {
    const url = ctx.infra.es.url;
    const fs = (await es(url, '/_nodes/_local/stats/fs')) as { nodes: Record<string, { fs: { total: { available_in_bytes: number } } }> };
    const free = Object.values(fs.nodes)[0]?.fs.total.available_in_bytes ?? 0;
    // Watermarks given as free space: demanding twice what is free puts the node past all three.
    const need = `${Math.ceil((free * 2) / 1024 ** 2)}mb`;
    await diskWatermarks(url, need);
    const setAt = Date.now();
    const blocked = await waitFor('the flood-stage block on our indices', 60_000, async () => {
      const b = await blockedIndices(url, ctx.prefix);
      return b.length > 0 ? b : undefined;
    });
    const blockedAt = Date.now();
    // Load while the indices refuse writes: every bulk item answers 429 until the block goes.
    ctx.startLoad();
    await sleep(ctx.short ? 5_000 : 30_000);
    const liftedAt = Date.now();
    await diskWatermarks(url, null);
    // With the threshold off the monitor no longer releases the block itself: the operator does.
    await es(url, `/${ctx.prefix}-*/_settings`, { 'index.blocks.read_only_allow_delete': null }, 'PUT');
    await waitFor('the block lifted', 30_000, async () => ((await blockedIndices(url, ctx.prefix)).length === 0 ? true : undefined));
    return { liftedAt, notes: [`${blocked.length} indices read_only_allow_delete ${((blockedAt - setAt) / 1000).toFixed(0)} s after the settings, for ${((liftedAt - blockedAt) / 1000).toFixed(0)} s`], failures: [] };
  },
};

const poison: Fault = {
  name: 'poison record',
  inShortForm: true,
  describe: () => 'an undecodable record produced straight to the spans topic',
  async inject(ctx) {
    ctx.startLoad();
    await sleep(2_000);
    const topic = `${ctx.prefix}.deadletter.v1`;
    const before = (await readTopic(ctx.infra.kafka.brokers, topic)).length;
    await producePoison(ctx.infra.kafka.brokers, `${ctx.prefix}.spans.v1`);
    const liftedAt = Date.now();
    await waitFor('the poison record on the dead-letter topic', 60_000, async () => ((await readTopic(ctx.infra.kafka.brokers, topic)).length > before ? true : undefined));
    return { liftedAt, notes: [`dead-lettered ${((Date.now() - liftedAt) / 1000).toFixed(1)} s after it was produced`], failures: [] };
  },
};

/** The rule file of the alerter fault. */
export function chaosRules(forText: string): string {
  return ['groups:', '- name: chaos', '  rules:', '  - alert: ChaosTrigger', '    expr: chaos_trigger > 0', `    for: ${forText}`, '    labels: {severity: page}', ''].join('\n');
}

async function alertsInState(admin: string, state: 'pending' | 'firing'): Promise<number> {
  const text = await (await fetch(`${admin}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const m = new RegExp(`^braid_rule_alerts\\{state="${state}"\\} (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

const alerterKill: Fault = {
  name: 'alerter kill -9',
  inShortForm: true,
  describe: () => 'SIGKILL the alerter while ChaosTrigger (for: 20s) is pending, restart it 2 s later; it must fire once',
  async inject(ctx) {
    ctx.startLoad();
    const { collector, alerter } = ctx.procs;
    const trigger = new AbortController();
    const sends = emptyLoad();
    // The gauge behind the rule, every second, retried as any OTLP export.
    const feeding = (async () => {
      while (!trigger.signal.aborted) {
        const now = String(BigInt(Date.now()) * 1_000_000n);
        const body = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: ctx.service } }] }, scopeMetrics: [{ metrics: [{ name: 'chaos_trigger', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: now }] } }] }] }] };
        await sendWithRetry(`${collector.otlpHttp}/v1/metrics`, JSON.stringify(body), sends, trigger.signal);
        await sleep(1_000);
      }
    })();
    const before = ctx.webhook.firing('ChaosTrigger');
    await waitFor('ChaosTrigger pending', 90_000, async () => ((await alertsInState(alerter.admin, 'pending')) > 0 ? true : undefined));
    await alerter.kill();
    await sleep(2_000);
    const liftedAt = Date.now();
    await alerter.start();
    const failures: string[] = [];
    const notes: string[] = [];
    return {
      liftedAt,
      notes,
      failures,
      after: async () => {
        const firedAt = await waitFor('ChaosTrigger firing at the webhook', 120_000, async () => (ctx.webhook.firing('ChaosTrigger') > before ? Date.now() : undefined)).catch(() => undefined);
        // Long enough for a second notification to show up were there one (group_interval 2 s).
        await sleep(8_000);
        trigger.abort();
        await feeding;
        const fired = ctx.webhook.firing('ChaosTrigger') - before;
        notes.push(`ChaosTrigger firing notifications: ${fired} (want 1)${firedAt ? `, ${((firedAt - liftedAt) / 1000).toFixed(1)} s after the restart` : ''}`);
        if (fired !== 1) failures.push(`ChaosTrigger notified ${fired} times, want 1`);
      },
    };
  },
};

/** Every fault, in the order the run injects them. */
export const FAULTS: Fault[] = [ingesterKill, esPause, kafkaStop, esWatermark, poison, alerterKill];
