/**
 * Samples are stored in groups (one document per metric name, service and millisecond of a
 * request) and read back one by one: the same cases against the memory store and a real
 * Elasticsearch. A label filter matches groups by the union of their label values, so these cases
 * put a sample that must not match beside one that must, in the same group.
 */
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { metricSampleGroups } from '../../src/ingest/metric-samples.js';
import type { Metric, MetricsData, NumberDataPoint } from '../../src/model/metrics.js';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { SampleQuery, Store } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { uniqueName } from '../helpers/braid.js';

const T0 = Date.UTC(2026, 10, 20, 12);
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A Prometheus-style request: gauge `name` of job `job` with one point per label set, at `ms`. */
function request(job: string, name: string, ms: number, points: Array<[Record<string, string>, number, string?]>): MetricsData {
  const dataPoints = points.map(([attributes, value, trace]): NumberDataPoint => ({
    attributes, startTimeUnixNano: 0n, timeUnixNano: BigInt(ms) * 1_000_000n, flags: 0, value,
    exemplars: trace ? [{ filteredAttributes: {}, timeUnixNano: BigInt(ms) * 1_000_000n, value, traceId: trace, spanId: '00f067aa0ba902b7' }] : [],
  }));
  const metric: Metric = { name, description: '', unit: '', data: { type: 'gauge', dataPoints }, metadata: { 'prometheus.type': 'counter' } };
  return { resourceMetrics: [{ resource: { attributes: { 'service.name': job, 'service.instance.id': 'h:1' }, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric] }] }] };
}

const iso = (ms: number) => new Date(ms).toISOString();
const query = (q: Partial<SampleQuery>): SampleQuery => ({ labels: {}, start: iso(T0 - 60_000), end: iso(T0 + 3_600_000), limit: 100, ...q });

function cases(name: string, open: () => Promise<Store>, refresh: () => Promise<void>) {
  describe(name, () => {
    let store: Store;
    it('writes groups and reads samples back exactly, newest first, each point once', async () => {
      store = await open();
      // Three scrapes 15 s apart of 150 series (two groups each), then the first scrape again (a replay).
      const scrapes = [0, 1, 2].map((k) =>
        request('api', 'http_requests_total', T0 + k * 15_000, Array.from({ length: 150 }, (_, i): [Record<string, string>, number, string?] => [
          { route: `/r${i % 10}`, code: i % 3 === 0 ? '500' : '200', shard: String(i) }, k * 1000 + i, k === 1 && i === 7 ? TRACE : undefined,
        ])),
      );
      const groups = scrapes.flatMap(metricSampleGroups);
      expect(groups).toHaveLength(6);
      const other = metricSampleGroups(request('db', 'db_up', T0, [[{}, 1]]));
      expect((await store.writeSamples([...groups, ...other, ...metricSampleGroups(scrapes[0]!)])).rejected).toEqual([]);
      await refresh();

      // route=/r3 and code=500 both occur in every group; only i = 3, 33, 63, ... have both.
      const both = await store.searchSamples(query({ metric: 'http_requests_total', labels: { route: '/r3', code: '500' } }));
      const expected = [2, 1, 0].flatMap((k) => [123, 93, 63, 33, 3].map((i) => k * 1000 + i));
      expect(both.map((s) => s.value).sort((a, b) => b! - a!)).toEqual(expected);
      expect(both.map((s) => s['@timestamp'])).toEqual([...Array(5).fill(iso(T0 + 30_000)), ...Array(5).fill(iso(T0 + 15_000)), ...Array(5).fill(iso(T0))]);
      expect(both[0]).toMatchObject({ 'metric.name': 'http_requests_total', 'metric.type': 'counter', 'service.name': 'api', labels: { code: '500', instance: 'h:1', job: 'api', route: '/r3' } });

      // A limit smaller than one group, and one that spans pages of groups.
      const few = await store.searchSamples(query({ metric: 'http_requests_total', limit: 7 }));
      expect(few).toHaveLength(7);
      expect(new Set(few.map((s) => s['@timestamp']))).toEqual(new Set([iso(T0 + 30_000)]));
      const every = await store.searchSamples(query({ limit: 10_000 }));
      // 450 points of http_requests_total (the replay adds none) and db_up.
      expect(every).toHaveLength(451);
      expect(new Set(every.map((s) => `${s['@timestamp']} ${s.labels.shard}`)).size).toBe(451);

      // The time range and a label no sample has.
      expect((await store.searchSamples(query({ start: iso(T0 + 15_000), end: iso(T0 + 15_000), labels: { shard: '149' } }))).map((s) => s.value)).toEqual([1149]);
      expect(await store.searchSamples(query({ labels: { shard: '150' } }))).toEqual([]);
      expect((await store.searchSamples(query({ labels: { job: 'db' } }))).map((s) => s['metric.name'])).toEqual(['db_up']);
    });

    it('finds the samples whose exemplar points at a trace, and only those of their group', async () => {
      const found = await store.getTraceExemplars(TRACE);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ '@timestamp': iso(T0 + 15_000), value: 1007, labels: { shard: '7' }, exemplar: { 'trace.id': TRACE, 'span.id': '00f067aa0ba902b7', value: 1007 } });
      expect(await store.getTraceExemplars('ab'.repeat(16))).toEqual([]);
      await store.close();
    });
  });
}

cases('sample groups in the memory store', async () => createMemoryStore({ max_spans: 1000, max_logs: 1000, max_samples: 10_000 }), async () => {});

const prefix = uniqueName('groups');
const es = new Client({ node: inject('elasticsearchUrl') });
afterAll(async () => {
  const made = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
  if (made.length > 0) await es.indices.delete({ index: made.map((r) => r.index).join(',') });
  await es.close();
});
cases(
  'sample groups in Elasticsearch',
  async () => {
    const store = createElasticsearchStore(
      // Small pages of hits are not configurable; a small bulk makes the write several requests.
      { url: inject('elasticsearchUrl'), index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 30_000, bulk_max_docs: 2, bulk_max_bytes: 5_000_000 },
      createLogger('silent'),
    );
    await store.start();
    return store;
  },
  async () => {
    await es.indices.refresh({ index: `${prefix}-samples-*` });
  },
);

describe('a day indexed before sample groups (an upgrade mid-day)', () => {
  it('reads the old one-sample documents and the new groups of the same index together', async () => {
    const old = uniqueName('groupsold');
    const index = `${old}-samples-2026.11.20`;
    // The index as the earlier version's template made it: no group.id, one document per sample.
    await es.indices.create({
      index,
      mappings: { dynamic: false, properties: { '@timestamp': { type: 'date' }, metric: { properties: { name: { type: 'keyword' } } }, labels: { type: 'flattened' }, value: { type: 'double' }, exemplar: { properties: { trace: { properties: { id: { type: 'keyword' } } } } } } },
    });
    try {
      await es.index({ index, id: 'legacy', refresh: true, document: { '@timestamp': iso(T0 - 15_000), 'sample.id': 'legacy', 'metric.name': 'db_up', 'metric.type': 'gauge', labels: { instance: 'h:1', job: 'db' }, value: 0, 'service.name': 'db', exemplar: { 'trace.id': TRACE, value: 0 } } });
      const store = createElasticsearchStore({ url: inject('elasticsearchUrl'), index_prefix: old, shards: 1, replicas: 0, request_timeout_ms: 30_000, bulk_max_docs: 100, bulk_max_bytes: 5_000_000 }, createLogger('silent'));
      await store.start();
      expect((await store.writeSamples(metricSampleGroups(request('db', 'db_up', T0, [[{}, 1, TRACE]])))).rejected).toEqual([]);
      await es.indices.refresh({ index });
      const found = await store.searchSamples(query({ metric: 'db_up', labels: { job: 'db' } }));
      expect(found.map((s) => [s['@timestamp'], s.value])).toEqual([[iso(T0), 1], [iso(T0 - 15_000), 0]]);
      expect(found[1]).toEqual({ '@timestamp': iso(T0 - 15_000), 'metric.name': 'db_up', 'metric.type': 'gauge', labels: { instance: 'h:1', job: 'db' }, value: 0, 'service.name': 'db', exemplar: { 'trace.id': TRACE, value: 0 } });
      expect((await store.getTraceExemplars(TRACE)).map((s) => s.value)).toEqual([0, 1]);
      await store.close();
    } finally {
      await es.indices.delete({ index });
    }
  });
});
