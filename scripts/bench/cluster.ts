/**
 * The collector with one process and with N cluster workers (cluster.workers, src/cluster) on the
 * same Kafka: CPU per span at a fixed offered rate, and accepted spans/s at saturation. Braid
 * runs as built JavaScript (HEAD built apart from the working tree, or BENCH_CLUSTER_BRAID=<dir>
 * holding dist/); the load is telemetrygen over OTLP/gRPC (the peers bench's, 10-span traces, 100
 * spans per request), one gRPC connection per telemetrygen process, which the primary hands to
 * the workers in turn. Alternating rounds; prints median [min-max] per setting.
 *
 * On this machine Kafka, Elasticsearch, the load generators and the collector share 2 cores, so
 * wall-clock throughput is bounded by what the others leave; CPU-seconds per span are the figure
 * that carries to a machine with more cores.
 *
 * Environment: BENCH_CLUSTER_ROUNDS (3 per setting), BENCH_CLUSTER_WORKERS (2), BENCH_CLUSTER_RATE
 * (15000 spans/s offered), BENCH_CLUSTER_SECONDS (20), BENCH_CLUSTER_PROCESSES (4),
 * BENCH_CLUSTER_SATURATION_RATE (100000), BENCH_CLUSTER_SATURATION_SECONDS (15),
 * BENCH_CLUSTER_SATURATION_PROCESSES (8).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { infraUp } from '../infra/index.js';
import { buildPeers } from '../infra/jaeger.js';
import { pidListeningOn } from '../infra/process.js';
import { cpuSeconds, sleep } from './processes.js';
import { runTelemetrygen } from './peers/load.js';
import { groupCpuSeconds, groupPeakRssMb, killAllNow, startProc, stopAll, stopProc } from './peers/procs.js';
import { scrapeSum } from './peers/systems.js';

const env = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}=${process.env[name]} is not a positive number`);
  return v;
};
const log = (line: string) => process.stderr.write(`[cluster] ${line}\n`);
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** dist/ of HEAD, compiled once per commit into a temp folder (others edit the working tree meanwhile). */
function builtBraid(): string {
  if (process.env.BENCH_CLUSTER_BRAID) return process.env.BENCH_CLUSTER_BRAID;
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const root = join(tmpdir(), `braid-cluster-build-${commit.slice(0, 12)}`);
  if (!existsSync(join(root, 'dist', 'cli', 'index.js'))) {
    log(`compiling ${commit.slice(0, 12)} into ${root}`);
    mkdirSync(root, { recursive: true });
    const tsc = join(repo, 'node_modules', '.bin', 'tsc');
    execFileSync('sh', ['-c', `git -C '${repo}' archive ${commit} | tar -x -C . && ln -sfn '${join(repo, 'node_modules')}' node_modules && '${tsc}' -p tsconfig.json`], { cwd: root, stdio: 'inherit' });
  }
  return root;
}

interface Setting {
  name: string;
  workers: number;
}

/** One round of one setting: a fresh topic prefix, the fixed-rate phase, then saturation. */
async function round(s: Setting, o: { root: string; dir: string; brokers: string; telemetrygen: string; kafkaPid: number; prefix: string; port: number }): Promise<Record<string, number>> {
  const { rate, seconds, processes } = { rate: env('BENCH_CLUSTER_RATE', 15_000), seconds: env('BENCH_CLUSTER_SECONDS', 20), processes: env('BENCH_CLUSTER_PROCESSES', 4) };
  const file = join(o.dir, `${o.prefix}.yaml`);
  writeFileSync(file, [
    'target: collector',
    `cluster: { workers: ${s.workers} }`,
    `receivers: { otlp: { grpc: { endpoint: "127.0.0.1:${o.port}" }, http: { endpoint: "127.0.0.1:${o.port + 1}" } }, zipkin: { enabled: false }, elasticsearch: { enabled: false }, prometheus: { enabled: false } }`,
    `admin: { endpoint: "127.0.0.1:${o.port + 3}" }`,
    'telemetry: { log_level: warn }',
    `queue: { kafka: { brokers: ["${o.brokers}"], topic_prefix: "${o.prefix}.", partitions: 6, replication_factor: 1 } }`,
  ].join('\n'));
  const proc = startProc(`braid collector ${s.name}`, process.execPath, [join(o.root, 'dist', 'cli', 'index.js'), 'serve', '--config', file], {}, join(o.dir, `${o.prefix}.log`));
  const admin = `http://127.0.0.1:${o.port + 3}`;
  for (let i = 0; (await fetch(`${admin}/readyz`).then((r) => r.status, () => 0)) !== 200; i++) {
    if (i > 1_200) throw new Error(`${s.name} not ready after 120 s; see ${proc.log}`);
    await sleep(100);
  }
  const accepted = () => scrapeSum(`${admin}/metrics`, 'braid_receiver_accepted_spans_total');
  const primaryCpu = () => cpuSeconds(proc.pid);
  const out: Record<string, number> = {};
  // What the processes cost with no load: a fixed cost per process, spread over the spans it takes.
  await sleep(5_000);
  const idle0 = groupCpuSeconds(proc);
  await sleep(15_000);
  out.idleCores = (groupCpuSeconds(proc) - idle0) / 15;
  const records = async () => [await scrapeSum(`${admin}/metrics`, 'braid_queue_produce_request_records_sum'), await scrapeSum(`${admin}/metrics`, 'braid_queue_produce_request_records_count')];
  const r0 = await records();
  const [acc0, cpu0, p0, k0] = [await accepted(), groupCpuSeconds(proc), primaryCpu(), cpuSeconds(o.kafkaPid)];
  const fixed = await runTelemetrygen(o.telemetrygen, `127.0.0.1:${o.port}`, rate, seconds, processes, o.dir, `${o.prefix}-fixed`);
  await sleep(2_000);
  const [acc1, cpu1, p1, k1] = [await accepted(), groupCpuSeconds(proc), primaryCpu(), cpuSeconds(o.kafkaPid)];
  const spans = acc1 - acc0;
  out.cpuUsPerSpan = ((cpu1 - cpu0) / spans) * 1e6;
  out.primaryCpuUsPerSpan = s.workers > 1 ? ((p1 - p0) / spans) * 1e6 : 0;
  out.brokerCpuUsPerSpan = ((k1 - k0) / spans) * 1e6;
  const r1 = await records();
  out.recordsPerProduceRequest = (r1[0]! - r0[0]!) / (r1[1]! - r0[1]! || 1);
  out.acceptedShare = (100 * spans) / fixed.generatedSpans;
  out.generatorCpuUsPerSpan = (fixed.cpuSeconds / fixed.generatedSpans) * 1e6;
  out.loadAvg1 = loadavg()[0]!;
  log(`${s.name}: ${spans} of ${fixed.generatedSpans} spans accepted at ${rate}/s offered; ${out.cpuUsPerSpan.toFixed(2)} us CPU/span (primary ${out.primaryCpuUsPerSpan.toFixed(2)}); load ${out.loadAvg1.toFixed(1)}`);

  const t0 = performance.now();
  const sat = await runTelemetrygen(o.telemetrygen, `127.0.0.1:${o.port}`, env('BENCH_CLUSTER_SATURATION_RATE', 100_000), env('BENCH_CLUSTER_SATURATION_SECONDS', 15), env('BENCH_CLUSTER_SATURATION_PROCESSES', 8), o.dir, `${o.prefix}-sat`);
  const satSeconds = (performance.now() - t0) / 1000;
  await sleep(2_000);
  const [acc2, cpu2] = [await accepted(), groupCpuSeconds(proc)];
  out.saturationSpansPerSec = (acc2 - acc1) / satSeconds;
  out.saturationLostShare = (100 * (sat.generatedSpans - (acc2 - acc1))) / sat.generatedSpans;
  // Spans per CPU-second of the collector at saturation: what one core of it takes.
  out.saturationSpansPerCpuSecond = (acc2 - acc1) / (cpu2 - cpu1);
  out.saturationCpuCores = (cpu2 - cpu1) / satSeconds;
  out.peakRssMb = groupPeakRssMb(proc);
  log(`${s.name} saturation: ${Math.round(out.saturationSpansPerSec)} spans/s accepted, ${out.saturationCpuCores.toFixed(2)} cores busy, ${Math.round(out.saturationSpansPerCpuSecond)} spans per CPU-second, ${out.saturationLostShare.toFixed(1)}% not accepted; peak RSS ${out.peakRssMb.toFixed(0)} MB`);
  await stopProc(proc);
  return out;
}

const FIGURES: Array<[string, string, number]> = [
  ['cpuUsPerSpan', 'collector CPU per span, fixed rate (us, all processes)', 2],
  ['primaryCpuUsPerSpan', '  of which the primary (us)', 2],
  ['idleCores', 'idle: collector cores busy with no load', 3],
  ['recordsPerProduceRequest', 'fixed rate: records per Kafka produce request', 1],
  ['brokerCpuUsPerSpan', 'Kafka broker CPU per span (us; the broker is shared with the other benches)', 2],
  ['acceptedShare', 'fixed rate: accepted / generated (%)', 1],
  ['saturationSpansPerSec', 'saturation: spans/s accepted (wall)', 0],
  ['saturationCpuCores', 'saturation: collector cores busy', 2],
  ['saturationSpansPerCpuSecond', 'saturation: spans per collector CPU-second', 0],
  ['saturationLostShare', 'saturation: generated, not accepted (%)', 1],
  ['peakRssMb', 'collector peak RSS, all processes (MB)', 0],
  ['generatorCpuUsPerSpan', 'load generator CPU per span (us)', 2],
  ['loadAvg1', 'load average (1 min) after the fixed phase', 1],
];

function summary(values: number[], digits: number): string {
  const s = [...values].sort((a, b) => a - b);
  const f = (n: number) => n.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${f(s[Math.floor(s.length / 2)]!)} [${f(s[0]!)}-${f(s[s.length - 1]!)}]`;
}

async function main(): Promise<void> {
  const rounds = env('BENCH_CLUSTER_ROUNDS', 3);
  const workers = env('BENCH_CLUSTER_WORKERS', 2);
  const up = await infraUp({ log });
  const { telemetrygen } = await buildPeers({ log });
  const root = builtBraid();
  const kafkaPid = pidListeningOn(Number(up.kafkaBrokers.split(':').pop()));
  if (kafkaPid === undefined) throw new Error(`cannot find Kafka's pid on ${up.kafkaBrokers}`);
  const dir = mkdtempSync(join(tmpdir(), 'braid-cluster-bench-'));
  const settings: Setting[] = [{ name: '1 process', workers: 0 }, { name: `${workers} workers`, workers }];
  const results = new Map<string, Array<Record<string, number>>>(settings.map((s) => [s.name, []]));
  const kafka = new Kafka({ clientId: 'braid-cluster-bench', brokers: [up.kafkaBrokers], logLevel: logLevel.NOTHING });
  const run = Date.now().toString(36);
  log(`Braid built in ${root}; ${rounds} rounds per setting, alternating; logs in ${dir}`);
  for (let r = 0; r < rounds; r++) {
    for (const [i, s] of settings.entries()) {
      const prefix = `bc${run}r${r}s${i}`;
      results.get(s.name)!.push(await round(s, { root, dir, brokers: up.kafkaBrokers, telemetrygen, kafkaPid, prefix, port: 23_000 + (r * settings.length + i) * 10 }));
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)) });
      await admin.disconnect();
    }
  }
  const lines = [`| figure | ${settings.map((s) => s.name).join(' | ')} |`, `|---|${settings.map(() => '---').join('|')}|`];
  for (const [key, label, digits] of FIGURES) lines.push(`| ${label} | ${settings.map((s) => summary(results.get(s.name)!.map((x) => x[key]!), digits)).join(' | ')} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(Object.fromEntries(results), null, 2)}\n`);
  log(`results in ${join(dir, 'results.json')}`);
}

process.on('exit', killAllNow);
main().catch(async (err: unknown) => {
  await stopAll();
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
