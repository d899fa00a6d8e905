/**
 * Metrics in, with real clients: the OTel JS SDK's OTLP metric exporters (HTTP/protobuf and
 * gRPC), an OTLP request carrying an exemplar of a trace, and a real Prometheus (Debian's
 * `prometheus`) remote-writing what it scrapes. Samples come back from /braid/v1/samples in
 * Prometheus naming, and the exemplar from the trace's view. Both modes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBraid } from '../../src/main.js';
import type { TraceView } from '../../src/query/braid/routes.js';
import { eventually, newSpanId, newTraceId } from '../helpers/otlp.js';
import { freePort } from '../helpers/process.js';
import { bothModes, startTestBraid } from '../helpers/braid.js';

const PROMETHEUS = '/usr/bin/prometheus';

interface SampleView {
  metric: string;
  labels: Record<string, string>;
  value: number | string | null;
  timestamp: string;
  exemplar?: { 'trace.id'?: string };
}

const modes = bothModes('metrics');

for (const [mode, config] of modes) {
  describe(`metrics in (${mode})`, () => {
    let braid: RunningBraid;
    beforeAll(async () => {
      braid = await startTestBraid(config());
    });
    afterAll(async () => {
      await braid?.stop();
    });

    const samples = async (params: string) => ((await (await fetch(`${braid.addresses.query}/braid/v1/samples?${params}`)).json()) as { samples: SampleView[] }).samples;

    const exporters: Array<[string, () => PushMetricExporter]> = [
      ['OTLP/HTTP protobuf', () => new ProtoMetricExporter({ url: `${braid.addresses.otlpHttp}/v1/metrics` })],
      ['OTLP/gRPC', () => new GrpcMetricExporter({ url: `http://${braid.addresses.otlpGrpc}` })],
    ];
    for (const [name, make] of exporters) {
      it(`takes the OTel SDK's ${name} metric exporter, in Prometheus naming`, async () => {
        const service = `shop-${name.replace(/\W+/g, '-').toLowerCase()}`;
        const reader = new PeriodicExportingMetricReader({ exporter: make(), exportIntervalMillis: 60_000 });
        const provider = new MeterProvider({
          resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'pod-1' }),
          readers: [reader],
          views: [{ instrumentName: 'http.server.request.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.1, 0.5, 1] } } }],
        });
        const meter = provider.getMeter('shop');
        meter.createCounter('orders.placed', { unit: '{order}' }).add(7, { region: 'eu' });
        const h = meter.createHistogram('http.server.request.duration', { unit: 's' });
        for (const v of [0.05, 0.2, 0.3, 2]) h.record(v, { 'http.route': '/cart' });
        meter.createObservableGauge('queue.depth').addCallback((r) => r.observe(42, { queue: 'emails' }));
        await provider.forceFlush();
        await provider.shutdown();

        const found = await eventually(async () => {
          const s = await samples(`label=job:${service}&limit=1000`);
          return s.some((x) => x.metric === 'http_server_request_duration_seconds_count') && s.some((x) => x.metric === 'orders_placed_total') && s.some((x) => x.metric === 'queue_depth') ? s : undefined;
        }, 30_000, 'the samples');
        const one = (metric: string, extra: Record<string, string> = {}) => found.find((x) => x.metric === metric && Object.entries(extra).every(([k, v]) => x.labels[k] === v));
        expect(one('orders_placed_total')?.value).toBe(7);
        expect(one('orders_placed_total')?.labels).toMatchObject({ job: service, instance: 'pod-1', region: 'eu' });
        expect(one('queue_depth')?.value).toBe(42);
        expect(one('http_server_request_duration_seconds_count')?.value).toBe(4);
        expect(one('http_server_request_duration_seconds_sum')?.value).toBeCloseTo(2.55, 6);
        expect(one('http_server_request_duration_seconds_bucket', { le: '0.1' })?.value).toBe(1);
        expect(one('http_server_request_duration_seconds_bucket', { le: '0.5' })?.value).toBe(3);
        expect(one('http_server_request_duration_seconds_bucket', { le: '+Inf' })?.value).toBe(4);
      });
    }

    it('keeps an exemplar with its trace ID, shown with the trace', async () => {
      const traceId = newTraceId();
      const spanId = newSpanId();
      const nowNs = `${Date.now()}000000`;
      const body = {
        resourceMetrics: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeMetrics: [{ metrics: [{
            name: 'checkout.latency', unit: 'ms',
            histogram: { aggregationTemporality: 2, dataPoints: [{
              startTimeUnixNano: nowNs, timeUnixNano: nowNs, count: '3', sum: 1450, bucketCounts: ['1', '1', '1'], explicitBounds: [100, 1000],
              exemplars: [{ timeUnixNano: nowNs, asDouble: 1200, traceId, spanId }],
            }] },
          }] }],
        }],
      };
      const res = await fetch(`${braid.addresses.otlpHttp}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      const view = await eventually(async () => {
        const r = await fetch(`${braid.addresses.query}/braid/v1/traces/${traceId}`);
        return r.status === 200 ? ((await r.json()) as TraceView) : undefined;
      }, 30_000, 'the trace view with its exemplar');
      expect(view.exemplars).toHaveLength(1);
      expect(view.exemplars[0]).toMatchObject({ metric: 'checkout_latency_milliseconds_bucket', labels: { le: '+Inf', job: 'checkout' }, exemplar: { spanId, value: 1200 } });
    });

    it('rejects a remote-write body that is not snappy with the reason, and takes the next one', async () => {
      const res = await fetch(`${braid.addresses.otlpHttp}/api/v1/write`, {
        method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' }, body: Buffer.from('this is not snappy at all'),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/BRAID_ERR_REMOTE_WRITE_DECODE: .*snappy/);
    });

    if (mode === 'embedded') {
      describe('from a real Prometheus', () => {
        const dir = mkdtempSync(join(tmpdir(), 'braid-prometheus-'));
        let prometheus: ChildProcess | undefined;
        let output = '';
        afterAll(() => {
          prometheus?.kill('SIGTERM');
          rmSync(dir, { recursive: true, force: true });
        });

        it('lands what Prometheus scrapes and remote-writes', async () => {
          if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} not found: install the Debian package prometheus (.ci/run does)`);
          const admin = new URL(braid.addresses.admin);
          const web = await freePort();
          writeFileSync(join(dir, 'prometheus.yml'), [
            'global: { scrape_interval: 1s, evaluation_interval: 1s }',
            'scrape_configs:',
            `  - { job_name: braid-admin, static_configs: [ { targets: ["127.0.0.1:${admin.port}"] } ] }`,
            'remote_write:',
            `  - url: "${braid.addresses.otlpHttp}/api/v1/write"`,
            '    queue_config: { batch_send_deadline: 1s, min_backoff: 100ms, max_backoff: 1s }',
          ].join('\n'));
          prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${web}`], { stdio: ['ignore', 'pipe', 'pipe'] });
          prometheus.stdout?.on('data', (d: Buffer) => (output += d.toString()));
          prometheus.stderr?.on('data', (d: Buffer) => (output += d.toString()));
          const up = await eventually(async () => {
            const s = await samples('metric=up&label=job:braid-admin');
            return s.length > 0 ? s : undefined;
          }, 60_000, `up{job="braid-admin"} written by Prometheus (its output: ${output.slice(-2000)})`);
          expect(up[0]?.value).toBe(1);
          expect(up[0]?.labels).toMatchObject({ job: 'braid-admin', instance: `127.0.0.1:${admin.port}` });
          const own = await samples('metric=braid_receiver_accepted_metric_points_total&label=job:braid-admin&limit=100');
          expect(own.length).toBeGreaterThan(0);
        }, 90_000);
      });
    }
  });
}
