/**
 * A bit stream over a growing Uint8Array, most significant bit first: what the Gorilla chunks
 * (chunk.ts) write and read. Numbers go in at most 32 bits at a time; 64-bit values travel as two
 * unsigned 32-bit halves, because JavaScript's bit operators work on 32 bits.
 */

/** Appends bits to a buffer that grows by doubling. */
export class BitWriter {
  buf: Uint8Array;
  bitLen = 0;

  constructor(initialBytes = 16) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Writes the low `n` bits (0..32) of `v`, highest first. */
  write(v: number, n: number): void {
    if (n === 0) return;
    const need = (this.bitLen + n + 7) >>> 3;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    v >>>= 0;
    while (n > 0) {
      const free = 8 - (this.bitLen & 7);
      const take = free < n ? free : n;
      const bits = (v >>> (n - take)) & ((1 << take) - 1);
      this.buf[this.bitLen >>> 3]! |= bits << (free - take);
      this.bitLen += take;
      n -= take;
    }
  }

  /** Writes one bit. */
  bit(b: boolean): void {
    this.write(b ? 1 : 0, 1);
  }

  /** The written bytes, copied into a buffer of exactly their length. */
  finish(): Uint8Array {
    return this.buf.slice(0, (this.bitLen + 7) >>> 3);
  }
}

/** Reads bits written by BitWriter. */
export class BitReader {
  pos = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** Reads `n` bits (1..32) as an unsigned number: one 40-bit window, no loop per byte. */
  read(n: number): number {
    const b = this.buf;
    const i = this.pos >>> 3;
    const off = this.pos & 7;
    this.pos += n;
    // Bytes past the end read as undefined, which the bit operators take as 0.
    let w = ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
    if (off !== 0) w = ((w << off) | (b[i + 4]! >>> (8 - off))) >>> 0;
    return n === 32 ? w : w >>> (32 - n);
  }

  /** Reads one bit. */
  bit(): boolean {
    const byte = this.buf[this.pos >>> 3]!;
    const b = (byte >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return b === 1;
  }
}
