import { TraceFlags, type SpanContext } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { createShopMetrics, exemplarLabels, wantsOpenMetrics } from '../../../../examples/shop/lib/metrics.js';

const sampled: SpanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };
const OPENMETRICS = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

describe('exemplarLabels', () => {
  it('takes the IDs of a valid sampled span only', () => {
    expect(exemplarLabels(sampled)).toEqual({ trace_id: sampled.traceId, span_id: sampled.spanId });
    expect(exemplarLabels({ ...sampled, traceFlags: TraceFlags.NONE })).toBeUndefined();
    expect(exemplarLabels({ ...sampled, spanId: '0000000000000000' })).toBeUndefined();
    expect(exemplarLabels(undefined)).toBeUndefined();
  });
});

describe('createShopMetrics', () => {
  it('attaches the span as exemplar to the counter and the histogram bucket, in OpenMetrics', async () => {
    const metrics = createShopMetrics('payment');
    metrics.observe('/charge', 502, 0.042, sampled);
    const { body, contentType } = await metrics.render(OPENMETRICS);
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const exemplar = '# {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"}';
    const lines = body.split('\n');
    expect(lines.find((l) => l.startsWith('shop_http_requests_total{'))).toMatch(
      new RegExp(`^shop_http_requests_total\\{service="payment",route="/charge",status="502"\\} 1 ${escape(exemplar)} 1 \\d+(\\.\\d+)?$`),
    );
    expect(lines.find((l) => l.startsWith('shop_http_request_duration_seconds_bucket{le="0.05"'))).toMatch(
      new RegExp(`\\} 1 ${escape(exemplar)} 0\\.042 \\d+(\\.\\d+)?$`),
    );
    expect(lines.find((l) => l.startsWith('shop_http_request_duration_seconds_bucket{le="0.025"'))).not.toContain('#');
    expect(body.endsWith('# EOF\n')).toBe(true);
  });

  it('answers the classic text format without exemplars when OpenMetrics is not asked for', async () => {
    const metrics = createShopMetrics('user');
    metrics.observe('/users/:id', 200, 0.001, sampled);
    await metrics.render(OPENMETRICS); // must not change what the text format prints
    const { body, contentType } = await metrics.render('*/*');
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toContain('shop_http_requests_total{service="user",route="/users/:id",status="200"} 1\n');
    expect(body).not.toContain('trace_id');
  });

  it('leaves the exemplar out for an unsampled span', async () => {
    const metrics = createShopMetrics('user');
    metrics.observe('/users/:id', 404, 0.001, { ...sampled, traceFlags: TraceFlags.NONE });
    const { body } = await metrics.render(OPENMETRICS);
    expect(body).toContain('shop_http_requests_total{service="user",route="/users/:id",status="404"} 1\n');
    expect(body).not.toContain('trace_id');
  });
});

describe('wantsOpenMetrics', () => {
  it('reads the Accept header', () => {
    expect(wantsOpenMetrics(OPENMETRICS)).toBe(true);
    expect(wantsOpenMetrics('text/plain')).toBe(false);
    expect(wantsOpenMetrics(undefined)).toBe(false);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
