/**
 * CPU per OTLP/HTTP request of an embedded Braid (the receiver, the in-process queue, the
 * ingester and the memory store, all in one process) with the listeners open, with a tokens
 * file, and with a tokens file and TLS (docs/adr/0018). Braid runs in a child process
 * (`node --import tsx`); its CPU is read from /proc/<pid>/stat (utime + stime) around each run,
 * its peak RSS from VmHWM. Usage: `node --import tsx test/security/listener-bench.ts [requests]`.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { makeTestPki } from '../helpers/certs.js';
import { newTraceId, twoSpanTrace } from '../helpers/otlp.js';

const REQUESTS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = 8;
const TOKEN = 'bench-token-5';
const pki = makeTestPki('braid-bench-pki-');
const dir = mkdtempSync(join(tmpdir(), 'braid-bench-'));
const tokens = join(dir, 'tokens');
writeFileSync(tokens, Array.from({ length: 10 }, (_, i) => `t${i}:bench-token-${i}`).join('\n'));

const variants: Record<string, Record<string, unknown>> = {
  open: {},
  tokens: { auth: { tokens_file: tokens } },
  'tokens+tls': { auth: { tokens_file: tokens }, tls: { cert_file: pki.serverCert, key_file: pki.serverKey } },
};

const src = (path: string) => new URL(`../../src/${path}`, import.meta.url).pathname;
const child = `
import { validateConfig } from '${src('config/load.ts')}';
import { startBraid } from '${src('main.ts')}';
import { createLogger } from '${src('telemetry/logger.ts')}';
const any = '127.0.0.1:0';
const config = validateConfig({ ...JSON.parse(process.env.EXTRA), receivers: { otlp: { http: { endpoint: any }, grpc: { endpoint: any } }, zipkin: { endpoint: any }, elasticsearch: { endpoint: any }, prometheus: { enabled: false } }, query: { endpoint: any }, admin: { endpoint: any }, telemetry: { log_level: 'error' } }, 'bench');
const b = await startBraid(config, { log: createLogger('error') });
process.stdout.write(JSON.stringify(b.addresses) + '\\n');
process.stdin.resume();
process.stdin.on('end', async () => { await b.stop(); process.exit(0); });
`;
const script = join(dir, 'child.mjs');
writeFileSync(script, child);

const cpuTicks = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
};
const hwm = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

async function runOnce(name: string): Promise<{ usPerRequest: number; rssMb: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, EXTRA: JSON.stringify(variants[name]) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const addresses = await new Promise<{ otlpHttp: string }>((resolve) => proc.stdout.once('data', (d: Buffer) => resolve(JSON.parse(d.toString().split('\n')[0]!))));
  const agent = new Agent({ connections: CONCURRENCY, connect: { ca: readFileSync(pki.caCert) } });
  const headers = { 'content-type': 'application/json', ...(name === 'open' ? {} : { authorization: `Bearer ${TOKEN}` }) };
  const send = async () => {
    const r = await request(`${addresses.otlpHttp}/v1/traces`, { method: 'POST', headers, body: JSON.stringify(twoSpanTrace(newTraceId()).body), dispatcher: agent });
    await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${name}: ${r.statusCode}`);
  };
  for (let i = 0; i < 200; i++) await send();
  const before = cpuTicks(proc.pid!);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < REQUESTS) await send();
  }));
  const ticks = cpuTicks(proc.pid!) - before;
  const rssMb = hwm(proc.pid!) / 1024;
  await agent.close();
  proc.stdin.end();
  await new Promise((r) => proc.once('exit', r));
  return { usPerRequest: (ticks * 10_000) / REQUESTS, rssMb };
}

const results: Record<string, Array<{ usPerRequest: number; rssMb: number }>> = { open: [], tokens: [], 'tokens+tls': [] };
for (let round = 0; round < 3; round++) for (const name of Object.keys(variants)) results[name]!.push(await runOnce(name));
for (const [name, runs] of Object.entries(results)) {
  const us = runs.map((r) => r.usPerRequest).sort((a, b) => a - b);
  const rss = runs.map((r) => r.rssMb).sort((a, b) => a - b);
  console.log(`${name.padEnd(11)} CPU ${us[1]!.toFixed(0)} us/request (${us[0]!.toFixed(0)}-${us[2]!.toFixed(0)}), peak RSS ${rss[1]!.toFixed(0)} MB (${rss[0]!.toFixed(0)}-${rss[2]!.toFixed(0)}); ${REQUESTS} requests of 2 spans, ${CONCURRENCY} keep-alive connections`);
}
