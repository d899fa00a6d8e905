/**
 * `npm run demo`: Braid in this process (embedded by default; on Kafka and Elasticsearch when
 * BRAID_KAFKA_BROKERS / BRAID_ELASTICSEARCH_URL are set) with the shop's scrape job
 * (collectors/shop.yml) and the shipped alerts, then the shop (four services, shipper, rsyslog
 * when installed, load), a progress line every 2 s and where to look. Ctrl-C stops everything.
 *
 *   npm run demo [-- --rate 10] [--duration 5m] [--mix order=6,user=2,product=2] [--failure-ratio 0.02]
 *   npm run demo -- fault payment failure_ratio=0.3      (in another terminal, while the demo runs)
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyEnv, validateConfig } from '../../src/config/load.js';
import { startBraid, type RunningBraid } from '../../src/main.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { faultsMain } from './faults.js';
import { DEFAULT_MIX, parseMix, type LoadMix } from './load.js';
import { startShop, type Shop } from './shop.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The demo's options. */
export interface DemoOptions {
  rate: number;
  /** Stop after this many seconds; undefined runs until Ctrl-C. */
  durationS?: number;
  mix: LoadMix;
  /** Payment's failure ratio at start, so that failing traces exist from the first seconds. */
  failureRatio: number;
}

/** Parses "90", "90s", "5m", "1h" into seconds; the error names the option. */
export function parseDuration(text: string, option = '--duration'): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`${option}: "${text}" is not a duration (e.g. 90s, 5m, 1h)`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

/** Parses the demo's command line; errors name the bad option. */
export function parseDemoArgs(argv: string[]): DemoOptions {
  const o: DemoOptions = { rate: 10, mix: DEFAULT_MIX, failureRatio: 0.02 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag}: a value is required`);
      return v;
    };
    if (flag === '--rate') {
      const v = value();
      o.rate = Number(v);
      if (!Number.isFinite(o.rate) || o.rate <= 0 || o.rate > 1000) throw new Error(`--rate: requests per second must be a number in (0, 1000], got "${v}"`);
    } else if (flag === '--duration') o.durationS = parseDuration(value());
    else if (flag === '--mix') o.mix = parseMix(value());
    else if (flag === '--failure-ratio') {
      const v = value();
      o.failureRatio = Number(v);
      if (!Number.isFinite(o.failureRatio) || o.failureRatio < 0 || o.failureRatio > 1) throw new Error(`--failure-ratio: must be a number in [0, 1], got "${v}"`);
    } else throw new Error(`unknown option "${argv[i]}" (options: --rate, --duration, --mix, --failure-ratio; or: fault <service> name=value)`);
  }
  return o;
}

async function counter(braid: RunningBraid, name: string): Promise<number> {
  const m = braid.registry.getSingleMetric(name);
  return m ? ((await m.get()).values as Array<{ value: number }>).reduce((a, v) => a + v.value, 0) : 0;
}

async function firingAlerts(query: string): Promise<string[]> {
  try {
    const body = (await (await fetch(`${query}/prometheus/api/v1/alerts`, { signal: AbortSignal.timeout(1_500) })).json()) as { data?: { alerts?: Array<{ state: string; labels: Record<string, string> }> } };
    return (body.data?.alerts ?? []).filter((a) => a.state === 'firing').map((a) => `${a.labels.alertname}${a.labels.service_name ? `{${a.labels.service_name}}` : ''}`);
  } catch {
    return [];
  }
}

function whereToLook(braid: RunningBraid, shop: Shop, lastTrace: string | undefined): string {
  const q = braid.addresses.query!;
  const failing = shop.recentFailures().at(-1);
  const id = failing ?? lastTrace;
  const lines = [
    '',
    'Where to look:',
    id ? `  ${failing ? 'a recent failing trace' : 'a recent trace'}: ${id}` : '  no trace yet',
    id ? `    npm run braid -- trace ${id}${q === 'http://127.0.0.1:16686' ? '' : ` --url ${q}`}` : '',
    id ? `    ${q}/trace/${id}   (the explorer; search at ${q}/)` : `  the explorer: ${q}/`,
    `  Jaeger API:      ${q}/api/services, ${q}/api/dependencies?endTs=${Date.now()}&lookback=3600000`,
    `  Prometheus API:  ${q}/prometheus/api/v1/query?query=sum%20by%20(service,status)(rate(shop_http_requests_total[1m]))`,
    `                   ${q}/prometheus/api/v1/alerts`,
    `  Grafana:         provision dashboards/provisioning/ (datasources and dashboards) with BRAID_QUERY_URL=${q}`,
    '                   and BRAID_ELASTICSEARCH_URL (see dashboards/README.md)',
    '  Faults:          npm run demo -- fault payment failure_ratio=0.3   (or: npx tsx examples/shop/faults.ts payment failure_ratio=0.3)',
    '                   npm run demo -- fault product latency_ms=800 | user not_found_ratio=0.2 | npm run demo -- fault (shows them)',
    '',
  ];
  return lines.filter((l, i) => l !== '' || i === 0 || i === lines.length - 1).join('\n');
}

async function runDemo(o: DemoOptions): Promise<void> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const raw = {
    receivers: { prometheus: { config_file: `${ROOT}collectors/shop.yml` } },
    alerting: { rule_files: [`${ROOT}alerts/*.yaml`] },
    telemetry: { log_level: process.env.BRAID_LOG_LEVEL ?? 'warn' },
  };
  const config = validateConfig(applyEnv(raw, process.env), 'demo');
  const mode = config.queue.kafka.brokers.length > 0 ? `Kafka ${config.queue.kafka.brokers.join(',')}` : 'embedded queue';
  const store = config.storage.elasticsearch.url ? `Elasticsearch ${config.storage.elasticsearch.url}` : 'memory store';
  out(`[demo] starting Braid (${mode}, ${store}) ...`);
  const braid = await startBraid(config, { log: createLogger(config.telemetry.log_level) });
  // Filled in as they start; stopAll stops what is there.
  const started: { shop?: Shop; timer?: NodeJS.Timeout } = {};
  let stopping: Promise<void> | undefined;
  const stopAll = (why: string) =>
    (stopping ??= (async () => {
      clearInterval(started.timer);
      out(`\n[demo] ${why}: stopping the shop and Braid ...`);
      await started.shop?.stop();
      await braid.stop();
      out('[demo] stopped; nothing left running.');
    })());
  // A second Ctrl-C exits at once; the shop's exit hook still kills what it started.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => (stopping ? process.exit(130) : void stopAll(sig).then(() => process.exit(0))));

  const a = braid.addresses;
  let lastTrace: string | undefined;
  const shop = await startShop({
    otlpGrpc: `http://${a.otlpGrpc!}`,
    otlpHttp: a.otlpHttp!,
    bulk: a.elasticsearch!,
    rate: o.rate,
    mix: o.mix,
    log: (l) => out(l),
    onOutcome: (r) => {
      if (r.kind === 'order') lastTrace = r.traceId;
    },
  });
  started.shop = shop;
  if (o.failureRatio > 0) await shop.setFault('payment', { failure_ratio: o.failureRatio });
  out(`[demo] shop up (${o.rate} requests/s, mix ${JSON.stringify(o.mix)}, payment failure_ratio ${o.failureRatio}); payment logs via ${shop.paymentLogs}. Ctrl-C stops.`);

  const t0 = Date.now();
  let ticks = 0;
  const tick = async () => {
    ticks++;
    const s = shop.stats();
    const [spans, logs, alerts] = await Promise.all([counter(braid, 'braid_ingest_spans_total'), counter(braid, 'braid_ingest_log_records_total'), firingAlerts(a.query!)]);
    const secs = Math.round((Date.now() - t0) / 1000);
    out(`[demo] ${secs}s  requests ${s.sent} sent, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped (in-flight cap)` : ''}  spans ${spans} stored  logs ${logs} stored  alerts firing ${alerts.length}${alerts.length ? ` (${alerts.join(', ')})` : ''}${shop.paymentLogs === 'rsyslog' ? '' : `  [payment logs: ${shop.paymentLogs}]`}`);
    if (ticks === 3 || ticks % 30 === 0) out(whereToLook(braid, shop, lastTrace));
    if (o.durationS !== undefined && secs >= o.durationS) await stopAll(`--duration ${o.durationS}s reached`);
  };
  started.timer = setInterval(() => void tick(), 2_000);
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      if (stopping) {
        clearInterval(wait);
        void stopping.then(resolve);
      }
    }, 200);
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'fault') return faultsMain(argv.slice(1));
  await runDemo(parseDemoArgs(argv));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`[demo] ${err.message}\n`);
      process.exit(1);
    },
  );
}
