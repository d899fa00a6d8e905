/**
 * Alerts on a query-only process (distributed mode, real Kafka and Elasticsearch): one Braid runs
 * collector+ingester+alerter, another runs query alone on the same topics and indices. Failing
 * requests make the test's own rule fire; the query-only process answers /prometheus/api/v1/alerts
 * and /rules from the alerter's snapshot on the state topic, example traces included.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import type { AlertsAnswer, RulesAnswer } from '../../src/model/alerter-api.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const hex = (n: number) => randomBytes(n).toString('hex');
const json = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** One OTLP/JSON request of 10 server spans of `service`, half of them failing (their trace IDs go to `errorTraces`). */
async function sendSpans(otlpHttp: string, service: string, errorTraces: Set<string>): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 10 }, (_, i) => {
    const traceId = hex(16);
    if (i < 5) errorTraces.add(traceId);
    return { traceId, spanId: hex(8), name: 'POST /pay', kind: 2, startTimeUnixNano: String(now - 20_000_000n), endTimeUnixNano: String(now), status: { code: i < 5 ? 2 : 1 } };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] };
  const res = await fetch(`${otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

/** The test's own rule: any failing server call of `service` in the last 30 s, for 2 s. */
const ruleFile = (service: string) => `groups:
  - name: snapshot-e2e
    rules:
      - record: snapshot:calls:rate30s
        expr: sum by (service_name) (rate(traces_span_metrics_calls_total{service_name="${service}"}[30s]))
      - alert: SnapshotServiceFailing
        expr: sum by (service_name) (increase(traces_span_metrics_calls_total{service_name="${service}", span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[30s])) > 0
        for: 2s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.service_name }} fails'
`;

describe('alerts on a query-only process (real Kafka and Elasticsearch)', () => {
  const running: RunningBraid[] = [];
  afterAll(async () => {
    for (const b of running.reverse()) await b.stop();
  });

  it('the query process without the alerter shows the firing alert and the rule state from the alerter snapshot', { timeout: 240_000 }, async () => {
    const prefix = uniqueName('alertsnap');
    const service = `pay-${prefix}`;
    const dir = await mkdtemp(join(tmpdir(), 'braid-alert-snapshot-'));
    const rules = join(dir, 'rules.yaml');
    await writeFile(rules, ruleFile(service));
    const config = (target: string): BraidConfigInput => ({
      ...testConfig({
        queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 2 } },
        storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
      }),
      target,
      ingest: { flush_interval: '1s' },
      alerting: { rule_files: [rules], evaluation_interval: '1s', external_url: 'http://braid.example:16686' },
    });
    const pipeline = await startTestBraid(config('collector,ingester,alerter'));
    running.push(pipeline);
    const queryOnly = await startTestBraid(config('query'));
    running.push(queryOnly);
    await pipeline.headReady;
    const query = queryOnly.addresses.query!;

    // Before any snapshot: the rule files, no state.
    const before = await json<{ data: RulesAnswer }>(`${query}/prometheus/api/v1/rules`);
    expect(before.data.groups.map((g) => g.rules.map((r) => r.name))).toEqual([['snapshot:calls:rate30s', 'SnapshotServiceFailing']]);

    const errorTraces = new Set<string>();
    const started = Date.now();
    const deadline = started + 150_000;
    let firing: AlertsAnswer['alerts'][number] | undefined;
    while (firing === undefined && Date.now() < deadline) {
      await sendSpans(pipeline.addresses.otlpHttp!, service, errorTraces);
      const alerts = await json<{ status: string; data: AlertsAnswer }>(`${query}/prometheus/api/v1/alerts`);
      expect(alerts.status).toBe('success');
      firing = alerts.data.alerts.find((a) => a.labels.alertname === 'SnapshotServiceFailing' && a.state === 'firing');
      if (firing === undefined) await new Promise((r) => setTimeout(r, 1_000));
    }
    if (firing === undefined) throw new Error('the query-only process showed no firing alert within 150 s');
    console.log(`query-only process showed the alert firing ${((Date.now() - started) / 1000).toFixed(1)} s after the first failing requests`);
    expect(firing.labels).toEqual({ alertname: 'SnapshotServiceFailing', service_name: service, severity: 'page' });
    expect(firing.annotations.summary).toBe(`${service} fails`);
    const ids = firing.annotations.example_trace_ids!.split(',');
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(errorTraces.has(id)).toBe(true);
    expect(firing.annotations.example_trace_url).toBe(`http://braid.example:16686/api/traces/${ids[0]}`);

    // /rules: the alerting rule in state firing with its alert; the filters apply to the snapshot.
    const all = await json<{ data: RulesAnswer }>(`${query}/prometheus/api/v1/rules`);
    const rule = all.data.groups[0]!.rules.find((r) => r.name === 'SnapshotServiceFailing')!;
    expect(rule).toMatchObject({ type: 'alerting', state: 'firing', health: 'ok' });
    expect(rule.alerts!.map((a) => a.labels.service_name)).toEqual([service]);
    const recording = all.data.groups[0]!.rules.find((r) => r.name === 'snapshot:calls:rate30s')!;
    expect(recording.lastEvaluation).not.toBe('0001-01-01T00:00:00Z');
    const filtered = await json<{ data: RulesAnswer }>(`${query}/prometheus/api/v1/rules?type=alert&exclude_alerts=true`);
    expect(filtered.data.groups[0]!.rules.map((r) => [r.name, r.state, r.alerts])).toEqual([['SnapshotServiceFailing', 'firing', null]]);
    const bad = await fetch(`${query}/prometheus/api/v1/rules?type=bogus`);
    expect(bad.status).toBe(400);

    // The age of the snapshot served, on the query process's admin port.
    const metrics = await (await fetch(`${queryOnly.addresses.admin}/metrics`)).text();
    const age = Number(/^braid_alerter_snapshot_age_seconds (\S+)$/m.exec(metrics)?.[1]);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(90);
  });
});
