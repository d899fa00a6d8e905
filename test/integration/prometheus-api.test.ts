/**
 * Braid's Prometheus HTTP API against a real Prometheus (Debian's `prometheus`), differentially:
 * the same remote-write bodies (counters with a reset, a classic histogram, gauges, a series that
 * ends with a staleness marker, an exemplar) go to both, then the same PromQL, instant and range,
 * and the same /series, /labels and /label/<name>/values requests go to both, and the answers must
 * be equal. Both modes: embedded, and Kafka + Elasticsearch.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { bothModes, startTestBraid } from '../helpers/braid.js';
import { eventually } from '../helpers/otlp.js';
import { freePort } from '../helpers/process.js';
import { encode, snappy, type SeriesSpec } from '../helpers/remote-write.js';

const PROMETHEUS = '/usr/bin/prometheus';
const STEP = 15_000;
const POINTS = 121;
/** The data's first timestamp: 30 minutes ago, 3 s after a 15 s boundary (see T_END). */
const T0 = Math.floor((Date.now() - 30 * 60_000) / STEP) * STEP + 3_000;
/**
 * Queries run 7 s off the samples' grid, and the grid is 3 s off whole minutes (where subqueries
 * evaluate): Prometheus 3, which Braid follows, selects ranges left-open, 2.42 (Debian's) closed,
 * and the two agree whenever no sample sits on a range's start.
 */
const T_END = T0 + (POINTS - 1) * STEP + 7_000;
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** Deterministic noise in [0, 1). */
const noise = (i: number, seed: number) => {
  const x = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return x - Math.floor(x);
};
const times = (n = POINTS) => Array.from({ length: n }, (_, i) => T0 + i * STEP);

function dataset(): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  const base = (name: string, extra: Array<[string, string]>): Array<[string, string]> => [['__name__', name], ['job', 'api'], ...extra];
  for (const [instance, seed] of [['a:1', 1], ['b:1', 2]] as const) {
    for (const code of ['200', '500']) {
      for (const method of ['get', 'post']) {
        let v = 0;
        out.push({
          labels: base('http_requests_total', [['instance', instance], ['code', code], ['method', method]]),
          samples: times().map((t, i) => {
            // A counter reset a third of the way through, on one series.
            v = instance === 'b:1' && code === '500' && method === 'get' && i === 40 ? 3 : v + Math.floor(noise(i, seed + code.length + method.length) * (code === '200' ? 50 : 5));
            return [v, t];
          }),
          ...(code === '500' && method === 'post' && instance === 'a:1' ? { exemplars: [{ labels: [['trace_id', TRACE]], value: 1, ts: T0 + 60 * STEP }] } : {}),
        });
      }
    }
    const bounds = ['0.05', '0.1', '0.25', '0.5', '1', '+Inf'];
    const counts = bounds.map(() => 0);
    const cumulative: number[][] = times().map((_, i) => {
      for (let b = 0; b < bounds.length; b++) counts[b] = counts[b]! + Math.floor(noise(i, seed * 10 + b) * 10);
      return counts.map((_, b) => counts.slice(0, b + 1).reduce((x, y) => x + y, 0));
    });
    bounds.forEach((le, b) => out.push({ labels: base('http_request_duration_seconds_bucket', [['instance', instance], ['le', le]]), samples: times().map((t, i) => [cumulative[i]![b]!, t]) }));
    out.push({ labels: base('http_request_duration_seconds_count', [['instance', instance]]), samples: times().map((t, i) => [cumulative[i]![bounds.length - 1]!, t]) });
    out.push({ labels: base('http_request_duration_seconds_sum', [['instance', instance]]), samples: times().map((t, i) => [cumulative[i]![bounds.length - 1]! * 0.21, t]) });
    for (const queue of ['emails', 'sms', 'push']) {
      out.push({ labels: base('queue_depth', [['instance', instance], ['queue', queue]]), samples: times().map((t, i) => [Math.round(noise(i, seed + queue.length) * 100), t]) });
    }
  }
  // A series that ends: 40 points, then a staleness marker.
  out.push({ labels: [['__name__', 'worker_busy'], ['job', 'batch'], ['instance', 'w:1']], samples: [...times(40).map((t, i): [number, number] => [i % 2, t]), ['stale', T0 + 40 * STEP]] });
  return out;
}

/** A remote-write request per 30 points, oldest first, as a Prometheus would send them. */
function bodies(): Buffer[] {
  const data = dataset();
  const out: Buffer[] = [];
  for (let from = T0; from <= T_END + STEP; from += 30 * STEP) {
    const to = from + 30 * STEP;
    const part = data.map((s) => ({ ...s, samples: (s.samples ?? []).filter(([, t]) => t >= from && t < to), exemplars: (s.exemplars ?? []).filter((e) => e.ts >= from && e.ts < to) })).filter((s) => s.samples.length > 0);
    if (part.length > 0) out.push(snappy(encode(part)));
  }
  return out;
}

async function write(url: string, body: Buffer): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, body });
  if (res.status >= 300) throw new Error(`remote write to ${url}: ${res.status} ${await res.text()}`);
}

const s = (ms: number) => String(ms / 1000);
const INSTANT: Array<[string, number]> = [
  ['http_requests_total', T_END],
  ['http_requests_total{code=~"5..",method!="get"}', T_END - 7 * STEP],
  ['http_requests_total', T0 + 120 * STEP],
  ['rate(http_requests_total[5m])', T_END],
  ['sum by (code) (rate(http_requests_total[5m]))', T_END],
  ['increase(http_requests_total[10m])', T0 + 50 * STEP + 7_000],
  ['irate(http_requests_total[1m])', T_END],
  ['resets(http_requests_total[30m])', T_END],
  ['histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))', T_END],
  ['histogram_quantile(0.5, rate(http_request_duration_seconds_bucket[5m]))', T_END],
  ['rate(http_request_duration_seconds_sum[5m]) / rate(http_request_duration_seconds_count[5m])', T_END],
  ['avg_over_time(queue_depth[10m])', T_END],
  ['max by (instance) (queue_depth)', T_END],
  ['queue_depth > 50', T_END],
  ['queue_depth > bool 50', T_END],
  ['topk(2, queue_depth)', T_END],
  ['count(queue_depth) by (queue)', T_END],
  ['stddev(queue_depth)', T_END],
  ['quantile_over_time(0.75, queue_depth[15m])', T_END],
  ['http_requests_total / ignoring(code) group_left sum without (code) (http_requests_total)', T_END],
  ['queue_depth offset 5m', T_END],
  [`queue_depth @ ${s(T0 + 10 * STEP)}`, T_END],
  ['max_over_time(rate(http_requests_total[2m])[10m:1m])', T_END],
  ['worker_busy', T0 + 39 * STEP],
  ['worker_busy', T0 + 41 * STEP],
  ['absent(nonexistent_metric{job="x"})', T_END],
  ['label_replace(queue_depth, "q", "$1-x", "queue", "(.*)")', T_END],
  ['scalar(sum(queue_depth)) * 2', T_END],
  ['deriv(queue_depth[10m])', T_END],
  ['changes(worker_busy[10m])', T0 + 39 * STEP + 7_000],
  ['timestamp(queue_depth)', T_END],
  ['vector(1) + 2', T_END],
];
const RANGE: Array<[string, number, number, number]> = [
  ['sum(rate(http_requests_total[5m]))', T0 + 20 * STEP + 7_000, T_END, 60_000],
  ['queue_depth', T0, T_END, 120_000],
  ['worker_busy', T0 + 7_000, T_END, 30_000],
  ['histogram_quantile(0.99, sum by (le, instance) (rate(http_request_duration_seconds_bucket[2m])))', T0 + 10 * STEP + 7_000, T_END, 60_000],
];

type Answer = { status: string; errorType?: string; data?: { resultType: string; result: unknown } };

/** A value to 12 significant digits: the two engines may add in different orders. */
const rounded = (v: string) => (/^[-+]?\d/.test(v) ? Number(Number(v).toPrecision(12)) : v);
const point = ([t, v]: [number, string]) => [t, rounded(v)];

/** Results in a form both sides share: series sorted by their labels, labels sorted, values rounded. */
function normalise(a: Answer): unknown {
  if (a.status !== 'success' || !a.data) return { status: a.status, errorType: a.errorType };
  const { resultType, result } = a.data;
  if (resultType === 'scalar' || resultType === 'string') return { resultType, result: point(result as [number, string]) };
  if (!Array.isArray(result)) return a.data;
  type Row = { metric: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> };
  const rows = (result as Row[]).map((r) => ({
    metric: Object.fromEntries(Object.entries(r.metric).sort()),
    ...(r.value ? { value: point(r.value) } : {}),
    ...(r.values ? { values: r.values.map(point) } : {}),
  }));
  const key = (r: { metric: Record<string, string> }) => JSON.stringify(r.metric);
  return { resultType, result: rows.sort((x, y) => (key(x) < key(y) ? -1 : 1)) };
}

const modes = bothModes('promapi');

describe('Prometheus API, differential against a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-promapi-'));
  let prometheus: ChildProcess | undefined;
  let promUrl = '';
  let output = '';

  beforeAll(async () => {
    writeFileSync(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
    promUrl = `http://127.0.0.1:${await freePort()}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${promUrl.slice(7)}`, '--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage'], { stdio: ['ignore', 'pipe', 'pipe'] });
    prometheus.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    prometheus.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(async () => (await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false)) || undefined, 30_000, `Prometheus ready (${output.slice(-500)})`);
    for (const body of bodies()) await write(`${promUrl}/api/v1/write`, body);
  }, 60_000);
  afterAll(() => {
    prometheus?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  for (const [mode, config] of modes) {
    describe(mode, () => {
      let braid: RunningBraid;
      const get = async (base: string, path: string, params: Record<string, string | string[]>): Promise<Answer> => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) q.append(k, x);
        return (await (await fetch(`${base}${path}?${q}`)).json()) as Answer;
      };
      const both = async (path: string, params: Record<string, string | string[]>) => {
        const [ours, theirs] = await Promise.all([get(`${braid.addresses.query}/prometheus`, path, params), get(promUrl, path, params)]);
        return { ours: normalise(ours), theirs: normalise(theirs) };
      };

      beforeAll(async () => {
        braid = await startTestBraid(config());
        for (const body of bodies()) await write(`${braid.addresses.otlpHttp}/api/v1/write`, body);
        // Every sample stored: the last point of every series is readable.
        const expected = dataset().filter((d) => d.labels[0]![1] !== 'worker_busy').length;
        await eventually(async () => {
          const a = await get(`${braid.addresses.query}/prometheus`, '/api/v1/query', { query: 'count({job="api"})', time: s(T_END) });
          return (a.data?.result as Array<{ value: [number, string] }> | undefined)?.[0]?.value[1] === String(expected) || undefined;
        }, 60_000, 'Braid storing every series');
      }, 120_000);
      afterAll(async () => {
        await braid?.stop();
      });

      /** The queries whose answers differ, each with both answers. */
      const mismatches = (answers: Array<{ query: string; ours: unknown; theirs: unknown }>) =>
        answers.filter((a) => JSON.stringify(a.ours) !== JSON.stringify(a.theirs)).map((a) => `${a.query}\n  Braid:      ${JSON.stringify(a.ours).slice(0, 600)}\n  Prometheus: ${JSON.stringify(a.theirs).slice(0, 600)}`);

      it('answers instant queries as Prometheus does', async () => {
        const answers = [];
        for (const [query, at] of INSTANT) {
          const { ours, theirs } = await both('/api/v1/query', { query, time: s(at) });
          expect((theirs as { resultType?: string }).resultType, query).toBeDefined();
          answers.push({ query, ours, theirs });
        }
        expect(mismatches(answers)).toEqual([]);
      });

      it('answers range queries as Prometheus does', async () => {
        const answers = [];
        for (const [query, start, end, step] of RANGE) {
          const { ours, theirs } = await both('/api/v1/query_range', { query, start: s(start), end: s(end), step: String(step / 1000) });
          expect((theirs as { resultType?: string }).resultType, query).toBe('matrix');
          answers.push({ query, ours, theirs });
        }
        expect(mismatches(answers)).toEqual([]);
      });

      it('lists series, label names and label values as Prometheus does', async () => {
        const range = { start: s(T0), end: s(T_END) };
        const requests: Array<[string, Record<string, string | string[]>]> = [
          ['/api/v1/series', { 'match[]': ['queue_depth', '{__name__=~"http_request_duration_seconds_(count|sum)",instance="a:1"}'], ...range }],
          ['/api/v1/labels', range],
          ['/api/v1/label/queue/values', range],
          ['/api/v1/label/__name__/values', range],
        ];
        for (const [path, params] of requests) {
          const [ours, theirs] = await Promise.all([get(`${braid.addresses.query}/prometheus`, path, params), get(promUrl, path, params)]);
          const sorted = (a: Answer) => ({ status: a.status, data: ((a.data ?? []) as unknown[]).map((v) => JSON.stringify(typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).sort()) : v)).sort() });
          expect(sorted(theirs).data.length, path).toBeGreaterThan(2);
          expect({ path, answer: sorted(ours) }).toEqual({ path, answer: sorted(theirs) });
        }
      });

      it('answers bad queries with bad_data, like Prometheus', async () => {
        for (const query of ['sum(', 'rate(queue_depth)', 'http_requests_total{code=~"("}']) {
          const { ours, theirs } = await both('/api/v1/query', { query, time: s(T_END) });
          expect({ query, answer: ours }).toEqual({ query, answer: theirs });
        }
        const { ours } = await both('/api/v1/query_range', { query: 'up', start: s(T_END), end: s(T0), step: '60' });
        expect(ours).toEqual({ status: 'error', errorType: 'bad_data' });
      });

      it('gives the exemplar with its trace ID', async () => {
        const params = { query: 'http_requests_total', start: s(T0), end: s(T_END) };
        const ours = await get(`${braid.addresses.query}/prometheus`, '/api/v1/query_exemplars', params);
        const theirs = await get(promUrl, '/api/v1/query_exemplars', params);
        expect(ours).toEqual(theirs);
        expect(JSON.stringify(ours)).toContain(TRACE);
      });
    });
  }
});
