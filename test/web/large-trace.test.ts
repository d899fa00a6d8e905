/**
 * A 20,000-span trace in the explorer (headless chromium, Braid embedded): the waterfall's first
 * rows show in under 2 s from navigation, the DOM holds far fewer rows than spans (virtualised),
 * and scrolling the waterfall to its end brings the last span's row in.
 */
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { launchBrowser, painted, screenshot, tid, watchedPage } from '../helpers/browser.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually, newTraceId } from '../helpers/otlp.js';
import { largeTrace, post } from './seed.js';

const SPANS = 20_000;
const OPEN_BUDGET_MS = 2_000;

describe(`a ${SPANS.toLocaleString('en')}-span trace in the explorer (headless chromium, Braid embedded)`, () => {
  let braid: RunningBraid;
  let browser: Browser;
  const traceId = newTraceId();
  let spanIds: string[];

  beforeAll(async () => {
    [braid, browser] = await Promise.all([startTestBraid(testConfig()), launchBrowser()]);
    const big = largeTrace(traceId, SPANS);
    spanIds = big.spanIds;
    await post(braid.addresses.otlpHttp!, '/v1/traces', big.body);
    await eventually(async () => {
      const res = await fetch(`${braid.addresses.query}/api/traces/${traceId}`);
      return res.status === 200 && ((await res.json()) as { data: Array<{ spans: unknown[] }> }).data[0]?.spans.length === SPANS ? true : undefined;
    }, 30_000, `all ${SPANS} spans stored`);
  });

  afterAll(async () => {
    await browser?.close();
    await braid?.stop();
  });

  it('opens in under 2 s and scrolls to the last span with few rows in the DOM', async () => {
    const { page, problems } = await watchedPage(browser, braid.addresses.query!);
    const t0 = performance.now();
    await page.goto(`${braid.addresses.query}/trace/${traceId}`, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector(tid('span-row'), { timeout: 20_000 });
    const openMs = performance.now() - t0;
    // The browser's own figure, from navigation start to now (the first rows are in).
    const navMs = await page.evaluate(() => performance.now());
    process.stdout.write(`[browser] ${SPANS}-span trace: first waterfall rows ${openMs.toFixed(0)} ms after navigation (page clock ${navMs.toFixed(0)} ms)\n`);

    const rowsAtOpen = (await page.$$(tid('span-row'))).length;
    expect(rowsAtOpen).toBeGreaterThan(5);
    expect(rowsAtOpen).toBeLessThan(1_000);
    expect(await page.$(tid('span-row', `[data-span-id="${spanIds[0]}"]`)), 'the root span is the first row').not.toBeNull();
    expect(await page.$(tid('span-row', `[data-span-id="${spanIds[SPANS - 1]}"]`)), 'the last span is not in the DOM before scrolling').toBeNull();

    // Scroll to the end in a few steps, as a user dragging the scrollbar would.
    const scroller = (await page.$(tid('waterfall')))!;
    for (const f of [0.25, 0.5, 0.75, 1]) {
      await scroller.evaluate((el, frac) => el.scrollTo({ top: frac * (el.scrollHeight - el.clientHeight) }), f);
      await painted(page);
    }
    await page.waitForSelector(tid('span-row', `[data-span-id="${spanIds[SPANS - 1]}"]`), { timeout: 5_000 });
    const rowsAtEnd = (await page.$$(tid('span-row'))).length;
    expect(rowsAtEnd).toBeLessThan(1_000);
    expect(await page.$(tid('span-row', `[data-span-id="${spanIds[0]}"]`)), 'the root row left the DOM').toBeNull();
    process.stdout.write(`[browser] rows in the DOM: ${rowsAtOpen} at open, ${rowsAtEnd} at the end (of ${SPANS} spans)\n`);
    process.stdout.write(`[browser] screenshot: ${await screenshot(page, 'trace-20000-spans-end')}\n`);

    await page.close();
    expect(problems, 'console errors, page errors or failed requests').toEqual([]);
    expect(openMs, `first rows of the ${SPANS}-span trace after ${openMs.toFixed(0)} ms`).toBeLessThan(OPEN_BUDGET_MS);
  });
});
