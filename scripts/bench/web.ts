/**
 * The explorer page with a large trace (issue 11's goal: a 20,000-span trace opens in under 2 s
 * and scrolls smoothly), in Debian's headless chromium against Braid embedded, in process. Prints
 * medians of several navigations: time to the waterfall's first rows, the trace API's share of
 * it, the renderer's busy time; then scrolling frame times; and the page's gzipped size.
 * Needs `npm run build` (dist/web) and /usr/bin/chromium (or $CHROMIUM_PATH).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../src/config/load.js';
import { startBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { launchBrowser, tid } from '../../test/helpers/browser.js';
import { newTraceId } from '../../test/helpers/otlp.js';
import { largeTrace, post } from '../../test/web/seed.js';

const SPANS = Number(process.env.BENCH_WEB_SPANS ?? 20_000);
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 7);
const GOAL_MS = 2_000;
const assets = fileURLToPath(new URL('../../dist/web/assets/', import.meta.url));
if (!existsSync(assets)) {
  process.stderr.write('[bench web] dist/web is missing: run npm run build first\n');
  process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const quiet = { receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } }, zipkin: { endpoint: '127.0.0.1:0' }, elasticsearch: { endpoint: '127.0.0.1:0' }, prometheus: { enabled: false } }, query: { endpoint: '127.0.0.1:0' }, admin: { endpoint: '127.0.0.1:0' }, telemetry: { log_level: 'warn' as const } };
const config = validateConfig(quiet, 'bench');
const braid = await startBraid(config, { log: createLogger('warn') });
const browser = await launchBrowser();
try {
  const traceId = newTraceId();
  await post(braid.addresses.otlpHttp!, '/v1/traces', largeTrace(traceId, SPANS).body);
  for (let i = 0; ; i++) {
    const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
    if (res.status === 200 && ((await res.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length === SPANS) break;
    if (i > 300) throw new Error(`the ${SPANS}-span trace was not stored within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const page = await browser.newPage();
  const opens: Array<{ wall: number; api: number; busy: number }> = [];
  for (let run = 0; run < RUNS; run++) {
    const busy0 = (await page.metrics()).TaskDuration ?? 0;
    const t0 = performance.now();
    await page.goto(`${braid.addresses.query}/trace/${traceId}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(tid('span-row'), { timeout: 60_000 });
    const wall = performance.now() - t0;
    const api = (await page.evaluate(`(() => { const e = performance.getEntriesByType('resource').find((r) => r.name.includes('/braid/v1/traces/')); return e ? e.responseEnd - e.startTime : -1; })()`)) as number;
    const busy = (((await page.metrics()).TaskDuration ?? 0) - busy0) * 1000;
    opens.push({ wall, api, busy });
  }
  const rows = (await page.$$(tid('span-row'))).length;
  const frames = (await page.evaluate(`new Promise((resolve) => {
    const el = document.querySelector('[data-testid="waterfall"]');
    const times = [];
    let last = performance.now();
    const step = (now) => { times.push(now - last); last = now; if (times.length === 240) return resolve(times); el.scrollTop += 120; requestAnimationFrame(step); };
    requestAnimationFrame(step);
  })`)) as number[];
  frames.sort((a, b) => a - b);
  let gz = 0;
  for (const f of readdirSync(assets)) if (/\.(js|css)$/.test(f)) gz += gzipSync(readFileSync(assets + f)).length;
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  process.stdout.write(`\n[bench web] ${SPANS}-span trace in headless chromium, Braid embedded, ${RUNS} navigations\n`);
  process.stdout.write(`  first waterfall rows: median ${ms(median(opens.map((o) => o.wall)))} (min ${ms(Math.min(...opens.map((o) => o.wall)))}, max ${ms(Math.max(...opens.map((o) => o.wall)))}); goal < ${GOAL_MS} ms\n`);
  process.stdout.write(`  of which GET /braid/v1/traces/{id}: median ${ms(median(opens.map((o) => o.api)))}; renderer busy: median ${ms(median(opens.map((o) => o.busy)))}\n`);
  process.stdout.write(`  rows in the DOM: ${rows} of ${SPANS}; scrolling 240 frames of 120 px: median ${frames[120]!.toFixed(1)} ms, p95 ${frames[228]!.toFixed(1)} ms a frame\n`);
  process.stdout.write(`  page JS + CSS: ${(gz / 1024).toFixed(1)} KB gzipped (budget 300 KB)\n`);
} finally {
  await browser.close();
  await braid.stop();
}
