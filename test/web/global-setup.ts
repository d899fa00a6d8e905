/**
 * Global setup of the `browser` project: builds the explorer page (dist/web) with the project's own
 * `vite build` when it is missing or older than its sources (web/, vite.config.ts), and checks that
 * a chromium is there before any test starts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumPath } from '../helpers/browser.js';

const root = new URL('../../', import.meta.url).pathname;

/** The newest modification time (ms) of a file or of any file under a folder. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newest(join(path, name))), st.mtimeMs);
}

export default function setup(): void {
  const executable = chromiumPath();
  if (!existsSync(executable)) throw new Error(`chromium not found at ${executable}: install Debian's chromium (bash .ci/run does) or set CHROMIUM_PATH`);
  const sources = Math.max(newest(join(root, 'web')), newest(join(root, 'vite.config.ts')));
  if (sources === 0) throw new Error('web/ (the explorer page sources) is missing: nothing to build');
  const built = join(root, 'dist/web/index.html');
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  process.stderr.write('[browser] building the explorer page: vite build (dist/web is missing or older than web/)\n');
  const t0 = Date.now();
  // vitest sets NODE_ENV=test, which would make preact's preset emit its development JSX runtime
  // (source paths and all) into the bundle: build as `npm run build` does.
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status ?? r.signal}): see its output above`);
  process.stderr.write(`[browser] built dist/web in ${Date.now() - t0} ms\n`);
}
