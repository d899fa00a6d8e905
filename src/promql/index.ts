/** Braid's PromQL engine: evaluate PromQL over any SeriesSource. */
export { instantQuery, rangeQuery } from './engine.js';
export { parseExpr } from './parse.js';
export type { ApiPoint, LabelMatcher, Labels, QueryOptions, QueryResult, Series, SeriesSource, StoredSample } from './types.js';
