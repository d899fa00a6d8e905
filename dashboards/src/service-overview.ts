/**
 * Service overview: rate, errors and duration (RED) per service and operation from the series
 * Braid derives from spans (traces_span_metrics_*, named as the OTel Collector's spanmetrics
 * connector names them), with exemplars linking latency points to their traces, and the log volume
 * per level from braid_log_records_total.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { PROMETHEUS } from './datasources.js';
import { DASHBOARDS, SERVICE, finish, newDashboard, operationVariable, serviceVariable } from './common.js';
import { prom, promTable, row, series, single, thresholds } from './panels.js';

/** Requests a service answers: its server and consumer spans (client and internal spans would count each request again). */
const SERVED = `${SERVICE}, span_kind=~"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER"`;
/** Every span of the selected services and operations. */
const OPERATION = `${SERVICE}, span_name=~"$operation"`;
const RATE = '[$__rate_interval]';

const calls = (sel: string, by: string) => `sum by (${by}) (rate(traces_span_metrics_calls_total{${sel}}${RATE}))`;

/**
 * Error ratio by `by`: failing over all calls; a group without failures is 0, not absent
 * (`or` the zeroed total), so a healthy service still shows a line.
 */
function errorRatio(sel: string, by: string, window = RATE): string {
  const total = `sum by (${by}) (rate(traces_span_metrics_calls_total{${sel}}${window}))`;
  const failed = `sum by (${by}) (rate(traces_span_metrics_calls_total{${sel}, status_code="STATUS_CODE_ERROR"}${window}))`;
  return `(${failed} or ${total} * 0) / ${total}`;
}

const quantile = (q: number, sel: string, by: string, window = RATE) =>
  `histogram_quantile(${q}, sum by (${by}) (rate(traces_span_metrics_duration_seconds_bucket{${sel}}${window})))`;

/** Opens the Traces and logs dashboard on the service of the clicked series. */
const toTraces = new dashboard.DashboardLinkBuilder('Traces and logs of ${__field.labels.service_name}')
  .url(`/d/${DASHBOARDS.tracesLogs.uid}?var-service=\${__field.labels.service_name}&\${__url_time_range}`);

/** The Service overview dashboard. */
export function serviceOverview(): Dashboard {
  const b = newDashboard(DASHBOARDS.serviceOverview, 'Rate, errors and duration per service and operation, from the series Braid derives from spans; log volume per level.')
    .withVariable(serviceVariable(true))
    .withVariable(operationVariable())
    .withRow(row('Requests served by $service (server and consumer spans)'))
    .withPanel(single({ title: 'Request rate', description: 'Server and consumer spans per second of the selected services, over the rate interval.', w: 6, h: 4 }, 'reqps',
      [prom(`sum(rate(traces_span_metrics_calls_total{${SERVED}}${RATE}))`, 'requests/s')]))
    .withPanel(single({ title: 'Error ratio', description: 'Share of the served requests whose span ended with status ERROR.', w: 6, h: 4 }, 'percentunit',
      [prom(`(sum(rate(traces_span_metrics_calls_total{${SERVED}, status_code="STATUS_CODE_ERROR"}${RATE})) or vector(0)) / sum(rate(traces_span_metrics_calls_total{${SERVED}}${RATE}))`, 'error ratio')],
      thresholds(0.05, 0.01)))
    .withPanel(single({ title: 'p95 latency', description: '95th percentile of the served requests\' durations (span durations, histogram buckets).', w: 6, h: 4 }, 's',
      [prom(quantile(0.95, SERVED, 'le'), 'p95')], thresholds(1, 0.5)))
    .withPanel(single({ title: 'Requests in range', description: 'Served requests over the whole time range ($__range).', w: 6, h: 4 }, 'short',
      [prom(`sum(increase(traces_span_metrics_calls_total{${SERVED}}[$__range]))`, 'requests')]))
    .withPanel(series({ title: 'Request rate by service', description: 'Served requests per second, per service. Click a line to open its traces and logs.', w: 8, h: 8 }, 'reqps',
      [prom(calls(SERVED, 'service_name'), '{{service_name}}')]).dataLinks([toTraces]))
    .withPanel(series({ title: 'Error ratio by service', description: 'Share of each service\'s served requests that ended with status ERROR (0 when none failed). The alert BraidServiceErrorRatioHigh fires above 5%.', w: 8, h: 8 }, 'percentunit',
      [prom(errorRatio(SERVED, 'service_name'), '{{service_name}}')]).max(1).dataLinks([toTraces]))
    .withPanel(series({ title: 'Latency percentiles', description: 'p50, p95 and p99 of the served requests\' durations. Exemplars (dots) link to the trace of a request in that bucket.', w: 8, h: 8 }, 's',
      [0.5, 0.95, 0.99].map((q) => prom(quantile(q, SERVED, 'le'), `p${Math.round(q * 100)}`).exemplar(true))))
    .withRow(row('Operations of $service'))
    .withPanel(series({ title: 'Rate by operation', description: 'Spans per second by service, operation (span name) and span kind, all kinds included.', w: 12, h: 8 }, 'reqps',
      [prom(calls(OPERATION, 'service_name, span_name, span_kind'), '{{service_name}} {{span_name}} ({{span_kind}})')]))
    .withPanel(series({ title: 'p99 latency by operation', description: '99th percentile of span durations by service and operation. Exemplars link to traces.', w: 12, h: 8 }, 's',
      [prom(quantile(0.99, OPERATION, 'service_name, span_name, le'), '{{service_name}} {{span_name}}').exemplar(true)]))
    .withPanel(operationsTable())
    .withPanel(latencyHeatmap())
    .withRow(row('Logs of $service'))
    .withPanel(series({ title: 'Log records by level', description: 'Log records per second by severity text, from braid_log_records_total (counted by the ingester for every log record it stores).', w: 24, h: 8 }, 'cps',
      [prom(`sum by (severity_text) (rate(braid_log_records_total{${SERVICE}}${RATE}))`, '{{severity_text}}')]));
  return finish(b);
}

/** RED per operation over the whole time range, one row per service and operation. */
function operationsTable(): table.PanelBuilder {
  const by = 'service_name, span_name';
  return new table.PanelBuilder()
    .title('Operations').description('Per service and operation over the whole time range: requests per second, error ratio and p95 latency (all span kinds).')
    .span(12).height(8).unit('short').datasource(PROMETHEUS)
    .targets([
      promTable(`sum by (${by}) (rate(traces_span_metrics_calls_total{${OPERATION}}[$__range]))`),
      promTable(errorRatio(OPERATION, by, '[$__range]')),
      promTable(quantile(0.95, OPERATION, `${by}, le`, '[$__range]')),
    ])
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'req/s', 'Value #B': 'error ratio', 'Value #C': 'p95 (s)', service_name: 'service', span_name: 'operation' } } })
    .overrideByName('error ratio', [{ id: 'unit', value: 'percentunit' }])
    .overrideByName('p95 (s)', [{ id: 'unit', value: 's' }])
    .overrideByName('req/s', [{ id: 'unit', value: 'reqps' }]);
}

/** Span durations as a heatmap of bucket rates, with exemplars. */
function latencyHeatmap(): heatmap.PanelBuilder {
  return new heatmap.PanelBuilder()
    .title('Latency distribution').description('Served requests per duration bucket over time (traces_span_metrics_duration_seconds_bucket). Exemplars link to traces.')
    .span(12).height(8).unit('reqps').calculate(false)
    .datasource(PROMETHEUS).yAxis(new heatmap.YAxisConfigBuilder().unit('s'))
    .withTarget(prom(`sum by (le) (rate(traces_span_metrics_duration_seconds_bucket{${SERVED}}${RATE}))`, '{{le}}')
      .format(prometheus.PromQueryFormat.Heatmap).exemplar(true));
}
