import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDashboards, DASHBOARDS_DIR, render, staleFiles } from '../../dashboards/src/generate.js';
import { exportedMetrics } from './exported-metrics.js';
import { datasourceProblems, gridProblems, jaegerProblems, metricProblems, textProblems, variableProblems, type DashboardJson, type Provisioned } from './invariants.js';

const dashboards = buildDashboards() as Record<string, DashboardJson & Record<string, unknown>>;
const provisioning = (path: string) => parse(readFileSync(join(DASHBOARDS_DIR, 'provisioning', path), 'utf8')) as Record<string, unknown>;
const datasources = (provisioning('datasources/braid.yaml').datasources ?? []) as (Provisioned & { url: string; jsonData: Record<string, unknown> })[];
const exported = exportedMetrics();

describe('generated dashboards', () => {
  it('are the four of the issue, each committed as generated', () => {
    expect(Object.keys(dashboards).sort()).toEqual(['braid-alerts.json', 'braid-pipeline-health.json', 'braid-service-overview.json', 'braid-traces-logs.json']);
    for (const [file, d] of Object.entries(dashboards)) {
      const committed = readFileSync(join(DASHBOARDS_DIR, file), 'utf8');
      expect(committed === render(d), `dashboards/${file} differs from what dashboards/src generates: run npm run dashboards`).toBe(true);
    }
    expect(staleFiles()).toEqual([]);
  });

  it('leave no JSON in dashboards/ that the generator does not write', () => {
    const onDisk = readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(onDisk).toEqual(Object.keys(dashboards).sort());
  });

  it('share uid = file name, the braid tag, a 30 s refresh and the last hour', () => {
    for (const [file, d] of Object.entries(dashboards)) {
      expect({ uid: d.uid, tags: d.tags, refresh: d.refresh, time: d.time }, file).toEqual({ uid: file.replace(/\.json$/, ''), tags: ['braid'], refresh: '30s', time: { from: 'now-1h', to: 'now' } });
      expect(d.links, file).toEqual([expect.objectContaining({ type: 'dashboards', tags: ['braid'], includeVars: true, keepTime: true })]);
    }
  });

  it.each(Object.keys(dashboards))('%s: targets use provisioned data sources, defined variables, exported metrics; panels fit the grid', (file) => {
    const d = dashboards[file]!;
    expect(datasourceProblems(file, d, datasources)).toEqual([]);
    expect(variableProblems(file, d)).toEqual([]);
    expect(gridProblems(file, d)).toEqual([]);
    expect(textProblems(file, d)).toEqual([]);
    expect(metricProblems(file, d, exported)).toEqual([]);
    expect(jaegerProblems(file, d)).toEqual([]);
  });

  it('use every data source, panels of the contract\'s types only, and exemplars on the latency graphs', () => {
    const panels = Object.values(dashboards).flatMap((d) => d.panels ?? []);
    const uids = new Set(panels.flatMap((p) => (p.targets ?? []).map((t) => t.datasource?.uid)));
    expect([...uids].sort()).toEqual(datasources.map((s) => s.uid).sort());
    const allowed = ['row', 'timeseries', 'stat', 'table', 'logs', 'heatmap', 'bargauge', 'alertlist', 'text'];
    expect(panels.filter((p) => !allowed.includes(p.type)).map((p) => `${p.type} ${p.title}`)).toEqual([]);
    const latency = panels.filter((p) => (p.targets ?? []).some((t) => t.expr?.includes('traces_span_metrics_duration_seconds_bucket')));
    expect(latency.filter((p) => ['timeseries', 'heatmap'].includes(p.type) && !(p.targets ?? []).every((t) => t.exemplar === true)).map((p) => p.title)).toEqual([]);
  });
});

describe('invariant checks', () => {
  // A copy of a real dashboard broken in each way the checks look for: each must be reported.
  const broken = (): DashboardJson => JSON.parse(JSON.stringify(dashboards['braid-service-overview.json'])) as DashboardJson;

  it('report an unknown data source, an unknown variable and an unexported metric', () => {
    const d = broken();
    const p = d.panels!.find((x) => x.title === 'Request rate')!;
    p.targets![0]!.datasource = { type: 'prometheus', uid: 'prom-typo' };
    p.targets![0]!.expr = 'sum(rate(braid_made_up_total{env="$env"}[$__rate_interval]))';
    expect(datasourceProblems('x.json', d, datasources)).toEqual(['x.json: panel 2 "Request rate" target A: data source uid "prom-typo" is not provisioned']);
    expect(variableProblems('x.json', d)).toEqual(['x.json: panel 2 "Request rate" target A: $env is neither a variable of the dashboard nor a built-in']);
    expect(metricProblems('x.json', d, exported)).toEqual(['x.json: panel 2 "Request rate" target A: braid_made_up_total is not a metric Braid exports']);
  });

  it('check the annotation queries too', () => {
    const d = broken();
    const alerts = d.annotations!.list!.find((a) => a.name === 'Firing alerts')!;
    alerts.datasource = { type: 'prometheus', uid: 'nope' };
    alerts.expr = 'ALERTZ{alertstate="$state"}';
    expect([...datasourceProblems('x.json', d, datasources), ...variableProblems('x.json', d), ...metricProblems('x.json', d, exported)]).toEqual([
      'x.json: annotation Firing alerts: data source uid "nope" is not provisioned',
      'x.json: annotation Firing alerts: $state is neither a variable of the dashboard nor a built-in',
      'x.json: annotation Firing alerts: ALERTZ is not a metric Braid exports',
    ]);
  });

  it('report an expression Braid cannot parse', () => {
    const d = broken();
    d.panels!.find((x) => x.title === 'Request rate')!.targets![0]!.expr = 'sum(rate(up[5m])';
    expect(metricProblems('x.json', d, exported)).toHaveLength(1);
    expect(metricProblems('x.json', d, exported)[0]).toMatch(/^x\.json: panel 2 "Request rate" target A: .+ in sum\(rate\(up\[5m\]\)$/);
  });

  it('report a Jaeger search on a multi-valued variable', () => {
    const d = JSON.parse(JSON.stringify(dashboards['braid-traces-logs.json'])) as DashboardJson;
    const service = d.templating!.list!.find((v) => v.name === 'service') as { multi?: boolean };
    service.multi = true;
    expect(jaegerProblems('x.json', d)).toEqual([
      'x.json: panel 2 "Recent traces" target A: $service is multi-valued or has All; a Jaeger search takes one value',
      'x.json: panel 3 "Traces with errors" target A: $service is multi-valued or has All; a Jaeger search takes one value',
    ]);
  });

  it('report a duplicate id, a panel past column 24 and overlapping panels', () => {
    const d = broken();
    d.panels![2]!.id = 2;
    d.panels![3]!.gridPos = { x: 20, y: 1, w: 6, h: 4 };
    expect(gridProblems('x.json', d)).toEqual([
      'x.json: panel 2 "Error ratio": id 2 used twice',
      'x.json: panel 4 "p95 latency": gridPos {"x":20,"y":1,"w":6,"h":4} does not fit the 24-column grid',
      'x.json: panel 5 "Requests in range" overlaps panel 4 "p95 latency"',
    ]);
  });

  it('find the metrics of Braid\'s own registries, the scraper, the alerter and the derived series', () => {
    for (const name of ['braid_queue_consumer_lag_records', 'braid_ingest_write_duration_seconds_bucket', 'braid_rule_evaluation_duration_seconds', 'up', 'ALERTS', 'traces_span_metrics_duration_seconds_bucket', 'braid_log_records_total']) {
      expect(exported.has(name), name).toBe(true);
    }
    expect(exported.has('braid_ingest_write_duration_seconds')).toBe(false);
  });
});

describe('provisioning', () => {
  it('provides the three data sources of the contract', () => {
    expect(provisioning('datasources/braid.yaml').apiVersion).toBe(1);
    expect(datasources.map((s) => [s.uid, s.type, s.url])).toEqual([
      ['braid-prometheus', 'prometheus', '${BRAID_QUERY_URL}/prometheus'],
      ['braid-jaeger', 'jaeger', '${BRAID_QUERY_URL}'],
      ['braid-logs', 'elasticsearch', '${BRAID_ELASTICSEARCH_URL}'],
    ]);
    const [prom, jaeger, logs] = datasources;
    expect(prom!.jsonData).toMatchObject({ httpMethod: 'POST', timeInterval: '15s', exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: 'braid-jaeger' }] });
    expect(jaeger!.jsonData.tracesToLogsV2).toMatchObject({ datasourceUid: 'braid-logs', filterByTraceID: true, customQuery: true, query: 'trace.id:"$${__span.traceId}"' });
    expect(logs!.jsonData).toMatchObject({ index: 'braid-logs-*', timeField: '@timestamp', logMessageField: 'message', logLevelField: 'log.level',
      dataLinks: [{ field: 'trace.id', url: '$${__value.raw}', datasourceUid: 'braid-jaeger' }] });
  });

  it('loads the dashboards into the Braid folder from the mounted path', () => {
    const p = provisioning('dashboards/braid.yaml');
    expect(p.apiVersion).toBe(1);
    expect(p.providers).toEqual([expect.objectContaining({ type: 'file', folder: 'Braid', options: expect.objectContaining({ path: '/var/lib/grafana/dashboards/braid' }) })]);
  });
});
