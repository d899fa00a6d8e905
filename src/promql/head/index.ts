/** The in-memory head of recent samples: what the query target and the alerter read first. */
export { createHead, seriesKey, type AppendOutcome, type Head, type HeadExemplar, type HeadSettings, type HeadStats } from './head.js';
export { createHeadMetrics, type HeadMetrics, type RefusalReason } from './metrics.js';
