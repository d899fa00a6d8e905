/**
 * The collector's OTLP/gRPC path alone, @grpc/grpc-js's Server against Braid's own server on
 * node:http2 (src/receivers/otlp/grpc.ts). Each round starts a server process (plain
 * `node --import tsx`, or plain JS with --js) with the in-process memory queue and a consumer that only commits, so the
 * queue stays small and nothing else runs there, then sends a bounded number of 100-span
 * ExportTraceServiceRequests from CHANNELS grpc-js client channels, SENDERS calls in flight.
 * Figures per round: server CPU-seconds (utime + stime from /proc) per span over the measured
 * requests (after a warm-up), the server's peak RSS (VmHWM) and requests/s (wall). The two
 * servers alternate, RUNS rounds each; median and range are printed with `uptime`'s load.
 *
 *   npx tsx scripts/bench/grpc.ts [--runs 3] [--requests 4000] [--only grpc-js|http2] [--js] [--cpu-prof DIR]
 *
 * --js runs the server process as plain JavaScript (bundled by esbuild) instead of through tsx.
 *
 * Not a test: it asserts nothing. The grpc-js server here is the receiver as it was before ADR
 * 0014, kept to compare against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Metadata, Server, ServerCredentials, status, type ServiceDefinition, type handleUnaryCall } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { BraidError } from '../../src/errors.js';
import { encodeTraceResponse } from '../../src/model/otlp/trace-proto.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { Queue } from '../../src/queue/queue.js';
import { exportTraceProtobuf } from '../../src/receivers/otlp/export.js';
import { startOtlpGrpc } from '../../src/receivers/otlp/grpc.js';
import { encodeStatus } from '../../src/receivers/otlp/status.js';
import { createReceiverMetrics, type ReceiverMetrics } from '../../src/receivers/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { cpuSeconds, grpcSender, type Sender } from './processes.js';
import { benchRequest, SPANS_PER_REQUEST } from './requests.js';

const IMPLS = ['grpc-js', 'http2'] as const;
type Impl = (typeof IMPLS)[number];
const CHANNELS = 4;
const SENDERS = 8;
const WARMUP = 300;

/** The receiver before ADR 0014: grpc-js's Server, TraceService only, on raw bytes. */
async function startGrpcJs(queue: Queue, metrics: ReceiverMetrics): Promise<number> {
  const server = new Server({ 'grpc.max_receive_message_length': 4 * 1024 * 1024 });
  const identity = (b: Buffer): Buffer => b;
  const service: ServiceDefinition = {
    Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  };
  const handler: handleUnaryCall<Buffer, Buffer> = (call, callback) => {
    exportTraceProtobuf(call.request, 'grpc', queue, metrics).then(
      (r) => callback(null, Buffer.from(encodeTraceResponse(r.partial))),
      (err: unknown) => {
        const e = err instanceof BraidError ? err : new BraidError('BRAID_ERR_INTERNAL', String(err));
        const md = new Metadata();
        md.set('grpc-status-details-bin', encodeStatus(e.grpcStatus, e.message, e.retryAfterSeconds));
        callback({ code: e.grpcStatus ?? status.INTERNAL, details: e.message, metadata: md });
      },
    );
  };
  server.addService(service, { Export: handler });
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
}

/** The server process: a memory queue drained by a committing consumer, and one gRPC server. */
async function serve(impl: Impl): Promise<void> {
  const log = createLogger('error');
  const registry = new Registry();
  const queue = createMemoryQueue({ partitions: 4, max_bytes: 256 * 1024 * 1024, topicPrefix: 'bench.' }, createQueueMetrics(registry), log);
  await queue.consume('bench', ['spans'], async () => {});
  const metrics = createReceiverMetrics(registry);
  const port = impl === 'grpc-js' ? await startGrpcJs(queue, metrics) : (await startOtlpGrpc({ host: '127.0.0.1', port: 0, maxRecvMsgSizeMiB: 4 }, { queue, metrics, log })).port;
  process.stdout.write(`port ${port}\n`);
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/**
 * With --js the server runs as plain JavaScript: this file bundled by esbuild (packages left
 * external, so it sits where node_modules resolves them); otherwise through tsx.
 */
async function serverCommand(js: boolean): Promise<string[]> {
  const self = fileURLToPath(import.meta.url);
  if (!js) return ['--import', 'tsx', self];
  const outfile = fileURLToPath(new URL('../../node_modules/.cache/braid-bench/grpc.mjs', import.meta.url));
  const { build } = await import('esbuild');
  await build({ entryPoints: [self], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'warning' });
  return [outfile];
}

async function startServer(impl: Impl, command: string[], profileDir: string | undefined): Promise<{ child: ChildProcess; port: number }> {
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...prof, ...command, '--serve', impl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, port };
}

/** Sends `count` requests over CHANNELS channels with SENDERS calls in flight. */
async function drive(senders: Sender[], bodies: Buffer[], count: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, i) => {
      while (next < count) await senders[i % senders.length]!(bodies[next++ % bodies.length]!);
    }),
  );
  return (performance.now() - t0) / 1000;
}

interface Round {
  usPerSpan: number;
  peakRssMb: number;
  requestsPerS: number;
  load1: number;
}

async function round(impl: Impl, requests: number, command: string[], profileDir: string | undefined): Promise<Round> {
  const { child, port } = await startServer(impl, command, profileDir);
  const channels = Array.from({ length: CHANNELS }, () => grpcSender({ grpc: `127.0.0.1:${port}` } as Parameters<typeof grpcSender>[0]));
  const bodies = Array.from({ length: 64 }, () => benchRequest());
  try {
    await drive(channels.map((c) => c.send), bodies, WARMUP);
    const cpu0 = cpuSeconds(child.pid!);
    const seconds = await drive(channels.map((c) => c.send), bodies, requests);
    const cpu = cpuSeconds(child.pid!) - cpu0;
    return { usPerSpan: (cpu * 1e6) / (requests * SPANS_PER_REQUEST), peakRssMb: peakRssMb(child.pid!), requestsPerS: requests / seconds, load1: loadavg()[0]! };
  } finally {
    for (const c of channels) c.close();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'string' }, runs: { type: 'string', default: '3' }, requests: { type: 'string', default: '4000' }, only: { type: 'string' }, 'cpu-prof': { type: 'string' }, js: { type: 'boolean', default: false } } });
  if (values.serve) {
    if (!IMPLS.includes(values.serve as Impl)) throw new Error(`--serve: expected one of ${IMPLS.join(', ')}, got ${values.serve}`);
    process.once('SIGINT', () => process.exit(0));
    return serve(values.serve as Impl);
  }
  const runs = Number(values.runs);
  const requests = Number(values.requests);
  if (!(runs >= 1 && requests >= 1)) throw new Error('--runs and --requests must be positive numbers');
  const impls = values.only ? IMPLS.filter((i) => i === values.only) : [...IMPLS];
  if (impls.length === 0) throw new Error(`--only: expected one of ${IMPLS.join(', ')}, got ${values.only}`);
  const command = await serverCommand(values.js);
  const results = new Map<Impl, Round[]>(impls.map((i) => [i, []]));
  for (let r = 0; r < runs; r++) {
    for (const impl of impls) {
      const res = await round(impl, requests, command, values['cpu-prof']);
      results.get(impl)!.push(res);
      console.log(`  round ${r + 1} ${impl}: ${res.usPerSpan.toFixed(2)} us/span, peak RSS ${res.peakRssMb.toFixed(0)} MB, ${res.requestsPerS.toFixed(0)} req/s, load ${res.load1.toFixed(2)}`);
    }
  }
  console.log(`OTLP/gRPC server alone (${values.js ? 'plain JS bundled by esbuild' : 'node --import tsx'}): ${requests} requests x ${SPANS_PER_REQUEST} spans, ${CHANNELS} grpc-js channels, ${SENDERS} calls in flight, memory queue; median (range) of ${runs}`);
  console.log('| server | CPU us/span | peak RSS MB | requests/s | load (1 min) |');
  console.log('|---|---|---|---|---|');
  for (const [impl, rs] of results) {
    const col = (f: (x: Round) => number, d: number) => `${median(rs.map(f)).toFixed(d)} (${range(rs.map(f), d)})`;
    console.log(`| ${impl} | ${col((x) => x.usPerSpan, 2)} | ${col((x) => x.peakRssMb, 0)} | ${col((x) => x.requestsPerS, 0)} | ${range(rs.map((x) => x.load1), 2)} |`);
  }
  // Rounds run in pairs under the same load: the ratio within a pair is steadier than either figure.
  const [a, b] = [results.get('grpc-js'), results.get('http2')];
  if (a && b) {
    const ratios = a.map((x, i) => b[i]!.usPerSpan / x.usPerSpan);
    console.log(`http2 / grpc-js CPU per span, round by round: ${ratios.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)})`);
  }
}

await main();
