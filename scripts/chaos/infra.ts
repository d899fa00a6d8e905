/**
 * The chaos run's own Kafka and Elasticsearch: the harness's start code (scripts/infra) on other
 * ports and state dirs, so stopping, pausing or filling them never disturbs the shared 19092/19200
 * servers other tests use. Their state is wiped at each start of a run.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startEs, esHealthy } from '../infra/elasticsearch.js';
import { fetchEsZip, requireTools, type Logger } from '../infra/fetch.js';
import { ownKafka, type OwnKafka } from '../infra/index.js';
import { esPaths, loadConfig, type InfraConfig } from '../infra/paths.js';
import { cmdline, isAlive, stopGroup, waitForHealth } from '../infra/process.js';
import { freePortWith } from './ports.js';

/** Where the chaos run keeps its servers' state (ES stays extracted there between runs). */
export const CHAOS_DIR = process.env.BRAID_CHAOS_DIR || '/tmp/braid-chaos';

/** An Elasticsearch the chaos run owns: it can stop it, pause it (SIGSTOP) and resume it. */
export interface OwnElasticsearch {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGSTOP to every process of its group: connections stay open, nothing answers. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone
  }
}

/** A single-node Elasticsearch on `port` (transport port + 100) with state under `dir`. */
export function ownElasticsearch(opts: { port: number; dir: string; log: Logger }): OwnElasticsearch {
  const c: InfraConfig = { ...loadConfig(), infraDir: opts.dir, esPort: opts.port, esTransportPort: opts.port + 100 };
  const paths = esPaths(c);
  let pid: number | undefined;
  return {
    url: `http://127.0.0.1:${opts.port}`,
    port: opts.port,
    async start() {
      const tools = requireTools();
      const { zip } = await fetchEsZip(c, tools, opts.log);
      pid = await startEs(c, zip, tools.javaHome);
      try {
        await waitForHealth({ name: 'elasticsearch (chaos)', healthy: () => esHealthy(opts.port), pid, timeoutMs: 180_000, logs: [paths.serverLog, paths.stdoutLog] });
      } catch (e) {
        await this.stop();
        throw e;
      }
    },
    async stop() {
      signalGroup(pid, 'SIGCONT');
      if (pid !== undefined) await stopGroup(pid, 20_000);
      pid = undefined;
    },
    pause: () => signalGroup(pid, 'SIGSTOP'),
    resume: () => signalGroup(pid, 'SIGCONT'),
  };
}

/** The chaos run's servers. */
export interface ChaosInfra {
  kafka: OwnKafka;
  es: OwnElasticsearch;
  stop(): Promise<void>;
}

/** Stops servers a previous chaos run left behind (found by their state dir on the command line). */
async function stopLeftovers(dir: string): Promise<void> {
  const marks = [join(dir, 'kafka', 'server.properties'), `path.data=${join(dir, 'es', 'data')}`];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || !isAlive(pid)) continue;
    const args = cmdline(pid);
    if (!args.some((a) => marks.some((m) => a.includes(m)))) continue;
    const pgid = pgidOf(pid);
    if (pgid === undefined || pgid === process.pid) continue;
    signalGroup(pgid, 'SIGCONT');
    await stopGroup(pgid, 20_000);
  }
}

function pgidOf(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** Starts a fresh Kafka and Elasticsearch of the chaos run's own, on free ports. */
export async function startChaosInfra(log: Logger): Promise<ChaosInfra> {
  mkdirSync(CHAOS_DIR, { recursive: true });
  await stopLeftovers(CHAOS_DIR);
  // Fresh state each run; the extracted ES tree is kept (it takes a while to unzip).
  rmSync(join(CHAOS_DIR, 'kafka'), { recursive: true, force: true });
  for (const d of ['data', 'logs']) rmSync(join(CHAOS_DIR, 'es', d), { recursive: true, force: true });
  const kafkaPort = await freePortWith(1);
  const esPort = await freePortWith(100);
  const kafka = ownKafka({ port: kafkaPort, dir: CHAOS_DIR, log });
  const es = ownElasticsearch({ port: esPort, dir: CHAOS_DIR, log });
  log(`starting Kafka on 127.0.0.1:${kafkaPort} and Elasticsearch on 127.0.0.1:${esPort} (state in ${CHAOS_DIR})`);
  const started = await Promise.allSettled([kafka.start(), es.start()]);
  const failed = started.find((r) => r.status === 'rejected');
  const infra = {
    kafka,
    es,
    async stop() {
      await Promise.all([kafka.stop(), es.stop()]);
    },
  };
  if (failed) {
    await infra.stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  // Disk usage read every 10 s (its least; default 30 s), so the disk fault's block comes soon.
  const res = await fetch(`${es.url}/_cluster/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ persistent: { 'cluster.info.update.interval': '10s' } }) });
  if (res.status !== 200) {
    await infra.stop();
    throw new Error(`elasticsearch refused cluster.info.update.interval: ${res.status} ${await res.text()}`);
  }
  return infra;
}

