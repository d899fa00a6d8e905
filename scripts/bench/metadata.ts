/**
 * Prometheus metadata endpoints before the head, on a real Elasticsearch (docs/adr/0012):
 *   1. bytes per sample after force-merge, with the series fields (`series.id`, `label.names`) and
 *      without them (the same groups as the version before wrote them);
 *   2. milliseconds of /labels, /label/<name>/values, /series and /metadata over the whole range
 *      from the aggregations (median of 5 after a warm-up), and of reading every sample (the path
 *      before) over the last BENCH_META_OLD_MINUTES minutes only, since it grows with the samples.
 * BENCH_META_SERIES series (default 10^4: 10 jobs x (10 metrics x 90 series + 100 single-series
 * gauges), about 9 samples per group) scraped every 15 s for BENCH_META_MINUTES (default 30).
 * Bounded: one pass of writes. Prints figures; asserts nothing.
 */
import { Client } from '@elastic/elasticsearch';
import { metricSampleGroups } from '../../src/ingest/metric-samples.js';
import type { Metric, MetricsData, NumberDataPoint } from '../../src/model/metrics.js';
import type { LabelMatcher } from '../../src/promql/types.js';
import { storeMetaReader, type MetaReader } from '../../src/query/prometheus/recent.js';
import { selectSamples } from '../../src/query/prometheus/source.js';
import { createElasticsearchStore } from '../../src/storage/elasticsearch/es-store.js';
import type { SampleGroupDocument, Store } from '../../src/storage/store.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { infraDown, infraUp } from '../infra/index.js';

const JOBS = Math.max(1, Math.round(Number(process.env.BENCH_META_SERIES ?? 10_000) / 1_000));
const MINUTES = Number(process.env.BENCH_META_MINUTES ?? 30);
const OLD_MINUTES = Number(process.env.BENCH_META_OLD_MINUTES ?? 5);
const STEP_MS = 15_000;
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** One scrape of job `j` at `ms`: 10 metrics of 90 series (3 pods x 10 routes x 3 codes) and 100 gauges. */
function scrape(j: number, ms: number): MetricsData {
  const point = (attributes: Record<string, string>, value: number): NumberDataPoint => ({ attributes, startTimeUnixNano: 0n, timeUnixNano: BigInt(ms) * 1_000_000n, flags: 0, value, exemplars: [] });
  const metric = (name: string, type: string, dataPoints: NumberDataPoint[]): Metric => ({ name, description: '', unit: '', data: { type: 'gauge', dataPoints }, metadata: { 'prometheus.type': type } });
  const metrics: Metric[] = [];
  for (let m = 0; m < 10; m++) {
    const points: NumberDataPoint[] = [];
    for (let i = 0; i < 90; i++) points.push(point({ pod: `p${i % 3}`, route: `/api/r${Math.floor(i / 3) % 10}`, code: ['200', '404', '500'][Math.floor(i / 30)]! }, ms / 1000 + i));
    metrics.push(metric(`bench_requests_${m}_total`, 'counter', points));
  }
  for (let g = 0; g < 100; g++) metrics.push(metric(`bench_gauge_${g}`, 'gauge', [point({}, g)]));
  return {
    resourceMetrics: [{
      resource: { attributes: { 'service.name': `job${j}`, 'service.instance.id': 'host:9100' }, droppedAttributesCount: 0 }, schemaUrl: '',
      scopeMetrics: [{ scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 }, schemaUrl: '', metrics }],
    }],
  };
}

/** The same group as the version before wrote it. */
function withoutSeriesFields(g: SampleGroupDocument): SampleGroupDocument {
  const { 'series.id': _ids, 'label.names': _names, ...rest } = g;
  return rest;
}

async function median(fn: () => Promise<unknown>, runs = 5): Promise<{ ms: number; size: number }> {
  let size = 0;
  const r0 = await fn();
  size = Array.isArray(r0) ? r0.length : r0 instanceof Map ? r0.size : 0;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(runs / 2)]!, size };
}

const up = await infraUp({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
const es = new Client({ node: up.elasticsearchUrl });
const run = `benchmeta${Date.now().toString(36)}`;
const open = (prefix: string) =>
  createElasticsearchStore({ url: up.elasticsearchUrl, index_prefix: prefix, shards: 1, replicas: 0, request_timeout_ms: 120_000, bulk_max_docs: 5_000, bulk_max_bytes: 10_000_000 }, createLogger('silent'));
const withFields = open(`${run}new`);
const without = open(`${run}old`);
const T0 = Math.floor((Date.now() - 6 * 3_600_000) / STEP_MS) * STEP_MS;
const T_END = T0 + MINUTES * 60_000 - STEP_MS;

/** Bytes of the force-merged indices of `prefix` per sample. */
async function bytesPerSample(prefix: string, samples: number): Promise<number> {
  const index = `${prefix}-samples-*`;
  await es.indices.forcemerge({ index, max_num_segments: 1 });
  const stats = await es.indices.stats({ index, metric: 'store' });
  return (stats._all.primaries?.store?.size_in_bytes ?? 0) / samples;
}

/** Bytes per sample of each of `fields` in `prefix`'s merged indices (Elasticsearch's _disk_usage: doc values, index, stored). */
async function fieldBytes(prefix: string, samples: number, fields: string[]): Promise<string> {
  const r = (await es.transport.request({ method: 'POST', path: `/${prefix}-samples-*/_disk_usage`, querystring: { run_expensive_tasks: 'true' } })) as Record<string, { fields?: Record<string, { total_in_bytes: number }> }>;
  return fields.map((f) => `${f} ${fmt(Object.values(r).reduce((n, x) => n + (x.fields?.[f]?.total_in_bytes ?? 0), 0) / samples, 2)}`).join(', ');
}

/** The endpoints as the Prometheus API calls them before the head. */
function endpoints(meta: MetaReader, start: number, end: number): Array<[string, () => Promise<unknown>]> {
  const eq = (name: string, value: string): LabelMatcher => ({ type: '=', name, value });
  return [
    ['/labels', () => meta.labelNames([], start, end)],
    ['/labels?match[]={job="job3"}', () => meta.labelNames([[eq('job', 'job3')]], start, end)],
    ['/label/__name__/values', () => meta.labelValues('__name__', [], start, end)],
    ['/label/job/values', () => meta.labelValues('job', [], start, end)],
    ['/label/route/values?match[]=bench_requests_0_total', () => meta.labelValues('route', [[eq('__name__', 'bench_requests_0_total')]], start, end)],
    ['/series?match[]=bench_requests_0_total', () => meta.series([[eq('__name__', 'bench_requests_0_total')]], start, end)],
    ['/series?match[]={job="job3",code=~"5.."}', () => meta.series([[eq('job', 'job3'), { type: '=~', name: 'code', value: '5..' }]], start, end)],
    ['/series?match[]={__name__=~".+"}', () => meta.series([[{ type: '=~', name: '__name__', value: '.+' }]], start, end)],
    ['/metadata', () => meta.metadata(undefined, start, end)],
  ];
}

/** The sample-reading path of the version before: every sample of the range, series gathered. */
function bySamples(store: Store, start: number, end: number): MetaReader {
  const series = async (groups: LabelMatcher[][]) => {
    const out = new Map<string, Record<string, string>>();
    for (const ms of groups.length === 0 ? [[{ type: '=~', name: '__name__', value: '.+' } as LabelMatcher]] : groups) {
      for (const d of await selectSamples(store, ms, start, end, 100_000_000)) out.set(JSON.stringify([d['metric.name'], d.labels]), { __name__: d['metric.name'], ...d.labels });
    }
    return [...out.values()];
  };
  const reader = storeMetaReader(store, 100_000_000);
  return {
    ...reader,
    series: (groups) => series(groups),
    labelNames: async (groups) => [...new Set((await series(groups)).flatMap((l) => Object.keys(l)))].sort(),
    labelValues: async (name, groups) => [...new Set((await series(groups)).flatMap((l) => (l[name] === undefined ? [] : [l[name]])))].sort(),
  };
}

try {
  await withFields.start();
  await without.start();
  let samples = 0;
  let groups = 0;
  const t = performance.now();
  for (let ms = T0; ms <= T_END; ms += STEP_MS) {
    const batch = Array.from({ length: JOBS }, (_, j) => metricSampleGroups(scrape(j, ms))).flat();
    samples += batch.reduce((n, g) => n + g.samples.length, 0);
    groups += batch.length;
    const [a, b] = await Promise.all([withFields.writeSamples(batch), without.writeSamples(batch.map(withoutSeriesFields))]);
    if (a.rejected.length + b.rejected.length > 0) throw new Error(`bench metadata: rejected ${a.rejected[0]?.reason ?? b.rejected[0]?.reason}`);
  }
  const series = JOBS * 1_000;
  console.log(`Prometheus metadata before the head, Elasticsearch ${up.elasticsearchUrl}: ${fmt(series)} series x ${MINUTES} min at 15 s = ${fmt(samples)} samples in ${fmt(groups)} groups (${fmt(samples / groups, 1)} per group), written twice in ${fmt((performance.now() - t) / 1000, 1)} s`);
  const [after, before] = [await bytesPerSample(`${run}new`, samples), await bytesPerSample(`${run}old`, samples)];
  console.log(`  bytes per sample after force-merge: ${fmt(before, 1)} without the series fields, ${fmt(after, 1)} with them (+${fmt(after - before, 1)})`);
  console.log(`    by field, with: ${await fieldBytes(`${run}new`, samples, ['series.id', 'label.names', '_recovery_source'])}; without: ${await fieldBytes(`${run}old`, samples, ['_recovery_source'])}`);
  console.log('    (_recovery_source: the source before _source excludes, kept until the shard\'s retention lease passes it; later merges drop it)');
  const oldStart = T_END - OLD_MINUTES * 60_000 + STEP_MS;
  const now = endpoints(storeMetaReader(withFields, 1), T0, T_END);
  const old = endpoints(bySamples(without, oldStart, T_END), oldStart, T_END);
  console.log(`  endpoint                                              aggregations, ${MINUTES} min   reading samples, last ${OLD_MINUTES} min`);
  for (let i = 0; i < now.length; i++) {
    const [name, fn] = now[i]!;
    const a = await median(fn);
    const b = name === '/metadata' || name === '/label/__name__/values' ? undefined : await median(old[i]![1], 1);
    const rest = b === undefined ? '(aggregation before too)' : `${fmt(b.ms)} ms (${fmt(b.size)})`;
    console.log(`  ${name.padEnd(52)}  ${`${fmt(a.ms, 1)} ms (${fmt(a.size)})`.padEnd(24)}  ${rest}`);
  }
} finally {
  await withFields.close();
  await without.close();
  if (process.env.BENCH_META_KEEP) console.log(run);
  const made = process.env.BENCH_META_KEEP ? [] : (await es.cat.indices({ index: `${run}*`, h: 'index', format: 'json' })) as Array<{ index: string }>;
  if (made.length > 0) await es.indices.delete({ index: made.map((x) => x.index).join(',') });
  await es.close();
  if (up.started.length > 0 && !process.env.BRAID_KEEP_INFRA) await infraDown({ log: (l) => process.stderr.write(`[bench] ${l}\n`) });
}
