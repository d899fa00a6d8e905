// Installs dependencies when they are missing or older than the lock file, so `npm start` and
// `npm test` work as the first command typed in a fresh clone (run from npm's pre-scripts).
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const marker = 'node_modules/.package-lock.json';
const lock = 'package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.error('[braid] installing dependencies (npm install)...');
  // npm install, not npm ci: npm here leaves other platforms' optional packages (rollup's) out of
  // the lock file, and npm ci then refuses the lock as out of sync. install still honours the lock.
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
