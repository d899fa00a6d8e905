/**
 * The Prometheus HTTP API on the query port, under /prometheus (point Grafana's Prometheus data
 * source at http://<braid>:16686/prometheus): /api/v1/query, query_range, series, labels,
 * label/<name>/values, metadata, query_exemplars, status/buildinfo. GET and POST (form-encoded)
 * alike, answers and errors in Prometheus's envelope, evaluated by Braid's PromQL engine over the
 * in-memory head where it covers the range and the store before it (recent.ts). Every route reads
 * the caller's tenant's head and store (`store.forTenant(request.tenant)`), and the rules and
 * alerts of the caller's tenant.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import type { Expr, VectorSelector } from '../../promql/ast.js';
import { instantQuery, rangeQuery } from '../../promql/engine.js';
import { successJsonChunks } from '../../promql/json.js';
import type { QueryLimits } from '../../promql/limits.js';
import { Pacer } from '../../promql/schedule.js';
import { parseExpr } from '../../promql/parse.js';
import type { LabelMatcher, QueryOptions, QueryResult, SeriesSource } from '../../promql/types.js';
import type { Store } from '../../storage/store.js';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { recentMetaReader, recentSeriesSource, storeMetaReader, type MetaReader, type RecentSamples } from './recent.js';
import type { RulesFilters } from '../../model/alerter-api.js';

/** Settings of the Prometheus API. */
export interface PrometheusApiSettings {
  /** Samples one query may read from the store (Prometheus's query.max-samples). */
  maxSamples: number;
  /** limits.max_query_length and limits.query_timeout of a tenant (absent: none). */
  limits?: (tenant: string) => QueryLimits;
  /** Default range of series/labels/exemplar requests without start (Prometheus: all time). */
  defaultRangeMs: number;
  /**
   * Answers /api/v1/rules and /api/v1/alerts (`data` in Prometheus's shapes): the rule manager of
   * this process, or the rule files without state when no alerter runs here. Absent: no rules.
   */
  rules?: RulesProvider;
}

/** Filters of /api/v1/rules, as Prometheus reads them (the model's: the alerter applies them too). */
export type { RulesFilters };

/** What the rules and alerts endpoints read, for one tenant; the alerter implements it, the composition root passes it in. */
export interface RulesProvider {
  rules(filters: RulesFilters, tenant: string): unknown;
  alerts(tenant: string): unknown;
}

/** The head a tenant's queries read: one head (the default tenant's; others have none), or a head per tenant. */
export type TenantHead = RecentSamples | ((tenant: string) => RecentSamples | undefined);

/** The head of `tenant` from a `TenantHead`. */
export function headOf(head: TenantHead | undefined, tenant: string): RecentSamples | undefined {
  if (typeof head === 'function') return head(tenant);
  return tenant === DEFAULT_TENANT ? head : undefined;
}

/** What one request reads: its tenant's series (head, then store) and metadata. */
interface TenantReaders {
  source: SeriesSource;
  meta: MetaReader;
  tenant: string;
}

type Params = Record<string, string[]>;

const MAX_POINTS = 11_000;

/** Registers the API under /prometheus/api/v1. */
export function registerPrometheusRoutes(app: FastifyInstance, root: Store, settings: PrometheusApiSettings, now: () => number = Date.now, head?: TenantHead): void {
  const readers = (tenant: string): TenantReaders => {
    const store = root.forTenant(tenant);
    const h = headOf(head, tenant);
    return { source: recentSeriesSource(store, settings.maxSamples, h), meta: recentMetaReader(storeMetaReader(store, settings.maxSamples), h), tenant };
  };
  void app.register(
    async (api) => {
      api.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      const handle = (path: string, fn: (p: Params, t: TenantReaders) => Promise<unknown>) => {
        const route = async (req: FastifyRequest) => ({ status: 'success', data: await fn(params(req), readers(req.tenant)) });
        api.get(path, route);
        api.post(path, route);
      };
      // Query answers are written to JSON in pieces that let the event loop turn (promql/json.ts).
      const handleQuery = (path: string, fn: (p: Params, t: TenantReaders, opts: QueryOptions) => Promise<QueryResult>) => {
        const route = async (req: FastifyRequest, reply: FastifyReply) => {
          const opts: QueryOptions = { maxSamples: settings.maxSamples, ...(settings.limits ? { limits: settings.limits(req.tenant) } : {}) };
          const result = await fn(params(req), readers(req.tenant), opts);
          const chunks = await successJsonChunks(result, new Pacer().fn);
          // A big answer is streamed a chunk per socket write, not written in one piece (ADR 0019).
          return reply.type('application/json; charset=utf-8').send(chunks.length === 1 ? chunks[0] : Readable.from(chunks, { objectMode: false }));
        };
        api.get(path, route);
        api.post(path, route);
      };

      handleQuery('/query', async (p, { source }, opts) => {
        const timeMs = time(p, 'time') ?? now();
        return instantQuery(source, required(p, 'query'), timeMs, opts);
      });
      handleQuery('/query_range', async (p, { source }, opts) => {
        const startMs = time(p, 'start') ?? bad('missing parameter "start"');
        const endMs = time(p, 'end') ?? bad('missing parameter "end"');
        const stepMs = duration(required(p, 'step'), 'step');
        if (endMs < startMs) bad('end timestamp must not be before start time');
        if (stepMs <= 0) bad('zero or negative query resolution step widths are not accepted. Try a positive integer');
        if ((endMs - startMs) / stepMs > MAX_POINTS) bad('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
        return rangeQuery(source, required(p, 'query'), startMs, endMs, stepMs, opts);
      });
      handle('/series', async (p, { meta }) => {
        if ((p['match[]'] ?? []).length === 0) bad('no match[] parameter provided');
        const { startMs, endMs } = range(p);
        return meta.series(matchGroups(p), startMs, endMs);
      });
      handle('/labels', async (p, { meta }) => {
        const { startMs, endMs } = range(p);
        return meta.labelNames(matchGroups(p), startMs, endMs);
      });
      api.get<{ Params: { name: string } }>('/label/:name/values', async (req) => {
        const p = params(req);
        const { startMs, endMs } = range(p);
        return { status: 'success', data: await readers(req.tenant).meta.labelValues(req.params.name, matchGroups(p), startMs, endMs) };
      });
      handle('/metadata', async (p, { meta }) => {
        const { startMs, endMs } = range(p);
        const out: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
        for (const [name, type] of await meta.metadata(p.metric?.at(-1) || undefined, startMs, endMs)) out[name] = [{ type, help: '', unit: '' }];
        return out;
      });
      handle('/query_exemplars', async (p, { meta }) => {
        const { startMs, endMs } = range(p);
        return meta.exemplars(selectors(parseExpr(required(p, 'query')).expr).map((vs) => vs.matchers), startMs, endMs);
      });
      handle('/rules', async (p, { tenant }) => {
        const f: RulesFilters = { rule_name: p['rule_name[]'] ?? [], rule_group: p['rule_group[]'] ?? [], file: p['file[]'] ?? [] };
        if (p.type?.at(-1) !== undefined) f.type = p.type.at(-1)!;
        if (p.exclude_alerts?.at(-1) !== undefined) f.exclude_alerts = p.exclude_alerts.at(-1)!;
        return settings.rules === undefined ? { groups: [] } : settings.rules.rules(f, tenant);
      });
      handle('/alerts', async (_p, { tenant }) => (settings.rules === undefined ? { alerts: [] } : settings.rules.alerts(tenant)));
      api.get('/status/buildinfo', async () => ({
        status: 'success',
        data: { version: '2.42.0', revision: 'braid', branch: 'braid', buildUser: 'braid', buildDate: '', goVersion: 'braid (TypeScript)' },
      }));

      /** The selectors of match[]: series matching any of them; none means every series. */
      function matchGroups(p: Params): LabelMatcher[][] {
        return (p['match[]'] ?? []).map((m) => selectorOf(m));
      }

      function range(p: Params): { startMs: number; endMs: number } {
        const endMs = time(p, 'end') ?? now();
        return { startMs: time(p, 'start') ?? endMs - settings.defaultRangeMs, endMs };
      }
    },
    { prefix: '/prometheus/api/v1' },
  );
}

function params(req: FastifyRequest): Params {
  const out: Params = {};
  const add = (k: string, v: string) => (out[k] ??= []).push(v);
  for (const [k, v] of Object.entries((req.query ?? {}) as Record<string, string | string[]>)) for (const x of Array.isArray(v) ? v : [v]) add(k, x);
  if (typeof req.body === 'string') for (const [k, v] of new URLSearchParams(req.body)) add(k, v);
  return out;
}

function bad(message: string): never {
  throw new BraidError('BRAID_ERR_PROMQL_PARSE', message);
}

function required(p: Params, name: string): string {
  const v = p[name]?.at(-1);
  if (v === undefined || v === '') bad(`invalid parameter "${name}": missing`);
  return v;
}

/** Prometheus's parseTime: Unix seconds (fractions allowed) or RFC 3339. */
function time(p: Params, name: string): number | undefined {
  const v = p[name]?.at(-1);
  if (v === undefined || v === '') return undefined;
  if (/^[+-]?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const ms = Date.parse(v);
  if (!/^\d{4}-\d\d-\d\dT/.test(v) || Number.isNaN(ms)) bad(`invalid parameter "${name}": cannot parse "${v}" to a valid timestamp`);
  return ms;
}

/** Prometheus's parseDuration: seconds (fractions allowed) or a duration such as 1m30s. */
function duration(v: string, name: string): number {
  if (/^[+-]?\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(v);
  if (m === null || v === '') bad(`invalid parameter "${name}": cannot parse "${v}" to a valid duration`);
  const units = [31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
  return units.reduce((ms, u, i) => ms + Number(m[i + 1] ?? 0) * u, 0);
}

/** The matchers of a match[] selector. */
function selectorOf(text: string): LabelMatcher[] {
  const { expr } = parseExpr(text);
  if (expr.kind !== 'vector') bad(`invalid parameter "match[]": expected a vector selector, got ${JSON.stringify(text)}`);
  return expr.matchers;
}

/** Every vector selector in an expression. */
function selectors(e: Expr): VectorSelector[] {
  switch (e.kind) {
    case 'vector':
      return [e];
    case 'matrix':
      return [e.vs];
    case 'paren':
    case 'unary':
    case 'subquery':
      return selectors(e.expr);
    case 'call':
      return e.args.flatMap(selectors);
    case 'aggregate':
      return [...(e.param ? selectors(e.param) : []), ...selectors(e.expr)];
    case 'binary':
      return [...selectors(e.lhs), ...selectors(e.rhs)];
    default:
      return [];
  }
}
