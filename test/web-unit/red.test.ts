import { describe, expect, it } from 'vitest';
import { promString, redLinks, redQueries } from '../../web/src/components/red.js';

describe('RED links of a span', () => {
  it('quotes label values as PromQL strings', () => {
    expect(promString('GET /a "b" \\c\nd')).toBe('"GET /a \\"b\\" \\\\c\\nd"');
  });

  it('queries the span metrics of the span\'s service and name', () => {
    expect(redQueries('payment', 'POST /charge')).toEqual([
      { label: 'Rate', query: 'sum(rate(traces_span_metrics_calls_total{service_name="payment",span_name="POST /charge"}[5m]))' },
      { label: 'Errors', query: 'sum(rate(traces_span_metrics_calls_total{service_name="payment",span_name="POST /charge",status_code="STATUS_CODE_ERROR"}[5m]))' },
      { label: 'Duration p95', query: 'histogram_quantile(0.95, sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{service_name="payment",span_name="POST /charge"}[5m])))' },
    ]);
  });

  it('links query_range 30 minutes either side of the span, not past now, a point a minute', () => {
    const startUs = 1_765_000_000_000_000;
    const [rate] = redLinks('payment', 'POST /charge', startUs, 1_765_000_600_000);
    const url = new URL(rate!.href, 'http://h');
    expect(url.pathname).toBe('/prometheus/api/v1/query_range');
    expect(Object.fromEntries(url.searchParams)).toEqual({ query: rate!.query, start: String(1_765_000_000 - 1_800), end: String(1_765_000_600), step: '60' });
    const later = new URL(redLinks('a', 'b', startUs, 1_765_100_000_000)[0]!.href, 'http://h');
    expect(later.searchParams.get('end')).toBe(String(1_765_000_000 + 1_800));
  });
});
