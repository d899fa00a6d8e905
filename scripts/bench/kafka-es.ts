/**
 * The trace pipeline against real Kafka and Elasticsearch (started or reused through the infra
 * harness), each Braid target in a process of its own as it would be deployed:
 *   1. collector: OTLP/HTTP protobuf and OTLP/gRPC requests -> Kafka ack; spans/s, spans per
 *      collector CPU-second (per core), the collector's peak RSS;
 *   2. ingester: the records of step 1, Kafka -> Elasticsearch ack;
 *   3. raw baseline: the same span documents bulk-indexed straight into Elasticsearch;
 *   4. end to end: an all-in-one process, requests in -> Elasticsearch ack;
 *   5. ingest-to-searchable latency p50/p99 at half of the end-to-end rate;
 *   6. Elasticsearch bytes per span after a flush and a force-merge.
 * Bounded loads only. Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { bytesPerDoc, CONCURRENCY, cpuSeconds, deleteIndices, fmt, grpcSender, httpSender, load, metric, rssMb, sleep, startBraid, stopBraid, waitFor } from './processes.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);

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
const storeYaml = (prefix: string) => `storage: { elasticsearch: { index_prefix: "${prefix}" } }`;

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

  // 2. Ingester alone over what step 1 put in Kafka (plus the 50 warm-up requests).
  const inTopic = totalSpans + 50 * SPANS_PER_REQUEST;
  const t0 = performance.now();
  const ingester = await startBraid(dir, 'ingester', ['target: ingester', queueYaml(a), storeYaml(a)], env);
  const started = performance.now();
  const cpu0 = [cpuSeconds(ingester.child.pid!), cpuSeconds(esPid), cpuSeconds(kafkaPid)];
  await waitFor(async () => (await metric(ingester, 'braid_ingest_spans_total')) >= inTopic, 600_000, 'the ingester');
  const ingestSeconds = (performance.now() - started) / 1000;
  const cpu = [cpuSeconds(ingester.child.pid!), cpuSeconds(esPid), cpuSeconds(kafkaPid)].map((v, i) => v - cpu0[i]!);
  const ingesterRss = rssMb(ingester.child.pid!);
  await stopBraid(ingester);
  console.log('ingester (Kafka -> Elasticsearch ack, one process)');
  console.log(`  ${fmt(inTopic / ingestSeconds)} spans/s (${fmt(inTopic)} spans in ${ingestSeconds.toFixed(1)} s after ready; start-up ${((started - t0) / 1000).toFixed(1)} s), RSS ${fmt(ingesterRss)} MB`);
  console.log(`  CPU seconds: ingester ${cpu[0]!.toFixed(1)}, elasticsearch ${cpu[1]!.toFixed(1)}, kafka ${cpu[2]!.toFixed(1)} (2 cores: ${(2 * ingestSeconds).toFixed(1)} available)`);

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
  console.log(`  ${fmt(baselinePerS)} docs/s; CPU seconds: loader ${(cpuSeconds(process.pid) - bcpu0[0]!).toFixed(1)}, elasticsearch ${(cpuSeconds(esPid) - bcpu0[1]!).toFixed(1)}`);

  // 4. End to end, deployed as a collector process and an ingester process.
  const e = `${run}e`;
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

  for (const p of [a, r, e]) await deleteIndices(es, p);
} finally {
  await es.close();
  rmSync(dir, { recursive: true, force: true });
  if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
}
