/**
 * `npm run bench -- --peers`: Braid and Jaeger v2 side by side on the same Kafka and Elasticsearch
 * (issue 13). Alternating rounds (Braid, Jaeger, Braid, ...), each with fresh topics and indices:
 * collector at a fixed offered rate, collector at saturation, ingester until every span is
 * searchable, a probe trace read back through each query API (the bench fails if it is incomplete).
 * Prints one table (median and range per system, and the ratio) and writes results.json.
 *
 * Environment: BENCH_PEERS_ROUNDS (2 per system), BENCH_PEERS_RATE (20000 spans/s offered),
 * BENCH_PEERS_SECONDS (20), BENCH_PEERS_PROCESSES (8 telemetrygen processes), BENCH_PEERS_SATURATION_RATE
 * (100000), BENCH_PEERS_SATURATION_SECONDS (10), BENCH_PEERS_SATURATION_PROCESSES (16),
 * BENCH_PEERS_INGEST_TIMEOUT_SECONDS (600), BENCH_PEERS_STALL_SECONDS (60: the round fails when no span
 * becomes searchable for that long), BENCH_PEERS_BRAID: a commit (default HEAD; built apart from the working tree, which others may be
 * editing) or `worktree` (dist/ of the working tree as it is, `npm run build` when missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { infraUp } from '../infra/index.js';
import { buildPeers, JAEGER_MODULE_VERSION, TELEMETRYGEN_VERSION } from '../infra/jaeger.js';
import { pidListeningOn } from '../infra/process.js';
import { deleteIndices } from './processes.js';
import { killAllNow, stopAll } from './peers/procs.js';
import { table } from './peers/report.js';
import { runRound, type RoundSettings } from './peers/round.js';
import { braid, jaeger, PARTITIONS, type PeerSystem } from './peers/systems.js';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}=${process.env[name]} is not a positive number`);
  return v;
};
const log = (line: string) => process.stderr.write(`[peers] ${line}\n`);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

/** Where Braid's built JavaScript is: HEAD's commit built in a folder of its own (cached by commit), or the working tree's dist/. */
function braidBuild(): { root: string; what: string } {
  const which = process.env.BENCH_PEERS_BRAID ?? 'HEAD';
  const commit = git('rev-parse', which === 'worktree' ? 'HEAD' : `${which}^{commit}`);
  if (which === 'worktree') {
    if (!existsSync(join(repo, 'dist', 'cli', 'index.js'))) execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'inherit' });
    const dirty = git('status', '--porcelain', '--', 'src').split('\n').filter(Boolean).length;
    return { root: repo, what: `working tree at ${commit.slice(0, 12)} (${dirty} files changed under src/), its dist/` };
  }
  const root = join(tmpdir(), `braid-peers-build-${commit.slice(0, 12)}`);
  if (!existsSync(join(root, 'dist', 'cli', 'index.js'))) {
    log(`building Braid at ${commit.slice(0, 12)} into ${root} (git archive + tsc; the web page is not needed)`);
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C '${root}'`], { cwd: repo, stdio: 'inherit' });
    if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    execFileSync(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
  }
  return { root, what: `commit ${commit.slice(0, 12)} (${git('log', '-1', '--format=%s', commit).slice(0, 80)})` };
}

/** Deletes a round's topics, indices and index templates. */
async function cleanRound(kafka: Kafka, es: Client, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  await admin.disconnect();
  await deleteIndices(es, prefix);
  await es.indices.deleteIndexTemplate({ name: `${prefix}*` }, { ignore: [404] });
  await es.indices.deleteTemplate({ name: `${prefix}*` }, { ignore: [404] });
}

/** What Ctrl-C and a failure must undo: the running round's processes, topics and indices. */
let cleanup: () => Promise<void> = stopAll;

async function main(): Promise<void> {
  const rounds = num('BENCH_PEERS_ROUNDS', 2);
  const up = await infraUp({ log });
  const peers = await buildPeers({ log });
  const build = braidBuild();
  const kafkaPid = pidListeningOn(Number(up.kafkaBrokers.split(':').pop()));
  const esPid = pidListeningOn(Number(new URL(up.elasticsearchUrl).port));
  if (kafkaPid === undefined || esPid === undefined) throw new Error(`cannot find the pids of Kafka (${up.kafkaBrokers}) and Elasticsearch (${up.elasticsearchUrl}) to measure their CPU`);
  const settings: RoundSettings = {
    telemetrygen: peers.telemetrygen,
    rate: num('BENCH_PEERS_RATE', 20_000),
    seconds: num('BENCH_PEERS_SECONDS', 20),
    processes: num('BENCH_PEERS_PROCESSES', 8),
    saturationRate: num('BENCH_PEERS_SATURATION_RATE', 100_000),
    saturationSeconds: num('BENCH_PEERS_SATURATION_SECONDS', 10),
    saturationProcesses: num('BENCH_PEERS_SATURATION_PROCESSES', 16),
    probeSpans: 25,
    kafkaPid,
    esPid,
    ingestTimeoutMs: num('BENCH_PEERS_INGEST_TIMEOUT_SECONDS', 600) * 1000,
    stallMs: num('BENCH_PEERS_STALL_SECONDS', 60) * 1000,
  };
  const dir = mkdtempSync(join(tmpdir(), `braid-peers-${new Date().toISOString().replace(/[:.]/g, '-')}-`));
  const kafka = new Kafka({ clientId: 'braid-peers-bench', brokers: [up.kafkaBrokers], logLevel: logLevel.NOTHING });
  const es = new Client({ node: up.elasticsearchUrl });
  const systems: PeerSystem[] = [braid(build.root), jaeger(peers.jaeger)];
  const results: Record<'Braid' | 'Jaeger', Array<Record<string, number>>> = { Braid: [], Jaeger: [] };
  const failures: string[] = [];
  const run = Date.now().toString(36);
  const started = Date.now();
  log(`Braid: ${build.what}; Jaeger ${JAEGER_MODULE_VERSION}; telemetrygen ${TELEMETRYGEN_VERSION}; ${rounds} rounds each; logs in ${dir}`);
  let portBase = 24_000 + Math.floor(Math.random() * 400) * 10;
  for (let r = 0; r < rounds; r++) {
    for (const sys of systems) {
      const prefix = `peers${run}r${r}${sys.name[0]!.toLowerCase()}`;
      const roundDir = join(dir, `${r}-${sys.name.toLowerCase()}`);
      mkdirSync(roundDir);
      log(`round ${r + 1}/${rounds}: ${sys.name} (prefix ${prefix}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
      cleanup = async () => {
        await stopAll();
        await cleanRound(kafka, es, prefix);
      };
      try {
        results[sys.name].push(await runRound(sys, { kafkaBrokers: up.kafkaBrokers, elasticsearchUrl: up.elasticsearchUrl, dir: roundDir, prefix, portBase: (portBase += 10) }, settings, kafka, es));
      } catch (e) {
        // The other rounds still run; the bench exits 1 and names every failed round under the table.
        failures.push(`round ${r + 1} ${sys.name}: ${e instanceof Error ? e.message : String(e)}`);
        log(`FAILED: ${failures.at(-1)!}`);
      } finally {
        await cleanup();
        cleanup = stopAll;
      }
    }
  }
  const minutes = (Date.now() - started) / 60_000;
  const text = [
    `Braid (${build.what}) vs Jaeger v2 (jaeger ${JAEGER_MODULE_VERSION}), ${rounds} alternating rounds each, ${minutes.toFixed(1)} min`,
    `load: telemetrygen ${TELEMETRYGEN_VERSION} over OTLP/gRPC, 10-span traces, 100 spans per request; fixed ${settings.rate} spans/s offered for ${settings.seconds} s by ${settings.processes} processes x 2 workers; saturation ${settings.saturationRate} spans/s for ${settings.saturationSeconds} s by ${settings.saturationProcesses} processes`,
    `Kafka ${up.kafkaBrokers} (topics of ${PARTITIONS} partitions, replication 1), Elasticsearch ${up.elasticsearchUrl}; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '',
    table(results),
    ...(failures.length ? ['', `FAILED ROUNDS (not in the table):`, ...failures.map((f) => `- ${f}`)] : []),
  ].join('\n');
  console.log(text);
  const file = join(dir, 'results.json');
  writeFileSync(file, `${JSON.stringify({ braid: build.what, jaeger: JAEGER_MODULE_VERSION, telemetrygen: TELEMETRYGEN_VERSION, settings, minutes, rounds: results, failures }, null, 2)}\n`);
  writeFileSync(join(dir, 'results.md'), `${text}\n`);
  console.log(`\nresults: ${file} (and results.md beside it)`);
  if (failures.length > 0) throw new Error(`${failures.length} round(s) failed, see above`);
}

process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping every process the bench started and deleting the round's topics and indices`);
    void cleanup().finally(() => process.exit(130));
  });
}
main().then(
  () => process.exit(0),
  async (e: unknown) => {
    process.stderr.write(`peers bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    await cleanup();
    process.exit(1);
  },
);
