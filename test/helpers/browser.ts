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
  return puppeteer.launch({ executablePath: chromiumPath(), headless: true, args, defaultViewport: { width: 1280, height: 800 } });
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
