/** Bulk writes are cut by count and by bytes, and refusals point at the right documents. */
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import type { SpanDocument } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { newSpanId, newTraceId } from '../helpers/otlp.js';
import { uniqueName } from '../helpers/braid.js';

const DAY_MS = Date.UTC(2026, 10, 20, 12);

function span(traceId: string, attributes: SpanDocument['attributes'] = {}): SpanDocument {
  return {
    '@timestamp': new Date(DAY_MS).toISOString(),
    'trace.id': traceId,
    'span.id': newSpanId(),
    'service.name': 'bulk-test',
    'span.name': 'op',
    'span.kind': 'internal',
    'span.start.us': DAY_MS * 1000,
    'span.duration.us': 10,
    'span.status.code': 'unset',
    'event.outcome': 'unknown',
    attributes,
    'resource.attributes': {},
  };
}

describe('Elasticsearch bulk writes (real Elasticsearch)', () => {
  const es = new Client({ node: inject('elasticsearchUrl') });
  const created: string[] = [];
  afterAll(async () => {
    if (created.length > 0) await es.indices.delete({ index: created.join(','), ignore_unavailable: true });
    await es.close();
  });

  async function run(limits: { docs: number; bytes: number }, docs: SpanDocument[]) {
    const prefix = uniqueName('bulk');
    const index = `${prefix}-spans-2026.11.20`;
    created.push(index);
    const store = createElasticsearchStore(
      { url: inject('elasticsearchUrl'), index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 30_000, bulk_max_docs: limits.docs, bulk_max_bytes: limits.bytes },
      createLogger('silent'),
    );
    await store.start();
    const outcome = await store.writeSpans(docs);
    await store.close();
    await es.indices.refresh({ index });
    const stats = await es.indices.stats({ index, metric: 'bulk' });
    const requests = (stats._all.primaries as { bulk?: { total_operations: number } }).bulk?.total_operations;
    const count = (await es.count({ index })).count;
    return { outcome, requests, count };
  }

  it('cuts by bulk_max_docs', async () => {
    const t = newTraceId();
    const r = await run({ docs: 10, bytes: 8 * 1024 * 1024 }, Array.from({ length: 45 }, () => span(t)));
    expect(r.outcome.rejected).toEqual([]);
    expect(r.count).toBe(45);
    expect(r.requests).toBe(5);
  });

  it('cuts by bulk_max_bytes, sending a single larger document alone', async () => {
    const t = newTraceId();
    const docs = Array.from({ length: 20 }, () => span(t, { pad: 'x'.repeat(900) }));
    docs[7] = span(t, { pad: 'y'.repeat(5_000) });
    // About 1.3 KB per document: three fit in 4 KB, and the 5 KB one goes alone.
    const r = await run({ docs: 1_000, bytes: 4_096 }, docs);
    expect(r.outcome.rejected).toEqual([]);
    expect(r.count).toBe(20);
    expect(r.requests).toBeGreaterThanOrEqual(8);
  });

  it('sends multi-byte UTF-8 whole, cutting by its encoded bytes', async () => {
    // Each line is encoded straight into a body sized by the lines' UTF-8 lengths: a count in
    // characters would cut the body short and lose or garble documents.
    const t = newTraceId();
    const texts = ['héllo wörld', '日本語のテキスト', 'emoji 🚀🔥 and a lone ☃', 'Ωμέγα'];
    const docs = Array.from({ length: 24 }, (_, i) => span(t, { text: texts[i % texts.length]!.repeat(60), i }));
    const r = await run({ docs: 1_000, bytes: 4_096 }, docs);
    expect(r.outcome.rejected).toEqual([]);
    expect(r.count).toBe(24);
    expect(r.requests).toBeGreaterThan(4);
    const index = created[created.length - 1]!;
    const hits = (await es.search<SpanDocument>({ index, size: 100, sort: [{ 'span.id': 'asc' }] })).hits.hits.map((h) => h._source!);
    expect(hits.map((h) => h.attributes).sort((a, b) => Number(a.i) - Number(b.i))).toEqual(docs.map((d) => d.attributes));
  });

  it('reads back the summaries of more traces than one search returns (10,000 hits)', async () => {
    const prefix = uniqueName('sums');
    created.push(`${prefix}-traces-2026.11.20`);
    const store = createElasticsearchStore(
      { url: inject('elasticsearchUrl'), index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 30_000, bulk_max_docs: 5_000, bulk_max_bytes: 8 * 1024 * 1024 },
      createLogger('silent'),
    );
    await store.start();
    const ids = Array.from({ length: 12_000 }, () => newTraceId());
    const summary = (id: string) => ({ '@timestamp': new Date(DAY_MS).toISOString(), 'trace.id': id, 'trace.start.us': DAY_MS * 1000, 'trace.duration.us': 5, 'span.count': 1, 'error.count': 0, 'service.names': ['s'] });
    expect((await store.writeDerived({ summaries: ids.map(summary), edges: [], operations: [] })).rejected).toEqual([]);
    await es.indices.refresh({ index: `${prefix}-traces-*` });
    const found = await store.getSummaries(ids);
    await store.close();
    expect(new Set(found.map((f) => f['trace.id']))).toEqual(new Set(ids));
  });

  it('reports a refused document by its index in the whole write, across requests', async () => {
    const t = newTraceId();
    let deep: SpanDocument['attributes'] = { leaf: 'x' };
    for (let i = 0; i < 25; i++) deep = { [`l${i}`]: deep };
    const docs = Array.from({ length: 30 }, () => span(t));
    docs[23] = span(t, deep);
    const r = await run({ docs: 10, bytes: 8 * 1024 * 1024 }, docs);
    expect(r.outcome.rejected).toHaveLength(1);
    expect(r.outcome.rejected[0]).toMatchObject({ index: 23, transient: false });
    expect(r.outcome.rejected[0]?.reason).toMatch(/^400 document_parsing_exception/);
    expect(r.count).toBe(29);
  });
});
