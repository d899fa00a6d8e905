/**
 * Copies the repository's deployable data into the Helm chart, which can read only files inside
 * itself: alerts/*.yaml, alerts/templates/*.tmpl, dashboards/*.json and dashboards/provisioning/**
 * into helm/braid/files/, and package.json's version into Chart.yaml's appVersion. `--check`
 * changes nothing and exits 1 naming every file that differs.
 *
 *   npm run chart:sync            # copy
 *   npm run chart:sync -- --check # verify (CI, test/chart/sync.test.ts)
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Which source files the chart mirrors: a folder of the repository and the names to take. */
interface SyncSource {
  dir: string;
  match: (name: string) => boolean;
  recursive: boolean;
}

/** The sources, relative to the repository root; each lands at helm/braid/files/<same path>. */
export const SYNC_SOURCES: readonly SyncSource[] = [
  { dir: 'alerts', match: (n) => n.endsWith('.yaml'), recursive: false },
  { dir: 'alerts/templates', match: (n) => n.endsWith('.tmpl'), recursive: false },
  { dir: 'dashboards', match: (n) => n.endsWith('.json'), recursive: false },
  { dir: 'dashboards/provisioning', match: () => true, recursive: true },
];

/** Where the copies live, relative to the repository root. */
export const CHART_FILES = 'helm/braid/files';

/** A difference between the sources and the chart's copies. */
export interface SyncDifference {
  /** Path under helm/braid/files/ (POSIX separators). */
  path: string;
  problem: 'missing' | 'differs' | 'extra';
}

function listFiles(root: string, dir: string, recursive: boolean, match: (name: string) => boolean): string[] {
  const abs = join(root, dir);
  let entries;
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) {
      if (recursive) out.push(...listFiles(root, rel, true, match));
    } else if (e.isFile() && match(e.name)) {
      out.push(rel);
    }
  }
  return out.sort();
}

/** The source files the chart should hold, as paths relative to `root` (POSIX separators). */
export function sourceFiles(root: string): string[] {
  return [...new Set(SYNC_SOURCES.flatMap((s) => listFiles(root, s.dir, s.recursive, s.match)))].sort();
}

function chartFiles(root: string): string[] {
  const base = join(root, CHART_FILES);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative(base, join(dir, e.name)).split(sep).join('/')]));
  try {
    statSync(base);
  } catch {
    return [];
  }
  return walk(base).sort();
}

/** Compares the sources with helm/braid/files/ under `root`: what is missing, differs or should not be there. */
export function compareChartFiles(root: string): SyncDifference[] {
  const wanted = sourceFiles(root);
  const present = new Set(chartFiles(root));
  const out: SyncDifference[] = [];
  for (const path of wanted) {
    if (!present.has(path)) out.push({ path, problem: 'missing' });
    else if (!readFileSync(join(root, path)).equals(readFileSync(join(root, CHART_FILES, path)))) out.push({ path, problem: 'differs' });
    present.delete(path);
  }
  for (const path of present) out.push({ path, problem: 'extra' });
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** Makes helm/braid/files/ under `root` equal to the sources; returns what it changed. */
export function syncChartFiles(root: string): SyncDifference[] {
  const changes = compareChartFiles(root);
  for (const { path, problem } of changes) {
    const dest = join(root, CHART_FILES, path);
    if (problem === 'extra') {
      rmSync(dest);
    } else {
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, readFileSync(join(root, path)));
    }
  }
  return changes;
}

/** One line per difference, as `--check` prints them. */
export function describeDifferences(diffs: SyncDifference[]): string {
  const why = { missing: 'missing from the chart', differs: 'differs from its source', extra: 'has no source any more' };
  return diffs.map((d) => `${CHART_FILES}/${d.path}: ${why[d.problem]}`).join('\n');
}

const APP_VERSION_LINE = /^appVersion:.*$/m;

/** Chart.yaml's appVersion line as it should read: package.json's version. */
function wantedAppVersion(root: string): string {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return `appVersion: ${JSON.stringify(version)}`;
}

/** What is wrong with helm/braid/Chart.yaml's appVersion under `root`, or undefined when it is package.json's version. */
export function appVersionProblem(root: string): string | undefined {
  const chart = readFileSync(join(root, 'helm/braid/Chart.yaml'), 'utf8');
  const line = APP_VERSION_LINE.exec(chart)?.[0];
  const wanted = wantedAppVersion(root);
  return line === wanted ? undefined : `helm/braid/Chart.yaml: ${line ?? 'no appVersion'}, package.json says ${wanted}`;
}

/** Sets Chart.yaml's appVersion to package.json's version; true when it changed. */
export function syncAppVersion(root: string): boolean {
  if (appVersionProblem(root) === undefined) return false;
  const file = join(root, 'helm/braid/Chart.yaml');
  const chart = readFileSync(file, 'utf8');
  const wanted = wantedAppVersion(root);
  writeFileSync(file, APP_VERSION_LINE.test(chart) ? chart.replace(APP_VERSION_LINE, wanted) : `${chart.trimEnd()}\n${wanted}\n`);
  return true;
}

function main(argv: string[]): number {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const unknown = argv.filter((a) => a !== '--check');
  if (unknown.length > 0) {
    process.stderr.write(`sync-chart-files: unknown argument ${unknown.join(' ')} (usage: sync-chart-files.ts [--check])\n`);
    return 2;
  }
  if (argv.includes('--check')) {
    const problems = [describeDifferences(compareChartFiles(root)), appVersionProblem(root) ?? ''].filter(Boolean);
    if (problems.length === 0) return 0;
    process.stderr.write(`${problems.join('\n')}\nrun: npm run chart:sync\n`);
    return 1;
  }
  const changes = syncChartFiles(root);
  const version = syncAppVersion(root) ? 'helm/braid/Chart.yaml: appVersion set to package.json\'s version\n' : '';
  process.stdout.write(changes.length === 0 ? `${version}helm/braid/files: up to date\n` : `${version}${describeDifferences(changes)}\nsynced ${changes.length} file(s)\n`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
