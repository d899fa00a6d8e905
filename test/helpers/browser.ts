/**
 * Headless chromium for the explorer page's browser tests (test/web): Debian's chromium driven by
 * puppeteer-core. Each page records every console error, page error, failed request, HTTP error
 * answer and request to another origin, so a test can fail on any of them; screenshots go to
 * test-results/web/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Where browser tests write their screenshots. */
export const SCREENSHOT_DIR = new URL('../../test-results/web/', import.meta.url).pathname;

/** The chromium to drive: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export const chromiumPath = (): string => process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Starts headless chromium (no sandbox only when running as root, where chromium refuses it). */
export async function launchBrowser(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--lang=en-US'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  // pipe: chromium talks over its stdio pipes, so it exits with the test process even when that is
  // killed (a websocket would leave an orphan browser running).
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, pipe: true, args, defaultViewport: { width: 1280, height: 800 } });
}

/** A page that records what went wrong while it ran. */
export interface WatchedPage {
  page: Page;
  /** Console errors, page errors, failed requests, HTTP answers >= 400, requests off `origin`. */
  problems: string[];
}

/** Viewports of the screenshots: desktop and phone. */
export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 } as const;

/** Opens a page that records every problem (see WatchedPage) of its requests to `origin`. */
export async function watchedPage(browser: Browser, origin: string, viewport: { width: number; height: number; isMobile?: boolean; hasTouch?: boolean } = DESKTOP): Promise<WatchedPage> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  // A missing element fails the test in 10 s, not puppeteer's 30.
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err instanceof Error ? err.message : String(err)}`));
  page.on('requestfailed', (req) => {
    // A navigation away aborts the requests still in flight; that is not the page failing.
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.method()} ${req.url()}: ${req.failure()?.errorText ?? 'unknown'}`);
  });
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) problems.push(`request off the Braid origin: ${url}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.request().method()} ${res.url()}`);
  });
  return { page, problems };
}

/** Writes a full-viewport PNG of the page to SCREENSHOT_DIR/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, type: 'png' });
  return path;
}

/** A CSS selector of a data-testid, with optional attribute conditions: tid('span-row', '[data-error="true"]'). */
export const tid = (id: string, attrs = ''): string => `[data-testid="${id}"]${attrs}`;

/** The part of the page's DOM that test functions run in the page use (tests compile without lib dom). */
export interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  contains(other: PageElement): boolean;
  /** Bit 4 (Node.DOCUMENT_POSITION_FOLLOWING): `other` comes after this element. */
  compareDocumentPosition(other: PageElement): number;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  options?: ArrayLike<{ value: string }>;
}
/** The page's `document`, as far as tests use it. */
export interface PageDocument {
  querySelector(selector: string): PageElement | null;
  location: { href: string };
  activeElement: PageElement | null;
}

/** The source of a call of `fn(document, ...args)` in the page; `fn` must use nothing but its parameters. */
const callInPage = (fn: (doc: PageDocument, ...args: string[]) => unknown, args: string[]) => `(${fn.toString()})(document, ...${JSON.stringify(args)})`;

/** Runs `fn(document, ...args)` in the page and returns its (JSON) result. */
export async function inPage<T>(page: Page, fn: (doc: PageDocument, ...args: string[]) => T, ...args: string[]): Promise<T> {
  return (await page.evaluate(callInPage(fn, args))) as T;
}

/** Waits until `fn(document, ...args)` is truthy in the page (10 s). */
export async function untilInPage(page: Page, fn: (doc: PageDocument, ...args: string[]) => unknown, ...args: string[]): Promise<void> {
  await page.waitForFunction(callInPage(fn, args), { timeout: 10_000 });
}

/** Resolves after the page painted twice (layout and virtualised rows caught up). */
export async function painted(page: Page): Promise<void> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))');
}

/**
 * Screenshots of the page as it is at 1280x800 and at phone width (390x844): `<name>.png`,
 * `<name>-phone.png`. Throws when the page is wider than the phone (it would scroll sideways).
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  await page.setViewport(DESKTOP);
  await painted(page);
  const desktop = await screenshot(page, name);
  await page.setViewport(PHONE);
  await painted(page);
  const phone = await screenshot(page, `${name}-phone`);
  const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
  await page.setViewport(DESKTOP);
  if (width > PHONE.width) throw new Error(`the ${name} view is ${width} px wide at phone width (${PHONE.width} px): it scrolls sideways (see ${phone})`);
  return [desktop, phone];
}

/** The text of every element matching `selector`, in document order. */
export const textsOf = (page: Page, selector: string): Promise<string[]> => page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));

/**
 * Closes a watched page and returns its problems; when its test failed or it had problems, first
 * saves what it showed as `failed-<name>.png` next to the screenshots.
 */
export async function closeWatched(w: WatchedPage, name: string, failed: boolean): Promise<string[]> {
  const problems = [...w.problems];
  if ((failed || problems.length > 0) && !w.page.isClosed()) {
    const file = `failed-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 80)}`;
    await screenshot(w.page, file).catch(() => undefined);
  }
  await w.page.close();
  return problems;
}
