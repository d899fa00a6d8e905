/**
 * The explorer page in headless chromium against Braid in-process (embedded), seeded through the
 * real OTLP receivers: search finds the seeded checkout trace; its page shows the failing payment
 * span with its log line under it and its exemplar; a deep link with ?span= survives a reload; the
 * logs view pages by a cursor kept in the URL; the service map shows the call chain's edges; the
 * alerts view lists a firing and a pending alert with an example trace. Any console error, page
 * error or failed request fails the test. Screenshots of each view go to test-results/web/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { closeWatched, inPage, launchBrowser, screenshots, textsOf, tid, untilInPage, watchedPage, type PageElement, type WatchedPage } from '../helpers/browser.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { PAYMENT_ERRORS_RULE, ruleFile, seedCheckout, seedLogRun, type Checkout } from './seed.js';

/** Fires at the first evaluation that sees a failed payment span; the second stays pending for an hour. */
const RULES = ruleFile('explorer-browser-test', `${PAYMENT_ERRORS_RULE}      - alert: PaymentTrafficSeen
        expr: sum by (service_name) (traces_span_metrics_calls_total{service_name="payment"}) > 0
        for: 1h
        labels: { severity: info }
`);
const LOG_LINES = 250;

const json = async <T>(url: string): Promise<T> => {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
};

describe('the explorer page (headless chromium, Braid embedded)', () => {
  let braid: RunningBraid;
  let browser: Browser;
  let origin: string;
  let dir: string;
  let checkout: Checkout;
  let logTexts: string[];
  let watched: WatchedPage | undefined;
  const shots: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-web-'));
    await writeFile(join(dir, 'rules.yaml'), RULES);
    [braid, browser] = await Promise.all([
      startTestBraid(testConfig({ ingest: { flush_interval: '1s' }, alerting: { rule_files: [join(dir, 'rules.yaml')], evaluation_interval: '1s' } })),
      launchBrowser(),
    ]);
    origin = braid.addresses.query!;
    const otlp = braid.addresses.otlpHttp!;
    [checkout, logTexts] = await Promise.all([seedCheckout(otlp), seedLogRun(otlp, LOG_LINES)]);
    // The data is in before any page opens: the tests then measure the page, not the pipeline.
    await Promise.all([
      eventually(async () => ((await json<{ exemplars: unknown[]; logs: unknown[] }>(`${origin}/braid/v1/traces/${checkout.traceId}`)).exemplars.length > 0 ? true : undefined), 20_000, 'the checkout trace with its exemplar'),
      eventually(async () => ((await json<{ logs: unknown[] }>(`${origin}/braid/v1/logs?service=inventory&limit=1000`)).logs.length === LOG_LINES ? true : undefined), 20_000, 'the inventory log lines'),
      eventually(async () => ((await json<{ data: unknown[] }>(`${origin}/api/dependencies`)).data.length >= 2 ? true : undefined), 20_000, 'the service edges'),
      eventually(async () => {
        const alerts = (await json<{ data: { alerts: Array<{ labels: Record<string, string>; state: string; annotations: Record<string, string> }> } }>(`${origin}/prometheus/api/v1/alerts`)).data.alerts;
        const firing = alerts.find((a) => a.labels.alertname === 'PaymentErrors' && a.state === 'firing' && a.annotations.example_trace_ids);
        return firing && alerts.some((a) => a.labels.alertname === 'PaymentTrafficSeen') ? true : undefined;
      }, 30_000, 'PaymentErrors firing with an example trace'),
    ]);
  });

  afterEach(async (ctx) => {
    const w = watched;
    watched = undefined;
    if (w === undefined) return;
    const problems = await closeWatched(w, ctx.task.name, ctx.task.result?.state === 'fail');
    expect(problems, 'console errors, page errors or failed requests').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await braid?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    if (shots.length > 0) process.stdout.write(`[browser] screenshots:\n${shots.map((s) => `  ${s}`).join('\n')}\n`);
  });

  /** Opens `path` of the page in a fresh tab that records problems (checked after each test). */
  async function open(path: string): Promise<Page> {
    watched = await watchedPage(browser, origin);
    await watched.page.goto(`${origin}${path}`, { waitUntil: 'domcontentloaded' });
    return watched.page;
  }

  const pathOf = (page: Page) => {
    const u = new URL(page.url());
    return `${u.pathname}${u.search}`;
  };

  it('search finds the seeded trace by service and tag, errors marked', async () => {
    const page = await open('/');
    await page.waitForSelector(tid('search-form'));
    await untilInPage(page, (doc, sel) => Array.from(doc.querySelector(sel)?.options ?? []).some((o) => o.value === 'frontend'), tid('search-service'));
    await page.select(tid('search-service'), 'frontend');
    await untilInPage(page, (doc, sel) => Array.from(doc.querySelector(sel)?.options ?? []).some((o) => o.value === 'POST /checkout'), tid('search-operation'));
    await page.select(tid('search-operation'), 'POST /checkout');
    await page.type(tid('search-tags'), 'http.route=/checkout');
    const limit = await page.waitForSelector(tid('search-limit'));
    await limit!.click({ count: 3 });
    await limit!.type('10');
    await page.click(tid('search-submit'));
    const row = await page.waitForSelector(tid('search-result', `[data-trace-id="${checkout.traceId}"]`));
    expect(await row!.evaluate((e) => e.getAttribute('data-error'))).toBe('true');
    // The tag filter reached the query: the other frontend trace is not listed.
    expect(await page.$$eval(tid('search-result'), (els) => els.map((e) => e.getAttribute('data-trace-id')))).toEqual([checkout.traceId]);
    await page.waitForSelector(tid('duration-scatter'));
    const params = new URL(page.url()).searchParams;
    expect({ path: new URL(page.url()).pathname, service: params.get('service'), operation: params.get('operation'), tags: params.get('tags'), limit: params.get('limit') }).toEqual({ path: '/search', service: 'frontend', operation: 'POST /checkout', tags: 'http.route=/checkout', limit: '10' });
    shots.push(...(await screenshots(page, 'search')));
  });

  it('the trace page shows the failing payment span with its log line under it and its exemplar', async () => {
    const page = await open(`/trace/${checkout.traceId}`);
    await page.waitForSelector(tid('trace-view', `[data-trace-id="${checkout.traceId}"]`));
    const payment = await page.waitForSelector(tid('span-row', `[data-span-id="${checkout.paymentSpanId}"]`));
    expect(await payment!.evaluate((e) => [e.getAttribute('data-error'), e.getAttribute('data-critical'), e.textContent])).toEqual(['true', 'true', expect.stringContaining('POST /charge')]);
    expect(await page.$eval(tid('span-row', `[data-span-id="${checkout.dbSpanId}"]`), (e) => e.getAttribute('data-error'))).toBe('false');
    // The log line sits under its span: after the payment row, before the next span's row.
    const log = await page.waitForSelector(tid('span-log', `[data-span-id="${checkout.paymentSpanId}"]`));
    expect(await log!.evaluate((e) => e.textContent)).toContain(checkout.paymentLog);
    const order = await inPage(page, (doc, paymentSel, logSel, dbSel) => {
      const [p, l, d] = [paymentSel, logSel, dbSel].map((s) => doc.querySelector(s)!);
      const after = (a: PageElement, b: PageElement) => a === b || a.contains(b) || (a.compareDocumentPosition(b) & 4) !== 0;
      return { logAfterPayment: after(p!, l!), dbAfterLog: after(l!, d!) && !l!.contains(d!) };
    }, tid('span-row', `[data-span-id="${checkout.paymentSpanId}"]`), tid('span-log', `[data-span-id="${checkout.paymentSpanId}"]`), tid('span-row', `[data-span-id="${checkout.dbSpanId}"]`));
    expect(order).toEqual({ logAfterPayment: true, dbAfterLog: true });
    expect((await textsOf(page, tid('trace-logs'))).join(' ')).toContain(checkout.traceLog);
    const exemplars = await textsOf(page, tid('exemplar'));
    expect(exemplars.some((t) => t.includes(checkout.exemplarMetric) && t.includes('0.35')), `exemplars shown: ${JSON.stringify(exemplars)}`).toBe(true);
    const red = await page.$$eval(tid('red-link'), (els) => els.map((e) => decodeURIComponent(e.getAttribute('href') ?? '')));
    expect(red.some((h) => h.includes('traces_span_metrics') && h.includes('payment')), `RED links: ${JSON.stringify(red)}`).toBe(true);
    shots.push(...(await screenshots(page, 'trace')));
  });

  it('a deep link /trace/{id}?span= reloads to the same view with the span selected', async () => {
    const path = `/trace/${checkout.traceId}?span=${checkout.dbSpanId}`;
    const page = await open(path);
    const detail = async () => (await page.waitForSelector(tid('span-detail')))!.evaluate((e) => e.textContent ?? '');
    await untilInPage(page, (doc, sel, name) => doc.querySelector(sel)?.textContent?.includes(name), tid('span-detail'), 'SELECT payment_methods');
    const before = await detail();
    expect(before).toContain('postgresql');
    // The payment span's exemplar and log are its own, not the database span's.
    expect(before).not.toContain(checkout.exemplarMetric);
    expect(before).not.toContain(checkout.paymentLog);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await untilInPage(page, (doc, sel, name) => doc.querySelector(sel)?.textContent?.includes(name), tid('span-detail'), 'SELECT payment_methods');
    expect({ path: pathOf(page), detail: await detail() }).toEqual({ path, detail: before });
    // Choosing another span puts it in the URL.
    await page.click(tid('span-row', `[data-span-id="${checkout.paymentSpanId}"]`));
    await untilInPage(page, (doc, sel) => doc.querySelector(sel)?.textContent?.includes('POST /charge'), tid('span-detail'));
    expect(new URL(page.url()).searchParams.get('span')).toBe(checkout.paymentSpanId);
    for (const own of ['acme-pay', checkout.exemplarMetric, checkout.paymentLog]) expect(await detail()).toContain(own);
    shots.push(...(await screenshots(page, 'trace-span')));
  });

  it('the waterfall works from the keyboard: arrows move, Enter selects, ArrowLeft and ArrowRight collapse and expand', async () => {
    const page = await open(`/trace/${checkout.traceId}`);
    const row = (id: string) => tid('span-row', `[data-span-id="${id}"]`);
    const focused = () => inPage(page, (doc) => doc.activeElement?.getAttribute('data-span-id') ?? null);
    // Focus follows a key after the next render: wait for it, then say where it is if it never came.
    const expectFocusOn = async (spanId: string) => {
      await untilInPage(page, (doc, want) => doc.activeElement?.getAttribute('data-span-id') === want, spanId).catch(async () => expect(await focused()).toBe(spanId));
    };
    await page.waitForSelector(row(checkout.rootSpanId));
    await page.focus(row(checkout.rootSpanId));
    await page.keyboard.press('Home');
    await expectFocusOn(checkout.rootSpanId);
    await page.keyboard.press('ArrowDown');
    await expectFocusOn(checkout.orderSpanId);
    await page.keyboard.press('ArrowDown');
    await expectFocusOn(checkout.paymentSpanId);
    await page.keyboard.press('Enter');
    await untilInPage(page, (doc, id) => new URL(doc.location.href).searchParams.get('span') === id, checkout.paymentSpanId);
    await page.waitForSelector(tid('span-detail'));
    await page.focus(row(checkout.paymentSpanId));
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector(row(checkout.dbSpanId), { hidden: true });
    expect(await page.$eval(row(checkout.paymentSpanId), (e) => e.getAttribute('aria-expanded'))).toBe('false');
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector(row(checkout.dbSpanId));
    await page.keyboard.press('ArrowDown');
    await expectFocusOn(checkout.dbSpanId);
  });

  it('the logs view pages forwards and back by a cursor in the URL, each line linking to its trace and span', async () => {
    const page = await open('/logs?service=inventory');
    await page.waitForSelector(tid('logs-view'));
    await page.waitForSelector(tid('log-line'));
    const first = await textsOf(page, tid('log-line'));
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(LOG_LINES);
    // Newest first: the first line is the last one seeded.
    expect(first[0]).toContain(logTexts[LOG_LINES - 1]);
    const link = await page.$eval(tid('log-line'), (e) => ({ trace: e.getAttribute('data-trace-id'), span: e.getAttribute('data-span-id'), hrefs: [...e.querySelectorAll('a')].map((a) => a.getAttribute('href')) }));
    expect(link.hrefs).toContain(`/trace/${link.trace}?span=${link.span}`);
    shots.push(...(await screenshots(page, 'logs')));

    await page.click(tid('logs-next'));
    await untilInPage(page, (doc) => new URL(doc.location.href).searchParams.has('cursor'));
    await untilInPage(page, (doc, sel, top) => { const line = doc.querySelector(sel); return line !== null && line.textContent?.trim() !== top; }, tid('log-line'), first[0]!);
    const second = await textsOf(page, tid('log-line'));
    const secondUrl = pathOf(page);
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((t) => first.includes(t))).toEqual([]);
    // The next page continues where the first stopped: line N-1-k of the seed run.
    expect(second[0]).toContain(logTexts[LOG_LINES - 1 - first.length]);

    // The cursor in the URL is the whole state: a reload shows the same page.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector(tid('log-line'));
    expect({ url: pathOf(page), lines: await textsOf(page, tid('log-line')) }).toEqual({ url: secondUrl, lines: second });

    await page.click(tid('logs-prev'));
    await untilInPage(page, (doc, sel, top) => doc.querySelector(sel)?.textContent?.trim() === top, tid('log-line'), first[0]!);
    expect(await textsOf(page, tid('log-line'))).toEqual(first);
    expect(pathOf(page)).not.toBe(secondUrl);
  });

  it('the service map shows the seeded call chain with call counts', async () => {
    const page = await open('/services');
    await page.waitForSelector(tid('service-map'));
    for (const [parent, child] of [['frontend', 'order'], ['order', 'payment']] as const) {
      const edge = await page.waitForSelector(tid('service-edge', `[data-parent="${parent}"][data-child="${child}"]`));
      expect(await edge!.evaluate((e) => e.textContent), `${parent} -> ${child}`).toMatch(/\b1\b/);
    }
    expect((await page.$$(tid('service-edge'))).length).toBe(2);
    shots.push(...(await screenshots(page, 'services')));
  });

  it('the alerts view lists the firing alert with its example trace, and the pending one', async () => {
    const page = await open('/alerts');
    await page.waitForSelector(tid('alerts-view'));
    const firing = await page.waitForSelector(tid('alert-row', '[data-alertname="PaymentErrors"][data-state="firing"]'));
    await page.waitForSelector(tid('alert-row', '[data-alertname="PaymentTrafficSeen"][data-state="pending"]'));
    const traces = await firing!.$$eval(tid('alert-trace'), (els) => els.map((e) => e.getAttribute('href')));
    expect(traces).toContain(`/trace/${checkout.traceId}`);
    shots.push(...(await screenshots(page, 'alerts')));
    // The example trace link opens the trace.
    await page.click(tid('alert-trace', `[href="/trace/${checkout.traceId}"]`));
    await page.waitForSelector(tid('trace-view', `[data-trace-id="${checkout.traceId}"]`));
  });

  it('the nav links switch views without losing the URL as state', async () => {
    const page = await open('/');
    for (const [nav, view, path] of [['nav-logs', 'logs-view', '/logs'], ['nav-services', 'service-map', '/services'], ['nav-alerts', 'alerts-view', '/alerts'], ['nav-search', 'search-form', '/search']] as const) {
      await page.click(tid(nav));
      await page.waitForSelector(tid(view));
      expect(new URL(page.url()).pathname.replace(/^\/$/, '/search')).toBe(path);
    }
    await page.goBack();
    await page.waitForSelector(tid('alerts-view'));
  });
});
