/**
 * Who is calling: the tenant of a request from its `Authorization` header (Bearer token, or
 * Basic auth whose password is the token), or from `X-Scope-OrgID` when the peer is a trusted
 * proxy. Protocol-neutral: the fastify hook and the gRPC server both ask it.
 */
import { BlockList, isIP } from 'node:net';
import { BraidError } from '../errors.js';
import { checkTenantId, DEFAULT_TENANT } from '../tenancy/tenant.js';
import type { TokenTable } from './tokens.js';

/** Why a request was refused (the `reason` label of braid_auth_failures_total). */
export type AuthFailureReason = 'missing' | 'invalid' | 'untrusted_proxy';

/** The outcome of one check: the tenant, or why not. */
export type AuthResult = { ok: true; tenant: string } | { ok: false; reason: AuthFailureReason; error: BraidError };

/** The credentials a request carries, whatever its protocol. */
export interface Credentials {
  authorization?: string | undefined;
  /** The `X-Scope-OrgID` header. */
  scopeOrgId?: string | undefined;
  /** The peer's address as the socket reports it. */
  remoteAddress?: string | undefined;
}

/** Decides the tenant of each request. */
export interface Authenticator {
  /** True when Braid runs without a tokens file: every request is DEFAULT_TENANT. */
  readonly open: boolean;
  authenticate(credentials: Credentials): AuthResult;
}

/** What every refusal says: never whether a tenant or a token exists. */
export const UNAUTHENTICATED_MESSAGE = 'missing or invalid credentials';

// One instance for every refusal: a flood of bad requests costs no stack capture each (about 8 us).
const UNAUTHENTICATED = new BraidError('BRAID_ERR_AUTH_UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
const refuse = (reason: AuthFailureReason): AuthResult => ({ ok: false, reason, error: UNAUTHENTICATED });

/** Parses `auth.trusted_proxies` (addresses or CIDRs, IPv4 or IPv6); a bad entry throws naming it. */
export function parseTrustedProxies(entries: readonly string[]): BlockList {
  const list = new BlockList();
  entries.forEach((entry, i) => {
    const [address = '', prefix, extra] = entry.trim().split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= max && /^\d+$/.test(prefix!)))) {
      throw new BraidError('BRAID_ERR_CONFIG_INVALID', `auth.trusted_proxies[${i}]: ${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  });
  return list;
}

/** Whether `address` (as a socket reports it; IPv4-mapped IPv6 included) is in `list`. */
export function isTrusted(list: BlockList, address: string | undefined): boolean {
  if (!address) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return list.check(mapped[1]!, 'ipv4') || list.check(address, 'ipv6');
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The token of an `Authorization` header: `Bearer <token>`, or `Basic base64(<user>:<token>)`; undefined when malformed. */
export function tokenOf(authorization: string): string | undefined {
  const space = authorization.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === 'bearer') return value === '' ? undefined : value;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  // RFC 7617: the user ID holds no colon; the password (the token) may.
  const colon = decoded.indexOf(':');
  const token = colon < 0 ? '' : decoded.slice(colon + 1);
  return token === '' ? undefined : token;
}

/** Every request is the default tenant: Braid without a tokens file. */
export const OPEN_AUTHENTICATOR: Authenticator = { open: true, authenticate: () => ({ ok: true, tenant: DEFAULT_TENANT }) };

/** Checks requests against the tokens `tokens()` returns now (the tokens file reloads under it). */
export function createTokenAuthenticator(tokens: () => TokenTable, trustedProxies: BlockList): Authenticator {
  return {
    open: false,
    authenticate({ authorization, scopeOrgId, remoteAddress }: Credentials): AuthResult {
      if (scopeOrgId !== undefined && scopeOrgId !== '') {
        if (isTrusted(trustedProxies, remoteAddress)) {
          try {
            return { ok: true, tenant: checkTenantId(scopeOrgId.trim(), 'X-Scope-OrgID') };
          } catch (err) {
            return { ok: false, reason: 'invalid', error: err as BraidError };
          }
        }
        // From anyone else the header names nothing; a token still decides.
        if (authorization === undefined || authorization === '') return refuse('untrusted_proxy');
      }
      if (authorization === undefined || authorization === '') return refuse('missing');
      const token = tokenOf(authorization);
      const tenant = token === undefined ? undefined : tokens().tenantOf(token);
      return tenant === undefined ? refuse('invalid') : { ok: true, tenant };
    },
  };
}
