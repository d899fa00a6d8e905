/**
 * Builds the explorer page (web/) into dist/web, which the query server serves (src/query/web.ts):
 * index.html, and hashed bundles under assets/ with a .gz and a .br beside each JS and CSS file, so
 * the server sends them compressed without compressing per request. `npm run build` runs it after
 * tsc; `npm run web:size` prints the gzipped size against the 300 KB budget.
 */
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Writes `<file>.gz` and `<file>.br` for each JS, CSS and SVG file of the bundle. */
function precompress(): Plugin {
  return {
    name: 'braid-precompress',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (!/\.(js|css|svg)$/.test(file.fileName)) continue;
        const source = file.type === 'chunk' ? file.code : file.source;
        const bytes = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source);
        this.emitFile({ type: 'asset', fileName: `${file.fileName}.gz`, source: gzipSync(bytes, { level: 9 }) });
        this.emitFile({ type: 'asset', fileName: `${file.fileName}.br`, source: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }) });
      }
    },
  };
}

export default defineConfig({
  root: here('./web'),
  base: '/',
  // No public/ folder: everything the page needs is imported, hashed and bundled.
  publicDir: false,
  plugins: [preact(), precompress()],
  build: {
    outDir: here('./dist/web'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Small assets inlined as data: URLs would dodge the long cache; keep them files.
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
  server: { host: '127.0.0.1', proxy: { '/api': 'http://127.0.0.1:16686', '/braid': 'http://127.0.0.1:16686', '/prometheus': 'http://127.0.0.1:16686' } },
});
