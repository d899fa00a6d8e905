/**
 * The head against the store, on the real Kafka and Elasticsearch: the same remote-written samples
 * are answered by a Braid whose head holds them (window 2 h), by one that reads Elasticsearch only
 * (window 1 s) and by one that reads both, split at its head's start (window 15 m); the answers
 * must be equal. Then the first Braid restarts and its head, rebuilt from Kafka, answers the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { BraidConfigInput } from '../../src/config/schema.js';
import type { RunningBraid } from '../../src/main.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { encode, snappy, type SeriesSpec } from '../helpers/remote-write.js';

const STEP = 15_000;
const POINTS = 121;
/** 32 minutes of samples ending 2 minutes ago, 3 s off the 15 s grid. */
const T0 = Math.floor((Date.now() - 32 * 60_000) / STEP) * STEP + 3_000;
const T_END = T0 + (POINTS - 1) * STEP;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const times = (n = POINTS) => Array.from({ length: n }, (_, i) => T0 + i * STEP);

function dataset(): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  for (const instance of ['a:1', 'b:1', 'c:1']) {
    for (const code of ['200', '500']) {
      let v = 0;
      out.push({
        labels: [['__name__', 'http_requests_total'], ['job', 'api'], ['instance', instance], ['code', code]],
        samples: times().map((t, i) => [(v = i === 60 && instance === 'b:1' ? 1 : v + ((i * 7 + instance.charCodeAt(0)) % 13)), t]),
        ...(code === '500' && instance === 'a:1' ? { exemplars: [{ labels: [['trace_id', TRACE]], value: 1, ts: T0 + 90 * STEP }] } : {}),
      });
    }
    let c = 0;
    for (const le of ['0.1', '0.5', '1', '+Inf']) {
      out.push({ labels: [['__name__', 'latency_seconds_bucket'], ['job', 'api'], ['instance', instance], ['le', le]], samples: times().map((t, i) => [c + i * (1 + Number(le === '+Inf' ? 3 : le) * 2), t]) });
      c += 3;
    }
    out.push({ labels: [['__name__', 'queue_depth'], ['job', 'worker'], ['instance', instance]], samples: times().map((t, i) => [Math.sin(i / 7) * 40 + 0.5, t]) });
  }
  out.push({ labels: [['__name__', 'worker_busy'], ['job', 'batch'], ['instance', 'w:1']], samples: [...times(40).map((t, i): [number, number] => [i % 2, t]), ['stale', T0 + 40 * STEP]] });
  return out;
}

function bodies(): Buffer[] {
  const data = dataset();
  const out: Buffer[] = [];
  // Small requests: spread over the partitions, one series' samples land on all of them.
  for (let from = T0; from <= T_END; from += 4 * STEP) {
    const to = from + 4 * STEP;
    const part = data.map((s) => ({ ...s, samples: (s.samples ?? []).filter(([, t]) => t >= from && t < to), exemplars: (s.exemplars ?? []).filter((e) => e.ts >= from && e.ts < to) })).filter((s) => s.samples.length > 0);
    out.push(snappy(encode(part)));
  }
  return out;
}

const sec = (ms: number) => String(ms / 1000);
const QUERIES: Array<[string, number, number, number]> = [
  ['sum by (code) (rate(http_requests_total[5m]))', T0 + 20 * STEP, T_END + 60_000, 60_000],
  ['histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket[5m])))', T0 + 20 * STEP, T_END, 30_000],
  ['queue_depth', T0, T_END + 10 * 60_000, 45_000],
  ['worker_busy', T0, T_END, 15_000],
  ['resets(http_requests_total[30m])', T_END, T_END, 15_000],
  ['max_over_time(queue_depth[20m])', T0 + 80 * STEP, T_END, 60_000],
];

type Json = { status: string; data?: unknown };

describe('head: same answers as Elasticsearch, rebuilt from Kafka after a restart', () => {
  const prefix = uniqueName('head');
  const config = (window: string, target = 'all'): BraidConfigInput =>
    testConfig({
      target,
      head: { window },
      // No rules: their output would add series to the head that Elasticsearch-only reads lack.
      alerting: { rule_files: [] },
      queue: { kafka: { brokers: [inject('kafkaBrokers')], topic_prefix: `${prefix}.`, group_id: `${prefix}-ingester`, partitions: 3 } },
      storage: { elasticsearch: { url: inject('elasticsearchUrl'), index_prefix: prefix } },
    });
  let full: RunningBraid;
  let esOnly: RunningBraid;
  let mixed: RunningBraid;

  const get = async (b: RunningBraid, path: string, params: Record<string, string | string[]>): Promise<Json> => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
    return (await (await fetch(`${b.addresses.query}/prometheus/api/v1${path}?${q}`)).json()) as Json;
  };
  const requests = (): Array<[string, Record<string, string | string[]>]> => [
    ...QUERIES.map(([query, start, end, step]): [string, Record<string, string>] => ['/query_range', { query, start: sec(start), end: sec(end), step: sec(step) }]),
    ['/query', { query: 'http_requests_total{code="500"}', time: sec(T_END) }],
    ['/series', { 'match[]': ['http_requests_total', '{job="worker"}'], start: sec(T0), end: sec(T_END) }],
    ['/labels', { start: sec(T0), end: sec(T_END) }],
    ['/label/instance/values', { start: sec(T0), end: sec(T_END), 'match[]': 'latency_seconds_bucket' }],
    ['/label/__name__/values', { start: sec(T0), end: sec(T_END) }],
    ['/metadata', { start: sec(T0), end: sec(T_END) }],
    ['/query_exemplars', { query: 'http_requests_total', start: sec(T0), end: sec(T_END) }],
  ];
  /** Answers in a comparable form: series lists sorted (an instant vector's order is unspecified, as in Prometheus). */
  const sorted = (xs: unknown[]) => [...xs].map((x) => JSON.stringify(x)).sort();
  const answers = async (b: RunningBraid) =>
    Promise.all(
      requests().map(async ([path, params]) => {
        const a = await get(b, path, params);
        const d = a.data as { resultType?: string; result?: unknown[] } | unknown[] | undefined;
        const data = Array.isArray(d) ? sorted(d) : d?.resultType === 'vector' && Array.isArray(d.result) ? { ...d, result: sorted(d.result) } : d;
        return { path, query: params.query, status: a.status, data };
      }),
    );

  beforeAll(async () => {
    full = await startTestBraid(config('2h'));
    await full.headReady;
    for (const body of bodies()) {
      const res = await fetch(`${full.addresses.otlpHttp}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body });
      expect(res.status).toBe(204);
    }
    esOnly = await startTestBraid(config('1s', 'query'));
    mixed = await startTestBraid(config('15m', 'query'));
    await Promise.all([esOnly.headReady, mixed.headReady]);
    const series = dataset().length;
    // Everything in Elasticsearch: the store-only Braid counts every sample (the staleness marker is not counted).
    const samples = dataset().reduce((n, s) => n + (s.samples?.length ?? 0), 0) - 1;
    await eventually(async () => {
      const a = await get(esOnly, '/query', { query: 'sum(count_over_time({__name__=~".+"}[40m]))', time: sec(T_END) });
      return (a.data as { result: Array<{ value: [number, string] }> } | undefined)?.result[0]?.value[1] === String(samples) || undefined;
    }, 60_000, 'every sample in Elasticsearch');
    await eventually(async () => (full.head!.stats().samples >= series * POINTS - 80 ? true : undefined), 30_000, 'every sample in the head');
  }, 180_000);
  afterAll(async () => {
    await Promise.allSettled([full?.stop(), esOnly?.stop(), mixed?.stop()]);
  });

  it('the head holds every sample, covers the data and answers as Elasticsearch does, alone and split', async () => {
    const stats = full.head!.stats();
    expect(stats.series).toBe(dataset().length);
    expect(stats.samples).toBe(dataset().reduce((n, s) => n + (s.samples?.length ?? 0), 0));
    expect(stats.exemplars).toBe(1);
    expect(full.head!.coversFromMs()).toBeLessThanOrEqual(T0);
    expect(mixed.head!.coversFromMs()).toBeGreaterThan(T0);
    expect(esOnly.head!.coversFromMs()).toBeGreaterThan(T_END);
    const fromEs = await answers(esOnly);
    for (const a of fromEs) expect(a.status, `${a.path} ${a.query ?? ''}`).toBe('success');
    expect(await answers(full)).toEqual(fromEs);
    expect(await answers(mixed)).toEqual(fromEs);
  });

  it('after a restart the head is rebuilt from Kafka before it is ready, and answers the same', async () => {
    const before = full.head!.stats();
    const fromEs = await answers(esOnly);
    await full.stop();
    full = await startTestBraid(config('2h'));
    await full.headReady;
    const after = full.head!.stats();
    expect({ series: after.series, samples: after.samples, exemplars: after.exemplars }).toEqual({ series: before.series, samples: before.samples, exemplars: before.exemplars });
    // Merged by record time across the partitions during the rebuild: nothing arrived out of order.
    const refused = (await full.registry.getSingleMetric('braid_head_samples_refused_total')?.get())?.values ?? [];
    expect(refused.reduce((n, v) => n + v.value, 0)).toBe(0);
    expect(await answers(full)).toEqual(fromEs);
  });
});
