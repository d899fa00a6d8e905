/** Metrics of the head (braid_head_*). */
import { Counter, Gauge, Registry } from 'prom-client';

/** Why a sample was not appended. */
export type RefusalReason = 'out_of_order' | 'duplicate_timestamp' | 'too_old' | 'series_limit';

/** The head's metrics object. */
export interface HeadMetrics {
  series: Gauge;
  bytes: Gauge;
  appended: Counter;
  refused: Counter<'reason'>;
  seriesRefused: Counter<'reason'>;
  exemplars: Gauge;
  exemplarsAppended: Counter;
}

/** Registers the head's metrics (in a private registry when none is given). */
export function createHeadMetrics(registry: Registry = new Registry()): HeadMetrics {
  const r = [registry];
  const m: HeadMetrics = {
    series: new Gauge({ name: 'braid_head_series', help: 'Series held by the in-memory head.', registers: r }),
    bytes: new Gauge({ name: 'braid_head_bytes', help: 'Bytes the head accounts for: chunks, labels and index (head.max_bytes bounds it).', registers: r }),
    appended: new Counter({ name: 'braid_head_samples_appended_total', help: 'Samples appended to the head.', registers: r }),
    refused: new Counter({
      name: 'braid_head_samples_refused_total',
      help: 'Samples the head refused, by reason: out_of_order, duplicate_timestamp (same time, other value), too_old (before the window), series_limit (a new series past head.max_bytes or limits.max_series_per_tenant).',
      labelNames: ['reason'],
      registers: r,
    }),
    seriesRefused: new Counter({
      name: 'braid_head_series_refused_total',
      help: 'New series refused, by reason: max_bytes (the head at head.max_bytes), max_series (the tenant at limits.max_series_per_tenant).',
      labelNames: ['reason'],
      registers: r,
    }),
    exemplars: new Gauge({ name: 'braid_head_exemplars', help: 'Exemplars held by the head.', registers: r }),
    exemplarsAppended: new Counter({ name: 'braid_head_exemplars_appended_total', help: 'Exemplars appended to the head.', registers: r }),
  };
  // Exported at 0 from the start, as before the reason label: a dashboard's rate() of it has data.
  for (const reason of ['max_bytes', 'max_series']) m.seriesRefused.inc({ reason }, 0);
  return m;
}
