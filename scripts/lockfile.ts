/**
 * Checks that package-lock.json agrees with package.json the way `npm ci` needs it to, without
 * the network: the lock's root entry declares exactly package.json's dependencies, and every
 * dependency of every locked package (optional platform packages such as rollup's
 * @rollup/rollup-* included) resolves, by Node's lookup through nested node_modules, to a lock
 * entry whose version satisfies the declared range. `npm ci` refuses a lock that fails this
 * ("Missing: @rollup/rollup-android-arm-eabi@4.x from lock file"); npm install would not.
 *
 *   npx tsx scripts/lockfile.ts [dir]    prints the problems; exit 1 when there are any
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';

type Deps = Record<string, string>;

/** The dependency fields of package.json and of a lock entry. */
export interface Manifest {
  name?: string;
  version?: string;
  dependencies?: Deps;
  devDependencies?: Deps;
  optionalDependencies?: Deps;
  peerDependencies?: Deps;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** One entry of package-lock.json's `packages` (lockfileVersion 2 and 3). */
export interface LockEntry extends Manifest {
  link?: boolean;
  resolved?: string;
}

/** The parts of package-lock.json the check reads. */
export interface LockFile {
  lockfileVersion?: number;
  packages?: Record<string, LockEntry>;
}

const ROOT_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** Every problem found, one line each; empty when `npm ci` can install from the lock. */
export function checkLock(pkg: Manifest, lock: LockFile): string[] {
  const packages = lock.packages;
  if (!packages || (lock.lockfileVersion ?? 0) < 2) return [`lockfileVersion ${lock.lockfileVersion ?? 'missing'}: expected 2 or 3 (a "packages" map); regenerate the lock with npm 7 or later`];
  const problems = [...checkRoot(pkg, packages[''] ?? {})];
  for (const [path, entry] of Object.entries(packages)) {
    if (entry.link) continue; // a workspace link: its target's own entry is checked
    for (const [name, range] of entryDeps(path === '' ? pkg : entry)) problems.push(...checkEdge(packages, path, name, range));
  }
  return problems;
}

/** package.json's dependency fields against the lock's root entry, both ways. */
function checkRoot(pkg: Manifest, root: LockEntry): string[] {
  const problems: string[] = [];
  for (const field of ROOT_FIELDS) {
    const declared = pkg[field] ?? {};
    const locked = root[field] ?? {};
    for (const [name, range] of Object.entries(declared)) {
      if (locked[name] === undefined) problems.push(`package.json ${field}.${name} "${range}" is not in the lock's root entry: run npm install`);
      else if (locked[name] !== range) problems.push(`package.json ${field}.${name} is "${range}" but the lock's root entry says "${locked[name]}": run npm install`);
    }
    for (const name of Object.keys(locked)) {
      if (declared[name] === undefined) problems.push(`the lock's root entry has ${field}.${name} "${locked[name]}", which package.json does not declare: run npm install`);
    }
  }
  return problems;
}

/** What a package needs installed beside it: dependencies, optional ones and required peers (npm 7+ installs peers). */
function entryDeps(entry: Manifest): Array<[string, string]> {
  const peers = Object.entries(entry.peerDependencies ?? {}).filter(([name]) => !entry.peerDependenciesMeta?.[name]?.optional);
  return [...Object.entries(entry.dependencies ?? {}), ...Object.entries(entry.devDependencies ?? {}), ...Object.entries(entry.optionalDependencies ?? {}), ...peers];
}

/** The entry Node would load for `name` required from the package at `from` (its own node_modules first, then each parent's). */
export function resolveEntry(packages: Record<string, LockEntry>, from: string, name: string): [string, LockEntry] | undefined {
  let dir = from;
  for (;;) {
    const path = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    const entry = packages[path];
    if (entry) return [path, entry];
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** One declared dependency: present in the lock, and its locked version within the range (npm's loose semver, as arborist's dep-valid). */
function checkEdge(packages: Record<string, LockEntry>, from: string, name: string, spec: string): string[] {
  const by = from === '' ? 'package.json' : from;
  const found = resolveEntry(packages, from, name);
  if (!found) return [`Missing: ${name}@${spec} from lock file (declared by ${by})`];
  const path = found[0];
  let entry = found[1];
  if (entry.link && entry.resolved) entry = packages[entry.resolved] ?? entry;
  const alias = /^npm:((?:@[^/@]+\/)?[^@]+)(?:@(.*))?$/.exec(spec);
  const range = alias ? (alias[2] ?? '*') : spec;
  if (alias && entry.name !== alias[1]) return [`Invalid: lock file's ${path} is ${entry.name ?? name}, not ${alias[1]} (declared by ${by} as ${spec})`];
  if (range === '' || range === '*' || semver.validRange(range, true) === null) return []; // tags, git, file and URL specs: npm checks their resolution, not a version
  if (entry.version === undefined) return [`Invalid: lock file's ${path} has no version (declared by ${by} as ${spec})`];
  if (!semver.satisfies(entry.version, range, true)) return [`Invalid: lock file's ${name}@${entry.version} (${path}) does not satisfy ${spec} (declared by ${by})`];
  return [];
}

/** Reads package.json and package-lock.json of `dir` and checks them. */
export function checkLockIn(dir: string): string[] {
  const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  return checkLock(read<Manifest>('package.json'), read<LockFile>('package-lock.json'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const problems = checkLockIn(resolve(process.argv[2] ?? '.'));
  for (const p of problems) console.error(p);
  console.error(problems.length === 0 ? 'package-lock.json agrees with package.json' : `${problems.length} problem(s): run npm install, then commit package-lock.json`);
  process.exit(problems.length === 0 ? 0 : 1);
}
