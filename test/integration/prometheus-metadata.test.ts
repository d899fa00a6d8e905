/**
 * /series, /labels and /label/<name>/values before the head, from the store's aggregations, on a
 * real Elasticsearch with 10^4 series: each answer equals what reading every sample of the range
 * answers (the path they took before). The range also covers a day indexed by the earlier version
 * (no series.id, no label.names; one-sample documents and groups), which must still count.
 */
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { metricSampleGroups } from '../../src/ingest/metric-samples.js';
import type { Metric, MetricsData, NumberDataPoint } from '../../src/model/metrics.js';
import type { LabelMatcher, Labels } from '../../src/promql/types.js';
import { storeMetaReader } from '../../src/query/prometheus/recent.js';
import { selectSamples, seriesLabels } from '../../src/query/prometheus/source.js';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import type { SampleGroupDocument, Store } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { uniqueName } from '../helpers/braid.js';

const T0 = Date.UTC(2026, 10, 20, 12);
const DAY = 86_400_000;
const JOBS = ['api', 'db', 'cache', 'queue', 'auth'];

/** One scrape of `job` at `ms`: 2,000 series of http_requests_total and one `up`. */
function scrape(job: string, ms: number, value: number): MetricsData {
  const point = (attributes: Record<string, string>): NumberDataPoint => ({ attributes, startTimeUnixNano: 0n, timeUnixNano: BigInt(ms) * 1_000_000n, flags: 0, value, exemplars: [] });
  const requests = Array.from({ length: 1_999 }, (_, i) => point({ route: `/r${i % 20}`, code: ['200', '404', '500'][i % 3]!, shard: String(i) }));
  const metric = (name: string, dataPoints: NumberDataPoint[]): Metric => ({ name, description: '', unit: '', data: { type: 'gauge', dataPoints }, metadata: { 'prometheus.type': 'counter' } });
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': job, 'service.instance.id': 'h:1' }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [metric('http_requests_total', requests), metric('up', [point({})])] }],
    }],
  };
}

const eq = (name: string, value: string): LabelMatcher => ({ type: '=', name, value });
const SELECTORS: Array<[string, LabelMatcher[][]]> = [
  ['no selector', []],
  ['every series', [[{ type: '=~', name: '__name__', value: '.+' }]]],
  ['a metric', [[eq('__name__', 'up')]]],
  ['a metric and a label', [[eq('__name__', 'http_requests_total'), eq('code', '500')]]],
  // Every group holds /r3 and 500, but only some of its series hold both.
  ['two labels a group has on different series', [[eq('route', '/r3'), eq('code', '500')]]],
  ['regex and negation', [[{ type: '=~', name: 'job', value: 'api|db' }, { type: '!=', name: 'route', value: '/r3' }, { type: '!~', name: 'shard', value: '1.*' }]]],
  ['an empty-value matcher', [[eq('__name__', 'up'), eq('route', '')]]],
  ['two selectors', [[eq('job', 'auth'), eq('shard', '7')], [eq('__name__', 'up'), eq('job', 'old')]]],
  ['nothing matches', [[eq('job', 'nope')]]],
];

const prefix = uniqueName('meta');
const es = new Client({ node: inject('elasticsearchUrl') });
let store: Store;
const OLD_DAY = `${prefix}-samples-2026.11.19`;

beforeAll(async () => {
  // The day before, as the earlier version indexed it, before this version's template exists:
  // no series fields in the mapping.
  await es.indices.create({
    index: OLD_DAY,
    mappings: { dynamic: false, properties: { '@timestamp': { type: 'date' }, group: { properties: { id: { type: 'keyword', index: false } } }, metric: { properties: { name: { type: 'keyword' }, type: { type: 'keyword' } } }, labels: { type: 'flattened', doc_values: false }, samples: { type: 'object', enabled: false } } },
  });
  const old: SampleGroupDocument[] = metricSampleGroups(scrape('old', T0 - DAY, 5)).map((g) => ({ ...g, samples: g.samples.slice(0, 3) }));
  const body = old.flatMap((g) => [{ index: { _index: OLD_DAY, _id: g['group.id'] } }, g]);
  body.push({ index: { _index: OLD_DAY, _id: 'legacy' } }, { '@timestamp': new Date(T0 - DAY).toISOString(), 'sample.id': 'legacy', 'metric.name': 'legacy_up', 'metric.type': 'gauge', labels: { job: 'old', instance: 'h:2' }, value: 1 } as never);
  const r = await es.bulk({ operations: body });
  expect(r.errors).toBe(false);
  store = createElasticsearchStore({ url: inject('elasticsearchUrl'), index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 60_000, bulk_max_docs: 2_000, bulk_max_bytes: 10_000_000 }, createLogger('silent'));
  await store.start();
  // Two scrapes of 5 x 2,000 series: 10^4 series in groups of 100.
  for (const k of [0, 1]) {
    const groups = JOBS.flatMap((job) => metricSampleGroups(scrape(job, T0 + k * 15_000, k)));
    expect((await store.writeSamples(groups)).rejected).toEqual([]);
  }
  await es.indices.refresh({ index: `${prefix}-samples-*` });
}, 300_000);

afterAll(async () => {
  await store?.close();
  const made = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
  if (made.length > 0) await es.indices.delete({ index: made.map((x) => x.index).join(',') });
  await es.close();
});

/** What reading every sample of the range answers (the path before aggregations). */
async function bySamples(groups: LabelMatcher[][], startMs: number, endMs: number): Promise<Labels[]> {
  const out = new Map<string, Labels>();
  for (const matchers of groups.length === 0 ? [[{ type: '=~', name: '__name__', value: '.+' } as LabelMatcher]] : groups) {
    for (const d of await selectSamples(store, matchers, startMs, endMs, 1_000_000)) {
      const l = seriesLabels(d);
      out.set(JSON.stringify(Object.entries(l).sort()), l);
    }
  }
  return [...out.values()];
}

const sortedSeries = (xs: Labels[]) => xs.map((l) => JSON.stringify(Object.entries(l).sort())).sort();

describe('Prometheus metadata from Elasticsearch aggregations, 10^4 series', () => {
  const ranges: Array<[string, number, number]> = [
    ['the new day only', T0, T0 + 60_000],
    ['one scrape', T0 + 15_000, T0 + 15_000],
    ['the old day and the new', T0 - 2 * DAY, T0 + 60_000],
  ];
  for (const [rangeName, startMs, endMs] of ranges) {
    for (const [name, groups] of SELECTORS) {
      it(`${rangeName}, ${name}: series, labels and label values equal those of the samples`, async () => {
        const meta = storeMetaReader(store, 1_000_000);
        const expected = await bySamples(groups, startMs, endMs);
        const series = await meta.series(groups, startMs, endMs);
        expect(series).toHaveLength(expected.length);
        expect(sortedSeries(series)).toEqual(sortedSeries(expected));
        const names = [...new Set(expected.flatMap((l) => Object.keys(l)))].sort();
        expect(await meta.labelNames(groups, startMs, endMs)).toEqual(names);
        for (const label of ['route', 'job', 'instance', '__name__']) {
          const values = [...new Set(expected.flatMap((l) => (l[label] === undefined ? [] : [l[label]])))].sort();
          expect(await meta.labelValues(label, groups, startMs, endMs), label).toEqual(values);
        }
      });
    }
  }

  it('counts what the fixture is meant to hold', async () => {
    // The fallback is what answers for the old day: its mapping has no series fields, the new day's has.
    const mappings = (await es.indices.getMapping({ index: `${prefix}-samples-*` })) as Record<string, { mappings: { properties: Record<string, unknown> } }>;
    expect(Object.keys(mappings[OLD_DAY]!.mappings.properties)).not.toContain('series');
    expect(Object.keys(mappings[`${prefix}-samples-2026.11.20`]!.mappings.properties)).toEqual(expect.arrayContaining(['series', 'label']));
    const meta = storeMetaReader(store, 1_000_000);
    expect(await meta.series([[eq('__name__', 'http_requests_total')]], T0, T0 + 60_000)).toHaveLength(9_995);
    expect(await meta.series([[{ type: '=~', name: '__name__', value: '.+' }]], T0 - 2 * DAY, T0 + 60_000)).toHaveLength(10_000 + 60 + 1 + 1);
    expect(await meta.labelValues('job', [], T0 - 2 * DAY, T0 + 60_000)).toEqual(['api', 'auth', 'cache', 'db', 'old', 'queue']);
    expect(await meta.labelNames([], T0 - 2 * DAY, T0 - DAY)).toEqual(['__name__', 'code', 'instance', 'job', 'route', 'shard']);
  });
});
