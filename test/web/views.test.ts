/**
 * The logs, services and alerts views beyond explorer.test.ts, in headless chromium against Braid
 * in-process (embedded), seeded through the real OTLP receivers: the logs form writes its filter
 * to the URL and the server's answer follows it; a bad field is named without a request; the level
 * filter; a service on the map opens its search from the keyboard; on a phone the map is a table;
 * the alerts view lists the shipped rules when nothing fires. Any console error, page error or failed
 * request fails the test.
 */
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { launchBrowser, PHONE, textsOf, tid, untilInPage, watchedPage, type WatchedPage } from '../helpers/browser.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { seedCheckout, seedLogRun, type Checkout } from './seed.js';

const LOG_LINES = 30;

describe('the logs, services and alerts views (headless chromium, Braid embedded)', () => {
  let braid: RunningBraid;
  let browser: Browser;
  let origin: string;
  let checkout: Checkout;
  let watched: WatchedPage | undefined;

  beforeAll(async () => {
    [braid, browser] = await Promise.all([startTestBraid(testConfig({ ingest: { flush_interval: '1s' } })), launchBrowser()]);
    origin = braid.addresses.query!;
    const otlp = braid.addresses.otlpHttp!;
    [checkout] = await Promise.all([seedCheckout(otlp), seedLogRun(otlp, LOG_LINES)]);
    const json = async (path: string) => (await fetch(`${origin}${path}`)).json() as Promise<{ logs?: unknown[]; data?: unknown[] | { result: unknown[] } }>;
    const rates = `/prometheus/api/v1/query?${new URLSearchParams({ query: 'sum by (service_name) (rate(traces_span_metrics_calls_total[1h]))' })}`;
    await Promise.all([
      eventually(async () => ((await json('/braid/v1/logs?limit=1000')).logs!.length === LOG_LINES + 2 ? true : undefined), 20_000, 'the seeded log lines'),
      eventually(async () => ((await json('/api/dependencies')).data as unknown[]).length >= 2 ? true : undefined, 20_000, 'the service edges'),
      // The map reads error ratios once, when it opens: wait until the derived calls have a rate.
      eventually(async () => (((await json(rates)).data as { result: unknown[] }).result.length >= 3 ? true : undefined), 30_000, 'call rates of the three services'),
    ]);
  });

  // Each test's page must have run clean: its problems are checked once it is closed.
  afterEach(async () => {
    if (!watched) return;
    const { page, problems } = watched;
    watched = undefined;
    await page.close();
    expect(problems, 'console errors, page errors or failed requests').toEqual([]);
  });
  afterAll(() => Promise.all([browser?.close(), braid?.stop()]));

  async function open(path: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
    watched = await watchedPage(browser, origin, viewport);
    await watched.page.goto(`${origin}${path}`, { waitUntil: 'domcontentloaded' });
    return watched.page;
  }

  const query = (page: Page) => Object.fromEntries(new URL(page.url()).searchParams);

  it('the logs form puts its filter in the URL and shows what the server answers for it', async () => {
    const page = await open('/logs');
    await page.waitForSelector(tid('log-line'));
    await page.type(tid('logs-service'), 'inventory');
    await page.type(tid('logs-text'), 'batch 0007');
    await page.select(tid('logs-level'), 'info');
    await page.click(tid('logs-submit'));
    await untilInPage(page, (doc) => new URL(doc.location.href).searchParams.get('q') === 'batch 0007');
    expect(query(page)).toEqual({ service: 'inventory', level: 'info', q: 'batch 0007' });
    await eventually(async () => ((await page.$$(tid('log-line'))).length === 1 ? true : undefined), 10_000, 'one log line');
    expect((await textsOf(page, tid('log-line')))[0]).toContain('inventory reconciled batch 0007');
    // A reload keeps the filter in the form.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector(tid('log-line'));
    expect(await page.$eval(tid('logs-text'), (e) => (e as unknown as { value: string }).value)).toBe('batch 0007');
  });

  it('the level filter shows only that level, and the payment error links to its span', async () => {
    const page = await open('/logs?level=error');
    await page.waitForSelector(tid('log-line'));
    const lines = await page.$$eval(tid('log-line'), (els) => els.map((e) => ({ level: e.getAttribute('data-level'), trace: e.getAttribute('data-trace-id'), span: e.getAttribute('data-span-id'), text: e.textContent })));
    expect(lines).toEqual([{ level: 'error', trace: checkout.traceId, span: checkout.paymentSpanId, text: expect.stringContaining(checkout.paymentLog) }]);
    await page.click(tid('log-trace'));
    await page.waitForSelector(tid('trace-view', `[data-trace-id="${checkout.traceId}"]`));
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(`/trace/${checkout.traceId}?span=${checkout.paymentSpanId}`);
  });

  it('a bad field is named, and nothing is asked of the server', async () => {
    watched = await watchedPage(browser, origin);
    const page = watched.page;
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/braid/v1/logs')) asked.push(r.url());
    });
    await page.goto(`${origin}/logs?traceId=not-a-trace&service=inventory`, { waitUntil: 'domcontentloaded' });
    const box = await page.waitForSelector('.error-box');
    expect(await box!.evaluate((e) => e.textContent)).toContain('traceId: "not-a-trace" is not a trace ID (16 or 32 hex digits)');
    expect(await page.$$(tid('log-line'))).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('a service on the map opens its trace search from the keyboard', async () => {
    const page = await open('/services');
    await page.waitForSelector(tid('service-node', '[data-service="order"]'));
    // Error ratios come from the derived series: order's only call failed.
    await untilInPage(page, (doc, sel) => doc.querySelector(sel)?.textContent?.includes('100% errors') === true, tid('service-node', '[data-service="order"]'));
    // Tab through the page (nav, time select, then the services) to the order service.
    const focused = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-service') ?? null);
    for (let i = 0; i < 20 && (await focused()) !== 'order'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe('order');
    await page.keyboard.press('Enter');
    await page.waitForSelector(tid('search-form'));
    expect({ path: new URL(page.url()).pathname, ...query(page) }).toEqual({ path: '/search', service: 'order' });
  });

  it('on a phone the service map is a table of the same edges', async () => {
    const page = await open('/services', PHONE);
    await page.waitForSelector(tid('service-edge-row'));
    const rows = await page.$$eval(tid('service-edge-row'), (els) => els.map((e) => `${e.getAttribute('data-parent')}->${e.getAttribute('data-child')} ${e.textContent}`));
    expect(rows.sort()).toEqual([expect.stringMatching(/^frontend->order frontendorder1100%$/), expect.stringMatching(/^order->payment orderpayment1/)]);
    expect(await page.$eval('.service-graph-scroll', (e) => (e as unknown as { offsetHeight: number }).offsetHeight)).toBe(0);
  });

  it('the alerts view lists the shipped rules when nothing fires', async () => {
    const page = await open('/alerts');
    await page.waitForSelector(tid('alerts-view'));
    await page.waitForSelector(tid('rule-row', '[data-rule="BraidServiceErrorRatioHigh"]'));
    expect((await textsOf(page, tid('alerts-view')))[0]).toContain('No alert is firing or pending.');
    expect(await page.$$(tid('alert-row'))).toEqual([]);
    expect(await page.$eval(tid('rule-row', '[data-rule="BraidServiceErrorRatioHigh"]'), (e) => e.textContent)).toContain('traces_span_metrics_calls_total');
  });
});
