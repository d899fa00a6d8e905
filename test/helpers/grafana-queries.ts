/**
 * The HTTP requests Grafana 11.6's data sources send for one panel target, built without sending
 * them (pure, unit-tested in test/grafana/):
 * - Prometheus: the frontend (packages/grafana-prometheus datasource.ts applyTemplateVariables,
 *   processTargetV2) then the backend (pkg/promlib: models/query.go Parse, client/client.go):
 *   POST form query_range / query / query_exemplars with the step and aligned range;
 * - Jaeger: the frontend data source (plugins/datasource/jaeger/datasource.ts), which Grafana
 *   proxies as is: /api/traces search in microseconds, /api/dependencies;
 * - Elasticsearch: the frontend's lucene interpolation then the backend (pkg/tsdb/elasticsearch
 *   data_query.go, client/): one _msearch with a header and a body per target.
 */
import type { ProvisionedDatasource } from './grafana-datasources.js';
import { jsonString } from './grafana-datasources.js';
import { alignToStep, interpolatePromBuiltins, prometheusStep, promStep, promTime } from './grafana-time.js';
import { interpolate, prometheusFormatter, type ScopedVars, type VariableState } from './grafana-template.js';

/** One HTTP request as Grafana's data source sends it to the peer. */
export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** What a panel's query runner hands its data source: time range, resolution and variables. */
export interface QueryContext {
  fromMs: number;
  toMs: number;
  maxDataPoints: number;
  /** rangeutil.calculateInterval's result for this panel and data source. */
  intervalMs: number;
  interval: string;
  variables: VariableState[];
  /** Built-ins: __from, __to, __interval, __interval_ms, __range, __range_s, __range_ms. */
  scoped: ScopedVars;
}

/** A target as stored in dashboard JSON; the fields each data source reads. */
export type Target = Record<string, unknown> & { refId?: string; hide?: boolean };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const form = (fields: Record<string, string>): string => new URLSearchParams(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))).toString();
const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path}`;

/** The requests of one Prometheus target (range and/or instant, and exemplars when asked). */
export function prometheusRequests(target: Target, ds: ProvisionedDatasource, ctx: QueryContext): HttpRequestSpec[] {
  const expr = str(target.expr);
  if (target.hide === true || expr === '') return [];
  // The frontend keeps $__interval(_ms) for the backend and formats variables as interpolateQueryExpr does.
  const keep = { ...ctx.scoped, __interval: '$__interval', __interval_ms: '$__interval_ms' };
  const frontendExpr = interpolate(expr, ctx.variables, keep, prometheusFormatter);
  const interval = interpolate(str(target.interval), ctx.variables, keep);
  const scrape = jsonString(ds, 'timeInterval');
  const rangeMs = ctx.toMs - ctx.fromMs;
  const stepNs = prometheusStep({ queryInterval: interval, dsScrapeInterval: scrape, intervalMs: ctx.intervalMs, intervalFactor: Number(target.intervalFactor ?? 0), rangeMs, maxDataPoints: ctx.maxDataPoints });
  const query = interpolatePromBuiltins(frontendExpr, { intervalMs: ctx.intervalMs, stepNs, requestedMinStep: interval, dsScrapeInterval: scrape, rangeMs });
  const start = promTime(alignToStep(ctx.fromMs, stepNs));
  const end = promTime(alignToStep(ctx.toMs, stepNs));
  const instant = target.instant === true;
  const range = target.range === true || !instant;
  const post = (jsonString(ds, 'httpMethod') || 'POST').toUpperCase() === 'POST';
  const request = (endpoint: string, fields: Record<string, string>): HttpRequestSpec =>
    post
      ? { method: 'POST', url: joinUrl(ds.url, `api/v1/${endpoint}`), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) }
      : { method: 'GET', url: `${joinUrl(ds.url, `api/v1/${endpoint}`)}?${form(fields)}`, headers: {} };
  const out: HttpRequestSpec[] = [];
  if (range) out.push(request('query_range', { query, start, end, step: promStep(stepNs) }));
  if (instant) out.push(request('query', { query, time: promTime(ctx.toMs) }));
  if (target.exemplar === true) out.push(request('query_exemplars', { query, start, end }));
  return out;
}

/**
 * The query_range of a Prometheus annotation (datasource.ts annotationQuery): the query model
 * {expr, range, interval: step || 60s} posted without intervalMs or maxDataPoints, which the
 * server then takes as 1000 ms and 100, over the range rounded up to whole seconds.
 */
export function prometheusAnnotationRequests(annotation: Record<string, unknown>, ds: ProvisionedDatasource, ctx: Pick<QueryContext, 'fromMs' | 'toMs' | 'variables'>): HttpRequestSpec[] {
  const fromMs = Math.ceil(ctx.fromMs / 1000) * 1000;
  const toMs = Math.ceil(ctx.toMs / 1000) * 1000;
  const step = typeof annotation.step === 'string' && annotation.step !== '' ? annotation.step : '60s';
  const target: Target = { refId: 'X', expr: annotation.expr, range: true, instant: false, exemplar: false, interval: step };
  return prometheusRequests(target, ds, { fromMs, toMs, maxDataPoints: 100, intervalMs: 1000, interval: '1s', variables: ctx.variables, scoped: {} });
}

/** The label_values(...) query of a Prometheus variable as the request Grafana sends for it. */
export function labelValuesRequest(query: string, ds: ProvisionedDatasource, ctx: Pick<QueryContext, 'fromMs' | 'toMs' | 'variables' | 'scoped'>): HttpRequestSpec {
  const interpolated = interpolate(query, ctx.variables, ctx.scoped, prometheusFormatter);
  const m = /^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$/.exec(interpolated);
  if (!m) throw new Error(`unsupported Prometheus variable query ${JSON.stringify(query)}: the emulation handles label_values(...) only`);
  const filter = m[1];
  const params = new URLSearchParams();
  if (filter && filter.split(' ').join('') !== '{}') params.set('match[]', filter);
  // getPrometheusTime rounds both ends up to whole seconds.
  params.set('start', String(Math.ceil(ctx.fromMs / 1000)));
  params.set('end', String(Math.ceil(ctx.toMs / 1000)));
  return { method: 'GET', url: `${joinUrl(ds.url, `api/v1/label/${m[2]}/values`)}?${params.toString()}`, headers: {} };
}

/** logfmt `a=b c="d e"` to the JSON object string Jaeger's `tags` parameter takes (convertTagsLogfmt). */
export function logfmtToJson(text: string): string {
  const out: Record<string, string> = {};
  const re = /([^\s=]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S*)))?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out[m[1]!] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3] ?? 'true';
  return JSON.stringify(out);
}

/** The request of a Jaeger target (search or dependency graph); throws Grafana's message when it would not run. */
export function jaegerRequest(target: Target, ds: ProvisionedDatasource, ctx: QueryContext): HttpRequestSpec {
  const base = ds.url.replace(/\/+$/, '');
  if (target.queryType === 'dependencyGraph') {
    return { method: 'GET', url: `${base}/api/dependencies?endTs=${ctx.toMs}&lookback=${ctx.toMs - ctx.fromMs}`, headers: {} };
  }
  if (target.queryType !== 'search') throw new Error(`unsupported Jaeger queryType ${JSON.stringify(target.queryType)}: the emulation handles search and dependencyGraph`);
  const sub = (field: string) => interpolate(str(target[field]), ctx.variables, ctx.scoped);
  const service = sub('service');
  if (service === '') throw new Error('You must select a service.');
  const params: Array<[string, string]> = [['service', service]];
  const operation = sub('operation');
  if (operation !== '' && operation !== 'All') params.push(['operation', operation]);
  const tags = sub('tags');
  if (tags !== '') params.push(['tags', logfmtToJson(tags)]);
  for (const f of ['minDuration', 'maxDuration']) if (sub(f) !== '') params.push([f, sub(f)]);
  if (typeof target.limit === 'number' && target.limit !== 0) params.push(['limit', String(target.limit)]);
  params.push(['start', String(ctx.fromMs * 1000)], ['end', String(ctx.toMs * 1000)], ['lookback', 'custom']);
  return { method: 'GET', url: `${base}/api/traces?${params.map(([k, v]) => `${angularEncode(k)}=${angularEncode(v)}`).join('&')}`, headers: {} };
}

/** urlUtil.serializeParams' encoding (encodeURIComponentAsAngularJS): @ : $ , ; kept, spaces as +. */
export function angularEncode(value: string): string {
  return encodeURIComponent(value).replace(/%40/gi, '@').replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%3B/gi, ';').replace(/%20/g, '+');
}

/** The rules request of an alert list panel (Grafana's ruler proxy to a data-source-managed source). */
export function rulesRequest(ds: ProvisionedDatasource): HttpRequestSpec {
  return { method: 'GET', url: joinUrl(ds.url, 'api/v1/rules'), headers: {} };
}

export { elasticsearchRequest, elasticsearchBody } from './grafana-elasticsearch.js';
