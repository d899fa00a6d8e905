/**
 * Traces and logs: trace search through Braid's Jaeger API, the service graph, and the service's
 * log lines from Elasticsearch, each linking to its trace by `trace.id` (the data link is set on
 * the braid-logs data source).
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as logs from '@grafana/grafana-foundation-sdk/logs';
import * as table from '@grafana/grafana-foundation-sdk/table';
import { DASHBOARDS, finish, newDashboard, serviceVariable } from './common.js';
import { JAEGER, LOGS } from './datasources.js';
import { JaegerQueryBuilder, type JaegerQueryFields } from './jaeger.js';
import { esCount, esLogs, row, series, type PanelText } from './panels.js';

/** Lucene: the log documents of the selected service. */
const SERVICE_LOGS = 'service.name:"$service"';

/** The Traces and logs dashboard. */
export function tracesLogs(): Dashboard {
  const b = newDashboard(DASHBOARDS.tracesLogs, 'Trace search and the service graph through Braid\'s Jaeger API; the service\'s logs from Elasticsearch, linked to their traces by trace.id.')
    .withVariable(serviceVariable(false))
    .withRow(row('Traces of $service'))
    .withPanel(jaegerTable({ title: 'Recent traces', description: 'The newest traces with a span of $service in the time range (Jaeger search, at most 20). Click a trace ID to open the trace view.', w: 12, h: 10 },
      { queryType: 'search', service: '$service', limit: 20 }))
    .withPanel(jaegerTable({ title: 'Traces with errors', description: 'The newest traces of $service with a span whose status is ERROR (Jaeger tag error=true, at most 20).', w: 12, h: 10 },
      { queryType: 'search', service: '$service', tags: 'error=true', limit: 20 }))
    .withRow(row('Logs of $service'))
    .withPanel(new logs.PanelBuilder()
      .title('Log lines').description('Log records of $service, newest first (index braid-logs-*). Lines carrying a trace.id link to their trace in the Jaeger data source.')
      .span(24).height(12).datasource(LOGS)
      .showTime(true).wrapLogMessage(true).enableLogDetails(true).prettifyLogMessage(false).showLabels(false).showCommonLabels(false)
      .sortOrder(common.LogsSortOrder.Descending).dedupStrategy(common.LogsDedupStrategy.None)
      .withTarget(esLogs(SERVICE_LOGS, 500)))
    .withPanel(series({ title: 'Log records by level', description: 'Log records of $service per time bucket, by log.level (Elasticsearch count, date histogram on @timestamp).', w: 12, h: 8 }, 'short',
      [esCount(SERVICE_LOGS, '{{term log.level}}', 'log.level')]).drawStyle(common.GraphDrawStyle.Bars).fillOpacity(60)
      .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal)))
    .withPanel(jaegerTable({ title: 'Service dependencies', description: 'Calls between services (parent -> child) in the time range, from the service edges the ingester derives (Jaeger dependencies API; Grafana draws it as a node graph in Explore).', w: 12, h: 8 },
      { queryType: 'dependencyGraph' }).frameIndex(1));
  return finish(b);
}

function jaegerTable(p: PanelText, query: JaegerQueryFields): table.PanelBuilder {
  return new table.PanelBuilder().title(p.title).description(p.description).span(p.w).height(p.h)
    .datasource(JAEGER).unit('short').cellHeight(common.TableCellHeight.Sm)
    .withTarget(new JaegerQueryBuilder(query));
}
