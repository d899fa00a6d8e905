/**
 * A protobuf wire-format writer shared by Braid's hand-written codecs. Nested messages use
 * fork/ldelim: `fork` reserves one length byte and `ldelim` shifts the body when the length needs
 * more, which is rare below the span level and avoids a separate size pass.
 */
import { writeHex } from '../hex.js';

const TWO_32 = 0x100000000;

/** Bytes a varint of the non-negative `n` (< 2^53) takes. */
export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(n / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Writes protobuf fields into a growing buffer; reusable across messages through `reset`. */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;
  private view: DataView;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafeSlow(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Starts a new message, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** A copy of the bytes written since the last `reset`, so the writer can be reused. */
  finish(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }

  /** Capacity of the current buffer, for callers that drop writers grown by an outsized message. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Writes a tag. */
  tag(field: number, wireType: number): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }

  /** Writes a uint32 (or enum) varint. */
  uint32(v: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** Writes an int32 varint; negatives take 10 bytes, as protobuf sign-extends them to 64 bits. */
  int32(v: number): void {
    if (v >= 0) this.uint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  /** Writes a non-negative integer below 2^53 as a varint. */
  varint(n: number): void {
    if (n <= 0xffffffff) this.uint32(n);
    else this.varint64(n >>> 0, Math.floor(n / TWO_32) >>> 0);
  }

  /** Writes a uint64 varint. */
  uint64(v: bigint): void {
    if (v >= 0n && v <= 0xffffffffn) this.uint32(Number(v));
    else this.int64(v);
  }

  /** Writes an int64 varint (two's complement, so negatives take 10 bytes). */
  int64(v: bigint): void {
    if (v >= 0n && v <= 0xffffffffn) {
      this.uint32(Number(v));
      return;
    }
    const u = BigInt.asUintN(64, v);
    this.varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /** Writes a bool varint. */
  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  /** Writes a fixed32. */
  fixed32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
  }

  /** Writes an sfixed32. */
  sfixed32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v | 0, true);
    this.pos += 4;
  }

  /** Writes a fixed64 (values outside uint64 wrap, as `BigInt.asUintN` does). */
  fixed64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  /** Writes an sfixed64. */
  sfixed64(v: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, BigInt.asIntN(64, v), true);
    this.pos += 8;
  }

  /** Writes a double. */
  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Writes a float. */
  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  /** Writes length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.uint32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes the bytes of an even-length hex string, length-prefixed; false when it is not hex. */
  hexBytes(hex: string): boolean {
    const n = hex.length >>> 1;
    this.uint32(n);
    this.ensure(n);
    if (!writeHex(hex, this.buf, this.pos)) return false;
    this.pos += n;
    return true;
  }

  /** Writes a length-prefixed UTF-8 string (lone surrogates become U+FFFD, as with TextEncoder). */
  string(s: string): void {
    const n = s.length;
    // Up to 42 UTF-16 units encode to at most 126 bytes, so the length fits the one reserved byte.
    if (n <= 42) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.pos;
      let p = start + 1;
      for (let i = 0; i < n; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          buf[p++] = c;
        } else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        } else {
          if ((c & 0xfc00) === 0xd800 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
            c = 0x10000 + ((c & 0x3ff) << 10) + (s.charCodeAt(++i) & 0x3ff);
            buf[p++] = 0xf0 | (c >> 18);
            buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          } else {
            if ((c & 0xf800) === 0xd800) c = 0xfffd;
            buf[p++] = 0xe0 | (c >> 12);
          }
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        }
      }
      buf[start] = p - start - 1;
      this.pos = p;
      return;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.uint32(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, len, 'utf8');
  }

  /** Starts a length-delimited field body; pass the result to `ldelim` once the body is written. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends a body started by `fork`, writing its length in front of it. */
  ldelim(start: number): void {
    const len = this.pos - start - 1;
    if (len < 0x80) {
      this.buf[start] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    const end = this.pos;
    this.pos = start;
    this.uint32(len);
    this.pos = end;
  }

  /** Writes a varint from its low and high 32 bits. */
  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi > 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /** Makes room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }
}
