/**
 * Span- and log-derived series stay exact with two ingesters, a rebalance, a SIGKILL, a restart
 * and a forced replay of every record: `sum(increase(traces_span_metrics_calls_total[..]))`
 * through the Prometheus API equals the spans sent, and the buckets and log counts match.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually, multiServiceTrace, newSpanId, newTraceId } from '../helpers/otlp.js';
import { spawnBraid } from '../helpers/process.js';
import { startTestBraid, testConfig, uniqueName } from '../helpers/braid.js';

const PARTITIONS = 4;
const TRACES_PER_ROUND = 60;
const SPANS_PER_TRACE = 10;
const LOGS_PER_TRACE = 2;

describe('derived series through rebalances, a crash and a forced replay (real Kafka, real Elasticsearch)', () => {
  const brokers = inject('kafkaBrokers');
  const esUrl = inject('elasticsearchUrl');
  const prefix = uniqueName('derived');
  const group = `${prefix}-ingester`;
  const dir = mkdtempSync(join(tmpdir(), 'braid-derived-'));
  const es = new Client({ node: esUrl });
  const kafka = new Kafka({ clientId: 'derived-test', brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let front: RunningBraid | undefined;
  const children: Array<ReturnType<typeof spawnBraid>> = [];

  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await front?.stop();
    await admin.disconnect();
    const rest = (await es.cat.indices({ index: `${prefix}-*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
    if (rest.length > 0) await es.indices.delete({ index: rest.map((r) => r.index).join(',') });
    await es.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function startIngester(name: string): ReturnType<typeof spawnBraid> {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      [
        'target: ingester',
        `queue: { kafka: { topic_prefix: "${prefix}.", group_id: "${group}", partitions: ${PARTITIONS} } }`,
        // Small bulks: a batch takes several requests, so a kill lands between write and commit.
        `storage: { elasticsearch: { index_prefix: "${prefix}", bulk_max_docs: 50 } }`,
        'ingest: { flush_interval: 1s, span_metrics: { histogram_buckets: [0.01, 0.1, 1] } }',
        'admin: { endpoint: "127.0.0.1:0" }',
        'telemetry: { log_level: info }',
      ].join('\n'),
    );
    const run = spawnBraid(['serve', '--config', file], { BRAID_KAFKA_BROKERS: brokers, BRAID_ELASTICSEARCH_URL: esUrl });
    children.push(run);
    return run;
  }

  let sentSpans = 0;
  let fastSpans = 0;
  let sentLogs = 0;
  let errorSpans = 0;

  /** Sends a round of traces (10 ms and 200 ms spans of two services) and their log lines. */
  async function sendRound(): Promise<void> {
    const start = Date.now() - 30_000;
    for (let t = 0; t < TRACES_PER_ROUND; t++) {
      const traceId = newTraceId();
      const root = newSpanId();
      const specs = Array.from({ length: SPANS_PER_TRACE }, (_, i) => ({
        id: i === 0 ? root : newSpanId(), ...(i === 0 ? {} : { parent: root }), service: i % 2 ? 'api' : 'db', name: `op${i % 3}`, kind: 2,
        startMs: start + i, durationMs: i % 2 ? 10 : 200, error: i === 3,
      }));
      const res = await fetch(`${front!.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(multiServiceTrace(traceId, specs)) });
      expect(res.status).toBe(200);
      sentSpans += specs.length;
      fastSpans += specs.filter((s) => s.durationMs === 10).length;
      errorSpans += specs.filter((s) => s.error).length;
      const logs = {
        resourceLogs: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
          scopeLogs: [{ logRecords: Array.from({ length: LOGS_PER_TRACE }, (_, i) => ({ timeUnixNano: `${BigInt(start) * 1_000_000n}`, severityText: i === 0 ? 'ERROR' : 'INFO', body: { stringValue: 'x' }, traceId, spanId: root })) }],
        }],
      };
      const lr = await fetch(`${front!.addresses.otlpHttp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(logs) });
      expect(lr.status).toBe(200);
      sentLogs += LOGS_PER_TRACE;
    }
  }

  const spanDocs = async () => {
    await es.indices.refresh({ index: `${prefix}-spans-*`, ignore_unavailable: true, allow_no_indices: true });
    return (await es.count({ index: `${prefix}-spans-*`, ignore_unavailable: true, allow_no_indices: true })).count;
  };

  /** Records of the spans and logs topics the group has not committed. */
  async function lag(): Promise<number> {
    let n = 0;
    for (const kind of ['spans', 'logs']) {
      const t = `${prefix}.${kind}.v1`;
      const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(t), admin.fetchOffsets({ groupId: group, topics: [t] })]);
      for (const e of ends) {
        const c = Number(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? -1);
        n += Number(e.high) - Math.max(c, 0);
      }
    }
    return n;
  }

  async function query(expr: string, timeSeconds?: number): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
    const params = new URLSearchParams({ query: expr, ...(timeSeconds === undefined ? {} : { time: String(timeSeconds) }) });
    const res = await fetch(`${front!.addresses.query}/prometheus/api/v1/query?${params}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  }
  const scalar = async (expr: string, t?: number) => Number((await query(expr, t))[0]?.value[1] ?? NaN);

  /**
   * The newest instant at which every derived series has a sample (the ingesters emit on the
   * same 1 s grid), once that instant is past `after` ms: there increase() needs no extrapolation.
   */
  async function settledInstant(after: number): Promise<number> {
    return eventually(async () => {
      const newest = await scalar('max(timestamp(traces_span_metrics_calls_total))');
      const oldest = await scalar('min(timestamp(traces_span_metrics_calls_total))');
      const logsNewest = await scalar('min(timestamp(braid_log_records_total))');
      return newest * 1000 > after && newest === oldest && logsNewest === newest ? newest : undefined;
    }, 90_000, 'every derived series sampled at one instant');
  }

  async function expectExact(t: number): Promise<void> {
    expect(await scalar('sum(increase(traces_span_metrics_calls_total[2h]))', t)).toBe(sentSpans);
    expect(await scalar('sum(increase(traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR"}[2h]))', t)).toBe(errorSpans);
    expect(await scalar('sum(increase(traces_span_metrics_duration_seconds_bucket{le="0.01"}[2h]))', t)).toBe(fastSpans);
    expect(await scalar('sum(increase(traces_span_metrics_duration_seconds_bucket{le="+Inf"}[2h]))', t)).toBe(sentSpans);
    expect(await scalar('sum(increase(traces_span_metrics_duration_seconds_count[2h]))', t)).toBe(sentSpans);
    expect(await scalar('sum(increase(braid_log_records_total[2h]))', t)).toBe(sentLogs);
    expect(await scalar('sum(increase(braid_log_records_total{severity_text="ERROR"}[2h]))', t)).toBe(sentLogs / 2);
  }

  it('counts every span once: two ingesters, a rebalance, a SIGKILL, a restart, then a replay of everything', async () => {
    await admin.connect();
    front = await startTestBraid(testConfig({
      target: ['collector', 'query'],
      queue: { kafka: { brokers: [brokers], topic_prefix: `${prefix}.`, group_id: group, partitions: PARTITIONS } },
      storage: { elasticsearch: { url: esUrl, index_prefix: prefix } },
    }));

    const a = startIngester('a');
    await sendRound();
    await eventually(async () => ((await spanDocs()) > 0 ? true : undefined), 60_000, 'the first span documents');
    startIngester('b'); // a rebalance: partitions move from a to b
    await sendRound();
    await sendRound();
    a.child.kill('SIGKILL'); // mid-run: b takes a's partitions from their last commit and replays
    await a.exited;
    await sendRound();
    startIngester('c'); // and another rebalance
    await sendRound();
    await eventually(async () => ((await lag()) === 0 && (await spanDocs()) === sentSpans ? true : undefined), 120_000, `all ${sentSpans} spans indexed and committed`);
    const done = Date.now();

    const t = await settledInstant(done + 2_000);
    await expectExact(t);
    // The labels users of spanmetrics expect, plus braid_partition and nothing else.
    const one = (await query('traces_span_metrics_calls_total', t))[0]?.metric;
    expect(Object.keys(one ?? {}).sort()).toEqual(['__name__', 'braid_partition', 'service_name', 'span_kind', 'span_name', 'status_code']);
    // Exemplars point at the traces sent.
    const ex = await fetch(`${front.addresses.query}/prometheus/api/v1/query_exemplars?${new URLSearchParams({ query: 'traces_span_metrics_duration_seconds_bucket', start: String(t - 3600), end: String(t) })}`);
    const exBody = (await ex.json()) as { data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> };
    expect(exBody.data.flatMap((s) => s.exemplars).some((e) => /^[0-9a-f]{32}$/.test(e.labels.trace_id ?? ''))).toBe(true);

    // A forced replay of every record: stop the ingesters, move the group back to the start.
    for (const c of children) c.child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exited));
    for (const kind of ['spans', 'logs']) await admin.resetOffsets({ groupId: group, topic: `${prefix}.${kind}.v1`, earliest: true });
    expect(await lag()).toBeGreaterThanOrEqual(sentSpans > 0 ? 1 : 0);
    const d = startIngester('d');
    await eventually(async () => ((await lag()) === 0 ? true : undefined), 120_000, 'the replay committed');
    // It saw every span record again and counted none of them.
    const dAdmin = await eventually(async () => /"admin":"(http:[^"]+)"/.exec(d.output())?.[1], 30_000, "ingester d's admin address");
    const own = await (await fetch(`${dAdmin}/metrics`)).text();
    expect(Number(/braid_derived_records_replayed_total\{kind="spans"\} (\d+)/.exec(own)?.[1])).toBeGreaterThan(0);
    expect(/braid_derived_records_counted_total\{kind="spans"\} (\d+)/.exec(own)?.[1] ?? '0').toBe('0');
    const replayed = Date.now();
    const t2 = await settledInstant(replayed + 2_000);
    await expectExact(t2);
    expect(await spanDocs()).toBe(sentSpans);
  }, 420_000);
});

describe('derived series in the embedded mode (in-process queue and store)', () => {
  let braid: RunningBraid | undefined;
  afterAll(async () => braid?.stop());

  it('counts the spans and log records sent, through the Prometheus API', async () => {
    braid = await startTestBraid(testConfig({ ingest: { flush_interval: '1s' } }));
    const traceId = newTraceId();
    const specs = Array.from({ length: 25 }, (_, i) => ({ id: newSpanId(), service: 'shop', name: 'GET /cart', kind: 2, startMs: Date.now() - 5_000 + i, durationMs: 3, error: i < 5 }));
    const res = await fetch(`${braid.addresses.otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(multiServiceTrace(traceId, specs)) });
    expect(res.status).toBe(200);
    const value = async (expr: string) => {
      const r = await fetch(`${braid!.addresses.query}/prometheus/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
      return Number(body.data.result[0]?.value[1] ?? NaN);
    };
    const errors = await eventually(async () => {
      const v = await value('sum by (service_name) (traces_span_metrics_calls_total{status_code="STATUS_CODE_ERROR", span_kind="SPAN_KIND_SERVER"})');
      return v === 5 ? v : undefined;
    }, 30_000, 'the error calls of shop');
    expect(errors).toBe(5);
    expect(await value('sum(traces_span_metrics_duration_seconds_bucket{le="0.004"})')).toBe(25);
  });
});
