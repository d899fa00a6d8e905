/**
 * Logs and metrics against real Kafka and Elasticsearch, each Braid target a process of its own:
 *   1. collector: NDJSON and OTLP/HTTP protobuf log requests of 1,000 records (200-byte
 *      messages) -> Kafka ack; records/s and records per collector CPU-second;
 *   2. end to end: NDJSON and OTLP in -> Elasticsearch ack (collector + ingester processes);
 *   3. bytes per log record in Elasticsearch after a flush and a force-merge;
 *   4. scraping: BENCH_SCRAPE_TARGETS targets (default 1,000) of 1,000 series every 15 s for
 *      BENCH_SCRAPE_SECONDS (default 45): scrape rate, collector CPU share, how far the ingester
 *      keeps up, bytes per sample.
 * Bounded loads only. Prints figures; asserts nothing.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { infraDown, infraUp } from '../infra/index.js';
import { pidListeningOn } from '../infra/process.js';
import { encodeLogsRequest } from '../../src/model/otlp/logs-proto.js';
import type { LogRecord } from '../../src/model/logs.js';
import { bytesPerDoc, cpuSeconds, deleteIndices, fmt, httpSender, load, metric, rssMb, sleep, startBraid, stopBraid, waitFor } from './processes.js';

const REQUESTS = Number(process.env.BENCH_LOG_REQUESTS ?? 100);
const RECORDS_PER_REQUEST = 1_000;
const SCRAPE_TARGETS = Number(process.env.BENCH_SCRAPE_TARGETS ?? 1_000);
const SERIES_PER_TARGET = 1_000;
const SCRAPE_SECONDS = Number(process.env.BENCH_SCRAPE_SECONDS ?? 45);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const message = () => `payment ${hex(8)} for order ${hex(6)} failed validation: card issuer declined the authorisation request with code 05, retrying with the fallback acquirer after 250 ms backoff. ${'x'.repeat(30)}`.slice(0, 200);

function ndjsonBody(): Buffer {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < RECORDS_PER_REQUEST; i++) {
    lines.push(JSON.stringify({ '@timestamp': new Date(now + i).toISOString(), 'log.level': i % 10 === 0 ? 'error' : 'info', message: message(), 'trace.id': hex(32), 'span.id': hex(16), 'service.name': 'payments', 'http.route': '/pay', attempt: i % 3 }));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function otlpBody(): Buffer {
  const now = BigInt(Date.now()) * 1_000_000n;
  const logRecords: LogRecord[] = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({
    timeUnixNano: now + BigInt(i), observedTimeUnixNano: now + BigInt(i), severityNumber: i % 10 === 0 ? 17 : 9, severityText: i % 10 === 0 ? 'ERROR' : 'INFO',
    body: message(), attributes: { 'http.route': '/pay', attempt: BigInt(i % 3) }, droppedAttributesCount: 0, flags: 1, traceId: hex(32), spanId: hex(16), eventName: '',
  }));
  return Buffer.from(encodeLogsRequest({ resourceLogs: [{ resource: { attributes: { 'service.name': 'payments' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeLogs: [{ scope: { name: 'bench', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords }] }] }));
}

/**
 * 1,000 series the way an instrumented service exposes them: a few labelled families (requests
 * by route, method and code; a latency histogram by route; queues; caches; pools) and 140
 * families of one series each (process and runtime gauges). Stored, they make about 150 groups
 * per scrape (src/storage/store.ts SampleGroupDocument), 6-7 samples a group.
 */
function exposition(target: number): string {
  const lines: string[] = [];
  const family = (name: string, type: string, rows: Array<[string, number]>) => {
    lines.push(`# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) lines.push(`${name}${labels} ${value}`);
  };
  const routes = Array.from({ length: 20 }, (_, i) => `/api/v1/resource${i}`);
  family('http_requests_total', 'counter', routes.flatMap((r, i) => ['GET', 'POST'].flatMap((m) => [200, 201, 400, 404, 500].map((c): [string, number] => [`{route="${r}",method="${m}",code="${c}"}`, target * 7 + i * c]))));
  lines.push('# TYPE http_request_duration_seconds histogram');
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '+Inf'];
  routes.forEach((r, i) => {
    bounds.forEach((le, b) => lines.push(`http_request_duration_seconds_bucket{route="${r}",le="${le}"} ${(b + 1) * (target + i)}`));
    lines.push(`http_request_duration_seconds_sum{route="${r}"} ${(target + i) * 0.37}`, `http_request_duration_seconds_count{route="${r}"} ${11 * (target + i)}`);
  });
  family('queue_depth', 'gauge', Array.from({ length: 250 }, (_, i): [string, number] => [`{queue="q${i}"}`, i % 97]));
  family('cache_requests_total', 'counter', Array.from({ length: 100 }, (_, i): [string, number] => [`{cache="c${i >> 1}",result="${i % 2 ? 'miss' : 'hit'}"}`, target + i]));
  family('db_pool_connections', 'gauge', Array.from({ length: 50 }, (_, i): [string, number] => [`{pool="p${i % 10}",state="s${Math.floor(i / 10)}"}`, i]));
  for (let i = 0; i < 140; i++) family(`process_stat_${i}`, 'gauge', [['', target + i * 0.5]]);
  if (lines.filter((l) => !l.startsWith('#')).length !== SERIES_PER_TARGET) throw new Error('bench exposition: wrong series count');
  return `${lines.join('\n')}\n`;
}

const up = await infraUp({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
const env = { BRAID_KAFKA_BROKERS: up.kafkaBrokers, BRAID_ELASTICSEARCH_URL: up.elasticsearchUrl };
const es = new Client({ node: up.elasticsearchUrl });
const dir = mkdtempSync(join(tmpdir(), 'braid-bench-lm-'));
const run = `benchlm${Date.now().toString(36)}`;
const queueYaml = (prefix: string) => `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}-ingester", partitions: 6 } }`;
const storeYaml = (prefix: string) => `storage: { elasticsearch: { index_prefix: "${prefix}" } }`;
const servers: Server[] = [];

try {
  if (process.env.BENCH_ONLY_SCRAPE) {
    await scrapeBench();
  } else {
    await logsBench();
    // 4. Scraping many targets (BENCH_SKIP_SCRAPE=1 leaves it out; BENCH_ONLY_SCRAPE=1 runs it alone).
    if (!process.env.BENCH_SKIP_SCRAPE) await scrapeBench();
  }
} finally {
  for (const server of servers) server.close();
  await es.close();
  rmSync(dir, { recursive: true, force: true });
  if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
}

async function logsBench(): Promise<void> {
  console.log(`logs and metrics, real Kafka ${up.kafkaBrokers} + Elasticsearch ${up.elasticsearchUrl}; log requests of ${RECORDS_PER_REQUEST} records with 200-byte messages`);
  const ndjson = Array.from({ length: REQUESTS }, ndjsonBody);
  const otlp = Array.from({ length: REQUESTS }, otlpBody);

  // 1. Collector alone: receive -> Kafka ack.
  const a = `${run}a`;
  const collector = await startBraid(dir, 'logs-collector', ['target: collector', queueYaml(a)], env);
  const pid = collector.child.pid!;
  await load(httpSender(collector, '/v1/logs', 'application/x-ndjson'), ndjson.slice(0, 5), 5);
  const records = REQUESTS * RECORDS_PER_REQUEST;
  const c0 = cpuSeconds(pid);
  const nd = await load(httpSender(collector, '/v1/logs', 'application/x-ndjson'), ndjson, REQUESTS, pid);
  const c1 = cpuSeconds(pid);
  const ot = await load(httpSender(collector, '/v1/logs', 'application/x-protobuf'), otlp, REQUESTS, pid);
  const c2 = cpuSeconds(pid);
  await stopBraid(collector);
  console.log('log collector (receive -> Kafka ack, one process)');
  console.log(`  NDJSON               ${fmt(records / nd.seconds)} records/s wall, ${fmt(records / (c1 - c0))} records per collector CPU-second`);
  console.log(`  OTLP/HTTP protobuf   ${fmt(records / ot.seconds)} records/s wall, ${fmt(records / (c2 - c1))} records per collector CPU-second`);
  console.log(`  collector peak RSS   ${fmt(Math.max(nd.peakRssMb, ot.peakRssMb))} MB`);

  // 2. End to end: into a collector process, an ingester process into Elasticsearch.
  const endToEnd = async (name: string, prefix: string, bodies: Buffer[], contentType: string) => {
    const c = await startBraid(dir, `${name}-collector`, ['target: collector', queueYaml(prefix)], env);
    const i = await startBraid(dir, `${name}-ingester`, ['target: ingester', queueYaml(prefix), storeYaml(prefix)], env);
    const t0 = performance.now();
    await load(httpSender(c, '/v1/logs', contentType), bodies, bodies.length);
    await waitFor(async () => (await metric(i, 'braid_ingest_log_records_total')) >= bodies.length * RECORDS_PER_REQUEST, 600_000, `${name} end to end`);
    const perS = (bodies.length * RECORDS_PER_REQUEST) / ((performance.now() - t0) / 1000);
    await stopBraid(c);
    await stopBraid(i);
    return perS;
  };
  const e = `${run}e`;
  const o = `${run}o`;
  const e2eNdjson = await endToEnd('ndjson', e, ndjson, 'application/x-ndjson');
  const e2eOtlp = await endToEnd('otlp', o, otlp, 'application/x-protobuf');
  const lb = await bytesPerDoc(es, `${e}-logs-*`);
  const ob = await bytesPerDoc(es, `${o}-logs-*`);
  console.log('logs end to end (in -> Elasticsearch ack; collector and ingester processes)');
  console.log(`  NDJSON               ${fmt(e2eNdjson)} records/s`);
  console.log(`  OTLP/HTTP protobuf   ${fmt(e2eOtlp)} records/s`);
  console.log(`  Elasticsearch: ${fmt(lb.bytes / lb.docs)} bytes per log record of a 200-byte message from NDJSON, ${fmt(ob.bytes / ob.docs)} from OTLP (after flush + force-merge)`);

  for (const p of [a, e, o]) await deleteIndices(es, p);
}

async function scrapeBench(): Promise<void> {
  const body = exposition(0);
  const addresses: string[] = [];
  for (let t = 0; t < SCRAPE_TARGETS; t++) {
    const text = t === 0 ? body : exposition(t);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(text);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    addresses.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
  }
  const scrapeFile = join(dir, 'scrape.yml');
  writeFileSync(scrapeFile, ['global: { scrape_interval: 15s, scrape_timeout: 10s }', 'scrape_configs:', '  - job_name: bench', `    static_configs: [ { targets: ${JSON.stringify(addresses)} } ]`, ''].join('\n'));
  const s = `${run}s`;
  const scraper = await startBraid(dir, 'scraper', ['target: collector', queueYaml(s)], env, scrapeFile);
  const ingester = await startBraid(dir, 'scrape-ingester', ['target: ingester', queueYaml(s), storeYaml(s)], env);
  const esPid = pidListeningOn(Number(new URL(up.elasticsearchUrl).port))!;
  const kafkaPid = pidListeningOn(Number(up.kafkaBrokers.split(':')[1]))!;
  const sc0 = cpuSeconds(scraper.child.pid!);
  const ic0 = cpuSeconds(ingester.child.pid!);
  const ec0 = cpuSeconds(esPid);
  const kc0 = cpuSeconds(kafkaPid);
  const s0 = performance.now();
  let peak = 0;
  const until = Date.now() + SCRAPE_SECONDS * 1000;
  while (Date.now() < until) {
    peak = Math.max(peak, rssMb(scraper.child.pid!));
    await sleep(1_000);
  }
  const seconds = (performance.now() - s0) / 1000;
  const queued = await metric(scraper, 'braid_receiver_accepted_metric_points_total');
  const ingested = await metric(ingester, 'braid_ingest_samples_total');
  const scrapeCpu = cpuSeconds(scraper.child.pid!) - sc0;
  const ingestCpu = cpuSeconds(ingester.child.pid!) - ic0;
  const esCpu = cpuSeconds(esPid) - ec0;
  const kafkaCpu = cpuSeconds(kafkaPid) - kc0;
  await stopBraid(scraper);
  // Let the ingester store what is queued, to count the samples in the index.
  let stored = -1;
  for (let i = 0; i < 60; i++) {
    const now = await metric(ingester, 'braid_ingest_samples_total');
    if (now === stored) break;
    stored = now;
    await sleep(2_000);
  }
  await stopBraid(ingester);
  const wanted = (SCRAPE_TARGETS * (SERIES_PER_TARGET + 5)) / 15;
  console.log(`scraping ${fmt(SCRAPE_TARGETS)} targets x ${fmt(SERIES_PER_TARGET)} series every 15 s for ${Math.round(seconds)} s (needs ${fmt(wanted)} samples/s)`);
  console.log(`  scraped and queued ${fmt(queued / seconds)} samples/s; scraper CPU ${((scrapeCpu / seconds) * 100).toFixed(0)}% of a core, peak RSS ${fmt(peak)} MB`);
  const pct = (cpu: number) => `${((cpu / seconds) * 100).toFixed(0)}%`;
  console.log(`  ingested ${fmt(ingested / seconds)} samples/s into Elasticsearch; CPU of a core: ingester ${pct(ingestCpu)}, elasticsearch ${pct(esCpu)}, kafka ${pct(kafkaCpu)}`);
  const sb = await bytesPerDoc(es, `${s}-samples-*`);
  console.log(`  Elasticsearch: ${fmt(sb.bytes / Math.max(1, stored))} bytes per sample (${fmt(stored)} samples in ${fmt(sb.docs)} groups, after flush + force-merge)`);

  await deleteIndices(es, s);
}
