/**
 * The metric names Braid exports, collected from src at test time: prom-client metrics by a scan of
 * their definitions, the scraper's synthetic series and the alerter's ALERTS by a scan of their
 * literals, and the span- and log-derived series by running the ingester's own naming code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toRequests } from '../../src/ingest/derived/points.js';
import { translateMetrics } from '../../src/model/prometheus-samples.js';

const SRC = join(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/** The series a prom-client metric of this type exposes. */
const SUFFIXES: Record<string, string[]> = { Counter: [''], Gauge: [''], Histogram: ['_bucket', '_sum', '_count'], Summary: ['', '_sum', '_count'] };

/** `new Counter({ name: 'braid_x_total', ...` and the like, in every file of src. */
export function promClientMetrics(files = sourceFiles(SRC)): Set<string> {
  const out = new Set<string>();
  const definition = /new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g;
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(definition)) {
      for (const s of SUFFIXES[m[1]!]!) out.add(`${m[2]!}${s}`);
    }
  }
  return out;
}

/** The scraper's synthetic series (`up`, `scrape_duration_seconds`, ...): its SYNTHETIC list. */
export function scrapeSeries(): Set<string> {
  const text = readFileSync(join(SRC, 'receivers/prometheus/scrape/loop.ts'), 'utf8');
  const list = /const SYNTHETIC = \[([^\]]*)\]/.exec(text);
  if (list === null) throw new Error('src/receivers/prometheus/scrape/loop.ts: no SYNTHETIC list of synthetic series found');
  return new Set([...list[1]!.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!));
}

/** Series the alerter writes (`__name__: 'ALERTS'`, ...). */
export function alerterSeries(): Set<string> {
  const out = new Set<string>();
  for (const f of sourceFiles(join(SRC, 'alerting'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/__name__: '([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) out.add(m[1]!);
  }
  return out;
}

/** The derived series' names, as the ingester's points become samples on their way to the head. */
export function derivedSeries(): Set<string> {
  const point = { attributes: { 'service.name': 's' }, startTimeUnixNano: 1n, timeUnixNano: 2n, exemplars: [], flags: 0 };
  const requests = toRequests({
    calls: [{ ...point, value: 1 }],
    duration: [{ ...point, count: 1n, sum: 0.1, bucketCounts: [1n, 0n], explicitBounds: [1] }],
    logs: [{ ...point, value: 1 }],
  }, 10);
  const out = new Set<string>();
  for (const r of requests) translateMetrics(r, { add: (name) => { out.add(name); } });
  return out;
}

/** Every metric name Braid exports. */
export function exportedMetrics(): Set<string> {
  return new Set([...promClientMetrics(), ...scrapeSeries(), ...alerterSeries(), ...derivedSeries()]);
}
