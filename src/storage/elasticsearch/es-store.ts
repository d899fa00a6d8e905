/**
 * The Elasticsearch store (@elastic/elasticsearch 8.x client, which speaks to ES 8 and 9).
 * Bulk bodies are built as one NDJSON string (each document serialised once) and sent raw.
 * Depends on nothing from x-pack (no ILM, no security), so the OSS-like integ-test distribution
 * and managed clusters both work.
 */
import { Client, errors as esErrors } from '@elastic/elasticsearch';
import { BraidError } from '../../errors.js';
import type { Logger } from '../../telemetry/logger.js';
import { spanDocumentId, type RejectedDocument, type SpanDocument, type Store, type WriteOutcome } from '../store.js';
import { dailyIndex, spansTemplate } from './templates.js';

/** Settings of the Elasticsearch store (`storage.elasticsearch`). */
export interface ElasticsearchStoreSettings {
  url: string;
  index_prefix: string;
  username?: string | undefined;
  password?: string | undefined;
  api_key?: string | undefined;
  shards: number;
  replicas: number;
  request_timeout_ms: number;
}

interface BulkItem {
  status: number;
  error?: { type?: string; reason?: string };
}

interface BulkResponse {
  errors: boolean;
  items: Array<Record<string, BulkItem>>;
}

interface SearchHit {
  _source: SpanDocument;
  sort: unknown[];
}

const PAGE = 5_000;

/** Creates the Elasticsearch store; nothing connects until `start`. */
export function createElasticsearchStore(settings: ElasticsearchStoreSettings, log: Logger): Store {
  const auth =
    settings.api_key !== undefined
      ? { apiKey: settings.api_key }
      : settings.username !== undefined
        ? { username: settings.username, password: settings.password ?? '' }
        : undefined;
  const client = new Client({ node: settings.url, requestTimeout: settings.request_timeout_ms, maxRetries: 0, ...(auth ? { auth } : {}) });
  const prefix = settings.index_prefix;

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      const status = cause instanceof esErrors.ResponseError ? cause.statusCode : undefined;
      if (status !== undefined && status < 500 && status !== 429) {
        throw new BraidError('BRAID_ERR_STORE_REJECTED', `elasticsearch refused ${what}: ${(cause as Error).message}`, { cause });
      }
      throw new BraidError('BRAID_ERR_STORE_UNAVAILABLE', `elasticsearch unavailable during ${what}: ${(cause as Error).message}`, { cause });
    }
  }

  async function writeSpans(docs: SpanDocument[]): Promise<WriteOutcome> {
    if (docs.length === 0) return { rejected: [] };
    let body = '';
    for (const doc of docs) {
      const index = dailyIndex(prefix, 'spans', doc['span.start.us'] / 1000);
      body += `{"index":{"_index":"${index}","_id":"${spanDocumentId(doc)}"}}\n${JSON.stringify(doc)}\n`;
    }
    const res = await call('bulk write', () =>
      client.transport.request<BulkResponse>({ method: 'POST', path: '/_bulk', bulkBody: body }),
    );
    if (!res.errors) return { rejected: [] };
    const rejected: RejectedDocument[] = [];
    res.items.forEach((item, index) => {
      const r = Object.values(item)[0];
      if (!r || r.status < 300) return;
      const transient = r.status === 429 || r.status >= 500;
      rejected.push({ index, transient, reason: `${r.status} ${r.error?.type ?? ''}: ${r.error?.reason ?? 'unknown'}` });
    });
    return { rejected };
  }

  /** Pages with search_after, so a trace of any size comes back whole (no 10k window). */
  async function getTrace(traceId: string): Promise<SpanDocument[]> {
    const out: SpanDocument[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const res = await call('trace read', () =>
        client.search<SpanDocument>({
          index: `${prefix}-spans-*`,
          ignore_unavailable: true,
          allow_no_indices: true,
          size: PAGE,
          query: { term: { 'trace.id': traceId } },
          sort: [{ 'span.start.us': 'asc' }, { 'span.id': 'asc' }],
          ...(after ? { search_after: after as never } : {}),
        }),
      );
      const hits = res.hits.hits as unknown as SearchHit[];
      for (const h of hits) out.push(h._source);
      if (hits.length < PAGE) return out;
      after = hits[hits.length - 1]?.sort;
    }
  }

  return {
    kind: 'elasticsearch',
    async start() {
      const t = spansTemplate(settings);
      await call('index template install', () => client.indices.putIndexTemplate({ name: t.name, ...(t.body as object) }));
      log.info({ url: settings.url, template: t.name }, 'elasticsearch index templates installed');
    },
    writeSpans,
    getTrace,
    async ping() {
      await call('ping', () => client.cluster.health({ timeout: '2s' }));
    },
    async close() {
      await client.close();
    },
  };
}
