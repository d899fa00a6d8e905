/**
 * A head per tenant. The default tenant's head exists from the start and reports the
 * `braid_head_*` metrics on the process registry, as the one head did before tenancy; another
 * tenant's head is created on the tenant's first metrics record, with its own settings (its
 * `limits.max_series_per_tenant`) and its own registry, and shows up in the per-tenant gauges
 * below. A tenant's series live only in its head: no selector of one tenant can reach another's.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { DEFAULT_TENANT } from '../../tenancy/tenant.js';
import { createHead, type Head, type HeadSettings } from './head.js';

/** The heads of every tenant seen so far. */
export interface TenantHeads {
  /** The head of `tenant`, created when absent (a metrics record of the tenant arrived). */
  forRecord(tenant: string | undefined): Head;
  /** The head of `tenant` if it has one: a tenant without metrics has none, and reads the store alone. */
  get(tenant: string): Head | undefined;
  /** The default tenant's head (always present). */
  readonly defaultHead: Head;
  /** Tenants with a head, the default first. */
  tenants(): string[];
  /** The feed holds everything from `ms` on: every head, and each head created later, is covered from there. */
  markCoveredFrom(ms: number): void;
  /** Stops every head's truncation timer. */
  close(): void;
}

/** Settings of the per-tenant heads. */
export interface TenantHeadsSettings {
  /** The settings of `tenant`'s head (window, bytes, its series limit). */
  headSettings(tenant: string): HeadSettings;
  /** Called once for each head created after the default one (a log line, say). */
  onCreate?(tenant: string): void;
}

/** Creates the default tenant's head now and the others on demand. */
export function createTenantHeads(settings: TenantHeadsSettings, registry: Registry = new Registry()): TenantHeads {
  const heads = new Map<string, { head: Head; registry: Registry }>();
  let coveredFrom: number | undefined;
  const add = (tenant: string, reg: Registry): Head => {
    const head = createHead(settings.headSettings(tenant), reg);
    if (coveredFrom !== undefined) head.markCoveredFrom(coveredFrom);
    heads.set(tenant, { head, registry: reg });
    return head;
  };
  const defaultHead = add(DEFAULT_TENANT, registry);
  registerTenantMetrics(registry, heads);
  return {
    defaultHead,
    forRecord(tenant) {
      const t = tenant ?? DEFAULT_TENANT;
      const found = heads.get(t);
      if (found !== undefined) return found.head;
      const head = add(t, new Registry());
      settings.onCreate?.(t);
      return head;
    },
    get: (tenant) => heads.get(tenant)?.head,
    tenants: () => [...heads.keys()],
    markCoveredFrom(ms) {
      coveredFrom = ms;
      for (const { head } of heads.values()) head.markCoveredFrom(ms);
    },
    close() {
      for (const { head } of heads.values()) head.close();
    },
  };
}

/** Gauges of every tenant's head, read from the heads at scrape time. */
function registerTenantMetrics(registry: Registry, heads: ReadonlyMap<string, { head: Head; registry: Registry }>): void {
  const registers = [registry];
  new Gauge({
    name: 'braid_head_tenants',
    help: 'Tenants with an in-memory head (the default tenant counts).',
    registers,
    collect() {
      this.set(heads.size);
    },
  });
  new Gauge({
    name: 'braid_head_tenant_series',
    help: 'Series held by each tenant\'s in-memory head.',
    labelNames: ['tenant'],
    registers,
    collect() {
      this.reset();
      for (const [tenant, { head }] of heads) this.set({ tenant }, head.stats().series);
    },
  });
  new Counter({
    name: 'braid_head_tenant_series_refused_total',
    help: 'New series each tenant\'s head refused, by reason (max_bytes, max_series: limits.max_series_per_tenant).',
    labelNames: ['tenant', 'reason'],
    registers,
    async collect() {
      this.reset();
      for (const [tenant, h] of heads) {
        const refused = await h.registry.getSingleMetric('braid_head_series_refused_total')?.get();
        for (const v of refused?.values ?? []) if (v.value > 0) this.inc({ tenant, reason: String(v.labels.reason ?? 'max_bytes') }, v.value);
      }
    },
  });
}
