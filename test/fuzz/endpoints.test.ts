/**
 * The real endpoints under fuzz: Braid in-process (embedded: in-process queue, memory store) on
 * free ports, fed generated bad bodies on every receiver (OTLP/HTTP protobuf and JSON, gzip or
 * broken gzip; OTLP/gRPC; Zipkin; the `_bulk` intake; remote write) and bad parameters on the
 * query APIs (Prometheus, Jaeger, Braid). Every answer is a 2xx or a 4xx with a reason (gRPC: OK
 * or INVALID_ARGUMENT with a message), never a 5xx; the process stays up, and what was accepted
 * before the fuzzing is still there, unchanged.
 */
import { gzipSync } from 'node:zlib';
import { credentials, Metadata, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStatus } from '../../src/errors.js';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { encode, snappy } from '../helpers/remote-write.js';
import { encodeRandomMessage, mutated, mutatedText, randomMessage } from './arbitraries.js';
import { counter, params, runs, timeoutFor, type FuzzCounter } from './harness.js';
import { logs, metrics, spans } from './otel-inputs.js';

let braid: RunningBraid;
let grpc: Client;
const known = { traceId: newTraceId(), spans: 0, logLine: `fuzz-known-${Date.now()}` };

/** Spans of the known trace, as the Jaeger API answers them (undefined until it is stored). */
async function knownSpans(): Promise<number | undefined> {
  const res = await fetch(`${braid.addresses.query}/api/traces/${known.traceId}`);
  return res.status === 200 ? ((await res.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length : undefined;
}

async function knownLogs(): Promise<number | undefined> {
  const res = await fetch(`${braid.addresses.query}/braid/v1/logs?q=${known.logLine}&start=2020-01-01T00:00:00Z`);
  const n = ((await res.json()) as { logs: unknown[] }).logs.length;
  return n > 0 ? n : undefined;
}

beforeAll(async () => {
  braid = await startTestBraid(testConfig());
  grpc = new (makeGenericClientConstructor({}, 'Export'))(braid.addresses.otlpGrpc!, credentials.createInsecure());
  // Accepted before the fuzzing: a trace and a log line, which must be there, unchanged, after it.
  const trace = twoSpanTrace(known.traceId);
  expect((await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(trace.body) })).status).toBe(200);
  const line = JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: known.logLine, service: 'fuzz' });
  expect((await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: line })).status).toBe(200);
  known.spans = await eventually(knownSpans, 20_000, 'the known trace');
  await eventually(knownLogs, 20_000, 'the known log line');
}, 60_000);

afterAll(async () => {
  grpc?.close();
  await braid?.stop();
});

interface Answer {
  status: number;
  body: Buffer;
}

async function post(url: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Checks one answer: a 2xx, or a 4xx whose body gives a reason (`reason` matches it); counts it. */
function check(c: FuzzCounter, what: string, a: Answer, ms: number, reason: RegExp = /BRAID_ERR_[A-Z_]+|error|bad_data|invalid/i): void {
  if (a.status >= 200 && a.status < 300) {
    c.count('decoded', ms);
    return;
  }
  if (a.status < 400 || a.status >= 500) throw new Error(`${what}: answered ${a.status}: ${a.body.toString('utf8').slice(0, 300)}`);
  if (!reason.test(a.body.toString('utf8'))) throw new Error(`${what}: ${a.status} without a reason: ${JSON.stringify(a.body.toString('utf8').slice(0, 300))}`);
  c.count('refused', ms);
}

async function timed(fn: () => Promise<Answer>): Promise<[Answer, number]> {
  const t0 = performance.now();
  const a = await fn();
  return [a, performance.now() - t0];
}

/** Bytes for the OTLP/HTTP and gRPC routes: random, random messages, mutated valid requests of the three signals. */
const otlpBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  randomMessage().map(encodeRandomMessage),
  mutated(fc.oneof(
    spans.map((s) => ProtobufTraceSerializer.serializeRequest(s.readable)!),
    logs.map((l) => ProtobufLogsSerializer.serializeRequest(l.readable)!),
    metrics.map((m) => ProtobufMetricsSerializer.serializeRequest(m.sdk)!),
  )),
);
const encoding = fc.constantFrom('identity', 'gzip', 'broken-gzip');
function withEncoding(body: Uint8Array, enc: string): { body: Uint8Array; headers: Record<string, string> } {
  if (enc === 'gzip') return { body: gzipSync(body), headers: { 'content-encoding': 'gzip' } };
  if (enc === 'broken-gzip') return { body, headers: { 'content-encoding': 'gzip' } };
  return { body, headers: {} };
}
const SIGNALS = ['/v1/traces', '/v1/logs', '/v1/metrics'] as const;

const otlpHttp = counter('endpoint otlp/http (protobuf, json, ndjson; gzip)');
const otlpGrpc = counter('endpoint otlp/grpc');
const zipkinHttp = counter('endpoint zipkin');
const bulkHttp = counter('endpoint elasticsearch _bulk');
const remoteWriteHttp = counter('endpoint remote write');
const queryHttp = counter('endpoint query apis (prometheus, jaeger, braid)');

describe('receivers answer bad bodies with a 4xx and a reason', () => {
  it('OTLP/HTTP: protobuf, JSON and NDJSON bodies, plain, gzip and broken gzip', async () => {
    const n = runs(300);
    const jsonText = mutatedText(spans.map((s) => new TextDecoder().decode(JsonTraceSerializer.serializeRequest(s.readable))));
    const body = fc.oneof(
      fc.record({ type: fc.constant('application/x-protobuf'), bytes: otlpBytes }),
      fc.record({ type: fc.constantFrom('application/json', 'application/x-ndjson'), bytes: fc.oneof(jsonText, fc.string({ maxLength: 80 })).map((t) => new TextEncoder().encode(t)) }),
      fc.record({ type: fc.constantFrom('text/plain', 'application/xml', ''), bytes: fc.uint8Array({ maxLength: 20 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.constantFrom(...SIGNALS), body, encoding, async (path, { type, bytes }, enc) => {
      const e = withEncoding(bytes, enc);
      const [a, ms] = await timed(() => post(`${braid.addresses.otlpHttp}${path}`, e.body, { ...e.headers, ...(type ? { 'content-type': type } : {}) }));
      check(otlpHttp, `POST ${path} (${type}, ${enc})`, a, ms);
    }), params(n));
  }, timeoutFor(runs(300), 100));

  it('OTLP/gRPC: every Export method answers OK or INVALID_ARGUMENT with a message', async () => {
    const n = runs(200);
    const methods = ['trace.v1.TraceService', 'logs.v1.LogsService', 'metrics.v1.MetricsService'].map((s) => `/opentelemetry.proto.collector.${s}/Export`);
    await fc.assert(fc.asyncProperty(fc.constantFrom(...methods), otlpBytes, async (method, bytes) => {
      const t0 = performance.now();
      const err = await new Promise<ServiceError | null>((resolve) =>
        grpc.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, Buffer.from(bytes), new Metadata(), (e) => resolve(e ?? null)));
      const ms = performance.now() - t0;
      if (err === null) return otlpGrpc.count('decoded', ms);
      if (err.code !== GrpcStatus.INVALID_ARGUMENT) throw new Error(`${method}: status ${err.code} ${err.details}`);
      if (!/BRAID_ERR_/.test(err.details)) throw new Error(`${method}: INVALID_ARGUMENT without a reason: ${err.details}`);
      otlpGrpc.count('refused', ms);
    }), params(n));
  }, timeoutFor(runs(200), 100));

  it('Zipkin: mutated and random JSON on /api/v2/spans', async () => {
    const n = runs(200);
    const valid = fc.constant(JSON.stringify([{ traceId: 'a'.repeat(32), id: 'b'.repeat(16), name: 'x', timestamp: 1, duration: 2, localEndpoint: { serviceName: 's' }, tags: { k: 'v' } }]));
    await fc.assert(fc.asyncProperty(fc.oneof(mutatedText(valid), fc.string({ maxLength: 60 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))), encoding, async (text, enc) => {
      const e = withEncoding(new TextEncoder().encode(text), enc);
      const [a, ms] = await timed(() => post(`${braid.addresses.zipkin}/api/v2/spans`, e.body, { ...e.headers, 'content-type': 'application/json' }));
      check(zipkinHttp, 'POST /api/v2/spans', a, ms);
    }), params(n));
  }, timeoutFor(runs(200), 100));

  it('_bulk: mutated bodies answer per item (400 with a reason each) or as a whole with a 4xx', async () => {
    const n = runs(200);
    const valid = fc.constant(`{"index":{"_index":"logs"}}\n{"message":"m","level":"warn"}\n{"create":{}}\n{"msg":"n"}\n`);
    await fc.assert(fc.asyncProperty(fc.oneof(mutatedText(valid), fc.string({ maxLength: 60 })), fc.constantFrom('/_bulk', '/logs/_bulk', '/logs/_doc'), async (text, path) => {
      const [a, ms] = await timed(() => post(`${braid.addresses.elasticsearch}${path}`, text, { 'content-type': 'application/x-ndjson' }));
      check(bulkHttp, `POST ${path}`, a, ms, /reason/);
      if (a.status === 200 && path.endsWith('_bulk')) {
        const answer = JSON.parse(a.body.toString('utf8')) as { items: Array<Record<string, { status: number; error?: { reason: string } }>> };
        for (const item of answer.items.map((i) => Object.values(i)[0]!)) {
          if (item.status !== 201) {
            expect(item.status).toBe(400);
            expect(item.error?.reason.length).toBeGreaterThan(5);
          }
        }
      }
    }), params(n));
  }, timeoutFor(runs(200), 100));

  it('remote write: random, mutated and unsnapped bodies', async () => {
    const n = runs(200);
    const valid = fc.constant(encode([{ labels: [['__name__', 'fuzz_metric'], ['job', 'x']], samples: [[1, Date.now()]] }]));
    const body = fc.oneof(mutated(valid.map(snappy)), mutated(valid).map(snappy), randomMessage().map((m) => snappy(encodeRandomMessage(m))), fc.uint8Array({ maxLength: 60 }), mutated(valid));
    await fc.assert(fc.asyncProperty(body, async (b) => {
      const [a, ms] = await timed(() => post(`${braid.addresses.otlpHttp}/api/v1/write`, b, { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }));
      check(remoteWriteHttp, 'POST /api/v1/write', a, ms);
    }), params(n));
  }, timeoutFor(runs(200), 100));
});

describe('a body no route reads', () => {
  it('broken gzip under an unsupported Content-Type is answered 415 and raises no uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const record = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', record);
    try {
      for (const type of ['application/xml', 'text/html']) {
        const a = await post(`${braid.addresses.otlpHttp}/v1/traces`, 'not gzip', { 'content-type': type, 'content-encoding': 'gzip' });
        expect(a.status).toBe(415);
      }
      // The inflate error follows the answer: give it the moment it takes (a negative cannot be awaited).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', record);
    }
  });
});

describe('query APIs answer bad parameters with a 4xx and a reason', () => {
  const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '-1', '1e400', 'NaN', 'Infinity', '0x10', '2024-13-45T99:99:99Z', '9'.repeat(30), '1h', '-5m', '99999999999h', '[]', '{', '{"a":1}', 'null'));
  const promql = fc.oneof(mutatedText(fc.constantFrom('sum by (job) (rate(up[5m]))', 'up{job=~"a|b"} offset 5m', 'histogram_quantile(0.9, x_bucket)', 'topk(3, up)')), fc.string({ maxLength: 40 }));
  const request = fc.oneof(
    fc.tuple(promql, junk).map(([q, t]) => `/prometheus/api/v1/query?query=${encodeURIComponent(q)}&time=${encodeURIComponent(t)}`),
    fc.tuple(promql, junk, junk, junk).map(([q, s, e, st]) => `/prometheus/api/v1/query_range?query=${encodeURIComponent(q)}&start=${encodeURIComponent(s)}&end=${encodeURIComponent(e)}&step=${encodeURIComponent(st)}`),
    fc.tuple(junk, junk).map(([m, s]) => `/prometheus/api/v1/series?match[]=${encodeURIComponent(m)}&start=${encodeURIComponent(s)}`),
    junk.map((m) => `/prometheus/api/v1/label/${encodeURIComponent(m || 'x')}/values`),
    fc.tuple(junk, junk, junk, junk).map(([s, t, d, l]) => `/api/traces?service=${encodeURIComponent(s)}&tags=${encodeURIComponent(t)}&minDuration=${encodeURIComponent(d)}&limit=${encodeURIComponent(l)}`),
    junk.map((id) => `/api/traces/${encodeURIComponent(id || 'x')}`),
    fc.tuple(junk, junk).map(([e, l]) => `/api/dependencies?endTs=${encodeURIComponent(e)}&lookback=${encodeURIComponent(l)}`),
    fc.tuple(junk, junk, junk, junk, fc.constantFrom('start', 'end', 'lookback')).map(([q, s, l, c, t]) => `/braid/v1/logs?q=${encodeURIComponent(q)}&${t}=${encodeURIComponent(s)}&limit=${encodeURIComponent(l)}&cursor=${encodeURIComponent(c)}`),
    fc.tuple(junk, junk, junk, fc.constantFrom('start', 'end', 'lookback')).map(([m, l, s, t]) => `/braid/v1/samples?metric=${encodeURIComponent(m)}&label=${encodeURIComponent(l)}&${t}=${encodeURIComponent(s)}`),
    junk.map((id) => `/braid/v1/traces/${encodeURIComponent(id || 'x')}`),
  );

  it('Prometheus, Jaeger and Braid APIs', async () => {
    const n = runs(300);
    await fc.assert(fc.asyncProperty(request, async (path) => {
      const [a, ms] = await timed(() => get(`${braid.addresses.query}${path}`));
      // A trace that is not there is 404 with the API's own error shape.
      check(queryHttp, `GET ${path}`, a, ms, /error|not found|BRAID_ERR/i);
    }), params(n));
  }, timeoutFor(runs(300), 100));
});

describe('after the fuzzing', () => {
  it('the process is up and ready, and what was accepted before is still there, unchanged', async () => {
    expect((await fetch(`${braid.addresses.admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${braid.addresses.admin}/readyz`)).status).toBe(200);
    expect(await knownSpans()).toBe(known.spans);
    expect(await knownLogs()).toBe(1);
  });
});
