import { describe, expect, it } from 'vitest';
import { DEFAULT_SPAN_BUCKETS } from '../../../src/config/schema.js';
import { bucketIndex, compressCounters, countLogs, countSpans, countersJson, decodeCounters, emptyCounters, encodeCounters, type DerivationSettings, type SeriesBudget } from '../../../src/ingest/derived/counters.js';
import { appendPoints, noPoints, toRequests } from '../../../src/ingest/derived/points.js';
import { metricSamples } from '../../../src/ingest/metric-samples.js';
import type { LogsData } from '../../../src/model/logs.js';
import type { Attributes, Span, TracesData } from '../../../src/model/trace.js';
import type { SampleDocument } from '../../../src/storage/store.js';

const unbounded: SeriesBudget = { take: () => true };
const spanSettings = (over: Partial<DerivationSettings['spans']> = {}): DerivationSettings['spans'] => ({ enabled: true, dimensions: [], bounds: DEFAULT_SPAN_BUCKETS, exemplars: true, ...over });

let nextSpan = 1;
function span(name: string, ms: number, over: Partial<Span> = {}): Span {
  const id = (nextSpan++).toString(16).padStart(16, '0');
  return {
    traceId: `${'a'.repeat(16)}${id}`, spanId: id, traceState: '', parentSpanId: '', flags: 0, name, kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(Math.round(ms * 1e6)),
    attributes: {}, droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, ...over,
  };
}

function traces(service: string, spans: Span[], resource: Attributes = {}): TracesData {
  return { resourceSpans: [{ resource: { attributes: { 'service.name': service, ...resource }, droppedAttributesCount: 0 }, schemaUrl: '', scopeSpans: [{ scope: { name: 'lib', version: '1', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', spans }] }] };
}

function logs(service: string, severities: string[]): LogsData {
  return {
    resourceLogs: [{
      resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeLogs: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', logRecords: severities.map((severityText) => ({ timeUnixNano: 0n, observedTimeUnixNano: 0n, severityNumber: 0, severityText, body: 'x', attributes: {}, droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '' })) }],
    }],
  };
}

/** The Prometheus samples the ingester would store for these counters at `atMs`. */
function samplesOf(c: ReturnType<typeof emptyCounters>, partition: number, atMs: number): SampleDocument[] {
  const points = noPoints();
  appendPoints(points, c, partition, atMs);
  return toRequests(points, 1_000).flatMap(metricSamples);
}

const at = (samples: SampleDocument[], ms: number) => samples.filter((s) => s['@timestamp'] === new Date(ms).toISOString());
const T = 1_700_000_100_000;

describe('span-derived series', () => {
  it("carry spanmetrics' names and exactly its labels plus braid_partition", () => {
    const c = emptyCounters(DEFAULT_SPAN_BUCKETS);
    countSpans(c, traces('checkout', [span('GET /cart', 250, { status: { code: 2, message: 'boom' } })]), spanSettings(), T - 5_000, unbounded);
    const now = at(samplesOf(c, 3, T), T);
    const labels = { braid_partition: '3', service_name: 'checkout', span_kind: 'SPAN_KIND_SERVER', span_name: 'GET /cart', status_code: 'STATUS_CODE_ERROR' };
    expect(now.find((s) => s['metric.name'] === 'traces_span_metrics_calls_total')).toMatchObject({ 'metric.type': 'counter', labels, value: 1 });
    expect(now.find((s) => s['metric.name'] === 'traces_span_metrics_duration_seconds_count')).toMatchObject({ labels, value: 1 });
    expect(now.find((s) => s['metric.name'] === 'traces_span_metrics_duration_seconds_sum')).toMatchObject({ labels, value: 0.25 });
    const buckets = now.filter((s) => s['metric.name'] === 'traces_span_metrics_duration_seconds_bucket');
    expect(buckets.map((b) => [b.labels.le, b.value])).toEqual([
      ['0.002', 0], ['0.004', 0], ['0.006', 0], ['0.008', 0], ['0.01', 0], ['0.05', 0], ['0.1', 0], ['0.2', 0], ['0.4', 1], ['0.8', 1], ['1', 1], ['1.4', 1], ['2', 1], ['5', 1], ['10', 1], ['15', 1], ['+Inf', 1],
    ]);
    for (const b of buckets) expect(Object.keys(b.labels).sort()).toEqual([...Object.keys(labels), 'le'].sort());
    // No job, instance or otel_scope_* labels: the resource and scope of the emitted metrics are empty.
    expect(new Set(now.map((s) => s['service.name']))).toEqual(new Set([undefined]));
  });

  it('puts a duration on a bound into that bucket (le), and a span longer than the last bound into +Inf', () => {
    expect(bucketIndex([0.002, 0.004], 0.002)).toBe(0);
    expect(bucketIndex([0.002, 0.004], 0.0021)).toBe(1);
    expect(bucketIndex([0.002, 0.004], 0)).toBe(0);
    expect(bucketIndex([0.002, 0.004], 9)).toBe(2);
    const c = emptyCounters([0.002, 0.004]);
    countSpans(c, traces('a', [span('x', 2), span('x', 3), span('x', 3_000), span('x', 0, { endTimeUnixNano: 0n })]), spanSettings({ bounds: [0.002, 0.004] }), T - 1, unbounded);
    const buckets = at(samplesOf(c, 0, T), T).filter((s) => s['metric.name'].endsWith('_bucket'));
    expect(buckets.map((b) => [b.labels.le, b.value])).toEqual([['0.002', 2], ['0.004', 3], ['+Inf', 4]]);
  });

  it('takes extra dimensions from the span, else the resource, else the default; none and no default: no label', () => {
    const c = emptyCounters(DEFAULT_SPAN_BUCKETS);
    const dims = [{ name: 'http.route' }, { name: 'deployment.environment', default: 'none' }, { name: 'absent' }];
    countSpans(c, traces('api', [span('a', 1, { attributes: { 'http.route': '/users/:id' } }), span('b', 1)], { 'http.route': '/from-resource', 'deployment.environment': 'prod' }), spanSettings({ dimensions: dims }), T - 1, unbounded);
    const calls = at(samplesOf(c, 1, T), T).filter((s) => s['metric.name'] === 'traces_span_metrics_calls_total');
    expect(calls.map((s) => [s.labels.span_name, s.labels.http_route, s.labels.deployment_environment, 'absent' in s.labels])).toEqual([
      ['a', '/users/:id', 'prod', false],
      ['b', '/from-resource', 'prod', false],
    ]);
    const d = emptyCounters(DEFAULT_SPAN_BUCKETS);
    countSpans(d, traces('api', [span('a', 1)]), spanSettings({ dimensions: dims }), T - 1, unbounded);
    expect(at(samplesOf(d, 1, T), T).find((s) => s['metric.name'] === 'traces_span_metrics_calls_total')?.labels).toEqual({
      braid_partition: '1', deployment_environment: 'none', service_name: 'api', span_kind: 'SPAN_KIND_SERVER', span_name: 'a', status_code: 'STATUS_CODE_UNSET',
    });
  });

  it('puts the newest span of each bucket on it as an exemplar with trace and span IDs', () => {
    const c = emptyCounters([0.01, 1]);
    const fast = [span('x', 1), span('x', 2)];
    const slow = span('x', 500);
    countSpans(c, traces('a', [...fast, slow]), spanSettings({ bounds: [0.01, 1] }), T - 1, unbounded);
    const buckets = at(samplesOf(c, 0, T), T).filter((s) => s['metric.name'].endsWith('_bucket'));
    expect(buckets.map((b) => [b.labels.le, b.exemplar?.['trace.id'], b.exemplar?.['span.id'], b.exemplar?.value])).toEqual([
      ['0.01', fast[1]!.traceId, fast[1]!.spanId, 0.002],
      ['1', slow.traceId, slow.spanId, 0.5],
      ['+Inf', undefined, undefined, undefined],
    ]);
    const off = emptyCounters([0.01, 1]);
    countSpans(off, traces('a', fast), spanSettings({ bounds: [0.01, 1], exemplars: false }), T - 1, unbounded);
    expect(samplesOf(off, 0, T).filter((s) => s.exemplar !== undefined)).toEqual([]);
  });

  it('emits a zero sample at the creation time before the first value, and only until it was sent', () => {
    const c = emptyCounters([1]);
    countSpans(c, traces('a', [span('x', 1), span('x', 1)]), spanSettings({ bounds: [1] }), T - 7_000, unbounded);
    const calls = samplesOf(c, 0, T).filter((s) => s['metric.name'] === 'traces_span_metrics_calls_total');
    expect(calls.map((s) => [s['@timestamp'], s.value])).toEqual([[new Date(T - 7_000).toISOString(), 0], [new Date(T).toISOString(), 2]]);
    for (const s of c.spans.values()) s.zeroSent = true;
    expect(samplesOf(c, 0, T + 15_000).filter((s) => s['metric.name'] === 'traces_span_metrics_calls_total').map((s) => s.value)).toEqual([2]);
  });

  it('counts no new series past the budget, and says how many spans it left out', () => {
    let room = 2;
    const budget: SeriesBudget = { take: () => room-- > 0 };
    const c = emptyCounters([1]);
    const out = countSpans(c, traces('a', [span('one', 1), span('two', 1), span('three', 1), span('one', 1), span('four', 1)]), spanSettings({ bounds: [1] }), T, budget);
    expect(out).toEqual({ counted: 3, dropped: 2 });
    expect([...c.spans.values()].map((s) => [s.labels[3], s.count])).toEqual([['one', 2], ['two', 1]]);
  });
});

describe('log-derived series', () => {
  it('count records by service_name and severity_text as braid_log_records_total', () => {
    const c = emptyCounters([1]);
    expect(countLogs(c, logs('api', ['ERROR', 'INFO', 'ERROR', '']), T - 1, unbounded)).toEqual({ counted: 4, dropped: 0 });
    const now = at(samplesOf(c, 2, T), T);
    expect(now.map((s) => [s['metric.name'], s['metric.type'], s.labels, s.value])).toEqual([
      ['braid_log_records_total', 'counter', { braid_partition: '2', service_name: 'api', severity_text: 'ERROR' }, 2],
      ['braid_log_records_total', 'counter', { braid_partition: '2', service_name: 'api', severity_text: 'INFO' }, 1],
      // An empty severity text is an absent label, as in Prometheus.
      ['braid_log_records_total', 'counter', { braid_partition: '2', service_name: 'api' }, 1],
    ]);
  });
});

describe('saved counters', () => {
  it('round-trip: offset, totals, buckets, creation time and zero flag; exemplars are not saved', () => {
    const c = emptyCounters([0.1, 1], 42n);
    countSpans(c, traces('a', [span('x', 50), span('x', 5_000)]), spanSettings({ bounds: [0.1, 1] }), T, unbounded);
    countLogs(c, logs('a', ['WARN']), T, unbounded);
    for (const s of c.logs.values()) s.zeroSent = true;
    const { counters, boundsChanged } = decodeCounters(encodeCounters(c), [0.1, 1]);
    expect(boundsChanged).toBe(false);
    expect(counters.next).toBe(42n);
    expect([...counters.spans.values()]).toEqual([...c.spans.values()].map(({ exemplars: _, saved: __, ...s }) => s));
    expect([...counters.logs.values()]).toEqual([...c.logs.values()].map(({ saved: _, ...s }) => s));
  });

  it('compressed off the event loop, a snapshot taken at once decodes to the counters of that moment', async () => {
    const c = emptyCounters([0.1, 1], 7n);
    countSpans(c, traces('a', [span('x', 50)]), spanSettings({ bounds: [0.1, 1] }), T, unbounded);
    const json = countersJson(c);
    const pending = compressCounters(json);
    countLogs(c, logs('a', ['WARN']), T, unbounded); // after the snapshot: not in it
    const { counters } = decodeCounters(await pending, [0.1, 1]);
    expect(counters.next).toBe(7n);
    expect(counters.spans.size).toBe(1);
    expect(counters.logs.size).toBe(0);
    expect(decodeCounters(await compressCounters(countersJson(c)), [0.1, 1]).counters.logs.size).toBe(1);
  });

  it('start span series again from zero when the buckets changed, and keep the log series', () => {
    const c = emptyCounters([0.1, 1]);
    countSpans(c, traces('a', [span('x', 50)]), spanSettings({ bounds: [0.1, 1] }), T, unbounded);
    countLogs(c, logs('a', ['WARN']), T, unbounded);
    const { counters, boundsChanged } = decodeCounters(encodeCounters(c), [0.1, 1, 10]);
    expect(boundsChanged).toBe(true);
    expect(counters.spans.size).toBe(0);
    expect(counters.logs.size).toBe(1);
    expect(counters.bounds).toEqual([0.1, 1, 10]);
  });
});
