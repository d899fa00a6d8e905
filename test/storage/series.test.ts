/**
 * The series fields of sample groups and the store port's series queries, on the memory store
 * (the Elasticsearch side runs in test/integration/prometheus-metadata.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { metricSampleGroups } from '../../src/ingest/metric-samples.js';
import type { MetricsData, NumberDataPoint } from '../../src/model/metrics.js';
import { seriesQuery } from '../../src/query/prometheus/recent.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { MAX_SERIES_ID_CHARS, parseSeriesId, seriesId, type SeriesQuery } from '../../src/storage/store.js';

const T0 = Date.UTC(2026, 10, 20, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** A gauge `name` of job `job` with one point per label set, at `ms`. */
function request(job: string, name: string, ms: number, points: Array<Record<string, string>>): MetricsData {
  const dataPoints = points.map((attributes): NumberDataPoint => ({ attributes, startTimeUnixNano: 0n, timeUnixNano: BigInt(ms) * 1_000_000n, flags: 0, value: 1, exemplars: [] }));
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': job }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics: [{ name, description: '', unit: '', data: { type: 'gauge', dataPoints }, metadata: {} }] }],
    }],
  };
}

describe('series identities', () => {
  it('name and labels sorted by name, read back exactly whatever the characters', () => {
    const labels = { z: 'a"b\\c', a: 'ü\u0000\n', m: '' };
    expect(seriesId('up', labels)).toBe(seriesId('up', { m: '', a: 'ü\u0000\n', z: 'a"b\\c' }));
    expect(seriesId('up', labels)).toBe('["up","a","ü\\u0000\\n","m","","z","a\\"b\\\\c"]');
    expect(parseSeriesId(seriesId('up', labels))).toEqual({ __name__: 'up', ...labels });
    expect(seriesId('up', { a: 'b' })).not.toBe(seriesId('up', { ab: '' }));
  });

  it('a group carries each sample series once and its label names with __name__', () => {
    const [g] = metricSampleGroups(request('api', 'req', T0, [{ route: '/a', code: '200' }, { route: '/b', code: '500' }]));
    expect(g!['series.id']).toEqual([seriesId('req', { code: '200', job: 'api', route: '/a' }), seriesId('req', { code: '500', job: 'api', route: '/b' })]);
    expect(g!['label.names']!.sort()).toEqual(['__name__', 'code', 'job', 'route']);
  });

  it('a group with a series too long for a keyword term has neither field, so the store reads its samples', () => {
    const [g] = metricSampleGroups(request('api', 'req', T0, [{ route: '/a' }, { route: 'x'.repeat(MAX_SERIES_ID_CHARS) }]));
    expect(g!['series.id']).toBeUndefined();
    expect(g!['label.names']).toBeUndefined();
    expect(g!.samples).toHaveLength(2);
  });
});

describe('series queries of the memory store', () => {
  const q = (extra: Partial<SeriesQuery>): SeriesQuery => ({ labels: {}, start: iso(T0), end: iso(T0 + 60_000), ...extra });

  it('answers exact series, label names and values: filters, test, time range', async () => {
    const store = createMemoryStore({ max_spans: 10, max_logs: 10, max_samples: 1_000 });
    await store.writeSamples([
      ...metricSampleGroups(request('api', 'req', T0, [{ route: '/a', code: '200' }, { route: '/b', code: '500' }])),
      ...metricSampleGroups(request('api', 'req', T0 + 15_000, [{ route: '/a', code: '200' }])),
      ...metricSampleGroups(request('db', 'up', T0 + 120_000, [{ zone: 'z1' }])),
    ]);
    // /a and 500 are both in the first group, on different series: nothing has both.
    expect(await store.sampleSeries(q({ labels: { route: '/a', code: '500' } }))).toEqual([]);
    expect(await store.sampleSeries(q({ metric: 'req', labels: { code: '500' } }))).toEqual([{ __name__: 'req', code: '500', job: 'api', route: '/b' }]);
    expect(await store.sampleSeries(q({ test: (l) => l.route !== '/b' }))).toEqual([{ __name__: 'req', code: '200', job: 'api', route: '/a' }]);
    expect(await store.sampleLabelNames(q({}))).toEqual(['__name__', 'code', 'job', 'route']);
    expect(await store.sampleLabelNames(q({ end: iso(T0 + 200_000) }))).toEqual(['__name__', 'code', 'job', 'route', 'zone']);
    expect(await store.sampleLabelValues('route', q({}))).toEqual(['/a', '/b']);
    expect(await store.sampleLabelValues('route', q({ start: iso(T0 + 1) }))).toEqual(['/a']);
    expect(await store.sampleLabelValues('__name__', q({ end: iso(T0 + 200_000) }))).toEqual(['req', 'up']);
    expect(await store.sampleLabelValues('zone', q({}))).toEqual([]);
  });
});

describe('selectors as series queries', () => {
  it('equality matchers become filters with no test; anything else is tested on every series', () => {
    const eq = seriesQuery([{ type: '=', name: '__name__', value: 'up' }, { type: '=', name: 'job', value: 'a' }], T0, T0 + 1_000);
    expect(eq).toEqual({ metric: 'up', labels: { job: 'a' }, start: iso(T0), end: iso(T0 + 1_000) });
    const re = seriesQuery([{ type: '=', name: 'job', value: 'a' }, { type: '=~', name: 'code', value: '5..' }, { type: '=', name: 'zone', value: '' }], T0, T0);
    expect(re.labels).toEqual({ job: 'a' });
    expect(re.metric).toBeUndefined();
    expect(re.test?.({ __name__: 'x', job: 'a', code: '503' })).toBe(true);
    expect(re.test?.({ __name__: 'x', job: 'a', code: '200' })).toBe(false);
    expect(re.test?.({ __name__: 'x', job: 'a', code: '503', zone: 'z' })).toBe(false);
    expect(() => seriesQuery([{ type: '=~', name: 'code', value: '(' }], T0, T0)).toThrow(/invalid regular expression "\("/);
  });
});

describe('memory store scans', () => {
  it('yield to the event loop while reading many samples, and find the same', async () => {
    const store = createMemoryStore({ max_spans: 10, max_logs: 10, max_samples: 200_000 });
    for (let b = 0; b < 10; b++) {
      const points = Array.from({ length: 5_000 }, (_, i) => ({ host: `h${b * 5_000 + i}` }));
      await store.writeSamples(metricSampleGroups(request('api', 'up', T0 + b * 1_000, points)));
    }
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const t0 = performance.now();
    const found = await store.searchSamples({ metric: 'up', labels: {}, start: iso(T0), end: iso(T0 + 60_000), limit: 1_000_000 });
    const ms = performance.now() - t0;
    clearInterval(ticker);
    expect(found).toHaveLength(50_000);
    // Two slices at least: a timer turn came between them (a scan in one piece lets none run).
    expect(ticks, `${ms.toFixed(0)} ms scan`).toBeGreaterThan(0);
    expect(found.filter((d) => d.labels.host === 'h49999')).toHaveLength(1);
  });
});
