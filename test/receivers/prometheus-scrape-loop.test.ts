import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/receivers/prometheus/exposition.js';
import { labelLimitError, ScrapeLoop, scrapedSeries, type LoopTarget } from '../../src/receivers/prometheus/scrape/loop.js';
import { compileRelabelConfigs } from '../../src/receivers/prometheus/scrape/relabel-config.js';
import type { WriteRequest } from '../../src/receivers/prometheus/remote-write.js';
import { createLogger } from '../../src/telemetry/logger.js';

const TEXT = 'text/plain; version=0.0.4';

const target = (over: Partial<LoopTarget> = {}): LoopTarget => ({
  key: 'k', job: 'j', url: 'http://127.0.0.1:1/metrics', labels: { job: 'j', instance: 'i' }, intervalMs: 1000, timeoutMs: 1000,
  honorLabels: false, honorTimestamps: true, sampleLimit: 0, labelLimits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0 },
  bodySizeLimitBytes: 0, metricRelabel: [], headers: {}, ...over,
});

const families = (body: string) => parseExposition(body, TEXT).families;
const WIDE = 'wide{a="1"} 1\nwide{a="2"} 2\nwide{a="3",b="x",c="y"} 3\nwide{a="4",a_long_label_name="z"} 4\nwide{a="5",v="a long value"} 5\n';
const limits = (l: Partial<LoopTarget['labelLimits']>) => target({ labelLimits: { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 0, ...l } });
const counts = (r: ReturnType<typeof scrapedSeries>) => ({ stored: r.series.length, scraped: r.scraped, added: r.added, error: r.error });

describe('scraped series and the limits, as Prometheus counts them', () => {
  it('fails at the first sample over a label limit: counted in scraped, not in post-relabeling', () => {
    // Labels counted after the target's: __name__, a, b, c, instance, job.
    expect(counts(scrapedSeries(limits({ labelLimit: 5 }), families(WIDE), 0))).toEqual({
      stored: 0, scraped: 3, added: 2, error: 'label_limit exceeded (metric: wide, number of labels: 6, limit: 5)',
    });
    expect(counts(scrapedSeries(limits({ labelNameLengthLimit: 10 }), families(WIDE), 0))).toEqual({
      stored: 0, scraped: 4, added: 3, error: 'label_name_length_limit exceeded (metric: wide, label name: a_long_label_name, length: 17, limit: 10)',
    });
    expect(counts(scrapedSeries(limits({ labelValueLengthLimit: 10 }), families(WIDE), 0))).toEqual({
      stored: 0, scraped: 5, added: 4, error: 'label_value_length_limit exceeded (metric: wide, label name: v, value: "a long value", length: 12, limit: 10)',
    });
    expect(counts(scrapedSeries(limits({ labelLimit: 6, labelNameLengthLimit: 17, labelValueLengthLimit: 12 }), families(WIDE), 0))).toEqual({ stored: 5, scraped: 5, added: 5, error: undefined });
  });

  it('measures label lengths in UTF-8 bytes', () => {
    expect(labelLimitError([{ name: 'v', value: 'ééé' }], { labelLimit: 0, labelNameLengthLimit: 0, labelValueLengthLimit: 5 })).toBe(
      'label_value_length_limit exceeded (metric: , label name: v, value: "ééé", length: 6, limit: 5)',
    );
  });

  it('counts every sample before failing the sample limit, and only those left after metric relabeling', () => {
    expect(counts(scrapedSeries(target({ sampleLimit: 4 }), families(WIDE), 0))).toEqual({ stored: 0, scraped: 5, added: 5, error: 'sample limit exceeded: 5 > 4' });
    const dropFifth = compileRelabelConfigs([{ source_labels: ['a'], regex: '5', action: 'drop' }], 'metric_relabel_configs');
    expect(counts(scrapedSeries(target({ sampleLimit: 4, metricRelabel: dropFifth }), families(WIDE), 0))).toEqual({ stored: 4, scraped: 5, added: 4, error: undefined });
  });

  it('keeps the first value of a series repeated in one exposition, but counts the repeat', () => {
    const r = scrapedSeries(target(), families('dup{a="1"} 1\ndup{a="1"} 2\nother 3\n'), 1000);
    expect(counts(r)).toEqual({ stored: 2, scraped: 3, added: 3, error: undefined });
    expect(r.series.map((s) => s.samples[0]!.value)).toEqual([1, 3]);
    // With timestamps of their own they are different samples.
    expect(scrapedSeries(target(), families('dup 1 100\ndup 2 200\n'), 1000).series.map((s) => s.samples[0])).toEqual([
      { value: 1, timestampMs: 100, stale: false },
      { value: 2, timestampMs: 200, stale: false },
    ]);
  });
});

describe('a scrape loop over its target_limit', () => {
  it('does not scrape and reports up 0 with no samples', async () => {
    const sent: WriteRequest[] = [];
    const loop = new ScrapeLoop(target(), async (req) => void sent.push(req), createLogger('silent'));
    loop.setForcedError('target_limit exceeded (number of targets: 2, limit: 1)');
    await loop.scrape();
    const values = Object.fromEntries(sent[0]!.timeseries.map((s) => [s.labels.find((l) => l.name === '__name__')!.value, s.samples[0]!.value]));
    expect(values).toMatchObject({ up: 0, scrape_samples_scraped: 0, scrape_samples_post_metric_relabeling: 0, scrape_series_added: 0 });
  });
});
