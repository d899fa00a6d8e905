/** Retention is enforced by Braid itself: indices past `retention_days` go at start. */
import { Client } from '@elastic/elasticsearch';
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../helpers/otlp.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

describe('retention sweep (real Elasticsearch)', () => {
  it('deletes daily indices older than retention_days and keeps the rest', async () => {
    const prefix = uniqueName('ret');
    const es = new Client({ node: inject('elasticsearchUrl') });
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '.');
    for (const name of [`${prefix}-spans-2020.01.01`, `${prefix}-edges-2020.01.02`, `${prefix}-spans-${today}`]) await es.indices.create({ index: name });
    const braid = await startTestBraid(testConfig({ storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix, retention_days: 7 } } }));
    try {
      const left = await eventually(async () => {
        const names = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
        return names.length === 1 ? names.map((n) => n.index) : undefined;
      }, 20_000, 'the sweep');
      expect(left).toEqual([`${prefix}-spans-${today}`]);
    } finally {
      await braid.stop();
      // Wildcard deletes are refused (action.destructive_requires_name), so name them.
      const rest = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
      if (rest.length > 0) await es.indices.delete({ index: rest.map((r) => r.index).join(',') });
      await es.close();
    }
  });
});
