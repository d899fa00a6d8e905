/**
 * Differential check of Braid's scraper against a real Prometheus (Debian's `prometheus`): both
 * scrape the same targets with the same `scrape_configs` file (static and file-based discovery,
 * target and metric relabeling, honor_labels, a failing target, text and OpenMetrics with
 * exemplars); the series and values Prometheus reports through its HTTP API must be the ones
 * Braid stored.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import { eventually } from '../helpers/otlp.js';
import { startTestBraid, testConfig } from '../helpers/braid.js';
import { startPrometheus, type RunningPrometheus } from '../helpers/prometheus.js';

const TEXT_TARGET = `# HELP http_requests_total Requests served.
# TYPE http_requests_total counter
http_requests_total{method="get",code="200"} 1027
http_requests_total{method="post",code="500"} 3
# HELP queue_depth Items waiting.
# TYPE queue_depth gauge
queue_depth{queue="emails",job="mailer"} 42
# TYPE request_seconds histogram
request_seconds_bucket{le="0.1"} 5
request_seconds_bucket{le="0.5"} 9
request_seconds_bucket{le="+Inf"} 10
request_seconds_sum 3.25
request_seconds_count 10
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.012
rpc_seconds{quantile="0.99"} 0.3
rpc_seconds_sum 14.5
rpc_seconds_count 311
# A comment, then an untyped metric
build_info{version="1.2.3",revision="abc"} 1
debug_noise_total 17
`;

const OPENMETRICS_TARGET = `# TYPE orders counter
# HELP orders Orders placed.
orders_total{shop="eu"} 11 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 1.0 1700000000.5
# TYPE payment_seconds histogram
payment_seconds_bucket{le="1.0"} 2 # {trace_id="5b8efff798038103d269b633813fc60c"} 0.7
payment_seconds_bucket{le="+Inf"} 3
payment_seconds_sum 4.5
payment_seconds_count 3
# TYPE temperature_celsius gauge
# UNIT temperature_celsius celsius
temperature_celsius{room="lab"} 21.5
# EOF
`;

function serve(body: string | undefined, contentType: string, status = 200): Promise<{ server: Server; address: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.end(body ?? 'boom');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, address: `127.0.0.1:${(server.address() as { port: number }).port}` })));
}

type Series = Record<string, string>;
const key = (s: Series) => JSON.stringify(Object.keys(s).sort().map((k) => [k, s[k]]));

describe('scraping, differential against a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'braid-scrape-diff-'));
  const servers: Server[] = [];
  let braid: RunningBraid;
  let prometheus: RunningPrometheus | undefined;

  beforeAll(async () => {
    const text = await serve(TEXT_TARGET, 'text/plain; version=0.0.4; charset=utf-8');
    const om = await serve(OPENMETRICS_TARGET, 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    const failing = await serve(undefined, 'text/plain', 500);
    servers.push(text.server, om.server, failing.server);
    writeFileSync(join(dir, 'targets.json'), JSON.stringify([{ targets: [text.address], labels: { source: 'file', team: 'payments' } }]));
    const config = [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      '  - job_name: static',
      '    static_configs:',
      `      - targets: ["${text.address}", "${om.address}", "${failing.address}"]`,
      '        labels: { env: test }',
      '    relabel_configs:',
      '      - { source_labels: [__address__], regex: "127\\\\.0\\\\.0\\\\.1:(\\\\d+)", target_label: port, replacement: "p$1" }',
      '    metric_relabel_configs:',
      '      - { source_labels: [__name__], regex: "debug_.*", action: drop }',
      '      - { regex: revision, action: labeldrop }',
      '  - job_name: files',
      '    honor_labels: true',
      '    file_sd_configs:',
      `      - files: ["${join(dir, 'targets.json')}"]`,
      '        refresh_interval: 1s',
    ].join('\n');
    const file = join(dir, 'scrape.yml');
    writeFileSync(file, `${config}\n`);
    const input = testConfig();
    braid = await startTestBraid({ ...input, receivers: { ...input.receivers, prometheus: { enabled: true, config_file: file } } });
    prometheus = await startPrometheus(file, join(dir, 'data'));
  }, 60_000);
  afterAll(async () => {
    prometheus?.stop();
    await braid?.stop();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Prometheus's current view: every series with its latest value. */
  async function prometheusView(): Promise<Map<string, number>> {
    const result = await prometheus!.query('{job=~".+"}');
    return new Map(result.map((r) => [key(r.metric), Number(r.value[1])]));
  }

  /** Braid's view: the latest sample of every series of the last minute. */
  async function braidView(): Promise<Map<string, number>> {
    const res = await fetch(`${braid.addresses.query}/braid/v1/samples?lookback=1m&limit=10000`);
    const body = (await res.json()) as { samples: Array<{ metric: string; labels: Series; value: number | string | null }> };
    const out = new Map<string, number>();
    for (const s of body.samples) {
      const k = key({ ...s.labels, __name__: s.metric });
      if (!out.has(k)) out.set(k, typeof s.value === 'number' ? s.value : Number.NaN); // newest first
    }
    return out;
  }

  // Values that differ between two scrapers by nature: timings, and what one scrape added.
  const volatile = (k: string) => /scrape_duration_seconds|scrape_series_added/.test(k);

  it('stores the same series with the same values as Prometheus', async () => {
    const prom = await eventually(async () => {
      const v = await prometheusView().catch(() => undefined);
      // Every target scraped at least once: four `up` series (three static, one from the file).
      return v && [...v.keys()].filter((k) => k.startsWith('[["__name__","up"]')).length === 4 && [...v.keys()].some((k) => k.includes('request_seconds_bucket')) ? v : undefined;
    }, 60_000, `Prometheus scraping (its output: ${prometheus?.output().slice(-1500)})`);
    const ours = await eventually(async () => {
      const v = await braidView();
      return [...prom.keys()].every((k) => v.has(k)) ? v : undefined;
    }, 30_000, 'Braid holding every series Prometheus has').catch(async () => {
      const v = await braidView();
      throw new Error(`series only Prometheus has: ${[...prom.keys()].filter((k) => !v.has(k)).join('\n')}\nseries only Braid has: ${[...v.keys()].filter((k) => !prom.has(k)).join('\n')}`);
    });
    const onlyOurs = [...ours.keys()].filter((k) => !prom.has(k));
    expect(onlyOurs).toEqual([]);
    for (const [k, v] of prom) {
      if (volatile(k)) continue;
      expect({ series: k, value: ours.get(k) }).toEqual({ series: k, value: v });
    }
    expect(prom.size).toBeGreaterThan(40);
  }, 120_000);

  it('keeps the exemplars of the OpenMetrics target with their trace IDs', async () => {
    const view = await eventually(async () => {
      const r = await fetch(`${braid.addresses.query}/braid/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736`);
      return r.status === 200 ? ((await r.json()) as { exemplars: Array<{ metric: string; exemplar: { spanId?: string; value: number } }> }) : undefined;
    }, 30_000, 'the exemplar in the trace view');
    expect(view.exemplars[0]).toMatchObject({ metric: 'orders_total', exemplar: { spanId: '00f067aa0ba902b7', value: 1 } });
  });
});
