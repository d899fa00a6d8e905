/**
 * The first vertical slice in both modes: OTLP/HTTP JSON in, acknowledged after the queue took
 * it, through the ingester into the store, back out of the Jaeger API.
 */
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

interface JaegerTraceBody {
  data: Array<{
    traceID: string;
    spans: Array<{ spanID: string; operationName: string; duration: number; startTime: number; references: Array<{ refType: string; spanID: string }>; tags: Array<{ key: string; type: string; value: unknown }>; processID: string }>;
    processes: Record<string, { serviceName: string; tags: Array<{ key: string; value: unknown }> }>;
  }>;
}

async function postTrace(braid: RunningBraid, body: unknown): Promise<Response> {
  return fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function getTrace(braid: RunningBraid, traceId: string): Promise<JaegerTraceBody | undefined> {
  const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
  if (res.status === 404) return undefined;
  expect(res.status).toBe(200);
  return (await res.json()) as JaegerTraceBody;
}

function checkJaegerShape(body: JaegerTraceBody, traceId: string, rootSpanId: string, childSpanId: string): void {
  const [trace] = body.data;
  expect(trace?.traceID).toBe(traceId);
  const spans = trace!.spans;
  expect(spans.map((s) => s.spanID).sort()).toEqual([rootSpanId, childSpanId].sort());
  const root = spans.find((s) => s.spanID === rootSpanId)!;
  const child = spans.find((s) => s.spanID === childSpanId)!;
  expect(root.operationName).toBe('GET /checkout');
  expect(root.duration).toBe(250_000);
  expect(root.references).toEqual([]);
  expect(child.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: rootSpanId }]);
  expect(child.duration).toBe(100_500);
  expect(child.startTime - root.startTime).toBe(10_000);
  expect(root.tags).toContainEqual({ key: 'http.status_code', type: 'int64', value: 200 });
  expect(root.tags).toContainEqual({ key: 'span.kind', type: 'string', value: 'server' });
  expect(child.tags).toContainEqual({ key: 'error', type: 'bool', value: true });
  expect(child.tags).toContainEqual({ key: 'otel.status_description', type: 'string', value: 'deadlock' });
  const proc = trace!.processes[root.processID]!;
  expect(proc.serviceName).toBe('checkout');
  expect(proc.tags).toContainEqual({ key: 'host.name', type: 'string', value: 'test-host' });
}

describe('embedded mode (in-process queue, memory store)', () => {
  let braid: RunningBraid;
  beforeAll(async () => {
    braid = await startTestBraid(testConfig());
  });
  afterAll(async () => {
    await braid?.stop();
  });

  it('is ready, accepts a trace and returns it through the Jaeger API', async () => {
    expect((await fetch(`${braid.addresses.admin}/readyz`)).status).toBe(200);
    const traceId = newTraceId();
    const t = twoSpanTrace(traceId);
    const res = await postTrace(braid, t.body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const body = await eventually(() => getTrace(braid, traceId), 10_000, 'the trace');
    checkJaegerShape(body, traceId, t.rootSpanId, t.childSpanId);
    expect((await fetch(`${braid.addresses.query}/api/traces/${newTraceId()}`)).status).toBe(404);
    const metrics = await (await fetch(`${braid.addresses.admin}/metrics`)).text();
    expect(metrics).toMatch(/braid_receiver_accepted_spans_total\{transport="http\/json"\} 2/);
    expect(metrics).toContain('process_resident_memory_bytes');
  });
});

describe('pipeline mode (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const esUrl = inject('elasticsearchUrl');
  const prefix = uniqueName('slice');
  const topicPrefix = `${prefix}.`;
  let braid: RunningBraid;

  beforeAll(async () => {
    braid = await startTestBraid(
      testConfig({
        queue: { kafka: { brokers: [brokers], topic_prefix: topicPrefix, group_id: `${prefix}-ingester`, partitions: 3 } },
        storage: { elasticsearch: { url: esUrl, index_prefix: prefix } },
      }),
    );
  });
  afterAll(async () => {
    await braid?.stop();
  });

  it('goes through a Kafka topic into an Elasticsearch index and back out of the Jaeger API', async () => {
    const ready = await fetch(`${braid.addresses.admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { 'queue (kafka)': 'ok', 'store (elasticsearch)': 'ok' } });

    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const endOffsets = async () => (await admin.fetchTopicOffsets(`${topicPrefix}spans.v1`)).reduce((n, p) => n + Number(p.high), 0);
    const before = await endOffsets();

    const traceId = newTraceId();
    const t = twoSpanTrace(traceId);
    const res = await postTrace(braid, t.body);
    expect(res.status).toBe(200);
    // Acknowledged only after Kafka took it: the topic's end offset has already moved.
    expect(await endOffsets()).toBe(before + 1);
    await admin.disconnect();

    const body = await eventually(() => getTrace(braid, traceId), 30_000, 'the trace in elasticsearch');
    checkJaegerShape(body, traceId, t.rootSpanId, t.childSpanId);

    const es = new Client({ node: esUrl });
    await es.indices.refresh({ index: `${prefix}-spans-*` });
    const found = await es.search({ index: `${prefix}-spans-*`, query: { term: { 'trace.id': traceId } } });
    expect(found.hits.hits.map((h) => h._id).sort()).toEqual([traceId + t.rootSpanId, traceId + t.childSpanId].sort());
    expect(found.hits.hits[0]?._index).toMatch(new RegExp(`^${prefix}-spans-\\d{4}\\.\\d{2}\\.\\d{2}$`));
    const tmpl = await es.indices.getIndexTemplate({ name: `${prefix}-spans` });
    expect(tmpl.index_templates[0]?.index_template.index_patterns).toEqual([`${prefix}-spans-*`]);
    await es.close();
  });
});
