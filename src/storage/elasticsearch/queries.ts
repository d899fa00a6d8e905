/** Elasticsearch query bodies for trace search, kept apart from the transport code. */
import type { LogQuery, SampleQuery, TraceQuery } from '../store.js';

type Clause = Record<string, unknown>;

/**
 * The filter of sample groups in a time range with a metric name and exact label values. A group
 * matches on the union of its samples' label values, so a caller checks each sample or series after.
 */
export function sampleGroupFilter(q: Pick<SampleQuery, 'metric' | 'labels' | 'start' | 'end'>): Clause[] {
  const filter: Clause[] = [{ range: { '@timestamp': { gte: q.start, lte: q.end } } }];
  if (q.metric !== undefined) filter.push({ term: { 'metric.name': q.metric } });
  for (const [k, v] of Object.entries(q.labels)) filter.push({ term: { [`labels.${k}`]: v } });
  return filter;
}

/** One page of the series of the groups matching `filter` (composite aggregation on `series.id`). */
export function seriesPageBody(filter: Clause[], size: number, after: unknown): Clause {
  return { size: 0, query: { bool: { filter } }, aggs: { s: { composite: { size, sources: [{ id: { terms: { field: 'series.id' } } }], ...(after !== undefined ? { after } : {}) } } } };
}

/** The groups matching `filter` that were stored without `field` (before it existed): their samples are read instead. */
export const withoutField = (filter: Clause[], field: string): Clause => ({ bool: { filter, must_not: [{ exists: { field } }] } });

/** The filter of one span matching every condition of `q` (Jaeger's per-span semantics). */
export function spanFilter(q: TraceQuery): Clause[] {
  const filter: Clause[] = [{ range: { 'span.start.us': { gte: q.startUs, lte: q.endUs } } }];
  if (q.service !== undefined) filter.push({ term: { 'service.name': q.service } });
  if (q.operation !== undefined) filter.push({ term: { 'span.name': q.operation } });
  if (q.minDurationUs !== undefined || q.maxDurationUs !== undefined) {
    filter.push({ range: { 'span.duration.us': { ...(q.minDurationUs !== undefined ? { gte: q.minDurationUs } : {}), ...(q.maxDurationUs !== undefined ? { lte: q.maxDurationUs } : {}) } } });
  }
  for (const [key, value] of Object.entries(q.tags)) {
    const should: Clause[] = [{ term: { [`attributes.${key}`]: value } }, { term: { [`resource.attributes.${key}`]: value } }];
    if (key === 'error') should.push(value === 'true' ? { term: { 'span.status.code': 'error' } } : { bool: { must_not: { term: { 'span.status.code': 'error' } } } });
    if (key === 'span.kind') should.push({ term: { 'span.kind': value } });
    filter.push({ bool: { should, minimum_should_match: 1 } });
  }
  return filter;
}

/** Filters spans first, then keeps the `limit` traces whose newest matching span is newest. */
export function findTracesBody(q: TraceQuery): Clause {
  return {
    size: 0,
    query: { bool: { filter: spanFilter(q) } },
    aggs: {
      traces: {
        terms: { field: 'trace.id', size: q.limit, order: { latest: 'desc' } },
        aggs: { latest: { max: { field: 'span.start.us' } } },
      },
    },
  };
}

/** Calls between services, counted per (parent, child), with failures. */
export function dependenciesBody(startUs: number, endUs: number): Clause {
  return {
    size: 0,
    query: { range: { '@timestamp': { gte: Math.floor(startUs / 1000), lte: Math.ceil(endUs / 1000), format: 'epoch_millis' } } },
    aggs: {
      parents: {
        terms: { field: 'parent.service.name', size: 1_000 },
        aggs: {
          children: {
            terms: { field: 'child.service.name', size: 1_000 },
            aggs: { errors: { filter: { term: { 'event.outcome': 'failure' } } } },
          },
        },
      },
    },
  };
}

/** Newest first; nanosecond timestamps come back as strings, so no precision is lost in a cursor. */
export const LOG_SORT = [{ '@timestamp': { order: 'desc', format: 'strict_date_optional_time_nanos' } }, { 'log.id': { order: 'desc' } }];
/** The logs of one trace, oldest first. */
export const LOG_SORT_OLDEST_FIRST = [{ '@timestamp': { order: 'asc', format: 'strict_date_optional_time_nanos' } }, { 'log.id': { order: 'asc' } }];

/** Log search: filters, then newest first; one hit more than the limit tells whether a next page exists. */
export function logSearchBody(q: LogQuery, after: unknown[] | undefined): Clause {
  const filter: Clause[] = [{ range: { '@timestamp': { gte: q.start, lte: q.end } } }];
  if (q.service !== undefined) filter.push({ term: { 'service.name': q.service } });
  if (q.level !== undefined) filter.push({ term: { 'log.level': q.level.toLowerCase() } });
  if (q.traceId !== undefined) filter.push({ term: { 'trace.id': q.traceId } });
  for (const [key, value] of Object.entries(q.attributes)) {
    filter.push({ bool: { should: [{ term: { [`attributes.${key}`]: value } }, { term: { [`resource.attributes.${key}`]: value } }], minimum_should_match: 1 } });
  }
  const must: Clause[] = q.text ? [{ match: { message: { query: q.text, operator: 'and' } } }] : [];
  return { size: q.limit + 1, query: { bool: { filter, must } }, sort: LOG_SORT, ...(after ? { search_after: after } : {}) };
}
