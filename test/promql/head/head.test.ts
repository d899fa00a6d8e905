import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHead, type HeadSettings } from '../../../src/promql/head/index.js';
import { parseExpr } from '../../../src/promql/parse.js';
import type { LabelMatcher } from '../../../src/promql/types.js';

const T0 = 1_700_000_000_000;
const H = 3_600_000;

function head(over: Partial<HeadSettings> = {}, clock = { t: T0 }) {
  const registry = new Registry();
  return { h: createHead({ windowMs: 2 * H, maxBytes: 1 << 30, truncateEveryMs: 0, now: () => clock.t, ...over }, registry), registry, clock };
}

/** The matchers of a selector, as the engine passes them (without their compiled test). */
const sel = (text: string): LabelMatcher[] => {
  const { expr } = parseExpr(text);
  if (expr.kind !== 'vector') throw new Error('not a selector');
  return expr.matchers.map(({ type, name, value }) => ({ type, name, value }));
};

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v?.value ?? 0;
}

describe('head', () => {
  it('answers =, !=, =~ and !~ selectors from the index, with samples in range', async () => {
    const { h } = head();
    for (const job of ['api', 'db', 'web']) {
      for (let i = 0; i < 3; i++) {
        for (let k = 0; k < 10; k++) h.append({ __name__: 'up', job, instance: `i${i}` }, T0 - H + k * 15_000, k);
      }
    }
    h.append({ __name__: 'other', job: 'api' }, T0 - H, 1);
    const names = (text: string) => h.selectSync(sel(text), -Infinity, Infinity).map((s) => `${s.labels.job}/${s.labels.instance}`).sort();
    expect(names('up{job="api"}')).toEqual(['api/i0', 'api/i1', 'api/i2']);
    expect(names('up{job!="api",instance="i1"}')).toEqual(['db/i1', 'web/i1']);
    expect(names('up{job=~"a.*|w.*",instance!~"i[01]"}')).toEqual(['api/i2', 'web/i2']);
    expect(names('{job="api",instance=""}')).toEqual(['api/undefined']);
    expect(names('up{job=~".*",instance="i0"}')).toEqual(['api/i0', 'db/i0', 'web/i0']);
    expect(names('up{nope=""}').length).toBe(9);
    expect(names('up{job="nope"}')).toEqual([]);
    const [s] = h.selectSync(sel('up{job="db",instance="i0"}'), T0 - H + 30_000, T0 - H + 60_000);
    expect(s!.samples).toEqual([[T0 - H + 30_000, 2], [T0 - H + 45_000, 3], [T0 - H + 60_000, 4]]);
    expect(h.selectSync(sel('up'), T0, T0 + H)).toEqual([]);
    expect(() => h.selectSync(sel('up') .concat([{ type: '=~', name: 'job', value: '(' }]), 0, 1)).toThrow(/invalid regular expression/);
  });

  it('keeps staleness markers, refuses out-of-order samples and counts them; a replayed sample is ignored', async () => {
    const { h, registry } = head();
    const l = { __name__: 'x', job: 'a' };
    expect(h.append(l, T0, 1)).toBe('appended');
    expect(h.append(l, T0 + 1000, Number.NaN, true)).toBe('appended');
    expect(h.append(l, T0 + 1000, Number.NaN, true)).toBe('duplicate');
    expect(h.append(l, T0 + 2000, 5)).toBe('appended');
    expect(h.append(l, T0 + 2000, 5)).toBe('duplicate');
    expect(h.append(l, T0 + 2000, 6)).toBe('duplicate_timestamp');
    expect(h.append(l, T0 + 1500, 6)).toBe('out_of_order');
    expect(h.append({ ...l, job: 'b' }, T0 - 3 * H, 1)).toBe('too_old');
    const [s] = h.selectSync(sel('x'), -Infinity, Infinity);
    expect(s!.samples.length).toBe(3);
    expect(s!.samples[1]).toEqual([T0 + 1000, Number.NaN, true]);
    expect(await metric(registry, 'braid_head_samples_refused_total', { reason: 'out_of_order' })).toBe(1);
    expect(await metric(registry, 'braid_head_samples_refused_total', { reason: 'duplicate_timestamp' })).toBe(1);
    expect(await metric(registry, 'braid_head_samples_refused_total', { reason: 'too_old' })).toBe(1);
    expect(await metric(registry, 'braid_head_samples_appended_total')).toBe(3);
  });

  it('drops chunks older than the window on truncation, and series with nothing left', () => {
    const { h, clock } = head();
    for (let k = 0; k < 480; k++) {
      clock.t = T0 + k * 15_000;
      h.append({ __name__: 'x', job: 'a' }, clock.t, k);
      if (k < 10) h.append({ __name__: 'y', job: 'a' }, clock.t, k);
    }
    expect(h.stats()).toMatchObject({ series: 2, chunks: 5, samples: 490 });
    clock.t = T0 + 3 * H;
    h.truncate();
    // 480 samples over 2 h; the cutoff at T0 + 1 h leaves the last two chunks (samples 240..479) and the open one is empty.
    expect(h.stats()).toMatchObject({ series: 1, chunks: 2, samples: 240 });
    expect(h.selectSync(sel('x'), -Infinity, Infinity)[0]!.samples[0]![0]).toBe(T0 + 240 * 15_000);
    expect(h.labelValues('__name__', [], -Infinity, Infinity)).toEqual(['x']);
  });

  it('past max_bytes refuses new series and counts them; existing series keep appending', async () => {
    const { h, registry } = head({ maxBytes: 20_000 });
    let n = 0;
    while (h.append({ __name__: 'x', i: String(n) }, T0, 1) === 'appended') n++;
    expect(n).toBeGreaterThan(10);
    expect(h.stats().series).toBe(n);
    expect(h.append({ __name__: 'x', i: '0' }, T0 + 15_000, 2)).toBe('appended');
    expect(await metric(registry, 'braid_head_series_refused_total', { reason: 'max_bytes' })).toBe(1);
    expect(await metric(registry, 'braid_head_samples_refused_total', { reason: 'series_limit' })).toBe(1);
    expect(await metric(registry, 'braid_head_bytes')).toBe(h.stats().bytes);
  });

  it('past maxSeries refuses new series with reason max_series; existing series keep appending', async () => {
    const { h, registry } = head({ maxSeries: 3 });
    const outcomes = [0, 1, 2, 3, 4].map((i) => h.append({ __name__: 'x', i: String(i) }, T0, 1));
    expect(outcomes).toEqual(['appended', 'appended', 'appended', 'series_limit', 'series_limit']);
    expect(h.append({ __name__: 'x', i: '2' }, T0 + 15_000, 2)).toBe('appended');
    expect(h.stats().series).toBe(3);
    expect(await metric(registry, 'braid_head_series_refused_total', { reason: 'max_series' })).toBe(2);
    expect(await metric(registry, 'braid_head_series_refused_total', { reason: 'max_bytes' })).toBe(0);
    // Room again once a series is truncated away.
    h.truncate(T0 + 15_000 + 2 * H + 1);
    expect(h.append({ __name__: 'x', i: '9' }, T0 + 15_000 + 2 * H + 2, 1)).toBe('appended');
  });

  it('answers label names, values, series and exemplars from the index', () => {
    const { h } = head();
    h.append({ __name__: 'calls_total', service_name: 'cart', status_code: 'ERROR' }, T0 - 60_000, 1);
    h.append({ __name__: 'calls_total', service_name: 'shop', status_code: 'OK' }, T0 - 60_000, 1);
    h.append({ __name__: 'up', job: 'braid' }, T0 - 2 * 60_000, 1);
    expect(h.labelNames([], T0 - H, T0)).toEqual(['__name__', 'job', 'service_name', 'status_code']);
    expect(h.labelNames([sel('calls_total')], T0 - H, T0)).toEqual(['__name__', 'service_name', 'status_code']);
    expect(h.labelValues('service_name', [], T0 - H, T0)).toEqual(['cart', 'shop']);
    expect(h.labelValues('__name__', [sel('{job="braid"}'), sel('{service_name="cart"}')], T0 - H, T0)).toEqual(['calls_total', 'up']);
    expect(h.labelValues('__name__', [], T0 - 90_000, T0)).toEqual(['calls_total']);
    expect(h.series([sel('calls_total{status_code="ERROR"}')], T0 - H, T0)).toEqual([{ __name__: 'calls_total', service_name: 'cart', status_code: 'ERROR' }]);
    const l = { __name__: 'calls_total', service_name: 'cart', status_code: 'ERROR' };
    for (let i = 0; i < 12; i++) expect(h.appendExemplar(l, { labels: { trace_id: `t${i}` }, value: i, timestampMs: T0 - 60_000 + i })).toBe(true);
    expect(h.appendExemplar(l, { labels: { trace_id: 't11' }, value: 11, timestampMs: T0 - 60_000 + 11 })).toBe(false);
    expect(h.appendExemplar({ __name__: 'unknown' }, { labels: {}, value: 1, timestampMs: T0 })).toBe(false);
    const [ex] = h.exemplars([sel('calls_total')], T0 - 60_000 + 5, T0);
    expect(ex!.seriesLabels).toEqual(l);
    expect(ex!.exemplars.map((e) => e.labels.trace_id)).toEqual(['t5', 't6', 't7', 't8', 't9', 't10', 't11']);
    expect(h.stats().exemplars).toBe(10);
  });

  it('covers nothing until the feed says so, then from max(start of feeding, now - window)', () => {
    const { h, clock } = head();
    expect(h.coversFromMs()).toBe(Infinity);
    h.markCoveredFrom(T0 - 10 * 60_000);
    expect(h.coversFromMs()).toBe(T0 - 10 * 60_000);
    clock.t = T0 + 3 * H;
    expect(h.coversFromMs()).toBe(T0 + H);
  });
});
