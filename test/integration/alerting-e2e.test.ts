/**
 * Alerts to on-call, end to end on real Kafka, Elasticsearch and Alertmanager: a service starts
 * failing, the shipped error-ratio rule (alerts/services.yaml, its windows scaled down so the test
 * takes a minute, not ten) goes pending then firing; Alertmanager holds it, its webhook and Braid's
 * direct webhook (HMAC verified) each get the v4 payload once per group with example traces that
 * resolve to error traces; the errors stop, the alert resolves and both webhooks hear it. Then the
 * alerter alone is restarted mid-`for` and while firing: it fires at the right time and nobody is
 * notified twice.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import { startAlertmanager, type RunningAlertmanager } from '../helpers/alertmanager.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

interface Hook {
  path: string;
  body: { status: string; groupKey: string; alerts: Array<{ status: string; labels: Record<string, string>; annotations: Record<string, string> }> };
  signature?: string;
  raw: string;
}

/** A real HTTP peer that records every webhook call. */
async function startHookServer(): Promise<{ url: string; calls: Hook[]; server: Server }> {
  const calls: Hook[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const sig = req.headers['x-braid-signature-256'];
      calls.push({ path: req.url ?? '', body: JSON.parse(raw) as Hook['body'], raw, ...(typeof sig === 'string' ? { signature: sig } : {}) });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, calls, server };
}

const hex = (n: number) => randomBytes(n).toString('hex');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One OTLP/JSON request of 10 server spans of `service`, `errorRatio` of them failing. */
async function sendSpans(otlpHttp: string, service: string, errorRatio: number, errorTraces: Set<string>): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 10 }, (_, i) => {
    const traceId = hex(16);
    const failed = i < Math.round(10 * errorRatio);
    if (failed) errorTraces.add(traceId);
    return { traceId, spanId: hex(8), name: 'POST /pay', kind: 2, startTimeUnixNano: String(now - 40_000_000n), endTimeUnixNano: String(now), status: { code: failed ? 2 : 1 } };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] };
  const res = await fetch(`${otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

interface ApiAlert { labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt: string }

/** Polls `f` every 500 ms (bounded by `timeoutMs`) until it returns a value. */
async function waitFor<T>(what: string, timeoutMs: number, f: () => Promise<T | undefined>, tick?: () => Promise<void>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await tick?.();
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The shipped error-ratio rule with its windows scaled down: [5m] -> [30s], for 2m -> `forText`. */
async function scaledRules(dir: string, forText: string): Promise<string> {
  const shipped = await readFile(new URL('../../alerts/services.yaml', import.meta.url), 'utf8');
  const scaled = shipped.replaceAll('[5m]', '[30s]').replace('for: 2m', `for: ${forText}`);
  expect(scaled).toContain(`for: ${forText}`);
  const file = join(dir, 'services.yaml');
  await writeFile(file, scaled);
  return file;
}

const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;
const alertsOf = async (query: string) => (await json<{ data: { alerts: ApiAlert[] } }>(`${query}/prometheus/api/v1/alerts`)).data.alerts.filter((a) => a.labels.alertname === 'BraidServiceErrorRatioHigh');

describe('alerts to on-call (real Kafka, Elasticsearch and Alertmanager)', () => {
  let dir: string;
  let hooks: Awaited<ReturnType<typeof startHookServer>>;
  let am: RunningAlertmanager;
  const secret = 'test-secret-' + hex(8);
  const running: RunningBraid[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-alert-e2e-'));
    await writeFile(join(dir, 'hook.secret'), `${secret}\n`);
    hooks = await startHookServer();
    am = await startAlertmanager({ webhookUrl: `${hooks.url}/alertmanager`, groupBy: ['alertname', 'service_name'], groupWait: '1s', groupInterval: '2s', repeatInterval: '1h' });
  });
  afterAll(async () => {
    for (const b of running) await b.stop();
    await am?.stop();
    hooks?.server.close();
  });

  /** Kafka and Elasticsearch names of one run, and the alerting block aimed at Alertmanager and the direct hook. */
  function pipelineConfig(prefix: string, ruleFile: string, extra: BraidConfigInput = {}): BraidConfigInput {
    return {
      ...testConfig({
        queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
        storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
      }),
      ingest: { flush_interval: '1s' },
      alerting: {
        rule_files: [ruleFile],
        evaluation_interval: '1s',
        external_url: 'http://braid.example:16686',
        resend_delay: '2s',
        alertmanagers: [{ url: am.url }],
        webhooks: [{ url: `${hooks.url}/direct`, group_by: ['alertname', 'service_name'], group_wait: '1s', group_interval: '2s', repeat_interval: '1h', hmac_secret_file: join(dir, 'hook.secret') }],
      },
      ...extra,
    };
  }

  it('a failing service: pending, firing, Alertmanager and webhooks with example error traces, then resolved', { timeout: 300_000 }, async () => {
    const prefix = uniqueName('alerte2e');
    const service = `payment-${prefix}`;
    const braid = await startTestBraid(pipelineConfig(prefix, await scaledRules(dir, '6s')));
    running.push(braid);
    await braid.headReady;
    const otlp = braid.addresses.otlpHttp!;
    const query = braid.addresses.query!;
    const errorTraces = new Set<string>();
    const mine = (h: Hook) => h.body.alerts.some((a) => a.labels.service_name === service);

    const states: string[] = [];
    const firing = await waitFor('the alert to fire', 150_000, async () => {
      const a = (await alertsOf(query)).find((x) => x.labels.service_name === service);
      if (a && states.at(-1) !== a.state) states.push(a.state);
      return a?.state === 'firing' ? a : undefined;
    }, () => sendSpans(otlp, service, 0.5, errorTraces));
    expect(states).toEqual(['pending', 'firing']);
    expect(firing.labels).toMatchObject({ alertname: 'BraidServiceErrorRatioHigh', service_name: service, severity: 'critical' });

    // Example traces: up to 5, each a trace Braid stores, each with an error span.
    const ids = firing.annotations.example_trace_ids!.split(',');
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.length).toBeLessThanOrEqual(5);
    expect(firing.annotations.example_trace_url).toBe(`http://braid.example:16686/api/traces/${ids[0]}`);
    for (const id of ids) {
      expect(errorTraces.has(id)).toBe(true);
      const t = await json<{ data: Array<{ spans: Array<{ tags: Array<{ key: string; value: unknown }> }> }> }>(`${query}/api/traces/${id}`);
      expect(t.data[0]!.spans.some((s) => s.tags.some((g) => g.key === 'error' && g.value === true))).toBe(true);
    }

    // Alertmanager holds it, with the example traces riding along unchanged.
    const inAm = await waitFor('Alertmanager to hold the alert', 30_000, async () => (await am.alerts()).find((a) => a.labels.service_name === service));
    expect(inAm.labels.alertname).toBe('BraidServiceErrorRatioHigh');
    expect(inAm.annotations.example_trace_ids).toMatch(/^[0-9a-f]{32}(,[0-9a-f]{32})*$/);
    const amHook = await waitFor('Alertmanager\'s webhook', 30_000, async () => hooks.calls.find((h) => h.path === '/alertmanager' && mine(h) && h.body.status === 'firing'));
    expect(amHook.body.alerts[0]!.annotations.example_trace_ids).toBeDefined();

    // The direct webhook: v4 payload, signed, one notification for the group while it fires.
    const direct = await waitFor('the direct webhook', 30_000, async () => hooks.calls.find((h) => h.path === '/direct' && mine(h) && h.body.status === 'firing'));
    expect(direct.signature).toBe(`sha256=${createHmac('sha256', secret).update(direct.raw).digest('hex')}`);
    expect(direct.body).toMatchObject({ version: '4', status: 'firing', receiver: 'webhook-0', groupLabels: { alertname: 'BraidServiceErrorRatioHigh', service_name: service } });
    expect(direct.body.alerts[0]!.annotations.example_trace_ids!.split(',').every((id) => errorTraces.has(id))).toBe(true);

    // The errors stop: only successful calls until the alert resolves and both hooks hear it.
    await waitFor('the alert to resolve', 150_000, async () => ((await alertsOf(query)).some((x) => x.labels.service_name === service) ? undefined : true), () => sendSpans(otlp, service, 0, errorTraces));
    const resolved = await waitFor('the resolution at the direct webhook', 30_000, async () => hooks.calls.find((h) => h.path === '/direct' && mine(h) && h.body.status === 'resolved'));
    expect(resolved.signature).toBe(`sha256=${createHmac('sha256', secret).update(resolved.raw).digest('hex')}`);
    await waitFor('the resolution through Alertmanager', 60_000, async () => hooks.calls.find((h) => h.path === '/alertmanager' && mine(h) && h.body.status === 'resolved'));
    const directFiring = hooks.calls.filter((h) => h.path === '/direct' && mine(h) && h.body.status === 'firing');
    expect(directFiring).toHaveLength(1);
    const amFiring = hooks.calls.filter((h) => h.path === '/alertmanager' && mine(h) && h.body.status === 'firing');
    expect(amFiring).toHaveLength(1);
  });

  it('the alerter restarted mid-for and while firing: fires at the right time, notifies once', { timeout: 300_000 }, async () => {
    const prefix = uniqueName('alertrst');
    const service = `checkout-${prefix}`;
    const rules = await scaledRules(dir, '20s');
    // Pipeline and query in one process; the alerter alone in another, restarted twice.
    const pipeline = await startTestBraid({ ...pipelineConfig(prefix, rules), target: 'collector,ingester,query' });
    running.push(pipeline);
    const otlp = pipeline.addresses.otlpHttp!;
    const query = pipeline.addresses.query!;
    // Prometheus's grace period (10m) would hold a restored 20s `for` back; 5s lets the restored pending time count.
    const alerterConfig = () => pipelineConfig(prefix, rules, { target: 'alerter', alerting: { ...pipelineConfig(prefix, rules).alerting, for_grace_period: '5s' } });
    let alerter = await startTestBraid(alerterConfig());
    await alerter.headReady;
    const errorTraces = new Set<string>();
    const send = () => sendSpans(otlp, service, 0.5, errorTraces);
    /** The alert's state as the ALERTS series (written by the alerter, read through the query process). */
    const alertState = async (): Promise<{ state: string; activeAtMs: number } | undefined> => {
      const r = await json<{ data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(`${query}/prometheus/api/v1/query?query=${encodeURIComponent(`ALERTS_FOR_STATE{service_name="${service}"} and on(service_name) ALERTS{service_name="${service}"}`)}`);
      const s = await json<{ data: { result: Array<{ metric: Record<string, string> }> } }>(`${query}/prometheus/api/v1/query?query=${encodeURIComponent(`ALERTS{service_name="${service}"}`)}`);
      const f = r.data.result[0];
      const st = s.data.result[0]?.metric.alertstate;
      return f && st ? { state: st, activeAtMs: Number(f.value[1]) * 1000 } : undefined;
    };

    const pending = await waitFor('pending', 150_000, async () => { const s = await alertState(); return s?.state === 'pending' ? s : undefined; }, send);
    // Mid-`for`: stop the alerter for a few seconds, keep the traffic going.
    await alerter.stop();
    const downFrom = Date.now();
    for (let i = 0; i < 6; i++) {
      await send();
      await pause(500);
    }
    alerter = await startTestBraid(alerterConfig());
    running.push(alerter);
    const downMs = Date.now() - downFrom;
    await alerter.headReady;

    const fired = await waitFor('firing after the restart', 120_000, async () => { const s = await alertState(); return s?.state === 'firing' ? { at: Date.now(), s } : undefined; }, send);
    // Prometheus's RestoreForState: the pending time before the stop counts, the downtime does not.
    const due = pending.activeAtMs + 20_000 + downMs;
    expect(fired.at).toBeGreaterThanOrEqual(due - 3_000);
    expect(fired.at).toBeLessThanOrEqual(due + 15_000);

    const hooked = () => hooks.calls.filter((h) => h.path === '/direct' && h.body.status === 'firing' && h.body.alerts.some((a) => a.labels.service_name === service));
    await waitFor('the direct webhook', 30_000, async () => (hooked().length > 0 ? true : undefined), send);
    // Let the notification log reach the metrics stream, then restart while firing.
    for (let i = 0; i < 6; i++) {
      await send();
      await pause(500);
    }
    await alerter.stop();
    alerter = await startTestBraid(alerterConfig());
    running.push(alerter);
    await alerter.headReady;
    for (let i = 0; i < 20; i++) {
      await send();
      await pause(500);
    }
    const after = await alertState();
    expect(after?.state).toBe('firing');
    expect(after?.activeAtMs).toBe(fired.s.activeAtMs);
    expect(hooked()).toHaveLength(1);
  });
});
