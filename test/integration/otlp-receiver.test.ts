/**
 * The OTLP trace receiver with real clients: the OTel JS SDK's OTLP/HTTP protobuf, OTLP/HTTP JSON
 * and OTLP/gRPC exporters, plus protocol edge cases (gzip, partial success, size limits, bad
 * bodies, backpressure), all against Braid's embedded mode.
 */
import { gzipSync } from 'node:zlib';
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { SpanStatusCode, context, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';

interface JaegerBody {
  data: Array<{ spans: Array<{ spanID: string; operationName: string; duration: number; references: Array<{ spanID: string }>; tags: Array<{ key: string; type: string; value: unknown }>; processID: string; logs: Array<{ fields: Array<{ key: string; value: unknown }> }> }>; processes: Record<string, { serviceName: string }> }>;
}

/** Emits a parent with a child through `exporter`; returns the trace ID. */
async function emitTrace(exporter: SpanExporter, service: string): Promise<string> {
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer: Tracer = provider.getTracer('interop-test', '0.0.1');
  let traceId = '';
  tracer.startActiveSpan('parent-op', { attributes: { 'http.route': '/cart', 'retry.count': 3, ratio: 0.25, cached: false } }, (parent) => {
    traceId = parent.spanContext().traceId;
    // BasicTracerProvider registers no context manager, so the parent is passed explicitly.
    const child = tracer.startSpan('child-op', {}, trace.setSpan(context.active(), parent));
    child.addEvent('cache miss', { key: 'user:42' });
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
    parent.end();
  });
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe('OTLP trace receiver (embedded mode)', () => {
  let braid: RunningBraid;
  beforeAll(async () => {
    const input = testConfig({ queue: { memory: { max_bytes: 64 * 1024 } }, limits: { max_attribute_value_length: 1024 * 1024 } }); // the 70 KiB attribute below tests the queue's bound, not the attribute limit
    braid = await startTestBraid({ ...input, receivers: { otlp: { http: { endpoint: '127.0.0.1:0', max_request_body_size_mib: 1 }, grpc: { endpoint: '127.0.0.1:0', max_recv_msg_size_mib: 1 } }, zipkin: { endpoint: '127.0.0.1:0' }, elasticsearch: { endpoint: '127.0.0.1:0' } } });
  });
  afterAll(async () => {
    await braid?.stop();
  });

  const getTrace = async (id: string) => {
    const res = await fetch(`${braid.addresses.query}/api/traces/${id}`);
    return res.status === 200 ? ((await res.json()) as JaegerBody) : undefined;
  };

  const exporters: Array<[string, () => SpanExporter]> = [
    ['OTLP/HTTP protobuf', () => new ProtoExporter({ url: `${braid.addresses.otlpHttp}/v1/traces` })],
    ['OTLP/HTTP JSON', () => new HttpJsonExporter({ url: `${braid.addresses.otlpHttp}/v1/traces` })],
    ['OTLP/gRPC', () => new GrpcExporter({ url: `http://${braid.addresses.otlpGrpc}` })],
  ];
  for (const [name, make] of exporters) {
    it(`accepts traces from the OTel SDK's ${name} exporter`, async () => {
      const traceId = await emitTrace(make(), `svc-${name}`);
      // SimpleSpanProcessor exports each span on its own (the child first): wait for both.
      const body = await eventually(async () => {
        const b = await getTrace(traceId);
        return b && (b.data[0]?.spans.length ?? 0) >= 2 ? b : undefined;
      }, 10_000, 'trace with both spans');
      const trace = body.data[0]!;
      const parent = trace.spans.find((s) => s.operationName === 'parent-op')!;
      const child = trace.spans.find((s) => s.operationName === 'child-op')!;
      expect(child.references.map((r) => r.spanID)).toEqual([parent.spanID]);
      expect(trace.processes[parent.processID]?.serviceName).toBe(`svc-${name}`);
      expect(parent.tags).toEqual(expect.arrayContaining([
        { key: 'http.route', type: 'string', value: '/cart' },
        { key: 'retry.count', type: 'int64', value: 3 },
        { key: 'ratio', type: 'float64', value: 0.25 },
        { key: 'cached', type: 'bool', value: false },
      ]));
      expect(child.tags).toContainEqual({ key: 'error', type: 'bool', value: true });
      expect(child.logs[0]?.fields).toEqual([{ key: 'event', type: 'string', value: 'cache miss' }, { key: 'key', type: 'string', value: 'user:42' }]);
      expect(parent.duration).toBeGreaterThanOrEqual(child.duration);
    });
  }

  const post = (body: Buffer | string, headers: Record<string, string>) => fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers, body });

  it('accepts a gzip body', async () => {
    const traceId = newTraceId();
    const res = await post(gzipSync(JSON.stringify(twoSpanTrace(traceId).body)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    await eventually(() => getTrace(traceId), 10_000, 'gzip trace');
  });

  it('treats an empty request as success', async () => {
    expect((await post('{}', { 'content-type': 'application/json' })).status).toBe(200);
    const res = await post(Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(200);
  });

  it('reports invalid spans as partial success and keeps the valid ones', async () => {
    const traceId = newTraceId();
    const t = twoSpanTrace(traceId);
    const spans = t.body.resourceSpans[0]!.scopeSpans[0]!.spans as Array<Record<string, unknown>>;
    spans.push({ ...spans[1], spanId: 'abc', name: 'bad' });
    const res = await post(JSON.stringify(t.body), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('1');
    expect(body.partialSuccess.errorMessage).toContain('resourceSpans[0].scopeSpans[0].spans[2].spanId');
    const trace = await eventually(() => getTrace(traceId), 10_000, 'partial trace');
    expect(trace.data[0]!.spans).toHaveLength(2);
  });

  it('answers a malformed body with 400 and a google.rpc.Status naming the problem', async () => {
    const res = await post('{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(3);
    expect(body.message).toMatch(/^BRAID_ERR_OTLP_DECODE: request body is not valid JSON/);
    const bad = await post(Buffer.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/x-protobuf');
  });

  it('refuses an unsupported content type with 415', async () => {
    const res = await post('x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toContain('BRAID_ERR_HTTP_CONTENT_TYPE');
  });

  it('answers an HTTP body over the limit with 413, gzip or not', async () => {
    const big = JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(2 * 1024 * 1024) });
    expect((await post(big, { 'content-type': 'application/json' })).status).toBe(413);
    const res = await post(gzipSync(big), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain('BRAID_ERR_HTTP_BODY_TOO_LARGE');
  });

  it('answers a gRPC message over the limit with RESOURCE_EXHAUSTED', async () => {
    const Client = makeGenericClientConstructor({}, 'TraceService');
    const client = new Client(braid.addresses.otlpGrpc!, credentials.createInsecure());
    const err = await new Promise<ServiceError>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(2 * 1024 * 1024, 0), new Metadata(), (e) => resolve(e!)),
    );
    expect(err.code).toBe(8);
    client.close();
  });

  it('answers a request larger than the whole in-process queue with 413, not a retryable code', async () => {
    const t = twoSpanTrace(newTraceId());
    (t.body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes as unknown[]).push({ key: 'pad', value: { stringValue: 'y'.repeat(70 * 1024) } });
    const res = await post(JSON.stringify(t.body), { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(((await res.json()) as { message: string }).message).toContain('can never fit the in-process queue (queue.memory.max_bytes = 65536)');
    const ok = await post(JSON.stringify(twoSpanTrace(newTraceId()).body), { 'content-type': 'application/json' });
    expect(ok.status).toBe(200);
  });
});
