/**
 * The collector's Kafka produce path against the real Kafka (started or reused through the infra
 * harness), one child process per run so that its CPU and peak RSS are its own:
 *   today      one kafkajs producer.send per call (the path before docs/adr/0015);
 *   linger-N   the Kafka queue's coalescer (queue.kafka.linger_ms N), no compression;
 *   gzip/snappy the coalescer at the default linger with that codec;
 *   platformatic one @platformatic/kafka producer.send per call, and platformatic-coalesced the
 *              same coalescer over it, when BENCH_PLATFORMATIC names a folder holding
 *              node_modules/@platformatic/kafka (it is no dependency of Braid).
 * Load: CONCURRENCY callers, each sending REQUESTS/CONCURRENCY calls one after the other; a call
 * is the per-trace records of one 100-span OTLP request (10 records of ~1.2 kB, keyed by trace
 * ID), as the collector's receivers make them. Figures per run: produce CPU per record and per
 * span (the child's process.cpuUsage over the produce phase), the broker's CPU per span
 * (/proc/<pid>/stat over the same phase), the child's peak RSS (VmHWM), records/s, bytes on disk.
 * Prints the median and range of RUNS runs. Run: node --import tsx scripts/bench/kafka-produce.ts
 * (one child alone, profiled: BENCH_PROFILE=out.cpuprofile node --import tsx scripts/bench/kafka-produce.ts --child today 127.0.0.1:19092 <prefix of existing topics>)
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { infraUp } from '../infra/index.js';
import { pidListeningOn } from '../infra/process.js';
import { splitTraceRequestWire } from '../../src/model/otlp/trace-wire.js';
import { partitionFor } from '../../src/queue/memory/partition.js';
import { createKafkaQueue } from '../../src/queue/kafka/kafka-queue.js';
import { createCoalescer } from '../../src/queue/kafka/kafka-produce.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import type { QueueRecord } from '../../src/queue/queue.js';
import { benchRequest, SPANS_PER_REQUEST } from './requests.js';
import { cpuSeconds } from './processes.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Calls per second offered (open loop); 0: closed loop of CONCURRENCY callers. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PARTITIONS = 6;
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'today,linger-0,linger-2,linger-5,linger-10,gzip,snappy,platformatic,platformatic-coalesced').split(',');

interface ChildResult {
  records: number;
  spans: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
  requests: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** The records of REQUESTS different requests, split per trace as the OTLP receivers do. */
function makeCalls(): QueueRecord[][] {
  return Array.from({ length: REQUESTS }, () => splitTraceRequestWire(benchRequest(), 1_000_000).records.map((r) => ({ key: r.key, value: r.value })));
}

/** Latencies (ms) of the calls of the last runCalls. */
let latencies: number[] = [];

/** Closed loop (CONCURRENCY callers back to back) or, with BENCH_RATE calls/s, open loop: calls start on a fixed schedule, as requests reach a collector. */
async function runCalls(calls: QueueRecord[][], send: (records: QueueRecord[]) => Promise<void>, rate = RATE): Promise<void> {
  latencies = [];
  const timed = async (records: QueueRecord[]) => {
    const t = performance.now();
    await send(records);
    latencies.push(performance.now() - t);
  };
  if (rate > 0) {
    const t0 = performance.now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < calls.length; i++) {
      const due = t0 + (i * 1_000) / rate;
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(timed(calls[i] as QueueRecord[]));
    }
    await Promise.all(pending);
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls.length) await timed(calls[next++] as QueueRecord[]);
    }),
  );
}

/** A producer of one variant: connect, send one call, close. */
interface PlatformaticProducer {
  send(o: object): Promise<unknown>;
  close(): Promise<void>;
}

interface VariantProducer {
  send(records: QueueRecord[]): Promise<void>;
  close(): Promise<void>;
  requests(): Promise<number>;
}

async function variantProducer(variant: string, brokers: string, prefix: string): Promise<VariantProducer> {
  const topic = `${prefix}spans.v1`;
  if (variant === 'today') {
    const kafka = new Kafka({ clientId: 'bench', brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let n = 0;
    return {
      send: async (records) => {
        n++;
        await producer.send({ topic, acks: -1, messages: records });
      },
      close: () => producer.disconnect(),
      requests: async () => n,
    };
  }
  if (variant.startsWith('platformatic')) {
    const dir = process.env.BENCH_PLATFORMATIC as string;
    const lib = (await import(join(dir, 'node_modules/@platformatic/kafka/dist/index.js'))) as { Producer: new (o: object) => PlatformaticProducer; ProduceAcks: { ALL: number } };
    const producer = new lib.Producer({ clientId: 'bench', bootstrapBrokers: [brokers], acks: lib.ProduceAcks.ALL, autocreateTopics: false });
    let n = 0;
    const sendOne = async (messages: Array<{ topic: string; key: Buffer | null; value: Buffer; partition: number }>) => {
      n++;
      await producer.send({ messages });
    };
    if (variant === 'platformatic') {
      return {
        send: (records) => sendOne(records.map((r) => ({ topic, key: r.key, value: r.value, partition: partitionFor(r.key, PARTITIONS) }))),
        close: () => producer.close(),
        requests: async () => n,
      };
    }
    // The same coalescer as the Kafka queue's, over @platformatic/kafka's send.
    const coalescer = createCoalescer(
      { lingerMs: 5, batchMaxBytes: 1_048_576, maxBufferedBytes: 64 << 20, timeoutMs: 30_000, maxInFlight: 5 },
      {
        send: (request) => sendOne(request.flatMap((t) => t.messages.map((m) => ({ topic: t.topic, key: m.key, value: m.value, partition: m.partition as number })))),
        partitionsOf: () => PARTITIONS,
        limitOf: () => 1_048_588,
      },
    );
    return { send: (records) => coalescer.produce(topic, records), close: () => producer.close(), requests: async () => n };
  }
  const registry = new Registry();
  const metrics = createQueueMetrics(registry);
  const compression = variant === 'gzip' || variant === 'snappy' ? variant : 'none';
  // linger-N[-inflight-M]
  const linger = variant.startsWith('linger-') ? Number(variant.split('-')[1]) : 5;
  const inFlight = /-inflight-(\d+)$/.exec(variant)?.[1];
  const queue = createKafkaQueue(
    { brokers: [brokers], client_id: 'bench', topic_prefix: prefix, partitions: PARTITIONS, replication_factor: 1, produce_timeout_ms: 30_000, linger_ms: linger, compression, ...(inFlight ? { max_in_flight_requests: Number(inFlight) } : {}) },
    metrics,
    createLogger('warn'),
  );
  await queue.start();
  return {
    send: (records) => queue.send('spans', records),
    close: () => queue.close(),
    requests: async () => (await metrics.produceRequestRecords.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
  };
}

async function child(variant: string, brokers: string, prefix: string): Promise<void> {
  const calls = makeCalls();
  const p = await variantProducer(variant, brokers, prefix);
  await runCalls(calls.slice(0, 200), (r) => p.send(r), 0); // warm-up: connections, metadata, JIT
  const requestsBefore = await p.requests();
  process.stdout.write('START\n');
  await new Promise((r) => setTimeout(r, 200)); // the parent samples the broker first
  // BENCH_PROFILE=file: a CPU profile of the produce phase only (not the generation of the records).
  const profiler = process.env.BENCH_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runCalls(calls, (r) => p.send(r));
  const wallSeconds = (performance.now() - t0) / 1_000;
  const cpu = process.cpuUsage(cpu0);
  if (profiler) writeFileSync(process.env.BENCH_PROFILE as string, JSON.stringify((await profiler.post('Profiler.stop')).profile));
  const records = calls.reduce((n, c) => n + c.length, 0);
  const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const result: ChildResult = { records, spans: REQUESTS * SPANS_PER_REQUEST, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds, peakRssMb: Number(peak?.[1] ?? 0) / 1024, requests: (await p.requests()) - requestsBefore, latencyP50Ms: quantile(latencies, 0.5), latencyP99Ms: quantile(latencies, 0.99) };
  process.stdout.write(`END ${JSON.stringify(result)}\n`);
  await p.close();
}

/** Bytes of the topic's log segments on the broker's disk. */
function topicDiskBytes(logDir: string, topic: string): number {
  let n = 0;
  for (const d of readdirSync(logDir)) {
    if (!d.startsWith(`${topic}-`)) continue;
    for (const f of readdirSync(join(logDir, d))) if (f.endsWith('.log')) n += statSync(join(logDir, d, f)).size;
  }
  return n;
}

function brokerLogDir(pid: number): string {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const props = args.find((a) => a.endsWith('server.properties')) as string;
  return /^log\.dirs=(.*)$/m.exec(readFileSync(props, 'utf8'))?.[1]?.split(',')[0] as string;
}

interface Run extends ChildResult {
  brokerCpuSeconds: number;
  diskBytes: number;
  load: string;
}

async function oneRun(variant: string, brokers: string, brokerPid: number, prefix: string): Promise<Run> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', variant, brokers, prefix], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let brokerStart = 0;
  let result: (ChildResult & { brokerCpuSeconds: number }) | undefined;
  for await (const line of createInterface({ input: proc.stdout })) {
    if (line === 'START') brokerStart = cpuSeconds(brokerPid);
    else if (line.startsWith('END ')) result = { ...(JSON.parse(line.slice(4)) as ChildResult), brokerCpuSeconds: cpuSeconds(brokerPid) - brokerStart };
  }
  const code = await new Promise((r) => (proc.exitCode !== null ? r(proc.exitCode) : proc.once('exit', r)));
  if (!result || code !== 0) throw new Error(`${variant}: the child exited ${String(code)} without figures`);
  return { ...result, diskBytes: topicDiskBytes(brokerLogDir(brokerPid), `${prefix}spans.v1`), load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') };
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fig = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

async function main(): Promise<void> {
  const up = await infraUp({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
  const brokerPid = pidListeningOn(Number(up.kafkaBrokers.split(':')[1])) as number;
  const admin = new Kafka({ clientId: 'bench-admin', brokers: [up.kafkaBrokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const base = `benchk${Date.now().toString(36)}`;
  const load = RATE > 0 ? `${RATE} calls/s offered (open loop)` : `${CONCURRENCY} concurrent callers (closed loop)`;
  console.log(`# kafka produce: ${REQUESTS} calls of ~10 records (100 spans) each, ${load}, ${RUNS} runs per variant, node --import tsx`);
  console.log('| variant | produce CPU us/record | us/span | broker CPU us/span | peak RSS MB | records/s | records/request | call latency p50 / p99 ms | disk bytes/span | load (1 min) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  try {
    const byVariant = new Map<string, Run[]>(VARIANTS.map((v) => [v, []]));
    for (let run = 0; run < RUNS; run++) {
      // Alternate the variants within each round, so that slow drifts of the machine hit all alike.
      for (const variant of VARIANTS) {
        if (variant.startsWith('platformatic') && !process.env.BENCH_PLATFORMATIC) continue;
        const prefix = `${base}.${variant}.${run}.`;
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${prefix}spans.v1`, numPartitions: PARTITIONS, replicationFactor: 1 }] });
        byVariant.get(variant)!.push(await oneRun(variant, up.kafkaBrokers, brokerPid, prefix));
      }
    }
    for (const [variant, runs] of byVariant) {
      if (runs.length === 0) continue;
      console.log(
        `| ${variant} | ${fig(runs.map((r) => (r.cpuSeconds * 1e6) / r.records), 1)} | ${fig(runs.map((r) => (r.cpuSeconds * 1e6) / r.spans), 2)} | ${fig(runs.map((r) => (r.brokerCpuSeconds * 1e6) / r.spans), 2)} | ${fig(runs.map((r) => r.peakRssMb), 0)} | ${fig(runs.map((r) => r.records / r.wallSeconds), 0)} | ${fig(runs.map((r) => r.records / Math.max(1, r.requests)), 1)} | ${fig(runs.map((r) => r.latencyP50Ms), 1)} / ${fig(runs.map((r) => r.latencyP99Ms), 1)} | ${fig(runs.map((r) => r.diskBytes / r.spans), 1)} | ${runs.map((r) => r.load.split(' ')[0]).join(', ')} |`,
      );
    }
  } finally {
    // Other developers' topics share this broker: delete only this run's (its own prefix).
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(`${base}.`));
    await admin.deleteTopics({ topics: ours }).catch(() => undefined);
    await admin.disconnect();
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
else await main();
