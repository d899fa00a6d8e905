/**
 * What the pipeline benchmarks share: Braid targets started as child processes from a config,
 * their CPU time, RSS and metrics, bounded load loops, and Elasticsearch size figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, makeGenericClientConstructor } from '@grpc/grpc-js';
import type { Client } from '@elastic/elasticsearch';

export const CONCURRENCY = 8;
const cli = fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url));
/** BENCH_BRAID_JS=<built cli/index.js>: run Braid as compiled JavaScript instead of through tsx. */
const builtCli = process.env.BENCH_BRAID_JS;
/** BENCH_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`) for the processes named in BENCH_NODE_FLAGS_FOR (comma list; all when unset). */
const nodeFlags = (name: string) => (!process.env.BENCH_NODE_FLAGS_FOR || process.env.BENCH_NODE_FLAGS_FOR.split(',').includes(name) ? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean) : []);
const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export interface Braid {
  child: ChildProcess;
  http: string;
  grpc: string;
  admin: string;
  query: string;
}

// Below Linux's ephemeral range (32768+), so no port a test server got from the kernel collides.
let portBase = 20_000 + Math.floor(Math.random() * 1_000) * 10;

/**
 * Starts `braid serve` in a child process with `yaml` and waits until it is ready. `scrapeConfig`
 * switches the scraper on with that file (off otherwise).
 */
export async function startBraid(dir: string, name: string, yaml: string[], env: NodeJS.ProcessEnv, scrapeConfig?: string): Promise<Braid> {
  const p = (portBase += 10);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `receivers: { otlp: { http: { endpoint: "127.0.0.1:${p}" }, grpc: { endpoint: "127.0.0.1:${p + 1}" } }, zipkin: { endpoint: "127.0.0.1:${p + 2}" }, elasticsearch: { endpoint: "127.0.0.1:${p + 5}" }, prometheus: ${scrapeConfig ? `{ config_file: "${scrapeConfig}" }` : '{ enabled: false }'} }`,
      `query: { endpoint: "127.0.0.1:${p + 3}" }`,
      `admin: { endpoint: "127.0.0.1:${p + 4}" }`,
      'telemetry: { log_level: error }',
      ...yaml,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [...nodeFlags(name), ...(builtCli ? [builtCli] : ['--import', 'tsx', cli]), 'serve', '--config', file], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const braid = { child, http: `http://127.0.0.1:${p}`, grpc: `127.0.0.1:${p + 1}`, query: `http://127.0.0.1:${p + 3}`, admin: `http://127.0.0.1:${p + 4}` };
  for (let i = 0; i < 600; i++) {
    const ok = await fetch(`${braid.admin}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return braid;
    await sleep(100);
  }
  throw new Error(`${name} not ready after 60 s`);
}

export async function stopBraid(b: Braid): Promise<void> {
  const exited = new Promise((r) => b.child.once('exit', r));
  b.child.kill('SIGTERM');
  await exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) a process has used, from /proc. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** Peak resident set size (VmHWM) of a process over its life, in MB. */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

export async function metric(b: Braid, name: string): Promise<number> {
  return (await metrics(b, [name]))[0]!;
}

/** The sum over all series of each of `names`, from one scrape. */
export async function metrics(b: Braid, names: string[]): Promise<number[]> {
  const text = await (await fetch(`${b.admin}/metrics`)).text();
  const sums = names.map(() => 0);
  for (const line of text.split('\n')) {
    const i = names.findIndex((name) => line.startsWith(name));
    if (i >= 0 && /^[a-z_]+(\{.*\})? /.test(line)) sums[i]! += Number(line.split(' ').pop());
  }
  return sums;
}

export async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export type Sender = (body: Buffer) => Promise<void>;

export function httpSender(b: Braid, path = '/v1/traces', contentType = 'application/x-protobuf'): Sender {
  return async (body) => {
    const res = await fetch(`${b.http}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
}

export function grpcSender(b: Braid, method = EXPORT): { send: Sender; close: () => void } {
  const Ctor = makeGenericClientConstructor({}, 'TraceService');
  const client = new Ctor(b.grpc, credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 });
  const send: Sender = (body) =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest(method, (x: Buffer) => x, (x: Buffer) => x, body, new Metadata(), (err) => (err ? reject(err) : resolve())),
    );
  return { send, close: () => client.close() };
}

/** Sends `count` requests with CONCURRENCY senders; returns wall seconds and peak RSS of `pid`. */
export async function load(send: Sender, bodies: Buffer[], count: number, pid?: number): Promise<{ seconds: number; peakRssMb: number }> {
  let next = 0;
  let peak = 0;
  const sampler = pid === undefined ? undefined : setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await send(bodies[next++ % bodies.length]!);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (sampler) clearInterval(sampler);
  if (pid !== undefined) peak = Math.max(peak, rssMb(pid));
  return { seconds, peakRssMb: peak };
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en');

export async function bytesPerDoc(es: Client, index: string): Promise<{ bytes: number; docs: number }> {
  await es.indices.flush({ index });
  await es.indices.forcemerge({ index, max_num_segments: 1 });
  await es.indices.refresh({ index });
  const stats = await es.indices.stats({ index, metric: ['store', 'docs'] });
  const p = stats._all.primaries as { store: { size_in_bytes: number }; docs: { count: number } };
  return { bytes: p.store.size_in_bytes, docs: p.docs.count };
}

export async function deleteIndices(es: Client, prefix: string): Promise<void> {
  const rest = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
  if (rest.length > 0) await es.indices.delete({ index: rest.map((r) => r.index).join(',') });
}

