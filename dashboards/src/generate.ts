/**
 * Writes the dashboards as JSON into dashboards/ (`npm run dashboards`), or with `--check` writes
 * nothing and exits 1 naming every file that differs from what the generator gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceOverview } from './service-overview.js';
import { alerts } from './alerts.js';
import { pipelineHealth } from './pipeline-health.js';
import { tracesLogs } from './traces-logs.js';

/** The folder the JSON files live in (dashboards/). */
export const DASHBOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Every dashboard as plain JSON, by file name (`<uid>.json`). */
export function buildDashboards(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const d of [serviceOverview(), tracesLogs(), pipelineHealth(), alerts()]) {
    out[`${d.uid}.json`] = JSON.parse(JSON.stringify(d)) as object;
  }
  return out;
}

/** A dashboard's file text: 2-space JSON with a final newline. */
export const render = (d: object): string => `${JSON.stringify(d, null, 2)}\n`;

/** The files whose committed text differs from the generated one (missing files included). */
export function staleFiles(dir = DASHBOARDS_DIR): string[] {
  const stale: string[] = [];
  for (const [file, d] of Object.entries(buildDashboards())) {
    let committed: string | undefined;
    try {
      committed = readFileSync(join(dir, file), 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed !== render(d)) stale.push(file);
  }
  return stale;
}

function main(argv: string[]): number {
  if (argv.includes('--check')) {
    const stale = staleFiles();
    for (const f of stale) process.stderr.write(`dashboards/${f} differs from what dashboards/src generates: run npm run dashboards\n`);
    return stale.length === 0 ? 0 : 1;
  }
  for (const [file, d] of Object.entries(buildDashboards())) writeFileSync(join(DASHBOARDS_DIR, file), render(d));
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
