/**
 * The OTLP/gRPC receiver on node:http2 (docs/adr/0014-otlp-grpc-on-http2.md) with real clients:
 * the OTel JS gRPC exporter, @grpc/grpc-js's client and node:http2 for what those clients never
 * send. The queue is the in-process one; a gate in front of its send() holds exports in flight
 * (deadlines, cancels, close) or fails them as a full queue does.
 */
import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Settings } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { credentials, Metadata, makeGenericClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { ProtoReader } from '../../src/model/protobuf/reader.js';
import { createMemoryQueue } from '../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../src/queue/metrics.js';
import type { Queue } from '../../src/queue/queue.js';
import type { UnaryHandler } from '../../src/receivers/otlp/grpc-call.js';
import { startGrpcServer } from '../../src/receivers/otlp/grpc-server.js';
import { startOtlpGrpc, type OtlpGrpcServer } from '../../src/receivers/otlp/grpc.js';
import { createReceiverMetrics, type ReceiverMetrics } from '../../src/receivers/metrics.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { newTraceId, twoSpanTrace } from '../helpers/otlp.js';

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const request = () => Buffer.from(encodeTraceRequest(parseTraceRequestJson(twoSpanTrace(newTraceId()).body)));
const framed = (payload: Buffer, flag = 0) => {
  const head = Buffer.alloc(5);
  head[0] = flag;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

/** The memory queue behind a gate: `hold()` keeps sends waiting until `release()`; `failNext` refuses them. */
function gatedQueue(inner: Queue) {
  let gate: Promise<void> | undefined;
  let open = () => {};
  let failure: BraidError | undefined;
  let waiting = 0;
  const queue: Queue = {
    ...inner,
    async send(kind, records) {
      if (failure) throw failure;
      waiting++;
      try {
        if (gate) await gate;
      } finally {
        waiting--;
      }
      return inner.send(kind, records);
    },
  };
  return {
    queue,
    waiting: () => waiting,
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => {
      gate = undefined;
      open();
    },
    fail: (e: BraidError | undefined) => void (failure = e),
  };
}

/** Decodes google.rpc.Status {code, message, details[Any{type_url, value}]} and RetryInfo's seconds. */
function decodeStatus(bytes: Buffer): { code: number; message: string; retrySeconds?: number } {
  const r = new ProtoReader(bytes);
  const out: { code: number; message: string; retrySeconds?: number } = { code: 0, message: '' };
  while (r.pos < r.limit) {
    const tag = r.tag();
    if (tag === 8) out.code = r.uint32();
    else if (tag === 18) out.message = r.string();
    else if (tag === 26) {
      const any = new ProtoReader(r.bytes());
      let type = '';
      let value: Uint8Array = new Uint8Array();
      while (any.pos < any.limit) {
        const t = any.tag();
        if (t === 10) type = any.string();
        else value = any.bytes();
      }
      if (type === 'type.googleapis.com/google.rpc.RetryInfo') {
        const info = new ProtoReader(value);
        info.tag(); // retry_delay (1, LEN)
        const duration = new ProtoReader(info.bytes());
        duration.tag(); // seconds (1, VARINT)
        out.retrySeconds = duration.uint32();
      }
    } else r.skip(tag);
  }
  return out;
}

interface RawAnswer {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
  rstCode?: number;
}

/** One request over node:http2, written as `chunks` (each its own DATA frame); the last one ends the stream unless `keepOpen`. */
function raw(session: ClientHttp2Session, headers: OutgoingHttpHeaders, chunks: Buffer[], keepOpen = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': TRACES, 'content-type': 'application/grpc', te: 'trailers', ...headers }, { endStream: chunks.length === 0 && !keepOpen });
    const answer: RawAnswer = { headers: {}, trailers: {}, body: Buffer.alloc(0) };
    const body: Buffer[] = [];
    req.on('response', (h) => (answer.headers = h));
    req.on('trailers', (t) => (answer.trailers = t));
    req.on('data', (d: Buffer) => body.push(d));
    req.on('error', reject);
    req.on('close', () => resolve({ ...answer, body: Buffer.concat(body), rstCode: req.rstCode }));
    chunks.forEach((c, i) => (i === chunks.length - 1 && !keepOpen ? req.end(c) : req.write(c)));
  });
}

describe('OTLP/gRPC receiver on node:http2', () => {
  let server: OtlpGrpcServer;
  let gated: ReturnType<typeof gatedQueue>;
  let metrics: ReceiverMetrics;
  let client: Client;
  let address: string;
  const clients: Array<{ close(): void }> = [];

  const counter = async (c: ReceiverMetrics[keyof ReceiverMetrics], labels: Record<string, string>) =>
    (await c.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x)).reduce((n, v) => n + v.value, 0);
  const accepted = () => counter(metrics.acceptedSpans, { transport: 'grpc' });
  const refused = (code: string) => counter(metrics.refusedRequests, { transport: 'grpc', code });

  /** A unary call through grpc-js; resolves with its error (null on OK). */
  const call = (path: string, body: Buffer, options: { deadlineMs?: number; on?: Client } = {}) =>
    new Promise<ServiceError | null>((resolve) => {
      const c = options.on ?? client;
      const callOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
      c.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, body, new Metadata(), callOptions, (err) => resolve(err ?? null));
    });
  const newClient = (options: Record<string, unknown> = {}) => {
    const Ctor = makeGenericClientConstructor({}, 'TraceService');
    const c = new Ctor(address, credentials.createInsecure(), options);
    clients.push(c);
    return c;
  };
  const h2 = () => {
    const s = connect(`http://${address}`);
    s.on('error', () => {});
    clients.push({ close: () => s.destroy() });
    return s;
  };

  beforeAll(async () => {
    const registry = new Registry();
    const log = createLogger('warn');
    const inner = createMemoryQueue({ partitions: 2, max_bytes: 16 * 1024 * 1024, topicPrefix: 'grpc-test.' }, createQueueMetrics(registry), log);
    await inner.consume('test', ['spans', 'logs', 'metrics'], async () => {});
    gated = gatedQueue(inner);
    metrics = createReceiverMetrics(registry);
    server = await startOtlpGrpc({ host: '127.0.0.1', port: 0, maxRecvMsgSizeMiB: 1 }, { queue: gated.queue, metrics, log });
    address = `127.0.0.1:${server.port}`;
    client = newClient();
  });
  afterEach(() => {
    gated.release();
    gated.fail(undefined);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
  });

  it("accepts the OTel SDK's gRPC exporter with gzip, and grpc-js calls compressed with gzip or deflate", async () => {
    const before = await accepted();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-gzip' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${address}`, compression: CompressionAlgorithm.GZIP }))],
    });
    provider.getTracer('t').startSpan('gzip-span').end();
    await provider.forceFlush();
    await provider.shutdown();
    expect(await accepted()).toBe(before + 1);
    // grpc-js: 1 = deflate, 2 = gzip (compression-algorithms.ts).
    for (const algorithm of [1, 2]) expect(await call(TRACES, request(), { on: newClient({ 'grpc.default_compression_algorithm': algorithm }) })).toBeNull();
    expect(await accepted()).toBe(before + 5);
  });

  it('reassembles a message sent in many small DATA frames and answers with headers, an empty message and trailers', async () => {
    const s = h2();
    const settings = await new Promise<Settings>((resolve) => s.once('remoteSettings', resolve));
    expect(settings).toMatchObject({ maxConcurrentStreams: 1024, initialWindowSize: 1024 * 1024, maxFrameSize: 256 * 1024 });
    // node:http2 answers PINGs (keepalive of Go and Java clients) by itself.
    await new Promise<void>((resolve, reject) => s.ping((err) => (err ? reject(err) : resolve())));
    const body = framed(request());
    const chunks = Array.from({ length: Math.ceil(body.length / 7) }, (_, i) => body.subarray(i * 7, i * 7 + 7));
    const a = await raw(s, {}, chunks);
    expect(a.headers[':status']).toBe(200);
    expect(a.headers['content-type']).toBe('application/grpc');
    expect(a.headers['grpc-accept-encoding']).toBe('identity,gzip,deflate');
    expect(a.headers.date).toBeUndefined();
    expect(a.body).toEqual(Buffer.from([0, 0, 0, 0, 0]));
    expect(a.trailers['grpc-status']).toBe('0');
  });

  it('answers a message over max_recv_msg_size_mib with RESOURCE_EXHAUSTED, compressed or not, and resets the rest', async () => {
    const err = await call(TRACES, Buffer.alloc(2 * 1024 * 1024));
    expect(err?.code).toBe(8);
    expect(err?.details).toBe('BRAID_ERR_GRPC_MESSAGE_TOO_LARGE: received message larger than max (2097152 vs. 1048576)');
    const bomb = await raw(h2(), { 'grpc-encoding': 'gzip' }, [framed(gzipSync(Buffer.alloc(3 * 1024 * 1024)), 1)]);
    expect(bomb.headers['grpc-status']).toBe('8');
    expect(decodeURIComponent(String(bomb.headers['grpc-message']))).toContain('after decompression larger than max (1048576 bytes)');
    // Only the 5-byte prefix is sent; the answer comes without waiting for the 4 MiB announced.
    const early = await raw(h2(), {}, [Buffer.from([0, 0, 0x40, 0, 0])], true);
    expect(early.headers['grpc-status']).toBe('8');
    expect(early.rstCode).toBe(0);
    expect(await refused('BRAID_ERR_GRPC_MESSAGE_TOO_LARGE')).toBe(3);
  });

  it('answers unknown services and methods with UNIMPLEMENTED', async () => {
    const service = await call('/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', request());
    expect([service?.code, service?.details]).toEqual([12, 'BRAID_ERR_GRPC_UNIMPLEMENTED: unknown service opentelemetry.proto.collector.profiles.v1development.ProfilesService']);
    const method = await call('/opentelemetry.proto.collector.trace.v1.TraceService/Import', request());
    expect([method?.code, method?.details]).toEqual([12, 'BRAID_ERR_GRPC_UNIMPLEMENTED: unknown method Import for service opentelemetry.proto.collector.trace.v1.TraceService']);
  });

  it('refuses what is not a gRPC call: 415 for another content type, 405 for GET, 505 for HTTP/1.1', async () => {
    const s = h2();
    const json = await raw(s, { 'content-type': 'application/json' }, [Buffer.from('{}')]);
    expect(json.headers[':status']).toBe(415);
    expect(json.headers['grpc-status']).toBeUndefined();
    const get = await raw(s, { ':method': 'GET' }, []);
    expect([get.headers[':status'], get.headers.allow]).toEqual([405, 'POST']);
    const http1 = await fetch(`http://${address}${TRACES}`, { method: 'POST', body: 'x' });
    expect(http1.status).toBe(505);
    expect(await http1.text()).toContain('speaks gRPC (HTTP/2');
    // The same connection still serves gRPC after the refusals.
    expect((await raw(s, {}, [framed(request())])).trailers['grpc-status']).toBe('0');
  });

  it('answers zero or two messages with INTERNAL, an unknown grpc-encoding with UNIMPLEMENTED and what it takes', async () => {
    const s = h2();
    const none = await raw(s, {}, []);
    expect([none.headers['grpc-status'], none.headers['grpc-message']]).toEqual(['13', 'BRAID_ERR_GRPC_PROTOCOL: cardinality violation: received no request message for a unary method']);
    const two = await raw(s, {}, [Buffer.concat([framed(request()), framed(request())])]);
    expect(two.headers['grpc-status']).toBe('13');
    expect(two.headers['grpc-message']).toContain('more than one request message');
    const br = await raw(s, { 'grpc-encoding': 'br' }, [framed(request(), 1)]);
    expect([br.headers['grpc-status'], br.headers['grpc-accept-encoding']]).toEqual(['12', 'identity,gzip,deflate']);
    const flagWithoutEncoding = await raw(s, {}, [framed(request(), 1)]);
    expect(flagWithoutEncoding.headers['grpc-status']).toBe('13');
  });

  it('answers DEADLINE_EXCEEDED when the export outlasts grpc-timeout; the records still land', async () => {
    gated.hold();
    const before = await accepted();
    const err = await call(TRACES, request(), { deadlineMs: 300 });
    expect(err?.code).toBe(4);
    // The client's own timer and the server's race; the server's answer names the code when it wins.
    const s = h2();
    const a = await raw(s, { 'grpc-timeout': '200m' }, [framed(request())]);
    expect([a.headers['grpc-status'], decodeURIComponent(String(a.headers['grpc-message']))]).toEqual(['4', 'BRAID_ERR_GRPC_DEADLINE: deadline of 200m exceeded before the export finished; its records may still be queued']);
    expect(await raw(s, { 'grpc-timeout': 'soon' }, [framed(request())])).toMatchObject({ headers: { 'grpc-status': '13' } });
    gated.release();
    await expect.poll(accepted).toBe(before + 4);
  });

  it('answers a full queue with UNAVAILABLE and a RetryInfo the client reads', async () => {
    gated.fail(new BraidError('BRAID_ERR_QUEUE_FULL', 'in-process queue is full', { retryAfterSeconds: 3 }));
    const err = await call(TRACES, request());
    expect(err?.code).toBe(14);
    const details = decodeStatus(err!.metadata.get('grpc-status-details-bin')[0] as Buffer);
    expect(details).toEqual({ code: 14, message: 'BRAID_ERR_QUEUE_FULL: in-process queue is full', retrySeconds: 3 });
    expect(await refused('BRAID_ERR_QUEUE_FULL')).toBe(1);
  });

  it('survives clients that cancel or vanish mid-call, and counts them', async () => {
    gated.hold();
    const before = await refused('BRAID_ERR_GRPC_CANCELLED');
    const c = newClient();
    const pending = c.makeUnaryRequest(TRACES, (b: Buffer) => b, (b: Buffer) => b, request(), new Metadata(), () => {});
    await expect.poll(() => gated.waiting()).toBe(1);
    pending.cancel();
    // Half a message, then the connection is gone.
    const s = h2();
    void raw(s, {}, [framed(request()).subarray(0, 20)], true).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    s.destroy();
    await expect.poll(() => refused('BRAID_ERR_GRPC_CANCELLED')).toBe(before + 2);
    gated.release();
    expect(await call(TRACES, request())).toBeNull();
  });

  it('serves many concurrent calls on one connection', async () => {
    const before = await accepted();
    const one = newClient();
    const errors = await Promise.all(Array.from({ length: 300 }, () => call(TRACES, request(), { on: one })));
    expect(errors.filter((e) => e !== null)).toEqual([]);
    expect(await accepted()).toBe(before + 600);
  });
});

describe('closing the OTLP/gRPC receiver', () => {
  it('sends GOAWAY, finishes the calls in flight, then refuses new connections', async () => {
    const registry = new Registry();
    const log = createLogger('warn');
    const inner = createMemoryQueue({ partitions: 1, max_bytes: 1024 * 1024, topicPrefix: 'grpc-close.' }, createQueueMetrics(registry), log);
    await inner.consume('test', ['spans'], async () => {});
    const gated = gatedQueue(inner);
    const server = await startOtlpGrpc({ host: '127.0.0.1', port: 0, maxRecvMsgSizeMiB: 1 }, { queue: gated.queue, metrics: createReceiverMetrics(registry), log });
    const Ctor = makeGenericClientConstructor({}, 'TraceService');
    const client = new Ctor(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const idle = connect(`http://127.0.0.1:${server.port}`);
    idle.on('error', () => {});
    const goaway = new Promise<number>((resolve) => idle.once('goaway', (code: number) => resolve(code)));
    await new Promise((r) => idle.once('connect', r));
    gated.hold();
    const calls = Array.from({ length: 5 }, () => new Promise<ServiceError | null>((resolve) => client.makeUnaryRequest(TRACES, (b: Buffer) => b, (b: Buffer) => b, request(), new Metadata(), (e) => resolve(e ?? null))));
    await expect.poll(() => gated.waiting()).toBe(5);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    expect(await goaway).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    gated.release();
    expect(await Promise.all(calls)).toEqual([null, null, null, null, null]);
    await closing;
    const late = await fetch(`http://127.0.0.1:${server.port}/`).catch((e: Error) => e);
    expect(late).toBeInstanceOf(Error);
    client.close();
    idle.destroy();
  });

  it('drops the connections of calls that outlast the grace period', async () => {
    const never = new Promise<Uint8Array>(() => {});
    const routes = new Map<string, UnaryHandler>([[TRACES, () => never]]);
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, maxRecvMsgBytes: 1024, maxConcurrentStreams: 8, forceAfterMs: 300 }, routes, { refused: () => {}, log: createLogger('warn') });
    const Ctor = makeGenericClientConstructor({}, 'TraceService');
    const client = new Ctor(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const stuck = new Promise<ServiceError | null>((resolve) => client.makeUnaryRequest(TRACES, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(3), new Metadata(), (e) => resolve(e ?? null)));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await stuck)?.code).toBe(14);
    client.close();
  });

  it('answers UNAVAILABLE with RetryInfo while the requests still arriving hold more than the byte budget', async () => {
    const routes = new Map<string, UnaryHandler>([[TRACES, async () => new Uint8Array()]]);
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, maxRecvMsgBytes: 4096, maxConcurrentStreams: 8, forceAfterMs: 300, receivingBudgetBytes: 1000 }, routes, { refused: () => {}, log: createLogger('warn') });
    const s = connect(`http://127.0.0.1:${server.port}`);
    s.on('error', () => {});
    const message = framed(Buffer.alloc(700, 1));
    // 400 bytes of the first call arrive and stay held; the second call's 705 would pass the budget.
    const first = s.request({ ':method': 'POST', ':path': TRACES, 'content-type': 'application/grpc' });
    first.on('data', () => {});
    let firstAnswer: IncomingHttpHeaders = {};
    first.on('response', (h) => (firstAnswer = { ...firstAnswer, ...h }));
    first.on('trailers', (t) => (firstAnswer = { ...firstAnswer, ...t }));
    const firstClosed = new Promise((resolve) => first.on('close', resolve));
    first.write(message.subarray(0, 400));
    await new Promise((r) => setTimeout(r, 100));
    const busy = await raw(s, {}, [message]);
    expect(busy.headers['grpc-status']).toBe('14');
    expect(decodeStatus(Buffer.from(String(busy.headers['grpc-status-details-bin']), 'base64'))).toMatchObject({ code: 14, retrySeconds: 1 });
    // Once the first message is complete its bytes go back to the budget: a call of the same size passes.
    first.end(message.subarray(400));
    await firstClosed;
    expect(firstAnswer['grpc-status']).toBe('0');
    expect((await raw(s, {}, [message])).trailers['grpc-status']).toBe('0');
    s.destroy();
    await server.close();
  });

  it('percent-encodes grpc-message so clients read the text back', async () => {
    const routes = new Map<string, UnaryHandler>([[TRACES, () => Promise.reject(new BraidError('BRAID_ERR_OTLP_INVALID', 'naïve span: 100% wrong\nsecond line'))]]);
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, maxRecvMsgBytes: 1024, maxConcurrentStreams: 8, forceAfterMs: 300 }, routes, { refused: () => {}, log: createLogger('warn') });
    const Ctor = makeGenericClientConstructor({}, 'TraceService');
    const client = new Ctor(`127.0.0.1:${server.port}`, credentials.createInsecure());
    const err = await new Promise<ServiceError | null>((resolve) => client.makeUnaryRequest(TRACES, (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(3), new Metadata(), (e) => resolve(e ?? null)));
    expect([err?.code, err?.details]).toEqual([3, 'BRAID_ERR_OTLP_INVALID: naïve span: 100% wrong\nsecond line']);
    client.close();
    await server.close();
  });
});
