/**
 * The explorer page on the query port: the single-page app that `npm run build` writes to dist/web
 * (vite.config.ts). The page's own paths answer index.html, whose router reads the URL; /assets/*
 * are the hashed bundles, cached for a year. The API routes (/api, /prometheus, /braid) are not
 * touched: only the paths below are registered. Without a build, the page paths answer a short
 * plain page that says how to build it, and /assets/* answer 404.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../telemetry/logger.js';

/** The paths of the page (its router's routes, Jaeger UI's paths where Jaeger has them). */
export const WEB_PAGE_PATHS = ['/', '/search', '/trace/:traceId', '/logs', '/services', '/alerts'] as const;

/** Where the build lands: <package>/dist/web, both from src/query (tsx) and from dist/query (built). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));


/** The page itself is re-validated on each load, so a new build's asset names are picked up at once. */
const PAGE_CACHE = 'no-cache';

/** Same origin only: no CDN, no web fonts, nothing from the network but this server. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/** Settings of the page's serving. */
export interface WebSettings {
  /** The build output folder (index.html, assets/); DEFAULT_WEB_ROOT unless a test says otherwise. */
  root?: string;
  log?: Logger;
}

/** The answer when dist/web is absent: what to run, and that the APIs work anyway. */
export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Braid</title></head>
<body><h1>Braid</h1>
<p>The explorer page is not built. Run <code>npm run build</code> (it writes <code>dist/web</code>) and reload.</p>
<p>The APIs answer without it: <a href="/api/services">/api/services</a>, <code>/api/traces</code>, <code>/braid/v1/traces/{traceId}</code>, <code>/braid/v1/logs</code>, <code>/prometheus/api/v1/query</code>.</p>
</body></html>
`;

/** Registers the page's paths and /assets/* on the query server. */
export function registerWebRoutes(app: FastifyInstance, settings: WebSettings = {}): void {
  const root = settings.root ?? DEFAULT_WEB_ROOT;
  const index = join(root, 'index.html');
  if (!existsSync(index)) settings.log?.info({ root }, 'explorer page not built: / answers a page that says to run npm run build');
  app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    // Serves the .br/.gz files the build writes next to each bundle when the browser accepts them.
    preCompressed: true,
    // Hashed names never change content: a year, immutable (cache-control: public, max-age=31536000, immutable).
    maxAge: '365d',
    immutable: true,
    index: false,
    list: false,
    suppressWarning: true,
    setHeaders: (reply) => reply.header('x-content-type-options', 'nosniff'),
  });
  const page = (reply: FastifyReply) => {
    reply.header('cache-control', PAGE_CACHE).header('content-security-policy', CONTENT_SECURITY_POLICY).header('x-content-type-options', 'nosniff');
    // Checked per request, so a build made while Braid runs is served without a restart.
    if (!existsSync(index)) return reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
    return reply.sendFile('index.html', root, { cacheControl: false });
  };
  for (const path of WEB_PAGE_PATHS) app.get(path, (_req, reply) => page(reply));
}
