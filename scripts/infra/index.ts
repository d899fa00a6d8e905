/** The real-service harness: single-node Kafka and Elasticsearch on 127.0.0.1, started once and reused. */
import { esHealthy, esVersion, isEsCmdline, startEs } from './elasticsearch.js';
import { fetchEsZip, fetchKafkaLibs, type Logger, requireTools, type Tools } from './fetch.js';
import { isKafkaCmdline, kafkaHealthy, kafkaVersionOfPid, startKafka } from './kafka.js';
import { ES_VERSION, esPaths, type InfraConfig, KAFKA_VERSION, kafkaPaths, loadConfig, type ServerPaths } from './paths.js';
import {
  cmdline, groupMembers, InfraError, isAlive, pidListeningOn, readPid, removePid, stopGroup, tcpOpen, waitForHealth, writePid,
} from './process.js';

export { InfraError } from './process.js';
export { loadConfig } from './paths.js';

/** Options of infraUp. */
export interface InfraUpOptions {
  /** Progress lines (default: stderr, prefixed). */
  log?: Logger;
  /** Per-server health wait, in ms (default 120 000). */
  timeoutMs?: number;
}

/** Where the servers are, and which of them this call started (the others were already up). */
export interface InfraUpResult {
  kafkaBrokers: string;
  elasticsearchUrl: string;
  started: string[];
}

/** One server as `status` sees it. */
export interface ServerStatus {
  name: 'kafka' | 'elasticsearch';
  state: 'running' | 'starting' | 'unhealthy' | 'stopped';
  pid: number | undefined;
  port: number;
  version: string | undefined;
  /** True when the pid file of this harness points at it (so `down` will stop it). */
  managed: boolean;
}

const defaultLog: Logger = (line) => process.stderr.write(`[braid-infra] ${line}\n`);

/** One managed server: how to check it, recognise it, and start it. */
interface Server {
  name: 'kafka' | 'elasticsearch';
  port: number;
  paths: ServerPaths;
  healthy: () => Promise<boolean>;
  matches: (args: string[]) => boolean;
  start: (tools: Tools, log: Logger) => Promise<number>;
}

function servers(c: InfraConfig): Server[] {
  return [
    {
      name: 'kafka',
      port: c.kafkaPort,
      paths: kafkaPaths(c),
      healthy: () => kafkaHealthy(c.kafkaPort),
      matches: isKafkaCmdline,
      start: async (tools, log) => startKafka(c, tools.java, (await fetchKafkaLibs(c, tools, log)).libs),
    },
    {
      name: 'elasticsearch',
      port: c.esPort,
      paths: esPaths(c),
      healthy: () => esHealthy(c.esPort),
      matches: isEsCmdline,
      start: async (tools, log) => startEs(c, (await fetchEsZip(c, tools, log)).zip, tools.javaHome),
    },
  ];
}

/** The pid from the server's pid file if its process group still runs that server; clears stale pid files. */
function managedPid(s: Server): number | undefined {
  const pid = readPid(s.paths.pidFile);
  if (pid === undefined) return undefined;
  if (groupMembers(pid).some((m) => s.matches(cmdline(m)))) return pid;
  removePid(s.paths.pidFile);
  return undefined;
}

/** Reuses a healthy server, waits for one already starting, or starts one; true when it started it. */
async function ensure(s: Server, log: Logger, timeoutMs: number, tools: () => Tools): Promise<boolean> {
  const logs = [s.paths.serverLog, s.paths.stdoutLog];
  if (await s.healthy()) {
    log(`${s.name} already up on 127.0.0.1:${s.port}, reusing it`);
    return false;
  }
  const pid = managedPid(s);
  if (pid !== undefined || (await tcpOpen(s.port))) {
    log(`${s.name} is starting on 127.0.0.1:${s.port} (pid ${pid ?? 'unknown'}), waiting for it`);
    await waitForHealth({ name: s.name, healthy: s.healthy, timeoutMs, logs, ...(pid === undefined ? {} : { pid }) });
    return false;
  }
  const t = tools();
  const t0 = Date.now();
  const started = await s.start(t, log);
  writePid(s.paths.pidFile, started);
  log(`${s.name} started (pid ${started}), waiting for health on 127.0.0.1:${s.port}; log: ${s.paths.serverLog}`);
  try {
    await waitForHealth({ name: s.name, healthy: s.healthy, pid: started, timeoutMs, logs });
  } catch (e) {
    await stopGroup(started, 10_000);
    removePid(s.paths.pidFile);
    throw e;
  }
  log(`${s.name} healthy after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** Starts (or reuses) Kafka and Elasticsearch in parallel and resolves once both are healthy. */
export async function infraUp(opts: InfraUpOptions = {}): Promise<InfraUpResult> {
  const c = loadConfig();
  const log = opts.log ?? defaultLog;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let tools: Tools | undefined;
  const lazyTools = (): Tools => (tools ??= requireTools());
  const list = servers(c);
  const results = await Promise.allSettled(list.map((s) => ensure(s, log, timeoutMs, lazyTools)));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  if (errors.length > 0) {
    const msgs = errors.map((e: unknown) => (e instanceof Error ? e.message : String(e)));
    const unique = [...new Set(msgs)];
    throw errors.every((e: unknown) => e instanceof InfraError) ? new InfraError(unique.join('\n')) : errors[0];
  }
  return {
    kafkaBrokers: `127.0.0.1:${c.kafkaPort}`,
    elasticsearchUrl: `http://127.0.0.1:${c.esPort}`,
    started: list.filter((_, i) => results[i]?.status === 'fulfilled' && results[i].value).map((s) => s.name),
  };
}

/** Stops the servers this harness started (pid files): SIGTERM to the process group, SIGKILL after 30 s. */
export async function infraDown(opts: { log?: Logger } = {}): Promise<{ stopped: string[] }> {
  const log = opts.log ?? defaultLog;
  const list = servers(loadConfig());
  const stopped = await Promise.all(
    list.map(async (s) => {
      const pid = managedPid(s);
      if (pid === undefined) {
        const other = (await tcpOpen(s.port)) ? ` (something else is on port ${s.port}; not started by braid, left alone)` : '';
        log(`${s.name}: not running from ${s.paths.pidFile}${other}`);
        return undefined;
      }
      const killed = await stopGroup(pid);
      removePid(s.paths.pidFile);
      log(`${s.name}: stopped pid ${pid}${killed ? ' (had to SIGKILL)' : ''}`);
      return s.name;
    }),
  );
  return { stopped: stopped.filter((n): n is 'kafka' | 'elasticsearch' => n !== undefined) };
}

/** Reports, for each server, whether it runs and is healthy, its pid, port and version. */
export async function infraStatus(): Promise<ServerStatus[]> {
  const list = servers(loadConfig());
  return Promise.all(
    list.map(async (s): Promise<ServerStatus> => {
      const managed = managedPid(s);
      const healthy = await s.healthy();
      const listener = healthy || (await tcpOpen(s.port)) ? pidListeningOn(s.port) : undefined;
      const pid = managed ?? listener;
      const state = healthy ? 'running' : managed !== undefined && isAlive(managed) ? 'starting' : listener !== undefined ? 'unhealthy' : 'stopped';
      let version: string | undefined;
      if (s.name === 'elasticsearch') version = healthy ? await esVersion(s.port) : managed !== undefined ? ES_VERSION : undefined;
      else version = (listener !== undefined ? kafkaVersionOfPid(listener) : undefined) ?? (managed !== undefined ? KAFKA_VERSION : undefined);
      return { name: s.name, state, pid, port: s.port, version, managed: managed !== undefined };
    }),
  );
}

/** A Kafka broker a test owns alone, so it can stop and start it (outage tests). */
export interface OwnKafka {
  brokers: string;
  /** Starts the broker (formatting its storage the first time) and waits until it is healthy. */
  start(): Promise<void>;
  /** Stops the broker: SIGTERM to its process group, SIGKILL after the timeout. */
  stop(): Promise<void>;
}

/**
 * A second single-node Kafka on `port` (controller on port + 1) with its state under `dir`, from
 * the same cached download as infraUp. Topics and offsets survive stop/start.
 */
export function ownKafka(opts: { port: number; dir: string; log?: Logger; timeoutMs?: number }): OwnKafka {
  const c: InfraConfig = { ...loadConfig(), infraDir: opts.dir, kafkaPort: opts.port, kafkaControllerPort: opts.port + 1 };
  const log = opts.log ?? defaultLog;
  const s = servers(c)[0] as Server;
  let pid: number | undefined;
  return {
    brokers: `127.0.0.1:${opts.port}`,
    async start() {
      pid = await s.start(requireTools(), log);
      try {
        await waitForHealth({ name: 'kafka', healthy: s.healthy, pid, timeoutMs: opts.timeoutMs ?? 120_000, logs: [s.paths.serverLog, s.paths.stdoutLog] });
      } catch (e) {
        await this.stop();
        throw e;
      }
    },
    async stop() {
      if (pid !== undefined) await stopGroup(pid, 20_000);
      pid = undefined;
    },
  };
}
