/** The `ingest` config block as the derived series' settings. */
import type { BraidConfig } from '../../config/schema.js';
import type { DerivedSettings } from './derived.js';

/** Settings of the derived series from the validated `ingest` block. */
export function derivedSettings(c: BraidConfig['ingest']): DerivedSettings {
  const s = c.span_metrics;
  return {
    spans: { enabled: s.enabled, dimensions: s.dimensions, bounds: s.histogram_buckets, exemplars: s.exemplars },
    logs: { enabled: c.log_metrics.enabled },
    maxSeries: c.max_series,
    flushIntervalMs: c.flush_interval,
  };
}
