/**
 * The Elasticsearch store per tenant, on the real Elasticsearch: the templates of tenants' indices
 * install beside the default ones (overlapping patterns, distinct priorities), a tenant's view
 * writes `<prefix>-t_<tenant>.<kind>-<day>` indices shaped by the templates, reads only its own,
 * and retention sweeps per tenant.
 */
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import type { LogDocument, SpanDocument, Store } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { uniqueName } from '../helpers/braid.js';

const prefix = uniqueName('tenantstore');
const es = new Client({ node: inject('elasticsearchUrl') });
const T = Date.UTC(2026, 11, 6, 13);
const OLD = Date.UTC(2026, 9, 1, 13);

afterAll(async () => {
  const made = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
  if (made.length > 0) await es.indices.delete({ index: made.map((r) => r.index).join(',') });
  const templates = await es.indices.getIndexTemplate({ name: `${prefix}-*` });
  for (const t of templates.index_templates) await es.indices.deleteIndexTemplate({ name: t.name });
  await es.close();
});

const span = (trace: string, service: string, ms = T): SpanDocument => ({
  '@timestamp': new Date(ms).toISOString(), 'trace.id': trace, 'span.id': '00f067aa0ba902b7', 'service.name': service, 'span.name': `${service}-op`, 'span.kind': 'server',
  'span.start.us': ms * 1000, 'span.duration.us': 10, 'span.status.code': 'unset', 'event.outcome': 'success', attributes: { k: 'v' }, 'resource.attributes': {},
});
const log = (trace: string, service: string): LogDocument => ({
  '@timestamp': `${new Date(T).toISOString().slice(0, 19)}.000000000Z`, 'log.id': `${service}-1`, 'trace.id': trace, 'service.name': service, 'log.level': 'info', message: `hello from ${service}`, attributes: {}, 'resource.attributes': {},
} as LogDocument);

describe('the Elasticsearch store per tenant', () => {
  let store: Store;
  const traces = { default: 'a'.repeat(32), acme: 'b'.repeat(32), beta: 'c'.repeat(32) };

  it('installs the templates of every tenant at start, twice without error', async () => {
    store = createElasticsearchStore({ url: inject('elasticsearchUrl'), index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 30_000, bulk_max_docs: 100, bulk_max_bytes: 5_000_000 }, createLogger('silent'));
    await store.start();
    await store.start();
    const names = (await es.indices.getIndexTemplate({ name: `${prefix}-*` })).index_templates.map((t) => t.name).sort();
    expect(names).toEqual(['edges', 'logs', 'operations', 'samples', 'spans', 'tenants-edges', 'tenants-logs', 'tenants-operations', 'tenants-samples', 'tenants-spans', 'tenants-traces', 'traces'].map((n) => `${prefix}-${n}`));
  });

  it('writes each tenant\'s documents to its own indices, shaped by the templates, and reads back only its own', async () => {
    for (const [tenant, trace] of Object.entries(traces)) {
      const view = store.forTenant(tenant);
      expect((await view.writeSpans([span(trace, `${tenant}-svc`), span(trace, `${tenant}-svc`, OLD)])).rejected).toEqual([]);
      expect((await view.writeLogs([log(trace, `${tenant}-svc`)])).rejected).toEqual([]);
      const op = { '@timestamp': new Date(T).toISOString(), 'service.name': `${tenant}-svc`, 'span.name': `${tenant}-svc-op`, 'span.kind': 'server' };
      expect((await view.writeDerived({ summaries: [], edges: [], operations: [op] })).rejected).toEqual([]);
    }
    await es.indices.refresh({ index: `${prefix}-*` });
    const indices = ((await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>).map((r) => r.index).sort();
    expect(indices).toEqual([
      `${prefix}-logs-2026.12.06`, `${prefix}-operations`, `${prefix}-spans-2026.10.01`, `${prefix}-spans-2026.12.06`,
      `${prefix}-t_acme.logs-2026.12.06`, `${prefix}-t_acme.operations`, `${prefix}-t_acme.spans-2026.10.01`, `${prefix}-t_acme.spans-2026.12.06`,
      `${prefix}-t_beta.logs-2026.12.06`, `${prefix}-t_beta.operations`, `${prefix}-t_beta.spans-2026.10.01`, `${prefix}-t_beta.spans-2026.12.06`,
    ]);
    // The tenant template's mapping applies: attributes are flattened, dynamic mapping is off.
    const mapping = await es.indices.getMapping({ index: `${prefix}-t_acme.spans-2026.12.06` });
    expect(Object.values(mapping)[0]!.mappings.properties!.attributes).toMatchObject({ type: 'flattened' });
    expect(Object.values(mapping)[0]!.mappings.dynamic).toBe('false');

    for (const [tenant, trace] of Object.entries(traces)) {
      const view = store.forTenant(tenant);
      expect(await view.services()).toEqual([`${tenant}-svc`]);
      for (const [other, otherTrace] of Object.entries(traces)) {
        expect((await view.getTrace(otherTrace)).length, `${tenant} reads ${other}'s trace`).toBe(other === tenant ? 2 : 0);
        expect((await view.getTraceLogs(otherTrace)).length).toBe(other === tenant ? 1 : 0);
      }
      const found = await view.findTraceIds({ tags: {}, startUs: (OLD - 60_000) * 1000, endUs: (T + 60_000) * 1000, limit: 10 });
      expect(found).toEqual([trace]);
    }
  });

  it('sweeps retention per tenant from a view, every tenant from the store', async () => {
    const now = T;
    expect(await store.forTenant('acme').sweepRetention(7, now)).toEqual([`${prefix}-t_acme.spans-2026.10.01`]);
    expect((await store.sweepRetention(7, now)).sort()).toEqual([`${prefix}-spans-2026.10.01`, `${prefix}-t_beta.spans-2026.10.01`]);
    await store.forTenant('acme').close();
    // A view's close leaves the shared client open.
    await store.ping();
    await store.close();
  });
});
