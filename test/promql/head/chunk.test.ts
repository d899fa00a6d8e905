import { describe, expect, it } from 'vitest';
import { ChunkAppender, decodeChunk } from '../../../src/promql/head/chunk.js';
import type { StoredSample } from '../../../src/promql/types.js';

/** A deterministic pseudo-random source (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function roundTrip(samples: StoredSample[]): StoredSample[] {
  const c = new ChunkAppender();
  for (const [t, v, stale] of samples) c.append(t, v, stale === true);
  const out: StoredSample[] = [];
  decodeChunk(c.close(), -Infinity, Infinity, out);
  return out;
}

/** Samples as comparable text: Object.is semantics for values (-0, NaN), the stale flag explicit. */
const text = (a: StoredSample[]) => a.map(([t, v, s]) => `${t} ${Object.is(v, -0) ? '-0' : String(v)}${s === true ? ' stale' : ''}`);
const same = (a: StoredSample[], b: StoredSample[]) => expect(text(a)).toEqual(text(b));

describe('Gorilla chunk', () => {
  it('round-trips NaN, infinities, -0, staleness markers and extreme values', () => {
    const values = [0, -0, 1, -1, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MAX_VALUE, 1e-300, 0.1, 1 / 3, 2 ** 53, 42];
    const samples: StoredSample[] = values.map((v, i) => [1_700_000_000_000 + i * 15_000, v]);
    samples.splice(5, 0, [samples[4]![0] + 1, Number.NaN, true]);
    for (let i = 6; i < samples.length; i++) samples[i] = [samples[i]![0] + 2, samples[i]![1]];
    same(roundTrip(samples), samples);
  });

  it('round-trips random data: irregular timestamps (tiny to huge gaps, negative times) and random values', () => {
    const rnd = random(7);
    for (let run = 0; run < 200; run++) {
      let t = Math.floor((rnd() - 0.5) * 4e12);
      const samples: StoredSample[] = [];
      let v = rnd() * 100;
      for (let i = 0; i < 120; i++) {
        const kind = rnd();
        t += kind < 0.5 ? 15_000 : kind < 0.7 ? 1 + Math.floor(rnd() * 10) : kind < 0.9 ? Math.floor(rnd() * 1_000_000) : Math.floor(rnd() * 1e11) + 1;
        const vk = rnd();
        v = vk < 0.3 ? v : vk < 0.6 ? v + Math.floor(rnd() * 10) : vk < 0.9 ? (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20) : [Number.NaN, Infinity, -0][Math.floor(rnd() * 3)]!;
        samples.push(rnd() < 0.02 ? [t, Number.NaN, true] : [t, v]);
      }
      same(roundTrip(samples), samples);
    }
  });

  it('reads only the asked range', () => {
    const samples: StoredSample[] = Array.from({ length: 100 }, (_, i) => [i * 1000, i]);
    const c = new ChunkAppender();
    for (const [t, v] of samples) c.append(t, v, false);
    const out: StoredSample[] = [];
    decodeChunk(c.snapshot(), 10_000, 20_000, out);
    same(out, samples.slice(10, 21));
  });

  it('costs about 2 bytes per sample for a 15 s counter', () => {
    const c = new ChunkAppender();
    let v = 0;
    const rnd = random(1);
    for (let i = 0; i < 120; i++) c.append(1_700_000_000_000 + i * 15_000, (v += Math.floor(rnd() * 100)), false);
    expect(c.close().data.length / 120).toBeLessThan(2.5);
  });
});
