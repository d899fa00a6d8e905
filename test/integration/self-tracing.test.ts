/**
 * Braid's own tracing: when switched on it exports one span per ingested batch
 * through @opentelemetry/exporter-trace-otlp-grpc, here into a second Braid's OTLP/gRPC receiver.
 */
import { describe, expect, it } from 'vitest';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';

const post = (url: string, body: unknown) => fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const grpcSpans = async (admin: string) => Number(/braid_receiver_accepted_spans_total\{transport="grpc"\} (\d+)/.exec(await (await fetch(`${admin}/metrics`)).text())?.[1] ?? 0);

describe('self-tracing', () => {
  it('exports ingest-batch spans over OTLP/gRPC when enabled', async () => {
    const sink = await startTestBraid(testConfig());

    const input = testConfig();
    const traced = await startTestBraid({ ...input, telemetry: { ...input.telemetry, tracing: { enabled: true, endpoint: `http://${sink.addresses.otlpGrpc}` } } });
    const id = newTraceId();
    expect((await post(traced.addresses.otlpHttp!, twoSpanTrace(id).body)).status).toBe(200);
    await eventually(async () => ((await fetch(`${traced.addresses.query}/api/traces/${id}`)).status === 200 ? true : undefined));
    await traced.stop(); // flushes the SDK's batch processor
    const n = await eventually(async () => ((await grpcSpans(sink.addresses.admin)) > 0 ? grpcSpans(sink.addresses.admin) : undefined), 10_000, 'self-trace spans');
    // One span per batch, not per record: a single 2-span request yields a handful at most.
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(10);
    await sink.stop();
  });
});
