import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLock, type LockEntry, type LockFile, type Manifest } from '../scripts/lockfile.js';

const root = new URL('../', import.meta.url);
const readJson = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, root), 'utf8')) as T;
const realPkg = () => readJson<Manifest>('package.json');
const realLock = () => readJson<LockFile>('package-lock.json');

/** A lock of the given entries (the root entry built from `pkg`), as npm writes version 3. */
function lockOf(pkg: Manifest, entries: Record<string, LockEntry>): LockFile {
  return { lockfileVersion: 3, packages: { '': { name: 'x', dependencies: pkg.dependencies, devDependencies: pkg.devDependencies }, ...entries } };
}

describe('package-lock.json', () => {
  it('agrees with package.json: npm ci can install from it', () => {
    expect(checkLock(realPkg(), realLock())).toEqual([]);
  });

  it('lists every optional platform package a locked package declares (the lock npm ci refused)', () => {
    const lock = realLock();
    const packages = lock.packages!;
    // The first locked package that declares optional dependencies (rollup's @rollup/rollup-*, esbuild's @esbuild/*).
    const declaring = Object.entries(packages).find(([path, e]) => path !== '' && Object.keys(e.optionalDependencies ?? {}).length > 1);
    expect(declaring, 'a locked package with optional platform packages').toBeDefined();
    const [path, entry] = declaring!;
    const [name, range] = Object.entries(entry.optionalDependencies!)[0]!;
    const dropped = Object.keys(packages).filter((p) => p === `node_modules/${name}` || p === `${path}/node_modules/${name}`);
    expect(dropped).toHaveLength(1);
    delete packages[dropped[0]!];
    expect(checkLock(realPkg(), lock)).toEqual([`Missing: ${name}@${range} from lock file (declared by ${path})`]);
  });

  it('names a package.json range the locked version does not satisfy, and the stale root entry', () => {
    const pkg = realPkg();
    const [name, range] = Object.entries(pkg.dependencies!)[0]!;
    const locked = realLock().packages![`node_modules/${name}`]!.version!;
    const bumped = `^${Number(locked.split('.')[0]) + 1}.0.0`;
    pkg.dependencies![name] = bumped;
    expect(checkLock(pkg, realLock())).toEqual([
      `package.json dependencies.${name} is "${bumped}" but the lock's root entry says "${range}": run npm install`,
      `Invalid: lock file's ${name}@${locked} (node_modules/${name}) does not satisfy ${bumped} (declared by package.json)`,
    ]);
  });

  it('names a declared dependency the lock lacks, and a root entry package.json no longer declares', () => {
    const pkg: Manifest = { dependencies: { a: '^1.0.0', b: '^2.0.0' } };
    const lock = lockOf({ dependencies: { a: '^1.0.0', c: '^3.0.0' } }, { 'node_modules/a': { version: '1.4.0' }, 'node_modules/c': { version: '3.0.0' } });
    expect(checkLock(pkg, lock)).toEqual([
      `package.json dependencies.b "^2.0.0" is not in the lock's root entry: run npm install`,
      `the lock's root entry has dependencies.c "^3.0.0", which package.json does not declare: run npm install`,
      'Missing: b@^2.0.0 from lock file (declared by package.json)',
    ]);
  });

  it("resolves as Node does: a package's own nested copy first, then its parents'", () => {
    const pkg: Manifest = { dependencies: { a: '^1.0.0', b: '^1.0.0' } };
    const entries: Record<string, LockEntry> = {
      'node_modules/a': { version: '1.0.0', dependencies: { b: '^2.0.0' } },
      'node_modules/a/node_modules/b': { version: '2.1.0' },
      'node_modules/b': { version: '1.0.0' },
    };
    expect(checkLock(pkg, lockOf(pkg, entries))).toEqual([]);
    delete entries['node_modules/a/node_modules/b'];
    expect(checkLock(pkg, lockOf(pkg, entries))).toEqual([`Invalid: lock file's b@1.0.0 (node_modules/b) does not satisfy ^2.0.0 (declared by node_modules/a)`]);
  });

  it('checks required peers and aliases, and leaves optional peers and non-semver specs alone', () => {
    const pkg: Manifest = { dependencies: { a: '^1.0.0', s: 'npm:string-width@^4.2.0', g: 'github:x/g' } };
    const entries: Record<string, LockEntry> = {
      'node_modules/a': { version: '1.0.0', peerDependencies: { p: '^1.0.0', q: '^1.0.0' }, peerDependenciesMeta: { q: { optional: true } } },
      'node_modules/s': { name: 'string-width', version: '4.2.3' },
      'node_modules/g': { version: '0.0.1', resolved: 'git+ssh://git@github.com/x/g.git#abc' },
    };
    expect(checkLock(pkg, lockOf(pkg, entries))).toEqual(['Missing: p@^1.0.0 from lock file (declared by node_modules/a)']);
    entries['node_modules/p'] = { version: '1.2.0' };
    entries['node_modules/s'] = { name: 'strip-ansi', version: '4.2.3' };
    expect(checkLock(pkg, lockOf(pkg, entries))).toEqual([`Invalid: lock file's node_modules/s is strip-ansi, not string-width (declared by package.json as npm:string-width@^4.2.0)`]);
  });

  it('refuses a version 1 lock, which has no packages map', () => {
    expect(checkLock({}, { lockfileVersion: 1 })).toEqual(['lockfileVersion 1: expected 2 or 3 (a "packages" map); regenerate the lock with npm 7 or later']);
  });
});
