/**
 * End-to-end figures of the embedded all-in-one (in-process queue, memory store): OTLP/HTTP
 * protobuf requests of 100 spans posted by 8 concurrent senders (bounded count), spans/s
 * acknowledged, time until every span is acknowledged by the store, and RSS. The same path
 * through real Kafka and Elasticsearch is measured by kafka-es.ts. Prints the median of 3 runs. Not a test: it asserts nothing.
 */
import { validateConfig } from '../../src/config/load.js';
import { startBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { benchRequest, SPANS_PER_REQUEST } from './requests.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const CONCURRENCY = 8;
const RUNS = 3;

async function run(runIndex: number): Promise<{ acceptedPerS: number; endToEndPerS: number; rssMb: number }> {
  const prefix = `bench${Date.now().toString(36)}${runIndex}`;
  const config = validateConfig(
    {
      receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } }, zipkin: { endpoint: '127.0.0.1:0' }, elasticsearch: { endpoint: '127.0.0.1:0' } },
      query: { endpoint: '127.0.0.1:0' },
      admin: { endpoint: '127.0.0.1:0' },
      queue: { kafka: { brokers: [], topic_prefix: `${prefix}.`, group_id: prefix } },
      telemetry: { log_level: 'error' },
    },
    'bench',
  );
  const braid = await startBraid(config, { log: createLogger('error') });
  const bodies = Array.from({ length: 50 }, () => benchRequest());
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
const mode = 'embedded (in-process queue, memory store)';
const results = [];
for (let i = 0; i < RUNS; i++) results.push(await run(i));
console.log(`pipeline, ${mode}: ${REQUESTS} OTLP/HTTP protobuf requests x ${SPANS_PER_REQUEST} spans, ${CONCURRENCY} senders, median of ${RUNS}`);
console.log(`  accepted (receive -> queue ack)  ${Math.round(median(results.map((r) => r.acceptedPerS))).toLocaleString('en')} spans/s`);
console.log(`  end to end (store acknowledged)  ${Math.round(median(results.map((r) => r.endToEndPerS))).toLocaleString('en')} spans/s`);
console.log(`  RSS (whole process)              ${Math.round(median(results.map((r) => r.rssMb)))} MB`);
