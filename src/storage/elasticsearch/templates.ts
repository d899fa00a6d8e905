/**
 * Explicit index templates, one per kind of document. Attributes are `flattened`: every key is
 * searchable by exact value, and no attribute key ever adds a mapping (no mapping explosion).
 * Indices are daily (`<prefix>-spans-YYYY.MM.DD`), so retention is deleting whole indices.
 * A tenant other than the default has its own indices, `<prefix>-t_<tenant>.spans-YYYY.MM.DD`
 * (tenant IDs have no `.`, so no tenant's pattern matches another's or the default's), covered by
 * a second template per kind (docs/adr/0018).
 */
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';

/** Settings that shape the templates. */
export interface TemplateSettings {
  index_prefix: string;
  shards: number;
  replicas: number;
}

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
/**
 * A keyword only ever aggregated (and tested by `exists`, which doc values answer): no index. Its
 * ignore_above is MAX_SERIES_ID_CHARS (src/storage/store.ts); the ingester leaves longer ones out.
 */
const aggregateOnly = { type: 'keyword', index: false, ignore_above: 8_191 } as const;
/** A keyword only ever matched by term queries, never sorted or aggregated on: no doc values. */
const termOnly = { type: 'keyword', ignore_above: 1024, doc_values: false } as const;

/** The spans index template body for PUT _index_template/<name>. */
export function spansTemplate(s: TemplateSettings): { name: string; body: Record<string, unknown> } {
  return {
    name: `${s.index_prefix}-spans`,
    body: {
      index_patterns: [`${s.index_prefix}-spans-*`],
      priority: 200,
      _meta: { managed_by: 'braid', version: 2 },
      template: {
        settings: {
          number_of_shards: s.shards,
          number_of_replicas: s.replicas,
          'index.codec': 'best_compression',
          'index.mapping.total_fields.limit': 200,
        },
        mappings: {
          dynamic: false,
          properties: {
            '@timestamp': { type: 'date' },
            trace: { properties: { id: keyword, state: { type: 'keyword', index: false } } },
            span: {
              properties: {
                id: keyword,
                name: keyword,
                kind: keyword,
                start: { properties: { us: { type: 'long' } } },
                duration: { properties: { us: { type: 'long' } } },
                status: { properties: { code: keyword, message: { type: 'text' } } },
              },
            },
            parent: { properties: { id: termOnly } },
            service: { properties: { name: keyword } },
            event: { properties: { outcome: termOnly } },
            scope: { properties: { name: termOnly, version: termOnly } },
            // Attributes are matched by exact value (Jaeger tag search), never aggregated.
            attributes: { type: 'flattened', ignore_above: 1024, doc_values: false },
            resource: { properties: { attributes: { type: 'flattened', ignore_above: 1024, doc_values: false } } },
            events: { type: 'object', enabled: false },
            links: { type: 'object', enabled: false },
          },
        },
      },
    },
  };
}

function template(
  s: TemplateSettings, kind: string, properties: Record<string, unknown>, options: { daily?: boolean; version?: number; sourceExcludes?: string[] } = {},
): { name: string; body: Record<string, unknown> } {
  const daily = options.daily ?? true;
  return {
    name: `${s.index_prefix}-${kind}`,
    body: {
      index_patterns: [daily ? `${s.index_prefix}-${kind}-*` : `${s.index_prefix}-${kind}`],
      priority: 200,
      _meta: { managed_by: 'braid', version: options.version ?? 1 },
      template: {
        settings: { number_of_shards: s.shards, number_of_replicas: s.replicas, 'index.codec': 'best_compression' },
        mappings: { dynamic: false, ...(options.sourceExcludes ? { _source: { excludes: options.sourceExcludes } } : {}), properties },
      },
    },
  };
}

/** The logs index template: ECS correlation fields, nanosecond timestamps, full-text message. */
export function logsTemplate(s: TemplateSettings): { name: string; body: Record<string, unknown> } {
  return template(s, 'logs', {
    '@timestamp': { type: 'date_nanos' },
    // log.id only breaks ties when sorting (doc values, no index); trace.id is only matched by
    // term (index, no doc values); the message is searched by words, never by phrase or score.
    // 308 -> 239 bytes per record of a 200-byte message (docs/adr/0005).
    log: { properties: { id: { type: 'keyword', index: false }, level: keyword } },
    trace: { properties: { id: termOnly } },
    // Logs are attached to spans when read, by the trace's logs: span.id is kept, not indexed.
    span: { properties: { id: { type: 'keyword', index: false, doc_values: false } } },
    service: { properties: { name: keyword } },
    severity: { properties: { number: { type: 'byte' } } },
    message: { type: 'text', index_options: 'freqs', norms: false },
    event: { properties: { name: termOnly } },
    scope: { properties: { name: termOnly } },
    attributes: { type: 'flattened', ignore_above: 1024, doc_values: false },
    resource: { properties: { attributes: { type: 'flattened', ignore_above: 1024, doc_values: false } } },
  });
}

/**
 * The samples index template: one document per group of samples (a metric name of one service at
 * one millisecond, from one request; src/storage/store.ts SampleGroupDocument). A query filters
 * groups by name, time and the union of their label values, then reads the samples out of
 * `_source`; the unions exist only to be matched, so they are left out of `_source`. Version 3
 * adds `series.id` and `label.names` (doc values only, not in `_source`), which the Prometheus
 * metadata endpoints aggregate instead of reading samples (docs/adr/0012).
 * 107 bytes and 1 document per sample before; see docs/adr/0006 for the figures now.
 */
export function samplesTemplate(s: TemplateSettings): { name: string; body: Record<string, unknown> } {
  return template(
    s,
    'samples',
    {
      '@timestamp': { type: 'date' },
      // group.id equals _id; its doc values order groups of the same millisecond when paging.
      group: { properties: { id: { type: 'keyword', index: false } } },
      metric: { properties: { name: keyword, type: keyword } },
      service: { properties: { name: termOnly } },
      labels: { type: 'flattened', ignore_above: 1024, doc_values: false },
      exemplar: { properties: { trace: { properties: { id: termOnly } } } },
      // Aggregated by the metadata endpoints, never matched: doc values only (docs/adr/0012).
      series: { properties: { id: aggregateOnly } },
      label: { properties: { names: aggregateOnly } },
      samples: { type: 'object', enabled: false },
    },
    { version: 3, sourceExcludes: ['labels', 'exemplar.trace.id', 'series.id', 'label.names'] },
  );
}

/** Templates of the derived documents: trace summaries, service edges, the operation catalog. */
export function derivedTemplates(s: TemplateSettings): Array<{ name: string; body: Record<string, unknown> }> {
  return [
    template(s, 'traces', {
      '@timestamp': { type: 'date' },
      trace: { properties: { id: keyword, start: { properties: { us: { type: 'long' } } }, duration: { properties: { us: { type: 'long' } } } } },
      root: { properties: { service: { properties: { name: keyword } }, span: { properties: { name: keyword } } } },
      span: { properties: { count: { type: 'integer' } } },
      error: { properties: { count: { type: 'integer' }, log: { properties: { count: { type: 'integer' } } } } },
      log: { properties: { count: { type: 'integer' } } },
      service: { properties: { names: keyword } },
    }),
    template(s, 'edges', {
      '@timestamp': { type: 'date' },
      trace: { properties: { id: keyword } },
      span: { properties: { id: keyword } },
      parent: { properties: { service: { properties: { name: keyword } } } },
      child: { properties: { service: { properties: { name: keyword } } } },
      event: { properties: { outcome: keyword } },
    }),
    template(s, 'operations', {
      '@timestamp': { type: 'date' },
      service: { properties: { name: keyword } },
      span: { properties: { name: keyword, kind: keyword } },
    }, { daily: false }),
  ];
}

/**
 * The templates of tenants' indices: each kind's template with its patterns moved under
 * `<prefix>-t_*.`. Their patterns overlap each other's (`*` matches a `.`, though no tenant ID has
 * one), and Elasticsearch refuses overlapping templates of equal priority: each gets its own.
 */
export function tenantTemplates(s: TemplateSettings): Array<{ name: string; body: Record<string, unknown> }> {
  const own = `${s.index_prefix}-`;
  return [spansTemplate(s), logsTemplate(s), samplesTemplate(s), ...derivedTemplates(s)].map((t, i) => ({
    name: `${s.index_prefix}-tenants-${t.name.slice(own.length)}`,
    body: { ...t.body, priority: 201 + i, index_patterns: (t.body.index_patterns as string[]).map((p) => `${s.index_prefix}-t_*.${p.slice(own.length)}`) },
  }));
}

/** Every template Braid installs: the default tenant's, then the other tenants'. */
export function allTemplates(s: TemplateSettings): Array<{ name: string; body: Record<string, unknown> }> {
  return [spansTemplate(s), logsTemplate(s), samplesTemplate(s), ...derivedTemplates(s), ...tenantTemplates(s)];
}

/** The start of every index name of `tenant`: `<prefix>-` for the default tenant, `<prefix>-t_<tenant>.` for another. */
export function indexBase(prefix: string, tenant: string = DEFAULT_TENANT): string {
  return tenant === DEFAULT_TENANT ? `${prefix}-` : `${prefix}-t_${tenant}.`;
}

/** The daily index a document of `kind` at `epochMs` belongs to, in `tenant`'s indices. */
export function dailyIndex(prefix: string, kind: string, epochMs: number, tenant: string = DEFAULT_TENANT): string {
  const d = new Date(epochMs);
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${indexBase(prefix, tenant)}${kind}-${d.getUTCFullYear()}.${mm}.${dd}`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * The daily indices among `names` whose day is more than `retentionDays` before `nowMs`: of every
 * tenant, or only of `tenant` when given.
 */
export function expiredIndices(prefix: string, names: string[], retentionDays: number, nowMs: number, tenant?: string): string[] {
  const today = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), new Date(nowMs).getUTCDate());
  const cutoff = today - retentionDays * 86_400_000;
  const re = new RegExp(`^${escapeRegExp(prefix)}-(?:t_([a-z0-9][a-z0-9_-]*)\\.)?(spans|traces|edges|logs|samples)-(\\d{4})\\.(\\d{2})\\.(\\d{2})$`);
  return names.filter((name) => {
    const m = re.exec(name);
    if (m === null || (tenant !== undefined && (m[1] ?? DEFAULT_TENANT) !== tenant)) return false;
    return Date.UTC(Number(m[3]), Number(m[4]) - 1, Number(m[5])) < cutoff;
  });
}
