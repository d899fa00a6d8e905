import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryServer } from '../../src/query/server.js';
import { DEFAULT_WEB_ROOT, NOT_BUILT_PAGE } from '../../src/query/web.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import { createLogger } from '../../src/telemetry/logger.js';

const log = createLogger('silent');
const store = () => createMemoryStore({ max_spans: 10, max_logs: 10, max_samples: 10 });

// A build as Vite lays it out: index.html naming hashed bundles, with the .gz the build writes beside them.
const INDEX = '<!doctype html><html><head><script type="module" crossorigin src="/assets/index-Bx1.js"></script><link rel="stylesheet" href="/assets/index-Cc2.css"></head><body><div id="app"></div></body></html>';
const JS = 'export const answer = 42;\n'.repeat(50);
const CSS = 'body { margin: 0 }\n';

async function fakeBuild(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'braid-web-'));
  await mkdir(path.join(root, 'assets'));
  await writeFile(path.join(root, 'index.html'), INDEX);
  await writeFile(path.join(root, 'assets', 'index-Bx1.js'), JS);
  await writeFile(path.join(root, 'assets', 'index-Bx1.js.gz'), gzipSync(JS));
  await writeFile(path.join(root, 'assets', 'index-Cc2.css'), CSS);
  await writeFile(path.join(root, 'secret.txt'), 'not an asset');
  return root;
}

describe('the explorer page on the query port', () => {
  let root: string;
  let app: ReturnType<typeof createQueryServer>;
  beforeAll(async () => {
    root = await fakeBuild();
    app = createQueryServer(store(), log, undefined, undefined, { root });
  });
  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it.each(['/', '/search?service=shop&lookback=1h', '/trace/0af7651916cd43dd8448eb211c80319c', '/trace/0af7651916cd43dd8448eb211c80319c?span=b7ad6b7169203331', '/logs?level=error&cursor=WzEsMl0', '/services', '/alerts'])(
    '%s answers index.html, revalidated on each load',
    async (url) => {
      const r = await app.inject({ url });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.headers['cache-control']).toBe('no-cache');
      expect(r.headers['content-security-policy']).toContain("default-src 'self'");
      expect(r.body).toBe(INDEX);
    },
  );

  it('serves hashed assets with a year of immutable caching and their content types', async () => {
    const js = await app.inject({ url: '/assets/index-Bx1.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['content-encoding']).toBeUndefined();
    expect(js.body).toBe(JS);
    const css = await app.inject({ url: '/assets/index-Cc2.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(css.body).toBe(CSS);
  });

  it('sends the pre-compressed file to a browser that accepts gzip', async () => {
    const r = await app.inject({ url: '/assets/index-Bx1.js', headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(r.headers.vary).toContain('accept-encoding');
    expect(gunzipSync(r.rawPayload).toString()).toBe(JS);
    // Without a .gz beside it, the plain file.
    const css = await app.inject({ url: '/assets/index-Cc2.css', headers: { 'accept-encoding': 'gzip' } });
    expect(css.headers['content-encoding']).toBeUndefined();
    expect(css.body).toBe(CSS);
  });

  it('answers 404 for an absent asset and serves nothing outside assets/', async () => {
    expect((await app.inject({ url: '/assets/index-Zz9.js' })).statusCode).toBe(404);
    for (const url of ['/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/secret.txt', '/index.html/../secret.txt']) {
      const r = await app.inject({ url });
      expect(r.body, url).not.toContain('not an asset');
      expect(r.statusCode, url).toBeGreaterThanOrEqual(400);
    }
    // Paths that are not the page's stay 404, not index.html.
    const other = await app.inject({ url: '/dependencies' });
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toBe(INDEX);
  });

  it('leaves the API routes as they were', async () => {
    const services = await app.inject({ url: '/api/services' });
    expect(services.statusCode).toBe(200);
    expect(services.headers['content-type']).toContain('application/json');
    expect(services.json()).toMatchObject({ data: [] });
    const trace = await app.inject({ url: '/api/traces/0af7651916cd43dd8448eb211c80319c' });
    expect(trace.statusCode).toBe(404);
    expect(trace.json().errors[0].code).toBe(404);
    const native = await app.inject({ url: '/braid/v1/traces/0af7651916cd43dd8448eb211c80319c' });
    expect(native.statusCode).toBe(404);
    expect(native.json().error.message).toContain('not found');
    expect((await app.inject({ url: '/braid/v1/logs?q=x' })).json()).toEqual({ logs: [] });
    const promql = await app.inject({ url: '/prometheus/api/v1/query?query=1%2B1&time=100' });
    expect(promql.json()).toEqual({ status: 'success', data: { resultType: 'scalar', result: [100, '2'] } });
  });

  it('answers over a real socket', async () => {
    const other = createQueryServer(store(), log, undefined, undefined, { root });
    try {
      const address = await other.listen({ host: '127.0.0.1', port: 0 });
      const page = await fetch(`${address}/trace/0af7651916cd43dd8448eb211c80319c`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(INDEX);
      const js = await fetch(`${address}/assets/index-Bx1.js`);
      expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await js.text()).toBe(JS);
    } finally {
      await other.close();
    }
  });
});

describe('the explorer page without a build', () => {
  let root: string;
  let app: ReturnType<typeof createQueryServer>;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'braid-web-empty-'));
    app = createQueryServer(store(), log, undefined, undefined, { root: path.join(root, 'web') });
  });
  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers the page paths with a plain page that says to run npm run build', async () => {
    for (const url of ['/', '/trace/0af7651916cd43dd8448eb211c80319c', '/logs']) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(r.body, url).toBe(NOT_BUILT_PAGE);
    }
    expect(NOT_BUILT_PAGE).toContain('<code>npm run build</code>');
    expect((await app.inject({ url: '/assets/index-Bx1.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/services' })).json()).toMatchObject({ data: [] });
  });

  it('serves a build made after start without a restart', async () => {
    await mkdir(path.join(root, 'web'));
    await writeFile(path.join(root, 'web', 'index.html'), INDEX);
    expect((await app.inject({ url: '/' })).body).toBe(INDEX);
  });
});

it('looks for the build in <package>/dist/web by default', () => {
  expect(DEFAULT_WEB_ROOT).toBe(path.resolve(import.meta.dirname, '../../dist/web'));
});
