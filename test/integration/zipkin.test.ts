/**
 * The Zipkin receiver with a real Zipkin client: zipkin-js (Tracer, BatchRecorder, and
 * zipkin-transport-http's HttpLogger sending JSON v2) to :9411 and to the OTLP/HTTP port, plus
 * hand-written Zipkin v2 JSON for the protocol edge cases (gzip, invalid spans, bad bodies, size
 * limits), all against Braid's embedded mode and read back through the Jaeger API.
 */
import type { EventEmitter } from 'node:events';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zipkin from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';

const { Annotation, BatchRecorder, ExplicitContext, InetAddress, Tracer, jsonEncoder } = zipkin;

interface JaegerTag {
  key: string;
  type: string;
  value: unknown;
}
interface JaegerSpan {
  spanID: string;
  operationName: string;
  startTime: number;
  duration: number;
  references: Array<{ refType: string; traceID: string; spanID: string }>;
  tags: JaegerTag[];
  logs: Array<{ timestamp: number; fields: JaegerTag[] }>;
  processID: string;
}
interface JaegerBody {
  data: Array<{ traceID: string; spans: JaegerSpan[]; processes: Record<string, { serviceName: string; tags: JaegerTag[] }> }>;
}

interface Reported {
  traceId: string;
  rootId: string;
  childId: string;
  startUs: number;
}

/**
 * Reports a SERVER span with a CLIENT child (remote endpoint, error tag, one annotation) through
 * zipkin-js to `endpoint`, with explicit timestamps so durations can be asserted exactly.
 */
async function reportWithZipkinJs(endpoint: string, service: string, traceId128Bit: boolean): Promise<Reported> {
  const logger = new HttpLogger({ endpoint, jsonEncoder: jsonEncoder.JSON_V2, httpInterval: 50 });
  // HttpLogger is an EventEmitter at run time; its typings leave that out.
  const events = logger as unknown as EventEmitter;
  const posted = new Promise<void>((resolve, reject) => {
    events.on('success', () => resolve());
    events.on('error', reject);
  });
  const tracer = new Tracer({ ctxImpl: new ExplicitContext(), recorder: new BatchRecorder({ logger }), localServiceName: service, traceId128Bit, supportsJoin: false });
  const t0 = (Date.now() - 1_000) * 1000;
  const root = tracer.createRootId();
  const child = tracer.createChildId(root);
  tracer.letId(root, () => {
    tracer.recordServiceName(service);
    tracer.recordRpc('GET /checkout');
    tracer.recordAnnotation(new Annotation.ServerRecv(), t0);
    tracer.recordAnnotation(new Annotation.LocalAddr({ host: new InetAddress('10.1.2.3'), port: 8080 }), t0);
    tracer.recordBinary('http.path', '/checkout');
    tracer.recordBinary('http.status_code', 200);
  });
  tracer.letId(child, () => {
    tracer.recordServiceName(service);
    tracer.recordRpc('SELECT orders');
    tracer.recordAnnotation(new Annotation.ClientSend(), t0 + 10_000);
    tracer.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'postgres', host: new InetAddress('10.9.8.7'), port: 5432 }), t0 + 10_000);
    tracer.recordAnnotation(new Annotation.Message('cache miss'), t0 + 20_000);
    tracer.recordBinary('error', 'deadlock detected');
    tracer.recordAnnotation(new Annotation.ClientRecv(), t0 + 110_500);
  });
  tracer.letId(root, () => tracer.recordAnnotation(new Annotation.ServerSend(), t0 + 250_000));
  await posted;
  return { traceId: root.traceId, rootId: root.spanId, childId: child.spanId, startUs: t0 };
}

/** A hand-written Zipkin v2 span (zipkin-api's Span) in service `service`. */
function zipkinSpan(traceId: string, id: string, extra: Record<string, unknown> = {}) {
  return { traceId, id, name: 'op', timestamp: (Date.now() - 1_000) * 1000, duration: 1_000, localEndpoint: { serviceName: 'svc' }, ...extra };
}

describe('Zipkin receiver (embedded mode)', () => {
  let braid: RunningBraid;
  beforeAll(async () => {
    const input = testConfig({ queue: { memory: { max_bytes: 256 * 1024 } }, limits: { max_attribute_value_length: 1024 * 1024 } }); // the 300 KiB tag below tests the queue's bound, not the attribute limit
    braid = await startTestBraid({ ...input, receivers: { ...input.receivers, zipkin: { endpoint: '127.0.0.1:0', max_request_body_size_mib: 1 } } });
  });
  afterAll(async () => {
    await braid?.stop();
  });

  const getTrace = async (id: string) => {
    const res = await fetch(`${braid.addresses.query}/api/traces/${id}`);
    return res.status === 200 ? ((await res.json()) as JaegerBody) : undefined;
  };
  /** The trace once it holds `spans` spans. */
  const traceWith = (id: string, spans: number) => eventually(async () => {
    const body = await getTrace(id);
    return body && body.data[0]!.spans.length >= spans ? body.data[0]! : undefined;
  }, 10_000, `trace ${id}`);
  const post = (body: Buffer | string, headers: Record<string, string> = { 'content-type': 'application/json' }, port: 'zipkin' | 'otlpHttp' = 'zipkin') =>
    fetch(`${braid.addresses[port]}/api/v2/spans`, { method: 'POST', headers, body });
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`${braid.addresses.admin}/metrics`)).text();
    return Number(text.split('\n').find((l) => line.test(l))?.split(' ').pop() ?? 0);
  };

  const clients: Array<[string, 'zipkin' | 'otlpHttp', boolean]> = [
    ['on :9411 with 64-bit trace IDs', 'zipkin', false],
    ['on the OTLP/HTTP port with 128-bit trace IDs', 'otlpHttp', true],
  ];
  for (const [name, port, traceId128Bit] of clients) {
    it(`accepts spans from zipkin-js's HTTP transport ${name}`, async () => {
      // zipkin-js lowercases service names too.
      const service = `zipkin-js-${port.toLowerCase()}`;
      const sent = await reportWithZipkinJs(`${braid.addresses[port]}/api/v2/spans`, service, traceId128Bit);
      expect(sent.traceId).toHaveLength(traceId128Bit ? 32 : 16);
      const traceId = sent.traceId.padStart(32, '0');
      const trace = await traceWith(traceId, 2);
      expect(trace.traceID).toBe(traceId);
      const root = trace.spans.find((s) => s.spanID === sent.rootId)!;
      const child = trace.spans.find((s) => s.spanID === sent.childId)!;
      // zipkin-js lowercases names, as Zipkin's model asks.
      expect(root.operationName).toBe('get /checkout');
      expect(child.operationName).toBe('select orders');
      expect(root.references).toEqual([]);
      expect(child.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: sent.rootId }]);
      expect(root.startTime).toBe(sent.startUs);
      expect(root.duration).toBe(250_000);
      expect(child.startTime - root.startTime).toBe(10_000);
      expect(child.duration).toBe(100_500);
      expect(trace.processes[root.processID]?.serviceName).toBe(service);
      expect(trace.processes[child.processID]?.serviceName).toBe(service);
      expect(root.tags).toEqual(expect.arrayContaining([
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'http.path', type: 'string', value: '/checkout' },
        { key: 'http.status_code', type: 'string', value: '200' },
        { key: 'net.host.ip', type: 'string', value: '10.1.2.3' },
        { key: 'net.host.port', type: 'int64', value: 8080 },
      ]));
      expect(root.tags.map((t) => t.key)).not.toContain('error');
      expect(child.tags).toEqual(expect.arrayContaining([
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'peer.service', type: 'string', value: 'postgres' },
        { key: 'net.peer.ip', type: 'string', value: '10.9.8.7' },
        { key: 'net.peer.port', type: 'int64', value: 5432 },
        { key: 'error', type: 'bool', value: true },
        { key: 'otel.status_code', type: 'string', value: 'ERROR' },
        { key: 'otel.status_description', type: 'string', value: 'deadlock detected' },
      ]));
      expect(child.logs).toEqual([{ timestamp: sent.startUs + 20_000, fields: [{ key: 'event', type: 'string', value: 'cache miss' }] }]);
    });
  }

  it('accepts a gzip body and maps PRODUCER / CONSUMER across two services', async () => {
    const traceId = newTraceId();
    const [producer, consumer] = [newSpanId(), newSpanId()];
    const body = JSON.stringify([
      zipkinSpan(traceId, producer, { name: 'send orders', kind: 'PRODUCER', localEndpoint: { serviceName: 'checkout' }, remoteEndpoint: { serviceName: 'kafka' }, tags: { 'messaging.system': 'kafka' } }),
      zipkinSpan(traceId, consumer, { parentId: producer, name: 'receive orders', kind: 'CONSUMER', localEndpoint: { serviceName: 'billing' }, tags: { 'otel.status_code': 'OK' } }),
    ]);
    const res = await post(gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(202);
    const trace = await traceWith(traceId, 2);
    const p = trace.spans.find((s) => s.spanID === producer)!;
    const c = trace.spans.find((s) => s.spanID === consumer)!;
    expect(trace.processes[p.processID]?.serviceName).toBe('checkout');
    expect(trace.processes[c.processID]?.serviceName).toBe('billing');
    expect(p.tags).toEqual(expect.arrayContaining([{ key: 'span.kind', type: 'string', value: 'producer' }, { key: 'peer.service', type: 'string', value: 'kafka' }, { key: 'messaging.system', type: 'string', value: 'kafka' }]));
    expect(c.tags).toEqual(expect.arrayContaining([{ key: 'span.kind', type: 'string', value: 'consumer' }, { key: 'otel.status_code', type: 'string', value: 'OK' }]));
    expect(c.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: producer }]);
  });

  it('takes a body without Content-Type as JSON', async () => {
    const traceId = newTraceId();
    // A Buffer body makes fetch send no Content-Type.
    const res = await post(Buffer.from(JSON.stringify([zipkinSpan(traceId, newSpanId())])), {});
    expect(res.status).toBe(202);
    await traceWith(traceId, 1);
  });

  it('refuses a request with an invalid span whole: 400 naming it, nothing queued', async () => {
    const accepted = () => metric(/^braid_receiver_accepted_spans_total\{transport="zipkin"\}/);
    const before = await accepted();
    const traceId = newTraceId();
    const res = await post(JSON.stringify([zipkinSpan(traceId, newSpanId()), zipkinSpan(traceId, newSpanId()), zipkinSpan(traceId, 'xyz')]));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe('BRAID_ERR_ZIPKIN_INVALID: 1 of 3 spans invalid, none accepted: [2].id: expected 16 hex characters, got "xyz"');
    expect(await accepted()).toBe(before);
    expect(await metric(/^braid_receiver_rejected_spans_total\{transport="zipkin"\}/)).toBeGreaterThanOrEqual(1);
    // A later valid trace arrives; the refused one never does.
    const later = newTraceId();
    expect((await post(JSON.stringify([zipkinSpan(later, newSpanId())]))).status).toBe(202);
    await traceWith(later, 1);
    expect(await getTrace(traceId)).toBeUndefined();
  });

  it('answers a malformed body with 400 and a text message', async () => {
    const notJson = await post('[{"traceId": ');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/^BRAID_ERR_ZIPKIN_DECODE: request body is not valid JSON/);
    const notArray = await post('{"spans": []}', { 'content-type': 'application/json' }, 'otlpHttp');
    expect(notArray.status).toBe(400);
    expect(await notArray.text()).toBe('BRAID_ERR_ZIPKIN_DECODE: request: expected a JSON array of spans, got an object');
    const badGzip = await post(Buffer.from('not gzip'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect(await badGzip.text()).toMatch(/^BRAID_ERR_ZIPKIN_DECODE: body is not valid gzip/);
  });

  it('accepts an empty list with 202', async () => {
    expect((await post('[]')).status).toBe(202);
  });

  it('refuses other content types with 415: Zipkin protobuf and thrift are not accepted', async () => {
    for (const type of ['application/x-protobuf', 'application/x-thrift', 'text/plain']) {
      const res = await post('x', { 'content-type': type });
      expect(res.status).toBe(415);
      expect(await res.text()).toMatch(/^BRAID_ERR_HTTP_CONTENT_TYPE: unsupported Content-Type.*: use application\/json$/);
    }
  });

  it('answers a body over the limit with 413, gzip or not', async () => {
    const big = JSON.stringify([zipkinSpan(newTraceId(), newSpanId(), { tags: { pad: 'x'.repeat(2 * 1024 * 1024) } })]);
    expect((await post(big)).status).toBe(413);
    const res = await post(gzipSync(big), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/^BRAID_ERR_HTTP_BODY_TOO_LARGE/);
  });

  it('passes queue errors on with their status: 413 for a trace larger than the whole queue', async () => {
    const res = await post(JSON.stringify([zipkinSpan(newTraceId(), newSpanId(), { tags: { pad: 'y'.repeat(300 * 1024) } })]));
    expect(res.status).toBe(413);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(await res.text()).toContain('can never fit the in-process queue (queue.memory.max_bytes = 262144)');
  });

  it('keeps the OTLP routes working beside the Zipkin route on the OTLP port', async () => {
    const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { message: string }).message).toContain('BRAID_ERR_HTTP_CONTENT_TYPE');
    expect((await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
  });
});
