/**
 * Limits through the real HTTP APIs of an embedded Braid: a PromQL query past limits.query_timeout
 * answers 503 with Prometheus's errorType "timeout", one past limits.max_query_length 422 in
 * Mimir's words; a span past max_attributes_per_record comes back as OTLP partial success, a
 * remote-written series past max_label_names_per_series as 400 naming the metric and the limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { encode, snappy, type SeriesSpec } from '../helpers/remote-write.js';

const STEP = 15_000;
const SERIES = 300;
const POINTS = 120;
const T0 = Math.floor((Date.now() - 32 * 60_000) / STEP) * STEP;
const T_END = T0 + (POINTS - 1) * STEP;

const writeHeaders = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };

function dataset(): SeriesSpec[] {
  return Array.from({ length: SERIES }, (_, i) => ({
    labels: [['__name__', 'requests_total'], ['job', 'api'], ['instance', `i${i}`]] as Array<[string, string]>,
    samples: Array.from({ length: POINTS }, (_, k): [number, number] => [k * (1 + (i % 7)), T0 + k * STEP]),
  }));
}

describe('query and record limits through the HTTP APIs', () => {
  let braid: RunningBraid;
  let ingest: string;
  let prom: string;

  beforeAll(async () => {
    braid = await startTestBraid(testConfig({
      limits: { query_timeout: '1ms', max_query_length: '1h', max_attributes_per_record: 4, max_label_names_per_series: 5 },
    }));
    ingest = braid.addresses.otlpHttp!;
    prom = `${braid.addresses.query}/prometheus/api/v1`;
    const data = dataset();
    for (let i = 0; i < data.length; i += 50) {
      const res = await fetch(`${ingest}/api/v1/write`, { method: 'POST', headers: writeHeaders, body: snappy(encode(data.slice(i, i + 50))) });
      expect(res.status).toBe(204);
    }
    // /series is not a PromQL evaluation: no timeout.
    await eventually(async () => {
      const res = await (await fetch(`${prom}/series?match[]=requests_total&start=${T0 / 1000}&end=${T_END / 1000}`)).json() as { data: unknown[] };
      return res.data.length === SERIES || undefined;
    }, 20_000, 'every series in the head');
  }, 60_000);

  afterAll(async () => {
    await braid?.stop();
  });

  it('answers a query past query_timeout with 503 and errorType timeout', async () => {
    const q = new URLSearchParams({ query: 'max_over_time(rate(requests_total[5m])[10m:15s])', start: String(T0 / 1000 + 900), end: String(T_END / 1000), step: '15' });
    const res = await fetch(`${prom}/query_range?${q}`);
    expect(res.status).toBe(503);
    const answer = (await res.json()) as { status: string; errorType: string; error: string };
    expect(answer).toMatchObject({ status: 'error', errorType: 'timeout' });
    // Reading 36,000 samples from the head or evaluating: either outlasts 1 ms.
    expect(answer.error).toMatch(/^query timed out in (query preparation|expression evaluation) \(limits\.query_timeout: 1ms\)$/);
  });

  it('answers a range past max_query_length with 422 in Mimir\'s words', async () => {
    const q = new URLSearchParams({ query: 'requests_total', start: String(T_END / 1000 - 7200), end: String(T_END / 1000), step: '60' });
    const res = await fetch(`${prom}/query_range?${q}`);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ status: 'error', errorType: 'execution', error: 'the query time range exceeds the limit (query length: 2h0m0s, limit: 1h0m0s); limits.max_query_length' });
    const instant = await fetch(`${prom}/query?${new URLSearchParams({ query: 'rate(requests_total[2h])', time: String(T_END / 1000) })}`);
    expect(instant.status).toBe(422);
    expect(((await instant.json()) as { error: string }).error).toBe('the query time range exceeds the limit (query length: 2h0m0s, limit: 1h0m0s); limits.max_query_length');
  });

  it('rejects a span past max_attributes_per_record as partial success, keeping the other', async () => {
    const span = (id: string, n: number) => ({
      traceId: '5b8efff798038103d269b633813fc60c', spanId: id, name: 'GET /', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000250000000',
      attributes: Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } })),
    });
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limits' } }] }, scopeSpans: [{ spans: [span('eee19b7ec3c1b174', 2), span('eee19b7ec3c1b175', 5)] }] }] };
    const res = await fetch(`${ingest}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedSpans: '1', errorMessage: '1 spans rejected: resourceSpans[0].scopeSpans[0].spans[1].attributes: 5 attributes, more than max_attributes_per_record (4)' } });
  });

  it('refuses a remote-written series past max_label_names_per_series with 400 naming the metric', async () => {
    const labels: Array<[string, string]> = [['__name__', 'wide_series'], ['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']];
    const res = await fetch(`${ingest}/api/v1/write`, { method: 'POST', headers: writeHeaders, body: snappy(encode([{ labels, samples: [[1, T_END]] }])) });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('timeseries[0] (wide_series): 6 labels, more than max_label_names_per_series (5)');
  });
});
