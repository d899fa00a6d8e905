/**
 * The cluster primary: forks N workers that run the ordinary `startBraid` and share the listening
 * ports (Node's cluster: the primary accepts and hands connections round-robin to the workers),
 * restarts a worker that dies with backoff, serves the admin port for all of them (merged
 * /metrics, /healthz and /readyz for the whole) and, on SIGTERM/SIGINT, drains every worker.
 */
import cluster, { type Worker } from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { createAdminServerFrom, type AdminSource, type Readiness } from '../admin/server.js';
import { parseEndpoint } from '../config/load.js';
import type { BraidConfig } from '../config/schema.js';
import { closeHttpServer } from '../telemetry/http-server.js';
import { createSecurity } from '../security/index.js';
import type { Logger } from '../telemetry/logger.js';
import { createRegistry } from '../telemetry/metrics.js';
import { isBraidMessage, type ToPrimary, type ToWorker } from './messages.js';
import { mergeMetrics, mergeReadiness, nextRestart, workerConfig, type SlotState } from './plan.js';

/** How long the primary waits for a worker's answer to a metrics or readiness request. */
const ASK_TIMEOUT_MS = 3_000;

interface Slot {
  slot: number;
  worker?: Worker;
  forkedAt: number;
  started: boolean;
  /** A worker of this slot has started once: a later failure is a crash to restart, not a bad start-up. */
  everStarted: boolean;
  attempt: number;
  restartTimer?: NodeJS.Timeout;
}

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** Runs the primary of `count` workers until SIGTERM/SIGINT; resolves the process exit code. */
export async function servePrimary(config: BraidConfig, count: number, log: Logger): Promise<number> {
  const plog = log.child({ worker: 0 });
  const registry = createRegistry();
  const running = new Gauge({ name: 'braid_cluster_workers', help: 'Worker processes of this braid serve, by state (starting, running).', labelNames: ['state'], registers: [registry] });
  const restarts = new Counter({ name: 'braid_cluster_worker_restarts_total', help: 'Workers restarted after they died unasked.', registers: [registry] });
  // Structured clone keeps the config exact (undefined keys, numbers) on its way to the workers.
  cluster.setupPrimary({ serialization: 'advanced' });
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ slot: i + 1, forkedAt: 0, started: false, everStarted: false, attempt: 0 }));
  const pending = new Map<number, (m: ToPrimary) => void>();
  let nextId = 0;
  let stopping = false;
  let fatal = false;
  const allExited = deferred();
  const stopRequested = deferred();

  const countStates = () => {
    running.set({ state: 'running' }, slots.filter((s) => s.worker && s.started).length);
    running.set({ state: 'starting' }, slots.filter((s) => s.worker && !s.started).length);
  };

  const fork = (s: Slot) => {
    const worker = cluster.fork();
    Object.assign(s, { worker, forkedAt: Date.now(), started: false, restartTimer: undefined });
    countStates();
    plog.info({ slot: s.slot, pid: worker.process.pid }, 'worker forked');
    worker.on('message', (m: unknown) => {
      if (!isBraidMessage<ToPrimary>(m)) return;
      if (m.type === 'braid:hello') worker.send({ type: 'braid:setup', config: workerConfig(config, s.slot, count), slot: s.slot } satisfies ToWorker);
      else if (m.type === 'braid:started') {
        Object.assign(s, { started: true, everStarted: true });
        countStates();
        plog.info({ slot: s.slot, pid: worker.process.pid }, 'worker started');
      } else pending.get(m.id)?.(m);
    });
    worker.on('exit', (code, signal) => onExit(s, worker, code, signal));
    // A send racing the worker's exit fails on a closed channel: the exit handler deals with the worker.
    worker.on('error', (err: Error) => plog.warn({ slot: s.slot, pid: worker.process.pid, err: err.message }, 'worker channel error'));
  };

  const onExit = (s: Slot, worker: Worker, code: number | null, signal: string | null) => {
    if (s.worker !== worker) return;
    const uptimeMs = Date.now() - s.forkedAt;
    const wasStarted = s.started;
    Object.assign(s, { worker: undefined, started: false });
    countStates();
    if (stopping) {
      plog.info({ slot: s.slot, pid: worker.process.pid, code, signal }, 'worker stopped');
      if (slots.every((x) => !x.worker)) allExited.resolve();
      return;
    }
    if (!s.everStarted) {
      // The first start failed (a port taken, a file unreadable...): what a single process would exit on.
      plog.error({ slot: s.slot, pid: worker.process.pid, code, signal }, 'worker failed to start; stopping every worker');
      fatal = true;
      stopRequested.resolve();
      return;
    }
    const { attempt, delayMs } = nextRestart(s.attempt, uptimeMs);
    s.attempt = attempt;
    plog.error({ slot: s.slot, pid: worker.process.pid, code, signal, uptimeMs, wasStarted, restartInMs: delayMs }, 'worker died; restarting with backoff');
    s.restartTimer = setTimeout(() => {
      if (stopping) return;
      restarts.inc();
      fork(s);
    }, delayMs);
  };

  /** Sends a request to the worker of `s` and waits for its answer, or undefined after the timeout. */
  const ask = <T extends ToPrimary>(s: Slot, type: 'braid:metrics' | 'braid:readiness'): Promise<T | undefined> => {
    const worker = s.worker;
    if (!worker?.isConnected()) return Promise.resolve(undefined);
    const id = nextId++;
    return new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => finish(undefined), ASK_TIMEOUT_MS);
      function finish(answer: T | undefined) {
        clearTimeout(timer);
        pending.delete(id);
        resolve(answer);
      }
      pending.set(id, (m) => finish(m as T));
      worker.send({ type, id } satisfies ToWorker);
    });
  };

  const workerMetrics = async (s: Slot): Promise<Metrics | undefined> => (s.started ? (await ask<Extract<ToPrimary, { type: 'braid:metrics' }>>(s, 'braid:metrics'))?.metrics : undefined);

  const source: AdminSource = {
    async metrics(worker) {
      if (worker !== undefined) {
        const s = slots.find((x) => String(x.slot) === worker);
        const m = s ? await workerMetrics(s) : undefined;
        if (!m) return undefined;
        const one = mergeMetrics([m]);
        return { contentType: one.contentType, text: await one.metrics() };
      }
      const all = await Promise.all(slots.map(workerMetrics));
      const merged = mergeMetrics([await registry.getMetricsAsJSON(), ...all.filter((m): m is Metrics => m !== undefined)]);
      return { contentType: merged.contentType, text: await merged.metrics() };
    },
    async health() {
      const down = slots.filter((s) => !s.worker).map((s) => s.slot);
      const workers = Object.fromEntries(slots.map((s) => [String(s.slot), s.worker ? { pid: s.worker.process.pid, status: s.started ? 'running' : 'starting' } : { status: 'down' }]));
      // Alive while every slot has a process; a restart in progress (down) fails it until the worker is back.
      return { ok: stopping || down.length === 0, body: { status: stopping ? 'stopping' : down.length === 0 ? 'ok' : `workers down: ${down.join(', ')}`, workers } };
    },
    async readiness(): Promise<Readiness> {
      const states = await Promise.all(
        slots.map(async (s): Promise<SlotState> => {
          const pid = s.worker?.process.pid;
          const base = { slot: s.slot, ...(pid !== undefined ? { pid } : {}) };
          if (!s.worker) return { ...base, phase: 'down' };
          if (!s.started) return { ...base, phase: 'starting' };
          const answer = await ask<Extract<ToPrimary, { type: 'braid:readiness' }>>(s, 'braid:readiness');
          return { ...base, phase: 'running', readiness: answer?.readiness ?? { ready: false, body: { status: `no answer within ${ASK_TIMEOUT_MS} ms` } } };
        }),
      );
      return mergeReadiness(states, stopping);
    },
  };

  // The same credentials and certificate as the workers' listeners (its watchers end with the process).
  const admin = createAdminServerFrom(source, plog, createSecurity(config, { log: plog, registry }));
  const { host, port } = parseEndpoint(config.admin.endpoint);
  await admin.listen({ host, port });
  const onSignal = (sig: string) => {
    plog.info({ signal: sig }, 'signal received');
    stopRequested.resolve();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // SIGHUP's default would end the primary without draining; a cluster runs no alerter, so no rules to reload.
  process.on('SIGHUP', () => plog.info('SIGHUP: nothing to reload (a cluster runs no alerter)'));
  plog.info({ workers: count, targets: config.targets, admin: config.admin.endpoint }, 'braid cluster primary started');
  for (const s of slots) fork(s);

  await stopRequested.promise;
  return stopAll(slots, { admin, config, log: plog, allExited: allExited.promise, setStopping: () => (stopping = true), exitCode: () => (fatal ? 1 : undefined) });
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Asks every worker to drain, waits for all (SIGKILL after the deadline), closes the admin port. */
async function stopAll(
  slots: Slot[],
  o: { admin: FastifyInstance; config: BraidConfig; log: Logger; allExited: Promise<void>; setStopping(): void; exitCode(): number | undefined },
): Promise<number> {
  o.setStopping();
  let clean = true;
  for (const s of slots) {
    clearTimeout(s.restartTimer);
    s.worker?.process.once('exit', (code) => (clean &&= code === 0));
    if (s.worker?.isConnected()) s.worker.send({ type: 'braid:stop' } satisfies ToWorker);
  }
  o.log.info('stopping: every worker drains (receivers first, then the ingester)');
  const live = slots.filter((s) => s.worker);
  // Each worker gives up after shutdown_timeout_seconds; past that and a margin, nothing is left running.
  const killAt = setTimeout(() => {
    for (const s of slots) if (s.worker) {
      o.log.error({ slot: s.slot, pid: s.worker.process.pid }, 'worker did not stop in time; killing it');
      s.worker.process.kill('SIGKILL');
    }
  }, o.config.shutdown_timeout_seconds * 1000 + 2_000);
  if (live.length > 0) await o.allExited;
  clearTimeout(killAt);
  await closeHttpServer(o.admin, 1_000);
  const code = o.exitCode() ?? (clean ? 0 : 1);
  o.log.info({ code }, 'stopped');
  o.log.flush();
  return code;
}
