/**
 * SIGTERM during load: the process exits 0 within 10 s, and every span acknowledged before it is
 * in Elasticsearch.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { describe, expect, inject, it } from 'vitest';
import { eventually, newTraceId, twoSpanTrace } from '../helpers/otlp.js';
import { freePort, spawnBraid } from '../helpers/process.js';
import { uniqueName } from '../helpers/braid.js';

describe('graceful shutdown', () => {
  it('drains on SIGTERM during load and exits 0 within 10 s', async () => {
    const prefix = uniqueName('drain');
    const [http, grpc, query, admin, zipkin] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const dir = mkdtempSync(join(tmpdir(), 'braid-drain-'));
    const configFile = join(dir, 'braid.yaml');
    writeFileSync(
      configFile,
      [
        'receivers:',
        `  otlp: { http: { endpoint: "127.0.0.1:${http}" }, grpc: { endpoint: "127.0.0.1:${grpc}" } }`,
        `  zipkin: { endpoint: "127.0.0.1:${zipkin}" }`,
        "  elasticsearch: { endpoint: \"127.0.0.1:0\" }",
        `query: { endpoint: "127.0.0.1:${query}" }`,
        `admin: { endpoint: "127.0.0.1:${admin}" }`,
        `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}", partitions: 3 } }`,
        `storage: { elasticsearch: { index_prefix: "${prefix}" } }`,
        'telemetry: { log_level: warn }',
      ].join('\n'),
    );
    const esUrl = inject('elasticsearchUrl');
    const run = spawnBraid(['serve', '--config', configFile], { BRAID_LOG_LEVEL: process.env.BRAID_TEST_LOG_LEVEL ?? '', BRAID_KAFKA_BROKERS: inject('kafkaBrokers'), BRAID_ELASTICSEARCH_URL: esUrl });
    await eventually(async () => ((await fetch(`http://127.0.0.1:${admin}/readyz`)).status === 200 ? true : undefined), 60_000, 'readyz');

    const acked: string[] = [];
    let refused = 0;
    let stop = false;
    const worker = async () => {
      for (let i = 0; i < 2_000 && !stop; i++) {
        const traceId = newTraceId();
        try {
          const res = await fetch(`http://127.0.0.1:${http}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(twoSpanTrace(traceId).body) });
          if (res.status === 200) acked.push(traceId);
          else refused++;
        } catch {
          stop = true; // the server closed: shutdown has begun
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 1_500));
    const signalledAt = Date.now();
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    const tookMs = Date.now() - signalledAt;
    stop = true;
    await Promise.all(workers);

    expect(code, run.output()).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(acked.length).toBeGreaterThan(20);

    const es = new Client({ node: esUrl });
    await es.indices.refresh({ index: `${prefix}-spans-*` });
    const count = await es.count({ index: `${prefix}-spans-*`, query: { terms: { 'trace.id': acked } } });
    expect({ spans: count.count, refused }).toEqual({ spans: acked.length * 2, refused });
    await es.close();
  });
});
