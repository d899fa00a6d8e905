import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { derivedSettings } from '../../src/ingest/derived/settings.js';

describe('the ingest block', () => {
  it('defaults to spanmetrics buckets in seconds, exemplars, log metrics, 10,000 series and 15 s', () => {
    const c = validateConfig({}, 'test');
    expect(derivedSettings(c.ingest)).toEqual({
      spans: { enabled: true, dimensions: [], bounds: [0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15], exemplars: true },
      logs: { enabled: true },
      maxSeries: 10_000,
      flushIntervalMs: 15_000,
    });
  });

  it('takes dimensions with defaults and a Prometheus duration', () => {
    const c = validateConfig({ ingest: { span_metrics: { dimensions: [{ name: 'http.route', default: 'none' }] }, flush_interval: '1m' } }, 'test');
    expect(c.ingest.span_metrics.dimensions).toEqual([{ name: 'http.route', default: 'none' }]);
    expect(c.ingest.flush_interval).toBe(60_000);
  });

  it.each([
    [{ span_metrics: { histogram_buckets: [0.1, 0.05] } }, 'ingest.span_metrics.histogram_buckets: histogram buckets must rise strictly'],
    [{ flush_interval: '500ms' }, 'ingest.flush_interval: flush_interval must be at least 1s'],
    [{ flush_interval: 'soon' }, 'ingest.flush_interval: not a valid duration'],
    [{ max_series: 0 }, 'ingest.max_series'],
    [{ span_metrics: { dimension: [] } }, 'ingest.span_metrics.dimension'],
  ])('refuses %j naming the key', (ingest, message) => {
    expect(() => validateConfig({ ingest } as never, 'test')).toThrow(message);
  });
});
