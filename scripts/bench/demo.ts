/**
 * The shop demo as a workload (issue 12): Braid in this process with the shop's scrape job and
 * the shipped alerts, the four shop services, the shipper, rsyslog (when installed) and the load,
 * for a bounded time (BENCH_DEMO_SECONDS, default 30; BENCH_DEMO_RATE requests/s, default 20).
 * Runs embedded, then on Kafka and Elasticsearch when BRAID_KAFKA_BROKERS / BRAID_ELASTICSEARCH_URL
 * are set or the `npm run infra:up` ones answer on 127.0.0.1:19092 / 19200. Prints requests/s,
 * spans/s and logs/s stored, the latency from sending a request to its trace being searchable
 * (/api/traces/{id} holds the order service's server span; one order a second is followed, polled
 * every 100 ms) as median and p95, and this process's CPU per stored span (Braid, plus the load
 * generator and the pollers; the services are other processes). Asserts nothing.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@elastic/elasticsearch';
import { validateConfig } from '../../src/config/load.js';
import { startBraid, type RunningBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { startShop } from '../../examples/shop/shop.js';
import { esHealthy } from '../infra/elasticsearch.js';
import { kafkaHealthy } from '../infra/kafka.js';
import { deleteIndices } from './processes.js';

const SECONDS = Number(process.env.BENCH_DEMO_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_DEMO_RATE ?? 20);
const FOLLOW_EVERY_MS = 1_000;
const POLL_MS = 100;
const GIVE_UP_MS = 60_000;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Pipeline {
  brokers: string;
  es: string;
}

async function pipeline(): Promise<Pipeline | undefined> {
  const { BRAID_KAFKA_BROKERS: brokers, BRAID_ELASTICSEARCH_URL: es } = process.env;
  if (brokers && es) return { brokers, es };
  if ((await kafkaHealthy(19092)) && (await esHealthy(19200))) return { brokers: '127.0.0.1:19092', es: 'http://127.0.0.1:19200' };
  return undefined;
}

async function counter(braid: RunningBraid, name: string): Promise<number> {
  const m = braid.registry.getSingleMetric(name);
  return m ? ((await m.get()).values as Array<{ value: number }>).reduce((a, v) => a + v.value, 0) : 0;
}

interface JaegerTrace {
  spans: Array<{ processID: string; tags: Array<{ key: string; value: unknown }> }>;
  processes: Record<string, { serviceName: string }>;
}

/** Resolves with the ms from `sentAt` until the trace holds order's server span, or undefined after GIVE_UP_MS. */
async function searchable(query: string, traceId: string, sentAt: number, signal: AbortSignal): Promise<number | undefined> {
  while (!signal.aborted && Date.now() - sentAt < GIVE_UP_MS) {
    try {
      const res = await fetch(`${query}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) {
        const t = ((await res.json()) as { data: JaegerTrace[] }).data[0];
        if (t?.spans.some((s) => t.processes[s.processID]?.serviceName === 'order' && s.tags.some((g) => g.key === 'span.kind' && g.value === 'server'))) return Date.now() - sentAt;
      } else await res.arrayBuffer();
    } catch {
      // a slow answer: try again
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return undefined;
}

const quantile = (xs: number[], q: number) => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

async function run(mode: string, p: Pipeline | undefined): Promise<void> {
  const prefix = `benchshop${Date.now().toString(36)}`;
  const config = validateConfig(
    {
      receivers: {
        otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } },
        zipkin: { endpoint: '127.0.0.1:0' },
        elasticsearch: { endpoint: '127.0.0.1:0' },
        prometheus: { config_file: `${ROOT}collectors/shop.yml` },
      },
      query: { endpoint: '127.0.0.1:0' },
      admin: { endpoint: '127.0.0.1:0' },
      alerting: { rule_files: [`${ROOT}alerts/*.yaml`] },
      ...(p ? { queue: { kafka: { brokers: [p.brokers], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester` } }, storage: { elasticsearch: { url: p.es, index_prefix: prefix } } } : {}),
      telemetry: { log_level: 'error' },
    },
    'bench',
  );
  const braid = await startBraid(config, { log: createLogger('error') });
  const a = braid.addresses;
  const polls = new AbortController();
  const latencies: Promise<number | undefined>[] = [];
  const followed: string[] = [];
  let lastFollowed = 0;
  const shop = await startShop({
    otlpGrpc: `http://${a.otlpGrpc!}`,
    otlpHttp: a.otlpHttp!,
    bulk: a.elasticsearch!,
    rate: RATE,
    log: (l) => (l.startsWith('[shop]') ? process.stderr.write(`[bench] ${l}\n`) : undefined),
    onOutcome: (o) => {
      if (o.kind !== 'order' || o.status >= 300 || o.sentAt - lastFollowed < FOLLOW_EVERY_MS) return;
      lastFollowed = o.sentAt;
      followed.push(o.traceId);
      latencies.push(searchable(a.query!, o.traceId, o.sentAt, polls.signal));
    },
  });
  try {
    // Warm-up: the services' first exports and the first scrape are not part of the figures.
    await new Promise((r) => setTimeout(r, 5_000));
    const s0 = shop.stats();
    const [spans0, logs0] = [await counter(braid, 'braid_ingest_spans_total'), await counter(braid, 'braid_ingest_log_records_total')];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    latencies.length = 0;
    followed.length = 0;
    await new Promise((r) => setTimeout(r, SECONDS * 1_000));
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const s1 = shop.stats();
    const spans = (await counter(braid, 'braid_ingest_spans_total')) - spans0;
    const logs = (await counter(braid, 'braid_ingest_log_records_total')) - logs0;
    const all = await Promise.all(latencies);
    const measured = all.filter((x): x is number => x !== undefined);
    const missing = followed.filter((_, i) => all[i] === undefined);
    const cpuUs = cpu.user + cpu.system;
    console.log(`demo (the shop), ${mode}: ${SECONDS} s at ${RATE} requests/s cap after 5 s warm-up; payment logs via ${shop.paymentLogs}`);
    console.log(`  requests             ${fmt((s1.sent - s0.sent) / secs, 1)}/s (${s1.failed - s0.failed} failed, ${s1.skipped - s0.skipped} skipped by the in-flight cap)`);
    console.log(`  spans stored         ${fmt(spans / secs)}/s`);
    console.log(`  logs stored          ${fmt(logs / secs)}/s`);
    console.log(`  request -> searchable trace  median ${fmt(quantile(measured, 0.5))} ms, p95 ${fmt(quantile(measured, 0.95))} ms (${measured.length} of ${latencies.length} followed traces found${missing.length ? `; not within ${GIVE_UP_MS / 1000} s: ${missing.join(', ')}` : ''})`);
    console.log(`  CPU of this process  ${fmt(spans > 0 ? cpuUs / spans : NaN, 1)} us per stored span (${fmt((cpuUs / 1e6 / secs) * 100)}% of a core)`);
  } finally {
    polls.abort();
    await shop.stop();
    await braid.stop();
    if (p) {
      // The run's indices go; its topics (prefix benchshop...) stay, as kafka-es.ts leaves its own.
      const es = new Client({ node: p.es });
      await deleteIndices(es, prefix).finally(() => es.close());
    }
  }
}

await run('embedded (in-process queue, memory store)', undefined);
const p = await pipeline();
if (p) await run(`pipeline (Kafka ${p.brokers}, Elasticsearch ${p.es})`, p);
else console.log('demo (the shop), pipeline: skipped (set BRAID_KAFKA_BROKERS and BRAID_ELASTICSEARCH_URL, or npm run infra:up)');
process.exit(0);
