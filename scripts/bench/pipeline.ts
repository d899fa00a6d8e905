/**
 * End-to-end figures of the running pipeline: OTLP/HTTP protobuf requests of 100 spans posted
 * by 8 concurrent senders (bounded count), spans/s acknowledged, time until every span is
 * acknowledged by the store, and RSS. Embedded mode by default; with BRAID_KAFKA_BROKERS and
 * BRAID_ELASTICSEARCH_URL set (npm run infra:up), through real Kafka and Elasticsearch.
 * Prints the median of 3 runs. Not a test: it asserts nothing.
 */
import { randomBytes } from 'node:crypto';
import { validateConfig } from '../../src/config/load.js';
import { startBraid } from '../../src/main.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import type { Span, TracesData } from '../../src/model/trace.js';
import { createLogger } from '../../src/telemetry/logger.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const SPANS_PER_REQUEST = 100;
const CONCURRENCY = 8;
const RUNS = 3;

function request(): Buffer {
  const spans: Span[] = [];
  let traceId = '';
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let i = 0; i < SPANS_PER_REQUEST; i++) {
    if (i % 10 === 0) traceId = randomBytes(16).toString('hex');
    spans.push({
      traceId, spanId: randomBytes(8).toString('hex'), traceState: '', parentSpanId: '', flags: 1,
      name: `GET /api/orders/${i % 7}`, kind: 2, startTimeUnixNano: now, endTimeUnixNano: now + 5_000_000n,
      attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200n, 'url.path': `/api/orders/${i}`, 'server.port': 8080n },
      droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    });
  }
  const data: TracesData = {
    resourceSpans: [{ resource: { attributes: { 'service.name': 'bench', 'host.name': 'bench-host' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: 'bench', version: '1', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }] }],
  };
  return Buffer.from(encodeTraceRequest(data));
}

async function run(runIndex: number): Promise<{ acceptedPerS: number; endToEndPerS: number; rssMb: number }> {
  const prefix = `bench${Date.now().toString(36)}${runIndex}`;
  const config = validateConfig(
    {
      receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } }, zipkin: { endpoint: '127.0.0.1:0' } },
      query: { endpoint: '127.0.0.1:0' },
      admin: { endpoint: '127.0.0.1:0' },
      queue: { kafka: { brokers: process.env.BRAID_KAFKA_BROKERS ? [process.env.BRAID_KAFKA_BROKERS] : [], topic_prefix: `${prefix}.`, group_id: prefix } },
      storage: { elasticsearch: { url: process.env.BRAID_ELASTICSEARCH_URL, index_prefix: prefix } },
      telemetry: { log_level: 'error' },
    },
    'bench',
  );
  const braid = await startBraid(config, { log: createLogger('error') });
  const bodies = Array.from({ length: 50 }, request);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const r = bodies[next++ % bodies.length]!;
        const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: r });
        if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const accepted = performance.now() - t0;
  const spans = REQUESTS * SPANS_PER_REQUEST;
  const ingested = async () => (await braid.registry.getSingleMetric('braid_ingest_spans_total')!.get()).values[0]?.value ?? 0;
  for (let i = 0; i < 12_000 && (await ingested()) < spans; i++) await new Promise((r) => setTimeout(r, 5));
  const endToEnd = performance.now() - t0;
  const rssMb = process.memoryUsage().rss / 1024 / 1024;
  await braid.stop();
  return { acceptedPerS: spans / (accepted / 1000), endToEndPerS: spans / (endToEnd / 1000), rssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mode = process.env.BRAID_KAFKA_BROKERS ? 'kafka + elasticsearch' : 'embedded (in-process queue, memory store)';
const results = [];
for (let i = 0; i < RUNS; i++) results.push(await run(i));
console.log(`pipeline, ${mode}: ${REQUESTS} OTLP/HTTP protobuf requests x ${SPANS_PER_REQUEST} spans, ${CONCURRENCY} senders, median of ${RUNS}`);
console.log(`  accepted (receive -> queue ack)  ${Math.round(median(results.map((r) => r.acceptedPerS))).toLocaleString('en')} spans/s`);
console.log(`  end to end (store acknowledged)  ${Math.round(median(results.map((r) => r.endToEndPerS))).toLocaleString('en')} spans/s`);
console.log(`  RSS (whole process)              ${Math.round(median(results.map((r) => r.rssMb)))} MB`);
