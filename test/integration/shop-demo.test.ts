/**
 * The shop demo end to end (issue 12, "Must show") on the real Kafka and Elasticsearch: Braid with
 * the shipped scrape job (collectors/shop.yml) and the shipped rules (alerts/*.yaml), the four shop
 * services, the shipper and the load (examples/shop/shop.ts). Asserts the services and their
 * dependencies, a failing trace's correlated view (the payment error log under the payment span,
 * an exemplar of the scraped payment latency histogram), and the shipped error-ratio alert firing
 * for payment and resolving after the fault is cleared.
 *
 * Timing: the rule is `ratio over [5m] > 5% for 2m`. The payment failure ratio is set as the load
 * starts, so the alert goes pending within seconds and fires ~2 min later; with 10% of payments
 * failing, the ratio over the window (which then holds only the test's traffic) falls under 5% once
 * the clean traffic after the switch is cleared is as long as the failing stretch: ~2.2 min more.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import type { SpanNode, TraceView } from '../../src/query/braid/routes.js';
import { startShop, type Shop } from '../../examples/shop/shop.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const FAILURE_RATIO = 0.1;
const RATE = 10;
const ALERT = 'BraidServiceErrorRatioHigh';
const repoPath = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** GET `url` as JSON; a non-200 answer fails with its status and body. */
async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/** Polls `f` every `everyMs` until it returns a value; fails after `timeoutMs` naming `what` and the last error. */
async function waitFor<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>, everyMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined) return v;
    } catch (err) {
      last = `; last error: ${(err as Error).message}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every span of the tree, depth first. */
const flatten = (nodes: SpanNode[]): SpanNode[] => nodes.flatMap((n) => [n, ...flatten(n.children)]);

interface ApiAlert { labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt: string }

describe('the shop demo on real Kafka and Elasticsearch', () => {
  let braid: RunningBraid;
  let shop: Shop;
  let query: string;
  const shopLog: string[] = [];
  let faultSetAt = 0;
  /** The payment alert's state changes as /prometheus/api/v1/alerts shows them, polled from the fault on ('inactive': gone). */
  const alertStates: string[] = [];
  let current: ApiAlert | undefined;
  let poller: NodeJS.Timeout | undefined;
  const paymentAlert = async () => (await getJson<{ data: { alerts: ApiAlert[] } }>(`${query}/prometheus/api/v1/alerts`)).data.alerts.find((a) => a.labels.alertname === ALERT && a.labels.service_name === 'payment');

  beforeAll(async () => {
    const prefix = uniqueName('shop');
    const base = testConfig({
      queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
      storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
    });
    braid = await startTestBraid({
      ...base,
      receivers: { ...base.receivers, prometheus: { enabled: true, config_file: repoPath('collectors/shop.yml') } },
      ingest: { flush_interval: '2s' },
      alerting: { rule_files: [repoPath('alerts/*.yaml')], evaluation_interval: '2s' },
    });
    await braid.headReady;
    query = braid.addresses.query!;
    shop = await startShop({
      otlpGrpc: `http://${braid.addresses.otlpGrpc!}`,
      otlpHttp: braid.addresses.otlpHttp!,
      bulk: braid.addresses.elasticsearch!,
      rate: RATE,
      // Mostly orders: each one reaches payment, so its error ratio settles fast.
      mix: { order: 8, user: 1, product: 1 },
      log: (line) => shopLog.push(line),
    });
    // The fault from the start: the alert's 5m window then holds a failing stretch no longer than needed.
    await shop.setFault('payment', { failure_ratio: FAILURE_RATIO });
    faultSetAt = Date.now();
    let polling = false;
    poller = setInterval(() => {
      if (polling) return;
      polling = true;
      void paymentAlert().then((a) => {
        current = a;
        const state = a?.state ?? 'inactive';
        if (alertStates.at(-1) !== state && (a || alertStates.length > 0)) alertStates.push(state);
      }, () => {}).finally(() => (polling = false));
    }, 2_000);
  }, 180_000);

  afterAll(async () => {
    clearInterval(poller);
    process.stderr.write(`[shop-demo] shop log (last 20 lines):\n${shopLog.slice(-20).join('\n')}\n`);
    await shop?.stop();
    await braid?.stop();
  }, 60_000);

  it('/api/services lists the four services', { timeout: 90_000 }, async () => {
    const services = await waitFor('user, product, order and payment in /api/services', 80_000, async () => {
      const { data } = await getJson<{ data: string[] }>(`${query}/api/services`);
      return ['user', 'product', 'order', 'payment'].every((s) => data.includes(s)) ? data : undefined;
    });
    expect(services).toEqual(expect.arrayContaining(['user', 'product', 'order', 'payment']));
  });

  it('/api/dependencies has order -> payment, order -> product and order -> user', { timeout: 90_000 }, async () => {
    const wanted = ['order -> payment', 'order -> product', 'order -> user'];
    const links = await waitFor(`${wanted.join(', ')} in /api/dependencies`, 80_000, async () => {
      const { data } = await getJson<{ data: Array<{ parent: string; child: string; callCount: number }> }>(`${query}/api/dependencies?endTs=${Date.now()}&lookback=600000`);
      const names = data.filter((l) => l.callCount > 0).map((l) => `${l.parent} -> ${l.child}`);
      return wanted.every((w) => names.includes(w)) ? names : undefined;
    });
    expect(links).toEqual(expect.arrayContaining(wanted));
  });

  it('a failing trace holds the payment error log under the payment span and a payment latency exemplar', { timeout: 150_000 }, async () => {
    const settled = new Set<string>();
    const tally = { views: 0, paymentError: 0, errorLog: 0, exemplar: 0 };
    /** The trace's view when it has all three parts; undefined while (or if) it does not. */
    const inspect = async (id: string) => {
      const res = await fetch(`${query}/braid/v1/traces/${id}`);
      if (res.status === 404) return undefined; // not stored yet
      if (res.status !== 200) throw new Error(`GET /braid/v1/traces/${id}: ${res.status} ${await res.text()}`);
      const view = (await res.json()) as TraceView;
      tally.views++;
      const spans = flatten(view.spans);
      // Settled once its log and the next scrapes had time to land: not looked at again.
      if (spans.length > 0 && Date.now() - Math.min(...spans.map((s) => s.startTimeUs)) / 1000 > 30_000) settled.add(id);
      const paymentServer = spans.find((s) => s.service === 'payment' && s.kind === 'server' && s.status.code === 'error');
      if (!paymentServer) return undefined;
      tally.paymentError++;
      const errorLog = paymentServer.logs.find((l) => l.level.toUpperCase() === 'ERROR' && l.message.includes('card declined'));
      if (errorLog) tally.errorLog++;
      const exemplar = view.exemplars.find((e) => e.metric === 'shop_http_request_duration_seconds_bucket' && e.labels.job === 'shop' && e.exemplar.spanId === paymentServer.spanId);
      if (exemplar) tally.exemplar++;
      return errorLog && exemplar ? { view, spans, paymentServer, errorLog, exemplar } : undefined;
    };
    const found = await waitFor('a failing trace whose view has the payment error log under the payment span and a shop_http_request_duration_seconds_bucket exemplar', 140_000, async () => {
      // Failing payments the scraped latency histogram points at (its status="502" series), then the load's recent failures.
      const end = Date.now() / 1000;
      const selector = 'shop_http_request_duration_seconds_bucket{job="shop",service="payment",status=~"5.."}';
      const ex = await getJson<{ data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> }>(`${query}/prometheus/api/v1/query_exemplars?${new URLSearchParams({ query: selector, start: String(end - 600), end: String(end) })}`);
      const fromExemplars = ex.data.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id)).filter((t): t is string => t !== undefined);
      const candidates = [...new Set([...fromExemplars, ...shop.recentFailures()])].filter((t) => !settled.has(t)).slice(-40);
      for (const id of candidates) {
        const hit = await inspect(id);
        if (hit) return hit;
      }
      return undefined;
    }, 3_000).catch((err: Error) => {
      throw new Error(`${err.message} (trace views read ${tally.views}: with a failing payment server span ${tally.paymentError}, its "card declined" ERROR log ${tally.errorLog}, its exemplar ${tally.exemplar})`);
    });
    const { view, spans, paymentServer, errorLog, exemplar } = found;
    expect(errorLog).toMatchObject({ service: 'payment', traceId: view.traceId, spanId: paymentServer.spanId });
    expect(exemplar.labels).toMatchObject({ job: 'shop', service: 'payment', status: '502' });
    // The payment span sits under order's client call: the log hangs where the failure happened, not at the root.
    expect(spans.find((s) => s.spanId === paymentServer.parentSpanId)?.service).toBe('order');
  });

  it(`the shipped ${ALERT} fires for payment, then resolves after the switch is cleared`, { timeout: 420_000 }, async () => {
    const states = () => alertStates.join(' -> ') || 'none';
    // Pending within seconds of the first failures, firing `for: 2m` later.
    const firing = await waitFor(`${ALERT}{service_name="payment"} to fire (fault set ${Math.round((Date.now() - faultSetAt) / 1000)} s before this wait)`, 200_000, async () => (current?.state === 'firing' ? current : undefined), 1_000)
      .catch((err: Error) => { throw new Error(`${err.message}; states seen: ${states()}`); });
    const firedAfterS = (Date.now() - faultSetAt) / 1000;
    expect(firing.labels).toMatchObject({ alertname: ALERT, service_name: 'payment', severity: 'critical' });
    expect(alertStates[0]).toBe('pending');
    expect(alertStates.at(-1)).toBe('firing');
    expect(shop.stats().failed).toBeGreaterThan(0);

    await shop.setFault('payment', { failure_ratio: 0 });
    const clearedAt = Date.now();
    await waitFor(`${ALERT}{service_name="payment"} to resolve after the payment failure ratio was set to 0`, 240_000, async () => (alertStates.at(-1) === 'inactive' ? true : undefined), 1_000)
      .catch((err: Error) => { throw new Error(`${err.message}; states seen: ${states()}`); });
    const resolvedAfterS = (Date.now() - clearedAt) / 1000;
    expect(alertStates.slice(-2)).toEqual(['firing', 'inactive']);
    process.stderr.write(`[shop-demo] ${ALERT} payment: ${states()}, firing ${firedAfterS.toFixed(0)} s after the fault, resolved ${resolvedAfterS.toFixed(0)} s after the clear; load ${JSON.stringify(shop.stats())}\n`);
  });
});
