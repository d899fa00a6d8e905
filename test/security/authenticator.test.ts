import { describe, expect, it } from 'vitest';
import { createTokenAuthenticator, isTrusted, OPEN_AUTHENTICATOR, parseTrustedProxies, tokenOf, type AuthResult } from '../../src/security/authenticator.js';
import { TokenTable } from '../../src/security/tokens.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const tokens = TokenTable.parse('acme:tok-acme\nbeta:tok-beta', 'f');
const auth = createTokenAuthenticator(() => tokens, parseTrustedProxies(['10.1.0.0/16', '192.168.7.7', 'fd00::/8']));
const outcome = (r: AuthResult) => (r.ok ? `tenant ${r.tenant}` : `${r.reason}: ${r.error.code}: ${r.error.message}`);

describe('tokenOf', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer  abc ', 'abc'],
    [basic('acme', 'tok:with:colons'), 'tok:with:colons'],
    [basic('', 'tok'), 'tok'],
    [basic('acme', ''), undefined],
    [`Basic ${Buffer.from('no-colon').toString('base64')}`, undefined],
    ['Bearer ', undefined],
    ['Digest abc', undefined],
    ['abc', undefined],
  ])('%s -> %s', (header, token) => expect(tokenOf(header)).toBe(token));
});

describe('trusted proxies', () => {
  const list = parseTrustedProxies(['10.1.0.0/16', '192.168.7.7', 'fd00::/8', '::1']);
  it.each([
    ['10.1.200.3', true],
    ['10.2.0.1', false],
    ['192.168.7.7', true],
    ['192.168.7.8', false],
    ['::ffff:10.1.0.9', true],
    ['::ffff:10.9.0.9', false],
    ['fd12::1', true],
    ['fe80::1', false],
    ['::1', true],
    ['not-an-ip', false],
    [undefined, false],
  ])('%s trusted: %s', (address, trusted) => expect(isTrusted(list, address)).toBe(trusted));

  it.each([
    ['10.0.0.0/33', 'auth.trusted_proxies[1]: "10.0.0.0/33" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)'],
    ['proxy.local', 'auth.trusted_proxies[1]: "proxy.local" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)'],
    ['10.0.0.0/8/1', 'auth.trusted_proxies[1]: "10.0.0.0/8/1" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)'],
    ['fd00::/x', 'auth.trusted_proxies[1]: "fd00::/x" is not an IP address or CIDR (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)'],
  ])('refuses %s naming the entry', (entry, message) => expect(() => parseTrustedProxies(['::1', entry])).toThrow(message));
});

describe('authenticator', () => {
  it.each([
    [{ authorization: 'Bearer tok-acme' }, 'tenant acme'],
    [{ authorization: basic('whoever', 'tok-beta') }, 'tenant beta'],
    [{}, 'missing: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
    [{ authorization: '' }, 'missing: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
    [{ authorization: 'Bearer tok-nobody' }, 'invalid: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
    [{ authorization: 'Token tok-acme' }, 'invalid: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
    // X-Scope-OrgID from a trusted proxy names the tenant; the Authorization header is not needed.
    [{ scopeOrgId: 'gamma', remoteAddress: '10.1.2.3' }, 'tenant gamma'],
    [{ scopeOrgId: 'gamma', remoteAddress: '::ffff:192.168.7.7', authorization: 'Bearer tok-acme' }, 'tenant gamma'],
    [{ scopeOrgId: 'Gamma!', remoteAddress: '10.1.2.3' }, 'invalid: BRAID_ERR_TENANT_INVALID: X-Scope-OrgID: tenant ID "Gamma!" is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit'],
    // From anyone else the header alone is refused; with a token, the token decides.
    [{ scopeOrgId: 'gamma', remoteAddress: '127.0.0.1' }, 'untrusted_proxy: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
    [{ scopeOrgId: 'gamma', remoteAddress: '127.0.0.1', authorization: 'Bearer tok-acme' }, 'tenant acme'],
    [{ remoteAddress: '10.1.2.3' }, 'missing: BRAID_ERR_AUTH_UNAUTHENTICATED: missing or invalid credentials'],
  ])('%j -> %s', (credentials, expected) => expect(outcome(auth.authenticate(credentials))).toBe(expected));

  it('open mode: every request is the default tenant', () => {
    expect(OPEN_AUTHENTICATOR.open).toBe(true);
    expect(outcome(OPEN_AUTHENTICATOR.authenticate({ authorization: 'Bearer junk' }))).toBe('tenant default');
  });

  it('reads the tokens current at each call (reload swaps the table)', () => {
    let table = TokenTable.parse('acme:old', 'f');
    const a = createTokenAuthenticator(() => table, parseTrustedProxies([]));
    expect(outcome(a.authenticate({ authorization: 'Bearer old' }))).toBe('tenant acme');
    table = TokenTable.parse('acme:new', 'f');
    expect(a.authenticate({ authorization: 'Bearer old' }).ok).toBe(false);
    expect(outcome(a.authenticate({ authorization: 'Bearer new' }))).toBe('tenant acme');
  });
});
