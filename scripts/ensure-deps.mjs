// Installs the locked dependencies with `npm ci` when node_modules does not hold what
// package-lock.json says, so `npm start`, `npm test` and `npm run infra:up` work as the first
// command typed in a fresh clone (run from npm's pre-scripts). Plain JavaScript without imports
// from node_modules: it runs before they exist.
import { existsSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

/**
 * Why node_modules in `dir` is out of date with its lock file, or undefined when it is not.
 * Compares the lock with the copy npm keeps of what it installed (node_modules/.package-lock.json),
 * by content: a checkout that only touched the lock's mtime installs nothing, and a pulled lock
 * that changed one version reinstalls. Optional packages (other platforms') may be absent.
 */
export function staleReason(dir) {
  const installedFile = join(dir, 'node_modules/.package-lock.json');
  if (!existsSync(installedFile)) return 'node_modules is not installed';
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages ?? {};
  const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages ?? {};
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const field of DEP_FIELDS) {
    const declared = pkg[field] ?? {};
    const locked = lock['']?.[field] ?? {};
    const names = new Set([...Object.keys(declared), ...Object.keys(locked)]);
    for (const name of names) if (declared[name] !== locked[name]) return `package.json ${field}.${name} is ${declared[name] ?? 'absent'}, the lock says ${locked[name] ?? 'absent'}`;
  }
  for (const [path, entry] of Object.entries(lock)) {
    if (path === '' || entry.link) continue;
    const got = installed[path];
    if (!got) {
      if (!entry.optional && !entry.devOptional) return `${path} ${entry.version} is not installed`;
    } else if (got.version !== entry.version) return `${path} is ${got.version}, the lock says ${entry.version}`;
  }
  for (const path of Object.keys(installed)) if (!(path in lock)) return `${path} is installed but not in the lock`;
  return undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const reason = staleReason(process.cwd());
  if (reason) {
    // npm ci installs exactly the lock, or stops with the disagreement when package.json and the
    // lock differ (run npm install then, and commit package-lock.json); test/lockfile.test.ts
    // keeps the committed pair installable.
    console.error(`[braid] installing dependencies (npm ci): ${reason}`);
    // npm's report goes to stderr: stdout stays the script's own (eval "$(npm run -s infra:up)").
    execSync('npm ci --no-audit --no-fund', { stdio: ['ignore', 2, 2] });
  }
}
