import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricSamples } from '../../../src/ingest/metric-samples.js';
import { decodeMetricsRequest, encodeMetricsRequest } from '../../../src/model/otlp/metrics-proto.js';
import { appendMetrics, startHeadFeed } from '../../../src/promql/head/feed.js';
import { createHead } from '../../../src/promql/head/index.js';
import { createMemoryQueue } from '../../../src/queue/memory/memory-queue.js';
import { createQueueMetrics } from '../../../src/queue/metrics.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { TRACE, SPAN, histogramPoint, metric, metricsRequest, numberPoint } from '../../model/metrics-helpers.js';

const NOW = 1_700_000_100_000;
const newHead = () => createHead({ windowMs: 2 * 3_600_000, maxBytes: 1 << 28, truncateEveryMs: 0, now: () => NOW }, new Registry());

const request = () =>
  metricsRequest(
    metric('http.server.duration', { type: 'histogram', aggregationTemporality: 2, dataPoints: [histogramPoint()] }),
    metric('queue.depth', { type: 'gauge', dataPoints: [numberPoint({ exemplars: [] }), numberPoint({ attributes: { other: 'x' }, flags: 1, exemplars: [] })] }),
    metric('jobs.done', { type: 'sum', aggregationTemporality: 2, isMonotonic: true, dataPoints: [numberPoint({ value: 7n })] }),
  );

describe('head feed', () => {
  it('appends exactly the samples the ingester stores, staleness markers and exemplars included', () => {
    const head = newHead();
    const data = request();
    expect(appendMetrics(head, data)).toBe(metricSamples(data).length);
    const held = new Map(head.selectSync([{ type: '=~', name: '__name__', value: '.+' }], -Infinity, Infinity).map((s) => [JSON.stringify(Object.entries(s.labels).sort()), s.samples]));
    for (const d of metricSamples(data)) {
      const samples = held.get(JSON.stringify(Object.entries({ __name__: d['metric.name'], ...d.labels }).sort()));
      const t = Date.parse(d['@timestamp']);
      const value = d.value ?? (d.nonfinite === '+Inf' ? Infinity : d.nonfinite === '-Inf' ? -Infinity : Number.NaN);
      expect(samples, d['metric.name']).toEqual([d.stale ? [t, Number.NaN, true] : [t, value]]);
    }
    const ex = head.exemplars([[{ type: '=', name: '__name__', value: 'http_server_duration_seconds_bucket' }]], -Infinity, Infinity);
    expect(ex.map((e) => [e.seriesLabels.le, e.exemplars[0]!.labels.trace_id, e.exemplars[0]!.labels.span_id, e.exemplars[0]!.value])).toEqual([['10', TRACE, SPAN, 7]]);
    expect(head.metadata('jobs_done_seconds_total', -Infinity, Infinity)).toEqual(new Map([['jobs_done_seconds_total', 'counter']]));
    // A replay of the same request changes nothing.
    expect(appendMetrics(head, data)).toBe(0);
  });

  it('reads the in-process queue from its start, skips undecodable records and marks the head covered', async () => {
    const queue = createMemoryQueue({ partitions: 2, max_bytes: 1 << 20, topicPrefix: 't.' }, createQueueMetrics(new Registry()), createLogger('silent'));
    const head = newHead();
    const ac = new AbortController();
    const feed = await startHeadFeed(head, (from, handler) => queue.read(['metrics'], from, handler, ac.signal), decodeMetricsRequest, NOW - 60_000);
    await feed.ready;
    expect(head.coversFromMs()).toBe(NOW - 60_000);
    await queue.send('metrics', [{ key: null, value: Buffer.from(encodeMetricsRequest(request())) }, { key: null, value: Buffer.from([0xff, 0xff, 0xff]) }]);
    await expect.poll(() => head.stats().samples).toBe(metricSamples(request()).length);
    expect(feed.undecodable()).toBe(1);
    await feed.stop();
  });
});
