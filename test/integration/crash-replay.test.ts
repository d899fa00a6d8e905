/**
 * Replay after an ingester crash: an ingester process is killed (SIGKILL) while it has written
 * documents it has not yet committed; the next ingester replays those records, and Elasticsearch
 * ends with every span exactly once and trace summaries that count each span once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually, multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';
import { spawnBraid } from '../helpers/process.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const TRACES = 200;
const SPANS_PER_TRACE = 100;

describe('replay after an ingester crash (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const esUrl = inject('elasticsearchUrl');
  const prefix = uniqueName('crash');
  const dir = mkdtempSync(join(tmpdir(), 'braid-crash-'));
  const es = new Client({ node: esUrl });
  let collector: RunningBraid | undefined;
  const children: Array<ReturnType<typeof spawnBraid>> = [];

  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await collector?.stop();
    const rest = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
    if (rest.length > 0) await es.indices.delete({ index: rest.map((r) => r.index).join(',') });
    await es.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const queue = { kafka: { brokers: [brokers], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 2 } };

  function startIngester(): ReturnType<typeof spawnBraid> {
    const file = join(dir, 'ingester.yaml');
    // Small bulks: a batch takes many bulk requests, so a kill lands between write and commit.
    writeFileSync(
      file,
      [
        'target: ingester',
        `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${prefix}-ingester", partitions: 2 } }`,
        `storage: { elasticsearch: { index_prefix: "${prefix}", bulk_max_docs: 100 } }`,
        'admin: { endpoint: "127.0.0.1:0" }',
        'telemetry: { log_level: warn }',
      ].join('\n'),
    );
    const run = spawnBraid(['serve', '--config', file], { BRAID_KAFKA_BROKERS: brokers, BRAID_ELASTICSEARCH_URL: esUrl });
    children.push(run);
    return run;
  }

  const spans = async () => {
    await es.indices.refresh({ index: `${prefix}-spans-*`, ignore_unavailable: true, allow_no_indices: true });
    return (await es.count({ index: `${prefix}-spans-*`, ignore_unavailable: true, allow_no_indices: true })).count;
  };

  it('writes every span exactly once after a SIGKILL between write and commit', async () => {
    collector = await startTestBraid(testConfig({ target: 'collector', queue }));
    const traceIds: string[] = [];
    const start = Date.now() - 60_000;
    for (let t = 0; t < TRACES; t++) {
      const traceId = newTraceId();
      traceIds.push(traceId);
      const root = newSpanId();
      const body = multiServiceTrace(
        traceId,
        Array.from({ length: SPANS_PER_TRACE }, (_, i) => ({ id: i === 0 ? root : newSpanId(), ...(i === 0 ? {} : { parent: root }), service: i % 2 ? 'api' : 'db', name: `op${i % 7}`, startMs: start + i, durationMs: 1 })),
      );
      const res = await fetch(`${collector.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
    }
    const total = TRACES * SPANS_PER_TRACE;

    const first = startIngester();
    await eventually(async () => ((await spans()) > 0 ? true : undefined), 60_000, 'the first documents');
    first.child.kill('SIGKILL');
    await first.exited;
    const beforeReplay = await spans();
    expect(beforeReplay).toBeLessThan(total);

    startIngester();
    await eventually(async () => ((await spans()) >= total ? true : undefined), 120_000, `all ${total} spans`);
    // Give a late duplicate the chance to show up before counting.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await spans()).toBe(total);

    // Some documents were indexed twice (the replay) and overwrote themselves: more index
    // operations than documents, and still no duplicate.
    const stats = await es.indices.stats({ index: `${prefix}-spans-*`, metric: 'indexing' });
    const indexOps = (stats._all.primaries as { indexing: { index_total: number } }).indexing.index_total;
    expect(indexOps).toBeGreaterThan(total);

    await es.indices.refresh({ index: `${prefix}-traces-*` });
    const summaries = await es.search<{ 'trace.id': string; 'span.count': number }>({ index: `${prefix}-traces-*`, size: TRACES + 10 });
    expect(summaries.hits.hits).toHaveLength(TRACES);
    for (const h of summaries.hits.hits) expect(h._source?.['span.count']).toBe(SPANS_PER_TRACE);
    expect(new Set(summaries.hits.hits.map((h) => h._source?.['trace.id']))).toEqual(new Set(traceIds));
  }, 240_000);
});
