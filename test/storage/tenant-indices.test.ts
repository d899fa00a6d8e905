import { describe, expect, it } from 'vitest';
import { allTemplates, dailyIndex, expiredIndices, indexBase, tenantTemplates } from '../../src/storage/elasticsearch/templates.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { SpanDocument } from '../../src/storage/store.js';
import { BraidError } from '../../src/errors.js';

/** Elasticsearch's simple wildcard match (`*` = any characters). */
const globMatch = (pattern: string, name: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name);

const T = Date.UTC(2026, 11, 6, 13);

describe('tenant index names', () => {
  it('keep the default tenant\'s names and put another tenant under <prefix>-t_<tenant>.', () => {
    expect(indexBase('braid')).toBe('braid-');
    expect(indexBase('braid', 'default')).toBe('braid-');
    expect(indexBase('braid', 'acme')).toBe('braid-t_acme.');
    expect(dailyIndex('braid', 'spans', T)).toBe('braid-spans-2026.12.06');
    expect(dailyIndex('braid', 'spans', T, 'acme')).toBe('braid-t_acme.spans-2026.12.06');
  });

  it('are matched by exactly one template each, and by no other tenant\'s or kind\'s pattern', () => {
    const s = { index_prefix: 'braid', shards: 1, replicas: 0 };
    const templates = allTemplates(s);
    expect(templates.map((t) => t.name)).toEqual([
      'braid-spans', 'braid-logs', 'braid-samples', 'braid-traces', 'braid-edges', 'braid-operations',
      'braid-tenants-spans', 'braid-tenants-logs', 'braid-tenants-samples', 'braid-tenants-traces', 'braid-tenants-edges', 'braid-tenants-operations',
    ]);
    const names = ['default', 'acme', 'acme-2', 'spans', 't_x'].flatMap((tenant) => [
      ...['spans', 'logs', 'samples', 'traces', 'edges'].map((kind) => ({ tenant, kind, name: dailyIndex('braid', kind, T, tenant) })),
      { tenant, kind: 'operations', name: `${indexBase('braid', tenant)}operations` },
    ]);
    for (const { kind, name, tenant } of names) {
      const matching = templates.filter((t) => (t.body.index_patterns as string[]).some((p) => globMatch(p, name)));
      expect(matching.map((t) => t.name), name).toEqual([tenant === 'default' ? `braid-${kind}` : `braid-tenants-${kind}`]);
      // A tenant's own read patterns see only its indices.
      for (const other of names) {
        const pattern = `${indexBase('braid', other.tenant)}${other.kind}${other.kind === 'operations' ? '' : '-*'}`;
        expect(globMatch(pattern, name), `${pattern} vs ${name}`).toBe(other.tenant === tenant && other.kind === kind);
      }
    }
    // Overlapping tenant patterns need distinct priorities, above the default templates'.
    const priorities = tenantTemplates(s).map((t) => t.body.priority as number);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(Math.min(...priorities)).toBeGreaterThan(200);
    // The mappings are the default templates', unchanged.
    expect(tenantTemplates(s)[0]!.body.template).toEqual(templates[0]!.body.template);
  });

  it('expire per tenant: the store\'s sweep takes every tenant\'s, a view\'s only its own', () => {
    const names = ['braid-spans-2026.11.01', 'braid-t_acme.spans-2026.11.01', 'braid-t_acme.logs-2026.12.06', 'braid-t_b.samples-2026.10.01', 'braid-t_acme.operations', 'braid-t_a.b.spans-2026.11.01', 'braidx-spans-2026.11.01'];
    expect(expiredIndices('braid', names, 7, T)).toEqual(['braid-spans-2026.11.01', 'braid-t_acme.spans-2026.11.01', 'braid-t_b.samples-2026.10.01']);
    expect(expiredIndices('braid', names, 7, T, 'acme')).toEqual(['braid-t_acme.spans-2026.11.01']);
    expect(expiredIndices('braid', names, 7, T, 'default')).toEqual(['braid-spans-2026.11.01']);
    // A prefix with regex characters is taken literally.
    expect(expiredIndices('br.id', ['brxid-spans-2026.01.01', 'br.id-spans-2026.01.01'], 7, T)).toEqual(['br.id-spans-2026.01.01']);
  });
});

const span = (trace: string, service: string): SpanDocument => ({
  '@timestamp': new Date(T).toISOString(), 'trace.id': trace, 'span.id': '00f067aa0ba902b7', 'service.name': service, 'span.name': 'op', 'span.kind': 'server',
  'span.start.us': T * 1000, 'span.duration.us': 10, 'span.status.code': 'unset', 'event.outcome': 'success', attributes: {}, 'resource.attributes': {},
});

describe('memory store per tenant', () => {
  it('gives each tenant a bounded store of its own and the default tenant the store itself', async () => {
    const store = createMemoryStore({ max_spans: 2, max_logs: 10, max_samples: 10 });
    const acme = store.forTenant('acme');
    expect(store.forTenant('default')).toBe(store);
    expect(store.forTenant('acme')).toBe(acme);
    expect(acme.forTenant('default')).toBe(store);
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    await store.writeSpans([span(a, 'root-svc')]);
    await acme.writeSpans([span(b, 'acme-svc')]);
    expect((await store.getTrace(a)).length).toBe(1);
    expect(await store.getTrace(b)).toEqual([]);
    expect((await acme.getTrace(b)).length).toBe(1);
    expect(await acme.getTrace(a)).toEqual([]);
    // Each tenant's bound is its own: acme filling its store evicts nothing of the default tenant's.
    await acme.writeSpans(['c', 'd', 'e'].map((x) => span(x.repeat(32), 'acme-svc')));
    expect((await store.getTrace(a)).length).toBe(1);
    expect(await acme.getTrace(b)).toEqual([]);
  });

  it('refuses an ID that is not a tenant ID', () => {
    const store = createMemoryStore({ max_spans: 2, max_logs: 10, max_samples: 10 });
    const err = (() => {
      try {
        store.forTenant('Acme.x');
      } catch (e) {
        return e;
      }
    })() as BraidError;
    expect(err.code).toBe('BRAID_ERR_TENANT_INVALID');
    expect(err.message).toContain('"Acme.x"');
  });
});
