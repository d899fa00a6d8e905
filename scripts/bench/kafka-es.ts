/**
 * The trace pipeline against real Kafka and Elasticsearch (started or reused through the infra
 * harness), each Braid target in a process of its own as it would be deployed:
 *   1. collector: OTLP/HTTP protobuf and OTLP/gRPC requests -> Kafka ack; spans/s, spans per
 *      collector CPU-second (per core), the collector's peak RSS;
 *   2. ingester: the records of step 1, Kafka -> Elasticsearch ack, BENCH_INGESTER_ROUNDS times (fresh
 *      group and indices each): spans/s, CPU per span of the ingester, Elasticsearch and Kafka,
 *      the ingester's peak RSS (VmHWM);
 *   3. raw baseline: the same span documents bulk-indexed straight into Elasticsearch;
 *   4. end to end: an all-in-one process, requests in -> Elasticsearch ack;
 *   5. ingest-to-searchable latency p50/p99 at half of the end-to-end rate;
 *   6. Elasticsearch bytes per span after a flush and a force-merge.
 * Bounded loads only. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { infraDown, infraUp } from '../infra/index.js';
import { pidListeningOn } from '../infra/process.js';
import { spanDocuments } from '../../src/ingest/documents.js';
import { decodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import type { SpanDocument } from '../../src/storage/store.js';
import { CONSUMER_CONCURRENCY } from '../../src/queue/kafka/kafka-queue.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { benchRequest, SPANS_PER_REQUEST } from './requests.js';
import { bytesPerDoc, CONCURRENCY, cpuSeconds, deleteIndices, fmt, grpcSender, httpSender, load, metric, metrics, peakRss, sleep, startBraid, stopBraid, waitFor } from './processes.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const INGESTER_ROUNDS = Number(process.env.BENCH_INGESTER_ROUNDS ?? 1);

const up = await infraUp({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
const esPid = pidListeningOn(Number(new URL(up.elasticsearchUrl).port))!;
const kafkaPid = pidListeningOn(Number(up.kafkaBrokers.split(':')[1]))!;
const env = { BRAID_KAFKA_BROKERS: up.kafkaBrokers, BRAID_ELASTICSEARCH_URL: up.elasticsearchUrl };
const es = new Client({ node: up.elasticsearchUrl });
const dir = mkdtempSync(join(tmpdir(), 'braid-bench-'));
const run = `bench${Date.now().toString(36)}`;
// Every request of a phase is different, so no document overwrites another.
const bodies = Array.from({ length: 2 * REQUESTS }, () => benchRequest());
const warmup = Array.from({ length: 50 }, () => benchRequest());
const totalSpans = 2 * REQUESTS * SPANS_PER_REQUEST;
const queueYaml = (prefix: string) => `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}-ingester", partitions: 6 } }`;
/** BENCH_INGESTER_YAML: extra config lines for the ingester processes (e.g. an ingest setting under test). */
const INGESTER_YAML = process.env.BENCH_INGESTER_YAML ? [process.env.BENCH_INGESTER_YAML] : [];
const fmtN = (n: number) => (n >= 100 ? fmt(n) : n.toFixed(1));
const storeYaml = (prefix: string) => `storage: { elasticsearch: { index_prefix: "${prefix}" } }`;

interface IngesterRound {
  prefix: string;
  spansPerS: number;
  /** CPU microseconds per span of each process while the ingester drained the topic. */
  ingesterUs: number;
  esUs: number;
  /** Elasticsearch's indexing + refresh + merge + flush time of the round's indices, per span. */
  esIndexUs: number;
  kafkaUs: number;
  /** The ingester's VmHWM. */
  peakRssMb: number;
  heap: string;
  /** 1-minute load average at the end of the round. */
  load: string;
}

/**
 * Elasticsearch's CPU is shared with whatever else uses it; its own accounting of indices
 * `prefix-*` (indexing, refresh, merge and flush thread time, ms) is what they alone cost it.
 */
async function esIndexMs(prefix: string): Promise<number> {
  const st = (await es.indices.stats({ index: `${prefix}-*`, metric: ['indexing', 'refresh', 'merge', 'flush'] }))._all.total as Record<string, Record<string, number>>;
  return (st.indexing?.index_time_in_millis ?? 0) + (st.refresh?.total_time_in_millis ?? 0) + (st.merges?.total_time_in_millis ?? 0) + (st.flush?.total_time_in_millis ?? 0);
}

/**
 * One ingester process from a fresh consumer group into indices `prefix`. Rounds after the first
 * get topics of their own, filled by a collector first: the derived series' saved state is per
 * topic prefix, and a round over counted records would skip counting them.
 */
async function ingesterRound(prefix: string, topics: string, i: number): Promise<IngesterRound> {
  const inTopic = totalSpans + 50 * SPANS_PER_REQUEST;
  if (i > 0) {
    const filler = await startBraid(dir, `filler${i}`, ['target: collector', queueYaml(topics)], env);
    await load(httpSender(filler), [...warmup, ...bodies], warmup.length + bodies.length);
    await stopBraid(filler);
  }
  const ingester = await startBraid(dir, `ingester${i}`, ['target: ingester', queueYaml(topics), storeYaml(prefix), ...INGESTER_YAML], env);
  const pid = ingester.child.pid!;
  const started = performance.now();
  const cpu0 = [cpuSeconds(pid), cpuSeconds(esPid), cpuSeconds(kafkaPid)];
  // Polled every 250 ms (every 50 ms, serving /metrics was 4% of the ingester's CPU profile);
  // the heap figures say where the peak RSS is: V8's heap or buffers outside it.
  const peak = { heapUsed: 0, heapTotal: 0, external: 0 };
  const deadline = Date.now() + 600_000;
  for (;;) {
    const m = await metrics(ingester, ['braid_ingest_spans_total', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes']);
    peak.heapUsed = Math.max(peak.heapUsed, m[1]!);
    peak.heapTotal = Math.max(peak.heapTotal, m[2]!);
    peak.external = Math.max(peak.external, m[3]!);
    if (m[0]! >= inTopic) break;
    if (Date.now() > deadline) throw new Error('timed out waiting for the ingester');
    await sleep(250);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = [cpuSeconds(pid), cpuSeconds(esPid), cpuSeconds(kafkaPid)].map((v, j) => ((v - cpu0[j]!) / inTopic) * 1e6);
  const peakRssMb = peakRss(pid);
  await stopBraid(ingester);
  const mb = (b: number) => b / 1024 / 1024;
  const esThreadMs = await esIndexMs(prefix);
  return { prefix, spansPerS: inTopic / seconds, ingesterUs: cpu[0]!, esUs: cpu[1]!, esIndexUs: (esThreadMs / inTopic) * 1000, kafkaUs: cpu[2]!, peakRssMb, heap: `heap used ${fmt(mb(peak.heapUsed))} MB, heap total ${fmt(mb(peak.heapTotal))} MB, external ${fmt(mb(peak.external))} MB (peaks of 250 ms samples)`, load: loadavg()[0]!.toFixed(2) };
}

try {
  console.log(`trace pipeline, real Kafka ${up.kafkaBrokers} + Elasticsearch ${up.elasticsearchUrl}; requests of ${SPANS_PER_REQUEST} spans (10 traces each), ${CONCURRENCY} senders`);

  // 1. Collector alone: receive -> Kafka ack.
  const a = `${run}a`;
  const collector = await startBraid(dir, 'collector', ['target: collector', queueYaml(a)], env);
  const pid = collector.child.pid!;
  const grpc = grpcSender(collector);
  await load(httpSender(collector), warmup, warmup.length); // warm-up, not counted
  const c0 = cpuSeconds(pid);
  const http = await load(httpSender(collector), bodies.slice(0, REQUESTS), REQUESTS, pid);
  const c1 = cpuSeconds(pid);
  const g = await load(grpc.send, bodies.slice(REQUESTS), REQUESTS, pid);
  const c2 = cpuSeconds(pid);
  grpc.close();
  await stopBraid(collector);
  const spans = REQUESTS * SPANS_PER_REQUEST;
  console.log('collector (receive -> Kafka ack, one process)');
  console.log(`  OTLP/HTTP protobuf   ${fmt(spans / http.seconds)} spans/s wall, ${fmt(spans / (c1 - c0))} spans per collector CPU-second`);
  console.log(`  OTLP/gRPC            ${fmt(spans / g.seconds)} spans/s wall, ${fmt(spans / (c2 - c1))} spans per collector CPU-second`);
  console.log(`  collector peak RSS   ${fmt(Math.max(http.peakRssMb, g.peakRssMb))} MB`);

  // 2. Ingester alone over what step 1 put in Kafka (plus the 50 warm-up requests), in
  // INGESTER_ROUNDS rounds, each a fresh consumer group and index prefix over the same records.
  const inTopic = totalSpans + 50 * SPANS_PER_REQUEST;
  const rounds: IngesterRound[] = [];
  console.log(`ingester (Kafka -> Elasticsearch ack, one process, ${process.env.BENCH_BRAID_JS ? 'built JavaScript' : 'node --import tsx'}; ${INGESTER_ROUNDS} rounds over the same ${fmt(inTopic)} spans)`);
  for (let i = 0; i < INGESTER_ROUNDS; i++) {
    const round = await ingesterRound(`${a}i${i}`, i === 0 ? a : `${a}t${i}`, i);
    rounds.push(round);
    console.log(`  round ${i + 1}: ${fmt(round.spansPerS)} spans/s; CPU per span: ingester ${round.ingesterUs.toFixed(1)} us, elasticsearch ${round.esUs.toFixed(1)} us (its index/refresh/merge/flush time of these indices ${round.esIndexUs.toFixed(1)} us), kafka ${round.kafkaUs.toFixed(1)} us; ${fmt(1e6 / (round.ingesterUs + round.esUs))} spans per (ingester + ES) CPU-second; peak RSS ${fmt(round.peakRssMb)} MB (${round.heap}); load ${round.load}`);
  }
  const med = (f: (r: IngesterRound) => number) => {
    const v = rounds.map(f).sort((x, y) => x - y);
    return `${fmtN(v[Math.floor(v.length / 2)]!)} (${fmtN(v[0]!)}-${fmtN(v[v.length - 1]!)})`;
  };
  console.log(`  median (range): ${med((r) => r.spansPerS)} spans/s; ingester ${med((r) => r.ingesterUs)} us/span; elasticsearch ${med((r) => r.esUs)} us/span (index/refresh/merge/flush ${med((r) => r.esIndexUs)}); (ingester + ES) ${med((r) => 1e6 / (r.ingesterUs + r.esUs))} spans per CPU-second; peak RSS ${med((r) => r.peakRssMb)} MB`);
  const ingestPerS = rounds.map((r) => r.spansPerS).sort((x, y) => x - y)[Math.floor(rounds.length / 2)]!;

  // 3. Raw baseline: the same documents, bulk-indexed straight into Elasticsearch.
  const r = `${run}r`;
  const docs: SpanDocument[] = [];
  for (const body of bodies) docs.push(...spanDocuments(decodeTraceRequest(body)));
  const store = createElasticsearchStore({ url: up.elasticsearchUrl, index_prefix: r, shards: 1, replicas: 0, request_timeout_ms: 60_000, bulk_max_docs: 5_000, bulk_max_bytes: 8 * 1024 * 1024 }, createLogger('error'));
  await store.start();
  // As many bulk requests in flight as the ingester has partitions in flight.
  const b0 = performance.now();
  const bcpu0 = [cpuSeconds(process.pid), cpuSeconds(esPid)];
  let nextDoc = 0;
  await Promise.all(
    Array.from({ length: CONSUMER_CONCURRENCY }, async () => {
      while (nextDoc < docs.length) {
        const chunk = docs.slice(nextDoc, (nextDoc += 5_000));
        const out = await store.writeSpans(chunk);
        if (out.rejected.length > 0) throw new Error(`baseline: ${out.rejected.length} refused: ${out.rejected[0]?.reason}`);
      }
    }),
  );
  const baselinePerS = docs.length / ((performance.now() - b0) / 1000);
  await store.close();
  console.log(`raw baseline (same span documents, _bulk of 5,000 straight into Elasticsearch, ${CONSUMER_CONCURRENCY} requests in flight)`);
  const baselineIndexUs = ((await esIndexMs(r)) / docs.length) * 1000;
  console.log(`  ${fmt(baselinePerS)} docs/s (ingester alone: ${((ingestPerS / baselinePerS) * 100).toFixed(0)}% of it); CPU seconds: loader ${(cpuSeconds(process.pid) - bcpu0[0]!).toFixed(1)}, elasticsearch ${(cpuSeconds(esPid) - bcpu0[1]!).toFixed(1)}; its index/refresh/merge/flush time of these indices ${baselineIndexUs.toFixed(1)} us per span`);

  // BENCH_PHASES=ingester: the ingester rounds and the raw baseline only.
  const e = `${run}e`;
  if (process.env.BENCH_PHASES !== 'ingester') {
    // 4. End to end, deployed as a collector process and an ingester process.
    const eCollector = await startBraid(dir, 'e-collector', ['target: collector', queueYaml(e)], env);
    const eIngester = await startBraid(dir, 'e-ingester', ['target: ingester', queueYaml(e), storeYaml(e)], env);
    const e0 = performance.now();
    const eload = await load(httpSender(eCollector), bodies, 2 * REQUESTS, eCollector.child.pid!);
    await waitFor(async () => (await metric(eIngester, 'braid_ingest_spans_total')) >= totalSpans, 600_000, 'end to end');
    const e2ePerS = totalSpans / ((performance.now() - e0) / 1000);
    console.log('end to end (OTLP/HTTP protobuf in -> Elasticsearch ack; a collector process and an ingester process)');
    console.log(`  ${fmt(e2ePerS)} spans/s = ${((e2ePerS / baselinePerS) * 100).toFixed(0)}% of the raw baseline; accepted at ${fmt(totalSpans / eload.seconds)} spans/s; collector peak RSS ${fmt(eload.peakRssMb)} MB`);
    const all = { ...eCollector, query: eIngester.query };

    // 5. Ingest-to-searchable latency at half the end-to-end rate: one probe trace per request.
    const rate = e2ePerS / 2 / SPANS_PER_REQUEST; // requests per second
    const probes = new Map<string, number>();
    const latencies: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling || probes.size > 0) {
        const ids = [...probes.keys()];
        if (ids.length > 0) {
          const res = await es.search({ index: `${e}-spans-*`, size: ids.length, _source: ['trace.id'], query: { terms: { 'trace.id': ids } }, collapse: { field: 'trace.id' } });
          const now = performance.now();
          for (const h of res.hits.hits) {
            const id = (h._source as { 'trace.id': string })['trace.id'];
            const sent = probes.get(id);
            if (sent !== undefined) {
              latencies.push(now - sent);
              probes.delete(id);
            }
          }
        }
        await sleep(20);
      }
    })();
    const send = httpSender(all);
    const l0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < Math.round(rate * LATENCY_SECONDS); i++) {
      const due = l0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const body = benchRequest();
      const probe = decodeTraceRequest(body).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId;
      const sentAt = performance.now();
      inflight.push(send(body).then(() => void probes.set(probe, sentAt)));
    }
    await Promise.all(inflight);
    polling = false;
    await Promise.race([poller, sleep(60_000)]);
    latencies.sort((x, y) => x - y);
    const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    console.log(`ingest-to-searchable latency at half rate (${fmt(rate * SPANS_PER_REQUEST)} spans/s for ${LATENCY_SECONDS} s, ${latencies.length} probe traces, Elasticsearch refresh 1 s)`);
    console.log(`  p50 ${fmt(pct(0.5))} ms, p99 ${fmt(pct(0.99))} ms`);
    await stopBraid(eCollector);
    await stopBraid(eIngester);

    // 6. Bytes per span after flush + force-merge.
    const eb = await bytesPerDoc(es, `${e}-spans-*`);
    const rb = await bytesPerDoc(es, `${r}-spans-*`);
    const derived = await bytesPerDoc(es, `${e}-traces-*,${e}-edges-*,${e}-operations`);
    console.log('Elasticsearch size (primary store after flush and force-merge to one segment)');
    console.log(`  spans index     ${fmt(eb.bytes / eb.docs)} bytes/span (${fmt(eb.docs)} spans, ${fmt(eb.bytes / 1024 / 1024)} MiB)`);
    console.log(`  with summaries, edges and catalog  ${fmt((eb.bytes + derived.bytes) / eb.docs)} bytes/span`);
    console.log(`  raw baseline    ${fmt(rb.bytes / rb.docs)} bytes/span`);
  }

  for (const p of [r, e, ...rounds.map((x) => x.prefix)]) await deleteIndices(es, p);
} finally {
  await es.close();
  rmSync(dir, { recursive: true, force: true });
  if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
}
