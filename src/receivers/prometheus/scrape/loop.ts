/**
 * One target's scrape loop, as Prometheus's scrape/scrape.go runs it: every interval (offset by a
 * hash of the target, so targets spread over the interval), GET the exposition, parse it, attach
 * the target's labels (honor_labels decides conflicts), apply metric_relabel_configs and the
 * limits (samples, label count, label name and value length, body size), add the synthetic
 * series (up, scrape_duration_seconds, scrape_samples_scraped,
 * scrape_samples_post_metric_relabeling, scrape_series_added), and write staleness markers for
 * series that disappeared, for every series of a failed scrape, and for all of a target that
 * goes away. The result is handed on as a remote-write request, the form the receiver already
 * translates to OTLP.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../../telemetry/logger.js';
import { parseExposition, SCRAPE_ACCEPT_HEADER, type ParsedFamily } from '../exposition.js';
import type { Label, MetricMetadata, TimeSeries, WriteRequest } from '../remote-write.js';
import { scrapeGet, type ScrapeTls } from './client.js';
import { relabel, type CompiledRelabel } from './relabel.js';
import type { Labels } from './types.js';

/** Everything a loop needs to know about its target. */
export interface LoopTarget {
  /** Stable identity: job and final labels. */
  key: string;
  job: string;
  url: string;
  labels: Labels;
  intervalMs: number;
  timeoutMs: number;
  honorLabels: boolean;
  honorTimestamps: boolean;
  /** Limits as Prometheus names them; 0: no limit. */
  sampleLimit: number;
  labelLimits: LabelLimits;
  bodySizeLimitBytes: number;
  metricRelabel: readonly CompiledRelabel[];
  headers: Record<string, string>;
  tls?: ScrapeTls;
}

/** Prometheus's label_limit, label_name_length_limit and label_value_length_limit; 0: no limit. */
export interface LabelLimits {
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
}

/** Where a loop's results go; rejects when they could not be queued. */
export type ScrapeSink = (req: WriteRequest) => Promise<void>;

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'];

/** A series as one string (names and values joined by separators that cannot occur in them), and back. */
const seriesKey = (labels: Label[]) => labels.map((l) => `${l.name}\u0000${l.value}`).join('\u0001');
const keyLabels = (key: string): Label[] =>
  key.split('\u0001').map((pair) => {
    const i = pair.indexOf('\u0000');
    return { name: pair.slice(0, i), value: pair.slice(i + 1) };
  });
const toLabels = (l: Labels): Label[] =>
  Object.keys(l)
    .filter((k) => l[k] !== '')
    .sort()
    .map((name) => ({ name, value: l[name] as string }));

/** The prometheus type a family carries as remote-write metadata. */
const metadataOf = (f: ParsedFamily): MetricMetadata => ({ type: f.type === 'untyped' ? 'unknown' : f.type, metricFamilyName: f.name, help: f.help ?? '', unit: f.unit ?? '' });

/** What one exposition became: series to store, Prometheus's two counts, and why the scrape fails, if it does. */
export interface ScrapedSeries {
  series: TimeSeries[];
  /** Samples read (scrape_samples_scraped), up to the one that failed the scrape. */
  scraped: number;
  /** Samples left after metric relabeling (scrape_samples_post_metric_relabeling), repeats included. */
  added: number;
  error?: string;
}

/**
 * Turns one parsed exposition into series with the target's labels, as Prometheus's scrapeLoop.append
 * does: a sample over a label limit fails the scrape there (the counts stop at it), a sample limit
 * fails it after counting everything, and a series repeated without a timestamp of its own keeps
 * its first value (Prometheus rejects the repeat as a duplicate sample, the scrape still succeeds).
 */
export function scrapedSeries(target: LoopTarget, families: ParsedFamily[], scrapeMs: number): ScrapedSeries {
  const series: TimeSeries[] = [];
  const seen = new Set<string>();
  let scraped = 0;
  let added = 0;
  for (const family of families) {
    for (const s of family.samples) {
      scraped++;
      const labels: Labels = {};
      for (const [k, v] of s.labels) labels[k] = v;
      for (const [k, v] of Object.entries(target.labels)) {
        if (k in labels && !target.honorLabels) {
          labels[`exported_${k}`] = labels[k] as string;
          labels[k] = v;
        } else if (!(k in labels)) labels[k] = v;
      }
      labels.__name__ = s.name;
      const kept = target.metricRelabel.length > 0 ? relabel(labels, target.metricRelabel) : labels;
      if (kept === undefined) continue;
      const final = toLabels(kept);
      const overLimit = labelLimitError(final, target.labelLimits);
      if (overLimit !== undefined) return { series: [], scraped, added, error: overLimit };
      added++;
      const explicit = target.honorTimestamps && s.timestampMs !== undefined;
      const timestampMs = explicit ? (s.timestampMs as number) : scrapeMs;
      if (!explicit) {
        const k = seriesKey(final);
        if (seen.has(k)) continue;
        seen.add(k);
      }
      const exemplars = s.exemplar ? [{ labels: s.exemplar.labels.map(([name, value]) => ({ name, value })), value: s.exemplar.value, timestampMs: s.exemplar.timestampMs ?? timestampMs }] : [];
      series.push({ labels: final, samples: [{ value: s.value, timestampMs, stale: false }], exemplars, histograms: 0 });
    }
  }
  if (target.sampleLimit > 0 && added > target.sampleLimit) return { series: [], scraped, added, error: `sample limit exceeded: ${added} > ${target.sampleLimit}` };
  return { series, scraped, added };
}

/** Prometheus's verifyLabelLimits, with its messages; lengths in UTF-8 bytes as Go counts them. */
export function labelLimitError(labels: Label[], limits: LabelLimits): string | undefined {
  if (limits.labelLimit === 0 && limits.labelNameLengthLimit === 0 && limits.labelValueLengthLimit === 0) return undefined;
  const metric = (labels.find((l) => l.name === '__name__')?.value ?? '').slice(0, 50);
  if (limits.labelLimit > 0 && labels.length > limits.labelLimit) {
    return `label_limit exceeded (metric: ${metric}, number of labels: ${labels.length}, limit: ${limits.labelLimit})`;
  }
  for (const { name, value } of labels) {
    const nameLength = Buffer.byteLength(name);
    if (limits.labelNameLengthLimit > 0 && nameLength > limits.labelNameLengthLimit) {
      return `label_name_length_limit exceeded (metric: ${metric}, label name: ${name.slice(0, 50)}, length: ${nameLength}, limit: ${limits.labelNameLengthLimit})`;
    }
    const valueLength = Buffer.byteLength(value);
    if (limits.labelValueLengthLimit > 0 && valueLength > limits.labelValueLengthLimit) {
      return `label_value_length_limit exceeded (metric: ${metric}, label name: ${name.slice(0, 50)}, value: ${JSON.stringify(value.slice(0, 50))}, length: ${valueLength}, limit: ${limits.labelValueLengthLimit})`;
    }
  }
  return undefined;
}

/** A running scrape loop. */
export class ScrapeLoop {
  /**
   * Series of the last successful scrape, for staleness, as keys only: a collector holds a
   * million of them, and a flat string per series costs a fraction of the label objects.
   */
  private previous = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Set while the job is over its target_limit: the scrape is skipped and fails with it. */
  private forcedError: string | undefined;

  constructor(
    readonly target: LoopTarget,
    private readonly sink: ScrapeSink,
    private readonly log: Logger,
  ) {}

  /** Fails every scrape with `error` instead of scraping (Prometheus's target_limit), until called with undefined. */
  setForcedError(error: string | undefined): void {
    this.forcedError = error;
  }

  /** Starts scraping, first after an offset derived from the target, so targets spread out. */
  start(): void {
    const offset = createHash('sha1').update(this.target.key).digest().readUInt32BE(0) % this.target.intervalMs;
    this.schedule(offset);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const started = Date.now();
      this.running = this.scrape().finally(() => this.schedule(Math.max(0, this.target.intervalMs - (Date.now() - started))));
    }, delayMs);
  }

  /** Scrapes once and hands the result on. Never rejects. */
  async scrape(): Promise<void> {
    const t = this.target;
    const startMs = Date.now();
    let series: TimeSeries[] = [];
    let metadata: MetricMetadata[] = [];
    let scraped = 0;
    let added = 0;
    let error: string | undefined = this.forcedError;
    try {
      if (error === undefined) {
        const res = await scrapeGet({
          url: t.url,
          headers: { accept: SCRAPE_ACCEPT_HEADER, 'x-prometheus-scrape-timeout-seconds': String(t.timeoutMs / 1000), ...t.headers },
          timeoutMs: t.timeoutMs,
          maxBodyBytes: t.bodySizeLimitBytes || MAX_BODY_BYTES,
          ...(t.tls ? { tls: t.tls } : {}),
        });
        if (res.status !== 200) throw new Error(`server returned HTTP status ${res.status}`);
        const parsed = parseExposition(res.body, res.contentType, { fallbackFormat: 'prometheus-text' });
        // A malformed exposition: nothing is stored, but the samples before the bad line count, as in Prometheus.
        const result = scrapedSeries(t, parsed.errors.length > 0 ? (parsed.partial ?? []) : parsed.families, startMs);
        ({ series, scraped, added } = result);
        error = result.error ?? parsed.errors[0];
        if (error === undefined) metadata = parsed.families.map(metadataOf);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (error !== undefined) series = [];
    const durationS = (Date.now() - startMs) / 1000;
    // Flattened copies, so the set keeps no slice of the scraped body alive.
    const current = new Set(series.map((s) => flat(seriesKey(s.labels))));
    let seriesAdded = 0;
    for (const k of current) if (!this.previous.has(k)) seriesAdded++;
    const stale = [...this.previous].filter((k) => !current.has(k)).map((k) => staleSeries(keyLabels(k), startMs));
    this.previous = current;
    const synthetic = [
      ['up', error === undefined ? 1 : 0],
      ['scrape_duration_seconds', durationS],
      ['scrape_samples_scraped', scraped],
      ['scrape_samples_post_metric_relabeling', added],
      ['scrape_series_added', seriesAdded],
    ] as const;
    const own = synthetic.map(([name, value]) => ({ labels: toLabels({ ...t.labels, __name__: name }), samples: [{ value, timestampMs: startMs, stale: false }], exemplars: [], histograms: 0 }));
    if (error !== undefined) this.log.warn({ target: t.url, job: t.job, err: error }, 'scrape failed');
    try {
      await this.sink({ timeseries: [...series, ...stale, ...own], metadata: [...metadata, ...SYNTHETIC.map((n) => ({ type: 'gauge' as const, metricFamilyName: n, help: '', unit: '' }))] });
    } catch (err) {
      this.log.error({ target: t.url, job: t.job, err: (err as Error).message }, 'scraped samples could not be queued; they are lost for this interval');
    }
  }

  /** Stops the loop; with `markStale`, writes staleness markers for everything the target had (it went away). */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (!markStale) return;
    const now = Date.now();
    const all = [...[...this.previous].map(keyLabels), ...SYNTHETIC.map((name) => toLabels({ ...this.target.labels, __name__: name }))];
    this.previous.clear();
    await this.sink({ timeseries: all.map((labels) => staleSeries(labels, now)), metadata: [] }).catch((err: unknown) => {
      this.log.error({ target: this.target.url, err: (err as Error).message }, 'staleness markers could not be queued');
    });
  }
}

/** A copy of a string that shares no memory with the one it came from (V8 keeps slices and ropes pointing at their parent). */
const flat = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function staleSeries(labels: Label[], timestampMs: number): TimeSeries {
  return { labels, samples: [{ value: Number.NaN, timestampMs, stale: true }], exemplars: [], histograms: 0 };
}
