/**
 * The explorer page's budget, read from the build (dist/web, built by the global setup): its
 * JavaScript and CSS together under 300 KB gzipped, and nothing loaded from another origin.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/web/', import.meta.url).pathname;
const BUDGET_BYTES = 300 * 1024;

describe('the built explorer page', () => {
  it('ships its JavaScript and CSS under 300 KB gzipped', () => {
    const assets = readdirSync(join(DIST, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    expect(assets.some((f) => f.endsWith('.js'))).toBe(true);
    const sizes = assets.map((f) => {
      const raw = readFileSync(join(DIST, 'assets', f));
      return { file: f, raw: raw.length, gzip: gzipSync(raw).length };
    });
    const total = sizes.reduce((n, s) => n + s.gzip, 0);
    process.stdout.write(`[browser] dist/web/assets JS+CSS: ${sizes.map((s) => `${s.file} ${s.raw} B (${s.gzip} B gzipped)`).join(', ')}; total ${(total / 1024).toFixed(1)} KB gzipped of ${BUDGET_BYTES / 1024} KB\n`);
    expect(total).toBeLessThan(BUDGET_BYTES);
  });

  it('is a production build: no development runtime, no source paths of the build machine', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const js = readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(DIST, 'assets', f), 'utf8')).join('\n');
    expect(js.includes(root), `the bundle names ${root}`).toBe(false);
    expect(js).not.toMatch(/fileName:\s*"[^"]*\.tsx"/);
  });

  it('loads scripts, styles and fonts only from its own origin', () => {
    const html = readFileSync(join(DIST, 'index.html'), 'utf8');
    const css = readdirSync(join(DIST, 'assets')).filter((f) => f.endsWith('.css')).map((f) => readFileSync(join(DIST, 'assets', f), 'utf8')).join('\n');
    const remote = [...html.matchAll(/(?:src|href)="((?:https?:)?\/\/[^"]+)"/g), ...css.matchAll(/url\(\s*['"]?((?:https?:)?\/\/[^'")]+)/g), ...css.matchAll(/@import\s+['"]?((?:https?:)?\/\/[^'";]+)/g)].map((m) => m[1]);
    expect(remote).toEqual([]);
    expect(html).toMatch(/<script[^>]+src="\/assets\/[^"]+\.js"/);
  });
});
