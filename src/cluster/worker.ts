/**
 * A cluster worker: receives its config from the primary, runs the ordinary `startBraid` without
 * an admin port (the primary serves it), answers the primary's metrics and readiness requests,
 * and drains as a single process does on `braid:stop`, SIGTERM or SIGINT.
 */
import cluster from 'node:cluster';
import type { BraidConfig } from '../config/schema.js';
import { startBraid, type RunningBraid } from '../main.js';
import { createLogger, type Logger } from '../telemetry/logger.js';
import { isBraidMessage, type ToPrimary, type ToWorker } from './messages.js';

function send(message: ToPrimary): void {
  // The channel closes when the primary dies; the worker exits then anyway (Node's cluster does that).
  if (process.connected) process.send?.(message);
}

function receiveSetup(): Promise<{ config: BraidConfig; slot: number }> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (!isBraidMessage<ToWorker>(m) || m.type !== 'braid:setup') return;
      process.off('message', onMessage);
      resolve({ config: m.config, slot: m.slot });
    };
    process.on('message', onMessage);
    // Asked for only now: a setup sent at fork time could arrive before this listener exists.
    send({ type: 'braid:hello' });
  });
}

/** Runs this process as worker of a cluster until it is stopped; resolves the exit code. */
export async function serveWorker(): Promise<number> {
  if (!cluster.isWorker) throw new Error('serveWorker runs only in a cluster worker');
  const { config, slot } = await receiveSetup();
  const log: Logger = createLogger(config.telemetry.log_level).child({ worker: slot });
  const stopRequested = new AbortController();
  let running: RunningBraid | undefined;
  const onMessage = (m: unknown) => {
    if (!isBraidMessage<ToWorker>(m)) return;
    if (m.type === 'braid:stop') requestStop('primary');
    else if (m.type === 'braid:metrics') void answerMetrics(m.id, running);
    else if (m.type === 'braid:readiness') void answerReadiness(m.id, running);
  };
  const requestStop = (why: string) => {
    if (stopRequested.signal.aborted) return;
    log.info({ why }, 'worker stopping');
    stopRequested.abort();
  };
  process.on('message', onMessage);
  // A terminal's Ctrl-C reaches the whole process group: the worker drains as the primary asks it to.
  process.on('SIGTERM', () => requestStop('SIGTERM'));
  process.on('SIGINT', () => requestStop('SIGINT'));
  // A SIGHUP sent to the process group must not end the worker (the default action).
  process.on('SIGHUP', () => log.debug('SIGHUP ignored: a cluster runs no alerter'));
  try {
    running = await startBraid(config, { log, signal: stopRequested.signal, admin: false });
  } catch (err) {
    if (stopRequested.signal.aborted) return 0;
    throw err;
  }
  send({ type: 'braid:started' });
  if (!stopRequested.signal.aborted) await new Promise<void>((resolve) => stopRequested.signal.addEventListener('abort', () => resolve(), { once: true }));
  const hardStop = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    log.flush();
    process.exit(1);
  }, config.shutdown_timeout_seconds * 1000);
  const drained = await running.stop();
  clearTimeout(hardStop);
  process.off('message', onMessage);
  log.flush();
  return drained ? 0 : 1;
}

async function answerMetrics(id: number, running: RunningBraid | undefined): Promise<void> {
  send({ type: 'braid:metrics', id, metrics: running ? await running.registry.getMetricsAsJSON() : [] });
}

async function answerReadiness(id: number, running: RunningBraid | undefined): Promise<void> {
  send({ type: 'braid:readiness', id, readiness: running ? await running.readiness() : { ready: false, body: { status: 'starting' } } });
}
