/**
 * The part of the Elasticsearch HTTP API that log shippers use, on a port of its own, so
 * Filebeat, Fluent Bit, Vector or rsyslog's omelasticsearch ship logs to Braid unchanged:
 * `GET /` (the version handshake), `_bulk` (index and create actions), single documents
 * (`POST /{index}/_doc`, `PUT /{index}/_doc/{id}`, `PUT /{index}/_create/{id}`, and the typed
 * `POST /{index}/{type}` of older shippers), and acknowledgements for the setup calls shippers
 * make (index templates, ILM policies, ingest pipelines), which Braid manages itself.
 *
 * Each source document is read with the NDJSON log rules (src/receivers/ndjson), keeps its index
 * as the attribute `elasticsearch.index`, and is queued like any log record: keyed by its trace
 * ID. A bulk answer comes only after the queue acknowledged; a document that cannot be read is
 * an item error (400) and does not fail the others; overload is 429 for the whole request, which
 * shippers retry.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BraidError } from '../../errors.js';
import type { LogsData } from '../../model/logs.js';
import type { Queue } from '../../queue/queue.js';
import { toBraidError } from '../http-errors.js';
import type { ReceiverMetrics } from '../metrics.js';
import { parseNdjsonLogs } from '../ndjson/parse.js';
import { exportLogs } from '../otlp/export-logs.js';
import { recordLimitsOf, requestTenant, type ReceiverTenancy, type RequestTenant } from '../tenancy.js';
import { newDocumentId, parseBulk, type BulkItem } from './bulk.js';

const TRANSPORT = 'elasticsearch';
/** The version Braid answers the handshake with: shippers pick their API by it. */
export const COMPATIBLE_VERSION = '8.17.0';

/** Dependencies of the Elasticsearch-compatible routes. */
export interface ElasticsearchReceiverDeps {
  queue: Queue;
  metrics: ReceiverMetrics;
  /** Per-tenant ingest rates (absent: none). */
  tenancy?: ReceiverTenancy | undefined;
}

const handshake = {
  name: 'braid',
  cluster_name: 'braid',
  cluster_uuid: 'braid-log-receiver',
  version: {
    number: COMPATIBLE_VERSION,
    build_flavor: 'default',
    build_type: 'tar',
    build_hash: 'braid',
    build_date: '2026-01-01T00:00:00.000Z',
    build_snapshot: false,
    lucene_version: '9.12.0',
    minimum_wire_compatibility_version: '7.17.0',
    minimum_index_compatibility_version: '7.0.0',
  },
  tagline: 'You Know, for Search',
};

/** An item's answer as Elasticsearch writes it. */
function itemResult(item: BulkItem, status: number, error?: { type: string; reason: string }) {
  const base = { _index: item.index, _id: item.id, status };
  return {
    [item.action]: error
      ? { ...base, error }
      : { ...base, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 },
  };
}

/**
 * Reads the storable items as log records, grouped per index, and queues them in one send.
 * Returns each item's error (undefined when accepted).
 */
async function ingest(items: BulkItem[], deps: ElasticsearchReceiverDeps, who: RequestTenant): Promise<Array<{ type: string; reason: string } | undefined>> {
  const errors = items.map((i) => i.error);
  const byIndex = new Map<string, number[]>();
  items.forEach((item, n) => {
    if (item.error || item.source === undefined) return;
    const list = byIndex.get(item.index) ?? [];
    list.push(n);
    byIndex.set(item.index, list);
  });
  const data: LogsData = { resourceLogs: [] };
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const [index, positions] of byIndex) {
    const parsed = parseNdjsonLogs(positions.map((n) => items[n]?.source).join('\n'), now, recordLimitsOf(who));
    for (const e of parsed.errors) {
      const n = positions[e.line - 1];
      if (n !== undefined) errors[n] = { type: 'document_parsing_exception', reason: e.reason };
    }
    for (const rl of parsed.data.resourceLogs) {
      for (const sl of rl.scopeLogs) for (const r of sl.logRecords) r.attributes['elasticsearch.index'] = index;
      data.resourceLogs.push(rl);
    }
  }
  const rejected = errors.filter((e) => e !== undefined).length;
  await exportLogs({ data, rejected, errors: [] }, TRANSPORT, deps.queue, deps.metrics, who, null);
  return errors;
}

/** Registers the routes on a fastify instance whose body handling is registered. */
export function registerElasticsearchRoutes(app: FastifyInstance, deps: ElasticsearchReceiverDeps): void {
  // Shippers send bulk bodies as application/x-ndjson, application/json or with no type at all.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => sendError(err, req, reply, deps.metrics));

  const sendHandshake = async (_req: FastifyRequest, reply: FastifyReply) => reply.header('x-elastic-product', 'Elasticsearch').send(handshake);
  app.get('/', sendHandshake);
  app.get('/_license', async (_req, reply) =>
    reply.header('x-elastic-product', 'Elasticsearch').send({ license: { status: 'active', uid: 'braid', type: 'basic', issue_date_in_millis: 0, max_nodes: 1000, issued_to: 'braid', issuer: 'braid', start_date_in_millis: -1 } }),
  );

  const bulk = async (req: FastifyRequest<{ Params: { index?: string } }>, reply: FastifyReply) => {
    const started = Date.now();
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const items = parseBulk(body, req.params.index);
    const errors = await ingest(items, deps, requestTenant(req, deps.tenancy));
    const results = items.map((item, n) => {
      const error = errors[n];
      return itemResult(item, error ? 400 : 201, error);
    });
    return reply.header('x-elastic-product', 'Elasticsearch').send({ took: Date.now() - started, errors: errors.some((e) => e !== undefined), items: results });
  };
  app.post('/_bulk', bulk);
  app.put('/_bulk', bulk);
  app.post('/:index/_bulk', bulk);
  app.put('/:index/_bulk', bulk);

  const single = async (req: FastifyRequest<{ Params: { index: string; id?: string } }>, reply: FastifyReply) => {
    const source = Buffer.isBuffer(req.body) ? req.body.toString('utf8').replace(/\r?\n/g, ' ').trim() : '';
    const item: BulkItem = { action: 'index', index: req.params.index, id: req.params.id ?? newDocumentId(), source };
    const [error] = await ingest([source === '' ? { ...item, error: { type: 'parse_exception', reason: 'request body is required' } } : item], deps, requestTenant(req, deps.tenancy));
    reply.header('x-elastic-product', 'Elasticsearch');
    if (error) return reply.code(400).send({ error: { root_cause: [error], ...error }, status: 400 });
    const { status: _status, ...doc } = itemResult(item, 201).index as Record<string, unknown>;
    return reply.code(201).send(doc);
  };
  app.post('/:index/_doc', single);
  app.post('/:index/_doc/:id', single);
  app.put('/:index/_doc/:id', single);
  app.post('/:index/_create/:id', single);
  app.put('/:index/_create/:id', single);
  // Mapping types, as shippers written for Elasticsearch 6 and rsyslog's searchType still send them.
  app.post<{ Params: { index: string; type: string } }>('/:index/:type', async (req, reply) => {
    if (req.params.type.startsWith('_')) throw new BraidError('BRAID_ERR_QUERY_NOT_FOUND', `no handler for ${req.method} ${req.url}`);
    return single(req as unknown as FastifyRequest<{ Params: { index: string } }>, reply);
  });

  // Setup calls (index templates, ILM policies, ingest pipelines, ...): Braid owns its indices,
  // so these are acknowledged and ignored, and the shipper goes on to send its data.
  app.setNotFoundHandler(async (req, reply) => {
    reply.header('x-elastic-product', 'Elasticsearch');
    if (req.url.startsWith('/_') && ['GET', 'HEAD', 'PUT', 'POST'].includes(req.method)) return reply.send({ acknowledged: true });
    return reply.code(404).send({ error: { type: 'illegal_argument_exception', reason: `no handler for ${req.method} ${req.url}` }, status: 404 });
  });
}

/** Elasticsearch's error shape; overload as es_rejected_execution_exception (429), which shippers retry. */
function sendError(err: unknown, req: FastifyRequest, reply: FastifyReply, metrics: ReceiverMetrics): FastifyReply {
  const e = toBraidError(err, { decodeCode: 'BRAID_ERR_NDJSON_INVALID', contentTypes: 'application/x-ndjson or application/json' });
  metrics.refusedRequests.inc({ transport: TRANSPORT, code: e.code });
  if (e.httpStatus >= 500 && !e.transient) req.log.error({ err }, 'request failed');
  if (e.transient && e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
  const status = e.code === 'BRAID_ERR_QUEUE_FULL' ? 429 : e.httpStatus;
  const type = e.transient ? 'es_rejected_execution_exception' : e.httpStatus === 404 ? 'illegal_argument_exception' : 'parse_exception';
  const error = { type, reason: `${e.code}: ${e.message}` };
  return reply.code(status).header('x-elastic-product', 'Elasticsearch').send({ error: { root_cause: [error], ...error }, status });
}
