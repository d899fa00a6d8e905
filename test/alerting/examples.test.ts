// createExampleTraceFinder against the memory store (and a head-like exemplar source): which trace
// IDs an alert gets, in which order, and when it falls back to error spans.
import { describe, expect, it } from 'vitest';
import { createExampleTraceFinder, matcherSetsOf, normaliseTraceId, type ExemplarSeries } from '../../src/alerting/examples.js';
import { createMemoryStore } from '../../src/storage/memory/memory-store.js';
import type { SampleGroupDocument, SpanDocument } from '../../src/storage/store.js';
import type { LabelMatcher } from '../../src/promql/types.js';

const T = Date.UTC(2026, 11, 6, 4, 0, 0);
const tid = (n: number) => n.toString(16).padStart(32, 'a');
const ERROR_RATIO =
  'sum by (service_name) (rate(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}[5m])) / sum by (service_name) (rate(traces_span_metrics_calls_total[5m])) > 0.05';

function span(traceId: string, service: string, name: string, atMs: number, error: boolean): SpanDocument {
  return {
    '@timestamp': new Date(atMs).toISOString(),
    'trace.id': traceId,
    'span.id': traceId.slice(0, 16),
    'service.name': service,
    'span.name': name,
    'span.kind': 'SPAN_KIND_SERVER',
    'span.start.us': atMs * 1000,
    'span.duration.us': 1000,
    'span.status.code': error ? 'error' : 'unset',
    'event.outcome': error ? 'failure' : 'success',
    attributes: {},
    'resource.attributes': {},
  };
}

function sampleGroup(atMs: number, service: string, status: string, traceId: string): SampleGroupDocument {
  const labels = { service_name: service, span_name: 'GET /cart', status_code: status };
  return {
    '@timestamp': new Date(atMs).toISOString(),
    'group.id': `${atMs}-${service}-${status}`,
    'metric.name': 'traces_span_metrics_calls_total',
    'metric.type': 'counter',
    'service.name': service,
    labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, [v]])),
    'exemplar.trace.id': [traceId],
    samples: [{ labels, value: 1, exemplar: { 'trace.id': traceId, value: 1, '@timestamp': new Date(atMs).toISOString() } }],
  };
}

const store = () => createMemoryStore({ max_spans: 1000, max_logs: 10, max_samples: 1000 });
const alertLabels = { alertname: 'HighErrorRatio', service_name: 'checkout', severity: 'page' };

describe('example traces', () => {
  it('orders selectors most specific first and normalises trace IDs', () => {
    expect(matcherSetsOf(ERROR_RATIO).map((s) => s.map((m) => `${m.name}${m.type}${m.value}`))).toEqual([
      ['__name__=traces_span_metrics_calls_total', 'status_code=STATUS_CODE_ERROR'],
      ['__name__=traces_span_metrics_calls_total'],
    ]);
    expect(normaliseTraceId('00F067AA0BA902B7')).toBe('000000000000000000f067aa0ba902b7');
    expect(normaliseTraceId('xyz')).toBeUndefined();
    expect(normaliseTraceId('0'.repeat(32))).toBeUndefined();
  });

  it('reads the shipped error-ratio rule\'s failing-calls selector first', async () => {
    const { parse } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const file = parse(readFileSync('alerts/services.yaml', 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string }> }> };
    const rule = file.groups.flatMap((g) => g.rules).find((r) => r.alert === 'BraidServiceErrorRatioHigh')!;
    const sets = matcherSetsOf(rule.expr);
    expect(sets[0]!.map((m) => `${m.name}${m.type}${m.value}`)).toEqual(['__name__=traces_span_metrics_calls_total', 'span_kind=~SPAN_KIND_SERVER|SPAN_KIND_CONSUMER', 'status_code=STATUS_CODE_ERROR']);
    expect(sets.slice(1).every((s) => s.length < sets[0]!.length)).toBe(true);
  });

  it('takes exemplars of the error series of the alert\'s service from the store, newest first, up to the limit', async () => {
    const s = store();
    await s.writeSamples([
      ...[1, 2, 3, 4, 5, 6].map((i) => sampleGroup(T - 60_000 + i * 1000, 'checkout', 'STATUS_CODE_ERROR', tid(i))),
      sampleGroup(T - 30_000, 'checkout', 'STATUS_CODE_UNSET', tid(100)),
      sampleGroup(T - 20_000, 'cart', 'STATUS_CODE_ERROR', tid(200)),
      sampleGroup(T - 3600_000, 'checkout', 'STATUS_CODE_ERROR', tid(300)),
    ]);
    const find = createExampleTraceFinder({ store: s });
    expect(await find({ expr: ERROR_RATIO, labels: alertLabels, startMs: T - 600_000, endMs: T, limit: 5 })).toEqual([tid(6), tid(5), tid(4), tid(3), tid(2)]);
  });

  it('prefers the head\'s exemplars and asks it with the selector\'s matchers', async () => {
    const asked: LabelMatcher[][][] = [];
    const head = {
      exemplars(sets: LabelMatcher[][]): ExemplarSeries[] {
        asked.push(sets);
        return [
          { seriesLabels: { __name__: 'traces_span_metrics_calls_total', service_name: 'checkout', status_code: 'STATUS_CODE_ERROR' }, exemplars: [{ labels: { trace_id: tid(7), span_id: 'b7ad6b7169203331' }, value: 1, timestampMs: T - 5000 }] },
          { seriesLabels: { __name__: 'traces_span_metrics_calls_total', service_name: 'cart', status_code: 'STATUS_CODE_ERROR' }, exemplars: [{ labels: { trace_id: tid(8) }, value: 1, timestampMs: T - 1000 }] },
        ];
      },
    };
    const find = createExampleTraceFinder({ exemplars: head, store: store() });
    expect(await find({ expr: ERROR_RATIO, labels: alertLabels, startMs: T - 600_000, endMs: T, limit: 5 })).toEqual([tid(7)]);
    expect(asked[0]!.map((set) => set.map((m) => m.name))).toEqual([['__name__', 'status_code']]);
  });

  it('falls back to error spans of the alert\'s service and operation in its window', async () => {
    const s = store();
    await s.writeSpans([
      span(tid(11), 'checkout', 'GET /cart', T - 50_000, true),
      span(tid(12), 'checkout', 'GET /cart', T - 40_000, false),
      span(tid(13), 'checkout', 'POST /pay', T - 30_000, true),
      span(tid(14), 'cart', 'GET /cart', T - 20_000, true),
      span(tid(15), 'checkout', 'GET /cart', T - 10_000, true),
      span(tid(16), 'checkout', 'GET /cart', T - 900_000, true),
    ]);
    const find = createExampleTraceFinder({ store: s });
    const q = { expr: ERROR_RATIO, startMs: T - 600_000, endMs: T, limit: 5 };
    expect(await find({ ...q, labels: alertLabels })).toEqual([tid(15), tid(13), tid(11)]);
    expect(await find({ ...q, labels: { ...alertLabels, span_name: 'GET /cart' } })).toEqual([tid(15), tid(11)]);
    expect(await find({ ...q, labels: { alertname: 'X', service: 'cart' } })).toEqual([tid(14)]);
    expect(await find({ ...q, labels: { alertname: 'NoService' } })).toEqual([]);
  });
});
