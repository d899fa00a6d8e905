/**
 * The checks Grafana 11.6 runs on "Save & test" and when its query editors open:
 * - Prometheus (pkg/promlib/healthcheck.go): the instant query `1+1` at t=4s, then (heuristics,
 *   failure only logged) GET /api/v1/status/buildinfo; on load the data source also probes
 *   /api/v1/query_exemplars?query=test with start/end in ms (areExemplarsAvailable; a failure only
 *   hides exemplars);
 * - Jaeger (datasource.ts testDatasource): GET /api/services, an error when no service comes back;
 * - Elasticsearch (pkg/tsdb/elasticsearch/healthcheck.go): GET /_cluster/health?wait_for_status=yellow,
 *   unhealthy when red; the query editor then reads the fields from GET /<index>/_mapping.
 */
import type { ProvisionedDatasource } from './grafana-datasources.js';
import { jsonString } from './grafana-datasources.js';
import type { Exchange } from './grafana.js';
import type { HttpRequestSpec } from './grafana-queries.js';

/** The outcome of one health request. */
export interface HealthResult {
  datasource: string;
  check: string;
  exchange: Exchange;
  ok: boolean;
  /** A check whose failure Grafana only logs. */
  optional: boolean;
  problem?: string;
}

const get = (url: string): HttpRequestSpec => ({ method: 'GET', url, headers: {} });
const base = (ds: ProvisionedDatasource) => ds.url.replace(/\/+$/, '');

/** What Grafana checks for one data source: [check name, request, judge, optional]. */
function checksOf(ds: ProvisionedDatasource): Array<[string, HttpRequestSpec, (e: Exchange) => string | undefined, boolean]> {
  const b = (e: Exchange) => e.body as Record<string, unknown>;
  switch (ds.type) {
    case 'prometheus':
      return [
        ['instant query 1+1', { method: 'POST', url: `${base(ds)}/api/v1/query`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=1%2B1&time=4' },
          (e) => (e.status === 200 && b(e).status === 'success' && (b(e).data as { result?: unknown[] } | undefined)?.result?.[1] === '2' ? undefined : 'expected scalar 2'), false],
        ['buildinfo (heuristics)', get(`${base(ds)}/api/v1/status/buildinfo`), (e) => (e.status === 200 && b(e).status === 'success' ? undefined : 'no buildinfo'), true],
        ['exemplars available', get(`${base(ds)}/api/v1/query_exemplars?query=test&start=${Date.now() - 1_800_000}&end=${Date.now()}`), (e) => (e.status === 200 && b(e).status === 'success' ? undefined : 'exemplars would be hidden'), true],
      ];
    case 'jaeger':
      return [['services', get(`${base(ds)}/api/services`), (e) => (e.status === 200 && Array.isArray(b(e).data) && (b(e).data as unknown[]).length > 0 ? undefined : 'Data source connected, but no services received'), false]];
    case 'elasticsearch': {
      const index = jsonString(ds, 'index');
      const timeField = jsonString(ds, 'timeField') || '@timestamp';
      return [
        ['cluster health', get(`${base(ds)}/_cluster/health?wait_for_status=yellow`), (e) => (e.status === 200 && b(e).status !== 'red' ? undefined : 'Elasticsearch cluster is not healthy'), false],
        ['index mapping (query editor fields)', get(`${base(ds)}/${encodeURIComponent(index)}/_mapping`), (e) => mappingProblem(e, timeField), false],
      ];
    }
    default:
      return [];
  }
}

/** The mapping must list indices whose time field is a date. */
function mappingProblem(e: Exchange, timeField: string): string | undefined {
  if (e.status !== 200) return `HTTP ${e.status}`;
  const indices = Object.values(e.body as Record<string, { mappings?: { properties?: Record<string, { type?: string }> } }>);
  if (indices.length === 0) return 'no index matches the pattern';
  const typed = indices.some((i) => ['date', 'date_nanos'].includes(i.mappings?.properties?.[timeField]?.type ?? ''));
  return typed ? undefined : `no matching index maps ${timeField} as a date`;
}

/** Runs every data source's checks. */
export async function healthChecks(datasources: ProvisionedDatasource[], send: (r: HttpRequestSpec) => Promise<Exchange>): Promise<HealthResult[]> {
  const out: HealthResult[] = [];
  for (const ds of datasources) {
    for (const [check, request, judge, optional] of checksOf(ds)) {
      const exchange = await send(request);
      const problem = judge(exchange);
      out.push({ datasource: ds.uid, check, exchange, ok: problem === undefined, optional, ...(problem !== undefined ? { problem } : {}) });
    }
  }
  return out;
}
