import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { staleReason } from '../scripts/ensure-deps.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Entry {
  version?: string;
  optional?: boolean;
}

/** A checkout with the given package.json dependencies, lock entries and installed entries (undefined: no node_modules). */
function checkout(deps: Record<string, string>, lock: Record<string, Entry>, installed?: Record<string, Entry>): string {
  const dir = mkdtempSync(join(tmpdir(), 'braid-ensure-deps-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', dependencies: deps }));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'x', dependencies: deps }, ...lock } }));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules/.package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: installed }));
  }
  return dir;
}

const lock = { 'node_modules/a': { version: '1.2.0' }, 'node_modules/@rollup/rollup-darwin-x64': { version: '4.0.0', optional: true } };

describe('ensure-deps', () => {
  it('installs nothing when node_modules holds the locked versions (other platforms\' optional packages absent)', () => {
    expect(staleReason(checkout({ a: '^1.0.0' }, lock, { 'node_modules/a': { version: '1.2.0' } }))).toBeUndefined();
  });

  it('says why it installs: a fresh clone, a changed version, a missing or an extra package', () => {
    expect(staleReason(checkout({ a: '^1.0.0' }, lock))).toBe('node_modules is not installed');
    expect(staleReason(checkout({ a: '^1.0.0' }, lock, { 'node_modules/a': { version: '1.1.0' } }))).toBe('node_modules/a is 1.1.0, the lock says 1.2.0');
    expect(staleReason(checkout({ a: '^1.0.0' }, lock, {}))).toBe('node_modules/a 1.2.0 is not installed');
    expect(staleReason(checkout({ a: '^1.0.0' }, lock, { 'node_modules/a': { version: '1.2.0' }, 'node_modules/b': { version: '1.0.0' } }))).toBe(
      'node_modules/b is installed but not in the lock',
    );
  });

  it('notices a package.json edited without updating the lock, so npm ci can say they disagree', () => {
    const dir = checkout({ a: '^1.0.0' }, lock, { 'node_modules/a': { version: '1.2.0' } });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', dependencies: { a: '^1.0.0', b: '^2.0.0' } }));
    expect(staleReason(dir)).toBe('package.json dependencies.b is ^2.0.0, the lock says absent');
  });
});
