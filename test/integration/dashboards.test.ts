/**
 * Every dashboard panel shows data (issue 10), checked by doing what Grafana 11.6 does
 * (test/helpers/grafana.ts): Braid runs on the real Kafka and Elasticsearch, scrapes its own admin
 * port, evaluates the shipped rules plus one that fires at once; traffic goes in through the real
 * receivers (test/helpers/grafana-seed.ts); then, with the data sources of
 * dashboards/provisioning/datasources/braid.yaml, each dashboard's variables are resolved and each
 * panel target's request is sent as Grafana's data source would send it. A target that returns
 * nothing fails the test with its panel, request and response. The data sources' health checks
 * must pass too.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { describeResult, emulateDashboard, healthChecks, sendRequest, type DashboardJson } from '../helpers/grafana.js';
import { loadDatasources, type ProvisionedDatasource } from '../helpers/grafana-datasources.js';
import { SEED_SERVICES, seedGrpc, seedHttp, sendRefused } from '../helpers/grafana-seed.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { freePort } from '../helpers/process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The dashboards the contract names (dashboards/README.md); each must exist. */
const DASHBOARDS = ['braid-service-overview', 'braid-traces-logs', 'braid-pipeline-health', 'braid-alerts'];
const PROVISIONING = join(root, 'dashboards/provisioning/datasources/braid.yaml');
/** The emulation's own fixture dashboard runs too: it covers every request kind whatever the dashboards hold. */
const FIXTURE = join(root, 'test/fixtures/grafana/dashboard.json');

const ALERT = 'DashboardsTestAlwaysFiring';

type PromAnswer = { status: string; data: { result: Array<{ metric: Record<string, string>; values?: unknown[]; value?: unknown }> } };

describe('dashboards as Grafana 11.6 loads them (real Kafka and Elasticsearch)', () => {
  const prefix = uniqueName('dash');
  const esUrl = inject('elasticsearchUrl');
  let dir: string;
  let braid: RunningBraid;
  let datasources: ProvisionedDatasource[];

  const prom = async (query: string): Promise<PromAnswer['data']['result']> => {
    const res = await fetch(`${braid.addresses.query}/prometheus/api/v1/query?query=${encodeURIComponent(query)}`);
    return ((await res.json()) as PromAnswer).data.result;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'braid-dashboards-'));
    const adminPort = await freePort();
    await writeFile(join(dir, 'scrape.yml'), `scrape_configs:\n  - job_name: braid\n    scrape_interval: 2s\n    static_configs:\n      - targets: ['127.0.0.1:${adminPort}']\n`);
    await writeFile(join(dir, 'quick.yaml'), `groups:\n  - name: dashboards-test\n    rules:\n      - alert: ${ALERT}\n        expr: sum(up{job="braid"}) > 0\n        labels:\n          severity: info\n        annotations:\n          summary: Fires as soon as Braid has scraped itself.\n`);
    const base = testConfig({
      queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
      storage: { elasticsearch: { url: esUrl, index_prefix: prefix } },
    });
    braid = await startTestBraid({
      ...base,
      receivers: { ...base.receivers, prometheus: { enabled: true, config_file: join(dir, 'scrape.yml') } },
      admin: { endpoint: `127.0.0.1:${adminPort}` },
      ingest: { flush_interval: '1s' },
      alerting: { rule_files: [join(root, 'alerts/*.yaml'), join(dir, 'quick.yaml')], evaluation_interval: '1s' },
    });
    await braid.headReady;
    const provisioning = existsSync(PROVISIONING) ? PROVISIONING : join(root, 'test/fixtures/grafana/datasources.yaml');
    datasources = await loadDatasources(provisioning, { BRAID_QUERY_URL: braid.addresses.query!, BRAID_ELASTICSEARCH_URL: esUrl });
    // The one change to the provisioned sources: this run's logs live under its own index prefix.
    const logs = datasources.find((d) => d.type === 'elasticsearch');
    expect(logs?.jsonData.index).toBe('braid-logs-*');
    logs!.jsonData.index = `${prefix}-logs-*`;

    // The quick alert fires once Braid has scraped itself.
    await eventually(async () => ((await prom(`ALERTS{alertname="${ALERT}", alertstate="firing"}`)).length > 0 ? true : undefined), 60_000, 'the quick alert to fire');
    const firedBy = Date.now();

    // Rounds over ~12 s, so rates have several samples; one failing request, one refused request.
    const otlp = braid.addresses.otlpHttp!;
    await sendRefused(otlp);
    for (let round = 0; round < 4; round++) {
      await seedHttp(otlp, 5, round === 0);
      await seedGrpc(braid.addresses.otlpGrpc!, 3);
      await new Promise((r) => setTimeout(r, 3_000));
    }
    await eventually(async () => ((await prom('sum by (service_name) (traces_span_metrics_calls_total)')).length >= SEED_SERVICES.length ? true : undefined), 60_000, 'span metrics of every service');
    // Grafana aligns a range query's end down to the step (15 s for an hour on a 15 s scrape
    // interval): rates must already have two samples in the minute before that aligned instant.
    await eventually(async () => {
      const aligned = Math.floor(Date.now() / 15_000) * 15;
      const res = await fetch(`${braid.addresses.query}/prometheus/api/v1/query?time=${aligned}&query=${encodeURIComponent('sum(rate(traces_span_metrics_calls_total[1m])) and sum(rate(braid_receiver_accepted_spans_total[1m]))')}`);
      return ((await res.json()) as PromAnswer).data.result.length > 0 ? true : undefined;
    }, 60_000, 'rates at the last 15 s step');
    await eventually(async () => ((await prom('braid_receiver_refused_requests_total')).length > 0 ? true : undefined), 60_000, 'the refused request in the scraped self-metrics');
    await eventually(async () => {
      const res = await fetch(`${esUrl}/${prefix}-logs-*/_count`);
      return res.status === 200 && ((await res.json()) as { count: number }).count >= 40 ? true : undefined;
    }, 60_000, 'the logs in Elasticsearch');
    await eventually(async () => {
      const res = await fetch(`${braid.addresses.query}/api/dependencies?endTs=${Date.now()}&lookback=600000`);
      return ((await res.json()) as { data: unknown[] }).data.length >= 2 ? true : undefined;
    }, 60_000, 'the service graph');
    // The alerts annotation (step 60s) aligns its range to whole minutes: its last step must come
    // after the alert fired, or Grafana draws no event yet.
    const lastStepAfterAlert = Math.ceil(firedBy / 60_000) * 60_000 + 1_000;
    await new Promise((r) => setTimeout(r, Math.max(0, lastStepAfterAlert - Date.now())));
  }, 180_000);

  afterAll(async () => {
    await braid?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    const cat = await fetch(`${esUrl}/_cat/indices/${prefix}-*?format=json`).catch(() => undefined);
    const names = cat?.ok ? ((await cat.json()) as Array<{ index: string }>).map((i) => i.index) : [];
    if (names.length > 0) await fetch(`${esUrl}/${names.join(',')}`, { method: 'DELETE' });
  });

  it('passes the health checks Grafana runs on each provisioned data source', async () => {
    const results = await healthChecks(datasources, sendRequest);
    expect(results.map((r) => r.datasource).sort()).toEqual(expect.arrayContaining(['braid-jaeger', 'braid-logs', 'braid-prometheus']));
    const failed = results.filter((r) => !r.ok).map((r) => `${r.datasource} ${r.check}: ${r.problem}\n  ${r.exchange.request.method} ${r.exchange.request.url}\n  ${r.exchange.status} ${JSON.stringify(r.exchange.body).slice(0, 800)}`);
    expect(failed).toEqual([]);
  });

  it('has the dashboards the contract names', () => {
    expect(DASHBOARDS.filter((d) => !existsSync(join(root, 'dashboards', `${d}.json`)))).toEqual([]);
    expect(existsSync(PROVISIONING)).toBe(true);
  });

  it('fails a panel whose query finds nothing (the check can fail)', async () => {
    const target = (uid: string, t: Record<string, unknown>) => ({ refId: 'A', datasource: { uid }, ...t });
    const dash: DashboardJson = {
      uid: 'negative', time: { from: 'now-15m', to: 'now' },
      panels: [
        { type: 'timeseries', title: 'No such metric', gridPos: { w: 12, h: 8, x: 0, y: 0 }, targets: [target('braid-prometheus', { expr: 'rate(braid_no_such_metric_total[$__rate_interval])', exemplar: true })] },
        { type: 'table', title: 'No such service', gridPos: { w: 12, h: 8, x: 12, y: 0 }, targets: [target('braid-jaeger', { queryType: 'search', service: 'no-such-service', limit: 20 })] },
        { type: 'logs', title: 'No such log', gridPos: { w: 24, h: 8, x: 0, y: 8 }, targets: [target('braid-logs', { query: 'message:"no such line"', metrics: [{ id: '1', type: 'logs' }], bucketAggs: [] })] },
      ],
    };
    const result = await emulateDashboard(dash, { datasources });
    expect(result.targets.map((t) => [t.panel, t.kind, t.hasData, t.problem])).toEqual([
      ['No such metric', 'prometheus query_range', false, 'empty result'],
      ['No such metric', 'prometheus query_exemplars', false, 'empty result'],
      ['No such service', 'jaeger', false, 'no traces / no dependencies'],
      ['No such log', 'elasticsearch', false, 'no hits'],
    ]);
  });

  for (const name of [...DASHBOARDS, 'fixture']) {
    it(`every panel target of ${name} returns data`, async () => {
      const file = name === 'fixture' ? FIXTURE : join(root, 'dashboards', `${name}.json`);
      if (!existsSync(file)) throw new Error(`${file} does not exist yet`);
      const dash = JSON.parse(await readFile(file, 'utf8')) as DashboardJson;
      // As a user refreshing the dashboard: series born late (first scrape of a counter, the first
      // flush of a derived series) get a few more seconds; a query that stays empty fails.
      const deadline = Date.now() + 30_000;
      let result = await emulateDashboard(dash, { datasources });
      while (result.targets.some((t) => !t.hasData) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 3_000));
        result = await emulateDashboard(dash, { datasources });
      }
      expect(result.targets.length).toBeGreaterThan(0);
      expect(result.variables.filter((v) => v.options.length === 0).map((v) => `variable ${v.name} has no options`)).toEqual([]);
      expect(result.targets.filter((t) => !t.hasData).map((t) => describeResult(t))).toEqual([]);
    });
  }
});
