/**
 * A 50 MB request holding one trace of 20,000 spans: split into records that fit the topic's
 * max.message.bytes (nothing dropped), and returned whole by the Jaeger API (Elasticsearch is
 * paged past its 10,000-hit window).
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import type { Span, TracesData } from '../../src/model/trace.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const SPANS = 20_000;

function bigTrace(traceId: string): { data: TracesData; rootId: string } {
  const rootId = newSpanId();
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const pad = 'p'.repeat(2_400);
  const spans: Span[] = Array.from({ length: SPANS }, (_, i) => ({
    traceId,
    spanId: i === 0 ? rootId : newSpanId(),
    parentSpanId: i === 0 ? '' : rootId,
    traceState: '',
    flags: 0,
    name: i === 0 ? 'batch job' : `step ${i % 50}`,
    kind: 1,
    startTimeUnixNano: startNs + BigInt(i) * 1_000n,
    endTimeUnixNano: startNs + BigInt(i) * 1_000n + (i === 0 ? 30_000_000n : 500n),
    attributes: { 'step.index': BigInt(i), 'step.payload': pad },
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  }));
  const data: TracesData = {
    resourceSpans: [{ resource: { attributes: { 'service.name': 'batch' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: 'test', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }] }],
  };
  return { data, rootId };
}

describe('a 50 MB request of a 20,000-span trace (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const esUrl = inject('elasticsearchUrl');
  const prefix = uniqueName('big');
  let braid: RunningBraid;

  beforeAll(async () => {
    const config = testConfig({
      queue: { kafka: { brokers: [brokers], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 2, produce_timeout_ms: 30_000 } },
      storage: { elasticsearch: { url: esUrl, index_prefix: prefix } },
    });
    config.receivers!.otlp!.http!.max_request_body_size_mib = 64;
    braid = await startTestBraid(config);
  });
  afterAll(async () => {
    await braid?.stop();
  });

  it('splits it into records under max.message.bytes and returns the trace whole', async () => {
    const traceId = newTraceId();
    const { data, rootId } = bigTrace(traceId);
    const body = Buffer.from(encodeTraceRequest(data));
    expect(body.length).toBeGreaterThan(50_000_000);

    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${prefix}.spans.v1`;
    const ends = async () => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    const before = await ends();

    const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    expect(res.status, await res.clone().text()).toBe(200);
    const records = (await ends()) - before;
    // Kafka's default max.message.bytes is about 1 MiB: at least 50 records, none refused.
    expect(records).toBeGreaterThanOrEqual(48);
    const [config] = (await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['max.message.bytes'] }] })).resources;
    expect(Number(config?.configEntries[0]?.configValue)).toBeLessThan(body.length / 40);
    await admin.disconnect();

    const trace = await eventually(async () => {
      const r = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
      if (r.status !== 200) return undefined;
      const t = ((await r.json()) as { data: Array<{ spans: Array<{ spanID: string; references: Array<{ spanID: string }> }> }> }).data[0];
      return t && t.spans.length === SPANS ? t : undefined;
    }, 120_000, `all ${SPANS} spans`);
    expect(new Set(trace.spans.map((s) => s.spanID)).size).toBe(SPANS);
    expect(trace.spans.filter((s) => s.references[0]?.spanID === rootId)).toHaveLength(SPANS - 1);

    const search = await fetch(`${braid.addresses.query}/api/traces?service=batch&operation=${encodeURIComponent('batch job')}&lookback=1h&limit=1`);
    const found = (await search.json()) as { data: Array<{ traceID: string; spans: unknown[] }> };
    expect(found.data.map((t) => [t.traceID, t.spans.length])).toEqual([[traceId, SPANS]]);
  }, 240_000);
});
