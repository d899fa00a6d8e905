/** Public types of the PromQL engine: what a storage backend supplies and what a query returns. */
import type { QueryLimits } from './limits.js';

/** A label set, `__name__` included when the series has a metric name. */
export type Labels = Record<string, string>;

/**
 * One stored sample: time in Unix milliseconds and value. A third element `true` marks a staleness
 * marker (Prometheus's StaleNaN, 0x7ff0000000000002): JavaScript may canonicalise NaN payloads, so the
 * marker travels as a flag rather than as a NaN bit pattern.
 */
export type StoredSample = readonly [t: number, v: number, stale?: boolean];

/** One series as a storage backend returns it, samples sorted by time. */
export interface Series {
  labels: Labels;
  samples: readonly StoredSample[];
}

/** A label matcher of a selector. */
export interface LabelMatcher {
  type: '=' | '!=' | '=~' | '!~';
  name: string;
  value: string;
}

/** What the engine tells a source about one selection: a bound on samples, and a way to yield while it reads. */
export interface SelectHints {
  /** Samples the query may load (query.prometheus.max_samples); a source past it throws BRAID_ERR_PROMQL_EXEC. */
  maxSamples?: number;
  /** Called between pieces of a long read: lets the event loop turn every few ms, and throws past the query's timeout. */
  pace?: () => Promise<void>;
}

/** What the engine reads: every series matching all matchers, with its samples in [startMs, endMs]. */
export interface SeriesSource {
  select(matchers: LabelMatcher[], startMs: number, endMs: number, hints?: SelectHints): Promise<Series[]>;
}

/** Options of one query. */
export interface QueryOptions {
  /** How far back an instant selector looks for a sample; default 5 minutes. */
  lookbackDeltaMs?: number;
  /** Step of a subquery written without one (`x[5m:]`); default 1 minute. */
  subqueryStepMs?: number;
  /** limits.max_query_length and limits.query_timeout of the caller's tenant (limits.ts). */
  limits?: QueryLimits;
  /** Samples one query may load (query.prometheus.max_samples); default: no bound. */
  maxSamples?: number;
}

/** A sample pair as the Prometheus HTTP API writes it: [seconds, "value"]. */
export type ApiPoint = [number, string];

/** The `data` of a Prometheus API query response. */
export type QueryResult =
  | { resultType: 'vector'; result: Array<{ metric: Labels; value: ApiPoint }> }
  | { resultType: 'matrix'; result: Array<{ metric: Labels; values: ApiPoint[] }> }
  | { resultType: 'scalar'; result: ApiPoint }
  | { resultType: 'string'; result: ApiPoint };
