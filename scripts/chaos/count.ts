/**
 * Counting through Elasticsearch: every stored span (by span ID) and log record (by its message,
 * the log ID the load gave it) of one fault's service, read back with search_after.
 */

/** How many documents carry each ID. */
export type IdCounts = Map<string, number>;

interface Hit {
  _source?: { span?: { id?: string }; 'span.id'?: string; message?: string };
  sort?: unknown[];
}

/** One Elasticsearch REST call with a JSON body and answer; throws on a non-2xx naming the call. */
export async function es<T>(url: string, path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`elasticsearch ${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

const indexOf = (prefix: string, kind: 'spans' | 'logs') => `${prefix}-${kind}-*`;
const byService = (service: string) => ({ term: { 'service.name': service } });

/** Documents of `service` in the kind's indices (after a refresh). */
export async function countDocs(url: string, prefix: string, kind: 'spans' | 'logs', service: string): Promise<number> {
  const index = indexOf(prefix, kind);
  await es(url, `/${index}/_refresh?ignore_unavailable=true&allow_no_indices=true`, undefined, 'POST');
  const r = await es<{ count: number }>(url, `/${index}/_count?ignore_unavailable=true&allow_no_indices=true`, { query: byService(service) });
  return r.count;
}

/** Every ID of `service` with the number of documents carrying it. */
export async function idCounts(url: string, prefix: string, kind: 'spans' | 'logs', service: string): Promise<IdCounts> {
  const index = indexOf(prefix, kind);
  await es(url, `/${index}/_refresh?ignore_unavailable=true&allow_no_indices=true`, undefined, 'POST');
  const field = kind === 'spans' ? 'span.id' : 'message';
  // span.id has doc values; logs sort by log.id (doc values) and carry the load's ID in the message.
  const sortField = kind === 'spans' ? 'span.id' : 'log.id';
  const counts: IdCounts = new Map();
  // A point in time: search_after with its _shard_doc tiebreaker skips no document, duplicates included.
  const pit = await es<{ id: string }>(url, `/${index}/_pit?keep_alive=1m&ignore_unavailable=true&allow_no_indices=true`, undefined, 'POST');
  try {
    let after: unknown[] | undefined;
    for (;;) {
      const body = { size: 5_000, query: byService(service), _source: [field], pit: { id: pit.id, keep_alive: '1m' }, sort: [{ [sortField]: 'asc' }, { _shard_doc: 'asc' }], ...(after ? { search_after: after } : {}) };
      const r = await es<{ hits: { hits: Hit[] } }>(url, '/_search', body);
      for (const h of r.hits.hits) {
        const id = kind === 'spans' ? (h._source?.['span.id'] ?? h._source?.span?.id) : h._source?.message;
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      if (r.hits.hits.length < 5_000) return counts;
      after = r.hits.hits[r.hits.hits.length - 1]?.sort;
    }
  } finally {
    await es(url, '/_pit', { id: pit.id }, 'DELETE').catch(() => undefined);
  }
}

/** Stored, duplicated and lost records of one kind: acknowledged IDs against the stored ones. */
export interface Tally {
  stored: number;
  duplicates: number;
  lost: number;
  /** Stored though never acknowledged (a request whose answer was lost): allowed, reported. */
  unacknowledgedStored: number;
}

/** Compares what was acknowledged with what Elasticsearch holds. */
export function tally(acked: Set<string>, sent: Set<string>, counts: IdCounts): Tally {
  let stored = 0;
  let duplicates = 0;
  let unacknowledgedStored = 0;
  for (const [id, n] of counts) {
    if (n > 1) duplicates += n - 1;
    if (acked.has(id)) stored++;
    else if (sent.has(id)) unacknowledgedStored++;
  }
  let lost = 0;
  for (const id of acked) if (!counts.has(id)) lost++;
  return { stored, duplicates, lost, unacknowledgedStored };
}
