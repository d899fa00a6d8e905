/**
 * The Prometheus decoders under fuzz: remote write (snappy + protobuf WriteRequest) and the scrape
 * parser (text exposition 0.0.4 and OpenMetrics 1.0). Valid inputs round-trip (remote write bodies
 * decode to the series encoded; what prom-client's registry exposes parses to its metrics);
 * random, mutated and hostile bodies decode or are refused with a reason.
 */
import fc from 'fast-check';
import { Counter, Gauge, Histogram, Registry, Summary, type RegistryContentType } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/receivers/prometheus/exposition.js';
import { decodeRemoteWrite, remoteWriteToOtlp, type MetricMetadata } from '../../src/receivers/prometheus/remote-write.js';
import { encode, snappy, type SeriesSpec } from '../helpers/remote-write.js';
import { encodeRandomMessage, lengthPrefix, mutated, mutatedText, randomMessage, text } from './arbitraries.js';
import { counter, decodeOnce, memoryGrowth, params, refuseQuietly, runs, timeoutFor } from './harness.js';

const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,15}$/);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/).filter((n) => n !== '__name__');
const timestampMs = fc.integer({ min: 0, max: 10_000_000_000_000 });
const sampleValue = fc.oneof(fc.double(), fc.constant<'stale'>('stale'));

const series: fc.Arbitrary<SeriesSpec> = fc.record({
  name: metricName,
  labels: fc.uniqueArray(fc.tuple(labelName, text(12)), { maxLength: 4, selector: ([n]) => n }),
  samples: fc.array(fc.tuple(sampleValue, timestampMs), { maxLength: 4 }),
  exemplars: fc.array(fc.record({ labels: fc.uniqueArray(fc.tuple(labelName, text(8)), { maxLength: 2, selector: ([n]) => n }), value: fc.double(), ts: timestampMs }), { maxLength: 2 }),
  histograms: fc.nat(2),
}).map(({ name, labels, ...rest }) => ({ labels: [['__name__', name] as [string, string], ...labels], ...rest }));

const metadata: fc.Arbitrary<MetricMetadata> = fc.record({
  type: fc.constantFrom('unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'), metricFamilyName: metricName, help: text(), unit: fc.stringMatching(/^[a-z]{0,8}$/),
});

const writeRequest = fc.tuple(fc.array(series, { maxLength: 5 }), fc.array(metadata, { maxLength: 3 }));
const rawWriteRequest = writeRequest.map(([s, m]) => encode(s, m));

const remoteWrite = counter('remote write (snappy + protobuf)');
const exposition = counter('prometheus text and openmetrics');

describe('remote write', () => {
  it('bodies made of generated series decode to those series, and convert to OTLP', () => {
    const n = runs(1000);
    fc.assert(fc.property(writeRequest, ([specs, md]) => {
      const decoded = decodeOnce(remoteWrite, 'decodeRemoteWrite', () => decodeRemoteWrite(snappy(encode(specs, md))));
      expect(decoded.outcome).toBe('decoded');
      const req = decoded.value!;
      expect(req.metadata).toEqual(md);
      expect(req.timeseries).toHaveLength(specs.length);
      req.timeseries.forEach((ts, i) => {
        const s = specs[i]!;
        expect(ts.labels.map((l) => [l.name, l.value])).toEqual(s.labels);
        expect(ts.samples.map((p) => [p.stale ? 'stale' : p.value, p.timestampMs])).toEqual(s.samples);
        expect(ts.exemplars.map((e) => ({ labels: e.labels.map((l) => [l.name, l.value]), value: e.value, ts: e.timestampMs }))).toEqual(s.exemplars);
        expect(ts.histograms).toBe(s.histograms);
      });
      remoteWriteToOtlp(req);
    }), params(n));
  }, timeoutFor(runs(1000), 3));

  it('random, mutated and snappy-wrapped random bytes: decoded or refused with a 4xx', () => {
    const n = runs(3000);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 100 }),
      mutated(rawWriteRequest.map((b) => snappy(b))),
      mutated(rawWriteRequest).map((b) => snappy(b)),
      randomMessage().map((m) => snappy(encodeRandomMessage(m))),
    );
    fc.assert(fc.property(body, (b) => {
      const r = decodeOnce(remoteWrite, 'decodeRemoteWrite', () => decodeRemoteWrite(Buffer.from(b), { maxDecodedBytes: 1 << 20 }));
      if (r.value) remoteWriteToOtlp(r.value);
    }), params(n));
  }, timeoutFor(runs(3000), 2));

  it('hostile bodies (a declared size past the limit, 2^32, huge length prefixes) are refused fast without allocating what they claim', () => {
    const hostile = [
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), // declares 2^32 - 1 bytes
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // a 6-byte length header
      Buffer.from([0x80, 0x80, 0x80, 0x08, 0x00]), // declares 16 MiB, holds nothing
      snappy(Buffer.concat([lengthPrefix(1, 0xffff_ffffn), Buffer.alloc(8)])),
      snappy(Buffer.concat([lengthPrefix(1, 2n ** 62n), Buffer.alloc(8)])),
      snappy(Buffer.alloc(64 * 1024, Buffer.from([0x0a, 0x00]))), // 32,768 empty series
    ];
    for (const b of hostile) decodeOnce(remoteWrite, 'decodeRemoteWrite', () => decodeRemoteWrite(b, { maxDecodedBytes: 20 << 20 }));
    const growth = memoryGrowth([...hostile, ...hostile, ...hostile], (b) => refuseQuietly(() => decodeRemoteWrite(b as Buffer, { maxDecodedBytes: 20 << 20 }), 'remote write'));
    expect(growth.heapMiB).toBeLessThan(8);
    expect(growth.peakRssMiB).toBeLessThan(64);
  });
});

/** A family for prom-client to expose. */
const familySpec = fc.record({
  kind: fc.constantFrom('counter', 'gauge', 'histogram', 'summary'),
  name: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/),
  help: text(20),
  labelNames: fc.uniqueArray(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,6}$/).filter((l) => !['le', 'quantile'].includes(l)), { maxLength: 2 }),
  observations: fc.array(fc.tuple(fc.array(text(10), { minLength: 2, maxLength: 2 }), fc.double({ min: 0, max: 1e9, noNaN: true })), { minLength: 1, maxLength: 4 }),
});

type FamilySpec = typeof familySpec extends fc.Arbitrary<infer T> ? T : never;

/** Exposes `specs` through a prom-client registry in text or OpenMetrics format. */
async function expose(specs: FamilySpec[], openMetrics: boolean): Promise<{ body: string; contentType: string }> {
  const registry = new Registry<RegistryContentType>();
  if (openMetrics) registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  for (const s of specs) {
    const common = { name: s.name, help: s.help || 'h', labelNames: s.labelNames, registers: [registry] };
    const labels = (values: string[]) => Object.fromEntries(s.labelNames.map((l, i) => [l, values[i] ?? '']));
    if (s.kind === 'counter') {
      const m = new Counter(common);
      for (const [v, x] of s.observations) m.inc(labels(v), x);
    } else if (s.kind === 'gauge') {
      const m = new Gauge(common);
      for (const [v, x] of s.observations) m.set(labels(v), x);
    } else if (s.kind === 'histogram') {
      const m = new Histogram({ ...common, buckets: [0.5, 10, 1e6] });
      for (const [v, x] of s.observations) m.observe(labels(v), x);
    } else {
      const m = new Summary({ ...common, percentiles: [0.5, 0.99] });
      for (const [v, x] of s.observations) m.observe(labels(v), x);
    }
  }
  return { body: await registry.metrics(), contentType: registry.contentType };
}

const families = fc.uniqueArray(familySpec, { minLength: 1, maxLength: 4, selector: (f) => f.name.replace(/_(total|count|sum|bucket|created|info)$/, '') }).filter((fs) => {
  // Names that collide once prom-client adds suffixes (a counter `a` exposes `a_total`) are not one family each.
  const names = fs.map((f) => f.name);
  return fs.every((f) => !names.some((n) => n !== f.name && (n.startsWith(`${f.name}_`) || f.name.startsWith(`${n}_`))));
});

describe('Prometheus text and OpenMetrics', () => {
  it('what prom-client exposes parses to its families, types and counter and gauge values, in both formats', async () => {
    const n = runs(300);
    await fc.assert(fc.asyncProperty(families, fc.boolean(), async (specs, om) => {
      const { body, contentType } = await expose(specs, om);
      const r = decodeOnce(exposition, 'parseExposition', () => parseExposition(body, contentType)).value!;
      expect(r.errors).toEqual([]);
      for (const s of specs) {
        const family = r.families.find((f) => f.name === s.name);
        expect(family, `${s.name} in\n${body}`).toBeDefined();
        expect(family!.type).toBe(s.kind);
        if (s.kind === 'counter' || s.kind === 'gauge') {
          const last = new Map<string, number>();
          for (const [v, x] of s.observations) {
            const key = JSON.stringify(s.labelNames.map((_, i) => v[i] ?? ''));
            last.set(key, s.kind === 'counter' ? (last.get(key) ?? 0) + x : x);
          }
          const values = family!.samples.filter((p) => !p.name.endsWith('_created'));
          expect(values).toHaveLength(last.size);
          for (const p of values) {
            const key = JSON.stringify(s.labelNames.map((l) => p.labels.find(([k]) => k === l)?.[1] ?? ''));
            expect(p.value).toBe(last.get(key));
          }
        }
      }
    }), params(n));
  }, timeoutFor(runs(300), 10));

  it('random and mutated expositions: families or errors with reasons, never a throw', async () => {
    const n = runs(2000);
    const valid = fc.tuple(families, fc.boolean()).map(([specs, om]) => ({ specs, om }));
    const bodies = await Promise.all(fc.sample(valid, 50).map(({ specs, om }) => expose(specs, om)));
    const body = fc.oneof(
      fc.tuple(mutatedText(fc.constantFrom(...bodies.map((b) => b.body))), fc.constantFrom(...bodies.map((b) => b.contentType))),
      fc.tuple(fc.string({ maxLength: 80 }), fc.constantFrom('text/plain; version=0.0.4', 'application/openmetrics-text; version=1.0.0', '', 'application/json')),
      fc.tuple(fc.array(fc.oneof(fc.constantFrom('# HELP a x', '# TYPE a counter', '# TYPE a histogram', 'a_total 1', 'a_bucket{le="+Inf"} 2', 'a{b="c"} 3 # {t="1"} 1 2', '# EOF', '', '# UNIT a s'), text(12)), { maxLength: 8 }).map((ls) => ls.join('\n')), fc.constantFrom('text/plain', 'application/openmetrics-text')),
    );
    fc.assert(fc.property(body, ([t, type]) => {
      const r = decodeOnce(exposition, 'parseExposition', () => parseExposition(t, type, { fallbackFormat: 'prometheus-text' })).value!;
      if (r.errors.length > 0) {
        expect(r.families).toEqual([]);
        for (const e of r.errors) expect(e.length).toBeGreaterThan(5);
      }
    }), params(n));
  }, timeoutFor(runs(2000), 2));

  it('hostile expositions (a 64 KiB label value, 10,000 labels, 30,000 lines of one family) parse within the bound', () => {
    const hostile = [
      `a{b="${'x'.repeat(64 * 1024)}"} 1\n`,
      `a{${Array.from({ length: 10_000 }, (_, i) => `l${i}="v"`).join(',')}} 1\n`,
      `# TYPE a counter\n${Array.from({ length: 30_000 }, (_, i) => `a_total{i="${i}"} ${i}`).join('\n')}\n`,
      `a ${'9'.repeat(50_000)}\n`,
      `a{b="${'\\\\'.repeat(20_000)}"} 1\n`,
    ];
    for (const t of hostile) {
      decodeOnce(exposition, 'parseExposition (text)', () => parseExposition(t, 'text/plain'));
      decodeOnce(exposition, 'parseExposition (openmetrics)', () => parseExposition(`${t}# EOF\n`, 'application/openmetrics-text'));
    }
  });
});
