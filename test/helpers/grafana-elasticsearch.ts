/**
 * The _msearch Grafana 11.6 sends for a panel's Elasticsearch targets: the frontend interpolates
 * the lucene query (format `lucene`) then the rest of the target (default format), the backend
 * (pkg/tsdb/elasticsearch data_query.go, client/search_request.go, client/client.go) builds one
 * header and one body per target. Bodies follow the request snapshots of Grafana's own tests
 * (pkg/tsdb/elasticsearch/testdata_request: logs with its date histogram, raw_data, metric_simple).
 */
import type { ProvisionedDatasource } from './grafana-datasources.js';
import { jsonString } from './grafana-datasources.js';
import { interpolate } from './grafana-template.js';
import type { HttpRequestSpec, QueryContext, Target } from './grafana-queries.js';

interface MetricAgg { id: string; type: string; field?: string; settings?: Record<string, unknown> }
interface BucketAgg { id: string; type: string; field?: string; settings?: Record<string, unknown> }

const DEFAULT_SIZE = 500;
const PLAIN_METRICS = new Set(['avg', 'sum', 'min', 'max', 'cardinality', 'value_count', 'extended_stats', 'percentiles']);

/** stringToIntWithDefaultValue: a positive integer from a string or number, else the default. */
function intOr(v: unknown, dflt: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) && n !== 0 ? n : dflt;
}

/** The frontend's applyTemplateVariables: lucene for the query, then the default format everywhere. */
function frontendTarget(target: Target, ctx: QueryContext): Target {
  const query = interpolate(typeof target.query === 'string' ? target.query : '', ctx.variables, ctx.scoped, 'lucene');
  return JSON.parse(interpolate(JSON.stringify({ ...target, query }), ctx.variables, ctx.scoped)) as Target;
}

/** The search body the backend builds for one target. */
export function elasticsearchBody(raw: Target, ds: ProvisionedDatasource, ctx: QueryContext): Record<string, unknown> {
  const target = frontendTarget(raw, ctx);
  const timeField = jsonString(ds, 'timeField') || '@timestamp';
  const metrics = (target.metrics ?? []) as MetricAgg[];
  const buckets = (target.bucketAggs ?? []) as BucketAgg[];
  const where = `target ${target.refId ?? '?'}`;
  if (metrics.length === 0) throw new Error(`${where}: invalid query, missing metrics and aggregations`);
  const first = metrics[0]!;
  const documentQuery = ['logs', 'raw_data', 'raw_document'].includes(first.type);
  if (buckets.length === 0 && !documentQuery) throw new Error(`${where}: invalid query, missing metrics and aggregations`);
  const filters: unknown[] = [{ range: { [timeField]: { format: 'epoch_millis', gte: ctx.fromMs, lte: ctx.toMs } } }];
  const q = typeof target.query === 'string' ? target.query.trim() : '';
  if (q !== '') filters.push({ query_string: { analyze_wildcard: true, query: q } });
  const body: Record<string, unknown> = { query: { bool: { filter: filters.length === 1 ? filters[0] : filters } }, size: 0 };
  if (documentQuery) {
    body.sort = { [timeField]: { order: first.settings?.sortDirection === 'asc' ? 'asc' : 'desc', unmapped_type: 'boolean' }, _doc: { order: 'desc' } };
    body.docvalue_fields = [timeField];
    body.script_fields = {};
    body.fields = [{ field: timeField, format: 'strict_date_optional_time_nanos' }];
    body.size = intOr(first.type === 'logs' ? first.settings?.limit : first.settings?.size, DEFAULT_SIZE);
    if (first.type === 'logs') {
      body.highlight = { fields: { '*': {} }, pre_tags: ['@HIGHLIGHT@'], post_tags: ['@/HIGHLIGHT@'], fragment_size: 2147483647 };
      // processLogsQuery adds a date histogram "1" on the time field at the auto interval (the logs volume).
      body.aggs = bucketTree([{ id: '1', type: 'date_histogram', field: timeField, settings: { interval: 'auto' } }], [], ctx, timeField, where);
    }
    return body;
  }
  body.aggs = bucketTree(buckets, metrics, ctx, timeField, where);
  return body;
}

/** Nested bucket aggregations (first outermost), the metrics inside the innermost. */
function bucketTree(buckets: BucketAgg[], metrics: MetricAgg[], ctx: QueryContext, timeField: string, where: string): Record<string, unknown> {
  const metricAggs: Record<string, unknown> = {};
  for (const m of metrics) {
    if (m.type === 'count') continue;
    if (!PLAIN_METRICS.has(m.type)) throw new Error(`${where}: metric ${m.type} is not handled by the emulation`);
    metricAggs[m.id] = { [m.type]: { ...(m.field ? { field: m.field } : {}), ...(m.settings ?? {}) } };
  }
  let inner: Record<string, unknown> | undefined = Object.keys(metricAggs).length > 0 ? metricAggs : undefined;
  for (const b of [...buckets].reverse()) {
    const agg: Record<string, unknown> = { ...bucketAgg(b, metrics, ctx, timeField, where) };
    if (inner) agg.aggs = inner;
    inner = { [b.id]: agg };
  }
  return inner ?? {};
}

function bucketAgg(b: BucketAgg, metrics: MetricAgg[], ctx: QueryContext, timeField: string, where: string): Record<string, unknown> {
  const s = b.settings ?? {};
  switch (b.type) {
    case 'date_histogram': {
      const interval = typeof s.interval === 'string' && s.interval !== '' ? s.interval : 'auto';
      return {
        date_histogram: {
          extended_bounds: { max: ctx.toMs, min: ctx.fromMs },
          field: b.field || timeField,
          // "auto" is $__interval_msms, replaced by the backend with the request's intervalMs.
          fixed_interval: interval === 'auto' ? `${ctx.intervalMs}ms` : interval,
          format: typeof s.format === 'string' ? s.format : 'epoch_millis',
          min_doc_count: intOr(s.min_doc_count, 0),
        },
      };
    }
    case 'terms': {
      const order: Record<string, string> = {};
      const orderBy = typeof s.orderBy === 'string' ? s.orderBy : undefined;
      const dir = typeof s.order === 'string' ? s.order : 'desc';
      if (orderBy !== undefined) {
        const byMetric = metrics.find((m) => m.id === /^(\d+)/.exec(orderBy)?.[1]);
        if (byMetric?.type === 'count') order._count = dir;
        else order[orderBy === '_term' ? '_key' : orderBy] = dir;
      }
      return {
        terms: {
          field: b.field,
          size: intOr(s.size, DEFAULT_SIZE),
          ...(s.min_doc_count !== undefined ? { min_doc_count: intOr(s.min_doc_count, 0) } : {}),
          ...(Object.keys(order).length > 0 ? { order } : {}),
          ...(typeof s.missing === 'string' ? { missing: s.missing } : {}),
        },
      };
    }
    case 'histogram':
      return { histogram: { field: b.field, interval: intOr(s.interval, 1000), min_doc_count: intOr(s.min_doc_count, 0) } };
    default:
      throw new Error(`${where}: bucket aggregation ${b.type} is not handled by the emulation`);
  }
}

/** One _msearch for every visible target of a panel on this data source. */
export function elasticsearchRequest(targets: Target[], ds: ProvisionedDatasource, ctx: QueryContext): HttpRequestSpec {
  if (jsonString(ds, 'interval') !== '') throw new Error(`data source ${ds.uid}: time-pattern indices (jsonData.interval) are not handled by the emulation`);
  const index = jsonString(ds, 'index') || ds.jsonData.database;
  if (typeof index !== 'string' || index === '') throw new Error(`data source ${ds.uid}: jsonData.index is not set`);
  const lines: string[] = [];
  for (const t of targets) {
    if (t.hide === true) continue;
    lines.push(JSON.stringify({ ignore_unavailable: true, index, search_type: 'query_then_fetch' }));
    lines.push(JSON.stringify(elasticsearchBody(t, ds, ctx)));
  }
  const shards = typeof ds.jsonData.maxConcurrentShardRequests === 'number' ? ds.jsonData.maxConcurrentShardRequests : 5;
  return { method: 'POST', url: `${ds.url.replace(/\/+$/, '')}/_msearch?max_concurrent_shard_requests=${shards}`, headers: { 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` };
}
