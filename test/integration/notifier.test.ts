// The notifier against real peers: Debian's Alertmanager 0.25 (its API and its own webhook
// delivery to compare with ours) and webhook receivers that are real node:http servers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifier, fingerprint, type Notifier, type WebhookSettings } from '../../src/alerting/notifier/index.js';
import type { WebhookMessage } from '../../src/alerting/notifier/payload.js';
import type { NotifiableAlert } from '../../src/alerting/types.js';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { captureLog } from '../helpers/log.js';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** A webhook receiver: answers each request with the next status of `statuses` (then 200), records all. */
async function startReceiver(statuses: number[] = []): Promise<{ url: string; got: Received[]; server: Server; waitFor: (n: number, ms?: number) => Promise<Received[]> }> {
  const got: Received[] = [];
  const queue = [...statuses];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      res.statusCode = queue.shift() ?? 200;
      res.end(res.statusCode === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}/hook`;
  const waitFor = async (n: number, ms = 20_000): Promise<Received[]> => {
    const end = Date.now() + ms;
    while (got.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return got;
  };
  return { url, got, server, waitFor };
}

const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));
const iso = (ms: number) => new Date(ms).toISOString();

function alert(name: string, labels: Record<string, string>, endsAtMs: number, startsAtMs = Date.now() - 60_000): NotifiableAlert {
  return {
    labels: { alertname: name, ...labels },
    annotations: { summary: `${name} on ${labels['service_name'] ?? '?'}`, example_trace_ids: '4bf92f3577b34da6a3ce929d0e0e4736', example_trace_url: 'http://braid.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736' },
    startsAt: iso(startsAtMs),
    endsAt: iso(endsAtMs),
    generatorURL: 'http://braid.example:16686/graph?g0.expr=up',
  };
}

const FAST_RETRY = { initialMs: 50, maxMs: 200, maxAttempts: 4, maxElapsedMs: 10_000 };
const hook = (url: string, extra: Partial<WebhookSettings> = {}): WebhookSettings => ({
  url,
  group_by: ['alertname'],
  group_wait: 300,
  group_interval: 1500,
  repeat_interval: 3600_000,
  send_resolved: true,
  headers: {},
  timeout: 5000,
  max_alerts: 0,
  ...extra,
});

describe('notifier against a real Alertmanager', () => {
  let am: RunningAlertmanager;
  let amHook: Awaited<ReturnType<typeof startReceiver>>;
  let direct: Awaited<ReturnType<typeof startReceiver>>;
  let notifier: Notifier;
  let dir: string;
  const registry = new Registry();
  const secret = 'hook-secret-0123456789';

  beforeAll(async () => {
    amHook = await startReceiver();
    direct = await startReceiver();
    am = await startAlertmanager({ webhookUrl: amHook.url, groupWait: '1s', groupInterval: '2s' });
    dir = await mkdtemp(join(tmpdir(), 'braid-notifier-'));
    await writeFile(join(dir, 'hook.secret'), `${secret}\n`);
    notifier = createNotifier(
      {
        alertmanagers: [{ url: am.url, timeout: 5000 }],
        webhooks: [hook(direct.url, { name: 'oncall', hmac_secret_file: join(dir, 'hook.secret'), headers: { 'X-Team': 'payments' } })],
        externalURL: 'http://braid.example:16686',
        externalLabels: { cluster: 'prod' },
      },
      { log: captureLog().log, registry, retry: FAST_RETRY },
    );
  });

  afterAll(async () => {
    await notifier?.stop();
    await am?.stop();
    await Promise.all([amHook, direct].filter(Boolean).map((r) => close(r.server)));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('delivers to Alertmanager and directly, with the same fingerprint and group key as Alertmanager computes', async () => {
    const firing = alert('CheckoutErrors', { service_name: 'checkout', severity: 'critical' }, Date.now() + 3600_000);
    notifier.send([firing]);
    await notifier.idle();
    const inAm = await am.alerts();
    expect(inAm).toHaveLength(1);
    expect(inAm[0]!.labels).toEqual({ alertname: 'CheckoutErrors', service_name: 'checkout', severity: 'critical', cluster: 'prod' });
    expect(inAm[0]!.annotations['example_trace_ids']).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(inAm[0]!.status.state).toBe('active');
    expect(inAm[0]!.fingerprint).toBe(fingerprint(inAm[0]!.labels));

    const [fromAm] = await amHook.waitFor(1);
    const [ours] = await direct.waitFor(1);
    const amMsg = JSON.parse(fromAm!.body) as WebhookMessage;
    const ourMsg = JSON.parse(ours!.body) as WebhookMessage;
    expect(ourMsg.groupKey).toBe(amMsg.groupKey);
    expect(ourMsg.alerts[0]!.fingerprint).toBe(amMsg.alerts[0]!.fingerprint);
    expect(Object.keys(ourMsg)).toEqual(Object.keys(amMsg));
    expect(Object.keys(ourMsg.alerts[0]!)).toEqual(Object.keys(amMsg.alerts[0]!));
    const { receiver: _r1, externalURL: _e1, ...ourRest } = ourMsg;
    const { receiver: _r2, externalURL: _e2, ...amRest } = amMsg;
    expect(ourRest).toEqual(amRest);
    expect(ourMsg.receiver).toBe('oncall');
    // The signature covers the exact bytes received.
    const sig = String(ours!.headers['x-braid-signature-256']);
    const want = 'sha256=' + createHmac('sha256', secret).update(ours!.body).digest('hex');
    expect(timingSafeEqual(Buffer.from(sig), Buffer.from(want))).toBe(true);
    expect(ours!.headers['x-team']).toBe('payments');
    expect(ours!.headers['content-type']).toBe('application/json');
  });

  it('delivers the resolution both ways, once', async () => {
    const resolved = alert('CheckoutErrors', { service_name: 'checkout', severity: 'critical' }, Date.now());
    notifier.send([resolved]);
    await notifier.idle();
    const [, fromAm] = await amHook.waitFor(2);
    const [, ours] = await direct.waitFor(2);
    expect((JSON.parse(fromAm!.body) as WebhookMessage).status).toBe('resolved');
    const ourMsg = JSON.parse(ours!.body) as WebhookMessage;
    expect(ourMsg.status).toBe('resolved');
    expect(ourMsg.alerts[0]!.endsAt).toBe(resolved.endsAt.replace('.000Z', 'Z').replace(/(\.\d*?)0+Z$/, '$1Z'));
    // Prometheus re-sends the resolved alert: no second resolution.
    notifier.send([resolved]);
    await new Promise((r) => setTimeout(r, 2500));
    expect(direct.got).toHaveLength(2);
    expect((await am.alerts()).filter((a) => a.status.state === 'active')).toHaveLength(0);
  });

  it('sends 150 alerts to Alertmanager in batches of 64', async () => {
    const many = Array.from({ length: 150 }, (_, i) => alert('Batch', { instance: `i${i}` }, Date.now() + 3600_000));
    notifier.send(many);
    await notifier.idle();
    const inAm = (await am.alerts()).filter((a) => a.labels['alertname'] === 'Batch');
    expect(inAm).toHaveLength(150);
    const sent = await registry.getSingleMetric('braid_notifications_total')!.get();
    const toAm = sent.values.filter((v) => String(v.labels['receiver']).startsWith('alertmanager:') && v.labels['outcome'] === 'sent').reduce((s, v) => s + v.value, 0);
    expect(toAm).toBe(1 + 1 + 1 + 3);
  });
});

describe('notifier delivery failures', () => {
  it('retries an Alertmanager that answers 503, not one that answers 400', async () => {
    const flaky = await startReceiver([503, 503]);
    const refusing = await startReceiver([400, 400, 400]);
    const registry = new Registry();
    const n = createNotifier(
      { alertmanagers: [{ url: flaky.url.replace('/hook', ''), timeout: 2000 }, { url: refusing.url.replace('/hook', '/prefix'), timeout: 2000 }], webhooks: [] },
      { log: captureLog().log, registry, retry: FAST_RETRY },
    );
    n.send([alert('Flaky', {}, Date.now() + 3600_000)]);
    await n.idle();
    await n.stop();
    expect(flaky.got.map((g) => g.path)).toEqual(['/api/v2/alerts', '/api/v2/alerts', '/api/v2/alerts']);
    expect(refusing.got.map((g) => g.path)).toEqual(['/prefix/api/v2/alerts']);
    const outcomes = (await registry.getSingleMetric('braid_notifications_total')!.get()).values.map((v) => `${v.labels['outcome']}`).sort();
    expect(outcomes).toEqual(['rejected', 'sent']);
    await Promise.all([close(flaky.server), close(refusing.server)]);
  });

  it('drops the oldest alerts past the queue capacity and counts them', async () => {
    const am = await startReceiver();
    const registry = new Registry();
    const n = createNotifier({ alertmanagers: [{ url: am.url.replace('/hook', ''), timeout: 2000 }], webhooks: [], queueCapacity: 100 }, { log: captureLog().log, registry });
    n.send(Array.from({ length: 150 }, (_, i) => alert('Many', { instance: `i${i}` }, Date.now() + 3600_000)));
    await n.idle();
    await n.stop();
    const received = am.got.flatMap((g) => JSON.parse(g.body) as NotifiableAlert[]);
    expect(received.map((a) => a.labels['instance'])).toEqual(Array.from({ length: 100 }, (_, i) => `i${i + 50}`));
    expect(am.got.map((g) => (JSON.parse(g.body) as unknown[]).length)).toEqual([64, 36]);
    expect((await registry.getSingleMetric('braid_notifier_dropped_total')!.get()).values[0]!.value).toBe(50);
    await close(am.server);
  });

  it('retries a webhook on 503 with backoff, gives up on 404 until the next group_interval', async () => {
    const flaky = await startReceiver([503]);
    const missing = await startReceiver([404]);
    const n = createNotifier({ alertmanagers: [], webhooks: [hook(flaky.url, { name: 'flaky' }), hook(missing.url, { name: 'missing', group_interval: 1000 })] }, { log: captureLog().log, retry: FAST_RETRY });
    const started = Date.now();
    // A new alert (startsAt now) waits group_wait (300 ms); one that began earlier would not.
    n.send([alert('Hook', {}, Date.now() + 3600_000, Date.now())]);
    const got = await flaky.waitFor(2);
    expect(got).toHaveLength(2);
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(25);
    expect(got[1]!.body).toBe(got[0]!.body);
    const m = await missing.waitFor(2, 5000);
    expect(m).toHaveLength(2);
    // The second attempt comes with the next flush (group_interval 1 s), not from a retry.
    expect(m[1]!.at - m[0]!.at).toBeGreaterThanOrEqual(900);
    expect(m[0]!.at - started).toBeGreaterThanOrEqual(250);
    await n.stop();
    await Promise.all([close(flaky.server), close(missing.server)]);
  });

  it('renders a body template for the receiver', async () => {
    const slack = await startReceiver();
    const n = createNotifier({ alertmanagers: [], webhooks: [hook(slack.url, { name: 'slack', body_template_file: 'alerts/templates/slack.tmpl' })] }, { log: captureLog().log });
    n.send([alert('SlackMe', { service_name: 'cart' }, Date.now() + 3600_000)]);
    const [got] = await slack.waitFor(1);
    expect((JSON.parse(got!.body) as { text: string }).text).toBe('[FIRING:1] SlackMe (cart)');
    await n.stop();
    await close(slack.server);
  });
});
