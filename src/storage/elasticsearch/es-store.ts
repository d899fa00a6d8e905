/**
 * The Elasticsearch store (@elastic/elasticsearch 8.x client, which speaks to ES 8 and 9).
 * Bulk bodies are built as one NDJSON string (each document serialised once) and sent raw.
 * Depends on nothing from x-pack (no ILM, no security), so the OSS-like integ-test distribution
 * and managed clusters both work.
 */
import { Client, errors as esErrors, type ClientOptions } from '@elastic/elasticsearch';
import { BraidError } from '../../errors.js';
import { clientTlsOptions, readConfigFile, tlsTrustFailure, type ClientTlsSettings } from '../../config/files.js';
import type { Logger } from '../../telemetry/logger.js';
import { createHash } from 'node:crypto';
import {
  compareOperations,
  spanDocumentId,
  type DependencyLink,
  type LogDocument,
  exemplarOrder,
  sampleMatches,
  samplePointKey,
  ungroupSamples,
  type SampleDocument,
  type SampleGroupDocument,
  type RejectedDocument,
  type SpanDocument,
  type Store,
  type TraceSummaryDocument,
  type WriteOutcome,
  labelNamesOf,
  labelValuesOf,
  parseSeriesId,
  seriesId,
  seriesMatches,
  type SeriesQuery,
} from '../store.js';
import { dependenciesBody, findTracesBody, logSearchBody, LOG_SORT_OLDEST_FIRST, sampleGroupFilter, seriesPageBody, withoutField } from './queries.js';
import { allTemplates, dailyIndex, expiredIndices, indexBase } from './templates.js';
import { DEFAULT_TENANT, checkTenantId } from '../../tenancy/tenant.js';
import { decodeLogCursor, encodeLogCursor } from '../memory/memory-store.js';

/** Settings of the Elasticsearch store (`storage.elasticsearch`). */
export interface ElasticsearchStoreSettings {
  url: string;
  index_prefix: string;
  username?: string | undefined;
  password?: string | undefined;
  api_key?: string | undefined;
  password_file?: string | undefined;
  api_key_file?: string | undefined;
  tls?: ClientTlsSettings | undefined;
  shards: number;
  replicas: number;
  request_timeout_ms: number;
  /** A bulk request carries at most this many documents ... */
  bulk_max_docs: number;
  /** ... and at most this many bytes of body (a single larger document goes alone). */
  bulk_max_bytes: number;
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } };
}

interface BulkResponse {
  errors: boolean;
  items: Array<Record<string, BulkItem>>;
}

interface BulkOp {
  index: string;
  id: string;
  doc: object;
}

interface Bucket {
  key: string;
  doc_count: number;
}

const PAGE = 5_000;
// unmapped_type: a day's index made by a version before sample groups has no group.id.
const GROUPS_NEWEST_FIRST = [{ '@timestamp': 'desc' }, { 'group.id': { order: 'asc', unmapped_type: 'keyword' } }];
const GROUPS_OLDEST_FIRST = [{ '@timestamp': 'asc' }, { 'group.id': { order: 'asc', unmapped_type: 'keyword' } }];

/** Series per page of the series aggregation (well under search.max_buckets, 65,536). */
const SERIES_PAGE = 10_000;

const SUMMARY_CHUNK = 5_000;
/** Only what the ingester reads of a bulk answer: a fifth of its size, and of the time to parse it. */
const BULK_FILTER = 'errors,items.*.status,items.*.error';

/** A stored group's samples; a document written before groups (one sample, no `samples`) is its own sample. */
function storedSamples(doc: SampleGroupDocument | SampleDocument): SampleDocument[] {
  if ('samples' in doc && Array.isArray(doc.samples)) return ungroupSamples(doc);
  const { 'sample.id': _id, ...sample } = doc as SampleDocument & { 'sample.id'?: string };
  return [sample];
}

/** The client's `auth` and `tls` options from the settings, reading the files they name now. */
export function elasticsearchConnectionOptions(settings: Pick<ElasticsearchStoreSettings, 'username' | 'password' | 'password_file' | 'api_key' | 'api_key_file' | 'tls'>): Pick<ClientOptions, 'auth' | 'tls'> {
  const out: Pick<ClientOptions, 'auth' | 'tls'> = {};
  const apiKey = settings.api_key ?? (settings.api_key_file ? readConfigFile('storage.elasticsearch.api_key_file', settings.api_key_file, true) : undefined);
  if (apiKey !== undefined) out.auth = { apiKey };
  else if (settings.username !== undefined) {
    const password = settings.password ?? (settings.password_file ? readConfigFile('storage.elasticsearch.password_file', settings.password_file, true) : '');
    out.auth = { username: settings.username, password };
  }
  if (settings.tls && (settings.tls.ca_file || settings.tls.cert_file || settings.tls.insecure_skip_verify)) out.tls = clientTlsOptions('storage.elasticsearch.tls', settings.tls);
  return out;
}

/** The text of an error answer; a proxy's HTML page (nginx's 401) as its words, cut short. */
function answerText(err: Error): string {
  if (!/^\s*</.test(err.message)) return err.message;
  return err.message.replace(/<head>[\s\S]*?<\/head>/i, ' ').replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

/**
 * A permanent error when Elasticsearch (or a proxy in front of it) refused the credentials (401),
 * the permission (403), or TLS trust failed; undefined otherwise. Names settings, never a secret.
 */
export function refusedConnection(what: string, err: unknown, settings: Pick<ElasticsearchStoreSettings, 'url' | 'username' | 'api_key' | 'api_key_file'>): BraidError | undefined {
  const url = new URL(settings.url);
  const where = `elasticsearch ${url.protocol}//${url.host}`;
  const tls = tlsTrustFailure(err, 'storage.elasticsearch.tls');
  if (tls) return new BraidError('BRAID_ERR_STORE_AUTH', `${where} during ${what}: ${tls}`, { cause: err });
  const status = err instanceof esErrors.ResponseError ? err.statusCode : undefined;
  if (status !== 401 && status !== 403) return undefined;
  // Elasticsearch answers 403 for index blocks too (cluster_block_exception): only security's refusals are about credentials.
  const body = (err as esErrors.ResponseError).body as { error?: { type?: unknown } } | string | undefined;
  if (status === 403 && typeof body === 'object' && body?.error?.type !== undefined && body.error.type !== 'security_exception') return undefined;
  const who = settings.api_key !== undefined || settings.api_key_file !== undefined
    ? 'the API key (storage.elasticsearch.api_key, api_key_file or BRAID_ELASTICSEARCH_API_KEY)'
    : settings.username !== undefined
      ? `user ${settings.username} (storage.elasticsearch.username with password, password_file or BRAID_ELASTICSEARCH_PASSWORD)`
      : 'a request without credentials (set storage.elasticsearch.username and password, or api_key)';
  const refused = status === 401 ? `refused ${who}` : `denied ${what} to ${who}`;
  return new BraidError('BRAID_ERR_STORE_AUTH', `${where} ${refused} (${status} during ${what}): ${answerText(err as Error)}`, { cause: err });
}

/**
 * Creates the Elasticsearch store (the default tenant's); nothing connects until `start`. Each
 * other tenant's view (`forTenant`) shares its client and reads and writes only that tenant's
 * indices.
 */
export function createElasticsearchStore(settings: ElasticsearchStoreSettings, log: Logger): Store {
  const client = new Client({ node: settings.url, requestTimeout: settings.request_timeout_ms, maxRetries: 0, ...elasticsearchConnectionOptions(settings) });
  const views = new Map<string, Store>();
  const forTenant = (tenant: string): Store => {
    if (tenant === DEFAULT_TENANT) return root;
    let view = views.get(tenant);
    if (view === undefined) views.set(checkTenantId(tenant, 'store'), (view = { ...createView(client, settings, log, tenant), forTenant }));
    return view;
  };
  const root: Store = { ...createView(client, settings, log, DEFAULT_TENANT), forTenant };
  return root;
}

/** The store of one tenant's indices over a shared client. */
function createView(client: Client, settings: ElasticsearchStoreSettings, log: Logger, tenant: string): Omit<Store, 'forTenant'> {
  const prefix = settings.index_prefix;
  /** Every index name of the tenant starts with this: `<prefix>-` or `<prefix>-t_<tenant>.`. */
  const base = indexBase(prefix, tenant);
  const isDefault = tenant === DEFAULT_TENANT;

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      const refused = refusedConnection(what, cause, settings);
      if (refused) throw refused;
      const status = cause instanceof esErrors.ResponseError ? cause.statusCode : undefined;
      if (status !== undefined && status < 500 && status !== 429) {
        throw new BraidError('BRAID_ERR_STORE_REJECTED', `elasticsearch refused ${what}: ${answerText(cause as Error)}`, { cause });
      }
      throw new BraidError('BRAID_ERR_STORE_UNAVAILABLE', `elasticsearch unavailable during ${what}: ${(cause as Error).message}`, { cause });
    }
  }

  /** One bulk request of NDJSON lines; `first` is the index of its first document in the write. */
  async function bulkRequest(lines: Buffer[], bytes: number, first: number, rejected: RejectedDocument[]): Promise<void> {
    const body = Buffer.concat(lines, bytes);
    const res = await call('bulk write', () => client.transport.request<BulkResponse>({ method: 'POST', path: '/_bulk', querystring: { filter_path: BULK_FILTER }, bulkBody: body }));
    if (!res.errors) return;
    res.items.forEach((item, i) => {
      const r = Object.values(item)[0];
      if (!r || r.status < 300) return;
      const transient = r.status === 429 || r.status >= 500;
      const cause = r.error?.caused_by ? ` (caused by ${r.error.caused_by.type ?? ''}: ${r.error.caused_by.reason ?? ''})` : '';
      rejected.push({ index: first + i, transient, reason: `${r.status} ${r.error?.type ?? ''}: ${r.error?.reason ?? 'unknown'}${cause}` });
    });
  }

  /**
   * Writes documents in bulk requests of at most bulk_max_docs documents and bulk_max_bytes bytes.
   * Each document is serialised once, straight into the buffer the request sends.
   */
  async function bulk(ops: BulkOp[]): Promise<WriteOutcome> {
    const rejected: RejectedDocument[] = [];
    let lines: Buffer[] = [];
    let bytes = 0;
    let first = 0;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i] as BulkOp;
      const line = Buffer.from(`{"index":{"_index":"${op.index}","_id":"${op.id}"}}\n${JSON.stringify(op.doc)}\n`);
      if (lines.length > 0 && (lines.length >= settings.bulk_max_docs || bytes + line.length > settings.bulk_max_bytes)) {
        await bulkRequest(lines, bytes, first, rejected);
        lines = [];
        bytes = 0;
        first = i;
      }
      lines.push(line);
      bytes += line.length;
    }
    if (lines.length > 0) await bulkRequest(lines, bytes, first, rejected);
    return { rejected };
  }

  const day = (kind: string, epochMs: number) => dailyIndex(prefix, kind, epochMs, tenant);
  const opId = (...parts: string[]) => createHash('sha1').update(parts.join('\u0000')).digest('base64url');

  /**
   * Hits of `query` in `sort` order, paged with search_after (no 10k window), handed to `visit`
   * until it returns false or the hits run out.
   */
  async function scan<T>(what: string, index: string, query: object, sort: object[], visit: (hit: T) => boolean, page = PAGE): Promise<void> {
    let after: unknown[] | undefined;
    for (;;) {
      const res = await call(what, () =>
        client.search<T>({ index, ignore_unavailable: true, allow_no_indices: true, size: page, query, sort: sort as never, ...(after ? { search_after: after as never } : {}) }),
      );
      const hits = res.hits.hits as unknown as Array<{ _source: T; sort: unknown[] }>;
      for (const h of hits) if (!visit(h._source)) return;
      if (hits.length < page) return;
      after = hits[hits.length - 1]?.sort;
    }
  }

  /** Every hit of `query`: a trace of any size comes back whole. */
  async function all<T>(what: string, index: string, query: object, sort: object[]): Promise<T[]> {
    const out: T[] = [];
    await scan<T>(what, index, query, sort, (h) => out.push(h) > 0);
    return out;
  }

  const getTrace = (traceId: string) =>
    all<SpanDocument>('trace read', `${base}spans-*`, { term: { 'trace.id': traceId } }, [{ 'span.start.us': 'asc' }, { 'span.id': 'asc' }]);

  async function search<T>(what: string, index: string, body: object): Promise<{ hits: T[]; aggregations: Record<string, unknown> }> {
    const res = await call(what, () => client.search({ index, ignore_unavailable: true, allow_no_indices: true, ...body }));
    return { hits: res.hits.hits.map((h) => h._source as T), aggregations: (res.aggregations ?? {}) as Record<string, unknown> };
  }

  const buckets = (agg: unknown): Bucket[] => ((agg as { buckets?: Bucket[] } | undefined)?.buckets ?? []);
  const samplesIndex = `${base}samples-*`;

  /** Reads the samples of the groups matching `q` stored without `field` and hands `keep` each series. */
  const readUnaggregated = (q: SeriesQuery, field: string, keep: (id: string, labels: Record<string, string>) => void) =>
    scan<SampleGroupDocument>('series read', samplesIndex, withoutField(sampleGroupFilter(q), field), GROUPS_NEWEST_FIRST, (g) => {
      for (const s of storedSamples(g)) keep(seriesId(s['metric.name'], s.labels), { __name__: s['metric.name'], ...s.labels });
      return true;
    });

  /**
   * The series passing `q`: the groups' `series.id` aggregated page by page, and the samples of
   * the groups without it (indices written before the field) read, both at once.
   */
  async function seriesOf(q: SeriesQuery): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    const keep = (id: string, labels: Record<string, string>) => {
      if (!out.has(id) && seriesMatches(labels, q)) out.set(id, labels);
    };
    const filter = sampleGroupFilter(q);
    const aggregated = async () => {
      let after: unknown;
      for (;;) {
        const r = await search('series aggregation', samplesIndex, seriesPageBody(filter, SERIES_PAGE, after));
        // No sample index yet (a tenant without samples): no aggregation in the answer.
        const agg = (r.aggregations.s ?? { buckets: [] }) as { buckets: Array<{ key: { id: string } }>; after_key?: unknown };
        for (const b of agg.buckets) keep(b.key.id, parseSeriesId(b.key.id));
        if (agg.buckets.length < SERIES_PAGE || agg.after_key === undefined) return;
        after = agg.after_key;
      }
    };
    await Promise.all([aggregated(), readUnaggregated(q, 'series.id', keep)]);
    return out;
  }

  return {
    kind: 'elasticsearch',
    async start() {
      // The default tenant's store installs the templates of every tenant's indices.
      if (!isDefault) return;
      const templates = allTemplates(settings);
      for (const t of templates) {
        await call('index template install', () => client.indices.putIndexTemplate({ name: t.name, ...(t.body as object) }));
      }
      log.info({ url: settings.url, templates: templates.map((t) => t.name) }, 'elasticsearch index templates installed');
    },
    writeSpans: (docs) => bulk(docs.map((doc) => ({ index: day('spans', doc['span.start.us'] / 1000), id: spanDocumentId(doc), doc }))),
    writeDerived: (d) =>
      bulk([
        ...d.summaries.map((doc) => ({ index: day('traces', doc['trace.start.us'] / 1000), id: doc['trace.id'], doc })),
        ...d.edges.map((doc) => ({ index: day('edges', Date.parse(doc['@timestamp'])), id: doc['trace.id'] + doc['span.id'], doc })),
        ...d.operations.map((doc) => ({ index: `${base}operations`, id: opId(doc['service.name'], doc['span.name'], doc['span.kind']), doc })),
      ]),
    writeLogs: (docs) => bulk(docs.map((doc) => ({ index: day('logs', Date.parse(doc['@timestamp'])), id: doc['log.id'], doc }))),
    getTraceLogs: (traceId) => all<LogDocument>('trace logs read', `${base}logs-*`, { term: { 'trace.id': traceId } }, LOG_SORT_OLDEST_FIRST),
    async searchLogs(q) {
      const after = q.after === undefined ? undefined : decodeLogCursor(q.after);
      const res = await call('log search', () =>
        client.search<LogDocument>({ index: `${base}logs-*`, ignore_unavailable: true, allow_no_indices: true, ...logSearchBody(q, after) } as never),
      );
      const hits = res.hits.hits as unknown as Array<{ _source: LogDocument; sort: unknown[] }>;
      const page = hits.slice(0, q.limit);
      const last = page[page.length - 1];
      return hits.length > q.limit && last ? { logs: page.map((h) => h._source), next: encodeLogCursor(last.sort) } : { logs: page.map((h) => h._source) };
    },
    writeSamples: (groups) => bulk(groups.map((doc) => ({ index: day('samples', Date.parse(doc['@timestamp'])), id: doc['group.id'], doc }))),
    async searchSamples(q) {
      // Groups match on the union of their label values; each sample is then checked exactly.
      const found = new Map<string, SampleDocument>();
      await scan<SampleGroupDocument>('sample search', samplesIndex, { bool: { filter: sampleGroupFilter(q) } }, GROUPS_NEWEST_FIRST, (g) => {
        for (const s of storedSamples(g)) if (sampleMatches(s, q)) found.set(samplePointKey(s), s);
        return found.size < q.limit;
      }, Math.min(PAGE, q.limit));
      return [...found.values()].slice(0, q.limit);
    },
    async sampleMetricNames(q) {
      const aggs = { n: { terms: { field: 'metric.name', size: 65_536, order: { _key: 'asc' } }, aggs: { t: { terms: { field: 'metric.type', size: 1 } } } } };
      const r = await search('metric names', samplesIndex, { size: 0, query: { bool: { filter: sampleGroupFilter(q) } }, aggs });
      return buckets(r.aggregations.n).map((b) => ({ name: b.key, type: buckets((b as unknown as Record<string, unknown>).t)[0]?.key ?? 'unknown' }));
    },
    sampleSeries: async (q) => [...(await seriesOf(q)).values()],
    async sampleLabelNames(q) {
      if (q.test !== undefined || Object.keys(q.labels).length > 0) return labelNamesOf((await seriesOf(q)).values());
      // Every label name of a group that passes the name and time filters is some passing series' name.
      const names = new Set<string>();
      const aggs = { n: { terms: { field: 'label.names', size: 65_536 } } };
      const [r] = await Promise.all([
        search('label names', samplesIndex, { size: 0, query: { bool: { filter: sampleGroupFilter(q) } }, aggs }),
        readUnaggregated(q, 'label.names', (_id, labels) => Object.keys(labels).forEach((k) => names.add(k))),
      ]);
      for (const b of buckets(r.aggregations.n)) names.add(b.key);
      return [...names].sort();
    },
    sampleLabelValues: async (name, q) => labelValuesOf(name, (await seriesOf(q)).values()),
    async getTraceExemplars(traceId) {
      const groups = await all<SampleGroupDocument>('exemplar read', samplesIndex, { term: { 'exemplar.trace.id': traceId } }, GROUPS_OLDEST_FIRST);
      const found = new Map<string, SampleDocument>();
      for (const s of groups.flatMap(storedSamples)) if (s.exemplar?.['trace.id'] === traceId) found.set(samplePointKey(s), s);
      return [...found.values()].sort(exemplarOrder);
    },
    getTrace,
    async getSummaries(traceIds) {
      // A summary can sit in two daily indices (a trace across midnight): up to two hits per ID,
      // and a search returns at most 10,000 hits, so ask in chunks.
      const out: TraceSummaryDocument[] = [];
      for (let i = 0; i < traceIds.length; i += SUMMARY_CHUNK) {
        const ids = traceIds.slice(i, i + SUMMARY_CHUNK);
        const r = await search<TraceSummaryDocument>('summary read', `${base}traces-*`, { size: ids.length * 2, query: { ids: { values: ids } } });
        out.push(...r.hits);
      }
      return out;
    },
    async findTraceIds(q) {
      const r = await search('trace search', `${base}spans-*`, findTracesBody(q));
      return buckets(r.aggregations.traces).map((b) => b.key);
    },
    async services() {
      const r = await search('service list', `${base}operations`, { size: 0, aggs: { s: { terms: { field: 'service.name', size: 10_000, order: { _key: 'asc' } } } } });
      return buckets(r.aggregations.s).map((b) => b.key);
    },
    async operations(service, spanKind) {
      const filter: object[] = [{ term: { 'service.name': service } }];
      if (spanKind !== undefined) filter.push({ term: { 'span.kind': spanKind } });
      const r = await search<{ 'span.name': string; 'span.kind': string }>('operation list', `${base}operations`, { size: 10_000, query: { bool: { filter } } });
      return r.hits.map((h) => ({ name: h['span.name'], spanKind: h['span.kind'] })).sort(compareOperations);
    },
    async dependencies(startUs, endUs) {
      const r = await search('dependencies', `${base}edges-*`, dependenciesBody(startUs, endUs));
      const links: DependencyLink[] = [];
      for (const p of buckets(r.aggregations.parents)) {
        for (const c of buckets((p as unknown as { children: unknown }).children)) {
          const errors = (c as unknown as { errors: { doc_count: number } }).errors.doc_count;
          links.push({ parent: p.key, child: c.key, callCount: c.doc_count, errorCount: errors });
        }
      }
      return links;
    },
    async sweepRetention(retentionDays, nowMs) {
      const res = await call('index list', () => client.cat.indices({ index: isDefault ? `${prefix}-*` : `${base}*`, h: 'index', format: 'json', expand_wildcards: 'open' }));
      const names = (res as Array<{ index?: string }>).flatMap((r) => (r.index ? [r.index] : []));
      const expired = expiredIndices(prefix, names, retentionDays, nowMs, isDefault ? undefined : tenant);
      if (expired.length > 0) {
        await call('retention delete', () => client.indices.delete({ index: expired.join(',') }));
        log.info({ indices: expired, retentionDays }, 'deleted indices past retention');
      }
      return expired;
    },
    async ping() {
      await call('ping', () => client.cluster.health({ timeout: '2s' }));
    },
    async close() {
      if (isDefault) await client.close();
    },
  };
}
