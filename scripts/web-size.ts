/**
 * Prints the explorer page's JavaScript and CSS sizes in dist/web/assets (raw, gzip level 9 as the
 * build's .gz files are, and brotli), and checks the gzipped total against the 300 KB budget of
 * issue 11. Exit 1 over budget, 2 without a build. Run after `npm run build`: `npm run web:size`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const BUDGET_BYTES = 300 * 1024;
const assets = fileURLToPath(new URL('../dist/web/assets', import.meta.url));

function files(): string[] {
  try {
    if (!statSync(assets).isDirectory()) throw new Error('not a folder');
    return readdirSync(assets).filter((f) => /\.(js|css)$/.test(f)).sort();
  } catch {
    console.error(`no build in ${assets}: run npm run build first`);
    process.exit(2);
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let raw = 0;
let gz = 0;
let br = 0;
const rows: string[][] = [['file', 'raw', 'gzip', 'brotli']];
for (const f of files()) {
  const bytes = readFileSync(join(assets, f));
  const g = gzipSync(bytes, { level: 9 }).length;
  const b = brotliCompressSync(bytes).length;
  raw += bytes.length;
  gz += g;
  br += b;
  rows.push([f, kb(bytes.length), kb(g), kb(b)]);
}
rows.push(['total JS + CSS', kb(raw), kb(gz), kb(br)]);
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
const ok = gz <= BUDGET_BYTES;
console.log(`gzipped JS + CSS: ${kb(gz)} of the ${kb(BUDGET_BYTES)} budget (${((gz / BUDGET_BYTES) * 100).toFixed(1)}%): ${ok ? 'within' : 'OVER'} budget`);
if (!ok) process.exit(1);
