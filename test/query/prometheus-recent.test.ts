import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricSampleGroups } from '../../src/ingest/metric-samples.js';
import type { MetricsData } from '../../src/model/metrics.js';
import { appendMetrics } from '../../src/promql/head/feed.js';
import { createHead } from '../../src/promql/head/index.js';
import { rangeQuery } from '../../src/promql/engine.js';
import { recentMetaReader, recentSeriesSource, storeMetaReader } from '../../src/query/prometheus/recent.js';
import { storeSeriesSource } from '../../src/query/prometheus/source.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { metric, metricsRequest, numberPoint } from '../model/metrics-helpers.js';

const T0 = 1_700_000_000_000;
const STEP = 15_000;

/** 40 minutes of two counters and a gauge, one request per step. */
function requests(): MetricsData[] {
  return Array.from({ length: 160 }, (_, i) => {
    const ns = BigInt(T0 + i * STEP) * 1_000_000n;
    const point = (value: number, attributes: Record<string, string>) => numberPoint({ value, attributes, timeUnixNano: ns, exemplars: [] });
    return metricsRequest(
      metric('requests', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [point(i * 3, { code: '200' }), point(i % 50, { code: '500' })] }, { unit: '1' }),
      metric('depth', { type: 'gauge', dataPoints: [point(Math.sin(i) * 10, { queue: 'q' })] }, { unit: '' }),
    );
  });
}

describe('Prometheus API: head and store read together', () => {
  it('answers as the store alone when the head covers the range, part of it, or none of it', async () => {
    const store = createMemoryStore({ max_spans: 10, max_logs: 10, max_samples: 1_000_000 });
    const now = { t: T0 + 40 * 60_000 };
    const head = createHead({ windowMs: 2 * 3_600_000, maxBytes: 1 << 26, truncateEveryMs: 0, now: () => now.t }, new Registry());
    for (const r of requests()) {
      await store.writeSamples(metricSampleGroups(r));
      appendMetrics(head, r);
    }
    const older = storeSeriesSource(store, 1_000_000);
    const query = (src: typeof older) => rangeQuery(src, 'sum by (code) (rate(requests_total[5m])) or max_over_time(depth[10m])', T0 + 10 * 60_000, T0 + 39 * 60_000, 60_000);
    const expected = await query(older);
    expect(JSON.stringify(expected)).toContain('"code":"500"');
    const meta = recentMetaReader(storeMetaReader(store, 1_000_000), head);
    const storeMeta = storeMetaReader(store, 1_000_000);
    for (const covers of [-Infinity, T0 + 20 * 60_000 + 7_000, T0 + 20 * 60_000, Infinity]) {
      head.markCoveredFrom(covers);
      const recent = recentSeriesSource(store, 1_000_000, head);
      expect(await query(recent), `covered from ${covers}`).toEqual(expected);
      const raw = async (src: typeof older) => (await src.select([{ type: '=~', name: '__name__', value: '.+' }], T0 + 60_000, T0 + 39 * 60_000)).map((x) => JSON.stringify(x)).sort();
      expect(await raw(recent), `covered from ${covers}`).toEqual(await raw(older));
      expect(await meta.series([[{ type: '=', name: '__name__', value: 'requests_total' }]], T0, T0 + 39 * 60_000)).toHaveLength(2);
      expect(await meta.labelValues('code', [], T0, T0 + 39 * 60_000)).toEqual(await storeMeta.labelValues('code', [], T0, T0 + 39 * 60_000));
      expect(await meta.labelNames([], T0, T0 + 39 * 60_000)).toEqual(await storeMeta.labelNames([], T0, T0 + 39 * 60_000));
      expect(await meta.metadata(undefined, T0, T0 + 39 * 60_000)).toEqual(new Map([['depth', 'gauge'], ['requests_total', 'counter']]));
    }
  });
});
