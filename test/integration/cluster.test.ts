/**
 * `braid serve` with two workers (cluster.workers: 2) as collector + ingester on the real Kafka and
 * Elasticsearch, from the CLI in a child process: requests over fresh OTLP/HTTP and OTLP/gRPC
 * connections spread over both workers and all reach Elasticsearch; the primary's /metrics
 * merges the accepted-span counters; a SIGKILLed worker comes back and no acknowledged span is
 * lost; SIGTERM drains both and leaves no process behind.
 */
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as EsClient } from '@elastic/elasticsearch';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { encodeTraceRequest } from '../../src/model/otlp/trace-proto.js';
import { parseTraceRequestJson } from '../../src/model/otlp/trace-json.js';
import { uniqueName } from '../helpers/braid.js';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { freePort, spawnBraid } from '../helpers/process.js';

const EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const GrpcClient = makeGenericClientConstructor({ Export: { path: EXPORT, requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } }, 'TraceService');

/**
 * One OTLP/HTTP export on a connection of its own (no keep-alive: the cluster spreads connections,
 * not requests). `body` is what a retry sends again: an exporter retries the very same spans.
 */
function postHttp(port: number, traceId: string, body = JSON.stringify(twoSpanTrace(traceId).body)): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** One OTLP/gRPC export on a channel of its own; resolves the gRPC status code (0 = OK). */
function exportGrpc(port: number, traceId: string): Promise<number> {
  const client = new GrpcClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const payload = Buffer.from(encodeTraceRequest(parseTraceRequestJson(twoSpanTrace(traceId).body)));
  return new Promise<number>((resolve) => {
    (client as unknown as { Export: (b: Buffer, o: object, cb: (err: { code: number } | null) => void) => void }).Export(payload, { deadline: Date.now() + 10_000 }, (err) => resolve(err ? err.code : 0));
  }).finally(() => client.close());
}

interface Health {
  status: string;
  workers: Record<string, { pid?: number; status: string }>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The sum of a counter's samples in Prometheus text. */
function sumOf(text: string, name: string): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('braid serve with cluster.workers: 2 (collector + ingester, Kafka + Elasticsearch)', () => {
  const prefix = uniqueName('cluster');
  const es = new EsClient({ node: inject('elasticsearchUrl') });
  let run: ReturnType<typeof spawnBraid> | undefined;
  afterAll(async () => {
    if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
    // Elasticsearch 8 refuses wildcard deletes (action.destructive_requires_name): name each index.
    const indices = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
    if (indices.length > 0) await es.indices.delete({ index: indices.map((i) => i.index).join(',') });
    await es.close();
  });

  it('spreads, merges metrics, restarts a killed worker without losing acknowledged spans, and drains on SIGTERM', async () => {
    const [http, grpc, admin] = await Promise.all([freePort(), freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), 'braid-cluster-'));
    const configFile = join(dir, 'braid.yaml');
    writeFileSync(
      configFile,
      [
        'target: collector,ingester',
        'cluster: { workers: 2 }',
        'receivers:',
        `  otlp: { http: { endpoint: "127.0.0.1:${http}" }, grpc: { endpoint: "127.0.0.1:${grpc}" } }`,
        '  zipkin: { enabled: false }',
        '  elasticsearch: { enabled: false }',
        '  prometheus: { enabled: false }',
        `admin: { endpoint: "127.0.0.1:${admin}" }`,
        `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}", partitions: 4 } }`,
        `storage: { elasticsearch: { index_prefix: "${prefix}" } }`,
        'telemetry: { log_level: info }',
        'shutdown_timeout_seconds: 20',
      ].join('\n'),
    );
    run = spawnBraid(['serve', '--config', configFile], { BRAID_KAFKA_BROKERS: inject('kafkaBrokers'), BRAID_ELASTICSEARCH_URL: inject('elasticsearchUrl') });
    const adminUrl = `http://127.0.0.1:${admin}`;
    const health = async () => (await (await fetch(`${adminUrl}/healthz`)).json()) as Health;
    const ready = async () => ((await fetch(`${adminUrl}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined);
    await eventually(ready, 120_000, 'both workers ready');
    const first = await health();
    const pids = [1, 2].map((slot) => first.workers[String(slot)]?.pid as number);
    expect(pids.every((p) => typeof p === 'number' && p !== run?.child.pid)).toBe(true);

    // 1. Fresh connections over both protocols: the primary hands them to the workers in turn.
    const acked: string[] = [];
    for (let i = 0; i < 24; i++) {
      const traceId = newTraceId();
      const ok = i % 2 === 0 ? (await postHttp(http, traceId)) === 200 : (await exportGrpc(grpc, traceId)) === 0;
      if (ok) acked.push(traceId);
    }
    expect(acked.length).toBe(24);
    const perWorker = await Promise.all([1, 2].map(async (w) => sumOf(await (await fetch(`${adminUrl}/metrics?worker=${w}`)).text(), 'braid_receiver_accepted_spans_total')));
    const merged = await (await fetch(`${adminUrl}/metrics`)).text();
    expect(perWorker.every((n) => n > 0), `accepted spans per worker: ${perWorker.join(', ')}`).toBe(true);
    expect(sumOf(merged, 'braid_receiver_accepted_spans_total')).toBe(acked.length * 2);
    expect(perWorker[0]! + perWorker[1]!).toBe(acked.length * 2);
    expect(merged).toContain('braid_cluster_workers{state="running"} 2');

    // 2. A worker dies under load: senders retry what was not acknowledged, as OTLP exporters do.
    let loading = true;
    const sender = async () => {
      while (loading) {
        const traceId = newTraceId();
        // The same spans on every attempt, as an OTLP exporter retries: a request whose answer was
        // lost after Kafka's ack (the worker killed) is stored once, not once per attempt.
        const body = JSON.stringify(twoSpanTrace(traceId).body);
        for (let attempt = 0; attempt < 20 && loading; attempt++) {
          const status = await postHttp(http, traceId, body).catch(() => 0);
          if (status === 200) {
            acked.push(traceId);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const senders = Array.from({ length: 3 }, sender);
    await new Promise((r) => setTimeout(r, 1_000));
    const before = acked.length;
    process.kill(pids[0]!, 'SIGKILL');
    const back = await eventually(async () => {
      const h = await health();
      const pid = h.workers['1']?.pid;
      return pid !== undefined && pid !== pids[0] && h.workers['1']?.status === 'running' ? pid : undefined;
    }, 120_000, 'worker 1 restarted');
    await eventually(ready, 120_000, 'ready again after the restart');
    loading = false;
    await Promise.all(senders);
    expect(alive(pids[0]!)).toBe(false);
    expect(acked.length).toBeGreaterThan(before);
    expect(await (await fetch(`${adminUrl}/metrics`)).text()).toContain('braid_cluster_worker_restarts_total 1');

    // 3. Every acknowledged span is in Elasticsearch (replays overwrite: counts are exact).
    let found = 0;
    const spans = async () => {
      await es.indices.refresh({ index: `${prefix}-spans-*` });
      found = (await es.count({ index: `${prefix}-spans-*`, query: { terms: { 'trace.id': acked } } })).count;
      return found === acked.length * 2 ? found : undefined;
    };
    await eventually(spans, 120_000, `all ${acked.length * 2} acknowledged spans in Elasticsearch`).catch((err: Error) => {
      throw new Error(`${err.message} (found ${found}); braid's output ends:\n${run?.output().slice(-6_000)}`);
    });

    // 4. SIGTERM drains every worker; nothing is left running.
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    expect(code, run.output().slice(-4_000)).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(25_000);
    expect([pids[1]!, back].filter(alive)).toEqual([]);
    const lines = run.output().split('\n').filter((l) => l.startsWith('{'));
    const workersLogged = new Set(lines.map((l) => (JSON.parse(l) as { worker?: number }).worker));
    expect([...workersLogged].sort()).toEqual([0, 1, 2]);
  }, 420_000);
});
