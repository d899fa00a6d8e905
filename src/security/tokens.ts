/**
 * The tokens file: `tenant:token` per line, `#` comments and blank lines ignored. Tokens are kept
 * only as SHA-256 digests and compared in constant time against every entry, so neither the
 * answer time nor an error message tells anything about a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { BraidError } from '../errors.js';
import { isTenantId } from '../tenancy/tenant.js';

/** One line of the tokens file: the tenant and the digest of its token. */
interface TokenEntry {
  tenant: string;
  digest: Buffer;
}

const digestOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** The tokens of one version of the tokens file. */
export class TokenTable {
  private constructor(private readonly entries: readonly TokenEntry[]) {}

  /** Parses the file's text; a bad line throws BRAID_ERR_CONFIG_INVALID naming `source` and the line number, never the token. */
  static parse(text: string, source: string): TokenTable {
    const entries: TokenEntry[] = [];
    const seen = new Map<string, number>();
    // A byte-order mark (Windows editors) is not part of the first tenant ID.
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const bad = (why: string) => new BraidError('BRAID_ERR_CONFIG_INVALID', `${source} line ${i + 1}: ${why}`);
      const colon = line.indexOf(':');
      if (colon < 0) throw bad('expected tenant:token');
      const tenant = line.slice(0, colon).trim();
      const token = line.slice(colon + 1).trim();
      if (!isTenantId(tenant)) throw bad('the tenant ID is not valid: expected 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit');
      if (token === '' || /\s/.test(token)) throw bad('the token is empty or holds whitespace');
      const digest = digestOf(token);
      const key = digest.toString('hex');
      const first = seen.get(key);
      if (first !== undefined) throw bad(`the same token as line ${first}: a token names exactly one tenant`);
      seen.set(key, i + 1);
      entries.push({ tenant, digest });
    }
    return new TokenTable(entries);
  }

  /** How many tokens the file holds. */
  get size(): number {
    return this.entries.length;
  }

  /** How many distinct tenants the tokens name. */
  get tenants(): number {
    return new Set(this.entries.map((e) => e.tenant)).size;
  }

  /** The tenant of `token`, or undefined; compares against every entry in constant time, without an early exit. */
  tenantOf(token: string): string | undefined {
    const digest = digestOf(token);
    let found: string | undefined;
    for (const e of this.entries) {
      const equal = timingSafeEqual(e.digest, digest);
      found = equal && found === undefined ? e.tenant : found;
    }
    return found;
  }
}
