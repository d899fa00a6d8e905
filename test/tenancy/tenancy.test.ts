import { describe, expect, it } from 'vitest';
import { BraidConfigSchema } from '../../src/config/schema.js';
import { BraidError } from '../../src/errors.js';
import { limitsFor } from '../../src/tenancy/limits.js';
import { checkTenantId, isTenantId } from '../../src/tenancy/tenant.js';

describe('tenant IDs', () => {
  it('accepts lowercase letters, digits, _ and - up to 63 characters', () => {
    for (const id of ['default', 'acme', 'team-a', 'team_b', '0', 'a'.repeat(63)]) expect(isTenantId(id), id).toBe(true);
  });

  it('refuses what cannot name an Elasticsearch index or could match another tenant', () => {
    for (const id of ['', 'Acme', 'a.b', '-a', '_a', 'a b', 'a/b', 'a*', 'a'.repeat(64), 'é']) expect(isTenantId(id), id).toBe(false);
  });

  it('names where the bad ID came from and the rule, with a long ID cut', () => {
    const err = (() => {
      try {
        checkTenantId(`X${'y'.repeat(200)}`, 'X-Scope-OrgID');
      } catch (e) {
        return e as BraidError;
      }
      return undefined;
    })();
    expect(err?.code).toBe('BRAID_ERR_TENANT_INVALID');
    expect(err?.httpStatus).toBe(400);
    expect(err?.message).toMatch(/^X-Scope-OrgID: tenant ID "Xy+"\.\.\. is not valid: expected 1-63 characters/);
    expect(err?.message.length).toBeLessThan(250);
  });
});

describe('limitsFor', () => {
  const config = BraidConfigSchema.parse({ limits: { ingestion_rate: 100, query_timeout: '30s' }, tenant_limits: { acme: { ingestion_rate: 5, max_query_length: '1d' } } });

  it('gives every tenant the limits block, durations in milliseconds', () => {
    const l = limitsFor(config, 'other');
    expect(l.ingestion_rate).toBe(100);
    expect(l.query_timeout).toBe(30_000);
    expect(l.max_query_length).toBe(32 * 86_400_000);
    expect(l.max_attributes_per_record).toBe(128);
  });

  it('puts a tenant\'s overrides on top, leaving the rest', () => {
    const l = limitsFor(config, 'acme');
    expect(l.ingestion_rate).toBe(5);
    expect(l.max_query_length).toBe(86_400_000);
    expect(l.query_timeout).toBe(30_000);
    expect(limitsFor(config, 'other').ingestion_rate).toBe(100);
  });

  it('refuses an override key that is not a limit, and a bad tenant ID, naming the path', () => {
    const bad = BraidConfigSchema.safeParse({ tenant_limits: { acme: { ingestion_rat: 5 } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('ingestion_rat');
    const badTenant = BraidConfigSchema.safeParse({ tenant_limits: { 'Acme.x': { ingestion_rate: 5 } } });
    expect(badTenant.success).toBe(false);
    expect(JSON.stringify(badTenant.error?.issues)).toContain('expected a tenant ID');
  });
});
