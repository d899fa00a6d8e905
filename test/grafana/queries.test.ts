/**
 * The requests the Grafana emulation sends for a fixture dashboard (test/fixtures/grafana), worked
 * out by hand from Grafana 11.6's rules: panel width -> maxDataPoints -> interval -> step and
 * $__rate_interval, the range aligned to the step, All expanded per data source, the
 * Elasticsearch bodies shaped as Grafana's request snapshots. A recording sender stands in for
 * the peers (this is the pure part; the integration test sends to a real Braid).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { emulateDashboard, esHasData, judge, panelWidth, type DashboardJson, type Exchange } from '../helpers/grafana.js';
import { loadDatasources } from '../helpers/grafana-datasources.js';
import type { HttpRequestSpec } from '../helpers/grafana-queries.js';
import { jaegerRequest, logfmtToJson } from '../helpers/grafana-queries.js';

const fixture = (name: string) => new URL(`../fixtures/grafana/${name}`, import.meta.url).pathname;
const NOW = 1_700_000_900_000;
const FROM = NOW - 15 * 60_000;

/** Answers label values for the two variables and an empty success to everything else. */
async function record(): Promise<{ sent: HttpRequestSpec[]; result: Awaited<ReturnType<typeof emulateDashboard>> }> {
  const dash = JSON.parse(await readFile(fixture('dashboard.json'), 'utf8')) as DashboardJson;
  const datasources = await loadDatasources(fixture('datasources.yaml'), { BRAID_QUERY_URL: 'http://braid:16686', BRAID_ELASTICSEARCH_URL: 'http://es:9200' });
  const sent: HttpRequestSpec[] = [];
  const send = async (r: HttpRequestSpec): Promise<Exchange> => {
    sent.push(r);
    if (r.url.includes('/label/service_name/')) return { request: r, status: 200, body: { status: 'success', data: ['checkout', 'frontend'] } };
    if (r.url.includes('/label/span_name/')) return { request: r, status: 200, body: { status: 'success', data: ['GET /checkout'] } };
    return { request: r, status: 200, body: { status: 'success', data: { result: [] } } };
  };
  return { sent, result: await emulateDashboard(dash, { datasources, nowMs: NOW, send }) };
}

const form = (r: HttpRequestSpec | undefined) => Object.fromEntries(new URLSearchParams(r?.body ?? ''));
const ndjson = (r: HttpRequestSpec | undefined) => (r?.body ?? '').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('requests of the fixture dashboard', async () => {
  const { sent, result } = await record();
  const find = (part: string, nth = 0) => sent.filter((r) => r.url.includes(part))[nth];

  it('resolves the variables with label values requests, the second filtered by the first', () => {
    expect(sent[0]).toEqual({ method: 'GET', url: `http://braid:16686/prometheus/api/v1/label/service_name/values?match%5B%5D=traces_span_metrics_calls_total&start=${FROM / 1000}&end=${NOW / 1000}`, headers: {} });
    const second = new URL(sent[1]!.url);
    expect(second.pathname).toBe('/prometheus/api/v1/label/span_name/values');
    expect(second.searchParams.get('match[]')).toBe('traces_span_metrics_calls_total{service_name=~"(checkout|frontend)"}');
    expect(result.variables.map((v) => [v.name, v.options, v.current])).toEqual([['service', ['checkout', 'frontend'], ['$__all']], ['operation', ['GET /checkout'], ['$__all']]]);
  });

  it('sends a range query with the step and $__rate_interval of a 944 px panel over 15 minutes', () => {
    // 900 s / 944 px -> 1 s, raised to the 15 s scrape interval; $__rate_interval = max(15s + 15s, 4 x 15s).
    expect(panelWidth(12, 1920)).toBe(944);
    const r = find('/api/v1/query_range', 1);
    expect(r?.method).toBe('POST');
    expect(r?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(r)).toEqual({
      query: 'sum by (service_name) (rate(traces_span_metrics_calls_total{service_name=~"(checkout|frontend)", span_name=~".*", span_kind="SPAN_KIND_SERVER"}[1m0s]))',
      start: '1699999995', end: '1700000895', step: '15',
    });
  });

  it('adds the exemplars request of an exemplar target over the same aligned range', () => {
    expect(form(find('/api/v1/query_exemplars'))).toEqual({
      query: 'histogram_quantile(0.99, sum by (le, service_name) (rate(traces_span_metrics_duration_seconds_bucket{service_name=~"(checkout|frontend)"}[1m0s])))',
      start: '1699999995', end: '1700000895',
    });
  });

  it('sends instant queries at the end of the range with $__range replaced', () => {
    expect(form(sent.find((r) => r.url.endsWith('/api/v1/query')))).toEqual({ query: 'sum(increase(traces_span_metrics_calls_total{service_name=~"(checkout|frontend)", status_code="STATUS_CODE_ERROR"}[900s]))', time: '1700000900' });
  });

  it('searches Jaeger in microseconds without the All operation, and asks for the dependencies in ms', () => {
    expect(find('/api/traces')?.url).toBe(`http://braid:16686/api/traces?service=checkout&limit=20&start=${FROM * 1000}&end=${NOW * 1000}&lookback=custom`);
    expect(find('/api/dependencies')?.url).toBe(`http://braid:16686/api/dependencies?endTs=${NOW}&lookback=900000`);
  });

  it('sends a logs search as Grafana\'s logs request snapshot, with the lucene-formatted query', () => {
    const r = find('/_msearch');
    expect(r?.url).toBe('http://es:9200/_msearch?max_concurrent_shard_requests=5');
    expect(r?.headers['content-type']).toBe('application/x-ndjson');
    expect(ndjson(r)).toEqual([
      { ignore_unavailable: true, index: 'braid-logs-*', search_type: 'query_then_fetch' },
      {
        query: { bool: { filter: [{ range: { '@timestamp': { format: 'epoch_millis', gte: FROM, lte: NOW } } }, { query_string: { analyze_wildcard: true, query: 'service.name:("checkout" OR "frontend")' } }] } },
        size: 500,
        sort: { '@timestamp': { order: 'desc', unmapped_type: 'boolean' }, _doc: { order: 'desc' } },
        docvalue_fields: ['@timestamp'],
        script_fields: {},
        fields: [{ field: '@timestamp', format: 'strict_date_optional_time_nanos' }],
        highlight: { fields: { '*': {} }, pre_tags: ['@HIGHLIGHT@'], post_tags: ['@/HIGHLIGHT@'], fragment_size: 2147483647 },
        // 900 s over a 1904 px panel: 473 ms -> 500 ms, no lower limit without timeInterval.
        aggs: { 1: { date_histogram: { extended_bounds: { max: NOW, min: FROM }, field: '@timestamp', fixed_interval: '500ms', format: 'epoch_millis', min_doc_count: 0 } } },
      },
    ]);
  });

  it('sends terms + date_histogram as the metric_simple snapshot, auto interval = the request interval', () => {
    expect(ndjson(find('/_msearch', 1))[1]).toEqual({
      query: { bool: { filter: { range: { '@timestamp': { format: 'epoch_millis', gte: FROM, lte: NOW } } } } },
      size: 0,
      aggs: {
        3: {
          terms: { field: 'log.level', size: 10, min_doc_count: 1, order: { _key: 'desc' } },
          aggs: { 2: { date_histogram: { extended_bounds: { max: NOW, min: FROM }, field: '@timestamp', fixed_interval: '1000ms', format: 'epoch_millis', min_doc_count: 0 } } },
        },
      },
    });
  });

  it('runs the Prometheus annotation as annotationQuery does: its step as min step, 100 points, no panel width', () => {
    expect(form(sent.find((r) => r.body?.includes('ALERTS')))).toEqual({ query: 'ALERTS{alertstate="firing"}', start: '1699999980', end: '1700000880', step: '60' });
  });

  it('reads the alert list\'s rules from the named Prometheus source and skips text panels', () => {
    expect(find('/api/v1/rules')?.url).toBe('http://braid:16686/prometheus/api/v1/rules');
    expect(result.targets.map((t) => `${t.panel}/${t.kind}`)).toEqual([
      'annotation Firing alerts/annotation prometheus query_range', 'Requests per second/prometheus query_range', 'p99 latency/prometheus query_range', 'p99 latency/prometheus query_exemplars', 'Errors in range/prometheus query',
      'Scrape targets up/prometheus query', 'Traces of checkout/jaeger', 'Logs of the selected services/elasticsearch', 'Log lines per level/elasticsearch',
      'Dependencies/jaeger', 'Firing alerts/rules',
    ]);
    expect(result.targets.every((t) => !t.hasData)).toBe(true);
  });
});

describe('judging answers', () => {
  it('wants samples, traces, hits or counted buckets, and rules', () => {
    expect(judge('prometheus query_range', 200, { status: 'success', data: { result: [{ metric: {}, values: [[1, '1']] }] } })).toBeUndefined();
    expect(judge('prometheus query_range', 200, { status: 'success', data: { result: [{ metric: {}, values: [] }] } })).toBe('series without samples');
    expect(judge('prometheus query_exemplars', 200, { status: 'success', data: [] })).toBe('empty result');
    expect(judge('jaeger', 200, { data: [{ traceID: 'a' }] })).toBeUndefined();
    expect(judge('rules', 200, { status: 'success', data: { groups: [{ rules: [] }] } })).toBe('no rules');
    expect(judge('prometheus query', 503, {})).toBe('HTTP 503');
    expect(esHasData({ hits: { hits: [] }, aggregations: { 2: { buckets: [{ key: 1, doc_count: 0 }] } } })).toBe(false);
    expect(esHasData({ hits: { hits: [] }, aggregations: { 3: { buckets: [{ key: 'info', doc_count: 2, 2: { buckets: [] } }] } } })).toBe(true);
    // A logs panel shows hits only, not its volume histogram.
    expect(esHasData({ hits: { hits: [] }, aggregations: { 1: { buckets: [{ key: 1, doc_count: 3 }] } } }, true)).toBe(false);
  });

  it('turns logfmt tags into the JSON Jaeger takes, encoded as urlUtil.serializeParams does', () => {
    expect(logfmtToJson('error=true http.status_code=500 msg="a b"')).toBe('{"error":"true","http.status_code":"500","msg":"a b"}');
    const ds = { name: 'J', type: 'jaeger', uid: 'j', url: 'http://q/', access: 'proxy', isDefault: false, jsonData: {} };
    const ctx = { fromMs: 1_000, toMs: 2_000, maxDataPoints: 100, intervalMs: 10, interval: '10ms', variables: [], scoped: {} };
    expect(jaegerRequest({ refId: 'A', queryType: 'search', service: 'check out', operation: 'GET /x', tags: 'error=true', minDuration: '100ms', limit: 0 }, ds, ctx).url)
      .toBe('http://q/api/traces?service=check+out&operation=GET+%2Fx&tags=%7B%22error%22:%22true%22%7D&minDuration=100ms&start=1000000&end=2000000&lookback=custom');
  });
});
