/**
 * Pipeline health: Braid's own metrics (scraped by the `braid` job from its admin endpoint) along
 * the data's way: receivers, Kafka, Elasticsearch, scraping, the head, derived series and rules.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { DASHBOARDS, finish, jobVariable, newDashboard } from './common.js';
import { PROMETHEUS } from './datasources.js';
import { prom, row, series, single, thresholds } from './panels.js';

const JOB = 'job=~"$job"';
const RATE = '[$__rate_interval]';

const rate = (metric: string, by: string, sel = JOB) => `sum by (${by}) (rate(${metric}{${sel}}${RATE}))`;

/**
 * `rate(metric)` by `by`, or 0 for each group that `present` has: a labelled counter that has not
 * counted yet has no series. The zeros come from `present`'s current value, which exists from its
 * first sample on (a rate needs two).
 */
const rateOrZero = (metric: string, by: string, present: string) => `(${rate(metric, by)} or sum by (${by}) (${present}{${JOB}}) * 0)`;

/**
 * Received, accepted and rejected items per receiver (the `transport` label). Received is
 * accepted + rejected; either counter appears only once incremented, hence the zero fill.
 */
function receiverTargets(kind: 'spans' | 'log_records' | 'metric_points') {
  const accepted = `braid_receiver_accepted_${kind}_total`;
  const rejected = `braid_receiver_rejected_${kind}_total`;
  return [
    prom(`${rateOrZero(accepted, 'transport', rejected)} + ${rateOrZero(rejected, 'transport', accepted)}`, '{{transport}} received'),
    prom(rate(accepted, 'transport'), '{{transport}} accepted'),
    prom(rateOrZero(rejected, 'transport', accepted), '{{transport}} rejected'),
  ];
}

/** A count over the whole time range that reads 0, not "No data", while nothing happened. */
const inRange = (metric: string) => `sum(increase(${metric}{${JOB}}[$__range])) or vector(0)`;

/** The Pipeline health dashboard. */
export function pipelineHealth(): Dashboard {
  const b = newDashboard(DASHBOARDS.pipelineHealth, 'Braid\'s own health along the pipeline: receivers, Kafka, Elasticsearch, scraping, the in-memory head, derived series and rules (self-metrics of the braid scrape job).')
    .withVariable(jobVariable())
    .withRow(row('Receivers'))
    .withPanel(series({ title: 'Spans in, per receiver', description: 'Spans per second by receiver (transport): received = accepted (in the queue) + rejected as invalid (OTLP partial success; Zipkin refuses the request).', w: 8, h: 8 }, 'cps', receiverTargets('spans')))
    .withPanel(series({ title: 'Log records in, per receiver', description: 'Log records per second by receiver: received = accepted + rejected (invalid records, bad NDJSON lines).', w: 8, h: 8 }, 'cps', receiverTargets('log_records')))
    .withPanel(series({ title: 'Metric points in, per receiver', description: 'OTLP data points and remote-write samples per second by receiver: received = accepted + rejected.', w: 8, h: 8 }, 'cps', receiverTargets('metric_points')))
    .withPanel(series({ title: 'Refused requests', description: 'Requests answered with an error, by receiver and error code (BRAID_ERR_*): 400 for bad bodies, 429/503 when the queue is full or Kafka or Elasticsearch cannot be reached (BraidReceiversRefusing).', w: 16, h: 8 }, 'reqps',
      [prom(rate('braid_receiver_refused_requests_total', 'transport, code'), '{{transport}} {{code}}')]))
    .withPanel(new bargauge.PanelBuilder()
      .title('Accepted in range, per receiver').description('Spans, log records and metric points each receiver accepted over the whole time range.')
      .span(8).height(8).unit('short').datasource(PROMETHEUS).min(0)
      .displayMode(common.BarGaugeDisplayMode.Gradient).orientation(common.VizOrientation.Horizontal)
      .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
      .targets((['spans', 'log_records', 'metric_points'] as const).map((k) =>
        prom(`sum by (transport) (increase(braid_receiver_accepted_${k}_total{${JOB}}[$__range]))`, `{{transport}} ${k.replace('_', ' ')}`).instant())))
    .withRow(row('Kafka'))
    .withPanel(series({ title: 'Records produced', description: 'Records the queue acknowledged per topic, and failed produce calls per topic (unavailable, full, too_large; 0 while none failed).', w: 8, h: 8 }, 'cps',
      [prom(rate('braid_queue_records_produced_total', 'topic'), '{{topic}}'), prom(rateOrZero('braid_queue_produce_failures_total', 'topic', 'braid_queue_records_produced_total'), '{{topic}} failed')]))
    .withPanel(series({ title: 'Records consumed', description: 'Records the consumers handled and committed per topic, and batches delivered again after a failed handler.', w: 8, h: 8 }, 'cps',
      [prom(rate('braid_queue_records_consumed_total', 'topic'), '{{topic}}'), prom(rateOrZero('braid_queue_batch_retries_total', 'topic', 'braid_queue_records_consumed_total'), '{{topic}} batch retries')]))
    .withPanel(series({ title: 'Consumer lag', description: 'Records of each topic not yet committed by the ingesters\' consumer group (end offset minus committed offset; every collector and ingester reports it: max per partition). BraidIngestFallingBehind fires above 1000 for 10 minutes.', w: 8, h: 8 }, 'short',
      [prom(`sum by (topic) (max by (topic, partition) (braid_queue_consumer_lag_records{${JOB}}))`, '{{topic}}')]))
    .withRow(row('Elasticsearch'))
    .withPanel(series({ title: 'Bulk write latency', description: 'Duration of one store write (a bulk request), p50 and p99 (braid_ingest_write_duration_seconds).', w: 8, h: 8 }, 's',
      [0.5, 0.99].map((q) => prom(`histogram_quantile(${q}, sum by (le) (rate(braid_ingest_write_duration_seconds_bucket{${JOB}}${RATE})))`, `p${Math.round(q * 100)}`))))
    .withPanel(series({ title: 'Documents stored', description: 'Spans, log records and metric samples Elasticsearch acknowledged per second, and bulk writes retried after a transient failure (429, 5xx, timeout).', w: 8, h: 8 }, 'cps',
      [prom(rate('braid_ingest_spans_total', 'job'), 'spans'), prom(rate('braid_ingest_log_records_total', 'job'), 'log records'),
        prom(rate('braid_ingest_samples_total', 'job'), 'samples'), prom(rate('braid_ingest_write_retries_total', 'job'), 'write retries')]))
    .withPanel(single({ title: 'Documents rejected', description: 'Documents Elasticsearch refused for good over the time range (they go to the dead-letter topic). BraidElasticsearchRejecting fires on any.', w: 4, h: 8 }, 'short',
      [prom(inRange('braid_ingest_documents_rejected_total'), 'rejected')], thresholds(1)))
    .withPanel(single({ title: 'Dead letters', description: 'Records put on the dead-letter topic over the time range (undecodable, or refused by Elasticsearch); the reason is in their headers. BraidDeadLetters fires on any.', w: 4, h: 8 }, 'short',
      [prom(inRange('braid_queue_dead_letters_total'), 'dead letters')], thresholds(1)))
    .withRow(row('Scraping'))
    .withPanel(single({ title: 'Targets up', description: 'Scrape targets whose last scrape succeeded (up == 1).', w: 4, h: 8 }, 'short',
      [prom(`sum(up{${JOB}})`, 'up')]))
    .withPanel(single({ title: 'Targets down', description: 'Scrape targets whose last scrape failed (up == 0). BraidScrapeTargetDown fires after 5 minutes.', w: 4, h: 8 }, 'short',
      [prom(`count(up{${JOB}} == 0) or vector(0)`, 'down')], thresholds(1)))
    .withPanel(series({ title: 'Scrape duration', description: 'How long each target\'s scrape took (scrape_duration_seconds).', w: 8, h: 8 }, 's',
      [prom(`max by (job, instance) (scrape_duration_seconds{${JOB}})`, '{{job}} {{instance}}')]))
    .withPanel(series({ title: 'Samples scraped', description: 'Samples each target exposed at its last scrape (scrape_samples_scraped).', w: 8, h: 8 }, 'short',
      [prom(`sum by (job, instance) (scrape_samples_scraped{${JOB}})`, '{{job}} {{instance}}')]))
    .withRow(row('Head, derived series and rules'))
    .withPanel(series({ title: 'Head memory', description: 'Bytes the in-memory head accounts for (chunks, labels, index), bounded by head.max_bytes.', w: 6, h: 8 }, 'bytes',
      [prom(`sum by (instance) (braid_head_bytes{${JOB}})`, '{{instance}}')]))
    .withPanel(series({ title: 'Head series', description: 'Series held by the head, and new series refused per second because the head was at head.max_bytes.', w: 6, h: 8 }, 'short',
      [prom(`sum by (instance) (braid_head_series{${JOB}})`, '{{instance}}'), prom(rate('braid_head_series_refused_total', 'instance'), '{{instance}} refused/s')]))
    .withPanel(series({ title: 'Derived series', description: 'Span- and log-derived series the ingesters hold (bounded by ingest.max_series), and spans or log records not counted per second because a new series would pass it.', w: 6, h: 8 }, 'short',
      [prom(`sum by (instance) (braid_derived_series{${JOB}})`, '{{instance}}'), prom(rateOrZero('braid_derived_series_dropped_total', 'kind', 'braid_derived_records_counted_total'), '{{kind}} dropped/s')]))
    .withPanel(series({ title: 'Rule evaluation failures', description: 'Failed rule evaluations per second by rule group (0 while a group evaluates cleanly).', w: 6, h: 8 }, 'ops',
      [prom(rateOrZero('braid_rule_evaluation_failures_total', 'rule_group', 'braid_rule_evaluations_total'), '{{rule_group}}')]));
  return finish(b);
}
