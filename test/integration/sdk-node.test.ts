/**
 * A service instrumented with @opentelemetry/sdk-node (a child process, as a real application)
 * exports spans and logs through the OTLP/gRPC and the OTLP/HTTP protobuf exporters, and writes
 * JSON log lines that a shipper forwards as NDJSON. Through real Kafka and Elasticsearch, the
 * Jaeger API returns the trace with its parent/child references, durations in microseconds, tags
 * and service name, and `braid trace` shows each log line under the span that wrote it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually } from '../helpers/otlp.js';
import { spawnBraid } from '../helpers/process.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const service = fileURLToPath(new URL('../fixtures/service/otel-service.mjs', import.meta.url));

interface JaegerSpan {
  spanID: string;
  operationName: string;
  duration: number;
  references: Array<{ refType: string; spanID: string }>;
  tags: Array<{ key: string; type: string; value: unknown }>;
  processID: string;
}

function runService(env: Record<string, string>): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [service], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('exit', (code) => resolve({ stdout, code }));
  });
}

describe('a service instrumented with @opentelemetry/sdk-node (real Kafka, real Elasticsearch)', () => {
  let braid: RunningBraid;
  beforeAll(async () => {
    const prefix = uniqueName('sdk');
    braid = await startTestBraid(
      testConfig({
        queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
        storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
      }),
    );
  });
  afterAll(async () => {
    await braid?.stop();
  });

  for (const protocol of ['grpc', 'http/protobuf']) {
    it(`exports spans and logs over ${protocol}; the trace and each span's logs come back`, async () => {
      const name = `orders-${protocol.replace('/', '-')}`;
      const run = await runService({ BRAID_TEST_PROTOCOL: protocol, BRAID_TEST_SERVICE: name, BRAID_TEST_GRPC: `http://${braid.addresses.otlpGrpc}`, BRAID_TEST_HTTP: braid.addresses.otlpHttp! });
      expect(run.code, run.stdout).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      const [, traceId, rootId, childId] = lines.at(-1)!.split(' ');
      // The shipper's part: the service's JSON log lines, forwarded as NDJSON.
      const shipped = await fetch(`${braid.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.filter((l) => l.startsWith('{')).join('\n') });
      expect(shipped.status).toBe(200);
      expect(await shipped.json()).toEqual({});

      const body = await eventually(async () => {
        const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
        const b = res.status === 200 ? ((await res.json()) as { data: Array<{ spans: JaegerSpan[]; processes: Record<string, { serviceName: string }> }> }) : undefined;
        return b?.data[0]?.spans.length === 2 ? b : undefined;
      }, 30_000, 'the trace');
      const t = body.data[0]!;
      const root = t.spans.find((s) => s.spanID === rootId)!;
      const child = t.spans.find((s) => s.spanID === childId)!;
      expect(root.operationName).toBe('POST /orders');
      expect(root.references).toEqual([]);
      expect(child.references).toEqual([{ refType: 'CHILD_OF', traceID: traceId, spanID: rootId }]);
      expect([root.duration, child.duration]).toEqual([250_000, 100_500]);
      expect(root.tags).toEqual(expect.arrayContaining([
        { key: 'http.request.method', type: 'string', value: 'POST' },
        { key: 'http.response.status_code', type: 'int64', value: 201 },
        { key: 'span.kind', type: 'string', value: 'server' },
      ]));
      expect(child.tags).toEqual(expect.arrayContaining([{ key: 'db.rows', type: 'int64', value: 1 }, { key: 'db.cached', type: 'bool', value: false }, { key: 'span.kind', type: 'string', value: 'client' }]));
      expect(t.processes[root.processID]?.serviceName).toBe(name);

      await eventually(async () => {
        const v = (await (await fetch(`${braid.addresses.query}/braid/v1/traces/${traceId}`)).json()) as { summary: { 'log.count'?: number } | null };
        return v.summary?.['log.count'] === 4 ? true : undefined;
      }, 30_000, 'four logs in the summary');
      const cli = spawnBraid(['trace', traceId!, '--url', braid.addresses.query!]);
      expect((await cli.exited).code, cli.output()).toBe(0);
      const out = cli.output().trimEnd().split('\n');
      const at = (text: string) => out.findIndex((l) => l.includes(text));
      expect(out[0]).toBe(`trace ${traceId}  2 spans, 4 logs`);
      expect(at(`${name}: POST /orders  250.0ms`)).toBe(1);
      expect([at('order received'), at('validating order')].sort()).toEqual([2, 3]);
      expect(at(`${name}: INSERT orders  100.5ms  (+10.0ms)`)).toBe(4);
      expect([at('slow insert'), at('constraint violated, retrying')].sort()).toEqual([5, 6]);
      expect(out[at('constraint violated')]).toMatch(/ERROR constraint violated, retrying  \(\+60\.0ms\) ✗/);
    });
  }
});
