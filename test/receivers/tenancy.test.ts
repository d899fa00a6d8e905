/**
 * Tenancy at the receivers, in-process (fastify inject, the in-process queue): each request's
 * records are queued under its tenant, and a tenant over its ingest rate is refused whole with
 * BRAID_ERR_LIMIT_RATE and a retry hint before anything is queued. The tenant is set the way the
 * auth hook (src/security) sets it: `request.tenant` in an onRequest hook.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { BraidError } from '../../src/errors.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { ConsumedRecord, RecordKind } from '../../src/queue/queue.js';
import { registerHttpBody } from '../../src/receivers/http-body.js';
import { createReceiverMetrics } from '../../src/receivers/metrics.js';
import { registerOtlpHttp } from '../../src/receivers/otlp/http.js';
import { registerZipkinRoutes } from '../../src/receivers/zipkin/http.js';
import { registerElasticsearchRoutes } from '../../src/receivers/elasticsearch/http.js';
import { registerRemoteWrite } from '../../src/receivers/prometheus/http.js';
import { encode as encodeRemoteWrite, snappy } from '../helpers/remote-write.js';
import { createReceiverTenancy, takeTokens } from '../../src/receivers/tenancy.js';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load.js';
import { createHttpServer } from '../../src/telemetry/http-server.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { newSpanId, newTraceId, twoSpanTrace } from '../helpers/otlp.js';

describe('token bucket', () => {
  it('admits up to the burst, refills at the rate, and names the wait', () => {
    const b = { tokens: 10, lastMs: 0 };
    expect(takeTokens(b, 6, 5, 10, 0)).toEqual({ ok: true });
    expect(takeTokens(b, 6, 5, 10, 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // 4 left; 6 needs 2 more tokens at 5/s: refused, then admitted 400 ms later.
    expect(takeTokens(b, 6, 5, 10, 300)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(takeTokens(b, 6, 5, 10, 400)).toEqual({ ok: true });
    expect(b.tokens).toBeCloseTo(0, 9);
    // Never above the burst, however long the wait.
    expect(takeTokens(b, 0, 5, 10, 1_000_000)).toEqual({ ok: true });
    expect(b.tokens).toBe(10);
  });

  it('lets one request larger than the burst through a full bucket, then makes the tenant wait its debt off', () => {
    const b = { tokens: 10, lastMs: 0 };
    expect(takeTokens(b, 40, 5, 10, 0)).toEqual({ ok: true });
    expect(b.tokens).toBe(-30);
    // 1 record needs the bucket back at 1: 31 tokens at 5/s = 6.2 s -> 7.
    expect(takeTokens(b, 1, 5, 10, 0)).toEqual({ ok: false, retryAfterSeconds: 7 });
    expect(takeTokens(b, 1, 5, 10, 6_200)).toEqual({ ok: true });
  });
});

const config = (yaml: string) => validateConfig(parseYaml(yaml) ?? {}, 'test.yaml');

describe('tenancy of the receivers', () => {
  it('is unlimited with the default limits, and limits each tenant by its own rate', () => {
    let now = 0;
    const open = createReceiverTenancy(config(''), () => now);
    expect(() => open.admit('acme', 1e9)).not.toThrow();
    const t = createReceiverTenancy(config('limits: { ingestion_rate: 10, ingestion_burst_size: 20 }\ntenant_limits: { big: { ingestion_rate: 1000 } }'), () => now);
    expect(t.limits('big').ingestion_rate).toBe(1000);
    t.admit('acme', 20);
    const err = (() => {
      try {
        t.admit('acme', 1);
      } catch (e) {
        return e as BraidError;
      }
    })();
    expect(err?.code).toBe('BRAID_ERR_LIMIT_RATE');
    expect(err?.httpStatus).toBe(429);
    expect(err?.transient).toBe(true);
    expect(err?.retryAfterSeconds).toBe(1);
    expect(err?.message).toBe('tenant "acme" is over its ingest rate (limits.ingestion_rate 10 records/s, ingestion_burst_size 20): 1 records refused, retry in 1 s');
    // Another tenant has a bucket of its own.
    expect(() => t.admit('other', 20)).not.toThrow();
    expect(() => t.admit('big', 900)).not.toThrow();
    now = 100;
    expect(() => t.admit('acme', 1)).not.toThrow();
  });
});

async function receiver(yaml: string) {
  const queue = createMemoryQueue({ partitions: 2, max_bytes: 10_000_000, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
  const registry = new Registry();
  const metrics = createReceiverMetrics(registry);
  const tenancy = createReceiverTenancy(config(yaml));
  const app: FastifyInstance = createHttpServer(createLogger('silent'), 'test');
  // What the auth hook does: the tenant of the caller.
  app.addHook('onRequest', async (req) => {
    const t = req.headers['x-test-tenant'];
    if (typeof t === 'string') req.tenant = t;
  });
  registerHttpBody(app);
  registerOtlpHttp(app, { queue, metrics, tenancy });
  registerZipkinRoutes(app, { queue, metrics, tenancy });
  registerElasticsearchRoutes(app, { queue, metrics, tenancy });
  registerRemoteWrite(app, { queue, metrics, tenancy, maxBodyBytes: 1 << 20 });
  const seen: Array<{ kind: RecordKind; record: ConsumedRecord }> = [];
  const ac = new AbortController();
  await queue.read(['spans', 'logs', 'metrics'], 0, (b) => void seen.push(...b.records.map((record) => ({ kind: b.kind, record }))), ac.signal);
  return { app, seen, registry, close: () => ac.abort() };
}

const zipkinSpan = (traceId: string) => ({ traceId, id: newSpanId(), name: 'get', timestamp: Date.now() * 1000, duration: 10, localEndpoint: { serviceName: 'z' } });

describe('receivers queue records under the request\'s tenant', () => {
  it('stamps OTLP, Zipkin and bulk records with the tenant, and leaves the default tenant\'s unmarked', async () => {
    const r = await receiver('');
    const send = (tenant: string | undefined, url: string, payload: unknown, contentType = 'application/json') =>
      r.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, ...(tenant ? { 'x-test-tenant': tenant } : {}) }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    expect((await send('acme', '/v1/traces', twoSpanTrace(newTraceId()).body)).statusCode).toBe(200);
    expect((await send(undefined, '/v1/traces', twoSpanTrace(newTraceId()).body)).statusCode).toBe(200);
    expect((await send('beta', '/api/v2/spans', [zipkinSpan(newTraceId())])).statusCode).toBe(202);
    expect((await send('acme', '/v1/logs', '{"message":"hi","service.name":"s"}\n', 'application/x-ndjson')).statusCode).toBe(200);
    expect((await send('beta', '/_bulk', '{"index":{"_index":"x"}}\n{"message":"m"}\n', 'application/x-ndjson')).statusCode).toBe(200);
    await expect.poll(() => r.seen.length).toBe(5);
    expect(r.seen.map((s) => `${s.kind}:${s.record.tenant ?? '-'}`).sort()).toEqual(['logs:acme', 'logs:beta', 'spans:-', 'spans:acme', 'spans:beta']);
    r.close();
  });

  it('refuses a tenant over its rate with 429 and Retry-After on every HTTP receiver, queues nothing, and counts it', async () => {
    const r = await receiver('limits: { ingestion_rate: 1, ingestion_burst_size: 3 }\ntenant_limits: { free: { ingestion_rate: 1000, ingestion_burst_size: 1000 } }');
    const send = (tenant: string, url: string, payload: string, contentType = 'application/json') =>
      r.app.inject({ method: 'POST', url, headers: { 'content-type': contentType, 'x-test-tenant': tenant }, payload });
    // Two spans of acme's three.
    expect((await send('acme', '/v1/traces', JSON.stringify(twoSpanTrace(newTraceId()).body))).statusCode).toBe(200);
    const refused = [
      await send('acme', '/v1/traces', JSON.stringify(twoSpanTrace(newTraceId()).body)),
      await send('acme', '/api/v2/spans', JSON.stringify([zipkinSpan(newTraceId()), zipkinSpan(newTraceId())])),
      await send('acme', '/_bulk', '{"index":{"_index":"x"}}\n{"message":"a"}\n{"index":{"_index":"x"}}\n{"message":"b"}\n', 'application/x-ndjson'),
    ];
    const write = (tenant: string, samples: number) =>
      r.app.inject({
        method: 'POST', url: '/api/v1/write', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-test-tenant': tenant },
        payload: snappy(encodeRemoteWrite([{ labels: [['__name__', 'up'], ['job', 'j']], samples: Array.from({ length: samples }, (_, i): [number, number] => [1, Date.now() - 10_000 + i]) }])),
      });
    refused.push(await write('acme', 2));
    for (const res of refused) {
      expect(res.statusCode).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.body).toContain('BRAID_ERR_LIMIT_RATE');
    }
    // The OTLP/JSON answer carries RetryInfo.
    expect(JSON.parse(refused[0]!.body).details).toEqual([{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: expect.stringMatching(/^\d+s$/) }]);
    // Another tenant's bucket is untouched.
    expect((await send('free', '/v1/traces', JSON.stringify(twoSpanTrace(newTraceId()).body))).statusCode).toBe(200);
    await expect.poll(() => r.seen.length).toBe(2);
    expect(r.seen.map((s) => `${s.kind}:${s.record.tenant}`).sort()).toEqual(['spans:acme', 'spans:free']);
    const counted = (await r.registry.getSingleMetric('braid_receiver_refused_requests_total')!.get()).values.filter((v) => v.labels.code === 'BRAID_ERR_LIMIT_RATE');
    expect(counted.map((v) => [v.labels.transport, v.value]).sort()).toEqual([['elasticsearch', 1], ['http/json', 1], ['remote_write', 1], ['zipkin', 1]]);
    // Remote write answers a tenant within its rate 204, its other retryable errors still 503.
    expect((await write('free', 2)).statusCode).toBe(204);
    await expect.poll(() => r.seen.map((s) => `${s.kind}:${s.record.tenant}`).sort()).toEqual(['metrics:free', 'spans:acme', 'spans:free']);
    r.close();
  });
});
