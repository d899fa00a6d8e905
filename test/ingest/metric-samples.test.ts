import { describe, expect, it } from 'vitest';
import {
  expUpperBound, groupId, metricSampleGroups, metricSamples, prometheusLabelName, prometheusMetricName, translateMetrics,
} from '../../src/ingest/metric-samples.js';
import {
  DataPointFlags, Temporality, type Exemplar, type ExponentialHistogramDataPoint, type HistogramDataPoint, type Metric, type MetricData, type MetricsData,
  type NumberDataPoint, type SummaryDataPoint,
} from '../../src/model/metrics.js';
import type { Attributes } from '../../src/model/trace.js';
import { decodeRemoteWrite, remoteWriteToOtlp } from '../../src/receivers/prometheus/remote-write.js';
import { MAX_GROUP_SAMPLES, ungroupSamples, type SampleDocument } from '../../src/storage/store.js';

const T = 1_700_000_000_123_456_789n; // 2023-11-14T22:13:20.123456789Z
const ISO = '2023-11-14T22:13:20.123Z';
const MS = 1_700_000_000_123;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

const RESOURCE: Attributes = { 'service.name': 'checkout', 'service.namespace': 'shop', 'service.instance.id': 'pod-1', 'host.name': 'node-7' };
const SCOPE = { name: 'io.opentelemetry.http', version: '1.2.0', attributes: {}, droppedAttributesCount: 0 };
const TARGET = { instance: 'pod-1', job: 'shop/checkout', otel_scope_name: 'io.opentelemetry.http', otel_scope_version: '1.2.0' };

function request(metrics: Metric[], resource: Attributes = RESOURCE, scope = SCOPE): MetricsData {
  return { resourceMetrics: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '', scopeMetrics: [{ scope, schemaUrl: '', metrics }] }] };
}

const metric = (name: string, unit: string, data: MetricData, metadata: Attributes = {}): Metric => ({ name, description: '', unit, data, metadata });
const gauge = (name: string, unit: string, dataPoints: NumberDataPoint[] = []): Metric => metric(name, unit, { type: 'gauge', dataPoints });
const counter = (name: string, unit: string, dataPoints: NumberDataPoint[] = [], temporality: number = Temporality.CUMULATIVE, isMonotonic = true): Metric =>
  metric(name, unit, { type: 'sum', dataPoints, aggregationTemporality: temporality, isMonotonic });

const numberPoint = (value: number | bigint, extra: Partial<NumberDataPoint> = {}): NumberDataPoint => ({
  attributes: {}, startTimeUnixNano: T - 10_000_000_000n, timeUnixNano: T, exemplars: [], flags: 0, value, ...extra,
});
const exemplar = (value: number, at: bigint, extra: Partial<Exemplar> = {}): Exemplar => ({ filteredAttributes: {}, timeUnixNano: at, value, traceId: TRACE, spanId: SPAN, ...extra });

/** The sample expected. */
function doc(name: string, type: string, labels: Record<string, string>, value: number | null, extra: Partial<SampleDocument> = {}): SampleDocument {
  return { '@timestamp': ISO, 'metric.name': name, 'metric.type': type, labels, value, 'service.name': 'checkout', ...extra };
}

describe('prometheusMetricName', () => {
  // The collector's own cases (collector-contrib pkg/translator/prometheus normalize_name_test.go).
  const cases: Array<[string, Metric]> = [
    ['system_filesystem_usage_bytes', gauge('system.filesystem.usage', 'By')],
    ['system_io_bytes_total', counter('system.io', 'By')],
    ['network_transmitted_bytes_total', counter('network_transmitted_bytes_total', 'By')],
    ['system_filesystem_usage_bytes', gauge('\t system.filesystem.usage       ', '  By\t')],
    ['system_network_dropped', gauge('system.network.dropped', '{packets}')],
    ['system_network_dropped_total', counter('system.network.dropped', '{packets}')],
    ['system_network_dropped_packets', gauge('system.network.dropped', 'packets')],
    ['system_network_packets_dropped', gauge('system.network.packets.dropped', 'packets')],
    ['system_network_packets', gauge('system.network.packets', 'packets')],
    ['system_network_packets_dropped_total', counter('system.network.packets.dropped', 'packets')],
    ['hw_gpu_memory_utilization_ratio', gauge('hw.gpu.memory.utilization', '1')],
    ['hw_fan_speed_ratio', gauge('hw.fan.speed_ratio', '1')],
    ['objects_total', counter('objects', '1')],
    ['hw_cpu_speed_limit_hertz', gauge('hw.cpu.speed_limit', 'Hz')],
    ['broken_metric_speed_km_per_hour', gauge('broken.metric.speed', 'km/h')],
    ['astro_light_speed_limit_meters_per_second', gauge('astro.light.speed_limit', 'm/s')],
    ['broken_metric_success_ratio_percent', gauge('broken.metric.success_ratio', '%')],
    ['broken_metric_success_percent', gauge('broken.metric.success_percent', '%')],
    ['crypto_bitcoin_value_dollars', gauge('crypto.bitcoin.value', '$')],
    ['crypto_bitcoin_value_dollars', gauge('crypto.bitcoin.value.dollars', '$')],
    ['test_metric_no_unit', gauge('test.metric.no_unit', '')],
    ['test_metric_spaces', gauge('test.metric.spaces', '   \t  ')],
    ['unsupported_metric_temperature_F', gauge('unsupported.metric.temperature', '°F')],
    ['unsupported_metric_weird', gauge('unsupported.metric.weird', '+=.:,!* & #')],
    ['unsupported_metric_redundant_test_per_C', gauge('unsupported.metric.redundant', '__test $/°C')],
    ['active_directory_ds_replication_network_io_bytes_total', counter('active_directory.ds.replication.network.io', 'By')],
    ['active_directory_ds_replication_object_rate_per_second', gauge('active_directory.ds.replication.object.rate', '{objects}/s')],
    ['active_directory_ds_ldap_bind_last_successful_time_milliseconds', gauge('active_directory.ds.ldap.bind.last_successful.time', 'ms')],
    ['apache_workers_connections', gauge('apache.workers', 'connections')],
    ['apache_requests_total', counter('apache.requests', '1')],
    ['system_disk_operation_time_seconds_total', counter('system.disk.operation_time', 's')],
    ['system_cpu_load_average_15m_ratio', gauge('system.cpu.load_average.15m', '1')],
    ['mongodbatlas_process_journaling_data_files_mebibytes', gauge('mongodbatlas.process.journaling.data_files', 'MiBy')],
    ['mongodbatlas_process_network_io_bytes_per_second', gauge('mongodbatlas.process.network.io', 'By/s')],
    ['mongodbatlas_process_oplog_rate_gibibytes_per_hour', gauge('mongodbatlas.process.oplog.rate', 'GiBy/h')],
    ['mongodbatlas_process_db_query_targeting_scanned_per_returned', gauge('mongodbatlas.process.db.query_targeting.scanned_per_returned', '{scanned}/{returned}')],
    ['nsxt_node_memory_usage_kilobytes', gauge('nsxt.node.memory.usage', 'KBy')],
    ['redis_latest_fork_microseconds', gauge('redis.latest_fork', 'us')],
    ['_3_14_digits', gauge('3.14 digits', '')],
    ['envoy_rule_engine_zlib_buf_error', gauge('envoy__rule_engine_zlib_buf_error', '')],
    ['foo_bar', gauge(':foo::bar', '')],
    ['foo_bar_total', counter(':foo::bar', '')],
    // Not from the collector: a histogram takes the unit but neither _total nor _ratio.
    ['http_server_request_duration_seconds', metric('http.server.request.duration', 's', { type: 'histogram', dataPoints: [], aggregationTemporality: 2 })],
    ['queue_fill', counter('queue.fill', '1', [], Temporality.CUMULATIVE, false)],
  ];
  it.each(cases)('%s', (expected, m) => expect(prometheusMetricName(m)).toBe(expected));
});

describe('prometheusLabelName', () => {
  it('sanitises as the collector does', () => {
    // normalize_label_test.go TestSanitize, with the default feature gates.
    expect(['_test', '0test', 'test', 'test_/', '__test'].map(prometheusLabelName)).toEqual(['key_test', 'key_0test', 'test', 'test__', '__test']);
    expect(['http.request.method', 'k8s.pod.name', 'dépôt'].map(prometheusLabelName)).toEqual(['http_request_method', 'k8s_pod_name', 'd_p_t']);
  });
});

describe('metricSamples', () => {
  it('writes a gauge as one sample with job, instance, scope labels and sanitised attribute labels, sorted', () => {
    const m = gauge('system.cpu.utilization', '1', [numberPoint(0.25, { attributes: { 'cpu.mode': 'idle', cpu: 3n, _private: true }, exemplars: [exemplar(0.3, T)] })]);
    const [sample, ...rest] = metricSamples(request([m]));
    expect(rest).toEqual([]);
    const labels = { cpu: '3', cpu_mode: 'idle', key_private: 'true', ...TARGET };
    // An OTLP gauge's exemplar is dropped (spec: exemplars only on histograms and monotonic sums).
    expect(sample).toEqual(doc('system_cpu_utilization_ratio', 'gauge', labels, 0.25));
    expect(Object.keys(sample!.labels)).toEqual(['cpu', 'cpu_mode', 'instance', 'job', 'key_private', 'otel_scope_name', 'otel_scope_version']);
  });

  it('joins the values of attributes that sanitise to one label with ";", in the order of the original keys', () => {
    const p = numberPoint(1, { attributes: { 'a/b': 'slash', 'a.b': 'dot', a_b: 'under', job: 'mine', empty: '' } });
    const [sample] = metricSamples(request([gauge('g', '', [p])], { 'service.name': 'svc' }, { ...SCOPE, name: '', version: '' }));
    // job comes from the resource and wins over the attribute; an empty value is no label.
    expect(sample!.labels).toEqual({ a_b: 'dot;slash;under', job: 'svc' });
  });

  it('writes a monotonic cumulative sum as a counter with _total, keeping its newest exemplar', () => {
    const p = numberPoint(42n, {
      attributes: { 'http.route': '/cart' },
      exemplars: [exemplar(1, T - 2_000_000_000n, { spanId: 'b7ad6b7169203331' }), exemplar(7, T - 1_000_000_000n, { filteredAttributes: { 'user.id': 'u1', n: 5n } })],
    });
    const samples = metricSamples(request([counter('http.server.requests', '{request}', [p])]));
    expect(samples).toEqual([
      doc('http_server_requests_total', 'counter', { http_route: '/cart', ...TARGET }, 42, {
        exemplar: { 'trace.id': TRACE, 'span.id': SPAN, value: 7, '@timestamp': '2023-11-14T22:13:19.123Z', labels: { 'user.id': 'u1', n: '5' } },
      }),
    ]);
  });

  it('writes a non-monotonic sum as a gauge without its exemplars, and drops what is not cumulative', () => {
    const upDown = counter('queue.depth', '{item}', [numberPoint(3, { exemplars: [exemplar(3, T)] })], Temporality.CUMULATIVE, false);
    const delta = counter('requests', '', [numberPoint(1), numberPoint(2)], Temporality.DELTA);
    const deltaHistogram = metric('latency', 'ms', { type: 'histogram', dataPoints: [histogramPoint()], aggregationTemporality: Temporality.DELTA });
    const unspecified = counter('x', '', [numberPoint(1)], Temporality.UNSPECIFIED);
    const out = translateMetrics(request([upDown, delta, deltaHistogram, unspecified]));
    expect(out.droppedPoints).toBe(4);
    expect(out.groups.flatMap(ungroupSamples)).toEqual([doc('queue_depth', 'gauge', TARGET, 3)]);
  });

  function histogramPoint(extra: Partial<HistogramDataPoint> = {}): HistogramDataPoint {
    return {
      attributes: { 'http.method': 'GET' }, startTimeUnixNano: 0n, timeUnixNano: T, flags: 0, count: 10n, sum: 7.5,
      explicitBounds: [0.005, 0.1, 1], bucketCounts: [1n, 2n, 3n, 4n], exemplars: [], ...extra,
    };
  }

  it('writes a histogram as cumulative _bucket series ending in le="+Inf", then _sum and _count, each exemplar in its bucket', () => {
    const p = histogramPoint({
      exemplars: [
        exemplar(0.05, T - 3n, { traceId: 'a'.repeat(32) }),
        exemplar(0.08, T - 1n, { traceId: 'c'.repeat(32) }), // same bucket, newer: wins
        exemplar(1, T - 2n, { traceId: 'b'.repeat(32) }), // on the bound: le is inclusive
        exemplar(30, T, { traceId: 'd'.repeat(32), spanId: '' }),
      ],
    });
    const samples = metricSamples(request([metric('http.client.duration', 's', { type: 'histogram', dataPoints: [p], aggregationTemporality: Temporality.CUMULATIVE })]));
    const name = 'http_client_duration_seconds';
    const labels = { http_method: 'GET', ...TARGET };
    const ex = (trace: string, value: number, withSpan = true) => ({
      'trace.id': trace, ...(withSpan ? { 'span.id': SPAN } : {}), value, '@timestamp': ISO,
    });
    expect(samples).toEqual([
      doc(`${name}_bucket`, 'histogram', { ...labels, le: '0.005' }, 1),
      doc(`${name}_bucket`, 'histogram', { ...labels, le: '0.1' }, 3, { exemplar: ex('c'.repeat(32), 0.08) }),
      doc(`${name}_bucket`, 'histogram', { ...labels, le: '1' }, 6, { exemplar: ex('b'.repeat(32), 1) }),
      doc(`${name}_bucket`, 'histogram', { ...labels, le: '+Inf' }, 10, { exemplar: ex('d'.repeat(32), 30, false) }),
      doc(`${name}_sum`, 'histogram', labels, 7.5),
      doc(`${name}_count`, 'histogram', labels, 10),
    ]);
  });

  it('leaves _sum out when a histogram has none', () => {
    const samples = metricSamples(request([metric('h', '', { type: 'histogram', dataPoints: [histogramPoint({ sum: undefined })], aggregationTemporality: 2 })]));
    expect(samples.map((s) => `${s['metric.name']}${s.labels.le === undefined ? '' : `{le=${s.labels.le}}`}`)).toEqual([
      'h_bucket{le=0.005}', 'h_bucket{le=0.1}', 'h_bucket{le=1}', 'h_bucket{le=+Inf}', 'h_count',
    ]);
  });

  it('lets le override an attribute of that name, and keeps a label named __proto__', () => {
    const p = histogramPoint({ attributes: { le: 'mine', __proto__x: 'y' }, explicitBounds: [], bucketCounts: [10n] });
    Object.defineProperty(p.attributes, '__proto__', { value: 'kept', enumerable: true });
    const samples = metricSamples(request([metric('h', '', { type: 'histogram', dataPoints: [p], aggregationTemporality: 2 })], {}, { ...SCOPE, name: '', version: '' }));
    expect(samples.map((s) => JSON.stringify(s.labels))).toEqual([
      '{"__proto__":"kept","__proto__x":"y","le":"+Inf"}', '{"__proto__":"kept","__proto__x":"y","le":"mine"}', '{"__proto__":"kept","__proto__x":"y","le":"mine"}',
    ]);
  });

  it('writes a summary as {quantile} series, _sum and _count', () => {
    const p: SummaryDataPoint = {
      attributes: {}, startTimeUnixNano: 0n, timeUnixNano: T, flags: 0, count: 100n, sum: 12.5,
      quantileValues: [{ quantile: 0.5, value: 0.1 }, { quantile: 0.99, value: 0.9 }],
    };
    const samples = metricSamples(request([metric('rpc.duration', 'ms', { type: 'summary', dataPoints: [p] })]));
    expect(samples).toEqual([
      doc('rpc_duration_milliseconds', 'summary', { ...TARGET, quantile: '0.5' }, 0.1),
      doc('rpc_duration_milliseconds', 'summary', { ...TARGET, quantile: '0.99' }, 0.9),
      doc('rpc_duration_milliseconds_sum', 'summary', TARGET, 12.5),
      doc('rpc_duration_milliseconds_count', 'summary', TARGET, 100),
    ]);
  });

  it('computes exponential bucket bounds exactly at powers of two', () => {
    expect([expUpperBound(0, 0), expUpperBound(1, 0), expUpperBound(-1, 0), expUpperBound(-3, 0)]).toEqual([2, 4, 1, 0.25]);
    expect([expUpperBound(0, 1), expUpperBound(1, 1), expUpperBound(3, 1)]).toEqual([Math.SQRT2, 2, 4]);
    expect([expUpperBound(7, 3), expUpperBound(-1, 3), expUpperBound(15, 3), expUpperBound(-9, 3)]).toEqual([2, 1, 4, 0.5]);
    expect([expUpperBound(0, -1), expUpperBound(1, -2)]).toEqual([4, 256]);
    expect(expUpperBound(2000, 0)).toBe(Infinity);
  });

  it('writes an exponential histogram as _bucket series bounded by scale and offset (negative, zero, positive), _sum and _count', () => {
    const p: ExponentialHistogramDataPoint = {
      attributes: {}, startTimeUnixNano: 0n, timeUnixNano: T, flags: 0, count: 12n, sum: 20, scale: 0, zeroCount: 1n, zeroThreshold: 0,
      // base 2: positive index 1 is (2, 4], index 2 (4, 8]; negative index 0 is [-2, -1), index 1 [-4, -2).
      positive: { offset: 1, bucketCounts: [2n, 5n] },
      negative: { offset: 0, bucketCounts: [3n, 1n] },
      exemplars: [exemplar(5, T, { spanId: '' }), exemplar(-1.5, T, { spanId: '', traceId: 'e'.repeat(32) })],
    };
    const samples = metricSamples(request([metric('payload', 'By', { type: 'exponentialHistogram', dataPoints: [p], aggregationTemporality: 2 })]));
    const b = (le: string, v: number, extra: Partial<SampleDocument> = {}) => doc('payload_bytes_bucket', 'histogram', { ...TARGET, le }, v, extra);
    expect(samples).toEqual([
      b('-2', 1),
      b('-1', 4, { exemplar: { 'trace.id': 'e'.repeat(32), value: -1.5, '@timestamp': ISO } }),
      b('0', 5),
      b('4', 7),
      b('8', 12, { exemplar: { 'trace.id': TRACE, value: 5, '@timestamp': ISO } }),
      b('+Inf', 12),
      doc('payload_bytes_sum', 'histogram', TARGET, 20),
      doc('payload_bytes_count', 'histogram', TARGET, 12),
    ]);
  });

  it('marks staleness (NO_RECORDED_VALUE) with stale and a null value, and NaN and infinities with nonfinite', () => {
    const points = [
      numberPoint(5, { flags: DataPointFlags.NO_RECORDED_VALUE, attributes: { k: 'stale' } }),
      numberPoint(NaN, { attributes: { k: 'nan' } }),
      numberPoint(Infinity, { attributes: { k: 'pinf' } }),
      numberPoint(-Infinity, { attributes: { k: 'ninf' } }),
    ];
    const samples = metricSamples(request([gauge('g', '', points)], {}, { ...SCOPE, name: '', version: '' }));
    expect(samples.map((s) => [s.labels.k, s.value, s['nonfinite'], s.stale])).toEqual([
      ['stale', null, undefined, true], ['nan', null, 'NaN', undefined], ['pinf', null, '+Inf', undefined], ['ninf', null, '-Inf', undefined],
    ]);
    expect(samples[0]).not.toHaveProperty('nonfinite');
    expect(samples[0]).not.toHaveProperty('service.name');
    const stale = metricSamples(request([metric('h', '', { type: 'histogram', dataPoints: [histogramPoint({ flags: DataPointFlags.NO_RECORDED_VALUE })], aggregationTemporality: 2 })]));
    expect(stale.map((s) => [s.value, s.stale])).toEqual(Array(6).fill([null, true]));
  });

  it('groups samples by name, type, service and millisecond, at most MAX_GROUP_SAMPLES a group, with the union of label values', () => {
    const points = Array.from({ length: MAX_GROUP_SAMPLES + 5 }, (_, i) => numberPoint(i, { attributes: { shard: String(i), code: i % 2 ? '500' : '200' } }));
    const later = numberPoint(9, { timeUnixNano: T + 1_000_000n, attributes: { shard: 'x' } });
    const groups = metricSampleGroups(request([gauge('g', '', [...points, later]), gauge('h', '', [numberPoint(1)])], { 'service.name': 'svc' }, { ...SCOPE, name: '', version: '' }));
    expect(groups.map((g) => [g['metric.name'], g['@timestamp'], g.samples.length])).toEqual([
      ['g', ISO, MAX_GROUP_SAMPLES], ['g', ISO, 5], ['g', '2023-11-14T22:13:20.124Z', 1], ['h', ISO, 1],
    ]);
    expect(groups[0]!.labels).toEqual({ code: ['200', '500'], job: ['svc'], shard: points.slice(0, MAX_GROUP_SAMPLES).map((_, i) => String(i)) });
    expect(groups[1]!.labels.shard).toEqual(['100', '101', '102', '103', '104']);
    expect(groups[0]!['service.name']).toBe('svc');
    // Every sample of the request comes out of the groups, in order.
    expect(groups.flatMap(ungroupSamples).map((s) => s.value)).toEqual([...points.slice(0, MAX_GROUP_SAMPLES).map((_, i) => i), 100, 101, 102, 103, 104, 9, 1]);
  });

  it('lists the traces a group\'s exemplars point at', () => {
    const h = metric('h', '', { type: 'histogram', dataPoints: [{ attributes: {}, startTimeUnixNano: 0n, timeUnixNano: T, flags: 0, count: 2n, sum: 1, explicitBounds: [1], bucketCounts: [1n, 1n], exemplars: [exemplar(0.5, T), exemplar(3, T, { traceId: 'ab'.repeat(16) })] }], aggregationTemporality: 2 });
    const groups = metricSampleGroups(request([h]));
    expect(groups.map((g) => [g['metric.name'], g['exemplar.trace.id']])).toEqual([['h_bucket', [TRACE, 'ab'.repeat(16)]], ['h_sum', undefined], ['h_count', undefined]]);
  });

  it('derives group.id from name, type, service, time and the series: the same request gives the same IDs, another series another', () => {
    const ids = (value: number, ns: bigint, attrs: Attributes = {}) => metricSampleGroups(request([gauge('g', '', [numberPoint(value, { timeUnixNano: ns, attributes: attrs })])])).map((g) => g['group.id']);
    // The value is not part of the ID: a point written again overwrites itself.
    expect(ids(1, T)).toEqual(ids(2, T));
    // Sub-millisecond differences are the same Prometheus sample.
    expect(ids(1, T)).toEqual(ids(1, T + 1n));
    expect(ids(1, T)).not.toEqual(ids(1, T + 1_000_000n));
    expect(ids(1, T)).not.toEqual(ids(1, T, { a: 'b' }));
    expect(ids(1, T)[0]).toMatch(/^[A-Za-z0-9_-]{27}$/);
    const base = { '@timestamp': ISO, 'metric.name': 'up', 'metric.type': 'gauge', samples: [{ labels: { job: 'a' }, value: 1 }] };
    expect(new Set([groupId(base), groupId({ ...base, 'metric.type': 'counter' }), groupId({ ...base, 'service.name': 's' }), groupId({ ...base, 'metric.name': 'down' }), groupId({ ...base, samples: [{ labels: { job: 'b' }, value: 1 }] })]).size).toBe(5);
  });

  it('keeps the names and labels of metrics that came from Prometheus remote write, and their type', () => {
    // What a Prometheus sends: a counter sample, its exemplar in a series of its own, and metadata.
    const body = Buffer.from(
      'bGwaKggBEhNicmFpZF9kZW1vX3JlcXVlc3RzIhFSDQo4IGhhbmRsZWQuGj4IAhIeHSxEdGVtcGVyYXR1cmVfY2Vsc2l1ATcMb29tIB0aJC4qB2NlbHNpdXM=',
      'base64',
    );
    const cache = new Map(decodeRemoteWrite(body).metadata.map((md) => [md.metricFamilyName, md]));
    const data = remoteWriteToOtlp(
      {
        timeseries: [
          { labels: [{ name: '__name__', value: 'braid_demo_requests_total' }, { name: 'job', value: 'demo' }, { name: 'instance', value: 'h:1' }, { name: 'http.method', value: 'GET' }], samples: [{ value: 7, timestampMs: MS, stale: false }], exemplars: [], histograms: 0 },
          {
            labels: [{ name: '__name__', value: 'braid_demo_requests_total' }, { name: 'job', value: 'demo' }, { name: 'instance', value: 'h:1' }, { name: 'http.method', value: 'GET' }],
            samples: [],
            exemplars: [{ labels: [{ name: 'trace_id', value: TRACE }], value: 1, timestampMs: MS }],
            histograms: 0,
          },
          { labels: [{ name: '__name__', value: 'braid_demo_temperature_celsius' }, { name: 'job', value: 'demo' }, { name: 'instance', value: 'h:1' }], samples: [{ value: 0, timestampMs: MS, stale: true }], exemplars: [], histograms: 0 },
          { labels: [{ name: '__name__', value: 'job:up:sum' }, { name: '_x', value: '1' }], samples: [{ value: 3, timestampMs: MS, stale: false }], exemplars: [], histograms: 0 },
        ],
        metadata: [],
      },
      { metadata: cache },
    );
    const base = (name: string, type: string, labels: Record<string, string>, value: number | null, extra: Partial<SampleDocument>) =>
      doc(name, type, labels, value, { 'service.name': 'demo', ...extra });
    const noService = doc('job:up:sum', 'unknown', { _x: '1' }, 3);
    delete noService['service.name'];
    expect(metricSamples(data)).toEqual([
      base('braid_demo_requests_total', 'counter', { 'http.method': 'GET', instance: 'h:1', job: 'demo' }, 7, { exemplar: { 'trace.id': TRACE, value: 1, '@timestamp': ISO } }),
      base('braid_demo_temperature_celsius', 'gauge', { instance: 'h:1', job: 'demo' }, null, { stale: true }),
      noService,
    ]);
  });
});
