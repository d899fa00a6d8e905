/**
 * Gorilla-style chunks (Facebook's Gorilla paper, as Prometheus's tsdb/chunkenc XOR chunk does it):
 * timestamps as delta-of-delta, values as the XOR with the previous value. A scrape every 15 s of a
 * counter costs about 1 bit per timestamp and a few bits per value. A staleness marker is stored as
 * Prometheus's StaleNaN bit pattern (0x7ff0000000000002), so it survives the trip; other NaNs keep
 * JavaScript's canonical NaN.
 */
import type { StoredSample } from '../types.js';
import { BitReader, BitWriter } from './bits.js';

/** Samples per chunk before a new one is cut (Prometheus: 120). */
export const SAMPLES_PER_CHUNK = 120;

const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;

// One float64 seen as two uint32 halves (typed arrays: several times faster than a DataView here).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

/** A chunk that no longer grows: its bytes and bounds. */
export interface ClosedChunk {
  readonly data: Uint8Array;
  readonly count: number;
  readonly minT: number;
  readonly maxT: number;
}

const clz64 = (hi: number, lo: number) => (hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo));
const ctz32 = (x: number) => (x === 0 ? 32 : 31 - Math.clz32(x & -x));
const ctz64 = (hi: number, lo: number) => (lo !== 0 ? ctz32(lo) : 32 + ctz32(hi));

/** Whether `x` fits the signed `n`-bit range Prometheus uses: -(2^(n-1)-1) .. 2^(n-1). */
const fits = (x: number, n: number) => x >= -((1 << (n - 1)) - 1) && x <= 1 << (n - 1);

/** The chunk being appended to. */
export class ChunkAppender {
  private readonly w = new BitWriter(32);
  count = 0;
  minT = 0;
  maxT = 0;
  private delta = 0;
  private hi = 0;
  private lo = 0;
  private leading = 0xff;
  private trailing = 0;

  /** Bytes the chunk holds now. */
  get bytes(): number {
    return this.w.buf.length;
  }

  /** Appends a sample; `t` must be greater than the last one's. */
  append(t: number, v: number, stale: boolean): void {
    const [hi, lo] = valueBits(v, stale);
    const w = this.w;
    if (this.count === 0) {
      f64[0] = t;
      w.write(u32[HI]!, 32);
      w.write(u32[LO]!, 32);
      w.write(hi, 32);
      w.write(lo, 32);
      this.minT = t;
    } else {
      const delta = t - this.maxT;
      writeDod(w, this.count === 1 ? delta : delta - this.delta);
      this.delta = delta;
      this.writeValue(hi, lo);
    }
    this.maxT = t;
    this.hi = hi;
    this.lo = lo;
    this.count++;
  }

  private writeValue(hi: number, lo: number): void {
    const w = this.w;
    const xh = (hi ^ this.hi) >>> 0;
    const xl = (lo ^ this.lo) >>> 0;
    if (xh === 0 && xl === 0) {
      w.write(0, 1);
      return;
    }
    let leading = clz64(xh, xl);
    const trailing = ctz64(xh, xl);
    if (leading > 31) leading = 31;
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      w.write(0b10, 2);
      writeShifted(w, xh, xl, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sig = 64 - leading - trailing;
    w.write(0b11, 2);
    w.write(leading, 5);
    w.write(sig & 63, 6);
    writeShifted(w, xh, xl, trailing, sig);
  }

  /** The chunk's bytes, trimmed, once it is full. */
  close(): ClosedChunk {
    return { data: this.w.finish(), count: this.count, minT: this.minT, maxT: this.maxT };
  }

  /** The chunk as it stands, for reading (shares the buffer: read before the next append). */
  snapshot(): ClosedChunk {
    return { data: this.w.buf, count: this.count, minT: this.minT, maxT: this.maxT };
  }
}

function valueBits(v: number, stale: boolean): [number, number] {
  if (stale) return [STALE_HI, STALE_LO];
  f64[0] = v;
  return [u32[HI]!, u32[LO]!];
}

function writeDod(w: BitWriter, dod: number): void {
  if (dod === 0) w.write(0, 1);
  else if (fits(dod, 14)) {
    w.write(0b10, 2);
    w.write(dod & 0x3fff, 14);
  } else if (fits(dod, 17)) {
    w.write(0b110, 3);
    w.write(dod & 0x1ffff, 17);
  } else if (fits(dod, 20)) {
    w.write(0b1110, 4);
    w.write(dod & 0xfffff, 20);
  } else {
    w.write(0b1111, 4);
    f64[0] = dod;
    w.write(u32[HI]!, 32);
    w.write(u32[LO]!, 32);
  }
}

function readDod(r: BitReader): number {
  if (!r.bit()) return 0;
  let n: number;
  if (!r.bit()) n = 14;
  else if (!r.bit()) n = 17;
  else if (!r.bit()) n = 20;
  else {
    u32[HI] = r.read(32);
    u32[LO] = r.read(32);
    return f64[0]!;
  }
  const bits = r.read(n);
  return bits > 1 << (n - 1) ? bits - (1 << n) : bits;
}

/** Writes `count` bits of the 64-bit (hi, lo) shifted right by `shift`. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, count: number): void {
  let h = hi;
  let l = lo;
  if (shift >= 32) {
    l = hi >>> (shift - 32);
    h = 0;
  } else if (shift > 0) {
    l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    h = hi >>> shift;
  }
  if (count > 32) {
    w.write(h, count - 32);
    w.write(l, 32);
  } else w.write(l, count);
}

/**
 * Decodes the samples of `c` within [startMs, endMs] onto `out`. A staleness marker comes out as
 * [t, NaN, true].
 */
export function decodeChunk(c: ClosedChunk, startMs: number, endMs: number, out: StoredSample[]): void {
  if (c.count === 0 || c.maxT < startMs || c.minT > endMs) return;
  const r = new BitReader(c.data);
  u32[HI] = r.read(32);
  u32[LO] = r.read(32);
  let t = f64[0]!;
  let hi = r.read(32);
  let lo = r.read(32);
  let delta = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; ; ) {
    if (t > endMs) return;
    if (t >= startMs) {
      if (hi === STALE_HI && lo === STALE_LO) out.push([t, Number.NaN, true]);
      else {
        u32[HI] = hi;
        u32[LO] = lo;
        out.push([t, f64[0]!]);
      }
    }
    if (++i >= c.count) return;
    const dod = readDod(r);
    delta = i === 1 ? dod : delta + dod;
    t += delta;
    if (!r.bit()) continue;
    if (r.bit()) {
      leading = r.read(5);
      trailing = 64 - leading - (r.read(6) || 64);
    }
    const sig = 64 - leading - trailing;
    let xh = 0;
    let xl: number;
    if (sig > 32) {
      xh = r.read(sig - 32);
      xl = r.read(32);
    } else xl = r.read(sig);
    if (trailing >= 32) {
      xh = (xl << (trailing - 32)) >>> 0;
      xl = 0;
    } else if (trailing > 0) {
      xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
      xl = (xl << trailing) >>> 0;
    }
    hi = (hi ^ xh) >>> 0;
    lo = (lo ^ xl) >>> 0;
  }
}
