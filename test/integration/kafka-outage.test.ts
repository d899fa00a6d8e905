/**
 * Backpressure while Kafka is stopped: receivers answer with the retryable codes (HTTP 503 with
 * Retry-After, gRPC UNAVAILABLE with RetryInfo), count it, and once Kafka is back every span of
 * every retried request is delivered. Uses a Kafka of its own, so stopping it disturbs no other test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownKafka, type OwnKafka } from '../../scripts/infra/index.js';
import type { RunningBraid } from '../../src/main.js';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { freePortPair } from '../helpers/process.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

describe('backpressure while Kafka is stopped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-outage-'));
  let kafka: OwnKafka;
  let braid: RunningBraid;

  beforeAll(async () => {
    // The broker's port and, next to it, the controller's.
    kafka = ownKafka({ port: await freePortPair(), dir, log: () => undefined });
    await kafka.start();
    const prefix = uniqueName('outage');
    braid = await startTestBraid(
      testConfig({ queue: { kafka: { brokers: [kafka.brokers], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 2, produce_timeout_ms: 3_000 } } }),
    );
  }, 180_000);
  afterAll(async () => {
    await braid?.stop();
    await kafka?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const postHttp = (body: unknown) => fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  function exportGrpc(body: unknown): Promise<ServiceError | null> {
    const Client = makeGenericClientConstructor({}, 'TraceService');
    const client = new Client(braid.addresses.otlpGrpc!, credentials.createInsecure());
    const bytes = Buffer.from(encodeTraceRequest(parseTraceRequestJson(body)));
    return new Promise((resolve) =>
      client.makeUnaryRequest(EXPORT, (b: Buffer) => b, (b: Buffer) => b, bytes, new Metadata(), (err) => {
        client.close();
        resolve(err ?? null);
      }),
    );
  }

  const spanCount = async (traceId: string) => {
    const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
    return res.status === 200 ? ((await res.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length : undefined;
  };

  it('answers 503 / UNAVAILABLE with retry hints while Kafka is down, and delivers every span once it is back', async () => {
    const before = newTraceId();
    expect((await postHttp(twoSpanTrace(before).body)).status).toBe(200);
    expect(await eventually(() => spanCount(before), 30_000, 'the first trace')).toBe(2);

    await kafka.stop();

    const viaHttp = newTraceId();
    const res = await postHttp(twoSpanTrace(viaHttp).body);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { message: string }).message).toContain('BRAID_ERR_QUEUE_UNAVAILABLE');

    const viaGrpc = newTraceId();
    const err = await exportGrpc(twoSpanTrace(viaGrpc).body);
    expect(err?.code).toBe(14); // UNAVAILABLE
    const details = err?.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined;
    expect(details?.toString('latin1')).toContain('type.googleapis.com/google.rpc.RetryInfo');

    expect((await fetch(`${braid.addresses.admin}/readyz`)).status).toBe(503);
    const metrics = await (await fetch(`${braid.addresses.admin}/metrics`)).text();
    expect(metrics).toMatch(/braid_receiver_refused_requests_total\{transport="http\/json",code="BRAID_ERR_QUEUE_UNAVAILABLE"\} [1-9]/);
    expect(metrics).toMatch(/braid_receiver_refused_requests_total\{transport="grpc",code="BRAID_ERR_QUEUE_UNAVAILABLE"\} [1-9]/);

    await kafka.start();

    // The senders retry, as an OTLP exporter does on a retryable answer, until accepted.
    let httpOk = false;
    let grpcOk = false;
    for (let i = 0; i < 60 && !(httpOk && grpcOk); i++) {
      if (!httpOk) httpOk = (await postHttp(twoSpanTrace(viaHttp).body)).status === 200;
      if (!grpcOk) grpcOk = (await exportGrpc(twoSpanTrace(viaGrpc).body)) === null;
      if (!(httpOk && grpcOk)) await new Promise((r) => setTimeout(r, 1_000));
    }
    expect([httpOk, grpcOk]).toEqual([true, true]);
    expect(await eventually(() => spanCount(viaHttp), 60_000, 'the trace retried over HTTP')).toBe(2);
    expect(await eventually(() => spanCount(viaGrpc), 60_000, 'the trace retried over gRPC')).toBe(2);
    expect(await spanCount(before)).toBe(2);
    await eventually(async () => ((await fetch(`${braid.addresses.admin}/readyz`)).status === 200 ? true : undefined), 30_000, 'ready again');
  }, 240_000);
});
