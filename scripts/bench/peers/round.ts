/**
 * One round of one system: (a) its collector alone at a fixed offered rate, with the probe trace,
 * (b) the same collector at the saturation rate, (c) its ingester (with the query API) until every
 * span the collector phases left in Kafka is searchable, then Elasticsearch bytes per span,
 * (d) the probe read back through the query API. Returns the round's figures.
 */
import { loadavg } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import type { Kafka } from 'kafkajs';
import { bytesPerDoc, cpuSeconds, sleep } from '../processes.js';
import { missingProbeSpans, probeTrace, runTelemetrygen, sendProbe } from './load.js';
import { groupCpuSeconds, groupPeakRssMb, stopProc } from './procs.js';
import { PARTITIONS, type PeerSystem, type RoundEnv, scrapeSum } from './systems.js';

/** The load and the shared servers' pids. */
export interface RoundSettings {
  telemetrygen: string;
  rate: number;
  seconds: number;
  processes: number;
  saturationRate: number;
  saturationSeconds: number;
  saturationProcesses: number;
  probeSpans: number;
  kafkaPid: number;
  esPid: number;
  /** Longest wait for the ingester to make every span searchable. */
  ingestTimeoutMs: number;
  /** The round fails when no more spans become searchable for this long. */
  stallMs: number;
}

const log = (line: string) => process.stderr.write(`[peers] ${line}\n`);

/** Waits until `f` stops changing for `stableMs` (a collector's queues drained), at most `maxMs`. */
async function settle(f: () => Promise<number>, stableMs = 2_000, maxMs = 30_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = await f();
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < stableMs) {
    await sleep(250);
    const v = await f();
    if (v !== last) [last, since] = [v, Date.now()];
  }
  return last;
}

/** Runs one round of `sys`; returns its figures (see report.ts FIGURES). */
export async function runRound(sys: PeerSystem, env: RoundEnv, s: RoundSettings, kafka: Kafka, es: Client): Promise<Record<string, number>> {
  const topics = sys.topicsToCreate(env.prefix);
  if (topics.length > 0) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })) });
    await admin.disconnect();
  }
  const out: Record<string, number> = {};
  const probe = probeTrace(s.probeSpans);

  // (a) collector at the fixed rate, the probe sent a second into it.
  const col = await sys.startCollector(env);
  const accepted = () => scrapeSum(col.metricsUrl, sys.acceptedMetric);
  const refused = () => scrapeSum(col.metricsUrl, sys.refusedMetric);
  const inKafka = () => scrapeSum(col.metricsUrl, sys.inKafkaMetric);
  const acc0 = await accepted();
  const kafka0 = await inKafka();
  const refused0 = await refused();
  const cpu0 = [groupCpuSeconds(col.proc), cpuSeconds(s.kafkaPid)];
  const loadRun = runTelemetrygen(s.telemetrygen, col.otlpGrpc, s.rate, s.seconds, s.processes, env.dir, 'fixed');
  await sleep(1_000);
  await sendProbe(probe, col.otlpGrpc);
  const fixed = await loadRun;
  const acc1 = await settle(accepted);
  const cpu1 = [groupCpuSeconds(col.proc), cpuSeconds(s.kafkaPid)];
  const spansA = acc1 - acc0 - probe.spanIds.length;
  out.collectorCpuUsPerSpan = ((cpu1[0]! - cpu0[0]!) / spansA) * 1e6;
  out.brokerCpuUsPerSpan = ((cpu1[1]! - cpu0[1]!) / spansA) * 1e6;
  out.collectorPeakRssMb = groupPeakRssMb(col.proc);
  out.acceptedShare = (100 * spansA) / fixed.generatedSpans;
  out.generatorCpuUsPerSpan = (fixed.cpuSeconds / fixed.generatedSpans) * 1e6;
  out.loadAvg1 = loadavg()[0]!;
  out.fixedAccepted = spansA;
  out.fixedGenerated = fixed.generatedSpans;
  out.fixedRefused = (await refused()) - refused0;
  log(`${sys.name} collector: ${spansA} of ${fixed.generatedSpans} spans accepted, ${out.collectorCpuUsPerSpan.toFixed(2)} us CPU/span, broker ${out.brokerCpuUsPerSpan.toFixed(2)} us/span, peak RSS ${out.collectorPeakRssMb.toFixed(0)} MB${fixed.failures.length ? `; ${fixed.failures.join('; ')}` : ''}`);

  // (b) saturation: the same collector, offered far more.
  const ref0 = await refused();
  const t0 = performance.now();
  const sat = await runTelemetrygen(s.telemetrygen, col.otlpGrpc, s.saturationRate, s.saturationSeconds, s.saturationProcesses, env.dir, 'saturation');
  const satSeconds = (performance.now() - t0) / 1000;
  const acc2 = await settle(accepted);
  out.saturationAcceptedPerSec = (acc2 - acc1) / satSeconds;
  out.saturationLostShare = (100 * (sat.generatedSpans - (acc2 - acc1))) / sat.generatedSpans;
  out.saturationRefused = (await refused()) - ref0;
  out.collectorPeakRssSaturationMb = groupPeakRssMb(col.proc);
  out.saturationGenerated = sat.generatedSpans;
  out.saturationGeneratorCpuSeconds = sat.cpuSeconds;
  out.generatorFailures = fixed.failures.length + sat.failures.length;
  for (const f of sat.failures) log(`${sys.name} saturation: ${f}`);
  const kafka2 = await settle(inKafka);
  out.acceptedNotInKafka = acc2 - acc0 - (kafka2 - kafka0);
  log(`${sys.name} saturation: ${Math.round(out.saturationAcceptedPerSec)} spans/s accepted over ${satSeconds.toFixed(1)} s (generators ran to their exit), ${out.saturationLostShare.toFixed(1)}% of ${sat.generatedSpans} generated not accepted`);
  await stopProc(col.proc);

  // (c) ingester until every accepted span is searchable.
  const inTopic = kafka2 - kafka0;
  const index = sys.spanIndices(env.prefix);
  // A fresh index answers no_shard_available until its shard started: counted as nothing searchable yet.
  const count = async () => (await es.count({ index, allow_no_indices: true, ignore_unavailable: true }).catch(() => ({ count: 0 }))).count;
  const ingestCpu0 = cpuSeconds(s.esPid);
  const started = performance.now();
  const ing = await sys.startIngester(env);
  const deadline = Date.now() + s.ingestTimeoutMs;
  let searchable = 0;
  let first = 0;
  let progress = { count: 0, at: Date.now() };
  while ((searchable = await count()) < inTopic && Date.now() < deadline) {
    if (searchable > 0 && first === 0) first = performance.now();
    if (searchable > progress.count) progress = { count: searchable, at: Date.now() };
    else if (Date.now() - progress.at > s.stallMs) {
      throw new Error(`${sys.name} ingester stalled: ${searchable} of ${inTopic} spans searchable, none more for ${s.stallMs / 1000} s (see ${ing.proc.log})`);
    }
    await sleep(500);
  }
  const ingestSeconds = (performance.now() - started) / 1000;
  const ingCpu = groupCpuSeconds(ing.proc);
  const esCpu = cpuSeconds(s.esPid) - ingestCpu0;
  out.ingesterSpansPerSec = searchable / ingestSeconds;
  out.ingesterCpuUsPerSpan = (ingCpu / searchable) * 1e6;
  out.ingesterEsCpuUsPerSpan = ((ingCpu + esCpu) / searchable) * 1e6;
  out.ingesterPeakRssMb = groupPeakRssMb(ing.proc);
  out.spansInTopic = inTopic;
  out.ingestSeconds = ingestSeconds;
  out.firstSearchableSeconds = first === 0 ? NaN : (first - started) / 1000;
  out.spansSearchable = searchable;
  log(`${sys.name} ingester: ${searchable} of ${inTopic} spans searchable in ${ingestSeconds.toFixed(1)} s (from the process's start), ${out.ingesterEsCpuUsPerSpan.toFixed(2)} us (ingester + ES) CPU/span, peak RSS ${out.ingesterPeakRssMb.toFixed(0)} MB`);
  if (searchable < inTopic) throw new Error(`${sys.name}: only ${searchable} of ${inTopic} accepted spans searchable after ${s.ingestTimeoutMs / 1000} s (see ${ing.proc.log})`);

  // (d) the probe through the query API, then bytes per span.
  const missing = await missingProbeSpans(probe, ing.queryUrl);
  if (missing.length > 0) throw new Error(`${sys.name}: probe trace ${probe.traceId} incomplete through ${ing.queryUrl}/api/traces/${probe.traceId}: ${missing.length} of ${probe.spanIds.length} spans missing (${missing.slice(0, 3).join(', ')}...)`);
  out.probeSpansRead = probe.spanIds.length;
  await stopProc(ing.proc);
  // Divided by the spans (top-level documents), not by the index's Lucene documents: Jaeger's nested
  // tags and references are Lucene documents of their own.
  const size = await bytesPerDoc(es, index);
  out.esBytesPerSpan = size.bytes / (await count());
  out.esLuceneDocsPerSpan = size.docs / searchable;
  return out;
}
