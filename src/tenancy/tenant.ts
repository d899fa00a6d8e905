/**
 * Tenants: who a request's data belongs to. The tenant comes from the caller's token (or from
 * `X-Scope-OrgID` sent by a trusted proxy); with no tokens file every request is the default
 * tenant, whose indices and series keep the names Braid had before tenancy. A tenant ID names
 * Elasticsearch indices, so it is lowercase letters, digits, `_` and `-` (no `.`: the index
 * names of two tenants can never match each other's patterns; docs/adr/0018).
 */
import { BraidError } from '../errors.js';

/** The tenant of every request when Braid runs open (no tokens file), and of records written before tenancy. */
export const DEFAULT_TENANT = 'default';

/** What a tenant ID may be: 1-63 of a-z, 0-9, `_`, `-`, starting with a letter or digit. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Whether `id` is a valid tenant ID. */
export function isTenantId(id: string): boolean {
  return TENANT_ID_PATTERN.test(id);
}

/** `id` when it is a valid tenant ID; otherwise BRAID_ERR_TENANT_INVALID naming `where` and the rule (never a secret). */
export function checkTenantId(id: string, where: string): string {
  if (isTenantId(id)) return id;
  const shown = id.length > 64 ? `${JSON.stringify(id.slice(0, 64))}...` : JSON.stringify(id);
  throw new BraidError('BRAID_ERR_TENANT_INVALID', `${where}: tenant ID ${shown} is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit`);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's tenant: set by the auth hook (src/security), DEFAULT_TENANT when Braid runs open. */
    tenant: string;
  }
}
