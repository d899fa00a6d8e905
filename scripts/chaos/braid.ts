/**
 * Braid as separate processes (`node --import tsx src/cli/index.ts serve --config F`), one per
 * target, so each can be killed alone; each has its config file and log file in the run's dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from './ports.js';

/** The Braid source tree the processes run: this checkout, or BRAID_CHAOS_SOURCE (e.g. a `git archive` of a commit). */
const root = process.env.BRAID_CHAOS_SOURCE || fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'src', 'cli', 'index.ts');

/** Braid's targets, each run as its own process. */
export type Target = 'collector' | 'ingester' | 'query' | 'alerter';

/** What every process of the run shares. */
export interface PipelineSettings {
  dir: string;
  brokers: string;
  esUrl: string;
  /** Topic prefix `<prefix>.` and index prefix `<prefix>`. */
  prefix: string;
  ruleFile: string;
  webhookUrl: string;
}

/** One running (or stopped) Braid process. */
export interface BraidProcess {
  target: Target;
  admin: string;
  /** OTLP/HTTP base URL (collector only). */
  otlpHttp: string;
  start(): Promise<void>;
  /** SIGKILL, and wait until it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 20 s. */
  stop(): Promise<void>;
  pid(): number | undefined;
}

function configOf(target: Target, s: PipelineSettings, ports: { http: number; query: number; admin: number }): Record<string, unknown> {
  return {
    target,
    receivers: {
      otlp: { http: { endpoint: `127.0.0.1:${ports.http}` }, grpc: { enabled: false } },
      zipkin: { enabled: false },
      elasticsearch: { enabled: false },
      prometheus: { enabled: false },
    },
    query: { endpoint: `127.0.0.1:${ports.query}` },
    admin: { endpoint: `127.0.0.1:${ports.admin}` },
    queue: { kafka: { brokers: [s.brokers], topic_prefix: `${s.prefix}.`, group_id: `${s.prefix}-ingester`, partitions: 3, produce_timeout_ms: 3_000 } },
    // Small bulks and a short timeout: a kill lands between write and commit, a paused node is noticed soon.
    storage: { elasticsearch: { url: s.esUrl, index_prefix: s.prefix, bulk_max_docs: 200, request_timeout_ms: 5_000 } },
    alerting: {
      rule_files: [s.ruleFile],
      evaluation_interval: '1s',
      for_grace_period: '5s',
      webhooks: [{ url: s.webhookUrl, group_by: ['alertname'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h' }],
    },
    telemetry: { log_level: 'warn' },
  };
}

async function readyz(admin: string): Promise<boolean> {
  try {
    const res = await fetch(`${admin}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** A Braid process of `target` on free ports; nothing runs until `start`. */
export async function braidProcess(target: Target, s: PipelineSettings): Promise<BraidProcess> {
  const ports = { http: await freePort(), query: await freePort(), admin: await freePort() };
  const file = join(s.dir, `${target}.yaml`);
  writeFileSync(file, stringify(configOf(target, s, ports)));
  const admin = `http://127.0.0.1:${ports.admin}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let starts = 0;

  return {
    target,
    admin,
    otlpHttp: `http://127.0.0.1:${ports.http}`,
    pid: () => child?.pid,
    async start() {
      starts++;
      const out = openSync(join(s.dir, `${target}-${starts}.log`), 'a');
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
      const c = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', file], { cwd: root, env, stdio: ['ignore', out, out] });
      closeSync(out);
      child = c;
      exited = new Promise((resolve) => c.once('exit', () => resolve()));
      const deadline = Date.now() + 120_000;
      while (!(await readyz(admin))) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`braid ${target} exited during start-up (${c.exitCode ?? c.signalCode}); see ${join(s.dir, `${target}-${starts}.log`)}`);
        if (Date.now() > deadline) throw new Error(`braid ${target} not ready after 120 s; see ${join(s.dir, `${target}-${starts}.log`)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async kill() {
      child?.kill('SIGKILL');
      await exited;
      child = undefined;
    },
    async stop() {
      if (!child) return;
      const c = child;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      child = undefined;
    },
  };
}
