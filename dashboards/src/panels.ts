/**
 * Panel and query helpers shared by the four dashboards: every panel gets its data source, a
 * title, a description and a unit here, so no dashboard can forget them.
 */
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as es from '@grafana/grafana-foundation-sdk/elasticsearch';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { LOGS, PROMETHEUS, PROMETHEUS_NAME } from './datasources.js';

/** Size of a panel on Grafana's 24-column grid. */
export interface Size {
  w: number;
  h: number;
}

/** What every panel states: title, description, size. */
export interface PanelText extends Size {
  title: string;
  description: string;
}

/** A Prometheus range query on braid-prometheus; `legend` is Grafana's legend format. */
export function prom(expr: string, legend: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(expr).legendFormat(legend).range().editorMode(prometheus.QueryEditorMode.Code);
}

/** A Prometheus instant query returning a table (one row per series). */
export function promTable(expr: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(PROMETHEUS).expr(expr).instant().format(prometheus.PromQueryFormat.Table).legendFormat('__auto').editorMode(prometheus.QueryEditorMode.Code);
}

/** A time series panel. */
export function series(p: PanelText, unit: string, targets: Builder<Dataquery>[]): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(p.title).description(p.description).span(p.w).height(p.h)
    .unit(unit).min(0).fillOpacity(10).lineWidth(1)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .datasource(datasourceOf(targets)).targets(targets);
}

/** Threshold steps: green, orange from `warn`, red from `red` (each when given). */
export function thresholds(red: number | undefined, warn?: number): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [{ value: null, color: 'green' }];
  if (warn !== undefined) steps.push({ value: warn, color: 'orange' });
  if (red !== undefined) steps.push({ value: red, color: 'red' });
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** A single-value panel showing the last value of each series. */
export function single(p: PanelText, unit: string, targets: Builder<Dataquery>[], limits?: dashboard.ThresholdsConfigBuilder): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(p.title).description(p.description).span(p.w).height(p.h).unit(unit)
    .graphMode(common.BigValueGraphMode.Area).colorMode(common.BigValueColorMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(limits ?? new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps([{ value: null, color: 'green' }]))
    .datasource(datasourceOf(targets)).targets(targets);
}

/** The data source of a panel: that of its targets (the helpers never mix two in a panel). */
function datasourceOf(targets: Builder<Dataquery>[]): dashboard.DataSourceRef {
  const first = targets[0]?.build() as { datasource?: dashboard.DataSourceRef } | undefined;
  return first?.datasource ?? PROMETHEUS;
}

/** Grafana's Elasticsearch `count` metric (the SDK's builder leaves its type "unknown"). */
class CountMetric extends es.CountBuilder {
  constructor(id: string) {
    super();
    (this.internal as { type: string }).type = 'count';
    this.internal.id = id;
  }
}

/** Grafana's Elasticsearch `logs` metric (the SDK's builder leaves its type "unknown"). */
class LogsMetric extends es.LogsBuilder {
  constructor(id: string, limit: number) {
    super();
    (this.internal as { type: string }).type = 'logs';
    this.internal.id = id;
    this.internal.settings = { limit: String(limit) };
  }
}

/** An Elasticsearch logs query (raw log lines, newest first) on braid-logs; `query` is Lucene. */
export function esLogs(query: string, limit: number): es.DataqueryBuilder {
  return new es.DataqueryBuilder().datasource(LOGS).query(query).timeField('@timestamp').metrics([new LogsMetric('1', limit)]).bucketAggs([]);
}

/** An Elasticsearch count over time on braid-logs, split by `termsField` when given. */
export function esCount(query: string, alias: string, termsField?: string): es.DataqueryBuilder {
  const histogram = new es.DateHistogramBuilder().id('2').field('@timestamp').settings({ interval: 'auto', min_doc_count: '0', trimEdges: '0' });
  const buckets: Builder<es.BucketAggregation>[] = [];
  if (termsField !== undefined) {
    buckets.push(new es.TermsBuilder().id('3').field(termsField).settings({ size: '10', order: es.TermsOrder.Desc, orderBy: '_count', min_doc_count: '1' }));
  }
  buckets.push(histogram);
  return new es.DataqueryBuilder().datasource(LOGS).query(query).alias(alias).timeField('@timestamp').metrics([new CountMetric('1')]).bucketAggs(buckets);
}

/** Options of Grafana's alert list panel (public/app/plugins/panel/alertlist/types.ts, 11.6). */
export interface AlertListOptions {
  viewMode: 'list' | 'stat';
  groupMode: 'default' | 'custom';
  groupBy: string[];
  maxItems: number;
  sortOrder: number;
  dashboardAlerts: boolean;
  alertName: string;
  alertInstanceLabelFilter: string;
  datasource: string;
  showInstances: boolean;
  stateFilter: { firing: boolean; pending: boolean; noData: boolean; normal: boolean; error: boolean };
}

/** Grafana's alert list panel, which the SDK has no builder for; it has no targets. */
export class AlertListPanelBuilder extends dashboard.PanelBuilder {
  constructor(p: PanelText) {
    super();
    this.internal.type = 'alertlist';
    this.title(p.title).description(p.description).span(p.w).height(p.h);
    const options: AlertListOptions = {
      viewMode: 'list', groupMode: 'default', groupBy: [], maxItems: 20, sortOrder: 3 /* importance */, dashboardAlerts: false,
      alertName: '', alertInstanceLabelFilter: '', datasource: PROMETHEUS_NAME, showInstances: true,
      stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true },
    };
    this.internal.options = options;
  }
}

/** A section heading across the grid. */
export const row = (title: string): dashboard.RowBuilder => new dashboard.RowBuilder(title);
