import { describe, expect, it } from 'vitest';
import { traceView } from '../../src/query/braid/routes.js';
import type { SampleDocument } from '../../src/storage/store.js';

/** A scraped bucket sample at `at` carrying the exemplar last seen by the target (time `exAt`). */
const bucket = (at: string, exAt: string, le: string, spanId = 'b7ad6b7169203331'): SampleDocument =>
  ({
    '@timestamp': at, 'metric.name': 'shop_http_request_duration_seconds_bucket', 'metric.type': 'histogram', labels: { job: 'shop', service: 'payment', le }, value: 3,
    exemplar: { 'trace.id': '0af7651916cd43dd8448eb211c80319c', 'span.id': spanId, value: 0.21, '@timestamp': exAt, labels: { trace_id: '0af7651916cd43dd8448eb211c80319c' } },
  }) as unknown as SampleDocument;

describe('the trace view lists each exemplar once', () => {
  it('keeps one entry for an exemplar every scrape repeats, and distinct exemplars apart', () => {
    const samples = [
      bucket('2026-12-06T08:00:00Z', '2026-12-06T07:59:58.100Z', '0.25'),
      bucket('2026-12-06T08:00:02Z', '2026-12-06T07:59:58.100Z', '0.25'),
      bucket('2026-12-06T08:00:04Z', '2026-12-06T07:59:58.100Z', '0.25'),
      // Same exemplar time and value, another bucket series: a different exemplar.
      bucket('2026-12-06T08:00:04Z', '2026-12-06T07:59:58.100Z', '+Inf'),
      // A newer exemplar of the same series.
      bucket('2026-12-06T08:00:06Z', '2026-12-06T08:00:05.000Z', '0.25', '00f067aa0ba902b7'),
    ];
    const view = traceView('0af7651916cd43dd8448eb211c80319c', [], [], null, samples);
    expect(view.exemplars.map((e) => [e.labels.le, e.timestamp, e.exemplar.timestamp])).toEqual([
      ['0.25', '2026-12-06T08:00:00Z', '2026-12-06T07:59:58.100Z'],
      ['+Inf', '2026-12-06T08:00:04Z', '2026-12-06T07:59:58.100Z'],
      ['0.25', '2026-12-06T08:00:06Z', '2026-12-06T08:00:05.000Z'],
    ]);
  });
});
