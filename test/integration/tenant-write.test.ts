/**
 * Tenants on the write path, in both modes (embedded; real Kafka + Elasticsearch), with the
 * tenant taken from each caller's bearer token (auth.tokens_file): spans, logs and samples of
 * tenants acme and beta land in indices of their own, the default tenant's keep their names, a
 * Kafka record carries its tenant in the `braid.tenant` header, a tenant over its ingest rate is
 * refused with 429 / RESOURCE_EXHAUSTED and a retry hint and nothing of its request is queued, and
 * spans past a tenant's max_spans_per_trace are discarded and counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client as EsClient } from '@elastic/elasticsearch';
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import type { RunningBraid } from '../../src/main.js';
import { bothModes, startTestBraid } from '../helpers/braid.js';
import { eventually, multiServiceTrace, newSpanId, newTraceId, type SpanSpec } from '../helpers/otlp.js';

const WHO = ['acme', 'beta', 'slow', 'default'] as const;
type Who = (typeof WHO)[number];
const ns = (ms: number) => `${BigInt(Math.round(ms)) * 1_000_000n}`;
const attr = (key: string, v: string) => ({ key, value: { stringValue: v } });

/** A trace of `n` spans of one service, each a child of the first. */
function trace(traceId: string, service: string, n: number, startMs: number) {
  const root = newSpanId();
  const spans: SpanSpec[] = Array.from({ length: n }, (_, i) => ({ id: i === 0 ? root : newSpanId(), ...(i === 0 ? {} : { parent: root }), service, name: `${service} op${i}`, startMs: startMs + i, durationMs: 5 }));
  return multiServiceTrace(traceId, spans);
}
const logs = (service: string, traceId: string, ms: number) => ({
  resourceLogs: [{ resource: { attributes: [attr('service.name', service)] }, scopeLogs: [{ logRecords: [{ timeUnixNano: ns(ms), severityNumber: 9, severityText: 'INFO', body: { stringValue: `hello from ${service}` }, traceId }] }] }],
});
const gauge = (service: string, name: string, ms: number) => ({
  resourceMetrics: [{ resource: { attributes: [attr('service.name', service)] }, scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints: [{ timeUnixNano: ns(ms), asDouble: 1 }] } }] }] }],
});

/** google.rpc.Status bytes: whether they hold a RetryInfo, and its delay's seconds. */
function retryInfoSeconds(status: Buffer): number | undefined {
  const type = Buffer.from('type.googleapis.com/google.rpc.RetryInfo');
  const at = status.indexOf(type);
  if (at < 0) return undefined;
  // Any.value (field 2, LEN) -> RetryInfo.retry_delay (1, LEN) -> Duration.seconds (1, VARINT): tags 0x12 n 0x0a n 0x08 seconds.
  const value = status.subarray(at + type.length);
  expect([value[0], value[2], value[4]]).toEqual([0x12, 0x0a, 0x08]);
  return value[5];
}

describe.each(bothModes('tenantwrite'))('tenants on the write path (%s)', (mode, config) => {
  const pipeline = mode.startsWith('pipeline');
  const dir = mkdtempSync(join(tmpdir(), 'braid-tenant-write-'));
  const tokens = Object.fromEntries(WHO.map((t) => [t, `${t}.${randomBytes(12).toString('hex')}`])) as Record<Who, string>;
  const tokensPath = join(dir, 'tokens');
  writeFileSync(tokensPath, WHO.map((t) => `${t}:${tokens[t]}`).join('\n'));
  const auth = (who: Who) => ({ authorization: `Bearer ${tokens[who]}` });
  const input = config();
  const prefix = (input.storage as { elasticsearch?: { index_prefix: string } } | undefined)?.elasticsearch?.index_prefix;
  const topicPrefix = (input.queue as { kafka?: { topic_prefix: string } } | undefined)?.kafka?.topic_prefix;
  let braid: RunningBraid;
  const now = Date.now();
  const day = new Date(now - 1_000).toISOString().slice(0, 10).replaceAll('-', '.');
  const traces = { acme: newTraceId(), beta: newTraceId(), default: newTraceId() };

  const post = async (who: Who, url: string, body: unknown) => {
    const res = await fetch(url, { method: 'POST', headers: { ...auth(who), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  const jaegerTrace = async (who: Who, traceId: string) => {
    const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`, { headers: auth(who) });
    // 404: no such trace for this tenant; any other failure is -1, never taken for "not found".
    if (res.status === 404) return 0;
    return res.status === 200 ? ((await res.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length ?? 0 : -1;
  };
  /** The sum of a metric's series whose labels include `labels` (a value starting with `*` matches by suffix). */
  const metric = async (name: string, labels: Record<string, string>) => {
    const text = await (await fetch(`${braid.addresses.admin}/metrics`, { headers: auth('default') })).text();
    const want = Object.entries(labels).map(([k, v]) => (v.startsWith('*') ? `${v.slice(1)}"` : `${k}="${v}"`));
    return text.split('\n').filter((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w))).reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };

  beforeAll(async () => {
    braid = await startTestBraid({
      ...input,
      auth: { tokens_file: tokensPath },
      ingest: { flush_interval: '1s' },
      tenant_limits: { beta: { max_spans_per_trace: 3 }, slow: { ingestion_rate: 1, ingestion_burst_size: 2 } },
    });
    for (const who of ['acme', 'beta', 'default'] as const) {
      const otlp = braid.addresses.otlpHttp!;
      expect((await post(who, `${otlp}/v1/traces`, trace(traces[who], `${who}-svc`, 2, now - 1_000))).status).toBe(200);
      expect((await post(who, `${otlp}/v1/logs`, logs(`${who}-svc`, traces[who], now - 900))).status).toBe(200);
      expect((await post(who, `${otlp}/v1/metrics`, gauge(`${who}-svc`, `${who}_probe`, now - 800))).status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    await braid?.stop();
    rmSync(dir, { recursive: true, force: true });
    // Indices per tenant add up on the shared test Elasticsearch (1,000 shards per node): remove ours.
    if (pipeline) {
      const es = new EsClient({ node: String((input.storage as { elasticsearch: { url: string } }).elasticsearch.url) });
      const made = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
      if (made.length > 0) await es.indices.delete({ index: made.map((r) => r.index).join(',') });
      await es.close();
    }
  });

  it('stores each tenant\'s spans where only that tenant reads them', async () => {
    for (const who of ['acme', 'beta', 'default'] as const) {
      await eventually(async () => ((await jaegerTrace(who, traces[who])) === 2 ? true : undefined), 60_000, `${who}'s trace`);
      for (const other of ['acme', 'beta', 'default'] as const) {
        if (other === who) continue;
        // A shard of an index created a moment ago answers 503 until it started: ask until the store answers.
        const seen = await eventually(async () => {
          const n = await jaegerTrace(other, traces[who]);
          return n >= 0 ? n : undefined;
        }, 30_000, `${other}'s answer`);
        expect(seen, `${other} reads ${who}'s trace`).toBe(0);
      }
    }
  });

  it.runIf(pipeline)('writes spans, logs, samples and derived documents of acme and beta to indices of their own, and the default tenant\'s to the indices it always had', async () => {
    const es = new EsClient({ node: String((input.storage as { elasticsearch: { url: string } }).elasticsearch.url) });
    try {
      const indices = async () => ((await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>).map((r) => r.index).sort();
      const want = (base: string) => [`${base}logs-${day}`, `${base}operations`, `${base}samples-${day}`, `${base}spans-${day}`, `${base}traces-${day}`];
      const expected = [...want(`${prefix}-`), ...want(`${prefix}-t_acme.`), ...want(`${prefix}-t_beta.`)].sort();
      await eventually(async () => {
        const all = await indices();
        return expected.every((i) => all.includes(i)) ? true : undefined;
      }, 60_000, 'every index');
      const count = async (index: string, traceId: string) => (await es.count({ index, ignore_unavailable: true, query: { term: { 'trace.id': traceId } } })).count;
      const bases = [['acme', `${prefix}-t_acme.`], ['beta', `${prefix}-t_beta.`], ['default', `${prefix}-`]] as const;
      // An index shows as soon as a bulk request creates it, before its documents are indexed: wait for them.
      await eventually(async () => {
        await es.indices.refresh({ index: `${prefix}-*` });
        for (const [who, base] of bases) if ((await count(`${base}spans-${day}`, traces[who])) < 2 || (await count(`${base}logs-${day}`, traces[who])) < 1) return undefined;
        return true;
      }, 60_000, 'every document');
      for (const [who, base] of bases) {
        for (const [other, otherBase] of bases) {
          expect(await count(`${otherBase}spans-${day}`, traces[who]), `${who}'s spans in ${otherBase}`).toBe(other === who ? 2 : 0);
          expect(await count(`${otherBase}logs-${day}`, traces[who]), `${who}'s logs in ${otherBase}`).toBe(other === who ? 1 : 0);
        }
        const names = await eventually(async () => {
          const found = (await es.search<{ 'metric.name': string }>({ index: `${base}samples-${day}`, size: 100, query: { match_all: {} } })).hits.hits.map((h) => h._source!['metric.name']);
          return found.includes(`${who}_probe`) ? found : undefined;
        }, 30_000, `${who}'s samples`);
        expect(names.filter((n) => n.endsWith('_probe'))).toEqual([`${who}_probe`]);
      }
    } finally {
      await es.close();
    }
  });

  it('derives span and log series per tenant, each in its own tenant\'s series', async () => {
    const services = async (who: Who, query: string) => {
      const res = await fetch(`${braid.addresses.query}/prometheus/api/v1/query?query=${encodeURIComponent(query)}`, { headers: auth(who) });
      if (res.status !== 200) return undefined;
      const body = (await res.json()) as { data: { result: Array<{ metric: { service_name?: string } }> } };
      return body.data.result.map((r) => r.metric.service_name).sort();
    };
    for (const [metricName, query] of [['span calls', 'sum by (service_name) (traces_span_metrics_calls_total)'], ['log records', 'sum by (service_name) (braid_log_records_total)']] as const) {
      for (const who of ['acme', 'beta', 'default'] as const) {
        const seen = await eventually(async () => {
          const got = await services(who, query);
          return got?.includes(`${who}-svc`) ? got : undefined;
        }, 60_000, `${who}'s ${metricName}`);
        expect(seen.filter((s) => s?.endsWith('-svc')), `${who}'s ${metricName}`).toEqual([`${who}-svc`]);
      }
    }
  });

  it.runIf(pipeline)('puts the tenant in the braid.tenant header of a Kafka record, and no header on the default tenant\'s', async () => {
    const kafka = new Kafka({ clientId: 'tenant-write-test', brokers: [String((input.queue as { kafka: { brokers: string[] } }).kafka.brokers[0])], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${topicPrefix}check-${randomBytes(4).toString('hex')}` });
    const headers = new Map<string, string | undefined>();
    const wanted = new Map(Object.entries(traces).map(([who, id]) => [id, who]));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [`${topicPrefix}spans.v1`], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const id = message.key?.toString('hex');
          if (id !== undefined && wanted.has(id)) headers.set(wanted.get(id)!, message.headers?.['braid.tenant']?.toString());
        },
      });
      await eventually(async () => (headers.size === 3 ? true : undefined), 30_000, 'the three traces on the spans topic');
      expect(Object.fromEntries(headers)).toEqual({ acme: 'acme', beta: 'beta', default: undefined });
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses a tenant over its ingest rate on OTLP/HTTP, Zipkin and gRPC with a retry hint, and queues nothing of it', async () => {
    const a = braid.addresses;
    const accepted = newTraceId();
    expect((await post('slow', `${a.otlpHttp}/v1/traces`, trace(accepted, 'slow-svc', 2, now - 500))).status).toBe(200);
    const produced = await metric('braid_queue_records_produced_total', { topic: '*spans.v1' });
    const refusedTraces = [newTraceId(), newTraceId(), newTraceId()];

    const http = await post('slow', `${a.otlpHttp}/v1/traces`, trace(refusedTraces[0]!, 'slow-svc', 2, now - 400));
    expect(http.status).toBe(429);
    expect(Number(http.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(http.text)).toMatchObject({ code: 8, message: expect.stringContaining('BRAID_ERR_LIMIT_RATE: tenant "slow" is over its ingest rate'), details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo' }] });

    const zipkin = await post('slow', `${a.zipkin}/api/v2/spans`, [{ traceId: refusedTraces[1], id: newSpanId(), name: 'z', timestamp: (now - 300) * 1000, duration: 5, localEndpoint: { serviceName: 'slow-svc' } }, { traceId: refusedTraces[1], id: newSpanId(), name: 'z', timestamp: (now - 300) * 1000, duration: 5, localEndpoint: { serviceName: 'slow-svc' } }]);
    expect(zipkin.status).toBe(429);
    expect(Number(zipkin.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const Ctor = makeGenericClientConstructor({}, 'TraceService');
    const client = new Ctor(a.otlpGrpc!, credentials.createInsecure());
    try {
      const md = new Metadata();
      md.set('authorization', `Bearer ${tokens.slow}`);
      const body = Buffer.from(encodeTraceRequest(parseTraceRequestJson(trace(refusedTraces[2]!, 'slow-svc', 2, now - 200))));
      const err = await new Promise<ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, md, {}, (e) => resolve(e ?? null)),
      );
      expect(err?.code).toBe(8); // RESOURCE_EXHAUSTED
      expect(err?.details).toContain('BRAID_ERR_LIMIT_RATE');
      expect(retryInfoSeconds(err!.metadata.get('grpc-status-details-bin')[0] as Buffer)).toBeGreaterThanOrEqual(1);
    } finally {
      client.close();
    }

    expect(await metric('braid_queue_records_produced_total', { topic: '*spans.v1' })).toBe(produced);
    expect(await metric('braid_receiver_refused_requests_total', { code: 'BRAID_ERR_LIMIT_RATE' })).toBe(3);
    await eventually(async () => ((await jaegerTrace('slow', accepted)) === 2 ? true : undefined), 60_000, 'the accepted trace of slow');
    for (const id of refusedTraces) expect(await jaegerTrace('slow', id)).toBe(0);
  });

  it('discards the spans of a trace past the tenant\'s max_spans_per_trace and counts them', async () => {
    const big = newTraceId();
    // Five spans in one request, then two more (one a replay of a stored span): beta keeps 3.
    const first = trace(big, 'beta-svc', 5, now - 100);
    expect((await post('beta', `${braid.addresses.otlpHttp}/v1/traces`, first)).status).toBe(200);
    await eventually(async () => ((await metric('braid_ingest_discarded_spans_total', { reason: 'max_spans_per_trace', tenant: 'beta' })) === 2 ? true : undefined), 60_000, 'two spans discarded');
    const stored = first.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    const more = trace(big, 'beta-svc', 1, now - 50);
    more.resourceSpans[0]!.scopeSpans[0]!.spans.push({ ...stored });
    expect((await post('beta', `${braid.addresses.otlpHttp}/v1/traces`, more)).status).toBe(200);
    await eventually(async () => ((await metric('braid_ingest_discarded_spans_total', { reason: 'max_spans_per_trace', tenant: 'beta' })) === 3 ? true : undefined), 60_000, 'a third span discarded');
    await eventually(async () => ((await jaegerTrace('beta', big)) === 3 ? true : undefined), 30_000, 'beta stores three');
    expect(await jaegerTrace('beta', big)).toBe(3);
    // Another tenant's traces are not capped by beta's limit.
    const acmeBig = newTraceId();
    expect((await post('acme', `${braid.addresses.otlpHttp}/v1/traces`, trace(acmeBig, 'acme-svc', 5, now - 100))).status).toBe(200);
    await eventually(async () => ((await jaegerTrace('acme', acmeBig)) === 5 ? true : undefined), 60_000, 'acme keeps all five');
    expect(await metric('braid_ingest_discarded_spans_total', { tenant: 'acme' })).toBe(0);
  });
});
