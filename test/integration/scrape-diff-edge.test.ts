/**
 * Differential check of Braid's scraper against a real Prometheus (Debian's `prometheus`, 2.42), the
 * edge cases `scrape-diff.test.ts` leaves out: gzip bodies, a target answering OpenMetrics whatever
 * the Accept header and one with no Content-Type, metrics_path with params (several values, one
 * overridden by `__param_`), HTTPS with a self-signed CA plus basic_auth or authorization from a
 * file, explicit timestamps with honor_timestamps on and off, failing scrapes (timeout, malformed
 * exposition, 404, 401), every limit (sample, label count, label name and value length, body size,
 * targets), the newer relabel actions (hashmod, labelmap, keepequal, dropequal, lowercase,
 * uppercase, named captures, renaming `__name__`), OpenMetrics types (`_created`, info, stateset,
 * gaugehistogram), NaN and infinities, and a series repeated within one exposition. Both scrape
 * the same targets from the same file; every series Prometheus has, with its latest value, must
 * be the one Braid stored, synthetic series included (but for the two that measure timing).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RunningBraid } from '../../src/main.js';
import { eventually } from '../helpers/otlp.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

/** Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian, modulo `modulus`. */
const hashmod = (value: string, modulus: number) => Number(BigInt(`0x${createHash('md5').update(value).digest('hex').slice(16)}`) % BigInt(modulus));
/** A target name `t<i>-<n>` whose hashmod 4 is `bucket`. */
function hashmodName(bucket: number, i: number): string {
  for (let n = 0; ; n++) if (hashmod(`t${i}-${n}`, 4) === bucket) return `t${i}-${n}`;
}

const TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

const GZIP_BODY = `# TYPE gz_requests_total counter
gz_requests_total{path="/a"} 5
gz_requests_total{path="/b"} 7
`;

// Served whatever the scraper asks for; `_created` samples, info, stateset, gaugehistogram, non-finite values.
const OPENMETRICS_BODY = `# TYPE jobs counter
# HELP jobs Jobs run.
jobs_total{kind="batch"} 12
jobs_created{kind="batch"} 1700000000.0
# TYPE build info
build_info{version="2.1",commit="abc"} 1
# TYPE feature stateset
feature{feature="a"} 1
feature{feature="b"} 0
# TYPE queue_wait gaugehistogram
queue_wait_bucket{le="1.0"} 3
queue_wait_bucket{le="+Inf"} 5
queue_wait_gcount 5
queue_wait_gsum 7.5
# TYPE latency_seconds histogram
# UNIT latency_seconds seconds
latency_seconds_bucket{le="0.5"} 1
latency_seconds_bucket{le="+Inf"} 2
latency_seconds_count 2
latency_seconds_sum 0.9
latency_seconds_created 1700000000.5
# TYPE odd gauge
odd{v="nan"} NaN
odd{v="pinf"} +Inf
odd{v="ninf"} -Inf
# EOF
`;

// Served with no Content-Type at all: both read it as text 0.0.4.
const UNTYPED_BODY = `plain_gauge 1.5
plain_special{v="nan"} NaN
plain_special{v="pinf"} +Inf
plain_special{v="ninf"} -Inf
`;

const DUPLICATE_BODY = `# TYPE dup_gauge gauge
dup_gauge{a="1"} 1
dup_gauge{a="1"} 2
dup_other 3
`;

// Five samples: the third has 3 own labels, the fourth a 33-byte label name, the fifth a 30-byte value.
const WIDE_BODY = `# TYPE wide gauge
wide{a="1"} 1
wide{a="2"} 2
wide{a="3",b="x",c="y"} 3
wide{a="4",a_very_long_label_name_over_limit="z"} 4
wide{a="5",v="a value longer than the limit.."} 5
`;

const MALFORMED_BODY = `good_one 1
good_two 2
bad line here
good_three 3
`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const reply = (body: string, headers: Record<string, string> = { 'content-type': TEXT }, status = 200): Handler => (_req, res) => {
  res.writeHead(status, headers);
  res.end(body);
};

type Series = Record<string, string>;
const key = (s: Series) => JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]]));
/** Prometheus's float formatting ("NaN", "+Inf", "-Inf", decimals) read back as a number. */
const float = (v: string) => (v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));

/** A self-signed CA and a certificate it signed for braid-test.local (not 127.0.0.1: server_name must be used). */
function certificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Braid test CA');
  ssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=braid-test.local');
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:braid-test.local\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('san.ext'));
  return { ca: f('ca.pem'), cert: readFileSync(f('server.pem'), 'utf8'), key: readFileSync(f('server.key'), 'utf8') };
}

describe('scraping edge cases, differential against a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-scrape-edge-'));
  const run = `edge${Date.now().toString(36)}`;
  const job = (name: string) => `${run}-${name}`;
  // An explicit timestamp a little in the past, with milliseconds, fixed for the whole run.
  const t0 = Math.floor(Date.now() / 1000) * 1000 - 5000 + 250;
  const servers: Server[] = [];
  const jobs: string[] = [];
  let braid: RunningBraid;
  let prometheus: RunningPrometheus | undefined;

  async function serve(handler: Handler, tls?: { cert: string; key: string }): Promise<string> {
    const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  beforeAll(async () => {
    const pki = certificates(dir);
    writeFileSync(join(dir, 'password'), 's3cret\n');
    writeFileSync(join(dir, 'token'), 'tok3n\n');

    const gzip = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': TEXT, 'content-encoding': 'gzip' });
      res.end(gzipSync(GZIP_BODY));
    });
    const openmetrics = await serve(reply(OPENMETRICS_BODY, { 'content-type': OPENMETRICS }));
    const untyped = await serve(reply(UNTYPED_BODY, {}));
    const duplicates = await serve(reply(DUPLICATE_BODY));
    const wide = await serve(reply(WIDE_BODY));
    const malformed = await serve(reply(MALFORMED_BODY));
    const notFound = await serve(reply('no metrics here\n', { 'content-type': 'text/plain' }, 404));
    const slow = await serve((_req, res) => {
      const t = setTimeout(() => reply('slow_gauge 1\n')(_req, res), 1_500);
      res.on('close', () => clearTimeout(t));
    });
    const timestamps = await serve(reply(`ts_gauge{kind="explicit"} 7 ${t0}\nts_gauge{kind="implicit"} 8\n`));
    const omTimestamps = await serve(reply(`ts_om{kind="explicit"} 9 ${(t0 / 1000).toFixed(3)}\nts_om{kind="implicit"} 10\n# EOF\n`, { 'content-type': OPENMETRICS }));
    // Answers only on /federate with both match[] values and a known module, echoing the timeout header.
    const federate = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const module = url.searchParams.get('module') ?? '';
      const ok = url.pathname === '/federate' && JSON.stringify(url.searchParams.getAll('match[]')) === JSON.stringify(['{job="x"}', 'up']) && ['x', 'y'].includes(module);
      const timeout = String(req.headers['x-prometheus-scrape-timeout-seconds'] ?? '');
      reply(ok ? `fed_gauge{module="${module}",timeout="${timeout}"} 1\n` : 'not here\n', { 'content-type': TEXT }, ok ? 200 : 404)(req, res);
    });
    const secured = (expected: string) => (req: IncomingMessage, res: ServerResponse) =>
      req.headers.authorization === expected ? reply('secure_gauge 1\n')(req, res) : reply('unauthorized\n', { 'content-type': 'text/plain', 'www-authenticate': 'Basic' }, 401)(req, res);
    const basicTls = await serve(secured(`Basic ${Buffer.from('scraper:s3cret').toString('base64')}`), pki);
    const bearerTls = await serve(secured('Bearer tok3n'), pki);

    const tls = { ca_file: pki.ca, server_name: 'braid-test.local' };
    const scrapeConfigs = [
      { job_name: job('formats'), static_configs: [{ targets: [gzip, openmetrics, untyped, duplicates] }] },
      {
        job_name: job('federate'),
        metrics_path: '/federate',
        scrape_timeout: '750ms',
        params: { 'match[]': ['{job="x"}', 'up'], module: ['x'] },
        static_configs: [{ targets: [federate] }, { targets: [federate], labels: { variant: 'y' } }],
        // Relabeling, not a `__param_module` target label: Prometheus 2 overwrites that with params, 3 (and Braid) keep it.
        relabel_configs: [{ source_labels: ['variant'], regex: 'y', target_label: '__param_module', replacement: 'y' }],
      },
      { job_name: job('basic'), scheme: 'https', tls_config: tls, basic_auth: { username: 'scraper', password_file: join(dir, 'password') }, static_configs: [{ targets: [basicTls] }] },
      { job_name: job('bearer'), scheme: 'https', tls_config: tls, authorization: { credentials_file: join(dir, 'token') }, static_configs: [{ targets: [bearerTls] }] },
      { job_name: job('bearer-wrong'), scheme: 'https', tls_config: tls, authorization: { credentials: 'wrong' }, static_configs: [{ targets: [bearerTls] }] },
      { job_name: job('ts-honor'), honor_timestamps: true, static_configs: [{ targets: [timestamps, omTimestamps] }] },
      { job_name: job('ts-ignore'), honor_timestamps: false, static_configs: [{ targets: [timestamps, omTimestamps] }] },
      { job_name: job('failing'), scrape_timeout: '500ms', static_configs: [{ targets: [slow, malformed, notFound] }] },
      { job_name: job('sample-limit'), sample_limit: 4, static_configs: [{ targets: [wide] }] },
      { job_name: job('sample-limit-ok'), sample_limit: 4, metric_relabel_configs: [{ source_labels: ['a'], regex: '5', action: 'drop' }], static_configs: [{ targets: [wide] }] },
      { job_name: job('label-limit'), label_limit: 5, static_configs: [{ targets: [wide] }] },
      { job_name: job('name-limit'), label_name_length_limit: 20, static_configs: [{ targets: [wide] }] },
      { job_name: job('value-limit'), label_value_length_limit: 24, static_configs: [{ targets: [wide] }] },
      { job_name: job('body-limit'), body_size_limit: '100B', static_configs: [{ targets: [wide] }] },
      { job_name: job('target-limit'), target_limit: 1, static_configs: [{ targets: [wide, untyped] }] },
      {
        job_name: job('relabel'),
        static_configs: [
          // One group per target with a name whose hashmod is known, so the kept set does not depend on ports.
          ...[gzip, openmetrics, untyped, duplicates, wide, timestamps].map((target, i) => ({
            targets: [target],
            labels: { __meta_x_zone: 'eu-West', __meta_x_rack: 'r7', a: 'same', b: 'same', c: 'other', svc: 'web-frontend', name: hashmodName(i === 3 ? 3 : 0, i) },
          })),
          // Dropped by keepequal (a != b), then by dropequal (a == c).
          { targets: [omTimestamps], labels: { a: 'one', b: 'two' } },
          { targets: [malformed], labels: { a: 'one', b: 'one', c: 'one' } },
        ],
        relabel_configs: [
          { source_labels: ['name'], modulus: 4, target_label: '__tmp_hash', action: 'hashmod' },
          { source_labels: ['__tmp_hash'], regex: '[0-2]', action: 'keep' },
          { regex: '__meta_x_(.+)', replacement: 'meta_$1', action: 'labelmap' },
          { source_labels: ['a'], target_label: 'b', action: 'keepequal' },
          { source_labels: ['a'], target_label: 'c', action: 'dropequal' },
          { source_labels: ['meta_zone'], target_label: 'zone_lower', action: 'lowercase' },
          { source_labels: ['meta_zone'], target_label: 'zone_upper', action: 'uppercase' },
          { source_labels: ['svc', 'meta_rack'], separator: '/', regex: '(?P<tier>\\w+)-(\\w+)/(r\\d)', target_label: 'placement', replacement: '${2}_${tier}@$3' },
        ],
        metric_relabel_configs: [
          { source_labels: ['__name__'], regex: 'gz_(.*)', target_label: '__name__', replacement: 'renamed_$1' },
          { source_labels: ['__name__', 'path'], separator: ';', regex: 'renamed_requests_total;/b', action: 'drop' },
        ],
      },
    ];
    jobs.push(...scrapeConfigs.map((c) => c.job_name));
    const file = join(dir, 'scrape.yml');
    writeFileSync(file, stringify({ global: { scrape_interval: '1s', scrape_timeout: '1s' }, scrape_configs: scrapeConfigs }));
    const input = testConfig();
    braid = await startTestBraid({ ...input, telemetry: { log_level: 'error' }, receivers: { ...input.receivers, prometheus: { enabled: true, config_file: file } } });
    prometheus = await startPrometheus(file, join(dir, 'data'));
  }, 60_000);
  afterAll(async () => {
    prometheus?.stop();
    await braid?.stop();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const promQuery = (query: string) => prometheus!.query(query);

  /** Prometheus's current view of this run's jobs: every series with its latest value. */
  async function prometheusView(): Promise<Map<string, number>> {
    const result = await promQuery(`{job=~"${run}-.+"}`);
    return new Map(result.map((r) => [key(r.metric), float(r.value[1])]));
  }

  /** Braid's newest sample of every series of this run's jobs (a staleness marker: no series). */
  async function braidSamples(): Promise<Map<string, { value: number; timestamp: string }>> {
    const out = new Map<string, { value: number; timestamp: string }>();
    await Promise.all(
      jobs.map(async (j) => {
        const res = await fetch(`${braid.addresses.query}/braid/v1/samples?lookback=5m&limit=10000&label=${encodeURIComponent(`job:${j}`)}`);
        const body = (await res.json()) as { samples: Array<{ metric: string; labels: Series; value: number | string | null; timestamp: string; stale?: boolean }> };
        const seen = new Set<string>();
        for (const s of body.samples) {
          const k = key({ ...s.labels, __name__: s.metric });
          if (seen.has(k)) continue; // newest first
          seen.add(k);
          if (!s.stale) out.set(k, { value: typeof s.value === 'number' ? s.value : float(String(s.value)), timestamp: s.timestamp });
        }
      }),
    );
    return out;
  }

  const braidView = async () => new Map([...(await braidSamples())].map(([k, v]) => [k, v.value]));

  // Values that differ between two scrapers by nature: timings, and what one scrape added.
  const volatile = (k: string) => /scrape_duration_seconds|scrape_series_added/.test(k);
  const differences = (prom: Map<string, number>, ours: Map<string, number>) => {
    const out: string[] = [];
    for (const k of new Set([...prom.keys(), ...ours.keys()])) {
      if (!ours.has(k)) out.push(`only Prometheus: ${k} = ${prom.get(k)}`);
      else if (!prom.has(k)) out.push(`only Braid:      ${k} = ${ours.get(k)}`);
      else if (!volatile(k) && !Object.is(prom.get(k), ours.get(k))) out.push(`values differ:   ${k}: Prometheus ${prom.get(k)}, Braid ${ours.get(k)}`);
    }
    return out.sort();
  };

  it('stores the same series with the same values as Prometheus', async () => {
    // Every job's targets scraped at least twice by Prometheus (scrape_series_added drops to 0 after the first).
    let seen: string[] = [];
    await eventually(async () => {
      const twice = await promQuery(`count by (job) (count_over_time(up{job=~"${run}-.+"}[1m]) >= 2)`).catch(() => []);
      seen = twice.map((r) => r.metric.job ?? '');
      return seen.length === jobs.length ? true : undefined;
    }, 30_000, 'Prometheus scraping every job').catch((err: Error) => {
      throw new Error(`${err.message}; jobs not scraped twice: ${jobs.filter((j) => !seen.includes(j)).join(', ')}; Prometheus's output: ${prometheus?.output().slice(-1500)}`);
    });
    let last: string[] = [];
    let prom = new Map<string, number>();
    await eventually(async () => {
      const [p, ours] = await Promise.all([prometheusView(), braidView()]);
      prom = p;
      last = differences(prom, ours);
      return last.length === 0 ? true : undefined;
    }, 15_000, 'Braid and Prometheus agreeing').catch(() => undefined);
    expect(last).toEqual([]);

    // What the cases are about, so that agreeing on nothing cannot pass.
    const series = [...prom].map(([k, v]) => ({ labels: Object.fromEntries(JSON.parse(k) as Array<[string, string]>) as Series, value: v }));
    const up = (name: string) => series.filter((s) => s.labels.__name__ === 'up' && s.labels.job === job(name)).map((s) => s.value);
    const failing = ['bearer-wrong', 'sample-limit', 'label-limit', 'name-limit', 'value-limit', 'body-limit'];
    expect(Object.fromEntries(jobs.filter((j) => j !== job('relabel')).map((j) => [j, up(j.slice(run.length + 1))]))).toEqual({
      ...Object.fromEntries(['basic', 'bearer', 'sample-limit-ok'].map((j) => [job(j), [1]])),
      ...Object.fromEntries(['federate', 'ts-honor', 'ts-ignore'].map((j) => [job(j), [1, 1]])),
      ...Object.fromEntries(failing.map((j) => [job(j), [0]])),
      [job('formats')]: [1, 1, 1, 1],
      [job('failing')]: [0, 0, 0],
      [job('target-limit')]: [0, 0],
    });
    const names = new Set(series.map((s) => s.labels.__name__));
    for (const name of ['gz_requests_total', 'jobs_total', 'jobs_created', 'build_info', 'feature', 'queue_wait_gsum', 'latency_seconds_created', 'odd', 'plain_special', 'dup_gauge', 'secure_gauge', 'renamed_requests_total']) {
      expect({ name, present: names.has(name) }).toEqual({ name, present: true });
    }
    expect(series.filter((s) => s.labels.__name__ === 'fed_gauge').map((s) => `${s.labels.module} ${s.labels.timeout}`).sort()).toEqual(['x 0.75', 'y 0.75']);
    // hashmod keeps buckets 0-2 (the target in bucket 3 goes); keepequal and dropequal drop the last two groups.
    expect(series.filter((s) => s.labels.__name__ === 'up' && s.labels.job === job('relabel')).map((s) => s.labels.name).sort()).toEqual([0, 1, 2, 4, 5].map((i) => hashmodName(0, i)));
    expect(series.find((s) => s.labels.__name__ === 'up' && s.labels.job === job('relabel'))?.labels).toMatchObject({ meta_zone: 'eu-West', zone_lower: 'eu-west', zone_upper: 'EU-WEST', placement: 'frontend_web@r7' });
  }, 120_000);

  it('stores explicit timestamps as Prometheus does, with honor_timestamps on and off', async () => {
    const prom = await promQuery(`timestamp({job=~"${job('ts-honor')}|${job('ts-ignore')}", __name__=~"ts_.+"})`);
    const ours = await braidSamples();
    const promTs = new Map(prom.map((r) => [`${r.metric.job} ${r.metric.kind} ${r.metric.instance}`, Math.round(float(r.value[1]) * 1000)]));
    expect(promTs.size).toBe(8);
    let compared = 0;
    for (const [k, v] of ours) {
      const s = new Map(JSON.parse(k) as Array<[string, string]>);
      if (!/^ts_/.test(s.get('__name__') ?? '') || ![job('ts-honor'), job('ts-ignore')].includes(s.get('job') ?? '')) continue;
      const id = `${s.get('job')} ${s.get('kind')} ${s.get('instance')}`;
      compared++;
      const braidMs = Date.parse(v.timestamp);
      const promMs = promTs.get(id);
      if (s.get('job') === job('ts-honor') && s.get('kind') === 'explicit') {
        expect({ id, braidMs, promMs }).toEqual({ id, braidMs: t0, promMs: t0 });
      } else {
        // Scrape times: each scraper its own, both recent and neither the exposed one.
        expect({ id, recent: Math.abs(braidMs - Date.now()) < 10_000 && Math.abs((promMs ?? 0) - Date.now()) < 10_000 }).toEqual({ id, recent: true });
      }
    }
    expect(compared).toBe(8);
  });
});
