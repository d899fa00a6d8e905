/**
 * The explorer page against the query target alone, in distributed mode: one Braid process runs
 * collector, ingester and alerter on the real Kafka and Elasticsearch, another runs only query on
 * the same topics and indices (as the Helm chart's distributed mode deploys them). Headless
 * chromium opens the query process's page: search, the trace with its error span, log line and
 * exemplar, the logs view, the service map, and the alerts the other process's alerter raised.
 * Any console error, page error or failed request fails the test.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { launchBrowser, textsOf, tid, watchedPage } from '../helpers/browser.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import buildExplorer from '../web/global-setup.js';
import { PAYMENT_ERRORS_RULE, ruleFile, seedCheckout, type Checkout } from '../web/seed.js';

const RULES = ruleFile('explorer-distributed-test', PAYMENT_ERRORS_RULE);

describe('the explorer page on a query-only process (distributed mode, real Kafka and Elasticsearch)', () => {
  let pipeline: RunningBraid;
  let query: RunningBraid;
  let browser: Browser;
  let dir: string;
  let checkout: Checkout;
  const problems: string[] = [];

  beforeAll(async () => {
    buildExplorer();
    dir = await mkdtemp(join(tmpdir(), 'braid-web-dist-'));
    await writeFile(join(dir, 'rules.yaml'), RULES);
    const prefix = uniqueName('webdist');
    const shared = {
      queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 2 } },
      storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
      ingest: { flush_interval: '1s' },
      alerting: { rule_files: [join(dir, 'rules.yaml')], evaluation_interval: '1s' },
    };
    [pipeline, query, browser] = await Promise.all([
      startTestBraid(testConfig({ ...shared, target: 'collector,ingester,alerter' })),
      startTestBraid(testConfig({ ...shared, target: 'query' })),
      launchBrowser(),
    ]);
    expect(query.addresses.otlpHttp, 'the query process runs no receiver').toBeUndefined();
    checkout = await seedCheckout(pipeline.addresses.otlpHttp!);
    await eventually(async () => {
      const res = await fetch(`${query.addresses.query}/braid/v1/traces/${checkout.traceId}`);
      const body = res.status === 200 ? ((await res.json()) as { spans: unknown[]; exemplars: unknown[] }) : undefined;
      return body && body.spans.length > 0 && body.exemplars.length > 0 ? true : undefined;
    }, 60_000, 'the seeded trace and its exemplar readable on the query process');
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([pipeline?.stop(), query?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const open = async (path: string) => {
    const w = await watchedPage(browser, query.addresses.query!);
    await w.page.goto(`${query.addresses.query}${path}`, { waitUntil: 'domcontentloaded' });
    return w;
  };

  it('search, trace, logs and the service map all come from the query process', async () => {
    const search = await open('/search?service=frontend&lookback=1h');
    await search.page.waitForSelector(tid('search-result', `[data-trace-id="${checkout.traceId}"][data-error="true"]`), { timeout: 30_000 });
    problems.push(...search.problems);
    await search.page.close();

    const trace = await open(`/trace/${checkout.traceId}`);
    const payment = await trace.page.waitForSelector(tid('span-row', `[data-span-id="${checkout.paymentSpanId}"]`));
    expect(await payment!.evaluate((e) => e.getAttribute('data-error'))).toBe('true');
    const log = await trace.page.waitForSelector(tid('span-log', `[data-span-id="${checkout.paymentSpanId}"]`));
    expect(await log!.evaluate((e) => e.textContent)).toContain(checkout.paymentLog);
    const exemplars = await textsOf(trace.page, tid('exemplar'));
    expect(exemplars.some((t) => t.includes(checkout.exemplarMetric)), `exemplars shown: ${JSON.stringify(exemplars)}`).toBe(true);
    problems.push(...trace.problems);
    await trace.page.close();

    const logs = await open(`/logs?traceId=${checkout.traceId}&lookback=1h`);
    await logs.page.waitForSelector(tid('log-line', `[data-trace-id="${checkout.traceId}"]`), { timeout: 30_000 });
    const lines = await textsOf(logs.page, tid('log-line'));
    expect(lines.join('\n')).toContain(checkout.paymentLog);
    problems.push(...logs.problems);
    await logs.page.close();

    const services = await open('/services');
    await eventually(async () => {
      await services.page.reload({ waitUntil: 'domcontentloaded' });
      return (await services.page.waitForSelector(tid('service-edge', '[data-parent="order"][data-child="payment"]'), { timeout: 3_000 }).catch(() => null)) ?? undefined;
    }, 60_000, 'the order -> payment edge on the service map (edges are derived by the ingester)');
    problems.push(...services.problems);
    await services.page.close();
    expect(problems, 'console errors, page errors or failed requests').toEqual([]);
  });

  it('the alerts view shows what the alerter of the other process raised', async () => {
    const alerts = await open('/alerts');
    // The alert may first show without examples: the alerter finds them in a later round and
    // publishes the changed annotations with its next snapshot.
    let traces: Array<string | null> = [];
    await eventually(async () => {
      await alerts.page.reload({ waitUntil: 'domcontentloaded' });
      const row = await alerts.page.waitForSelector(tid('alert-row', '[data-alertname="PaymentErrors"][data-state="firing"]'), { timeout: 3_000 }).catch(() => null);
      traces = row ? await row.$$eval(tid('alert-trace'), (els) => els.map((e) => e.getAttribute('href'))) : [];
      return traces.includes(`/trace/${checkout.traceId}`) ? true : undefined;
    }, 90_000, 'PaymentErrors firing in the query process alerts view, with the seeded trace as its example');
    expect(traces).toContain(`/trace/${checkout.traceId}`);
    await alerts.page.close();
    expect(alerts.problems, 'console errors, page errors or failed requests').toEqual([]);
  });
});
