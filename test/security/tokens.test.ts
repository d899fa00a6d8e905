import { describe, expect, it } from 'vitest';
import { BraidError } from '../../src/errors.js';
import { TokenTable } from '../../src/security/tokens.js';

const SECRET = 's3cr3t-token-value';

const parseError = (text: string): BraidError => {
  try {
    TokenTable.parse(text, 'auth.tokens_file /etc/braid/tokens');
  } catch (err) {
    return err as BraidError;
  }
  throw new Error('expected a parse error');
};

describe('tokens file', () => {
  it('maps each token to its tenant, ignoring comments and blank lines', () => {
    const t = TokenTable.parse(`# tenants\n\nacme:tok-a\n  beta-2 : tok-b  \r\nacme:tok-a2\n`, 'f');
    expect(t.size).toBe(3);
    expect(t.tenants).toBe(2);
    expect(t.tenantOf('tok-a')).toBe('acme');
    expect(t.tenantOf('tok-a2')).toBe('acme');
    expect(t.tenantOf('tok-b')).toBe('beta-2');
    expect(t.tenantOf('tok-')).toBeUndefined();
    expect(t.tenantOf('')).toBeUndefined();
  });

  it('ignores a byte-order mark before the first tenant', () => {
    expect(TokenTable.parse('\uFEFFacme:tok', 'f').tenantOf('tok')).toBe('acme');
  });

  it('keeps a colon inside the token (the first colon ends the tenant)', () => {
    expect(TokenTable.parse('acme:a:b:c', 'f').tenantOf('a:b:c')).toBe('acme');
  });

  it.each([
    ['a line without a colon', `acme:ok\n${SECRET}\n`, 'auth.tokens_file /etc/braid/tokens line 2: expected tenant:token'],
    ['an invalid tenant ID', `# c\nAcme:${SECRET}`, 'auth.tokens_file /etc/braid/tokens line 2: the tenant ID is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit'],
    ['a tenant ID with a dot', `a.b:${SECRET}`, 'auth.tokens_file /etc/braid/tokens line 1: the tenant ID is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit'],
    ['an empty token', 'acme:', 'auth.tokens_file /etc/braid/tokens line 1: the token is empty or holds whitespace'],
    ['a token with a space', `acme:${SECRET} more`, 'auth.tokens_file /etc/braid/tokens line 1: the token is empty or holds whitespace'],
    ['the same token twice', `acme:${SECRET}\n\nbeta:${SECRET}`, 'auth.tokens_file /etc/braid/tokens line 3: the same token as line 1: a token names exactly one tenant'],
  ])('refuses %s naming the line, never the token', (_name, text, message) => {
    const err = parseError(text);
    expect(err.code).toBe('BRAID_ERR_CONFIG_INVALID');
    expect(err.message).toBe(message);
    expect(err.message).not.toContain(SECRET);
  });

  it('finds the tenant of the last entry as well as the first (no early exit changes the answer)', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `t${i}:token-${i}`).join('\n');
    const t = TokenTable.parse(lines, 'f');
    expect(t.tenantOf('token-0')).toBe('t0');
    expect(t.tenantOf('token-199')).toBe('t199');
    expect(t.tenantOf('token-200')).toBeUndefined();
  });
});
